"""Callbacks, one module per feature; each module has pure functions plus a `register`.

Callback modules register callbacks only: every Flask route (downloads, uploads, geometry) is
installed by ``dashboard.serve``.
"""
from __future__ import annotations

from dash import Dash

from dashboard.view.context import AppContext
from dashboard.web.callbacks import (
    cards,
    compare,
    data,
    details,
    exports,
    folds,
    map,
    panels,
    plan,
    search,
    state,
    table,
)


def register_all(app: Dash, app_ctx: AppContext, datasets: data.DataSets) -> None:
    """Register every feature's callbacks on `app`; `datasets` lists the data sets the data panel
    shows (the server's registry)."""
    for module in (state, cards, details, map, panels, table, exports, search, compare, plan,
                   folds):
        module.register(app, app_ctx)
    data.register(app, app_ctx, datasets)
