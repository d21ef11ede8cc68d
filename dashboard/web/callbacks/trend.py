"""The trend chart: share to the most deprived areas by financial year and anchor."""
from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output

from dashboard.web.callbacks.map import AFTER_MAP
from dashboard.web.ids import Id
from dashboard.view.charts import trend_figure
from dashboard.view.context import AppContext
from dashboard.view.drill import all_years, trend_series


def trend(app_ctx: AppContext, query: str | None) -> dict[str, Any]:
    """The figure for the current filters (all years: the trend ignores the period filter)."""
    state = app_ctx.state(query)
    summary = app_ctx.summarise(all_years(state.filters), state.options)
    return trend_figure(trend_series(summary), state.options.most_deprived, state.present)


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the trend callback."""

    @app.callback(Output(Id.TREND, "figure"), Input(Id.STATE, "data"), AFTER_MAP)
    def _trend(query, _drawn):
        return trend(app_ctx, query)
