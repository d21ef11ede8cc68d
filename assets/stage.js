/* Keeps the map on the first screen: from 1100 px wide the map's height is the screen's height
   less its distance from the page's top (app.css: .map-frame, var(--map-top)). That distance
   changes with the header (the filter chips wrap as filters are added, presentation mode changes
   the type size), so it is measured, not guessed: on load, on resize and whenever the header or
   the bar above the map changes size. The map's own height never feeds back into it. */
(function () {
  "use strict";
  var last = null;

  function measure() {
    var frame = document.querySelector(".map-frame");
    if (!frame) { return; }
    var top = Math.round(frame.getBoundingClientRect().top + window.scrollY);
    if (top !== last) {
      last = top;
      document.documentElement.style.setProperty("--map-top", top + "px");
    }
  }

  function start() {
    var frame = document.querySelector(".map-frame");
    if (!frame) { window.setTimeout(start, 100); return; }
    measure();
    if (window.ResizeObserver) {
      var ro = new window.ResizeObserver(measure);
      [".app-header", ".map-controls", ".stage"].forEach(function (sel) {
        var el = document.querySelector(sel);
        if (el) { ro.observe(el); }
      });
    }
    window.addEventListener("resize", measure);
    // presentation mode changes the type size without resizing the observed boxes first
    new MutationObserver(measure).observe(document.getElementById("page-root") || document.body,
                                          {attributes: true, attributeFilter: ["class"]});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/* Escape puts away a card's definition (WCAG 1.4.13: dismissible without moving the pointer or
   focus); it shows again once the pointer or focus leaves the "?" and comes back. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    document.querySelectorAll(".card:has(.def-btn:hover), .card:has(.def-btn:focus-visible)")
      .forEach(function (card) { card.classList.add("def-closed"); });
  });
  function reopen(e) {
    var card = e.target && e.target.closest && e.target.closest(".card");
    if (card) { card.classList.remove("def-closed"); }
  }
  document.addEventListener("focusout", reopen);
  document.addEventListener("mouseout", reopen);
})();
