"""Find a ward or postcode: options for what is typed, and the ward a choice selects.

A choice sets the Ward control (`allow_duplicate`: the state callback owns it too), so the
selection, URL and map follow as for any ward chosen; the state callback then zooms the map to it
(MAP_ZOOM, read by assets/map_zoom.js). Options come from `dashboard.view.search`.
"""
from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, no_update

from dashboard.view.context import AppContext
from dashboard.view.search import chosen_ward, search_options
from dashboard.web.ids import Id


def options_for(app_ctx: AppContext, text: str | None, value: str | None,
                current: list | None) -> list[dict[str, str]]:
    """The options for `text`, keeping the chosen option (a Dash dropdown shows a value only
    while its option is listed)."""
    found = search_options(app_ctx.ds, text)
    kept = [o for o in current or [] if isinstance(o, dict) and o.get("value") == value]
    return kept + [o for o in found if o["value"] != value]


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the search box and the map's zoom."""

    @app.callback(Output(Id.SEARCH, "options"), Input(Id.SEARCH, "search_value"),
                  State(Id.SEARCH, "value"), State(Id.SEARCH, "options"),
                  prevent_initial_call=True)
    def _options(text, value, current):
        if not text:
            return no_update
        return options_for(app_ctx, text, value, current)

    @app.callback(Output(Id.WARD, "value", allow_duplicate=True), Input(Id.SEARCH, "value"),
                  prevent_initial_call=True)
    def _choose(value):
        ward = chosen_ward(app_ctx.ds, value)
        return no_update if ward is None else ward

    app.clientside_callback(ClientsideFunction("anchorZoom", "zoomTo"),
                            Output(Id.MAP_ZOOMED, "data"), Input(Id.MAP_ZOOM, "data"),
                            prevent_initial_call=True)
