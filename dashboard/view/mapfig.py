"""The map figure: which layers, in what order, and the small updates a filter change needs.

A figure is built in full only when its structure changes (base layer or overlays); any other
change is a list of (trace index, {property: values}) updates (`dashboard.view.mapupdate` decides
which to send, and how), so geometry and layout never travel again.

Trace order: the base choropleth, the two-trace halo around the selected ward, then each overlay's
traces in `OVERLAY_LAYERS` order. The place names have no traces: they are layers of the map's
style (`layers.place_labels`), drawn over the fills and under the points, sent with the figure
only when its structure changes.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dashboard.engine.metrics import Summary
from dashboard.engine.model import Dataset
from dashboard.view.state import ViewState
from layers import BASE_LAYERS, OVERLAY_LAYERS, Legend
from layers._common import FONT, geometry

UIREVISION = "anchor-map"       # constant: plotly keeps the user's zoom and pan across updates
HALO = ({"color": "#000000", "width": 6}, {"color": "#ffffff", "width": 2.5})
ENGLAND = {"lat": 52.8, "lon": -1.6, "zoom": 5.2}
FIRST_OVERLAY = 3               # trace index: after the base layer and the two halo traces
MAP_WIDTH = 0.87                # share of the figure width for the map; the colour bar sits beside


@dataclass(frozen=True)
class MapConfig:
    """Per-app map settings: geometry URLs, optional raster tiles, initial view."""

    geojson_urls: dict[str, str]
    tile_url: str = ""
    tile_attribution: str = ""
    view: tuple[float, float, float] = (ENGLAND["lat"], ENGLAND["lon"], ENGLAND["zoom"])
    bounds: tuple[float, float, float, float] | None = None   # west, south, east, north


def structure_key(state: ViewState) -> str:
    """What forces a full rebuild: the base layer, the set of overlays and presentation mode."""
    return f"{state.layer}|{','.join(state.overlays)}" + ("|present" if state.present else "")


def build_figure(ds: Dataset, summary: Summary, state: ViewState, cfg: MapConfig, *,
                 colour_bar: bool = True) -> tuple[dict[str, Any], Legend]:
    """The whole figure (plotly JSON dict) and the base layer's legend.

    `colour_bar=False` (the page) leaves plotly's colour bar out and gives the map the whole
    width: the page's key beside the map lists the classes with their numbers. A map image
    (`dashboard.output.exports`) keeps it, as its only key."""
    base = BASE_LAYERS[state.layer]
    out = base.build(ds, summary, summary.options, cfg.geojson_urls[base.GEOMETRY])
    if not colour_bar:
        out.traces[0]["showscale"] = False
    traces = list(out.traces) + _halo(cfg.geojson_urls["wards"], _ward_rows(ds, state.ward))
    style = None
    for key in state.overlays:
        layer = OVERLAY_LAYERS[key]
        over = layer.build(ds, summary, summary.options,
                           cfg.geojson_urls.get(layer.GEOMETRY) if layer.GEOMETRY else None)
        traces += over.traces
        style = over.extra.get("map_style", style)   # the place names: a style, no traces
    if state.present:
        out.traces[0]["colorbar"]["tickfont"]["size"] = 17
        out.traces[0]["colorbar"]["thickness"] = 22
    layout = _layout(cfg, state.present)
    if style is not None:
        layout["map"]["style"] = style
    if not colour_bar:
        layout["map"]["domain"]["x"] = [0, 1]
    return {"data": traces, "layout": layout}, out.legend


def figure_updates(ds: Dataset, summary: Summary, state: ViewState, *, halo: bool = True
                   ) -> list[tuple[int, dict[str, Any]]]:
    """(trace index, {dotted property: value}) for everything a filter or selection can change.

    `halo=False` leaves the two selection-outline traces out: when the selected ward is the one
    already drawn, re-assigning them would make plotly recompute two more choropleths for nothing.
    """
    base = BASE_LAYERS[state.layer]
    updates = [(0, base.values(ds, summary, summary.options))]
    if halo:
        loc = _ward_rows(ds, state.ward)
        updates += [(1, {"locations": loc, "z": [1] * len(loc)}),
                    (2, {"locations": loc, "z": [1] * len(loc)})]
    index = FIRST_OVERLAY
    for key in state.overlays:
        layer = OVERLAY_LAYERS[key]
        vals = layer.values(ds, summary, summary.options)
        n = layer.TRACES
        per = vals if isinstance(vals, list) else [vals] * n   # one dict, or one per trace
        updates += [(index + i, per[i]) for i in range(n)]
        index += n
    return updates


def point_traces(state: ViewState) -> frozenset[int]:
    """Indices of the point overlays' traces (plain circle markers, whose filter-dependent
    values the page can change in place: see `dashboard.view.mapupdate.in_place`)."""
    count = sum(OVERLAY_LAYERS[key].TRACES for key in state.overlays)
    return frozenset(range(FIRST_OVERLAY, FIRST_OVERLAY + count))


def legend_for(ds: Dataset, summary: Summary, state: ViewState) -> Legend:
    """The legend of the current base layer (without building the whole figure)."""
    base = BASE_LAYERS[state.layer]
    return base.build(ds, summary, summary.options, "").legend


def _ward_rows(ds: Dataset, ward: str | None) -> list[int]:
    """The feature number of the selected ward (its row in `ds.wards`), as a list (empty if none)."""
    if not ward:
        return []
    hits = (ds.wards["code"].astype(str) == ward).to_numpy().nonzero()[0]
    return [int(hits[0])] if len(hits) else []


def _halo(url: str, loc: list[int]) -> list[dict[str, Any]]:
    """Two outline-only traces (wide black under narrow white) so the selection shows on any fill."""
    clear = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]
    return [{"type": "choroplethmap", "geojson": url, "featureidkey": "id", "locations": loc,
             "z": [1] * len(loc), "colorscale": clear, "showscale": False, "hoverinfo": "skip",
             "marker": {"line": line}, "name": "Selected ward", "showlegend": False}
            for line in HALO]


def _layout(cfg: MapConfig, present: bool = False) -> dict[str, Any]:
    lat, lon, zoom = cfg.view
    layers = []
    if cfg.tile_url:
        layers.append({"sourcetype": "raster", "source": [cfg.tile_url], "below": "traces",
                       "sourceattribution": cfg.tile_attribution or None})
    return {
        "map": {"style": "white-bg", "center": {"lat": lat, "lon": lon}, "zoom": zoom,
                "layers": layers, "domain": {"x": [0, MAP_WIDTH], "y": [0, 1]}},
        "showlegend": False,  # the page's legend names the overlays in words
        "uirevision": UIREVISION,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "paper_bgcolor": "#ffffff",
        "font": {"family": FONT, "color": "#111111", "size": 17 if present else 13},
        "hoverlabel": {"font": {"family": FONT, "size": 18 if present else 14}},
        "clickmode": "event",
        # read by assets/map_fit.js: fit these bounds to the real map size on first draw
        "meta": {"fit": list(cfg.bounds) if cfg.bounds else None, "view": [lat, lon, zoom]},
    }


def initial_view(ds: Dataset, width_px: float = 600, height_px: float = 540
                 ) -> tuple[float, float, float]:
    """Centre and zoom that fit the ward geometry (England when there is none)."""
    box = fit_bounds(ds)
    if box is None:
        return ENGLAND["lat"], ENGLAND["lon"], ENGLAND["zoom"]
    west, south, east, north = box
    lat = (south + north) / 2
    lon_span = max(east - west, 1e-4) * 1.1
    lat_span = max(_merc(north) - _merc(south), 1e-6) * 1.1
    zoom_x = math.log2(360 * width_px / 512 / lon_span)
    zoom_y = math.log2(2 * math.pi * height_px / 512 / lat_span)
    return round(lat, 5), round((west + east) / 2, 5), round(max(min(zoom_x, zoom_y), 1.0), 2)


def fit_bounds(ds: Dataset) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the ward geometry (LSOAs when there are no wards)."""
    return _bounds(geometry(ds)["wards"]) or _bounds(geometry(ds)["lsoas"])


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _bounds(fc: dict) -> tuple[float, float, float, float] | None:
    xs: list[float] = []
    ys: list[float] = []

    def walk(c) -> None:
        if c and isinstance(c[0], (int, float)):
            xs.append(float(c[0]))
            ys.append(float(c[1]))
        else:
            for part in c or ():
                walk(part)

    for f in fc.get("features", []):
        walk((f.get("geometry") or {}).get("coordinates"))
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def click_target(state: ViewState, click: dict | None, ward_codes: Sequence[str],
                 lsoa_wards: Sequence[str | None], point_wards: Sequence[str | None] = ()
                 ) -> tuple[str, str] | None:
    """What a map click selects: ("ward", code) or ("anchor", name), or None.

    A ward fill selects the ward; an LSOA fill selects the ward it is assigned to; a supplier point
    selects the supplier's ward; an anchor site selects that anchor for the drill-down. Fills are
    located by feature number: the row in `ward_codes` (wards) or `lsoa_wards` (LSOAs).
    """
    try:
        point = (click or {}).get("points", [])[0]
        curve = int(point.get("curveNumber", -1))
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    if curve == 0:
        rows = lsoa_wards if state.layer == "lsoa_decile" else ward_codes
        loc = _at(rows, point.get("location"))
        return ("ward", loc) if isinstance(loc, str) and loc else None
    index = FIRST_OVERLAY
    for key in state.overlays:
        layer = OVERLAY_LAYERS[key]
        if index <= curve < index + layer.TRACES:
            if key == "suppliers":
                n = point.get("pointNumber", point.get("pointIndex"))
                ward = _at(point_wards, n)
                return ("ward", ward) if ward else None
            data = point.get("customdata")
            return ("anchor", str(data)) if data else None
        index += layer.TRACES
    return None


def _at(items: Sequence[Any], index: Any) -> Any:
    """`items[index]` for a whole-number index in range (from a click: any type), else None."""
    if isinstance(index, bool) or not isinstance(index, (int, float, str)):
        return None
    try:
        n = int(index)
    except (ValueError, OverflowError):
        return None
    return items[n] if 0 <= n < len(items) and n == float(index) else None
