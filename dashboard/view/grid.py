"""The table of the map's figures (ag-grid), and what a filter change sends it.

A filter change moves only some columns (spend and suppliers; a ward's name, code and deprivation
do not change), and for the LSOA table none: the page keeps a record of the table it holds (the
table's shape and a digest of each column), and only the columns whose digest changed are sent
({field: cells}), which the page writes into the rows it has (`assets/grid_values.js`). A new
shape (another table, other headings or row count) sends every row with its columnDefs and title.
Cells are plain text (no HTML renderer).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboard.engine.metrics import Summary
from dashboard.view.context import AppContext
from dashboard.view.digest import digest
from dashboard.view.state import ViewState
from dashboard.view.tables import lsoa_rows, ward_rows
from layers._common import drawn_rows

MONEY = "params.value == null ? '—' : '£' + d3.format(',.2f')(params.value)"
NUMBER = "params.value == null ? '—' : d3.format(',')(params.value)"
PERCENT = "params.value == null ? '—' : d3.format('.1f')(params.value) + '%'"


@dataclass(frozen=True)
class GridUpdate:
    """What to send the table; None for what does not change. `rows` (ag-grid's rowData),
    `defs` (columnDefs) and `title` come together, for a new table; `columns` ({field: cells})
    alone, for a filter change; `held` is the record of what the page then holds."""

    rows: list[dict] | None = None
    defs: list[dict] | None = None
    columns: dict[str, list] | None = None
    held: dict[str, Any] | None = None
    title: str | None = None


def current_table(app_ctx: AppContext, state: ViewState, summary: Summary | None = None
                  ) -> tuple[str, pd.DataFrame]:
    """(title, frame) of what the map shows: LSOAs for the LSOA layer, else wards."""
    if state.layer == "lsoa_decile":

        rows = lsoa_rows(app_ctx.ds, state.options)
        drawn = drawn_rows(app_ctx.ds, "lsoas")
        return "Table of the map's figures: LSOAs", rows.iloc[drawn].reset_index(drop=True)
    return "Table of the map's figures: wards", ward_rows(summary or app_ctx.summary(state))


def grid_columns(app_ctx: AppContext, state: ViewState, summary: Summary | None = None
                 ) -> tuple[dict[str, list], list[dict], str]:
    """({field: the column's cells}, columnDefs, title) of the table the map shows."""
    title, df = current_table(app_ctx, state, summary)
    fields = [f"c{i}" for i in range(len(df.columns))]
    defs = [column_def(f, str(col), df[col]) for f, col in zip(fields, df.columns)]
    safe = df.astype(object).where(df.notna(), None)
    return {f: safe[col].tolist() for f, col in zip(fields, df.columns)}, defs, title


def grid_update(app_ctx: AppContext, state: ViewState, held: Any,
                summary: Summary | None = None) -> GridUpdate:
    """What the table needs for `state`, given `held` (the record a previous update returned:
    {"shape": digest, "columns": {field: digest}}; anything else gets whole rows)."""
    columns, defs, title = grid_columns(app_ctx, state, summary)
    shape = digest([title, defs, len(next(iter(columns.values()), []))])
    now = {"shape": shape, "columns": {f: digest(cells) for f, cells in columns.items()}}
    if not isinstance(held, dict) or held.get("shape") != shape:
        return GridUpdate(rows=rows_of(columns), defs=defs, held=now, title=title)
    before = held.get("columns") if isinstance(held.get("columns"), dict) else {}
    changed = {f: cells for f, cells in columns.items() if before.get(f) != now["columns"][f]}
    if not changed:
        return GridUpdate()
    return GridUpdate(columns=changed, held=now)


def rows_of(columns: dict[str, list]) -> list[dict]:
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
