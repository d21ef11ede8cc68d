"""The table of the map's figures (ag-grid) and the CSV downloads (neutralised cells)."""
from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Dash, Input, Output, State, ctx as dash_ctx, dcc, no_update

from dashboard.callbacks.map import AFTER_MAP
from dashboard.ids import Id
from dashboard.viewmodel.context import AppContext
from dashboard.viewmodel.state import ViewState
from dashboard.viewmodel.tables import lsoa_rows, supplier_rows, to_csv, ward_rows

MONEY = "params.value == null ? '—' : '£' + d3.format(',.2f')(params.value)"
NUMBER = "params.value == null ? '—' : d3.format(',')(params.value)"
PERCENT = "params.value == null ? '—' : d3.format('.1f')(params.value) + '%'"


def current_table(app_ctx: AppContext, state: ViewState) -> tuple[str, pd.DataFrame]:
    """(title, frame) of what the map shows: LSOAs for the LSOA layer, else wards."""
    summary = app_ctx.summary(state)
    if state.layer == "lsoa_decile":
        from layers._common import drawn_rows

        rows = lsoa_rows(app_ctx.ds, state.options)
        drawn = drawn_rows(app_ctx.ds, "lsoas")
        return "Table of the map's figures: LSOAs", rows.iloc[drawn].reset_index(drop=True)
    return "Table of the map's figures: wards", ward_rows(summary)


def grid(app_ctx: AppContext, query: str | None) -> tuple[list[dict], list[dict], str]:
    """(rowData, columnDefs, title) for the grid. Cells are plain text (no HTML renderer)."""
    state = app_ctx.state(query)
    title, df = current_table(app_ctx, state)
    fields = [f"c{i}" for i in range(len(df.columns))]
    defs = [column_def(f, str(col), df[col]) for f, col in zip(fields, df.columns)]
    safe = df.astype(object).where(df.notna(), None)
    rows = [dict(zip(fields, rec)) for rec in safe.itertuples(index=False)]
    return rows, defs, title


def column_def(field: str, header: str, values: pd.Series) -> dict[str, Any]:
    """Numbers right-aligned with a formatter; text left as text (never rendered as HTML)."""
    d: dict[str, Any] = {"field": field, "headerName": header, "headerTooltip": header}
    if header.endswith("(£)"):
        d.update(type="rightAligned", valueFormatter={"function": MONEY})
    elif header.endswith("(%)"):
        d.update(type="rightAligned", valueFormatter={"function": PERCENT})
    elif pd.api.types.is_numeric_dtype(values) or _mostly_numbers(values):
        d.update(type="rightAligned", valueFormatter={"function": NUMBER})
    return d


def _mostly_numbers(values: pd.Series) -> bool:
    present = [v for v in values if v is not None and v == v]
    return bool(present) and all(isinstance(v, (int, float)) for v in present)


def download(app_ctx: AppContext, which: str | None, query: str | None) -> dict | None:
    """The CSV for the clicked button (the table shown, or suppliers under the filters)."""
    state = app_ctx.state(query)
    if which == Id.DOWNLOAD_SUPPLIERS_BTN:
        return dcc.send_string(to_csv(supplier_rows(app_ctx.summary(state))), "suppliers.csv",
                               type="text/csv")
    if which == Id.DOWNLOAD_BTN:
        title, df = current_table(app_ctx, state)
        name = "lsoas.csv" if state.layer == "lsoa_decile" else "wards.csv"
        return dcc.send_string(to_csv(df), name, type="text/csv")
    return None


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the grid and download callbacks."""

    @app.callback(Output(Id.GRID, "rowData"), Output(Id.GRID, "columnDefs"),
                  Output(Id.TABLE_TITLE, "children"), Input(Id.STATE, "data"), AFTER_MAP)
    def _grid(query, _drawn):
        return grid(app_ctx, query)

    @app.callback(Output(Id.DOWNLOAD, "data"), Input(Id.DOWNLOAD_BTN, "n_clicks"),
                  Input(Id.DOWNLOAD_SUPPLIERS_BTN, "n_clicks"), State(Id.STATE, "data"),
                  prevent_initial_call=True)
    def _download(_table, _suppliers, query):
        data = download(app_ctx, dash_ctx.triggered_id, query)
        return data if data is not None else no_update
