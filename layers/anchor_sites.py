"""Anchor sites overlay: where the anchors themselves are (when the data set gives their sites).

Every anchor with a site is a point; anchors outside the anchor filter are hidden by a None
latitude, so a filter change patches only `lat`.
"""
from __future__ import annotations

import numpy as np

from dashboard.engine.metrics import Options, Summary
from dashboard.engine.model import Dataset
from dashboard.fmt import plot_text
from layers._common import LayerOutput

KEY = "anchors"
LABEL = "Anchor sites"
GEOMETRY = None
TRACES = 2
COLOUR = "#000000"


def sites(ds: Dataset) -> np.ndarray:
    """Rows of `ds.anchors` that have a site with coordinates."""
    a = ds.anchors
    if "site_lat" not in a or "site_lon" not in a:
        return np.zeros(0, np.int64)
    lat = a["site_lat"].to_numpy(np.float64, na_value=np.nan)
    lon = a["site_lon"].to_numpy(np.float64, na_value=np.nan)
    return np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))


def values(ds: Dataset, summary: Summary, options: Options) -> dict[str, list]:
    """Latitudes of the sites, None for anchors outside the anchor filter (hidden)."""
    rows = sites(ds)
    if not len(rows):
        return {"lat": []}
    names = ds.anchors["name"].to_numpy(object)[rows]
    lat = np.round(ds.anchors["site_lat"].to_numpy(np.float64)[rows], 5)
    chosen = set(summary.filters.anchors)
    return {"lat": [float(y) if not chosen or n in chosen else None for y, n in zip(lat, names)]}


def build(ds: Dataset, summary: Summary, options: Options, geojson_url: str | None = None
          ) -> LayerOutput:
    """Black circles with a white ring, drawn as two traces (Scattermap markers have no outline)."""
    rows = sites(ds)
    a = ds.anchors
    names = a["name"].to_numpy(object)[rows]
    types = (a["type"].to_numpy(object) if "type" in a else np.full(len(a), "", object))[rows]
    lon = np.round(a["site_lon"].to_numpy(np.float64)[rows], 5).tolist() if len(rows) else []
    common = {"type": "scattermap", "name": LABEL, "mode": "markers",
              "lat": values(ds, summary, options)["lat"], "lon": lon,
              "hovertext": [f"<b>{plot_text(n)}</b><br>{plot_text(t)} (anchor)"
                            for n, t in zip(names, types)],
              "customdata": [str(n) for n in names]}
    ring = {**common, "marker": {"size": 17, "color": "#ffffff"}, "hoverinfo": "skip",
            "showlegend": False}
    dot = {**common, "marker": {"size": 12, "color": COLOUR}, "hoverinfo": "text",
           "showlegend": True}
    return LayerOutput([ring, dot])
