/* A dropdown with a value keeps what is typed (issue 16). Dash 4's Dropdown, opened when it has
   a value, puts focus on the chosen option's input, not on its search box, so the letters typed
   went nowhere. A printable key pressed on an option (not Space, which chooses it) moves focus
   to the search box first; the browser then types the letter there. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (!t || !t.closest || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (typeof e.key !== "string" || e.key.length !== 1 || e.key === " ") { return; }
    var content = t.closest(".dash-dropdown-content");
    if (!content || t.classList.contains("dash-dropdown-search")) { return; }
    var search = content.querySelector(".dash-dropdown-search");
    if (search) { search.focus(); }
  }, true);
})();
