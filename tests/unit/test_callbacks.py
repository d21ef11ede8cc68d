"""Callbacks as plain functions (no browser), the geometry route and the app factory."""
from __future__ import annotations

import base64
import gzip
import json

import pytest
from dash import Patch, no_update

from dashboard.engine import metrics as m
from dashboard.web.app import context_of, create_app
from dashboard.web.callbacks import cards, drilldown, map as map_cb, state, table, trend
from dashboard.web.ids import Id
from dashboard.engine.metrics import Filters
from dashboard.settings import load_settings
from dashboard.view.state import CONTROL_KEYS, controls_from_state
from layers import supplier_points
from tests.unit.conftest import tiny_with_geometry


@pytest.fixture()
def app(gds):
    return create_app(gds, load_settings(env={}))


@pytest.fixture()
def ctx(app):
    return context_of(app)


def operations(patch: Patch) -> dict[tuple, object]:
    """{location: value} of a Patch's assignments."""
    ops = patch.to_plotly_json()["operations"]
    assert all(op["operation"] == "Assign" for op in ops)
    return {tuple(op["location"]): op["params"]["value"] for op in ops}


# --------------------------------------------------------------------------- map
def test_first_load_builds_the_whole_figure(ctx):
    fig, key, *_ = map_cb.map_figure(ctx, "", None)
    assert isinstance(fig, dict) and key["structure"] == "ward_spend|suppliers,anchors"
    assert key["ward"] is None and set(key["values"]) == {str(i) for i in range(len(fig["data"]))}
    assert fig["data"][0]["geojson"] == "/geometry/wards.geojson"


def test_filter_change_sends_values_only(ctx, gds):
    _, key, *_ = map_cb.map_figure(ctx, "", None)
    figure, key2, values = map_cb.map_figure(ctx, "?anchor=Trust", key)
    assert figure is no_update and key2["structure"] == key["structure"]
    expected = m.summarise(gds, Filters(anchors=("Trust",))).by_ward["spend"].tolist()
    assert [round(v * 100) for v in values["z"]] == expected
    assert set(values["points"]) == {"3", "4", "5"}   # suppliers, anchor ring, anchor dot
    assert values["points"]["4"] == {"lat": [None]}   # the Council's site is hidden
    touched = {name for props in values["points"].values() for name in props}
    assert touched <= {"lat", "marker.size", "customdata"}   # values, never names or geometry
    # the Patch plotly draws from (a selection) holds values only, never geometry or layout
    patch, *_ = map_cb.map_figure(ctx, "?anchor=Trust&ward=W2", key2)
    ops = operations(patch)
    assert {loc[-1] for loc in ops if loc[0] == "data"} <= {"z", "lat", "size", "customdata",
                                                            "locations"}
    assert "layout" not in {loc[0] for loc in ops}


def test_a_change_of_the_base_colours_alone_is_recoloured_in_place(ctx, gds):
    _, key, _ = map_cb.map_figure(ctx, "?show=", None)
    figure, key2, values = map_cb.map_figure(ctx, "?show=&fy=2023", key)
    assert figure is no_update                      # plotly is not asked to redraw anything
    expected = m.summarise(gds, Filters(years=(2023,))).by_ward["spend"].tolist()
    assert [round(v * 100) for v in values["z"]] == expected
    assert set(values) == {"z"} and key2["values"] != key["values"]
    # a selection afterwards is plotly's to draw, and the Patch carries the base values too, so
    # a figure last recoloured in place is whole again
    patch, key3, values3 = map_cb.map_figure(ctx, "?show=&fy=2023&ward=W2", key2)
    ops = operations(patch)
    assert values3 is no_update and {loc[1] for loc in ops} == {0, 1, 2}
    assert [round(v * 100) for v in ops[("data", 0, "z")]] == expected


def test_in_place_takes_base_colours_and_point_values_only():
    points = {3, 4}
    assert map_cb.in_place([(0, {"z": [1]})], points) == {"z": [1]}
    both = map_cb.in_place([(0, {"z": [1]}), (3, {"marker.size": [2], "lat": [None]})], points)
    assert both == {"z": [1], "points": {"3": {"marker.size": [2], "lat": [None]}}}
    assert map_cb.in_place([(4, {"lat": [5.0]})], points) == {"points": {"4": {"lat": [5.0]}}}
    assert map_cb.in_place([(1, {"z": [1]})], points) is None             # the halo: plotly's
    assert map_cb.in_place([(0, {"z": [1], "text": ["a"]})], points) is None
    assert map_cb.in_place([(0, {"z": [1]}), (3, {"hovertext": ["x"]})], points) is None
    assert map_cb.in_place([(0, {"z": [1]}), (5, {"lat": [1.0]})], points) is None
    assert map_cb.in_place([], points) is None


def test_a_filter_change_with_overlays_moves_the_points_in_place(ctx, gds):
    _, key, _ = map_cb.map_figure(ctx, "", None)
    figure, key2, values = map_cb.map_figure(ctx, "?fy=2023", key)
    assert figure is no_update and set(values) == {"z", "points"}
    summary = m.summarise(gds, Filters(years=(2023,)))
    suppliers = supplier_points.values(gds, summary, summary.options)
    assert values["points"] == {"3": suppliers}      # the anchor sites do not move with years
    # a selection afterwards is plotly's: the Patch carries base and point values too
    patch, _, values3 = map_cb.map_figure(ctx, "?fy=2023&ward=W2", key2)
    ops = operations(patch)
    assert values3 is no_update and {loc[1] for loc in ops} == {0, 1, 2, 3, 4, 5}
    assert ops[("data", 3, "customdata")] == suppliers["customdata"]


def test_filter_change_leaves_the_halo_alone_when_the_selection_is_unchanged(ctx):
    _, key, *_ = map_cb.map_figure(ctx, "?ward=W2", None)
    figure, _, values = map_cb.map_figure(ctx, "?ward=W2&fy=2023", key)
    assert figure is no_update and set(values) == {"z", "points"}   # shown in place


def test_only_traces_whose_values_changed_are_patched(ctx):
    _, key, *_ = map_cb.map_figure(ctx, "?show=", None)
    patch, key2, values = map_cb.map_figure(ctx, "?show=&fy=2023", key)
    assert patch is no_update and set(values) == {"z"}    # recoloured in place
    same, key3, *_ = map_cb.map_figure(ctx, "?show=&fy=2023", key2)
    assert same is no_update and key3 is no_update
    # the LSOA deciles do not depend on the filters: nothing to send
    _, lsoa, *_ = map_cb.map_figure(ctx, "?layer=lsoa_decile&show=", key2)
    nothing, _, *_ = map_cb.map_figure(ctx, "?layer=lsoa_decile&show=&fy=2023", lsoa)
    assert nothing is no_update


def test_layer_change_rebuilds_the_figure(ctx):
    _, key, *_ = map_cb.map_figure(ctx, "", None)
    fig, key2, *_ = map_cb.map_figure(ctx, "?layer=lsoa_decile", key)
    assert isinstance(fig, dict) and key2["structure"] != key["structure"]
    assert fig["data"][0]["geojson"] == "/geometry/lsoas.geojson"
    fig3, _, *_ = map_cb.map_figure(ctx, "?layer=lsoa_decile&show=", key2)
    assert isinstance(fig3, dict) and len(fig3["data"]) == 3


def test_patch_bytes_are_much_smaller_than_the_figure(ctx):
    fig, key, *_ = map_cb.map_figure(ctx, "", None)
    patch, _, *_ = map_cb.map_figure(ctx, "?fy=2023", key)
    full = len(json.dumps(fig))
    small = len(json.dumps(patch.to_plotly_json()))
    assert small < full


def test_selecting_a_ward_patches_the_halo(ctx):
    _, key, *_ = map_cb.map_figure(ctx, "", None)
    patch, key2, *_ = map_cb.map_figure(ctx, "?ward=W2", key)
    ops = operations(patch)
    w2 = ctx.ward_codes.index("W2")    # halo located by feature number (ward row)
    assert ops[("data", 1, "locations")] == [w2] and ops[("data", 2, "locations")] == [w2]
    assert key2["ward"] == "W2"
    cleared, _, *_ = map_cb.map_figure(ctx, "", key2)
    assert operations(cleared)[("data", 1, "locations")] == []


def test_state_change_draws_the_map_in_the_same_answer(ctx):
    fig, key, _ = state.redraw(ctx, "", None)
    assert isinstance(fig, dict)
    patch, key2, _ = state.redraw(ctx, "?ward=W2", key)
    assert isinstance(patch, Patch)
    same, _, values = state.redraw(ctx, "?ward=W2&fy=2023", key2)
    assert same is no_update and "z" in values
    assert state.redraw(ctx, no_update, key) == (no_update, no_update, no_update)


def test_map_words(ctx):
    legend, sentence, heading, ranked, style = map_cb.map_words(ctx, "?layer=ward_rank")
    assert style == {"height": f"{ranked['layout']['height']}px"}
    text = json.dumps([c.to_plotly_json() for c in legend], default=str)
    assert "MOST deprived" in text
    assert sentence.startswith("North received the most spend")
    assert "most deprived first" in heading and ranked["data"][0]["type"] == "bar"


def test_legend_says_when_only_the_largest_suppliers_are_drawn(gds, monkeypatch):
    from layers import supplier_points

    monkeypatch.setattr(supplier_points, "MAX_POINTS", 2)
    ctx = context_of(create_app(gds, load_settings(env={})))
    legend = map_cb.map_words(ctx, "")[0]
    text = json.dumps([c.to_plotly_json() for c in legend], default=str)
    assert "Only the 2 suppliers with the most spend overall are drawn, of 4" in text
    quiet = json.dumps([c.to_plotly_json() for c in map_cb.map_words(ctx, "?show=")[0]],
                       default=str)
    assert "Only the" not in quiet


# --------------------------------------------------------------------------- URL state
def values_of(query, ctx):
    return controls_from_state(ctx.state(query))


def test_page_load_sets_controls_from_the_url(ctx):
    url, data, controls = state.sync(ctx, None, "?anchor=Trust&fy=2023&ward=W1&x=20", {}, None,
                                     None)
    assert url == data == "?anchor=Trust&fy=2023&x=20&ward=W1"  # rewritten in canonical order
    again = state.sync(ctx, None, data, {}, None, None)
    assert again[0] is no_update and again[1] == data
    got = dict(zip(CONTROL_KEYS, controls))
    assert got["anchors"] == ["Trust"] and got["years"] == [2023] and got["ward"] == "W1"
    assert got["most_deprived"] == 20


def test_hostile_url_is_normalised_not_an_error(ctx):
    url, data, controls = state.sync(ctx, Id.URL, "?anchor=<script>&x=99&ward=../../", {}, None,
                                     None)
    assert url == "" and data == ""
    assert dict(zip(CONTROL_KEYS, controls))["anchors"] == []


def test_control_change_writes_the_url_and_leaves_controls_alone(ctx):
    values = values_of("", ctx) | {"categories": ["Care"], "influenceable": ["yes"]}
    url, data, controls = state.sync(ctx, Id.CATEGORIES, "", values, None, "")
    assert url == data == "?cat=Care&infl=1"
    assert all(c is no_update for c in controls)


def test_map_click_selects_and_deselects_a_ward(ctx):
    click = {"points": [{"curveNumber": 0, "location": ctx.ward_codes.index("W2")}]}
    url, data, controls = state.sync(ctx, Id.MAP, "", {}, click, "")
    assert data == "?ward=W2" and dict(zip(CONTROL_KEYS, controls))["ward"] == "W2"
    _, data2, _ = state.sync(ctx, Id.MAP, "?ward=W2", {}, click, "?ward=W2")
    assert data2 == ""


def test_clicking_an_anchor_site_opens_its_drill_down(ctx):
    click = {"points": [{"curveNumber": 5, "customdata": "Council"}]}
    _, data, _ = state.sync(ctx, Id.MAP, "", {}, click, "")
    assert data == "?detail=Council"


def test_presentation_toggle_and_reset(ctx):
    url, data, _ = state.sync(ctx, Id.PRESENT_TOGGLE, "?fy=2023", values_of("?fy=2023", ctx),
                              None, "?fy=2023")
    assert data == "?fy=2023&present=1"
    assert state.presentation(ctx, data) == ("app present", "Exit presentation mode", "true")
    assert state.presentation(ctx, "") == ("app desk", "Presentation mode", "false")
    _, reset, controls = state.sync(ctx, Id.RESET, data, {}, None, data + "&ward=W1")
    assert reset == "?ward=W1&present=1"
    assert dict(zip(CONTROL_KEYS, controls))["years"] == []


# --------------------------------------------------------------------------- cards, drill, table
def test_cards_callback(ctx):
    items, compare, status, strip = cards.cards(ctx, "")
    assert len(items) == 7 and status == ""
    assert items[0].children[1].children == "£3,951"
    assert compare.startswith("Change: 2023/24")
    assert [s.children for s in strip][1] == "All anchors"


def test_cards_callback_when_nothing_matches(ctx):
    items, _, status, _ = cards.cards(ctx, "?cat=Care&flag=sme&caprev=capital")
    assert items[0].children[1].children == "—"
    assert status.startswith("No payments match")


def test_drilldown_shows_supplier_names_as_text(hostile_ds):
    ctx = context_of(create_app(hostile_ds, load_settings(env={})))
    children = drilldown.drilldown(ctx, "?ward=W1")
    dumped = json.dumps([c.to_plotly_json() for c in children], default=lambda o: o.to_plotly_json())
    assert "<img src=x onerror=alert(1)>Dep One" in dumped  # a plain string child: React escapes it
    assert '"type": "Markdown"' not in dumped and "dangerously" not in dumped
    assert drilldown.drilldown(ctx, "")[0].children == "Nothing selected yet."


def whole_grid(ctx, query: str) -> tuple[list[dict], list[dict], str]:
    """(rowData, columnDefs, title) the grid gets when it holds nothing yet."""
    rows, defs, _, _, title = table.grid_update(ctx, query, None)
    return rows, defs, title


def test_grid_rows_and_plain_text_columns(hostile_ds):
    ctx = context_of(create_app(hostile_ds, load_settings(env={})))
    rows, defs, title = whole_grid(ctx, "")
    assert title.endswith("wards") and len(rows) == 3
    assert rows[0]["c0"] == "<b>North</b>"
    assert not any("cellRenderer" in d or "dangerously_allow_code" in d for d in defs)
    assert rows[2]["c4"] is None  # undefined average rank is null, not NaN
    lrows, ldefs, ltitle = whole_grid(ctx, "?layer=lsoa_decile")
    assert ltitle.endswith("LSOAs") and len(lrows) == 5
    # a field that is text in one table and money in the other is another column to ag-grid
    assert defs[2]["colId"] == "c2-money" and ldefs[2]["colId"] == "c2-text"


def test_grid_sends_whole_rows_first_then_only_the_columns_a_filter_moved(ctx, gds):
    rows, defs, columns, held, title = table.grid_update(ctx, "", None)
    assert title.endswith("wards") and columns is no_update
    spend, suppliers = [d["field"] for d in defs if d["headerName"] in ("Spend (£)", "Suppliers")]
    rows2, defs2, columns2, held2, title2 = table.grid_update(ctx, "?fy=2023", held)
    assert rows2 is no_update and defs2 is no_update and title2 is no_update
    assert set(columns2) <= {spend, suppliers}         # names, codes, deprivation stay
    expected = m.summarise(gds, Filters(years=(2023,))).by_ward["spend"].tolist()
    assert [round(v * 100) for v in columns2[spend]] == expected
    # written into the rows the page holds, they are the rows a whole answer would send
    merged = [{**row, **{f: cells[i] for f, cells in columns2.items()}}
              for i, row in enumerate(rows)]
    assert merged == whole_grid(ctx, "?fy=2023")[0]
    # the same state again: nothing to send
    assert table.grid_update(ctx, "?fy=2023", held2) == (no_update,) * 5


def test_grid_sends_whole_rows_for_a_new_table(ctx):
    *_, held, _ = table.grid_update(ctx, "", None)
    rows, defs, columns, held2, title = table.grid_update(ctx, "?layer=lsoa_decile", held)
    assert isinstance(rows, list) and columns is no_update and title.endswith("LSOAs")
    assert defs[0]["headerName"] == "LSOA"
    # the LSOA table does not move with the filters: a filter change sends nothing
    assert table.grid_update(ctx, "?layer=lsoa_decile&fy=2023", held2) == (no_update,) * 5
    # a held record that is not the page's (garbage, or another shape) gets whole rows
    for junk in ("x", None, {"shape": "other"}, {"shape": held2["shape"], "columns": {}}):
        rows, defs, columns, *_ = table.grid_update(ctx, "?fy=2023", junk)
        assert isinstance(rows, list) and isinstance(defs, list) and columns is no_update
    # the right shape with a broken column record: every column is sent
    _, _, columns, *_ = table.grid_update(ctx, "?fy=2023", {"shape": held["shape"], "columns": "x"})
    assert set(columns) == set(held["columns"])


def test_downloads_are_neutralised_csv(hostile_ds):
    ctx = context_of(create_app(hostile_ds, load_settings(env={})))
    sup = table.download(ctx, Id.DOWNLOAD_SUPPLIERS_BTN, "")
    text = base64.b64decode(sup["content"]).decode("utf-8-sig")
    assert sup["filename"] == "suppliers.csv" and text.startswith("# Data set: ")
    assert "'=HYPERLINK" in text and "Jane Doe" not in text
    wards = table.download(ctx, Id.DOWNLOAD_BTN, "?fy=2023")
    text = base64.b64decode(wards["content"]).decode("utf-8-sig")
    assert wards["filename"] == "wards.csv" and "'+South" in text
    assert table.download(ctx, None, "") is None


def test_the_table_panel_gives_the_export_panels_ward_file(hostile_ds):
    """One ward table file: the table panel's button and the export panel's link give the same
    columns and the same filter lines (only the minute of "Exported:" may differ)."""
    from dashboard.serve.exports_routes import export_file

    ctx = context_of(create_app(hostile_ds, load_settings(env={})))
    panel = base64.b64decode(table.download(ctx, Id.DOWNLOAD_BTN, "?fy=2023")["content"])
    export, _ = export_file(ctx, "wards.csv", "?fy=2023")
    undated = [[x for x in data.decode("utf-8-sig").splitlines()
                if not x.startswith("# Exported")] for data in (panel, export)]
    assert undated[0] == undated[1] and "# Financial years: 2023/24" in undated[0]
    lsoas = table.download(ctx, Id.DOWNLOAD_BTN, "?layer=lsoa_decile")
    assert lsoas["filename"] == "lsoas.csv"
    assert base64.b64decode(lsoas["content"]).decode("utf-8-sig").startswith("# Data set: ")


def test_trend_callback_covers_every_year(ctx):
    fig = trend.trend(ctx, "?fy=2023")
    assert fig["data"][0]["x"] == ["2022/23", "2023/24"]


# --------------------------------------------------------------------------- routes and factory
def test_geometry_is_served_once_with_etag_and_cache_headers(app):
    client = app.server.test_client()
    r = client.get("/geometry/wards.geojson")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    assert "max-age" in r.headers["Cache-Control"] and r.headers["ETag"]
    fc = json.loads(r.data)
    # numbered by ward row (what the map's locations are), the code kept as a property
    assert [(f["id"], f["properties"]["code"]) for f in fc["features"]] == [
        (0, "W1"), (1, "W2"), (2, "W3")]
    again = client.get("/geometry/wards.geojson", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    gz = client.get("/geometry/lsoas.geojson", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(gz.data))["features"]) == 5
    assert client.get("/geometry/secrets.geojson").status_code == 404


def test_security_headers_and_lang(app):
    r = app.server.test_client().get("/")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in r.headers["Content-Security-Policy"]
    assert b'<html lang="en">' in r.data


@pytest.mark.parametrize("strips, route", [(False, "/maps/geometry/wards.geojson"),
                                           (True, "/geometry/wards.geojson")])
def test_url_prefix(gds, strips, route):
    app = create_app(gds, load_settings(env={}, url_prefix="/maps/", proxy_strips_prefix=strips))
    assert context_of(app).map_config.geojson_urls["wards"] == "/maps/geometry/wards.geojson"
    assert app.server.test_client().get(route).status_code == 200


def test_app_without_geometry_still_builds(gds):
    ds = tiny_with_geometry()
    ds.meta.pop("geometry")
    app = create_app(ds, load_settings(env={}))
    fig, _, *_ = map_cb.map_figure(context_of(app), "", None)
    assert fig["layout"]["map"]["center"] == {"lat": 52.8, "lon": -1.6}
    assert app.server.test_client().get("/geometry/wards.geojson").status_code == 200


def test_summary_is_cached_per_filter_state(ctx):
    ctx.summarise.cache_clear()
    for _ in range(3):
        cards.cards(ctx, "?fy=2023")
        map_cb.map_words(ctx, "?fy=2023")
    info = ctx.summarise.cache_info()
    assert info.misses <= 3 and info.hits >= 5  # current, and the two years compared


# --------------------------------------------------------------------------- typed dates
@pytest.mark.parametrize("date_from, date_to, says, marked", [
    ("01/04/2023", "31/03/2024", None, (False, False)),
    ("", None, None, (False, False)),
    ("31/02/2024", "", "‘31/02/2024’ in ‘From’ is not a date", (True, False)),
    ("01/04/2023", "tomorrow", "‘tomorrow’ in ‘To’ is not a date", (False, True)),
    ("01/04/2024", "31/03/2024", "‘From’ date is after the ‘To’ date", (True, True)),
])
def test_a_mistyped_or_reversed_date_is_said_not_silently_ignored(date_from, date_to, says,
                                                                   marked):
    message, from_class, to_class = state.date_feedback(date_from, date_to)
    assert (says in message) if says else message == ""
    assert ("date-problem" in from_class, "date-problem" in to_class) == marked
