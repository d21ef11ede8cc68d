/* Accessibility repairs for Dash 4 dcc components (checked with axe-core; see docs/settings.md
   neighbours in the README for context). Dash 4.4 renders:
   - Checklist / RadioItems as role="listbox" > label[role="option"] around native inputs:
     axe "nested-interactive" and "aria-input-field-name" (serious). The native checkbox/radio
     inputs inside a <fieldset><legend> are already accessible, so the roles are removed.
   - Dropdown as an aria-hidden, focusable <input> that forwards focus to a tabindex=-1 <button>:
     axe "aria-hidden-focus" (serious). The button is made the tab stop instead, and its name
     gets the visible <label> ("<id>-label") in front of the selected value. Its open popover is
     an unnamed role="dialog" (axe "aria-dialog-name"): it is named after the control.
   - dash-bootstrap-components Tabs (dbc 2.0) as role="tab" links that all share the id
     "...-tab-null" and point aria-controls at a "...-tabpane-null" that does not exist (axe
     "aria-valid-attr-value", critical), every one with tabindex=-1 and no aria-selected. Each
     tab gets the id its panel's aria-labelledby names and aria-controls its panel's id, the
     selected one aria-selected and the tab stop, and the arrow keys, Home and End move between
     the tabs (WAI-ARIA tabs pattern, automatic activation).
   A MutationObserver re-applies the repairs when React re-renders; every write is guarded so the
   observer never loops. */
(function () {
  "use strict";

  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }

  function repairOptions(root) {
    root.querySelectorAll(".dash-options-list[role]").forEach(function (el) {
      el.removeAttribute("role");
    });
    root.querySelectorAll(".dash-options-list-option[role], .dash-options-list-option[aria-selected],"
                          + " .dash-options-list-option[aria-checked]").forEach(function (el) {
      el.removeAttribute("role");
      el.removeAttribute("aria-selected");
      el.removeAttribute("aria-checked");
    });
  }

  function repairDropdowns(root) {
    root.querySelectorAll(".dash-dropdown-wrapper").forEach(function (wrap) {
      var trap = wrap.querySelector(":scope > .dash-dropdown-focus-target");
      var button = wrap.querySelector(":scope > button.dash-dropdown");
      if (trap) { setAttr(trap, "tabindex", "-1"); }
      if (!button) { return; }
      setAttr(button, "tabindex", button.disabled ? "-1" : "0");
      var label = button.id && document.getElementById(button.id + "-label");
      var ids = (button.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
      if (label && ids[0] !== label.id) {
        ids = [label.id].concat(ids.filter(function (x) { return x !== label.id; }));
        setAttr(button, "aria-labelledby", ids.join(" "));
      }
    });
  }

  // The open dropdown is a role="dialog" popover without a name: name it after the control.
  function repairPopovers(root) {
    root.querySelectorAll(".dash-dropdown-content[role='dialog']:not([aria-label])").forEach(
      function (dialog) {
        var trigger = dialog.id && document.querySelector("[aria-controls='" + dialog.id + "']");
        var label = trigger && trigger.id && document.getElementById(trigger.id + "-label");
        setAttr(dialog, "aria-label", (label ? label.textContent.trim() + ": " : "") + "options");
      });
  }

  function tabParts(nav) {
    var content = nav.nextElementSibling;
    if (!content || !content.classList.contains("tab-content")) { return null; }
    return {tabs: Array.prototype.slice.call(nav.querySelectorAll(".nav-link[role='tab']")),
            panes: Array.prototype.slice.call(content.querySelectorAll(":scope > .tab-pane"))};
  }

  function repairTabs(root) {
    root.querySelectorAll(".nav-tabs").forEach(function (nav) {
      var parts = tabParts(nav);
      if (!parts || !parts.tabs.length || parts.tabs.length !== parts.panes.length) { return; }
      setAttr(nav, "role", "tablist");
      parts.tabs.forEach(function (tab, i) {
        var pane = parts.panes[i];
        if (!pane.id) { return; }
        var tabId = pane.getAttribute("aria-labelledby") || pane.id + "-tab";
        setAttr(tab, "id", tabId);
        setAttr(pane, "aria-labelledby", tabId);
        setAttr(tab, "aria-controls", pane.id);
        var selected = tab.classList.contains("active");
        setAttr(tab, "aria-selected", selected ? "true" : "false");
        setAttr(tab, "tabindex", selected ? "0" : "-1");
        if (!tab.dataset.a11yKeys) {
          tab.dataset.a11yKeys = "1";
          tab.addEventListener("keydown", onTabKey);
        }
      });
    });
  }

  function onTabKey(event) {
    var nav = event.currentTarget.closest(".nav-tabs");
    var parts = nav && tabParts(nav);
    if (!parts) { return; }
    var tabs = parts.tabs.filter(function (t) { return !t.classList.contains("disabled"); });
    var i = tabs.indexOf(event.currentTarget), next = null;
    if (event.key === "ArrowRight") { next = tabs[(i + 1) % tabs.length]; }
    else if (event.key === "ArrowLeft") { next = tabs[(i - 1 + tabs.length) % tabs.length]; }
    else if (event.key === "Home") { next = tabs[0]; }
    else if (event.key === "End") { next = tabs[tabs.length - 1]; }
    else if (event.key === " " || event.key === "Enter") { next = event.currentTarget; }
    if (!next) { return; }
    event.preventDefault();
    next.focus();
    next.click();
  }

  function repair() {
    repairOptions(document);
    repairDropdowns(document);
    repairPopovers(document);
    repairTabs(document);
  }

  var scheduled = false;
  function schedule() {
    if (scheduled) { return; }
    scheduled = true;
    window.requestAnimationFrame(function () { scheduled = false; repair(); });
  }

  function start() {
    repair();
    new MutationObserver(schedule).observe(document.body, {
      subtree: true, childList: true, attributes: true,
      attributeFilter: ["role", "tabindex", "aria-labelledby", "aria-selected", "aria-checked",
                        "aria-label", "aria-controls", "id", "class"]
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
