"""Drill-down for the selected ward and/or anchor: top suppliers, categories, spend by year."""
from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Dash, Input, Output, dcc, html

from dashboard.web.callbacks.map import AFTER_MAP
from dashboard.web.ids import Id
from dashboard import fmt
from dashboard.view.charts import years_figure
from dashboard.view.context import AppContext
from dashboard.view.drill import all_years, drill


def drilldown(app_ctx: AppContext, query: str | None) -> list[Any]:
    """The panel's children (a hint when nothing is selected)."""
    state = app_ctx.state(query)
    every_year = app_ctx.summarise(all_years(state.filters), state.options)
    d = drill(app_ctx.summary(state), state.ward, state.detail_anchor, every_year)
    if d is None:
        return [html.P("Nothing selected yet.", className="empty")]
    if d.suppliers.empty:
        return [html.H3(d.title), html.P("No payments match these filters here.", className="empty")]
    money_cols = {"Spend (£)"}
    cols = ["Supplier", "Spend (£)", "Payments"] if state.ward else [
        "Supplier", "Ward", "Spend (£)", "Payments"]
    sup = d.suppliers[cols]
    cats = pd.DataFrame({"Category": d.categories["category"].replace("", "(none)"),
                         "Spend (£)": d.categories["spend"] / 100,
                         "Payments": d.categories["transactions"]})
    return [
        html.H3(d.title, className="drill-title"),
        html.P(f"Spend under the current filters: {fmt.money(d.total)}", className="drill-total"),
        html.Div(className="drill-grid", children=[
            html.Div([html.H4("Top suppliers"), table(sup, money_cols, "Top suppliers")]),
            html.Div([html.H4("Categories"), table(cats.head(10), money_cols, "Categories")]),
            html.Div([html.H4("Spend by financial year (every year, other filters apply)"),
                      dcc.Graph(figure=years_figure(list(d.years["year"]),
                                                    [int(v) for v in d.years["spend"]],
                                                    state.present),
                                config={"displayModeBar": False, "responsive": True},
                                className="drill-years", style={"height": "220px"}),
                      table(pd.DataFrame({
                          "Year": d.years["year"], "Spend (£)": d.years["spend"] / 100,
                          "Share to most deprived": [fmt.share(v) for v in d.years["share"]]}),
                          money_cols, "Spend by financial year")]),
        ]),
    ]


def table(df: pd.DataFrame, money_cols: set[str], caption: str) -> html.Table:
    """A plain HTML table. Dash renders strings as text, so supplier names cannot inject HTML."""
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c in df.columns]))
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, rec):
            text = fmt.money(round(v * 100)) if col in money_cols and v == v else (
                fmt.DASH if v is None or v != v else str(v))
            cells.append(html.Td(text, className="num" if col in money_cols or
                                 col == "Payments" else None))
        rows.append(html.Tr(cells))
    return html.Table([html.Caption(caption, className="visually-hidden"), head,
                       html.Tbody(rows)], className="data-table")


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the drill-down callback."""

    @app.callback(Output(Id.DRILL, "children"), Input(Id.STATE, "data"), AFTER_MAP)
    def _drill(query, _drawn):
        return drilldown(app_ctx, query)
