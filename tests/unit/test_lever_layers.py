"""The workforce ward layer and the estate overlay on the page: disclosure control in what the map,
its hover, the ranked chart, the cards and the drill-down carry; site status by shape and colour.

Tiny network with geometry (W1 North = L1 + L2, W2 South = L3 + L5, W3 East empty). Workforce at
2025-03-31: Council L1 7, L3 5, L4 (no ward) 2, not located 6; Trust L1 1, L5 10.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.engine import metrics as m
from dashboard.engine.filters import Filters, Options
from dashboard.settings import load_settings
from dashboard.view import mapfig
from dashboard.view.context import build_context
from dashboard.view.levers import lever_cards, lever_drill
from dashboard.view.panels import details_panel, panels
from dashboard.view.state import ViewState
from layers import OVERLAY_LAYERS, asset_sites, workforce_wards
from tests.unit.conftest import tiny_with_geometry

URLS = {kind: f"/geometry/{kind}.geojson" for kind in ("wards", "lsoas")}
STAFF = [("Council", "L1", 1, False, "2025-03-31", 7), ("Council", "L3", 1, True, "2025-03-31", 5),
         ("Council", "L4", 1, False, "2025-03-31", 2), ("Council", "", 0, False, "2025-03-31", 6),
         ("Trust", "L1", 0, False, "2025-03-31", 1), ("Trust", "L5", 1, False, "2025-03-31", 10)]
SITES = [("Council", "Depot", "vacant", "L1", "W1", 54.88, -1.40),
         ("Council", "Hall", "in use", "L2", "W1", 54.92, -1.40),
         ("Trust", "Annex", "surplus", "L3", "W2", 54.78, -1.30),
         ("Trust", "Lost", "vacant", None, None, np.nan, np.nan)]


def lds():
    wf = pd.DataFrame(STAFF, columns=["anchor", "lsoa", "living_wage", "new_starter", "snapshot",
                                      "count"]).astype({"living_wage": np.int8})
    sites = pd.DataFrame(SITES, columns=["anchor", "name", "status", "lsoa", "ward", "lat",
                                         "lon"]).assign(
        tenure="owned", use="", floor_area_m2=100.0, site_area_ha=np.nan, community_use=0,
        shape="point")
    return replace(tiny_with_geometry(title="Tiny"), workforce=wf, assets=sites)


def summary(ds, anchors=()):
    return m.summarise(ds, Filters(anchors=anchors), Options())


# --------------------------------------------------------------------------- workforce layer
@pytest.mark.parametrize("anchors", [(), ("Council",), ("Trust",)])
def test_ward_layer_never_carries_a_count_under_5(anchors):
    ds = lds()
    out = workforce_wards.build(ds, summary(ds, anchors), Options(), URLS["wards"])
    (trace,) = out.traces
    go.Figure(data=[trace])
    for z, text in zip(trace["z"], trace["customdata"]):
        if text == "<5":
            assert z == workforce_wards.SMALL_Z
        elif text == "withheld":
            assert z is None
        else:
            assert int(text.replace(",", "")) == z and (z == 0 or z >= 5)
    assert "<5" in " ".join(out.legend.notes)


def test_trust_w1_is_small_and_the_network_cannot_undo_it():
    ds = lds()
    trust = workforce_wards.values(ds, summary(ds, ("Trust",)), Options())["customdata"]
    net = workforce_wards.values(ds, summary(ds), Options())["customdata"]
    council = workforce_wards.values(ds, summary(ds, ("Council",)), Options())["customdata"]
    assert trust[0] == "<5"
    assert not (net[0][0].isdigit() and council[0][0].isdigit())   # 8 - 7 = 1


def test_ranked_chart_has_no_bar_for_small_or_withheld_counts():
    ds = lds()
    ctx = build_context(ds, load_settings(env={}), URLS)
    p = panels(ctx, ctx.state("?layer=ward_staff"))
    bars = dict(zip(p.ranked["data"][0]["y"], p.ranked["data"][0]["x"]))
    assert all(v >= 5 for v in bars.values())
    assert "staff" in p.ranked_heading


# --------------------------------------------------------------------------- estate overlay
def test_each_status_has_its_own_shape_and_colour():
    shapes = {}
    for status, (_colour, _, words, glyph, circles) in asset_sites.STYLES.items():
        pattern = tuple((size, fill == asset_sites.WHITE) for size, fill in circles)
        shapes[status] = pattern
        assert circles[0][1] == asset_sites.WHITE        # a white halo under every shape
        assert words and glyph
    assert len(set(shapes.values())) == len(shapes)      # shape alone tells the statuses apart
    assert len({s[0] for s in asset_sites.STYLES.values()}) == len(shapes)


def test_overlay_traces_values_and_hiding():
    ds = lds()
    out = asset_sites.build(ds, summary(ds), Options())
    assert len(out.traces) == asset_sites.TRACES == OVERLAY_LAYERS["assets"].TRACES
    go.Figure(data=out.traces)
    vacant = [t for t, (s, _) in zip(out.traces, asset_sites.LAYOUT) if s == "vacant"]
    assert all(t["lat"] == [54.88] for t in vacant)     # "Lost" has no point: not drawn
    hover = [t for t in vacant if t["hoverinfo"] == "text"]
    assert len(hover) == 1 and "Depot" in hover[0]["hovertext"][0]
    only_trust = asset_sites.values(ds, summary(ds, ("Trust",)), Options())
    lats = {s: v["lat"] for (s, _), v in zip(asset_sites.LAYOUT, only_trust)}
    assert lats["vacant"] == [None] and lats["surplus"] == [54.78]


def test_figure_updates_send_one_dict_per_overlay_trace():
    ds = lds()
    state = ViewState(overlays=("assets",))
    updates = mapfig.figure_updates(ds, summary(ds), state)
    points = [props for i, props in updates if i >= mapfig.FIRST_OVERLAY]
    assert len(points) == asset_sites.TRACES and all(set(p) == {"lat"} for p in points)


def test_key_names_shape_and_colour_in_words():
    lines = asset_sites.key_lines(lds())
    assert lines[0].startswith("● In use: dot, blue (1)")
    assert any("double ring" in line and "vermilion" in line for line in lines)


# --------------------------------------------------------------------------- cards and drill
def test_cards_and_drill():
    ds = lds()
    state = ViewState()
    cards = {c.key: c for c in lever_cards(ds, state)}
    assert cards["staff"].value == "31"
    # located 25 (31 - 6), in L1 (decile 1) 8: 8/25; living wage 7 + 5 + 2 + 10 = 24 of 31
    assert cards["staff_deprived"].value == "32.0%"
    assert cards["living_wage"].value == "77.4%"
    assert cards["sites"].value == "1"                   # Depot: vacant in L1 (decile 1)
    rows = dict(lever_drill(ds, ViewState(ward="W1")).itertuples(index=False))
    assert rows["Staff living here (all anchors)"] in ("withheld", "8")
    assert rows["Sites in this ward"] == "1 in use, 1 vacant"
    trust = dict(lever_drill(ds, ViewState(ward="W1", detail_anchor="Trust"))
                 .itertuples(index=False))
    assert trust["Staff living here (Trust)"] == "<5"
    assert lever_drill(ds, ViewState()) is None


def test_page_json_carries_no_small_count():
    """Every panel's contents for every anchor choice and the workforce layer, as the JSON the
    callbacks send: no ward count below 5 appears as a number."""
    ds = lds()
    ctx = build_context(ds, load_settings(env={}), URLS)
    for query in ("?layer=ward_staff", "?layer=ward_staff&anchor=Trust&ward=W1",
                  "?layer=ward_staff&anchor=Council&ward=W1&show=assets"):
        state = ctx.state(query)
        panels(ctx, state)
        staff = [c.value for c in lever_cards(ds, state) if c.key.startswith("staff")]
        drill = details_panel(ctx, state)
        rows = drill.levers.rows if drill.levers else ()
        staff += [value for label, value in rows if label.startswith("Staff living here")]
        assert staff and not set(staff) & {"1", "2", "3", "4"}
