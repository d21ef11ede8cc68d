"""The first screen a meeting sees (issue 16): the headline share and the whole map inside the
viewport at the three common screen sizes in desk and presentation mode; presentation mode
steered through its filter drawer without leaving it; a phone never scrolled sideways."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard import fmt
from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters
from tests.browser.conftest import assert_clean, open_page
from tests.browser.helpers import goto, tick

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1366, 768), (1920, 1080)]
MODES = {"desk": "/", "present": "/?present=1"}

#: Page-space boxes of the map's frame and the headline card, and the page's scroll width.
BOXES_JS = """() => {
  const box = sel => { const r = document.querySelector(sel).getBoundingClientRect();
                       return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                               width: r.width, height: r.height}; };
  return {map: box('.map-frame'), headline: box('#card-deprived'),
          view: [window.innerWidth, window.innerHeight],
          scroll: document.documentElement.scrollWidth};
}"""


def _inside(box: dict, view: list[int]) -> bool:
    return (box["left"] >= 0 and box["top"] >= 0 and box["right"] <= view[0]
            and box["bottom"] <= view[1])


@pytest.mark.parametrize("mode", list(MODES))
def test_screen001_map_and_headline_on_the_first_screen(browser, live, mode):
    """One page per mode, resized to each screen (assets/stage.js follows the resize): fewer
    page loads keep the suite quick."""
    page = open_page(browser, *SIZES[0])
    try:
        goto(page, live.url + MODES[mode])
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(400)          # assets/stage.js sizes the map to the screen
            b = page.evaluate(BOXES_JS)
            assert _inside(b["map"], b["view"]), (width, height, b)
            assert _inside(b["headline"], b["view"]), (width, height, b)
            assert b["map"]["height"] >= 300 and b["map"]["width"] >= 500, (width, height, b)
            assert b["map"]["right"] <= b["headline"]["left"], b     # beside, not under, it
            assert b["scroll"] <= width
        assert_clean(page)
    finally:
        page.context.close()


def test_screen002_presentation_mode_changes_a_filter_from_its_drawer(browser, live):
    page = open_page(browser, 1366, 768)
    try:
        goto(page, live.url + "/?present=1")
        nav = page.locator("nav.filters")
        expect(nav).to_be_hidden()
        opener = page.locator("#filters-open")
        expect(opener).to_have_attribute("aria-expanded", "false")
        opener.click()
        expect(nav).to_be_visible()
        expect(opener).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#filters-close")).to_be_focused()
        tick(page, "f-anchors", "University")
        share = m.summarise(live.ds, Filters(anchors=("University",))).headline
        expect(page.locator("#card-deprived .card-value")).to_have_text(
            fmt.share(share["share_most_deprived"]))
        expect(page.locator("#page-root")).to_have_class("app present")   # still presenting
        expect(page.locator("#filter-strip")).to_contain_text("University")
        b = page.evaluate(BOXES_JS)
        assert b["headline"]["left"] > 380 and _inside(b["headline"], b["view"])  # in view
        page.keyboard.press("Escape")
        expect(nav).to_be_hidden()
        expect(opener).to_be_focused()
        assert_clean(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("mode", list(MODES))
def test_screen003_phone_stacks_without_sideways_scroll(browser, live, mode):
    from axe_playwright_python.sync_playwright import Axe

    page = open_page(browser, 390, 844)
    try:
        goto(page, live.url + MODES[mode])
        b = page.evaluate(BOXES_JS)
        assert b["scroll"] <= 390, b
        assert b["map"]["width"] >= 300 and b["map"]["height"] >= 300, b
        assert b["headline"]["bottom"] <= b["map"]["top"], b         # stacked: headline first
        expect(page.locator("nav.filters")).to_be_hidden()           # a drawer on a phone
        page.click("#filters-open")
        expect(page.locator("nav.filters")).to_be_visible()
        page.wait_for_timeout(300)
        bad = [v for v in Axe().run(page).response["violations"]
               if v["impact"] in ("serious", "critical")]
        assert not bad, [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in bad]
        assert_clean(page)
    finally:
        page.context.close()


def test_screen004_search_finds_a_ward_and_zooms_to_it(page, live):
    goto(page, live.url)
    camera = "() => { const m = document.querySelector('#map .js-plotly-plot')._fullLayout.map;" \
             " return [m.zoom, m.center.lon, m.center.lat]; }"
    page.wait_for_timeout(500)                       # the first fit (assets/map_fit.js)
    zoom0 = page.evaluate(camera)[0]
    code, name = str(live.ds.wards["code"].iloc[3]), str(live.ds.wards["name"].iloc[3])
    page.click("#map-search")
    page.locator(".dash-dropdown-search").wait_for(state="visible")
    page.click(".dash-dropdown-search")
    page.keyboard.type(name[:5], delay=30)
    option = page.locator(".dash-dropdown-option", has_text=f"Ward: {name}")
    expect(option.first).to_be_visible(timeout=15000)     # options come from the server
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live.url + f"/?ward={code}")
    expect(page.locator("#drilldown")).to_contain_text(name, timeout=15000)
    page.wait_for_function(f"() => ({camera})()[0] > {zoom0} + 0.5", timeout=15000)
    zoom, lon, lat = page.evaluate(camera)
    from dashboard.view.search import ward_bounds
    w, s, e, n = ward_bounds(live.ds, code)
    assert w <= lon <= e and s <= lat <= n            # centred on the ward found
    assert_clean(page)


def test_screen005_ward_details_right_under_the_map(page, live):
    import time

    from tests.browser.helpers import choose

    goto(page, live.url)
    # the cue while details are on their way: Dash marks the panel as loading
    cue = page.evaluate("""() => { const d = document.querySelector('#drilldown');
      d.setAttribute('data-dash-is-loading', 'true');
      const text = getComputedStyle(d, '::before').content;
      d.removeAttribute('data-dash-is-loading');
      return [text, getComputedStyle(d, '::before').content]; }""")
    assert cue[0].startswith('"Updating the details') and cue[1] in ("none", "normal")
    name = str(live.ds.wards["name"].iloc[4])
    start = time.perf_counter()
    choose(page, "ward-select", name)
    expect(page.locator("#drilldown")).to_contain_text("Spend by anchor", timeout=15000)
    took = time.perf_counter() - start
    drill = page.locator("#drilldown")
    for words in ("Compared with", "This ward", "LSOAs by national IMD decile", "Top suppliers"):
        expect(drill).to_contain_text(words)
    gap = page.evaluate("() => document.querySelector('.drill-panel').getBoundingClientRect().top"
                        " - document.querySelector('.map-panel').getBoundingClientRect().bottom")
    assert 0 <= gap <= 20, gap                       # directly under the map, not 1,900 px on
    print(f"ward chosen to details shown: {took:.2f} s")
    assert_clean(page)


TAB_JS = """() => { const a = document.activeElement;
  return {inGrid: !!(a && a.closest('#grid')), cell: !!(a && a.closest('.ag-cell')),
          what: a ? (a.tagName + '.' + String(a.className).slice(0, 40)) : ''}; }"""


def test_screen006_the_table_is_one_tab_stop(page, live):
    """Tab enters the table at its header, arrow keys move into and between the cells, and Tab
    leaves: a handful of stops (header, pager), not one per cell (200 presses before)."""
    goto(page, live.url)
    page.locator("#grid .ag-cell").first.wait_for()
    page.focus("#download-suppliers")                # the control just before the table
    page.keyboard.press("Tab")
    assert page.evaluate(TAB_JS)["inGrid"]           # the header
    page.keyboard.press("ArrowDown")                 # arrows move into the cells
    page.keyboard.press("ArrowDown")
    assert page.evaluate(TAB_JS)["cell"]
    page.keyboard.press("Tab")                       # one Tab leaves the cells
    assert not page.evaluate(TAB_JS)["cell"], page.evaluate(TAB_JS)
    page.focus("#download-suppliers")
    stops = 0
    while stops < 30:
        page.keyboard.press("Tab")
        stops += 1
        if not page.evaluate(TAB_JS)["inGrid"]:
            break
    assert stops <= 8, f"{stops} Tab presses to pass the table"
    print(f"Tab presses to pass the table: {stops}")
    assert_clean(page)


def test_screen007_a_dropdown_with_a_value_keeps_typed_text(page, live):
    code, name = str(live.ds.wards["code"].iloc[2]), str(live.ds.wards["name"].iloc[7])
    goto(page, live.url + f"/?ward={code}")
    page.click("#ward-select")
    page.locator(".dash-dropdown-content").wait_for()
    page.keyboard.type(name[:4], delay=40)
    search = page.locator(".dash-dropdown-search")
    expect(search).to_have_value(name[:4])            # not lost on the chosen option
    expect(page.locator(".dash-dropdown-option", has_text=name).first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page).to_have_url(live.url + f"/?ward={live.ds.wards['code'].iloc[7]}")
    assert_clean(page)


def test_screen008_compare_two_wards(page, live):
    from tests.browser.helpers import choose

    a, b = (str(live.ds.wards["name"].iloc[i]) for i in (4, 6))
    goto(page, live.url + f"/?ward={live.ds.wards['code'].iloc[4]}")
    choose(page, "compare-ward", b)
    out = page.locator("#compare-wards")
    expect(out).to_contain_text(f"{a} compared with {b}", timeout=15000)
    expect(out).to_contain_text("Average IMD rank")
    assert_clean(page)

