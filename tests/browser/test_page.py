"""The page in a real browser: load, every filter, ward selection, URL state, presentation mode,
hostile names, downloads. Figures are checked against `metrics.summarise` on the same data set."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from playwright.sync_api import expect

from dashboard import fmt
from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters, Options
from dashboard.output.exports import INDIVIDUALS_ROW
from tests.browser.conftest import ARTIFACTS, assert_clean
from tests.browser.helpers import card, choose, goto, map_point, map_z, settle, tick, ward_centre

pytestmark = pytest.mark.browser


def test_page001_loads_offline_with_map_cards_and_notices(page, live):
    goto(page, live.url)
    h = m.summarise(live.ds).headline
    assert card(page, "total", "detail") == fmt.money(h["total_spend"])
    assert card(page, "deprived") == fmt.share(h["share_most_deprived"])
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".notice")).to_contain_text("Fictional spend")
    expect(page.locator(".app-footer")).to_contain_text(live.ds.meta["attribution"])
    expect(page.locator("#map-summary")).to_contain_text("received the most spend")
    trace = page.evaluate("() => { const d = document.querySelector('#map .js-plotly-plot').data;"
                          " return [d[0].type, d[0].geojson, d[0].featureidkey]; }")
    assert trace == ["choroplethmap", "/geometry/wards.geojson", "id"]
    assert page.evaluate("() => document.querySelector('#map .js-plotly-plot')"
                         "._fullLayout.map.style") == "white-bg"
    assert len(page.locator("#grid .ag-row").all()) >= len(live.ds.wards)
    assert_clean(page)


def _expect(live, filters=Filters(), options=Options()):
    return m.summarise(live.ds, filters, options).headline


FILTER_CASES = [
    ("anchors", lambda p: tick(p, "f-anchors", "University"),
     Filters(anchors=("University",)), Options(), "total"),
    ("years", lambda p: tick(p, "f-years", "2022/23"), Filters(years=(2022,)), Options(), "total"),
    ("dates", lambda p: (p.fill("#f-date-from", "01/06/2022"), p.press("#f-date-from", "Enter"),
                         p.fill("#f-date-to", "2023-05-31"), p.press("#f-date-to", "Enter")),
     Filters(date_from=date(2022, 6, 1), date_to=date(2023, 5, 31)), Options(), "total"),
    ("categories", lambda p: choose(p, "f-categories", "Construction"),
     Filters(categories=("Construction",)), Options(), "total"),
    ("capital", lambda p: tick(p, "f-caprev", "Capital"), Filters(capital_revenue=("capital",)),
     Options(), "total"),
    ("flags", lambda p: tick(p, "f-flags", "VCSEs"), Filters(supplier_flags=("vcse",)), Options(),
     "total"),
    ("influenceable", lambda p: tick(p, "f-influenceable", "Influenceable only"),
     Filters(influenceable_only=True), Options(), "total"),
    ("most_deprived", lambda p: tick(p, "f-most-deprived", "30%"), Filters(),
     Options(most_deprived=30), "deprived"),
    ("reference", lambda p: tick(p, "f-reference", "Local area"), Filters(),
     Options(reference="local"), "deprived"),
    ("local_area", lambda p: choose(p, "f-local-area", "E06000047"), Filters(),
     Options(local_area=("E06000047",)), "local"),
]


@pytest.mark.parametrize("name, act, filters, options, key", FILTER_CASES,
                         ids=[c[0] for c in FILTER_CASES])
def test_filter001_each_filter_updates_cards_and_map_to_the_engines_figures(
        page, live, name, act, filters, options, key):
    goto(page, live.url)
    before = card(page, key)
    act(page)
    h = _expect(live, filters, options)
    if key == "total":
        expect(page.locator("#card-total .card-detail")).to_have_text(fmt.money(h["total_spend"]))
    elif key == "deprived":
        expect(page.locator("#card-deprived .card-value")).to_have_text(
            fmt.share(h["share_most_deprived"]))
    else:
        expect(page.locator("#card-local .card-value")).to_have_text(fmt.share(h["local_share"]))
    assert card(page, key) != before, "the filter should change this figure on the test data"
    settle(page)
    spend = m.summarise(live.ds, filters, options).by_ward["spend"].tolist()
    assert [round(z * 100) for z in map_z(page)] == spend  # the map was patched too
    geo = [u for u in page.watch.requests if u.endswith("/geometry/wards.geojson")]
    assert len(geo) == 1, "ward geometry is fetched once, not on every filter change"
    assert_clean(page)


def test_filter002_nothing_matches_shows_dashes_and_a_sentence(page, live):
    goto(page, live.url + "/?from=2030-01-01")
    expect(page.locator("#card-total .card-value")).to_have_text("—")
    expect(page.locator("#status-message")).to_contain_text("No payments match these filters")
    expect(page.locator("#card-deprived .card-value")).to_have_text("—")
    assert_clean(page)


def test_ward001_clicking_a_ward_opens_its_drill_down(page, live):
    goto(page, live.url)
    page.locator("#map").scroll_into_view_if_needed()
    settle(page)
    code = "E05000004"  # Harbour: no anchor site on it
    x, y = map_point(page, *ward_centre(live.ds, code))
    page.mouse.click(x + 3, y + 3)
    expect(page.locator("#drilldown .drill-title")).to_have_text("Harbour")
    expect(page).to_have_url(f"{live.url}/?ward={code}")
    expect(page.locator("#ward-select")).to_contain_text("Harbour")
    top = m.supplier_table(m.summarise(live.ds), n=1, ward=code)["supplier"].iloc[0]
    # the details open with the ward's spend by anchor (issue 16, item 4): the suppliers' table
    # is found by its caption, not by its place
    suppliers = page.locator("#drilldown").get_by_role("table", name="Top suppliers", exact=True)
    expect(suppliers).to_contain_text(top)
    row = list(live.ds.wards["code"]).index(code)   # the halo locates the ward by its row
    assert page.evaluate("() => document.querySelector('#map .js-plotly-plot').data[1].locations"
                         ) == [row]
    assert_clean(page)


def test_ward002_choosing_a_ward_from_the_list_opens_its_drill_down(page, live):
    goto(page, live.url)
    choose(page, "ward-select", "Riverside")
    expect(page.locator("#drilldown .drill-title")).to_have_text("Riverside")
    expect(page).to_have_url(f"{live.url}/?ward=E05000001")
    choose(page, "detail-anchor", "College")
    expect(page.locator("#drilldown .drill-title")).to_have_text("Riverside — College")
    assert_clean(page)


def test_url001_reload_and_shared_link_restore_the_view(page, live, browser):
    goto(page, live.url)
    tick(page, "f-anchors", "Hospitals Trust")
    tick(page, "f-years", "2023/24")
    page.locator("#map-layer label", has_text="LSOA deprivation deciles").click()
    choose(page, "ward-select", "Seaview")
    want = "?anchor=Hospitals+Trust&fy=2023&layer=lsoa_decile&ward=E05000014"
    expect(page).to_have_url(live.url + "/" + want)
    settle(page)
    total = card(page, "total", "detail")
    page.reload()
    settle(page)
    expect(page).to_have_url(live.url + "/" + want)
    assert card(page, "total", "detail") == total == fmt.money(
        _expect(live, Filters(anchors=("Hospitals Trust",), years=(2023,)))["total_spend"])
    expect(page.locator("#f-anchors input[value='Hospitals Trust']")).to_be_checked()
    expect(page.locator("#map-layer input[value='lsoa_decile']")).to_be_checked()
    expect(page.locator("#drilldown .drill-title")).to_have_text("Seaview")
    assert page.evaluate("() => document.querySelector('#map .js-plotly-plot').data[0].geojson"
                         ) == "/geometry/lsoas.geojson"
    page.go_back()  # history: the previous state comes back
    expect(page).to_have_url(live.url + "/?anchor=Hospitals+Trust&fy=2023&layer=lsoa_decile")
    expect(page.locator("#drilldown .empty")).to_be_visible()
    assert_clean(page)


def test_url002_hostile_query_string_opens_a_sensible_page(page, live):
    goto(page, live.url + "/?anchor=%3Cscript%3E&fy=abc&x=15&ward=../../etc&layer=drop+table"
                          "&present=%FF&from=2023-02-30")
    expect(page.locator("#card-total .card-detail")).to_have_text(
        fmt.money(_expect(live)["total_spend"]))
    expect(page).to_have_url(live.url + "/")
    assert_clean(page)


def test_present001_presentation_mode_from_the_url_and_the_toggle(page, live):
    goto(page, live.url + "/?present=1&fy=2023")
    root = page.locator("#page-root")
    expect(root).to_have_class("app present")
    expect(page.locator("nav.filters")).to_be_hidden()
    expect(page.locator("#filter-strip")).to_be_visible()
    expect(page.locator("#filter-strip")).to_contain_text("2023/24")
    toggle = page.locator("#present-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    size = page.evaluate("() => parseFloat(getComputedStyle("
                         "document.querySelector('#card-deprived .card-value')).fontSize)")
    assert size >= 40       # the headline share, large for the room
    toggle.click()
    expect(root).to_have_class("app desk")
    expect(page).to_have_url(live.url + "/?fy=2023")
    expect(page.locator("nav.filters")).to_be_visible()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert_clean(page)


def test_xss001_supplier_and_ward_names_are_text_never_html(page, live):
    hostile = live.ds.suppliers.loc[3]
    goto(page, live.url + f"/?ward={hostile['ward']}")
    expect(page.locator("#drilldown")).to_contain_text("<img src=x onerror=alert(1)>Acme")
    assert page.locator("#drilldown img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    goto(page, live.url + f"/?ward={live.ds.suppliers.loc[5, 'ward']}")
    expect(page.locator("#drilldown")).to_contain_text('=HYPERLINK("http://x","click")')
    assert_clean(page)  # also: no alert dialog was raised


def test_download001_csv_cells_are_neutralised(page, live):
    goto(page, live.url)
    with page.expect_download() as info:
        page.click("#download-suppliers")
    path = info.value.path()
    text = open(path, encoding="utf-8-sig", newline="").read()
    head, table = text.split("\r\n\r\n", 1)        # the filters on top, then the table
    assert head.startswith("# Data set: ")
    rows = list(csv.DictReader(io.StringIO(table)))
    names = [r["Supplier"] for r in rows]
    assert "'=HYPERLINK(\"http://x\",\"click\")" in names
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names)
    # the export panel's supplier file (issue 16): individuals folded into one unnamed row
    assert INDIVIDUALS_ROW in names and m.WITHHELD not in names
    with page.expect_download() as info:
        page.click("#download-table")
    assert info.value.suggested_filename == "wards.csv"
    assert_clean(page)


def test_layer001_switching_layers_rebuilds_then_patches(page, live):
    goto(page, live.url)
    page.locator("#map-layer label", has_text="Ward deprivation (average rank)").click()
    expect(page.locator("#map-legend")).to_contain_text("MOST deprived")
    settle(page)
    ranks = m.ward_deprivation_table(live.ds, Options())["imd_avg_rank"].tolist()
    assert map_z(page) == pytest.approx([float(r) for r in ranks])
    tick(page, "f-most-deprived", "20%")
    page.locator("#map-layer label", has_text="% in most deprived").click()
    settle(page)
    shares = m.ward_deprivation_table(live.ds, Options(most_deprived=20))
    assert map_z(page) == pytest.approx([round(v * 100, 2) for v in
                                         shares["pop_share_most_deprived"]])
    expect(page.locator("#ranked-h")).to_contain_text("most deprived 20%")
    assert_clean(page)


def test_filter003_a_mistyped_date_is_said_and_not_applied(page, live):
    goto(page, live.url)
    total = card(page, "total", "detail")
    page.fill("#f-date-from", "31/02/2023")
    page.press("#f-date-from", "Enter")
    expect(page.locator("#f-date-error")).to_contain_text("is not a date, so it is not applied")
    marked = page.locator(".date-problem")
    expect(marked).to_have_count(1)
    expect(marked.locator("#f-date-from")).to_have_count(1)
    assert card(page, "total", "detail") == total      # every date still counts, as it says
    page.fill("#f-date-from", "01/06/2022")
    page.press("#f-date-from", "Enter")
    expect(page.locator("#f-date-error")).to_have_text("")
    expect(page.locator(".date-problem")).to_have_count(0)
    assert_clean(page)


def test_trend001_lines_are_labelled_directly(page, live):
    goto(page, live.url)
    labels = page.evaluate("() => Array.from(document.querySelectorAll('#trend .annotation-text'))"
                           ".map(e => e.textContent)")
    names = set(live.ds.anchors["name"]) | {"All anchors"}
    assert {label.rsplit(" ", 1)[0] for label in labels} == names
    assert_clean(page)


def test_speed001_filter_change_sends_a_small_patch(page, live):
    goto(page, live.url)
    first = max(s for u, s in page.watch.responses if "_dash-update-component" in u)
    page.watch.responses.clear()
    tick(page, "f-years", "2023/24")
    expect(page.locator("#card-total .card-detail")).to_have_text(
        fmt.money(_expect(live, Filters(years=(2023,)))["total_spend"]))
    settle(page)
    patch = [s for u, s in page.watch.responses if "_dash-update-component" in u]
    assert patch and max(patch) < first
    geo = {u.rsplit("/", 1)[-1]: n for u, n in page.watch.responses if "/geometry/" in u}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "callback-bytes.json").write_text(json.dumps(
        {"largest_answer_on_load": first, "answers_after_year_filter": patch,
         "geometry_requests": list(geo)}, indent=1))
    assert_clean(page)


@pytest.mark.parametrize("query", ["", "?layer=lsoa_decile&ref=local", "?present=1"])
def test_map001_map_fits_the_area_on_first_draw(page, live, query):
    goto(page, live.url + "/" + query)
    page.wait_for_timeout(600)
    bounds = page.evaluate("() => { const m = document.querySelector('#map .js-plotly-plot')"
                           "._fullLayout.map._subplot.map.getBounds();"
                           " return [m.getWest(), m.getSouth(), m.getEast(), m.getNorth()]; }")
    w, s, e, n = (-1.55, 54.80, -1.20, 54.96)
    assert bounds[0] <= w and bounds[1] <= s and bounds[2] >= e and bounds[3] >= n
    assert (bounds[2] - bounds[0]) < 3 * (e - w)  # fitted, not zoomed out to England
    assert_clean(page)


def test_filter003_clear_all_filters(page, live):
    goto(page, live.url + "/?anchor=College&cat=IT&x=30&ward=E05000003")
    page.click("#f-reset")
    expect(page).to_have_url(live.url + "/?ward=E05000003")
    expect(page.locator("#card-total .card-detail")).to_have_text(
        fmt.money(_expect(live)["total_spend"]))
    expect(page.locator("#f-anchors input[value='College']")).not_to_be_checked()
    assert_clean(page)
