"""Place names from the boundaries (layers.place_labels, issue 16 item 2): positions, thinning,
the map style that draws them with no network, the overlay toggle in the URL, and that a filter
change never sends them again. Hand-checked on the tiny network's three square wards."""
from __future__ import annotations

import json
import math

import plotly.graph_objects as go

from dashboard.engine import metrics as m
from dashboard.engine.model import build_dataset
from dashboard.settings import load_settings
from dashboard.view import mapfig
from dashboard.view.context import build_context
from dashboard.view.mapupdate import map_update
from dashboard.view.state import Choices, parse_query
from layers import OVERLAY_LAYERS, place_labels
from layers._common import served_geometry
from tests import tiny

URLS = {kind: f"/geometry/{kind}.geojson" for kind in ("wards", "lsoas", "labels")}


def by_name(fc: dict) -> dict[str, dict]:
    return {f["properties"]["n"]: f for f in fc["features"]}


def test_each_ward_is_named_at_its_representative_point(gds):
    fc = place_labels.points(gds)
    named = by_name(fc)
    assert set(named) == {"North", "South", "East"}            # one district: no district name
    # the wards are squares: the representative point is the centre
    assert named["North"]["geometry"]["coordinates"] == [-1.35, 54.9]
    assert named["South"]["geometry"]["coordinates"] == [-1.35, 54.8]
    assert named["East"]["geometry"]["coordinates"] == [-1.15, 54.9]
    assert {f["properties"]["k"] for f in fc["features"]} == {"w"}
    # same size in degrees; further south is larger on the ground: South ranks first
    assert named["South"]["properties"]["r"] == 0
    json.dumps(fc)   # plain JSON, served as a file


def test_a_ward_is_named_from_the_zoom_at_which_it_is_36_px_across():
    # 1 km² at the equator: 40,075 km / (256 * 2^z) px = 1/36 km  ->  z = log2(5635.5) = 12.46
    assert place_labels.min_zoom(1.0, 0.0) == 12.5
    # four times the area: twice the side, one zoom level earlier
    assert place_labels.min_zoom(4.0, 0.0) == 11.5
    # the tiny wards: 0.2 x 0.1 degrees at 54.9 N = 142.5 km², about 11.9 km a side -> z 8.08
    assert place_labels.min_zoom(0.02 * 111.32 ** 2 * math.cos(math.radians(54.9)), 54.9) == 8.0
    assert place_labels.min_zoom(1e9, 0.0) == 0.0                  # never below zoom 0


def test_small_wards_wait_for_their_zoom_band_and_the_largest_win_collisions():
    style = place_labels.style("/geometry/labels.geojson")
    wards = [x for x in style["layers"] if x["id"].startswith("place-labels-wards")]
    assert len(wards) == len(place_labels.BANDS)
    band_11 = next(x for x in wards if x["id"] == "place-labels-wards-11")
    assert (band_11["minzoom"], band_11["maxzoom"]) == (11, 12)
    # shown in the band [11, 12): wards whose first zoom is at most 11.5
    assert band_11["filter"] == ["all", ["==", ["get", "k"], "w"], ["<=", ["get", "z"], 11.5]]
    assert "minzoom" not in wards[0] and "maxzoom" not in wards[-1]   # open at both ends
    assert band_11["layout"]["symbol-sort-key"] == ["get", "r"]       # rank 0 placed first


def test_the_style_draws_names_with_a_halo_and_fetches_nothing():
    style = place_labels.style("/geometry/labels.geojson")
    assert "glyphs" not in style and "sprite" not in style   # letters drawn by the browser
    assert style["sources"] == {"place-labels": {"type": "geojson",
                                                 "data": "/geometry/labels.geojson"}}
    first, second = style["layers"][:2]
    # plotly puts choropleths just above the first "water..." layer: under the names
    assert first["id"].startswith("water") and first["type"] == "background"
    assert second["type"] == "symbol"
    for layer in style["layers"][1:]:
        assert layer["paint"]["text-halo-color"] == "#ffffff"
        assert layer["paint"]["text-halo-width"] >= 2
        sizes = layer["layout"]["text-size"][3:]
        assert min(sizes[1::2]) >= 12        # readable on a projector


def test_districts_are_named_when_the_wards_span_two():
    lsoas = tiny.LSOAS.assign(ward=["W1", "W1", "W2", "W3", "W2"])   # L4 (district B) in East
    ds = build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, lsoas, tiny.WARDS,
                       name="two", meta={"geometry": tiny.tiny_geometry()})
    fc = place_labels.points(ds, {"A": "Alphaton", "B": "Beeham"}.get)
    districts = {f["properties"]["n"]: f for f in fc["features"] if f["properties"]["k"] == "d"}
    assert set(districts) == {"Alphaton", "Beeham"}
    assert districts["Beeham"]["geometry"]["coordinates"] == [-1.15, 54.9]   # East's point
    assert districts["Alphaton"]["geometry"]["coordinates"] in ([-1.35, 54.9], [-1.35, 54.8])
    assert districts["Alphaton"]["properties"]["r"] == 0      # two wards: the larger district


def test_the_names_are_an_overlay_in_the_url_and_the_figure_style(gds):
    choices = Choices.of(gds)
    state = parse_query("?show=suppliers,labels", choices)
    assert state.overlays == ("suppliers", "labels")
    assert OVERLAY_LAYERS["labels"] is place_labels
    cfg = mapfig.MapConfig(geojson_urls=URLS)
    s = m.summarise(gds)
    fig, _ = mapfig.build_figure(gds, s, state, cfg)
    go.Figure(fig)                                        # valid plotly
    style = fig["layout"]["map"]["style"]
    assert style["sources"]["place-labels"]["data"] == "/geometry/labels.geojson"   # by URL
    assert len(fig["data"]) == 3 + 1                      # base, halo x2, suppliers: no trace
    plain, _ = mapfig.build_figure(gds, s, parse_query("?show=suppliers", choices), cfg)
    assert plain["layout"]["map"]["style"] == "white-bg"


def test_a_filter_change_never_sends_the_names_again(gds):
    ctx = build_context(gds, load_settings(env={}), URLS)
    first = map_update(ctx, ctx.state("?show=suppliers,labels"), None)
    assert first.figure["layout"]["map"]["style"]["id"] == place_labels.STYLE_ID
    later = map_update(ctx, ctx.state("?show=suppliers,labels&anchor=Trust"), first.key)
    assert later.figure is None and later.patches is None
    assert "labels" not in json.dumps(later.values)       # colours and circles only


def test_the_served_geometry_carries_the_points_and_an_image_inlines_them(gds):
    served = served_geometry(gds)
    assert served["labels"] == place_labels.points(gds)
    out = place_labels.build(gds, m.summarise(gds), m.Options(), served["labels"])
    assert out.traces == []
    assert out.extra["map_style"]["sources"]["place-labels"]["data"]["type"] == (
        "FeatureCollection")
    assert place_labels.values(gds, m.summarise(gds), m.Options()) == {}


def test_names_are_data_not_markup(hostile_ds):
    # MapLibre draws text-field values as text; the name goes through unchanged
    names = {f["properties"]["n"] for f in place_labels.points(hostile_ds)["features"]}
    assert "<b>North</b>" in names
