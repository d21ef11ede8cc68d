"""The panels that follow a filter change, in one callback: the filter strip, the legend, the
map's written summary and ranked chart, the trend, the table and the download links.

The view state store is parsed once, `dashboard.view.panels.panels` says what each panel shows
(None for what the page already holds, by the GRID_KEY record it sends back), and this callback
only renders that into components, `no_update` where nothing changed. It runs after the map
(`AFTER_MAP`), so its request and rendering never hold up the map's. A change of the selection
alone (a ward or an anchor chosen) sends the links (which carry the view) and nothing else.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Dash, Input, Output, State, no_update

from dashboard.view.context import AppContext
from dashboard.view.panels import Panels, panels
from dashboard.web import render
from dashboard.web.callbacks.exports import link_targets, map_availability
from dashboard.web.callbacks.map import AFTER_MAP
from dashboard.web.ids import Id
from dashboard.web.layout.export_panel import links_children

#: The headline cards are not here: they have their own callback (callbacks/cards.py), which
#: does not wait for the map, so the number arrives with the map, not after every panel; nor are
#: the details of the selection (callbacks/details.py: a click is answered without the rest).
OUTPUTS = (
    Output(Id.STATUS, "children"), Output(Id.FILTER_STRIP, "children"),
    Output(Id.LEGEND, "children"), Output(Id.MAP_SUMMARY, "children"),
    Output(Id.RANKED_HEADING, "children"), Output(Id.RANKED, "figure"),
    Output(Id.RANKED, "style"), Output(Id.TREND, "figure"),
    Output(Id.GRID, "rowData", allow_duplicate=True), Output(Id.GRID, "columnDefs"),
    Output(Id.GRID_VALUES, "data"), Output(Id.GRID_KEY, "data"), Output(Id.TABLE_TITLE, "children"),
    Output(Id.EXPORT_LINKS, "children"),
)


def _put(value: Any, render_: Callable[[Any], Any] = lambda v: v) -> Any:
    return no_update if value is None else render_(value)


def outputs(p: Panels, links: Any) -> tuple[Any, ...]:
    """The callback's outputs (in `OUTPUTS` order) for the panels' contents."""
    g = p.grid
    return (
        _put(p.status), _put(p.strip, render.filter_strip),
        _put(p.legend, render.legend_children), _put(p.sentence), _put(p.ranked_heading),
        _put(p.ranked), _put(p.ranked_height, lambda h: {"height": f"{h}px"}),
        _put(p.trend),
        _put(g.rows), _put(g.defs), _put(g.columns), _put(p.held), _put(g.title), links,
    )


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the panels callback."""
    base = app.get_relative_path("/")
    map_ok, map_note = map_availability(app_ctx)

    @app.callback(*OUTPUTS, Input(Id.STATE, "data"), AFTER_MAP, State(Id.GRID_KEY, "data"),
                  prevent_initial_call="initial_duplicate")
    def _panels(query, _drawn, held):
        p = panels(app_ctx, app_ctx.state(query), held)
        hrefs, notes = link_targets(app_ctx, query, base, map_ok=map_ok, map_note=map_note,
                                    transactions=p.transactions)
        return outputs(p, links_children(hrefs, notes))
