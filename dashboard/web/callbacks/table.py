"""The table of the map's figures (ag-grid) and the CSV downloads (neutralised cells)."""
from __future__ import annotations

from typing import Any

import pandas as pd
from dash import (ClientsideFunction, Dash, Input, Output, State, ctx as dash_ctx, dcc,
                  no_update)

from dashboard.web.callbacks.map import AFTER_MAP, digest
from dashboard.web.ids import Id
from dashboard.view.context import AppContext
from dashboard.view.state import ViewState
from dashboard.output.cells import to_csv_bytes
from dashboard.output.exports import filters_text, ward_table_file
from dashboard.view.tables import lsoa_rows, supplier_rows, ward_rows

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


def grid_columns(app_ctx: AppContext, query: str | None
                 ) -> tuple[dict[str, list], list[dict], str]:
    """({field: the column's cells}, columnDefs, title) of the table the map shows. Cells are
    plain text (no HTML renderer)."""
    state = app_ctx.state(query)
    title, df = current_table(app_ctx, state)
    fields = [f"c{i}" for i in range(len(df.columns))]
    defs = [column_def(f, str(col), df[col]) for f, col in zip(fields, df.columns)]
    safe = df.astype(object).where(df.notna(), None)
    return {f: safe[col].tolist() for f, col in zip(fields, df.columns)}, defs, title


def grid_update(app_ctx: AppContext, query: str | None, held: Any
                ) -> tuple[Any, Any, Any, Any, Any]:
    """(rowData, columnDefs, changed columns, what the page then holds, title); `no_update`
    where unchanged.

    A filter change moves only some columns (spend and suppliers; a ward's name, code and
    deprivation do not change), and for the LSOA table none: `held` (the GRID_KEY store) has a
    digest of the table's shape and of each column the page holds, and only the columns whose
    digest changed are sent ({field: cells}), which the page writes into the rows it has
    (`assets/grid_values.js`). A new shape (another table, other headings or row count) sends
    every row with its columnDefs and title, in one answer, as before.
    """
    columns, defs, title = grid_columns(app_ctx, query)
    shape = digest([title, defs, len(next(iter(columns.values()), []))])
    now = {"shape": shape, "columns": {f: digest(cells) for f, cells in columns.items()}}
    if not isinstance(held, dict) or held.get("shape") != shape:
        return _rows(columns), defs, no_update, now, title
    before = held.get("columns") if isinstance(held.get("columns"), dict) else {}
    changed = {f: cells for f, cells in columns.items() if before.get(f) != now["columns"][f]}
    if not changed:
        return (no_update,) * 5
    return no_update, no_update, changed, now, no_update


def _rows(columns: dict[str, list]) -> list[dict]:
    """Row dicts (ag-grid's rowData) from columns of equal length."""
    fields = list(columns)
    return [dict(zip(fields, cells)) for cells in zip(*columns.values())]


def column_def(field: str, header: str, values: pd.Series) -> dict[str, Any]:
    """Numbers right-aligned with a formatter; text left as text (never rendered as HTML).

    The column's id names its kind as well as its field: ag-grid keeps a column it already has
    (same id) with its old formatter, so a field that is text in one table and money in the next
    (the LSOA table, then the wards') must be a new column."""
    d: dict[str, Any] = {"field": field, "headerName": header, "headerTooltip": header}
    kind = "text"
    if header.endswith("(£)"):
        kind, fmt = "money", MONEY
    elif header.endswith("(%)"):
        kind, fmt = "percent", PERCENT
    elif pd.api.types.is_numeric_dtype(values) or _mostly_numbers(values):
        kind, fmt = "number", NUMBER
    if kind != "text":
        d.update(type="rightAligned", valueFormatter={"function": fmt})
    d["colId"] = f"{field}-{kind}"
    return d


def _mostly_numbers(values: pd.Series) -> bool:
    present = [v for v in values if v is not None and v == v]
    return bool(present) and all(isinstance(v, (int, float)) for v in present)


def download(app_ctx: AppContext, which: str | None, query: str | None) -> dict | None:
    """The CSV for the clicked button (the table shown, or suppliers under the filters), with
    the filters on top, written by the one CSV writer (`dashboard.output.cells`). The ward table
    is the export panel's ward file (`dashboard.output.exports.ward_table_file`)."""
    state = app_ctx.state(query)
    summary = app_ctx.summary(state)
    if which == Id.DOWNLOAD_BTN and state.layer != "lsoa_decile":
        return dcc.send_bytes(ward_table_file(app_ctx.ds, summary), "wards.csv",
                              type="text/csv")
    if which == Id.DOWNLOAD_SUPPLIERS_BTN:
        frame, name = supplier_rows(summary), "suppliers.csv"
    elif which == Id.DOWNLOAD_BTN:
        frame, name = current_table(app_ctx, state)[1], "lsoas.csv"
    else:
        return None
    lines = filters_text(app_ctx.ds, state.filters, state.options)
    return dcc.send_bytes(to_csv_bytes(frame, lines), name, type="text/csv")


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the grid and download callbacks."""

    @app.callback(Output(Id.GRID, "rowData", allow_duplicate=True),
                  Output(Id.GRID, "columnDefs"), Output(Id.GRID_VALUES, "data"),
                  Output(Id.GRID_KEY, "data"), Output(Id.TABLE_TITLE, "children"),
                  Input(Id.STATE, "data"), AFTER_MAP, State(Id.GRID_KEY, "data"),
                  prevent_initial_call="initial_duplicate")
    def _grid(query, _drawn, held):
        return grid_update(app_ctx, query, held)

    # after a filter change: the rows the grid has, with the changed columns written in
    app.clientside_callback(ClientsideFunction("anchorGrid", "rows"),
                            Output(Id.GRID, "rowData", allow_duplicate=True),
                            Input(Id.GRID_VALUES, "data"), State(Id.GRID, "rowData"),
                            prevent_initial_call=True)

    @app.callback(Output(Id.DOWNLOAD, "data"), Input(Id.DOWNLOAD_BTN, "n_clicks"),
                  Input(Id.DOWNLOAD_SUPPLIERS_BTN, "n_clicks"), State(Id.STATE, "data"),
                  prevent_initial_call=True)
    def _download(_table, _suppliers, query):
        data = download(app_ctx, dash_ctx.triggered_id, query)
        return data if data is not None else no_update
