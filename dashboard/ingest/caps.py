"""Size caps on what a file may put in front of every viewer: cell length and column count.

A spend file is read as its owner wrote it, but a 10 MB supplier name would then travel in every
view's answer, and a file of 200,000 columns makes a 21 MB preview. These caps say so plainly:

- ``MAX_COLUMNS``: a spend file (or sheet) with more header cells is refused by the preview,
  with a short message naming the count (its answer was 21 MB for 200,000 columns).
- ``MAX_CELL_CHARS``: a payment whose supplier, id, category, service, capital/revenue or
  reference cell is longer is rejected (listed in the rejected rows with the reason), not
  imported; the rest of the file imports.
- ``DISPLAY_CHARS``: text shown in a preview, and names of data sets saved before the cap, are
  cut to this length with "…".
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.errors import InputError

MAX_COLUMNS = 1000
MAX_CELL_CHARS = 1000
DISPLAY_CHARS = 200
#: The text fields of a payment that the page shows or exports.
TEXT_FIELDS = ("supplier", "supplier_id", "category", "service", "capital_revenue", "reference",
               "anchor", "postcode")


def clip(text: object, limit: int = DISPLAY_CHARS) -> str:
    """`text` cut to `limit` characters with "…" (for previews and names from old data sets).

    >>> clip("x" * 10, 4), clip("short")
    ('xxx…', 'short')
    """
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def check_columns(name: str, n_columns: int) -> None:
    """InputError when a file has more columns than `MAX_COLUMNS` (said with the count)."""
    if n_columns > MAX_COLUMNS:
        raise InputError(f"{name} has {n_columns:,} columns: a spend file has at most "
                         f"{MAX_COLUMNS:,}. Is it the right file? Save only the sheet with the "
                         "payments, or remove the empty columns, and upload it again.")


def long_cells(tx: pd.DataFrame, limit: int = MAX_CELL_CHARS) -> np.ndarray:
    """Which rows of a transactions frame have a text cell longer than `limit` characters."""
    bad = np.zeros(len(tx), dtype=bool)
    for col in TEXT_FIELDS:
        if col in tx and len(tx):
            lengths = tx[col].astype(object).where(tx[col].notna(), "").astype(str).str.len()
            bad |= lengths.to_numpy() > limit
    return bad


def reject_long_cells(transactions: pd.DataFrame, rejected: pd.DataFrame, files: list[dict],
                      limit: int = MAX_CELL_CHARS
                      ) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """Move payments with an over-long text cell from `transactions` to `rejected` (reason says
    which cell and how long; the raw text is cut), and correct the per-file counts."""
    bad = long_cells(transactions, limit)
    if not bad.any():
        return transactions, rejected, files
    rows = transactions[bad]
    reasons, raws = [], []
    for _, row in rows.iterrows():
        cells = [(c, str(row[c])) for c in TEXT_FIELDS if c in row and isinstance(row[c], str)]
        longest = max(cells, key=lambda c: len(c[1]))
        reasons.append(f"the {longest[0].replace('_', ' ')} cell is {len(longest[1]):,} "
                       f"characters long: cells of more than {limit:,} are refused")
        raws.append(",".join(clip(v, 60) for _, v in cells))
    extra = pd.DataFrame({
        "source_file": pd.Series(rows["source_file"].astype(str).to_numpy(object), dtype="str")
        if "source_file" in rows else pd.Series([""] * len(rows), dtype="str"),
        "line": pd.Series(rows["source_line"].to_numpy() if "source_line" in rows
                          else np.zeros(len(rows)), dtype="int64"),
        "reason": pd.Series(reasons, dtype="str"),
        "raw": pd.Series(raws, dtype="str"),
    })
    by_file = extra["source_file"].value_counts().to_dict()
    out_files = []
    for entry in files:
        moved = int(by_file.get(entry.get("name"), 0))
        if moved:
            entry = {**entry, "rows_accepted": int(entry.get("rows_accepted", 0)) - moved,
                     "rows_rejected": int(entry.get("rows_rejected", 0)) + moved}
        out_files.append(entry)
    kept = transactions[~bad].reset_index(drop=True)
    return kept, pd.concat([rejected, extra], ignore_index=True), out_files


def clip_names(suppliers: pd.DataFrame, limit: int = DISPLAY_CHARS) -> pd.DataFrame:
    """Supplier names cut to `limit` characters (a copy when any is longer): for data sets saved
    before the cell cap, so no view answers a megabyte name."""
    cols = [c for c in ("name", "display_name") if c in suppliers]
    if not cols or suppliers.empty:
        return suppliers
    long = np.zeros(len(suppliers), dtype=bool)
    for c in cols:
        long |= suppliers[c].astype(object).fillna("").astype(str).str.len().to_numpy() > limit
    if not long.any():
        return suppliers
    out = suppliers.copy()
    for c in cols:
        values = out[c].astype(object).to_numpy(object).copy()
        for i in np.flatnonzero(long):
            if isinstance(values[i], str):
                values[i] = clip(values[i], limit)
        out[c] = values
    return out
