/* The table's rows after a filter change, from what the server sent (the `grid-values` store).

   A filter change moves only some of the table's columns (a ward's spend and suppliers; its name,
   code and deprivation stay), so the server sends only those: {"columns": {field: cells}}, one
   cell per row in the order the page holds them. They are written into copies of the rows the
   grid has. A new table (another layer, other headings, another row count) comes whole:
   {"rows": rowData}. Cells are data, never markup: the grid renders them as text. */
(function () {
  "use strict";

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.anchorGrid = {
    rows: function (values, held) {
      var none = window.dash_clientside.no_update;
      if (!values || typeof values !== "object") { return none; }
      if (Array.isArray(values.rows)) { return values.rows; }
      var columns = values.columns && typeof values.columns === "object" ? values.columns : {};
      var names = Object.keys(columns);
      var fits = Array.isArray(held) && names.every(function (name) {
        return Array.isArray(columns[name]) && columns[name].length === held.length;
      });
      if (!fits) {
        if (window.console) { window.console.warn("table: the columns sent do not fit its rows"); }
        return none;
      }
      return held.map(function (row, i) {
        var copy = Object.assign({}, row);
        names.forEach(function (name) { copy[name] = columns[name][i]; });
        return copy;
      });
    }
  };
})();
