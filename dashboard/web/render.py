"""The panels' contents (`dashboard.view.panels`) as Dash components. Text is always a plain
string child, which React escapes: supplier names cannot inject HTML."""
from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.view.cards import Card
from dashboard.view.panels import DrillView, LegendView, TableView

GRAPH = {"displayModeBar": False, "responsive": True}


def card_item(card: Card) -> html.Li:
    """One card: label, big value, then the detail, change and explanation lines."""
    label: list[Any] = [card.label]
    tip: list[Any] = []
    if card.definition:
        # a small "?" button, described by the definition: shown on hover and keyboard focus
        # (app.css), read out on focus, put away with Escape (assets/stage.js) (WCAG 1.4.13)
        label.append(html.Button("?", type="button", className="def-btn",
                                 **{"aria-label": f"What {card.label} means",
                                    "aria-describedby": f"def-{card.key}"}))
        tip = [html.Span(card.definition, id=f"def-{card.key}", role="tooltip",
                         className="def-tip")]
    children: list[Any] = [
        html.H3(label, className="card-label"), *tip,
        html.P(card.value, className="card-value", **{"data-key": card.key}),
    ]
    if card.detail:
        children.append(html.P(card.detail, className="card-detail"))
    if card.explain:
        children.append(html.P(card.explain, className="card-explain"))
    if card.change:
        children.append(html.P(card.change, className="card-change"))
    return html.Li(children, className="card", id=f"card-{card.key}")


def filter_strip(phrases: tuple[str, ...]) -> list[Any]:
    """The strip of filters in force: a label, then one chip per phrase."""
    return [html.Span("Showing: ", className="strip-label")] + [
        html.Span(text, className="chip") for text in phrases]


def legend_children(view: LegendView) -> list[Any]:
    """The map's key: a classed layer's classes, each a swatch and its numbers (darkest first),
    with how they were chosen; else the shading's two ends in words and numbers. Then a line per
    point overlay shown, the circle-size key and the notes. Every colour is named in words or
    numbers beside it (not colour alone)."""
    legend = view.legend
    items: list[Any] = [html.H3(legend.title, className="legend-title")]
    if legend.classes:
        items.append(html.Ul(className="legend-classes", children=[
            html.Li([html.Span(className="swatch", style={"background": colour}), label])
            for colour, label in legend.classes]))
        if legend.method:
            items.append(html.P(legend.method, className="legend-method"))
    else:
        items += [
            html.Div(className="legend-scale", **{"aria-hidden": "true"}),
            html.Ul(className="legend-ends", children=[
                html.Li([html.Span(className="swatch dark"), legend.dark]),
                html.Li([html.Span(className="swatch light"), legend.light]),
            ]),
        ]
    extras = [html.Li(text, className="legend-note") if kind == "note" else
              html.Li([html.Span(className=f"swatch dot {kind}"), text])
              for kind, text in view.extras]
    if extras:
        items.append(html.Ul(extras, className="legend-ends"))
    if view.sizes:
        items.append(html.Div(className="size-key", children=[
            html.P("Supplier circles, spend under the filters:", className="size-key-title"),
            html.Ul(className="size-key-list", children=[
                html.Li([html.Span(className="size-dot", **{"aria-hidden": "true"},
                                   style={"width": f"{d}px", "height": f"{d}px"}),
                         html.Span(label)]) for label, d in view.sizes]),
        ]))
    items += [html.P(n, className="legend-note") for n in legend.notes]
    return items


def drill_children(view: DrillView) -> list[Any]:
    """The drill-down panel's children (a hint when nothing is selected)."""
    if view.title is None:
        return [html.P("Nothing selected yet.", className="empty")]
    levers = [_drill_box("Staff and sites", table(view.levers))] if view.levers else []
    if view.suppliers is None:
        return [html.H3(view.title),
                html.P("No payments match these filters here.", className="empty"), *levers]
    extra = [_drill_box(t.caption, table(t))
             for t in (view.anchors, view.wards, view.compare, view.profile) if t is not None]
    return [
        html.H3(view.title, className="drill-title"),
        html.P(f"Spend under the current filters: {view.total}", className="drill-total"),
        html.Div(className="drill-grid", children=[
            *extra,
            _drill_box("Top suppliers", table(view.suppliers)),
            _drill_box("Categories", table(view.categories)),
            _drill_box("Spend by financial year (every year, other filters apply)",
                       dcc.Graph(figure=view.years_figure, config=GRAPH,
                                 className="drill-years", style={"height": "220px"}),
                       table(view.years)),
            *levers,
        ]),
    ]


def _drill_box(heading: str, *content: Any) -> html.Div:
    """One box of the drill-down grid. A wide table scrolls sideways inside it (app.css), so the
    box is a named region in the tab order: keyboard users can scroll it too (axe
    scrollable-region-focusable, WCAG 2.1.1)."""
    return html.Div([html.H4(heading), *content], role="region", tabIndex="0",
                    **{"aria-label": heading})


def table(view: TableView) -> html.Table:
    """A plain HTML table."""
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c in view.columns]))
    rows = [html.Tr([html.Td(text, className="num" if num else None)
                     for text, num in zip(cells, view.numeric)]) for cells in view.rows]
    return html.Table([html.Caption(view.caption, className="visually-hidden"), head,
                       html.Tbody(rows)], className="data-table")
