"""Shared pieces of the map layers: the output type, legends, choropleth trace and scales.

Traces are plain dicts (plotly JSON), not `go` objects: they are built on every layer change and
validated once in the tests, and dicts are what a `dash.Patch` edits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Colour-blind-safe, perceptually uniform (plotly's cividis, written out because plotly.js knows
# no "_r" names). Dark = "more of what the layer is about".
CIVIDIS = ["#00224e", "#123570", "#3b496c", "#575d6d", "#707173", "#8a8678", "#a59c74",
           "#c3b369", "#e1cc55", "#fee838"]
DARK_LOW = [[i / 9, c] for i, c in enumerate(CIVIDIS)]           # low values dark (rank, decile)
DARK_HIGH = [[i / 9, c] for i, c in enumerate(reversed(CIVIDIS))]  # high values dark (spend, share)
OUTLINE = "#1f1f1f"       # thin dark boundaries: 3:1 against the light end of cividis
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


#: "No spend" (and net credit): white, the map's own background, so a ward with nothing looks
#: empty; the dark outline keeps it visible and the key names it in words.
NO_SPEND = "#ffffff"


@dataclass(frozen=True)
class Legend:
    """The legend in words: title, what each end of the colour scale means, and notes.

    `classes` lists a classed layer's colours with what each means in numbers, in the order
    shown ((colour, label), e.g. ("#00224e", "£1.2m to £3.4m: 5 wards")); `method` says how the
    classes were chosen. A layer with no classes shades continuously: its `dark` and `light` words
    carry the numbers at either end."""

    title: str
    dark: str                 # what the dark end means (in words)
    light: str                # what the light end means
    notes: tuple[str, ...] = ()
    classes: tuple[tuple[str, str], ...] = ()
    method: str = ""


@dataclass(frozen=True)
class LayerOutput:
    """What a layer builder returns: plotly trace dicts and a legend (None for overlays)."""

    traces: list[dict[str, Any]]
    legend: Legend | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def choropleth(geojson_url: str, locations: list[int], z: list, names: list[str], *,
               colorscale: list, colorbar: dict, hovertemplate: str, zmin=None, zmax=None,
               name: str = "") -> dict[str, Any]:
    """A Choroplethmap trace over geometry served from `geojson_url`, matched on feature id.

    `locations` are feature numbers (see `numbered`), not area codes."""
    trace = {
        "type": "choroplethmap",
        "name": name,
        "geojson": geojson_url,
        "featureidkey": "id",
        "locations": locations,
        "z": z,
        "text": names,
        "colorscale": colorscale,
        "marker": {"line": {"color": OUTLINE, "width": 0.8}, "opacity": 0.9},
        "colorbar": {"thickness": 16, "len": 0.8, "x": 1.0, "xanchor": "right", "xpad": 4,
                     "bgcolor": "rgba(255,255,255,0)", "outlinewidth": 1,
                     "outlinecolor": OUTLINE, "tickfont": {"size": 12, "color": "#111"},
                     **colorbar},
        "hovertemplate": hovertemplate,
        "showscale": True,
    }
    if zmin is not None:
        trace.update(zmin=zmin, zmax=zmax, zauto=False)
    return trace


def none_if_nan(values) -> list:
    """A JSON-safe list: NaN and None become None (plotly leaves those features unshaded)."""
    return [None if v is None or v != v else float(v) for v in values]


def geometry(ds) -> dict[str, dict]:
    """The drawing geometry of a data set: {"wards": FeatureCollection, "lsoas": ...} (may be empty)."""
    geo = ds.meta.get("geometry") or {}
    empty = {"type": "FeatureCollection", "features": []}
    return {"wards": geo.get("wards") or empty, "lsoas": geo.get("lsoas") or empty}


def numbered(fc: dict, codes) -> dict:
    """`fc` with each feature's id replaced by its code's position in `codes`, the code kept as
    `properties.code`; features whose code is not in `codes` are left out.

    Map traces locate features by these numbers. The map engine (MapLibre) keeps only numeric
    feature ids, and plotly passes each location on as the drawn feature's id: with numbers, the
    page can recolour a ward in place (`assets/map_recolour.js`) without re-sending or
    re-tiling any geometry.
    """
    position = {str(c): i for i, c in enumerate(codes)}
    features = []
    for f in fc.get("features", []):
        props = f.get("properties") or {}
        code = str(f.get("id", props.get("code")))
        if code in position:
            features.append({"type": "Feature", "id": position[code],
                             "properties": {**props, "code": code},
                             "geometry": f.get("geometry")})
    return {"type": "FeatureCollection", "features": features}


def served_geometry(ds, district_name=None) -> dict[str, dict]:
    """The drawing geometry as the browser gets it: features numbered by ward and LSOA row, and
    the place-name points (`layers.place_labels.points`, districts named by `district_name`)."""
    from layers import place_labels

    geo = geometry(ds)
    return {"wards": numbered(geo["wards"], ds.wards["code"]),
            "lsoas": numbered(geo["lsoas"], ds.lsoas["lsoa"]),
            "labels": place_labels.points(ds, district_name)}


def drawn_rows(ds, kind: str):
    """Positions in `ds.lsoas` (kind "lsoas") or `ds.wards` of the features the map can draw.

    The deprivation table covers all of England; only LSOAs with drawing geometry are sent to the
    browser. Made once per data set (`ds.derived`, beside the engine's derived arrays).
    """
    import numpy as np
    import pandas as pd

    def build():
        ids = [str(f.get("id", (f.get("properties") or {}).get("code")))
               for f in geometry(ds)[kind]["features"]]
        table = ds.lsoas["lsoa"] if kind == "lsoas" else ds.wards["code"]
        idx = pd.Index(table.astype(str)).get_indexer(ids)
        rows = np.sort(idx[idx >= 0]).astype(np.int64)
        rows.flags.writeable = False
        return rows

    return ds.derived.once(f"layers.drawn_{kind}", build)


def feature_names(ds, kind: str) -> dict[str, str]:
    """Feature code -> name from the drawing geometry's properties (made once, `ds.derived`)."""
    def build():
        names = {}
        for f in geometry(ds)[kind]["features"]:
            props = f.get("properties") or {}
            code = str(f.get("id", props.get("code")))
            names[code] = str(props.get("name") or code)
        return names

    return ds.derived.once(f"layers.names_{kind}", build)


def stepped_scale(colours: list[str], cuts: list[float], zmin: float, zmax: float
                  ) -> list[list]:
    """A plotly colour scale of flat classes: `colours[i]` from cut i-1 to cut i (the first from
    `zmin`, the last to `zmax`); `cuts` (increasing, len(colours) - 1) in the values' units.

    Cuts should fall between values, never on one: where two stops share a position, plotly and
    the page's in-place recolour (assets/map_recolour.js) could take either colour."""
    span = (zmax - zmin) or 1.0
    pos = [min(max((c - zmin) / span, 0.0), 1.0) for c in cuts]
    scale: list[list] = [[0.0, colours[0]]]
    for p, before, after in zip(pos, colours, colours[1:]):
        scale += [[p, before], [p, after]]
    scale.append([1.0, colours[-1]])
    return scale


def quantile_classes(values, k: int) -> list[tuple[float, float, int]]:
    """Up to `k` classes of the positive `values`, each about the same number of areas
    (quantiles), as (lowest, highest, count); ties never split across classes, so there may be
    fewer. Values of zero or less are not classed (they are the "no spend" class)."""
    import numpy as np

    pos = np.sort(np.asarray([v for v in values if v is not None and v > 0], dtype=float))
    n = len(pos)
    out: list[tuple[float, float, int]] = []
    start = 0
    for j in range(1, k + 1):
        end = n if j == k else max(int(np.ceil(n * j / k)), start + 1)
        if start >= n:
            break
        end = min(end, n)
        while end < n and pos[end] == pos[end - 1]:   # keep equal values in one class
            end += 1
        out.append((float(pos[start]), float(pos[end - 1]), end - start))
        start = end
    return out
