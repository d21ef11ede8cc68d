"""The map: a full figure when the layer or overlays change, otherwise a `dash.Patch` of values.

A second callback writes the words around the map: the legend, the written summary and the ranked
chart of the values the map shows.
"""
from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, Patch, State, html

from dashboard.ids import Id
from dashboard.viewmodel import mapfig
from dashboard.viewmodel.charts import ranked_figure
from dashboard.viewmodel.context import AppContext
from dashboard.viewmodel.text import map_sentence
from layers import Legend


def map_figure(app_ctx: AppContext, query: str | None, built: str | None
               ) -> tuple[dict[str, Any] | Patch, str]:
    """(figure or Patch, structure key): rebuild only when the structure key changes."""
    state = app_ctx.state(query)
    summary = app_ctx.summary(state)
    key = mapfig.structure_key(state)
    if key != built:
        fig, _legend = mapfig.build_figure(app_ctx.ds, summary, state, app_ctx.map_config)
        return fig, key
    return to_patch(mapfig.figure_updates(app_ctx.ds, summary, state)), key


def to_patch(updates: list[tuple[int, dict[str, Any]]]) -> Patch:
    """A Patch assigning each (trace, dotted property) value; nothing else is sent."""
    patch = Patch()
    for index, props in updates:
        for name, value in props.items():
            target = patch["data"][index]
            *path, last = name.split(".")
            for part in path:
                target = target[part]
            target[last] = value
    return patch


def map_words(app_ctx: AppContext, query: str | None
              ) -> tuple[Any, str, str, dict[str, Any], dict[str, str]]:
    """(legend children, summary sentence, ranked heading, ranked figure, ranked graph style).

    The ranked chart's height depends on how many bars it has; the graph element gets the same
    height so the page flows around it (a responsive graph fills its parent's height).
    """
    state = app_ctx.state(query)
    summary = app_ctx.summary(state)
    legend = mapfig.legend_for(app_ctx.ds, summary, state)
    heading, ranked = ranked_figure(summary, state)
    style = {"height": f"{ranked['layout']['height']}px"}
    return legend_children(legend, state.overlays), map_sentence(summary), heading, ranked, style


def legend_children(legend: Legend, overlays: tuple[str, ...]) -> list[Any]:
    """The legend in words, with a swatch strip whose ends are labelled."""
    items: list[Any] = [
        html.H3(legend.title, className="legend-title"),
        html.Div(className="legend-scale", **{"aria-hidden": "true"}),
        html.Ul(className="legend-ends", children=[
            html.Li([html.Span(className="swatch dark"), legend.dark]),
            html.Li([html.Span(className="swatch light"), legend.light]),
        ]),
    ]
    extras = []
    if "suppliers" in overlays:
        extras.append(html.Li([html.Span(className="swatch dot supplier"),
                               "Supplier: circle area = spend (individuals never shown)"]))
    if "anchors" in overlays:
        extras.append(html.Li([html.Span(className="swatch dot anchor"), "Anchor site"]))
    if extras:
        items.append(html.Ul(extras, className="legend-ends"))
    items += [html.P(n, className="legend-note") for n in legend.notes]
    return items


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the map callbacks."""

    @app.callback(Output(Id.MAP, "figure"), Output(Id.MAP_KEY, "data"),
                  Input(Id.STATE, "data"), State(Id.MAP_KEY, "data"))
    def _map(query, built):
        return map_figure(app_ctx, query, built)

    @app.callback(Output(Id.LEGEND, "children"), Output(Id.MAP_SUMMARY, "children"),
                  Output("ranked-h", "children"), Output(Id.RANKED, "figure"),
                  Output(Id.RANKED, "style"), Input(Id.STATE, "data"))
    def _words(query):
        return map_words(app_ctx, query)
