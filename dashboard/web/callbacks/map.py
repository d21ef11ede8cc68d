"""The map: a full figure when the layer or overlays change, otherwise a `dash.Patch` of values.

`map_figure` is called by the state callback itself, so a filter change reaches the map in one
round trip. The callback here writes the words around the map: the legend, the written summary
and the ranked chart of the values the map shows.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Collection

from dash import ClientsideFunction, Dash, Input, Output, Patch, html, no_update

from dashboard.web.ids import Id
from dashboard.view import mapfig
from dashboard.view.charts import ranked_figure
from dashboard.view.context import AppContext
from dashboard.view.text import map_sentence
from layers import Legend, supplier_points


#: A second input of the other panels' callbacks: the output of the map's in-place recolour
#: (always left unchanged). Dash runs a callback only once no pending callback can still change
#: one of its inputs, so when the map is recoloured in place, the panels ask the server after
#: it, and their requests and drawing do not hold up the map's.
AFTER_MAP = Input(Id.MAP_RECOLOURED, "data")


def map_figure(app_ctx: AppContext, query: str | None, built: Any
               ) -> tuple[dict[str, Any] | Patch, dict[str, Any], dict[str, Any]]:
    """(figure or Patch, what the browser now draws, values to show in place); `no_update`
    for what does not change. The figure is rebuilt only when the structure changes.

    `built` is what the previous call returned (kept in the MAP_KEY store): the structure key,
    the selected ward and a digest of each trace's values. A filter change then sends only the
    traces whose values changed. When those are the base layer's `z` and the point overlays'
    values (the usual filter change), the figure is left alone and the values go to the
    MAP_VALUES store instead: the page recolours the drawn wards and moves the circles in place
    (`assets/map_recolour.js`), where a figure change would make plotly rebuild every layer
    and re-tile every polygon. Any other change (a selection) is a Patch for plotly to draw,
    and it always carries the values the page may have shown in place, so a figure last
    changed in place is whole again.
    """
    state = app_ctx.state(query)
    summary = app_ctx.summary(state)
    key = mapfig.structure_key(state)
    before = built if isinstance(built, dict) and built.get("structure") == key else None
    if before is None:
        fig, _legend = mapfig.build_figure(app_ctx.ds, summary, state, app_ctx.map_config)
        updates = mapfig.figure_updates(app_ctx.ds, summary, state)
        return fig, _drawn(key, state.ward, updates), no_update
    updates = mapfig.figure_updates(app_ctx.ds, summary, state,
                                    halo=before.get("ward") != state.ward)
    drawn = _drawn(key, state.ward, updates, before.get("values"))
    seen = before.get("values") or {}
    changed = [(i, props) for i, props in updates if seen.get(str(i)) != drawn["values"][str(i)]]
    if not changed:
        return no_update, no_update, no_update
    points = mapfig.point_traces(state)
    values = in_place(changed, points)
    if values is not None:
        return no_update, drawn, values
    have = {i for i, _ in changed}
    changed += [(i, props) for i, props in updates
                if (i == 0 or i in points) and i not in have]
    return to_patch(sorted(changed, key=lambda c: c[0])), drawn, no_update


#: What the page can show without plotly: the base layer's colour values, and the point
#: overlays' positions (a None latitude hides a point), sizes and hover amounts.
BASE_IN_PLACE = frozenset({"z"})
POINTS_IN_PLACE = frozenset({"lat", "marker.size", "customdata"})


def in_place(changed: list[tuple[int, dict[str, Any]]], points: Collection[int]
             ) -> dict[str, Any] | None:
    """The MAP_VALUES payload for a change the page can show in place ({"z": base values,
    "points": {trace index: {property: values}}}, either part absent when unchanged), or
    None when any other trace or property changes (plotly must draw it)."""
    values: dict[str, Any] = {}
    for index, props in changed:
        if index == 0 and set(props) == BASE_IN_PLACE:
            values["z"] = props["z"]
        elif index in points and set(props) <= POINTS_IN_PLACE:
            values.setdefault("points", {})[str(index)] = props
        else:
            return None
    return values or None


def _drawn(key: str, ward: str | None, updates: list[tuple[int, dict[str, Any]]],
           earlier: dict[str, str] | None = None) -> dict[str, Any]:
    """The MAP_KEY record: structure, selected ward, and a short digest of each trace's values."""
    values = dict(earlier or {})
    for index, props in updates:
        values[str(index)] = digest(props)
    return {"structure": key, "ward": ward, "values": values}


def digest(value: Any) -> str:
    """A short digest of a JSON-able value: what a store records of what the page holds."""
    return hashlib.blake2b(json.dumps(value, sort_keys=True, default=str).encode(),
                           digest_size=8).hexdigest()


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
    drawable = supplier_points.drawable_count(app_ctx.ds)
    return (legend_children(legend, state.overlays, drawable), map_sentence(summary), heading,
            ranked, style)


def legend_children(legend: Legend, overlays: tuple[str, ...], suppliers_drawable: int = 0
                    ) -> list[Any]:
    """The legend in words, with a swatch strip whose ends are labelled.

    `suppliers_drawable` above the overlay's cap adds a note that only the largest are drawn."""
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
        if suppliers_drawable > supplier_points.MAX_POINTS:
            extras.append(html.Li(
                f"Only the {supplier_points.MAX_POINTS:,} suppliers with the most spend overall "
                f"are drawn, of {suppliers_drawable:,}; the suppliers download lists every one.",
                className="legend-note"))
    if "anchors" in overlays:
        extras.append(html.Li([html.Span(className="swatch dot anchor"), "Anchor site"]))
    if extras:
        items.append(html.Ul(extras, className="legend-ends"))
    items += [html.P(n, className="legend-note") for n in legend.notes]
    return items


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the words around the map (the map itself is drawn by the state callback, in the
    same round trip as the filter change: see `dashboard.web.callbacks.state`)."""

    # the map's colours changed in place, without plotly: assets/map_recolour.js
    app.clientside_callback(ClientsideFunction("anchorMap", "recolour"),
                            Output(Id.MAP_RECOLOURED, "data"), Input(Id.MAP_VALUES, "data"),
                            prevent_initial_call=True)

    @app.callback(Output(Id.LEGEND, "children"), Output(Id.MAP_SUMMARY, "children"),
                  Output("ranked-h", "children"), Output(Id.RANKED, "figure"),
                  Output(Id.RANKED, "style"), Input(Id.STATE, "data"), AFTER_MAP)
    def _words(query, _drawn):
        return map_words(app_ctx, query)
