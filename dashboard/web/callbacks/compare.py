"""Compare the selected ward with a second one (`dashboard.view.compare`): a choice of the
details panel alone, redrawn when it, the filters or the selected ward change."""
from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, html

from dashboard.view.compare import compare_wards
from dashboard.view.context import AppContext
from dashboard.web import render
from dashboard.web.ids import Id


def compare_children(app_ctx: AppContext, query: str | None, other: str | None) -> list[Any]:
    """The comparison table, or a line saying what it needs."""
    state = app_ctx.state(query)
    if not other:
        return []
    view = compare_wards(app_ctx, state, other)
    if view is None:
        return [html.P("Choose a ward on the map or in the Ward list to compare with this one."
                       if not state.ward else "Choose a different ward to compare.",
                       className="empty")]
    return [html.H4(view.caption), render.table(view)]


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the comparison."""

    @app.callback(Output(Id.COMPARE_OUT, "children"), Input(Id.COMPARE_WARD, "value"),
                  Input(Id.STATE, "data"), prevent_initial_call=True)
    def _compare(other, query):
        return compare_children(app_ctx, query, other)
