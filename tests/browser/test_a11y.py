"""Accessibility in the browser: axe-core in both modes, keyboard reach, focus, target sizes."""
from __future__ import annotations

import json

import pytest

from tests.browser.conftest import ARTIFACTS, assert_clean
from tests.browser.helpers import goto, open_fold, settle

pytestmark = pytest.mark.browser

FILTERS = ["f-anchors", "f-years", "f-date-from", "f-date-to", "f-categories", "f-caprev",
           "f-flags", "f-influenceable", "f-most-deprived", "f-reference", "f-local-area",
           "f-reset"]
OTHER_CONTROLS = ["present-toggle", "map-layer", "map-overlays", "ward-select", "detail-anchor",
                  "download-table", "download-suppliers"]


def serious(results) -> list[dict]:
    return [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("query", ["", "?present=1", "?ward=E05000012&detail=University",
                                   "?layer=lsoa_decile&ref=local&present=1"])
def test_a11y001_axe_finds_no_serious_or_critical_violations(page, live, query):
    from axe_playwright_python.sync_playwright import Axe

    goto(page, live.url + "/" + query)
    page.wait_for_timeout(300)  # let assets/a11y.js repair freshly rendered components
    results = Axe().run(page)
    bad = serious(results)
    name = "axe-" + (query.strip("?").replace("&", "_").replace("=", "-") or "desk") + ".json"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_text(json.dumps(results.response["violations"], indent=1))
    assert not bad, "\n".join(f"{v['impact']} {v['id']}: {v['help']} "
                              f"{[n['target'] for n in v['nodes'][:3]]}" for v in bad)
    assert_clean(page)


def test_a11y007_axe_with_the_plan_and_data_sections_opened(page, live):
    """The folded sections (layout/folds.py) are checked opened: their button hides, focus moves
    into the body, and the plan's tabs and the import forms pass axe."""
    from axe_playwright_python.sync_playwright import Axe

    goto(page, live.url)         # presentation mode does not show these sections
    for name in ("plan", "data"):
        open_fold(page, name)
        assert page.evaluate("() => document.activeElement.id") == f"{name}-body"
        assert page.locator(f"#{name}-open").is_hidden()
    page.wait_for_timeout(300)
    assert page.locator("#plan-tabs [role=tab]").count() == 4
    bad = serious(Axe().run(page))
    assert not bad, [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in bad]
    assert_clean(page)


def test_a11y002_axe_with_a_dropdown_open(page, live):
    from axe_playwright_python.sync_playwright import Axe

    goto(page, live.url)
    page.click("#f-categories")
    page.wait_for_timeout(300)
    assert not serious(Axe().run(page))
    page.keyboard.press("Escape")
    assert_clean(page)


def focused(page) -> dict:
    return page.evaluate("""() => {
        const e = document.activeElement;
        const s = getComputedStyle(e);
        return {id: e.id, name: e.getAttribute('name'), tag: e.tagName,
                cls: e.className && e.className.baseVal === undefined ? e.className : '',
                outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                shadow: s.boxShadow};
    }""")


def test_a11y003_tab_reaches_every_filter_with_a_visible_focus(page, live):
    goto(page, live.url)
    page.keyboard.press("Tab")
    first = focused(page)
    assert "skip-link" in first["cls"]
    reached: dict[str, dict] = {}
    for _ in range(120):
        page.keyboard.press("Tab")
        f = focused(page)
        key = f["id"] or f["name"]
        if key and key not in reached:
            reached[key] = f
        if all(c in reached for c in FILTERS + OTHER_CONTROLS):
            break
    missing = [c for c in FILTERS + OTHER_CONTROLS if c not in reached]
    assert not missing, f"not reachable by Tab: {missing}"
    for control in FILTERS:
        f = reached[control]
        assert (f["outline"] != "none" and f["width"] >= 2) or f["shadow"] != "none", (control, f)
    assert_clean(page)


def test_a11y004_skip_link_moves_focus_to_main(page, live):
    goto(page, live.url)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    assert_clean(page)


def test_a11y005_landmarks_labels_and_target_sizes(page, live):
    goto(page, live.url)
    for selector in ("header", "nav", "main", "footer"):
        assert page.locator(selector).count() >= 1, selector
    small = page.evaluate("""() => {
        const out = [];
        const els = document.querySelectorAll(
            'nav label.dash-options-list-option, #map-layer label, #map-overlays label, button,'
            + ' .date-input, .dash-dropdown');
        for (const e of els) {
            const r = e.getBoundingClientRect();
            if (r.width > 0 && (r.height < 24 || r.width < 24)) out.push([e.id || e.textContent, r.width, r.height]);
        }
        return out;
    }""")
    assert small == [], f"targets under 24px: {small}"
    unlabeled = page.evaluate("""() => Array.from(document.querySelectorAll('input, button'))
        .filter(e => e.offsetParent !== null && e.type !== 'hidden'
                     && !e.closest('[aria-hidden="true"]') && e.tabIndex !== -1)
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                     && !e.getAttribute('aria-labelledby') && !e.textContent.trim()
                     && !e.closest('.ag-root-wrapper'))
        .map(e => e.outerHTML.slice(0, 120))""")
    assert unlabeled == []
    assert_clean(page)


def test_a11y006_keyboard_alone_changes_a_filter_and_selects_a_ward(page, live):
    goto(page, live.url)
    page.focus("#f-anchors input[value='College']")
    page.keyboard.press("Space")
    page.wait_for_function("() => location.search.includes('anchor=College')")
    page.focus("#ward-select")
    page.keyboard.press("Enter")
    search = page.locator(".dash-dropdown-search")
    search.wait_for(state="visible")
    page.wait_for_function("() => document.activeElement.classList.contains('dash-dropdown-search')")
    page.keyboard.type("Oakwood", delay=30)
    page.wait_for_timeout(200)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.search.includes('ward=E05000011')")
    settle(page)
    assert page.inner_text("#drilldown .drill-title") == "Oakwood"
    assert_clean(page)
