"""Plain charts (SVG, no map): ranked values beside the map, the trend, the drill-down years.

Values are printed on the bars and at the line ends, so nothing needs hover to be read
(presentation mode, print, and WCAG 1.4.1: not colour alone).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dashboard import fmt
from dashboard.engine.metrics import Summary
from dashboard.view.drill import Series
from dashboard.view.state import ViewState
from dashboard.view.tables import decile_spend
from layers import BASE_LAYERS, workforce_wards
from layers._common import FONT

INK, BAR = "#111111", "#2b4a7d"
# Okabe-Ito hues (colour-blind safe), darkened so the direct labels reach 4.5:1 on white;
# lines also differ by dash and marker shape. "All anchors" is black and thicker.
LINE_COLOURS = ["#0072B2", "#B34D00", "#007A5A", "#A8457F", "#8A5A00", "#5E4FA2", "#000000"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross"]
MAX_BARS = 25
TREND_HEIGHT = 400


def font_size(present: bool) -> int:
    """Chart text size: larger in presentation mode (read from the back of a room)."""
    return 19 if present else 14


def base_layout(height: int, present: bool = False, **extra: Any) -> dict[str, Any]:
    """White background, dark text, system font, no title (the page has headings)."""
    return {"height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 40},
            "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
            "font": {"family": FONT, "color": INK, "size": font_size(present)},
            "showlegend": False, **extra}


def ranked_figure(summary: Summary, state: ViewState) -> tuple[str, dict[str, Any]]:
    """(heading, horizontal bar chart) of the values the current map layer shows."""
    if state.layer == "lsoa_decile":
        t = decile_spend(summary)
        labels = ["1 (most deprived)"] + [str(d) for d in range(2, 10)] + ["10 (least)"]
        values = (t["spend"].to_numpy(np.int64) / 100).tolist()
        text = [fmt.money(p, compact=True) for p in t["spend"].to_numpy(np.int64).tolist()]
        return ("Located spend by national deprivation decile of the supplier's area",
                _bars(labels, values, text, state.present))
    if state.layer == workforce_wards.KEY:   # shown counts only: never a bar for "<5"
        pairs = workforce_wards.ranked(summary.ds, summary)[:MAX_BARS]
        return ("Wards by staff living there (counts of 5 or more; largest first)",
                _bars([fmt.plot_text(n) for n, _ in pairs], [v for _, v in pairs],
                      [fmt.count(v) for _, v in pairs], state.present))
    layer = BASE_LAYERS[state.layer]
    z = layer.values(summary.ds, summary, summary.options)["z"]
    names = [fmt.plot_text(n) for n in summary.ds.wards["name"]]
    pairs = [(n, v) for n, v in zip(names, z) if v is not None]
    low_first = state.layer == "ward_rank"  # rank: most deprived (lowest) first
    pairs.sort(key=lambda p: p[1], reverse=not low_first)
    pairs = pairs[:MAX_BARS]
    text = [_value_text(state.layer, v) for _, v in pairs]
    heading = {"ward_spend": "Wards by spend (largest first)",
               "ward_rank": "Wards by average IMD rank (most deprived first)",
               "ward_deprived": f"Wards by share of residents in the most deprived "
                                f"{summary.options.most_deprived}% (highest first)"}[state.layer]
    if len(names) > MAX_BARS:
        heading += f", top {MAX_BARS} of {len(names)}"
    return heading, _bars([p[0] for p in pairs], [p[1] for p in pairs], text, state.present)


def _value_text(layer: str, v: float) -> str:
    if layer == "ward_spend":
        return fmt.money(v * 100, compact=True)
    if layer == "ward_rank":
        return f"{v:,.0f}"
    return fmt.percent(v)


def _bars(labels: list[str], values: list[float], text: list[str], present: bool = False
          ) -> dict[str, Any]:
    """Horizontal bars, first label on top, value printed beyond each bar."""
    height = max(160, (38 if present else 28) * len(labels) + 50)
    trace = {"type": "bar", "orientation": "h", "y": labels, "x": values, "text": text,
             "textposition": "outside", "cliponaxis": False, "marker": {"color": BAR},
             "hoverinfo": "skip", "textfont": {"color": INK}}
    layout = base_layout(height, present, margin={"l": 10, "r": 90, "t": 4, "b": 24},
                         yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
                         xaxis={"visible": False, "rangemode": "tozero"}, bargap=0.25)
    return {"data": [trace], "layout": layout}


def trend_figure(series: list[Series], x: int, present: bool = False) -> dict[str, Any]:
    """Lines with distinct markers and dashes, each labelled at its last point (not colour alone)."""
    traces, ends = [], []
    for i, s in enumerate(series):
        is_all = s.name == "All anchors"
        colour = "#000000" if is_all else LINE_COLOURS[(i - 1) % (len(LINE_COLOURS) - 1)]
        y = [None if v is None else round(v * 100, 2) for v in s.shares]
        last = max((k for k, v in enumerate(y) if v is not None), default=None)
        if last is not None:
            ends.append((y[last], s.years[last], f"{fmt.plot_text(s.name)} {fmt.percent(y[last])}",
                         colour))
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": s.name, "x": list(s.years),
            "y": y,
            "line": {"color": colour, "width": 4 if is_all else 2.5,
                     "dash": "solid" if is_all else ["solid", "dash", "dot", "dashdot"][i % 4]},
            "marker": {"size": 13 if present else 10, "symbol": SYMBOLS[i % len(SYMBOLS)],
                       "color": colour},
            "hovertemplate": f"{fmt.plot_text(s.name)}<br>%{{x}}: %{{y:.1f}}%<extra></extra>",
            "connectgaps": False,
        })
    values = [v for t in traces for v in t["y"] if v is not None] or [0.0]
    top = max(values) * 1.12 or 1.0
    labels = end_labels(ends, top * (0.085 if present else 0.065), font_size(present))
    ys = [a["y"] for a in labels] or [0.0]
    gap = top * 0.05
    n_years = max((len(s.years) for s in series), default=1)
    layout = base_layout(
        TREND_HEIGHT, present, margin={"l": 80, "r": _label_room(ends, present), "t": 10, "b": 60},
        xaxis={"type": "category", "title": {"text": "Financial year"}, "showgrid": False,
               "linecolor": INK, "range": [-0.3, n_years - 0.85]},
        yaxis={"title": {"text": f"% to most deprived {x}%"}, "ticksuffix": "%",
               "range": [min(0.0, min(values) * 1.1, min(ys) - gap), max(top, max(ys) + gap)],
               "gridcolor": "#d0d0d0", "linecolor": INK, "zeroline": True,
               "zerolinecolor": "#888"},
        annotations=labels,
    )
    return {"data": traces, "layout": layout}


def _label_room(ends: list[tuple[float, str, str, str]], present: bool) -> int:
    """Right margin wide enough for the longest direct label (about 0.6 em per character)."""
    longest = max((len(e[2]) for e in ends), default=10)
    return int(min(520, 30 + 0.62 * font_size(present) * longest))


def end_labels(ends: list[tuple[float, str, str, str]], gap: float, size: int = 14
               ) -> list[dict[str, Any]]:
    """Labels at the lines' last points, nudged apart vertically so none overlap.

    >>> [round(a["y"], 2) for a in end_labels([(1.0, "x", "a", "#000"), (1.1, "x", "b", "#000")], 1)]
    [0.55, 1.55]
    """
    ordered = sorted(ends, key=lambda e: e[0])
    ys = [e[0] for e in ordered]
    for k in range(1, len(ys)):  # sweep up: each label at least `gap` above the one below
        ys[k] = max(ys[k], ys[k - 1] + gap)
    shift = (sum(ys) - sum(e[0] for e in ordered)) / max(len(ys), 1)
    ys = [y - shift for y in ys]  # then recentre the stack on the points
    return [{"x": e[1], "y": y, "text": e[2], "showarrow": False, "xanchor": "left",
             "xshift": 12, "font": {"color": e[3], "size": size}, "xref": "x", "yref": "y"}
            for e, y in zip(ordered, ys)]


def years_figure(labels: list[str], pence: list[int], present: bool = False) -> dict[str, Any]:
    """Small vertical bars of spend per year, values printed on the bars."""
    values = [p / 100 for p in pence]
    trace = {"type": "bar", "x": labels, "y": values, "marker": {"color": BAR},
             "text": [fmt.money(p, compact=True) for p in pence], "textposition": "outside",
             "cliponaxis": False, "hoverinfo": "skip", "textfont": {"color": INK}}
    layout = base_layout(220, present, margin={"l": 10, "r": 10, "t": 28, "b": 34},
                         xaxis={"type": "category", "linecolor": INK},
                         yaxis={"visible": False, "rangemode": "tozero"})
    return {"data": [trace], "layout": layout}
