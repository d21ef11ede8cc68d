"""Place names on the map, from the boundaries themselves: no tile server, no glyph server.

Every ward is named at its representative point (inside the ward, even for a crescent-shaped
one); districts are named too when the wards span more than one (at district scale the district
name says nothing the page does not). The points are one small GeoJSON file made once per data
set and served beside the geometry (`points`); the map draws them as MapLibre symbol layers of
its own style (`build` returns the style, not a trace):

- thinned by size: a ward is named only from the zoom at which it is about `MIN_PX` pixels
  across (bands of one zoom level, `BANDS`), so small wards are not named when zoomed out, and
  where names still collide MapLibre keeps the larger ward's (sort key = size rank);
- districts from England scale until wards take over (`DISTRICT_MAXZOOM`);
- readable on a projector: bold dark text with a wide white halo, 12 to 18 px with the zoom;
- no glyph URL in the style: MapLibre then draws every letter in the browser with the page's
  own fonts (its local glyph path), so nothing is fetched from the network.

The choropleths go under the names: plotly puts a `choroplethmap` just above a style layer whose
id starts with "water" (the white background here), that is below the names; point overlays
stay on top. A filter never changes the names: the layer has no traces and no values.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from dashboard.engine.metrics import Options, Summary
from dashboard.engine.model import Dataset
from layers._common import LayerOutput, geometry

KEY = "labels"
LABEL = "Place names"
GEOMETRY = "labels"     # the served file of label points (`points`), like "wards"
TRACES = 0
MIN_PX = 36.0           # a ward is named once it is about this many pixels across
BANDS = range(7, 16)    # zoom bands of the ward layers: [z, z + 1), the last open-ended
DISTRICT_MAXZOOM = 10.5
EARTH_KM = 40075.016686
TEXT_FONT = ["Open Sans Bold"]   # no such glyph server: a bold sans-serif drawn by the browser
SOURCE = "place-labels"
STYLE_ID = "anchor-place-labels"


def points(ds: Dataset, district_name: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The label points as a FeatureCollection (made once per data set, `ds.derived`): a Point
    per ward ({"n": name, "k": "w", "z": first zoom shown, "r": size rank, 0 largest}), then one
    per district ("k": "d", named by `district_name(code)`, else the code) when the wards lie in
    two or more districts."""
    return ds.derived.once("layers.place_labels", lambda: _points(ds, district_name))


def _points(ds: Dataset, district_name: Callable[[str], str] | None) -> dict[str, Any]:
    wards = _ward_shapes(ds)
    if not wards:
        return {"type": "FeatureCollection", "features": []}
    order = sorted(range(len(wards)), key=lambda i: -wards[i]["km2"])
    rank = {i: r for r, i in enumerate(order)}
    features = [_feature(w["x"], w["y"], w["name"], "w", min_zoom(w["km2"], w["y"]), rank[i])
                for i, w in enumerate(wards)]
    districts = _districts(ds, wards)
    if len(districts) >= 2:
        by_size = sorted(districts.items(), key=lambda kv: -sum(wards[i]["km2"] for i in kv[1]))
        for r, (code, members) in enumerate(by_size):
            x, y = _district_point([wards[i] for i in members])
            name = district_name(code) if district_name else code
            features.append(_feature(x, y, name, "d", 0.0, r))
    return {"type": "FeatureCollection", "features": features}


def min_zoom(km2: float, lat: float) -> float:
    """The first zoom (to 0.5) at which an area of `km2` at latitude `lat` is about `MIN_PX`
    pixels across (web mercator, 256-pixel tiles: 256 * 2^z px per circumference)."""
    side_km = math.sqrt(max(km2, 1e-6))
    per_px_km = side_km / MIN_PX
    z = math.log2(EARTH_KM * math.cos(math.radians(lat)) / (256 * per_px_km))
    return round(min(max(z, 0.0), 22.0) * 2) / 2


def _feature(x: float, y: float, name: str, kind: str, zoom: float, rank: int) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point",
                                            "coordinates": [round(x, 4), round(y, 4)]},
            "properties": {"n": name, "k": kind, "z": zoom, "r": rank}}


def _ward_shapes(ds: Dataset) -> list[dict[str, Any]]:
    """Each drawn ward: code, name, representative point (x, y) and area in km² (approximate:
    degrees scaled at the ward's latitude, plenty to rank and thin by), by shapely's vectorised
    functions. England's 7,681 wards: about 1.6 s of CPU (mostly reading the GeoJSON), once per
    data set and process."""
    import json

    import shapely

    names = dict(zip(ds.wards["code"].astype(str), ds.wards["name"].astype(str)))
    codes, texts = [], []
    for f in geometry(ds)["wards"].get("features", []):
        props = f.get("properties") or {}
        code = str(f.get("id", props.get("code")))
        if code in names and f.get("geometry"):
            codes.append(code)
            texts.append(json.dumps(f["geometry"]))
    if not codes:
        return []
    geoms = shapely.from_geojson(texts, on_invalid="ignore")
    points = shapely.point_on_surface(geoms)     # shapely's representative_point
    centres = shapely.centroid(geoms)
    x, y = shapely.get_x(points), shapely.get_y(points)
    cx, cy = shapely.get_x(centres), shapely.get_y(centres)
    km2 = shapely.area(geoms) * 111.32 ** 2 * np.cos(np.radians(y))
    return [{"code": c, "name": names[c] or c, "x": float(x[i]), "y": float(y[i]),
             "km2": float(km2[i]), "cx": float(cx[i]), "cy": float(cy[i])}
            for i, c in enumerate(codes) if np.isfinite(x[i]) and np.isfinite(km2[i])]


def _districts(ds: Dataset, wards: list[dict[str, Any]]) -> dict[str, list[int]]:
    """District code -> positions in `wards`: each ward in the district most of its LSOAs are in."""
    lsoas = ds.lsoas[["ward", "lad"]].dropna()
    if lsoas.empty:
        return {}
    counts = lsoas.astype(str).value_counts(["ward", "lad"], sort=True)   # most LSOAs first
    lad_of = {ward: lad for ward, lad in reversed(counts.index.tolist())}
    out: dict[str, list[int]] = {}
    for i, w in enumerate(wards):
        lad = lad_of.get(w["code"])
        if lad:
            out.setdefault(lad, []).append(i)
    return out


def _district_point(members: list[dict[str, Any]]) -> tuple[float, float]:
    """Where a district's name goes: the representative point of its ward nearest the
    district's area-weighted centre (always inside the district; no polygon union needed)."""
    area = np.array([w["km2"] for w in members]) + 1e-9
    cx = float(np.dot(area, [w["cx"] for w in members]) / area.sum())
    cy = float(np.dot(area, [w["cy"] for w in members]) / area.sum())
    scale = math.cos(math.radians(cy))
    best = min(members, key=lambda w: ((w["x"] - cx) * scale) ** 2 + (w["y"] - cy) ** 2)
    return best["x"], best["y"]


# --------------------------------------------------------------------------- the map style
def style(source: str | dict) -> dict[str, Any]:
    """A MapLibre style: the white background (as plotly's "white-bg") and the name layers over
    `source` (the served points' URL, or the FeatureCollection itself for an image)."""
    halo = {"text-color": "#111111", "text-halo-color": "#ffffff", "text-halo-width": 2.2,
            "text-halo-blur": 0.4}
    common = {"text-field": ["get", "n"], "text-font": TEXT_FONT, "text-max-width": 7,
              "text-padding": 3, "symbol-sort-key": ["get", "r"], "text-letter-spacing": 0.02}
    size = ["interpolate", ["linear"], ["zoom"], 8, 12, 13, 14, 16, 18]
    layers: list[dict[str, Any]] = [
        {"id": "water-white-bg", "type": "background", "paint": {"background-color": "#ffffff"}}]
    first, last = BANDS[0], BANDS[-1]
    for z in BANDS:
        layer: dict[str, Any] = {
            "id": f"place-labels-wards-{z}", "type": "symbol", "source": SOURCE,
            "filter": ["all", ["==", ["get", "k"], "w"], ["<=", ["get", "z"], z + 0.5]],
            "layout": {**common, "text-size": size}, "paint": halo}
        if z > first:
            layer["minzoom"] = z
        if z < last:
            layer["maxzoom"] = z + 1
        layers.append(layer)
    layers.append({
        "id": "place-labels-districts", "type": "symbol", "source": SOURCE,
        "maxzoom": DISTRICT_MAXZOOM, "filter": ["==", ["get", "k"], "d"],
        "layout": {**common, "text-size": ["interpolate", ["linear"], ["zoom"], 5, 13, 10, 17],
                   "text-transform": "uppercase", "text-letter-spacing": 0.06},
        "paint": {**halo, "text-color": "#000000", "text-halo-width": 2.6}})
    return {"version": 8, "id": STYLE_ID, "name": "White background with place names",
            "sources": {SOURCE: {"type": "geojson", "data": source}},
            "layers": layers}


def values(ds: Dataset, summary: Summary, options: Options) -> dict[str, list]:
    """Nothing changes with the filters: the names are drawn once."""
    return {}


def build(ds: Dataset, summary: Summary, options: Options, geojson_url: str | dict | None = None
          ) -> LayerOutput:
    """No traces: the map style carrying the name layers (`extra["map_style"]`), over the served
    points at `geojson_url` (or the points themselves, for an image; none given: made here)."""
    return LayerOutput([], extra={"map_style": style(geojson_url or points(ds))})
