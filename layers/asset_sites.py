"""The anchors' land and buildings: each site a marker whose shape and colour both say its status.

Map markers offline are circles only (other marker symbols need glyphs from a style server), so a
status's shape is made of concentric circles drawn as stacked traces: a dot, a ring, a ring with a
centre dot, a double ring, a large dot with a hole, a small dot. Each status has its own colour
(Okabe-Ito, safe for colour-blind readers) *and* its own shape; the key (`key_lines`) names both in
words. Every shape sits on a white halo so it reads on any ward colour.

A trace holds the sites of one status; a filter change patches only `lat` (None hides the sites of
anchors outside the anchor filter), so `values` returns one dict per trace.
"""
from __future__ import annotations

import numpy as np

from dashboard.engine.assets import CANDIDATE_STATUSES, STATUSES, has_assets
from dashboard.engine.metrics import Options, Summary
from dashboard.engine.model import Dataset
from dashboard.fmt import plot_text
from layers._common import LayerOutput

KEY = "assets"
LABEL = "Anchor land and buildings"
GEOMETRY = None
WHITE = "#ffffff"
#: Per status: (colour, colour name, shape in words, key glyph, circles bottom-up as
#: (size px, colour or WHITE)). The first circle is the white halo.
STYLES: dict[str, tuple[str, str, str, str, tuple[tuple[int, str], ...]]] = {
    "in use": ("#0072b2", "blue", "dot", "●", ((13, WHITE), (9, "#0072b2"))),
    "underused": ("#56b4e9", "sky blue", "ring", "○",
                  ((18, WHITE), (14, "#56b4e9"), (8, WHITE))),
    "vacant": ("#e69f00", "orange", "ring with a centre dot", "◉",
               ((20, WHITE), (16, "#e69f00"), (11, WHITE), (6, "#e69f00"))),
    "surplus": ("#d55e00", "vermilion", "double ring", "◎",
                ((22, WHITE), (18, "#d55e00"), (14, WHITE), (10, "#d55e00"), (6, WHITE))),
    "disposal planned": ("#009e73", "green", "large dot with a small hole", "◍",
                         ((22, WHITE), (18, "#009e73"), (5, WHITE))),
    "unknown": ("#6b6b6b", "grey", "small dot", "•", ((10, WHITE), (6, "#6b6b6b"))),
}
#: (status, circle index) of every trace, in drawing order.
LAYOUT = tuple((status, k) for status in STATUSES for k in range(len(STYLES[status][4])))
TRACES = len(LAYOUT)


def rows_by_status(ds: Dataset) -> dict[str, np.ndarray]:
    """Rows of `ds.assets` with a point, per status (made once per data set)."""
    def build() -> dict[str, np.ndarray]:
        if not has_assets(ds):
            return {s: np.zeros(0, np.int64) for s in STATUSES}
        a = ds.assets
        ok = np.isfinite(a["lat"].to_numpy(float)) & np.isfinite(a["lon"].to_numpy(float))
        status = a["status"].to_numpy(object)
        return {s: np.flatnonzero(ok & (status == s)) for s in STATUSES}

    return ds.derived.once("layers.asset_sites", build)


def values(ds: Dataset, summary: Summary, options: Options) -> list[dict[str, list]]:
    """One dict per trace: latitudes, None for sites of anchors outside the anchor filter."""
    rows = rows_by_status(ds)
    chosen = set(summary.filters.anchors)
    lat_of: dict[str, list] = {}
    for status, idx in rows.items():
        if not len(idx):
            lat_of[status] = []
            continue
        lat = np.round(ds.assets["lat"].to_numpy(float)[idx], 5)
        anchors = ds.assets["anchor"].to_numpy(object)[idx]
        lat_of[status] = [float(y) if not chosen or a in chosen else None
                          for y, a in zip(lat, anchors)]
    return [{"lat": lat_of[status]} for status, _ in LAYOUT]


def _hover(r) -> str:
    parts = [f"<b>{plot_text(r.name)}</b>", plot_text(r.anchor), f"Status: {r.status}"]
    if r.tenure:
        parts.append(f"Tenure: {plot_text(r.tenure)}")
    if r.use:
        parts.append(f"Use: {plot_text(r.use)}")
    if r.floor_area_m2 == r.floor_area_m2:
        parts.append(f"Floor area: {r.floor_area_m2:,.0f} m²")
    if r.site_area_ha == r.site_area_ha:
        parts.append(f"Site area: {r.site_area_ha:,.2f} ha")
    parts.append("Community use: " + {1: "yes", 0: "no"}.get(int(r.community_use), "unknown"))
    return "<br>".join(parts)


def build(ds: Dataset, summary: Summary, options: Options, geojson_url: str | None = None
          ) -> LayerOutput:
    """The stacked circle traces of every status (empty traces where a status has no site)."""
    rows = rows_by_status(ds)
    vals = values(ds, summary, options)
    traces = []
    for (status, k), val in zip(LAYOUT, vals):
        idx = rows[status]
        colour, _, _, _, circles = STYLES[status]
        size, fill = circles[k]
        sites = ds.assets.iloc[idx] if len(idx) else None
        # hover on the outermost coloured circle only: the pointer passes through the others
        hover = k == 1
        traces.append({
            "type": "scattermap", "mode": "markers", "name": f"{LABEL}: {status}",
            "lat": val["lat"],
            "lon": np.round(sites["lon"].to_numpy(float), 5).tolist() if sites is not None
            else [],
            "marker": {"size": size, "color": fill},
            "hoverinfo": "text" if hover else "skip",
            "hovertext": [_hover(r) for r in sites.itertuples()] if hover and sites is not None
            else [],
            "customdata": [str(a) for a in sites["anchor"]] if sites is not None else [],
            "showlegend": False,
        })
    return LayerOutput(traces)


def key_lines(ds: Dataset) -> list[str]:
    """The key in words: each status's glyph, shape and colour, and how many sites it has."""
    rows = rows_by_status(ds)
    lines = [f"{glyph} {status.capitalize()}: {shape}, {name} ({len(rows[status]):,})"
             for status, (_, name, shape, glyph, _) in STYLES.items()]
    return lines + [f"Candidates for community use: {', '.join(CANDIDATE_STATUSES)} sites "
                    "(listed in the drill-down and `python -m dashboard assets`)."]
