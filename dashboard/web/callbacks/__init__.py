"""Callbacks, one module per feature; each module has pure functions plus a `register`."""
from __future__ import annotations

from dash import Dash

from dashboard.web.callbacks import data, exports, map, panels, state, table
from dashboard.view.context import AppContext


def register_all(app: Dash, app_ctx: AppContext) -> None:
    """Register every feature's callbacks on `app`."""
    for module in (state, map, panels, table, exports, data):
        module.register(app, app_ctx)
