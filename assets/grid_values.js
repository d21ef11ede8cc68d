/* The table's rows after a filter change, from the columns the server sent (`grid-values`).

   A filter change moves only some of the table's columns (a ward's spend and suppliers; its name,
   code and deprivation stay), so the server sends only those: {field: cells}, one cell per row
   in the order the page holds them. They are written into copies of the rows the grid has. A new
   table (another layer, other headings, another row count) comes whole from the server, rows
   and columns together, without this script. Cells are data, never markup: the grid renders
   them as text. */
(function () {
  "use strict";

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.anchorGrid = {
    rows: function (columns, held) {
      var none = window.dash_clientside.no_update;
      if (!columns || typeof columns !== "object") { return none; }
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
