"""LSOA deprivation deciles: national IMD decile, or the local decile under the local reference.

Ten flat classes, one colour per decile (not a gradient: a decile is a class, and the key says
which colour is which decile, 1 = most deprived, darkest)."""
from __future__ import annotations

import numpy as np

from dashboard.engine import metrics as m
from dashboard.engine.metrics import Options, Summary
from dashboard.engine.model import Dataset
from dashboard.fmt import plot_text
from layers._common import (
    CIVIDIS,
    LayerOutput,
    Legend,
    choropleth,
    drawn_rows,
    feature_names,
    stepped_scale,
)

KEY = "lsoa_decile"
LABEL = "LSOA deprivation deciles"
GEOMETRY = "lsoas"
TRACES = 1
TICKS = ["1 MOST deprived"] + [str(d) for d in range(2, 10)] + ["10 least deprived"]
#: decile d takes CIVIDIS[d - 1] (1 darkest), flat from d - 0.5 to d + 0.5
SCALE = stepped_scale(CIVIDIS, [d + 0.5 for d in range(1, 10)], 0.5, 10.5)


_WORDS = {1: " = most deprived", 10: " = least deprived"}


def values(ds: Dataset, summary: Summary, options: Options) -> dict[str, list]:
    """Decile per drawn LSOA under the chosen reference (None outside the local area)."""
    rows = drawn_rows(ds, GEOMETRY)
    if options.reference == "local":
        d = m.local_deciles(ds.lsoas, m.local_area(ds, options), f"{options.domain}_rank")[rows]
        return {"z": [int(v) if v <= 10 else None for v in d]}
    return {"z": ds.lsoas[f"{options.domain}_decile"].to_numpy(np.int64)[rows].tolist()}


def build(ds: Dataset, summary: Summary, options: Options, geojson_url: str) -> LayerOutput:
    """The decile choropleth (1 = most deprived, dark) and its legend."""
    local = options.reference == "local"
    kind = "Local" if local else "National"
    rows = drawn_rows(ds, GEOMETRY)
    codes = [str(c) for c in ds.lsoas["lsoa"].to_numpy(object)[rows]]
    names = feature_names(ds, GEOMETRY)
    labels = [plot_text(f"{names[c]} ({c})" if names.get(c) not in (None, c) else c)
              for c in codes]
    trace = choropleth(
        geojson_url, rows.tolist(), values(ds, summary, options)["z"], labels,
        colorscale=SCALE, zmin=0.5, zmax=10.5,
        colorbar={"title": {"text": f"{kind} IMD decile", "side": "top"},
                  "tickvals": list(range(1, 11)), "ticktext": TICKS},
        hovertemplate=f"<b>%{{text}}</b><br>{kind} IMD decile %{{z}}"
                      "<br>(1 = most deprived)<extra></extra>", name=LABEL,
    )
    trace["marker"]["line"]["width"] = 0.4
    notes = ["Decile 1 is the most deprived tenth of LSOAs."]
    if local:
        notes.append("Local deciles rank the local area's LSOAs only; LSOAs outside it are "
                     "unshaded.")
    z = trace["z"]
    counts = [sum(1 for v in z if v == d) for d in range(1, 11)]
    key = tuple((CIVIDIS[d - 1], f"{d}{_WORDS.get(d, '')}: {n:,} LSOA" + ("" if n == 1 else "s"))
                for d, n in zip(range(1, 11), counts))
    legend = Legend(title=f"{kind} Index of Multiple Deprivation decile of each LSOA",
                    dark="Darker: decile 1 = MOST deprived",
                    light="Lighter: decile 10 = least deprived", notes=tuple(notes),
                    classes=key, method="Ten classes, one per decile: 1 = most deprived.")
    return LayerOutput([trace], legend)
