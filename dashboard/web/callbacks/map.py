"""The map's in-place recolour, and the input that orders the panels after it.

The map itself is drawn by the state callback (`dashboard.web.callbacks.state`), in the same
round trip as the filter change; what it sends is decided by `dashboard.view.mapupdate`. The
panels beside the map follow in `dashboard.web.callbacks.panels`.
"""
from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output

from dashboard.view.context import AppContext
from dashboard.web.ids import Id

#: A second input of the panels' callback: the output of the map's in-place recolour (always
#: left unchanged). Dash runs a callback only once no pending callback can still change one of
#: its inputs, so when the map is recoloured in place, the panels ask the server after it, and
#: their requests and drawing do not hold up the map's.
AFTER_MAP = Input(Id.MAP_RECOLOURED, "data")


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the in-place recolour: assets/map_recolour.js, run on the MAP_VALUES store."""
    app.clientside_callback(ClientsideFunction("anchorMap", "recolour"),
                            Output(Id.MAP_RECOLOURED, "data"), Input(Id.MAP_VALUES, "data"),
                            prevent_initial_call=True)
