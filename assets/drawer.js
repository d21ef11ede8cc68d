/* The filters as a drawer: in presentation mode and on screens under 992 px the filter panel is
   not beside the page (app.css hides it off the left edge); the header's "Filters" button slides
   it over the page's left edge and its "Close" button (or Escape) puts it away. There is no
   backdrop: the headline and the map stay in the room's view while someone steers, and every
   change is applied as it is made.

   The state is a class on <body> (outside React, so no re-render of the page clears it); the
   button's aria-expanded says it to screen readers. Opening moves focus to the drawer's heading
   region (its Close button), closing returns it to the Filters button (WCAG 2.4.3). */
(function () {
  "use strict";
  var OPEN = "filters-drawer-open";

  function button() { return document.getElementById("filters-open"); }

  function set(open) {
    document.body.classList.toggle(OPEN, open);
    var b = button();
    if (b) { b.setAttribute("aria-expanded", open ? "true" : "false"); }
  }

  function isOpen() { return document.body.classList.contains(OPEN); }

  document.addEventListener("click", function (e) {
    var t = e.target && e.target.closest ? e.target : null;
    if (!t) { return; }
    if (t.closest("#filters-open")) {
      var open = !isOpen();
      set(open);
      if (open) {
        var close = document.getElementById("filters-close");
        if (close) { window.setTimeout(function () { close.focus(); }, 50); }
      }
    } else if (t.closest("#filters-close")) {
      set(false);
      var b = button();
      if (b) { b.focus(); }
    }
  });

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || !isOpen()) { return; }
    // Escape inside an open dropdown closes the dropdown only
    if (e.target && e.target.closest && e.target.closest(".dash-dropdown-content")) { return; }
    var inside = e.target && e.target.closest && e.target.closest("#filters-col");
    set(false);
    if (inside) { var b = button(); if (b) { b.focus(); } }
  });
})();
