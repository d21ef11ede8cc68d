/* Folded sections (dashboard/web/layout/folds.py): once a fold's button (or the header's data
   sets link) has brought its body, keyboard focus moves into the body, since the button it was on
   is hidden. No inline script: served from assets/ (the CSP allows scripts from files only). */
(function () {
  "use strict";
  var OPENERS = {"plan-open": "plan-body", "data-open": "data-body", "data-link": "data-body"};

  function focusWhenFilled(bodyId, tries) {
    var body = document.getElementById(bodyId);
    if (body && body.children.length > 0) {
      body.focus({preventScroll: false});
      return;
    }
    if (tries > 0) { setTimeout(function () { focusWhenFilled(bodyId, tries - 1); }, 100); }
  }

  document.addEventListener("click", function (e) {
    var opener = e.target.closest && e.target.closest("#plan-open, #data-open, #data-link");
    if (opener) { focusWhenFilled(OPENERS[opener.id], 100); }
  });
})();
