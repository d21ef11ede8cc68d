"""Supplier points overlay: located, named (non-individual) suppliers sized by filtered spend.

Individuals are never drawn, nor unlocated suppliers. The trace holds a fixed set of points: the
drawable suppliers with positive spend in the whole data set, at most `MAX_POINTS` of them (the
largest: at national scale a few hundred thousand circles would be unreadable, and every filter
change would re-send them all), biggest first so small circles draw on top. Names and longitudes
are sent once. A filter change patches only `lat` (None hides a supplier with no positive spend
under the filters: plotly neither draws nor hovers it), marker sizes (area proportional to spend)
and whole-pound amounts in `customdata` (formatted by the hover template, so the patch carries
numbers, not text).
"""
from __future__ import annotations

import numpy as np

from dashboard.engine.metrics import Options, Summary
from dashboard.engine.model import YES, Dataset
from dashboard.fmt import plot_text
from layers._common import LayerOutput

KEY = "suppliers"
LABEL = "Suppliers (sized by spend)"
GEOMETRY = None
TRACES = 1
COLOUR = "#c51b7d"   # magenta: distinct from every cividis colour in hue and lightness
MAX_SIZE, MIN_SIZE = 34.0, 5.0
MAX_POINTS = 1000    # the largest suppliers overall; the suppliers download lists every one


def eligible(ds: Dataset) -> np.ndarray:
    """Suppliers that may ever be drawn: located, with coordinates, and not individuals."""
    sup = ds.suppliers
    lat = sup["lat"].to_numpy(np.float64, na_value=np.nan)
    lon = sup["lon"].to_numpy(np.float64, na_value=np.nan)
    return (ds.sup_located & (sup["individual"].to_numpy() != YES)
            & np.isfinite(lat) & np.isfinite(lon))


def points(ds: Dataset) -> np.ndarray:
    """Supplier rows of the trace's points, in drawing order (made once, `ds.derived`)."""
    return _points(ds)[0]


def drawable_count(ds: Dataset) -> int:
    """How many suppliers could be drawn (located, not individuals, positive spend overall);
    more than `MAX_POINTS` means only the largest are."""
    return _points(ds)[1]


def _points(ds: Dataset) -> tuple[np.ndarray, int]:
    """(the points in drawing order, how many suppliers could be drawn), once per data set."""
    def build() -> tuple[np.ndarray, int]:
        total = np.bincount(ds.tx.supplier, weights=ds.tx.amount, minlength=ds.n_suppliers)
        idx = np.flatnonzero(eligible(ds) & (total > 0))
        order = idx[np.argsort(-total[idx], kind="stable")][:MAX_POINTS]
        order.flags.writeable = False
        return order, len(idx)

    return ds.derived.once("layers.supplier_points", build)


def point_wards(ds: Dataset) -> list[str | None]:
    """Ward code of each point (clicking a supplier selects its ward)."""
    wards = ds.suppliers["ward"].to_numpy(object)[points(ds)]
    return [w if isinstance(w, str) else None for w in wards]


def values(ds: Dataset, summary: Summary, options: Options) -> dict[str, list]:
    """What a filter changes: latitudes (None = hidden), sizes and amounts in whole pounds."""
    idx = points(ds)
    spend = summary.sup_spend[idx]
    on = spend > 0
    top = float(spend[on].max()) if on.any() else 1.0
    # as `diameter`, for every point at once
    sizes = np.where(on, MIN_SIZE + (MAX_SIZE - MIN_SIZE) * np.sqrt(np.maximum(spend, 0) / top),
                     0.0)
    lat = np.round(ds.suppliers["lat"].to_numpy(np.float64)[idx], 5)
    return {
        "lat": [float(y) if o else None for y, o in zip(lat, on)],
        "marker.size": np.round(sizes, 1).tolist(),
        "customdata": [int((p + 50) // 100) if o else 0 for p, o in zip(spend.tolist(), on)],
    }


def diameter(spend_pence: float, top_pence: float) -> float:
    """A circle's diameter in pixels for a supplier's spend, as `values` draws it (area grows
    with spend above the smallest circle), `top_pence` being the largest drawn."""
    return MIN_SIZE + (MAX_SIZE - MIN_SIZE) * float(np.sqrt(max(spend_pence, 0) / top_pence))


def size_key(ds: Dataset, summary: Summary) -> list[tuple[int, float]]:
    """The circle-size key: up to three round amounts (pence) from the largest drawn supplier's
    spend down, each with the diameter (px) a supplier with that spend is drawn at now."""
    spend = summary.sup_spend[points(ds)]
    top = float(spend.max()) if len(spend) and spend.max() > 0 else 0.0
    if top <= 0:
        return []
    out: list[tuple[int, float]] = []
    for share in (1.0, 0.25, 1 / 25):
        amount = _round_down(top * share)
        if amount > 0 and all(amount != a for a, _ in out):
            out.append((amount, round(diameter(amount, top), 1)))
    return out


def _round_down(pence: float) -> int:
    """`pence` rounded down to one significant figure of pounds (e.g. £2,345,678 -> £2,000,000)."""
    pounds = int(pence // 100)
    if pounds <= 0:
        return 0
    unit = 10 ** (len(str(pounds)) - 1)
    return (pounds // unit) * unit * 100


def build(ds: Dataset, summary: Summary, options: Options, geojson_url: str | None = None
          ) -> LayerOutput:
    """One Scattermap trace of circles (no symbols: those would fetch sprites from the network)."""
    idx = points(ds)
    v = values(ds, summary, options)
    trace = {
        "type": "scattermap", "name": LABEL, "mode": "markers",
        "lat": v["lat"], "lon": np.round(ds.suppliers["lon"].to_numpy(np.float64)[idx], 5).tolist(),
        "hovertext": [plot_text(n) for n in ds.suppliers["display_name"].to_numpy(object)[idx]],
        "customdata": v["customdata"],
        "hovertemplate": "%{hovertext}<br>£%{customdata:,.0f}<extra></extra>",
        "marker": {"size": v["marker.size"], "color": COLOUR, "opacity": 0.75},
        "showlegend": True,
    }
    return LayerOutput([trace])
