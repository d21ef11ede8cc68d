"""What one view state sends the map (`dashboard.view.mapupdate`), as plain functions: no Dash."""
from __future__ import annotations

import json

import pytest

from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters
from dashboard.settings import load_settings
from dashboard.view.context import build_context
from dashboard.view.mapupdate import MapUpdate, in_place, map_update
from layers import supplier_points
from tests.unit.conftest import tiny_with_geometry

URLS = {kind: f"/geometry/{kind}.geojson" for kind in ("wards", "lsoas")}


@pytest.fixture()
def ctx(gds):
    return build_context(gds, load_settings(env={}), URLS)


def update(ctx, query: str, built) -> MapUpdate:
    return map_update(ctx, ctx.state(query), built)


def patched(u: MapUpdate) -> dict[tuple[int, str], object]:
    """{(trace, dotted property): value} of an update's trace patches."""
    assert u.patches is not None and u.figure is None and u.values is None
    return {(i, name): value for i, props in u.patches for name, value in props.items()}


def test_first_load_builds_the_whole_figure(ctx):
    u = update(ctx, "", None)
    fig, key = u.figure, u.key
    assert isinstance(fig, dict) and key["structure"] == "ward_spend|suppliers,anchors"
    assert key["ward"] is None and set(key["values"]) == {str(i) for i in range(len(fig["data"]))}
    assert fig["data"][0]["geojson"] == "/geometry/wards.geojson"
    assert u.patches is None and u.values is None
    for junk in ("x", {"structure": "other"}):     # not a record of this structure: whole
        assert update(ctx, "", junk).figure == fig


def test_filter_change_sends_values_only(ctx, gds):
    key = update(ctx, "", None).key
    u = update(ctx, "?anchor=Trust", key)
    values, key2 = u.values, u.key
    assert u.figure is None and u.patches is None and key2["structure"] == key["structure"]
    expected = m.summarise(gds, Filters(anchors=("Trust",))).by_ward["spend"].tolist()
    assert [round(v * 100) for v in values["z"]] == expected
    assert set(values["points"]) == {"3", "4", "5"}   # suppliers, anchor ring, anchor dot
    assert values["points"]["4"] == {"lat": [None]}   # the Council's site is hidden
    touched = {name for props in values["points"].values() for name in props}
    assert touched <= {"lat", "marker.size", "customdata"}   # values, never names or geometry
    # the patches plotly draws from (a selection) hold values only, never geometry or layout
    ops = patched(update(ctx, "?anchor=Trust&ward=W2", key2))
    assert {name.rsplit(".", 1)[-1] for _, name in ops} <= {
        "z", "lat", "size", "customdata", "locations", "colorscale", "zmin", "zmax"}


def test_a_change_of_the_base_colours_alone_is_recoloured_in_place(ctx, gds):
    key = update(ctx, "?show=", None).key
    u = update(ctx, "?show=&fy=2023", key)
    assert u.figure is None and u.patches is None     # plotly is not asked to redraw anything
    expected = m.summarise(gds, Filters(years=(2023,))).by_ward["spend"].tolist()
    assert [round(v * 100) for v in u.values["z"]] == expected
    # spend's classes follow the values: the colour scale and range travel with them
    assert set(u.values) == {"z", "scale"} and u.key["values"] != key["values"]
    assert set(u.values["scale"]) == {"colorscale", "zmin", "zmax"}
    # a selection afterwards is plotly's to draw, and the patches carry the base values too, so
    # a figure last recoloured in place is whole again
    ops = patched(update(ctx, "?show=&fy=2023&ward=W2", u.key))
    assert {i for i, _ in ops} == {0, 1, 2}
    assert [round(v * 100) for v in ops[(0, "z")]] == expected


def test_in_place_takes_base_colours_and_point_values_only():
    points = {3, 4}
    assert in_place([(0, {"z": [1]})], points) == {"z": [1]}
    classed = in_place([(0, {"z": [1], "colorscale": [[0, "#fff"], [1, "#000"]], "zmax": 2})],
                       points)
    assert classed == {"z": [1], "scale": {"colorscale": [[0, "#fff"], [1, "#000"]], "zmax": 2}}
    assert in_place([(0, {"zmax": 2})], points) is None              # never a scale alone
    both = in_place([(0, {"z": [1]}), (3, {"marker.size": [2], "lat": [None]})], points)
    assert both == {"z": [1], "points": {"3": {"marker.size": [2], "lat": [None]}}}
    assert in_place([(4, {"lat": [5.0]})], points) == {"points": {"4": {"lat": [5.0]}}}
    assert in_place([(1, {"z": [1]})], points) is None             # the halo: plotly's
    assert in_place([(0, {"z": [1], "text": ["a"]})], points) is None
    assert in_place([(0, {"z": [1]}), (3, {"hovertext": ["x"]})], points) is None
    assert in_place([(0, {"z": [1]}), (5, {"lat": [1.0]})], points) is None
    assert in_place([], points) is None


def test_a_filter_change_with_overlays_moves_the_points_in_place(ctx, gds):
    key = update(ctx, "", None).key
    u = update(ctx, "?fy=2023", key)
    assert u.figure is None and u.patches is None and set(u.values) == {"z", "scale", "points"}
    summary = m.summarise(gds, Filters(years=(2023,)))
    suppliers = supplier_points.values(gds, summary, summary.options)
    assert u.values["points"] == {"3": suppliers}      # the anchor sites do not move with years
    # a selection afterwards is plotly's: the patches carry base and point values too
    ops = patched(update(ctx, "?fy=2023&ward=W2", u.key))
    assert {i for i, _ in ops} == {0, 1, 2, 3, 4, 5}
    assert ops[(3, "customdata")] == suppliers["customdata"]


def test_filter_change_leaves_the_halo_alone_when_the_selection_is_unchanged(ctx):
    key = update(ctx, "?ward=W2", None).key
    u = update(ctx, "?ward=W2&fy=2023", key)
    assert u.figure is None and u.patches is None and set(u.values) == {"z", "scale", "points"}


def test_only_traces_whose_values_changed_are_sent(ctx):
    key = update(ctx, "?show=", None).key
    u = update(ctx, "?show=&fy=2023", key)
    assert u.patches is None and set(u.values) == {"z", "scale"}    # recoloured in place
    assert update(ctx, "?show=&fy=2023", u.key) == MapUpdate()    # nothing at all
    # the LSOA deciles do not depend on the filters: nothing to send
    lsoa = update(ctx, "?layer=lsoa_decile&show=", u.key).key
    assert update(ctx, "?layer=lsoa_decile&show=&fy=2023", lsoa) == MapUpdate()


def test_layer_change_rebuilds_the_figure(ctx):
    key = update(ctx, "", None).key
    u = update(ctx, "?layer=lsoa_decile", key)
    assert isinstance(u.figure, dict) and u.key["structure"] != key["structure"]
    assert u.figure["data"][0]["geojson"] == "/geometry/lsoas.geojson"
    assert len(update(ctx, "?layer=lsoa_decile&show=", u.key).figure["data"]) == 3


def test_selecting_a_ward_patches_the_halo(ctx):
    key = update(ctx, "", None).key
    u = update(ctx, "?ward=W2", key)
    ops = patched(u)
    w2 = ctx.ward_codes.index("W2")    # halo located by feature number (ward row)
    assert ops[(1, "locations")] == [w2] and ops[(2, "locations")] == [w2]
    assert u.key["ward"] == "W2"
    assert patched(update(ctx, "", u.key))[(1, "locations")] == []


def test_a_year_change_sends_a_small_fraction_of_the_figure(ctx):
    u = update(ctx, "", None)
    small = update(ctx, "?fy=2023", u.key)
    assert small.values is not None
    # the classes' scale is a fixed few hundred bytes (at most a dozen stops) at any size; the
    # rest a fifteenth of the figure on these three wards (the figure's fixed parts dominate a
    # toy: the benchmarks' bar, 1/50 at 346 wards, is measured at real sizes)
    scale = small.values.pop("scale")
    assert len(json.dumps(scale)) < 400
    assert len(json.dumps(small.values)) < len(json.dumps(u.figure)) / 15


def test_map_without_geometry_is_centred_on_england():
    ds = tiny_with_geometry()
    ds.meta.pop("geometry")
    ctx = build_context(ds, load_settings(env={}), URLS)
    assert update(ctx, "", None).figure["layout"]["map"]["center"] == {"lat": 52.8, "lon": -1.6}
