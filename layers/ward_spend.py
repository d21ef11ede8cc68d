"""Ward spend choropleth: located spend with suppliers in each ward under the current filters.

Classed, not continuous: spend across wards is skewed (a few wards take most of it), so a linear
scale leaves most wards in its lightest quarter. The wards with spend are split into fifths
(quantiles: about the same number of wards in each class), recomputed for every filter change,
darker for more; wards with no spend (or net credit) are their own class, white. The key lists
each class's range in pounds and its number of wards.
"""
from __future__ import annotations

import numpy as np

from dashboard.engine.metrics import Options, Summary
from dashboard.engine.model import Dataset
from dashboard.fmt import money, plot_text
from layers._common import (
    CIVIDIS,
    NO_SPEND,
    LayerOutput,
    Legend,
    choropleth,
    quantile_classes,
    stepped_scale,
)

KEY = "ward_spend"
LABEL = "Spend by ward"
GEOMETRY = "wards"
TRACES = 1
CLASSES = 5
#: Light to dark (more spend darker), cividis: colour-blind safe and ordered in lightness.
PALETTE = [CIVIDIS[i] for i in (9, 7, 5, 3, 0)]
METHOD = ("Classes: the wards with spend split into fifths by spend (quantiles: about as many "
          "wards in each), recomputed for the current filters; white: no spend.")


def _pounds(v: float) -> str:
    return money(int(round(v * 100)), compact=True)


def classes(z: list[float]) -> tuple[list[tuple[str, str]], list[list], float, float]:
    """The key ((colour, label) per class, "no spend" first when any ward has none), the
    stepped colour scale and its range (zmin, zmax) for the ward values `z` (pounds)."""
    found = quantile_classes(z, CLASSES)
    picks = np.round(np.linspace(0, len(PALETTE) - 1, len(found))).astype(int) if found else []
    colours = [PALETTE[i] for i in picks]
    none = sum(1 for v in z if v <= 0)
    negative = any(v < 0 for v in z)
    key: list[tuple[str, str]] = []
    stops: list[str] = []
    cuts: list[float] = []
    if none or not found:
        words = "No spend or net credit" if negative else "No spend (£0)"
        key.append((NO_SPEND, f"{words}: {_wards(none)}"))
        stops.append(NO_SPEND)
        if found:
            cuts.append(found[0][0] / 2)        # between £0 and the least spend
    for i, ((lo, hi, n), colour) in enumerate(zip(found, colours)):
        span = _pounds(lo) if _pounds(lo) == _pounds(hi) else f"{_pounds(lo)} to {_pounds(hi)}"
        key.append((colour, f"{span}: {_wards(n)}"))
        stops.append(colour)
        if i + 1 < len(found):
            cuts.append((hi + found[i + 1][0]) / 2)   # between the classes: never on a value
    zmin = min([0.0, *z])
    zmax = max([zmin + 1.0, *z])
    return key, stepped_scale(stops, cuts, zmin, zmax), zmin, zmax


def _ticks(z: list[float]) -> dict:
    """Colour bar ticks (the map image's key) at the classes' lowest values and the top, written
    as the page writes money (dashboard.fmt: "£12.4m", never plotly's "£12M")."""
    found = quantile_classes(z, CLASSES)
    vals = sorted({0.0, *(lo for lo, _hi, _n in found), *([found[-1][1]] if found else [])})
    return {"tickvals": vals, "ticktext": [_pounds(v) for v in vals]}


def _wards(n: int) -> str:
    return f"{n} ward" + ("" if n == 1 else "s")


def values(ds: Dataset, summary: Summary, options: Options) -> dict:
    """The figures that change with the filters: `z` in pounds, one per ward (ward order), and
    the classes' colour scale and range, which follow the values."""
    z = (summary.by_ward["spend"].to_numpy(np.int64) / 100).tolist()
    _key, scale, zmin, zmax = classes(z)
    return {"z": z, "colorscale": scale, "zmin": zmin, "zmax": zmax}


def build(ds: Dataset, summary: Summary, options: Options, geojson_url: str) -> LayerOutput:
    """The choropleth trace and its legend (the classes with their numbers)."""
    v = values(ds, summary, options)
    key, *_ = classes(v["z"])
    trace = choropleth(
        geojson_url, list(range(len(ds.wards))), v["z"],
        [plot_text(n) for n in ds.wards["name"]], colorscale=v["colorscale"],
        zmin=v["zmin"], zmax=v["zmax"],
        colorbar={"title": {"text": "Spend (£)", "side": "top"}, **_ticks(v["z"])},
        hovertemplate="<b>%{text}</b><br>Spend £%{z:,.2f}<extra></extra>", name=LABEL,
    )
    legend = Legend(
        title="Spend with suppliers located in each ward (£, current filters)",
        dark="Darker: more spend", light="Lighter: less spend; white: none",
        notes=("Suppliers outside every ward and unlocated suppliers are not shown.",),
        classes=tuple(reversed(key)), method=METHOD,
    )
    return LayerOutput([trace], legend)
