"""The details of the selected ward or anchor, in a callback of their own (issue 16: the
details came 5-6 s after a click at England's scale, behind the map and every other panel).

It follows the view state alone (the selection is part of it): it is not ordered after the map,
and it computes nothing but the details (`dashboard.view.panels.details_panel`, which reads only
the selection's own transactions). With nothing selected it answers the hint at once.
"""
from __future__ import annotations

import threading
from typing import Any

from dash import Dash, Input, Output

from dashboard.engine.details import tx_wards
from dashboard.view.context import AppContext
from dashboard.view.panels import details_panel
from dashboard.web import render
from dashboard.web.ids import Id


def details_children(app_ctx: AppContext, query: str | None) -> list[Any]:
    """The details panel's components for a view-state query."""
    return render.drill_children(details_panel(app_ctx, app_ctx.state(query)))


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the details to the view state, and make the per-transaction ward index in the
    background (0.3-1 s at ten million transactions) so that the first click does not pay it."""
    threading.Thread(target=tx_wards, args=(app_ctx.ds,), name="details-index",
                     daemon=True).start()

    @app.callback(Output(Id.DRILL, "children"), Input(Id.STATE, "data"))
    def _details(query):
        return details_children(app_ctx, query)
