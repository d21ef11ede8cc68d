"""Supplier points overlay: located, named (non-individual) suppliers sized by filtered spend.

Individuals are never drawn, and nor are unlocated suppliers or suppliers with no positive spend
under the filters. Marker area is proportional to spend.
"""
from __future__ import annotations

import numpy as np

from dashboard.metrics import Options, Summary
from dashboard.model import YES, Dataset
from dashboard.viewmodel.fmt import money, plot_text
from layers._common import LayerOutput

KEY = "suppliers"
LABEL = "Suppliers (sized by spend)"
GEOMETRY = None
TRACES = 1
COLOUR = "#c51b7d"   # magenta: distinct from every cividis colour in hue and lightness
MAX_SIZE, MIN_SIZE = 34.0, 5.0


def eligible(ds: Dataset) -> np.ndarray:
    """Suppliers that may ever be drawn: located, with coordinates, and not individuals."""
    sup = ds.suppliers
    lat = sup["lat"].to_numpy(np.float64, na_value=np.nan)
    lon = sup["lon"].to_numpy(np.float64, na_value=np.nan)
    return (ds.sup_located & (sup["individual"].to_numpy() != YES)
            & np.isfinite(lat) & np.isfinite(lon))


def values(ds: Dataset, summary: Summary, options: Options) -> dict[str, list]:
    """Positions, sizes and hover text of the suppliers with positive filtered spend."""
    spend = summary.sup_spend
    idx = np.flatnonzero(eligible(ds) & (spend > 0))
    idx = idx[np.argsort(-spend[idx], kind="stable")]  # big first, so small ones draw on top
    sup = ds.suppliers
    top = float(spend[idx].max()) if len(idx) else 1.0
    sizes = MIN_SIZE + (MAX_SIZE - MIN_SIZE) * np.sqrt(spend[idx] / top)
    names = sup["display_name"].to_numpy(object)[idx]
    return {
        "lat": np.round(sup["lat"].to_numpy(np.float64)[idx], 5).tolist(),
        "lon": np.round(sup["lon"].to_numpy(np.float64)[idx], 5).tolist(),
        "marker.size": np.round(sizes, 1).tolist(),
        "hovertext": [f"{plot_text(n)}<br>{money(int(p), compact=True)}"
                      for n, p in zip(names, spend[idx])],
        "customdata": [str(w) if w is not None else "" for w in
                       sup["ward"].to_numpy(object)[idx]],
    }


def build(ds: Dataset, summary: Summary, options: Options, geojson_url: str | None = None
          ) -> LayerOutput:
    """One Scattermap trace of circles (no symbols: those would fetch sprites from the network)."""
    v = values(ds, summary, options)
    trace = {
        "type": "scattermap", "name": LABEL, "mode": "markers",
        "lat": v["lat"], "lon": v["lon"], "hovertext": v["hovertext"],
        "customdata": v["customdata"],
        "marker": {"size": v["marker.size"], "color": COLOUR, "opacity": 0.75},
        "hoverinfo": "text", "showlegend": True,
    }
    return LayerOutput([trace])
