"""Each map layer on the tiny network, the assembled figure, and what a Patch may touch."""
from __future__ import annotations

import itertools

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters, Options
from dashboard.view import mapfig
from dashboard.view.state import LAYERS, OVERLAYS, ViewState
from layers import BASE_LAYERS, OVERLAY_LAYERS, anchor_sites, supplier_points
from layers._common import NO_SPEND, LayerOutput, Legend
from tests import tiny
from tests.unit.conftest import tiny_with_geometry

URL = "/geometry/wards.geojson"
URLS = {"wards": "/geometry/wards.geojson", "lsoas": "/geometry/lsoas.geojson"}
CFG = mapfig.MapConfig(geojson_urls=URLS)


def test_every_layer_has_the_same_interface():
    assert tuple(BASE_LAYERS) == LAYERS and tuple(OVERLAY_LAYERS) == OVERLAYS
    for layer in [*BASE_LAYERS.values(), *OVERLAY_LAYERS.values()]:
        # the place names are the one layer with no traces: a map style (layers.place_labels)
        assert layer.KEY and layer.LABEL and layer.TRACES >= (layer.KEY != "labels")
        assert callable(layer.build) and callable(layer.values)


@pytest.mark.parametrize("key", list(BASE_LAYERS))
def test_base_layers_send_geometry_by_url_and_match_on_feature_id(gds, key):
    layer = BASE_LAYERS[key]
    out = layer.build(gds, m.summarise(gds), Options(), URLS[layer.GEOMETRY])
    assert isinstance(out, LayerOutput) and isinstance(out.legend, Legend)
    (trace,) = out.traces
    assert trace["type"] == "choroplethmap"
    assert trace["geojson"] == URLS[layer.GEOMETRY] and trace["featureidkey"] == "id"
    assert len(trace["locations"]) == len(trace["z"]) == len(trace["text"])
    assert trace["marker"]["line"]["width"] > 0  # thin dark outlines on the light end
    # cividis, either direction; spend's classes start with white "no spend" when a ward has none
    assert trace["colorscale"][0][1] in ("#00224e", "#fee838", NO_SPEND)
    go.Figure(data=[trace])  # valid plotly


def test_ward_spend_values_are_the_engines_by_ward_spend(gds):
    s = m.summarise(gds, Filters(anchors=("Council",)))
    z = BASE_LAYERS["ward_spend"].values(gds, s, s.options)["z"]
    assert [round(v * 100) for v in z] == s.by_ward["spend"].tolist()
    out = BASE_LAYERS["ward_spend"].build(gds, s, s.options, URL)
    assert out.traces[0]["locations"] == [0, 1, 2]     # ward rows: W1, W2, W3


@pytest.mark.parametrize("key", ["ward_rank", "ward_deprived", "lsoa_decile"])
def test_deprivation_legends_say_which_end_is_most_deprived(gds, key):
    out = BASE_LAYERS[key].build(gds, m.summarise(gds), Options(), URL)
    words = " ".join([out.legend.title, out.legend.dark, out.legend.light, *out.legend.notes])
    assert "MOST deprived" in out.legend.dark
    assert "least deprived" in out.legend.light
    bar = out.traces[0]["colorbar"]
    assert "MOST deprived" in bar["title"]["text"] or "MOST deprived" in " ".join(
        bar.get("ticktext", []))
    if key == "lsoa_decile":
        assert "Decile 1 is the most deprived" in words
    if key == "ward_rank":
        assert "lower average rank = MOST deprived" in out.legend.dark


def test_ward_rank_and_share_values(gds):
    opts = Options(most_deprived=20)
    s = m.summarise(gds, options=opts)
    rank = BASE_LAYERS["ward_rank"].values(gds, s, opts)["z"]
    share = BASE_LAYERS["ward_deprived"].values(gds, s, opts)["z"]
    assert rank[0] == pytest.approx((100 * 1000 + 5000 * 2000) / 3000) and rank[2] is None
    assert share == [100.0, 0.0, None]


def test_lsoa_deciles_national_and_local(gds):
    layer = BASE_LAYERS["lsoa_decile"]
    s = m.summarise(gds)
    out = layer.build(gds, s, Options(), URLS["lsoas"])
    assert out.traces[0]["locations"] == [0, 1, 2, 3, 4]    # LSOA rows: L1 to L5
    assert out.traces[0]["z"] == [1, 2, 7, 3, 10]
    assert out.traces[0]["text"][0] == "Tiny 001A (L1)"
    local = layer.values(gds, s, Options(reference="local"))["z"]
    assert local == [3, 5, 8, None, 10]  # L4 is outside the local area: unshaded
    assert "unshaded" in " ".join(layer.build(gds, s, Options(reference="local"), "").legend.notes)


def test_lsoa_layer_sends_only_lsoas_that_have_geometry(gds):
    gds.meta["geometry"]["lsoas"]["features"] = gds.meta["geometry"]["lsoas"]["features"][:2]
    z = BASE_LAYERS["lsoa_decile"].values(gds, m.summarise(gds), Options())["z"]
    assert z == [1, 2]


def test_supplier_points_exclude_individuals_unlocated_and_zero_spend(gds):
    s = m.summarise(gds)
    out = supplier_points.build(gds, s, s.options)
    (trace,) = out.traces
    assert trace["hovertext"] == ["Rich plc", "Dep One Ltd", "Dep Two CIC", "Far Ltd"]  # big first
    assert "Jane Doe" not in str(trace) and "Nowhere" not in str(trace)
    assert len(trace["lat"]) == len(trace["lon"]) == len(trace["marker"]["size"]) == 4
    assert trace["marker"]["size"] == sorted(trace["marker"]["size"], reverse=True)
    assert trace["marker"]["size"][0] == supplier_points.MAX_SIZE
    assert trace["customdata"] == [1500, 1400, 400, 251]  # whole pounds, half up
    assert "£%{customdata:,.0f}" in trace["hovertemplate"]
    assert supplier_points.point_wards(gds) == ["W2", "W1", "W1", None]


def test_supplier_points_draw_only_the_largest_suppliers(gds, monkeypatch):
    everyone = list(supplier_points.points(tiny_with_geometry()))
    monkeypatch.setattr(supplier_points, "MAX_POINTS", 2)
    assert list(supplier_points.points(gds)) == everyone[:2]
    assert supplier_points.drawable_count(gds) == len(everyone) > 2
    (trace,) = supplier_points.build(gds, m.summarise(gds), Options()).traces
    assert len(trace["lat"]) == len(trace["lon"]) == len(trace["hovertext"]) == 2
    assert supplier_points.point_wards(gds) == ["W2", "W1"]


def test_supplier_points_hide_suppliers_without_spend_by_a_null_latitude(gds):
    v = supplier_points.values(gds, m.summarise(gds, Filters(anchors=("Trust",))), Options())
    assert v["lat"] == [None, None, 54.91, None]  # only Dep Two was paid by the Trust
    assert v["marker.size"] == [0.0, 0.0, supplier_points.MAX_SIZE, 0.0]
    assert v["customdata"] == [0, 0, 400, 0]
    assert set(v) == {"lat", "marker.size", "customdata"}  # names and longitudes never re-sent


def test_supplier_point_areas_are_proportional_to_spend(gds):
    s = m.summarise(gds)
    v = supplier_points.values(gds, s, s.options)
    size = np.array(v["marker.size"]) - supplier_points.MIN_SIZE
    span = supplier_points.MAX_SIZE - supplier_points.MIN_SIZE
    assert (size / span) ** 2 == pytest.approx([1500 / 1500, 1400 / 1500, 400 / 1500,
                                                250.5 / 1500], abs=0.01)


def test_supplier_hover_text_escapes_html(hostile_ds):
    (trace,) = supplier_points.build(hostile_ds, m.summarise(hostile_ds), Options()).traces
    assert "&lt;img src=x onerror=alert(1)&gt;Dep One" in trace["hovertext"]
    assert not any("<img" in h for h in trace["hovertext"])


def test_anchor_sites_only_where_given_and_follow_the_anchor_filter(gds):
    ring, dot = anchor_sites.build(gds, m.summarise(gds), Options()).traces
    assert dot["customdata"] == ["Council"] and dot["lat"] == [54.9] and ring["lat"] == [54.9]
    assert ring["hoverinfo"] == "skip" and "Council" in dot["hovertext"][0]
    hidden = anchor_sites.values(gds, m.summarise(gds, Filters(anchors=("Trust",))), Options())
    assert hidden == {"lat": [None]}
    plain = tiny.tiny_dataset()  # no site columns at all
    assert anchor_sites.values(plain, m.summarise(plain), Options())["lat"] == []


COMBOS = [ViewState(layer=layer, overlays=overlays, ward=ward)
          for layer in LAYERS
          for overlays in [(), ("suppliers",), ("anchors",), ("suppliers", "anchors")]
          for ward in (None, "W2")]


@pytest.mark.parametrize("state", COMBOS, ids=lambda s: f"{s.layer}-{'+'.join(s.overlays)}-{s.ward}")
def test_figure_updates_touch_existing_properties_of_the_right_traces(gds, state):
    s = m.summarise(gds)
    fig, legend = mapfig.build_figure(gds, s, state, CFG)
    go.Figure(fig)  # the whole figure is valid plotly
    assert len(fig["data"]) == 3 + sum(OVERLAY_LAYERS[k].TRACES for k in state.overlays)
    assert fig["layout"]["map"]["style"] == "white-bg" and fig["layout"]["map"]["layers"] == []
    assert fig["layout"]["uirevision"] == mapfig.UIREVISION
    for index, props in mapfig.figure_updates(gds, s, state):
        trace = fig["data"][index]
        for name, value in props.items():
            target = trace
            for part in name.split("."):
                assert part in target, (index, name)
                target = target[part]
            assert target == value  # building then updating with the same state is a no-op
    halo = fig["data"][1]["locations"]
    assert halo == ([list(gds.wards["code"]).index(state.ward)] if state.ward else [])


def test_geometry_never_appears_inline_in_the_figure(gds):
    fig, _ = mapfig.build_figure(gds, m.summarise(gds), ViewState(layer="lsoa_decile"), CFG)
    assert all(isinstance(t.get("geojson", ""), str) for t in fig["data"])
    assert "coordinates" not in str(fig)


def test_optional_tile_layer_sits_below_the_traces_with_attribution(gds):
    cfg = mapfig.MapConfig(URLS, tile_url="https://tiles.example/{z}/{x}/{y}.png",
                           tile_attribution="© Example")
    fig, _ = mapfig.build_figure(gds, m.summarise(gds), ViewState(), cfg)
    (layer,) = fig["layout"]["map"]["layers"]
    assert layer == {"sourcetype": "raster", "source": ["https://tiles.example/{z}/{x}/{y}.png"],
                     "below": "traces", "sourceattribution": "© Example"}


def test_initial_view_fits_the_wards(gds):
    lat, lon, zoom = mapfig.initial_view(gds)
    assert lat == pytest.approx(54.85) and lon == pytest.approx(-1.25)
    assert 8 < zoom < 11
    assert mapfig.fit_bounds(gds) == (-1.45, 54.75, -1.05, 54.95)
    empty = tiny.tiny_dataset()
    assert mapfig.initial_view(empty) == (52.8, -1.6, 5.2)


@pytest.mark.parametrize("state, point, expected", [
    # fills are located by feature number: the ward's (or LSOA's) row
    (ViewState(), {"curveNumber": 0, "location": 1}, ("ward", "W2")),
    (ViewState(), {"curveNumber": 0, "location": "1"}, ("ward", "W2")),
    (ViewState(layer="lsoa_decile"), {"curveNumber": 0, "location": 2}, ("ward", "W2")),
    (ViewState(layer="lsoa_decile"), {"curveNumber": 0, "location": 3}, None),  # L4: no ward
    (ViewState(), {"curveNumber": 0, "location": 3}, None),
    (ViewState(), {"curveNumber": 0, "location": -1}, None),
    (ViewState(), {"curveNumber": 0, "location": 1.5}, None),
    (ViewState(), {"curveNumber": 0, "location": "W2"}, None),
    (ViewState(), {"curveNumber": 0, "location": True}, None),
    (ViewState(), {"curveNumber": 0, "location": float("inf")}, None),
    (ViewState(), {"curveNumber": 3, "pointNumber": 1}, ("ward", "W1")),
    (ViewState(), {"curveNumber": 3, "pointNumber": 3}, None),   # Far Ltd: outside every ward
    (ViewState(), {"curveNumber": 3, "pointNumber": 99}, None),
    (ViewState(), {"curveNumber": 5, "customdata": "Council"}, ("anchor", "Council")),
    (ViewState(overlays=("anchors",)), {"curveNumber": 4, "customdata": "Council"},
     ("anchor", "Council")),
    (ViewState(), {"curveNumber": 1}, None),
    (ViewState(), {"curveNumber": "x"}, None),
    (ViewState(), None, None),
])
def test_click_target(state, point, expected):
    click = None if point is None else {"points": [point]}
    point_wards = ["W2", "W1", "W1", None]
    assert mapfig.click_target(state, click, list(tiny.WARDS["code"]), list(tiny.LSOAS["ward"]),
                               point_wards) == expected


def test_served_geometry_numbers_features_by_table_row():
    from layers._common import numbered

    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "W3", "properties": {"name": "East"}, "geometry": None},
        {"type": "Feature", "properties": {"code": "W1"}, "geometry": None},
        {"type": "Feature", "id": "ZZ", "properties": {}, "geometry": None},   # not a ward here
    ]}
    out = numbered(fc, tiny.WARDS["code"])
    assert [(f["id"], f["properties"]["code"]) for f in out["features"]] == [(2, "W3"), (0, "W1")]
    assert out["features"][0]["properties"]["name"] == "East"
    assert fc["features"][0]["id"] == "W3"          # the data set's own copy is untouched


def test_every_overlay_combination_has_distinct_structure_keys():
    keys = {mapfig.structure_key(ViewState(layer=layer, overlays=o))
            for layer in LAYERS
            for o in itertools.chain.from_iterable(
                itertools.combinations(OVERLAYS, r) for r in range(len(OVERLAYS) + 1))}
    assert len(keys) == len(LAYERS) * 2 ** len(OVERLAYS)
