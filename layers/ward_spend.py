"""Ward spend choropleth: located spend with suppliers in each ward under the current filters."""
from __future__ import annotations

import numpy as np

from dashboard.engine.metrics import Options, Summary
from dashboard.engine.model import Dataset
from dashboard.fmt import plot_text
from layers._common import DARK_HIGH, LayerOutput, Legend, choropleth

KEY = "ward_spend"
LABEL = "Spend by ward"
GEOMETRY = "wards"
TRACES = 1


def values(ds: Dataset, summary: Summary, options: Options) -> dict[str, list]:
    """The figures that change with the filters: `z` in pounds, one per ward (ward order)."""
    return {"z": (summary.by_ward["spend"].to_numpy(np.int64) / 100).tolist()}


def build(ds: Dataset, summary: Summary, options: Options, geojson_url: str) -> LayerOutput:
    """The choropleth trace and its legend."""
    trace = choropleth(
        geojson_url, list(range(len(ds.wards))), values(ds, summary, options)["z"],
        [plot_text(n) for n in ds.wards["name"]], colorscale=DARK_HIGH,
        colorbar={"title": {"text": "Spend (£)", "side": "top"}, "tickprefix": "£",
                  "tickformat": "~s"},
        hovertemplate="<b>%{text}</b><br>Spend £%{z:,.2f}<extra></extra>", name=LABEL,
    )
    legend = Legend(
        title="Spend with suppliers located in each ward (£, current filters)",
        dark="Darker: more spend", light="Lighter: less spend",
        notes=("Suppliers outside every ward and unlocated suppliers are not shown.",),
    )
    return LayerOutput([trace], legend)
