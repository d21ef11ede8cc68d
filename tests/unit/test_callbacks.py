"""Callbacks as plain functions and as the browser posts them (no browser): the state callback,
the translation of map updates and panels into Dash outputs, the geometry route and the app
factory. What the map and the panels show is tested in test_mapupdate.py and test_panels.py."""
from __future__ import annotations

import base64
import gzip
import json

import pytest
from dash import Patch, no_update

from dashboard.serve.app import context_of, create_app
from dashboard.settings import load_settings
from dashboard.view.mapupdate import MapUpdate, map_update
from dashboard.view.panels import Panels, panels
from dashboard.view.state import CONTROL_KEYS, ViewState, controls_from_state
from dashboard.web import render
from dashboard.web.callbacks import panels as panels_cb
from dashboard.web.callbacks import state, table
from dashboard.web.ids import Id
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
def test_map_updates_become_a_figure_a_patch_or_values(ctx):
    key = {"structure": "s", "ward": None, "values": {}}
    fig = {"data": [], "layout": {}}
    assert state.map_outputs(MapUpdate(figure=fig, key=key)) == (fig, key, no_update)
    assert state.map_outputs(MapUpdate(values={"z": [1]}, key=key)) == (no_update, key,
                                                                        {"z": [1]})
    assert state.map_outputs(MapUpdate()) == (no_update,) * 3
    patch, sent_key, values = state.map_outputs(MapUpdate(
        patches=((0, {"z": [1.5]}), (3, {"marker.size": [2], "lat": [None]})), key=key))
    assert sent_key == key and values is no_update
    assert operations(patch) == {("data", 0, "z"): [1.5], ("data", 3, "marker", "size"): [2],
                                 ("data", 3, "lat"): [None]}


def map_answers(app, *queries: str) -> list[dict]:
    """The state callback's outputs ({"id.prop": value}) for a page load on the first query,
    then a filter change to each next one, posted as the browser posts them."""
    from benchmarks import _page

    client, cb = app.server.test_client(), _page.map_callback(app)
    answers, previous, key = [], None, None
    for query in queries:
        sent = _page.outputs_of(_page.post(client, cb, *_page.map_change(app, query, previous,
                                                                         key)))
        answers.append(sent)
        previous, key = query, sent.get("map-built-key.data", key)
    return answers


def test_a_year_change_sends_values_much_smaller_than_the_figure(app):
    first, year, ward = map_answers(app, "", "?fy=2023", "?fy=2023&ward=W2")
    figure = first["map.figure"]
    assert isinstance(figure, dict) and "map-values.data" not in first
    # a year: the values to show in place, not a figure nor a Patch, a twentieth of its size
    assert "map.figure" not in year
    values = year["map-values.data"]
    assert set(values) == {"z", "scale", "points"} and year["view-state.data"] == "?fy=2023"
    # the classes' scale is a fixed few hundred bytes (at most a dozen stops) at any size; the
    # rest a fifteenth of the figure on this toy (fixed parts dominate; see the benchmarks)
    assert len(json.dumps(values.pop("scale"))) < 400
    assert len(json.dumps(values)) < len(json.dumps(figure)) / 15
    # a selection: a Patch for plotly (values only, never geometry or layout)
    patch = ward["map.figure"]
    assert "__dash_patch_update" in patch and "map-values.data" not in ward
    assert len(json.dumps(patch)) < len(json.dumps(figure)) / 2
    assert "geojson" not in json.dumps(patch) and "layout" not in json.dumps(patch)


def test_presentation_mode_is_set_with_the_state(app):
    assert map_answers(app, "")[0]["page-root.className"] == "app desk"
    present, same = map_answers(app, "?present=1", "?present=1&fy=2023")
    assert present["page-root.className"] == "app present"
    assert present["present-toggle.aria-pressed"] == "true"
    assert "page-root.className" not in same        # unchanged: not sent


# --------------------------------------------------------------------------- URL state
def values_of(query, ctx):
    return controls_from_state(ctx.state(query))


def test_page_load_sets_controls_from_the_url(ctx):
    url, data, controls, present, _ = state.sync(ctx, None, "?anchor=Trust&fy=2023&ward=W1&x=20",
                                                 {}, None, None)
    assert present == ("app desk", "Presentation mode", "false")    # set on a page load
    assert url == data == "?anchor=Trust&fy=2023&x=20&ward=W1"  # rewritten in canonical order
    again = state.sync(ctx, None, data, {}, None, None)
    assert again[0] is no_update and again[1] == data
    got = dict(zip(CONTROL_KEYS, controls))
    assert got["anchors"] == ["Trust"] and got["years"] == [2023] and got["ward"] == "W1"
    assert got["most_deprived"] == 20


def test_hostile_url_is_normalised_not_an_error(ctx):
    url, data, controls, *_ = state.sync(ctx, Id.URL, "?anchor=<script>&x=99&ward=../../", {},
                                         None, None)
    assert url == "" and data == ""
    assert dict(zip(CONTROL_KEYS, controls))["anchors"] == []


def test_control_change_writes_the_url_and_leaves_controls_alone(ctx):
    values = values_of("", ctx) | {"categories": ["Care"], "influenceable": ["yes"]}
    url, data, controls, present, now = state.sync(ctx, Id.CATEGORIES, "", values, None, "")
    assert url == data == "?cat=Care&infl=1" and now == ctx.state(data)
    assert all(c is no_update for c in controls) and present == (no_update,) * 3


def test_map_click_selects_and_deselects_a_ward(ctx):
    click = {"points": [{"curveNumber": 0, "location": ctx.ward_codes.index("W2")}]}
    url, data, controls, *_ = state.sync(ctx, Id.MAP, "", {}, click, "")
    assert data == "?ward=W2" and dict(zip(CONTROL_KEYS, controls))["ward"] == "W2"
    _, data2, *_ = state.sync(ctx, Id.MAP, "?ward=W2", {}, click, "?ward=W2")
    assert data2 == ""


def test_clicking_an_anchor_site_opens_its_drill_down(ctx):
    click = {"points": [{"curveNumber": 5, "customdata": "Council"}]}
    _, data, *_ = state.sync(ctx, Id.MAP, "", {}, click, "")
    assert data == "?detail=Council"


def test_presentation_toggle_and_reset(ctx):
    url, data, _, present, _ = state.sync(ctx, Id.PRESENT_TOGGLE, "?fy=2023",
                                          values_of("?fy=2023", ctx), None, "?fy=2023")
    assert data == "?fy=2023&present=1"
    assert present == ("app present", "Exit presentation mode", "true")
    assert state.presentation(ctx.state("")) == ("app desk", "Presentation mode", "false")
    _, reset, controls, present, _ = state.sync(ctx, Id.RESET, data, {}, None, data + "&ward=W1")
    assert reset == "?ward=W1&present=1" and present == (no_update,) * 3
    assert dict(zip(CONTROL_KEYS, controls))["years"] == []


# --------------------------------------------------------------------------- panels
def text_of(children) -> str:
    return json.dumps(children, default=lambda o: o.to_plotly_json())


def test_cards_render(ctx):
    from dashboard.web.callbacks.cards import cards_outputs

    p = panels(ctx, ctx.state(""))
    items = cards_outputs(ctx, "")[0]
    value = [c for c in items[0].children if getattr(c, "className", "") == "card-value"][0]
    assert value.children == "£3,951" and items[0].id == "card-total"
    # the definition: a "?" button described by a tooltip with the same words as the report
    label, tip = items[0].children[0], items[0].children[1]
    button = label.children[1]
    assert button.children == "?" and button.to_plotly_json()["props"]["aria-describedby"] == \
        "def-total" and tip.id == "def-total" and tip.role == "tooltip"
    assert tip.children.startswith("Net spend under the filters")
    strip = render.filter_strip(p.strip)
    assert strip[0].children == "Showing: " and strip[1].children == "All anchors"


def test_legend_renders_its_overlays(ctx):
    p = panels(ctx, ctx.state("?layer=ward_rank"))
    text = text_of(render.legend_children(p.legend))
    assert "MOST deprived" in text and "swatch dot supplier" in text and "Anchor site" in text


def test_drilldown_shows_supplier_names_as_text(hostile_ds):
    from dashboard.web.callbacks.details import details_children

    ctx = context_of(create_app(hostile_ds, load_settings(env={})))
    dumped = text_of(details_children(ctx, "?ward=W1"))
    assert "<img src=x onerror=alert(1)>Dep One" in dumped  # a plain string child: React escapes it
    assert '"type": "Markdown"' not in dumped and "dangerously" not in dumped
    assert details_children(ctx, "")[0].children == "Nothing selected yet."


def test_panels_left_unchanged_are_not_sent(ctx):
    links = ["links"]
    nothing = panels_cb.outputs(Panels(), links)
    assert len(nothing) == len(panels_cb.OUTPUTS) and nothing[-1] == links
    assert all(v is no_update for v in nothing[:-1])
    first = panels(ctx, ctx.state(""))
    sent = dict(zip((f"{o.component_id}.{o.component_property}" for o in panels_cb.OUTPUTS),
                    panels_cb.outputs(first, links)))
    assert sent["map-ranked.style"] == {"height": f"{first.ranked_height}px"}
    assert sent["grid-held.data"] == first.held and sent["grid-values.data"] is no_update
    assert not any(v is no_update for k, v in sent.items() if k != "grid-values.data")


def test_a_filter_change_posts_only_the_panels_that_moved(app):
    from benchmarks import _page

    client = app.server.test_client()
    cb = next(c for k, c in _page.state_callbacks(app).items() if "grid-held.data" in k)
    held: dict = {}
    answers = []
    for query in ("", "?fy=2023", "?fy=2023"):
        body = _page.post(client, cb, {**held, "view-state.data": query})
        sent = _page.outputs_of(body)
        held |= sent
        answers.append(sent)
    first, year, again = answers
    assert "trend.figure" in first and "drilldown.children" not in first  # details: their own
    assert "trend.figure" not in year                                # every year: the same
    assert {"map-summary.children", "grid-values.data", "export-links.children"} <= set(year)
    assert set(again) == {"export-links.children"}    # the same view again: only the links
    assert "cards.children" not in first              # the cards have their own callback


def test_the_cards_have_a_callback_of_their_own_on_the_view_state(app):
    """Issue 16: the cards' request leaves with the map's answer (STATE), not after the map's
    redraw with every other panel, so the number arrives with the map."""
    from benchmarks import _page
    from dashboard.web.callbacks.cards import cards_outputs

    callbacks = _page.state_callbacks(app)
    key = next(k for k in callbacks if "cards.children" in k)
    assert "cards-compare.children" in key and "grid-held" not in key
    deps = app.server.test_client().get("/_dash-dependencies").json
    spec = next(d for d in deps if "cards.children" in d["output"])
    assert [i["id"] for i in spec["inputs"]] == ["view-state"]   # not ordered after the map
    ctx = context_of(app)
    items, compare = cards_outputs(ctx, "?fy=2023")
    assert compare.startswith("Change: 2023/24") and items[0].id == "card-total"


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
    # and the same supplier file (issue 16: it had other columns than the export panel's)
    panel = base64.b64decode(table.download(ctx, Id.DOWNLOAD_SUPPLIERS_BTN, "?fy=2023")["content"])
    export, _ = export_file(ctx, "suppliers.csv", "?fy=2023")
    undated = [[x for x in data.decode("utf-8-sig").splitlines()
                if not x.startswith("# Exported")] for data in (panel, export)]
    assert undated[0] == undated[1] and len(undated[0]) > 5
    lsoas = table.download(ctx, Id.DOWNLOAD_BTN, "?layer=lsoa_decile")
    assert lsoas["filename"] == "lsoas.csv"
    assert base64.b64decode(lsoas["content"]).decode("utf-8-sig").startswith("# Data set: ")


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
    fig = state.map_outputs(map_update(context_of(app), ViewState(), None))[0]
    assert fig["layout"]["map"]["center"] == {"lat": 52.8, "lon": -1.6}
    assert app.server.test_client().get("/geometry/wards.geojson").status_code == 200


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


def test_the_details_have_a_callback_of_their_own_on_the_view_state(app):
    """Issue 16: a ward chosen is answered by the details' own callback, on the view state alone
    (not ordered after the map, not with every other panel), and a change of the selection alone
    sends nothing from the panels callback but the links."""
    from benchmarks import _page

    deps = app.server.test_client().get("/_dash-dependencies").json
    spec = next(d for d in deps if "drilldown.children" in d["output"])
    assert spec["output"] == "drilldown.children"
    assert [i["id"] for i in spec["inputs"]] == ["view-state"] and not spec["state"]
    client = app.server.test_client()
    callbacks = _page.state_callbacks(app)
    panels_cb_ = next(c for k, c in callbacks.items() if "grid-held.data" in k)
    held = _page.outputs_of(_page.post(client, panels_cb_, {"view-state.data": "?fy=2023"}))
    body = _page.post(client, panels_cb_, {"view-state.data": "?fy=2023&ward=W1",
                                           "grid-held.data": held["grid-held.data"]})
    assert set(_page.outputs_of(body)) == {"export-links.children"}
    shown = _page.outputs_of(_page.post(client, callbacks["drilldown.children"],
                                        {"view-state.data": "?ward=W1"}))
    assert "Spend by anchor" in json.dumps(shown["drilldown.children"])
