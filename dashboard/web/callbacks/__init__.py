"""Callbacks, one module per feature; each module has pure functions plus a `register`."""
from __future__ import annotations

from dash import Dash

from dashboard.web.callbacks import cards, data, drilldown, exports, map, state, table, trend
from dashboard.view.context import AppContext


def register_all(app: Dash, app_ctx: AppContext) -> None:
    """Register every feature's callbacks on `app`."""
    for module in (state, map, cards, drilldown, table, trend, exports, data):
        module.register(app, app_ctx)
