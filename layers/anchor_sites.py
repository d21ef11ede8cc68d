"""Anchor sites overlay: where the anchors themselves are (when the data set gives their sites)."""
from __future__ import annotations

import numpy as np

from dashboard.metrics import Options, Summary
from dashboard.model import Dataset
from dashboard.viewmodel.fmt import plot_text
from layers._common import LayerOutput

KEY = "anchors"
LABEL = "Anchor sites"
GEOMETRY = None
TRACES = 2
COLOUR = "#000000"


def values(ds: Dataset, summary: Summary, options: Options) -> dict[str, list]:
    """Sites of the anchors in the filter (all anchors when none is chosen)."""
    a = ds.anchors
    if "site_lat" not in a or "site_lon" not in a:
        return {"lat": [], "lon": [], "hovertext": [], "customdata": []}
    lat = a["site_lat"].to_numpy(np.float64, na_value=np.nan)
    lon = a["site_lon"].to_numpy(np.float64, na_value=np.nan)
    keep = np.isfinite(lat) & np.isfinite(lon)
    chosen = summary.filters.anchors
    if chosen:
        keep &= a["name"].isin(list(chosen)).to_numpy(bool)
    names = a["name"].to_numpy(object)[keep]
    types = (a["type"] if "type" in a else a["name"].map(lambda _: "")).to_numpy(object)[keep]
    return {
        "lat": np.round(lat[keep], 5).tolist(),
        "lon": np.round(lon[keep], 5).tolist(),
        "hovertext": [f"<b>{plot_text(n)}</b><br>{plot_text(t)} (anchor)"
                      for n, t in zip(names, types)],
        "customdata": [str(n) for n in names],
    }


def build(ds: Dataset, summary: Summary, options: Options, geojson_url: str | None = None
          ) -> LayerOutput:
    """Black circles with a white ring, drawn as two traces (Scattermap markers have no outline)."""
    v = values(ds, summary, options)
    ring = {"type": "scattermap", "name": LABEL, "mode": "markers", "lat": v["lat"],
            "lon": v["lon"], "hovertext": v["hovertext"], "customdata": v["customdata"],
            "marker": {"size": 17, "color": "#ffffff"}, "hoverinfo": "skip", "showlegend": False}
    dot = {"type": "scattermap", "name": LABEL, "mode": "markers", "lat": v["lat"],
           "lon": v["lon"], "hovertext": v["hovertext"], "customdata": v["customdata"],
           "marker": {"size": 12, "color": COLOUR}, "hoverinfo": "text", "showlegend": True}
    return LayerOutput([ring, dot])
