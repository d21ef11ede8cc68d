"""Read a supplier register: who the suppliers are, where they are, and what kind they are.

Spend files rarely carry postcodes or SME/VCSE flags; a register (exported from a finance system,
or kept by hand) supplies them, matched to spend by supplier id or normalised name. Headers are
found by synonyms (``REGISTER_SYNONYMS``), like the spend reader's. Flags are three-valued: true,
false or unknown (pandas "boolean" with <NA>), because "not known to be an SME" is not "not an SME".
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from dashboard.errors import InputError
from dashboard.ingest.io import _tabular
from dashboard.ingest.parse import (
    header_key,
    is_redaction_marker,
    normalise_postcode,
    normalise_supplier_name,
)

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
FLAGS = ("sme", "vcse", "individual")
REGISTER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("Supplier Name", "Name", "Supplier", "Vendor", "Vendor Name", "Payee",
             "Payee Name"),
    "supplier_id": ("Supplier ID", "Vendor ID", "Supplier Number", "ID", "Supplier No",
                    "Vendor Number", "Supplier Code"),
    "postcode": ("Postcode", "Post Code", "Supplier Postcode", "Supplier Post Code"),
    "sme": ("SME", "Is SME", "Small or Medium", "SME Status", "Small or Medium Enterprise"),
    "vcse": ("VCSE", "Is VCSE", "Voluntary", "Charity", "Social Enterprise", "Third Sector",
             "VCSE Status"),
    "individual": ("Individual", "Is Individual", "Sole Trader"),
    "type": ("Type", "Supplier Type"),
}
_BY_KEY = {header_key(n): f for f, names in REGISTER_SYNONYMS.items() for n in names}
_TRUE = {"yes", "y", "true", "t", "1", "small", "medium", "micro", "sme", "x"}
_FALSE = {"no", "n", "false", "f", "0", "large"}
#: Supplier types that mean a private individual (the "Type" column).
_PERSON_TYPES = {"individual", "private individual", "person", "sole trader", "sole-trader"}
_UNKNOWN = {"", "unknown", "not known", "n/a", "na", "-", "?", "none", "null"}

def read_suppliers(path: str | os.PathLike | tuple[str, bytes], *,
                   max_bytes: int = DEFAULT_MAX_BYTES) -> pd.DataFrame:
    """Read a register (CSV/XLSX, plain or .gz) into one row per supplier.

    Columns: ``supplier_id`` (str, "" when absent), ``name`` (str), ``postcode`` (normalised,
    missing when blank or not a UK postcode), ``sme``, ``vcse``, ``individual`` (pandas
    "boolean": yes/no/true/false/y/n/1/0, blank or unrecognised = <NA>), ``type`` (str).
    Rows with the same id, or the same normalised name and postcode, are one supplier: the first
    row's values win, and an unknown flag is filled from a later row that knows it.
    """
    name, data = _tabular.load(path, max_bytes)
    table = _tabular.read_table(name, data, _find_header, _missing_header, max_bytes)
    cols = _columns(table)
    frame = _frame(table, cols)
    frame = frame[(frame["name"] != "") | (frame["supplier_id"] != "")]
    out = _collapse(frame.reset_index(drop=True))
    out.attrs.update({"source": name, "rows_read": len(table), "duplicates": len(frame) - len(out),
                      "mapping": {f: table.header[i] for f, i in cols.items()}})
    return out


def supplier_key(name: object, postcode: object = None) -> str:
    """The key of one supplier across anchors: normalised name, "|", normalised postcode or "".

    >>> supplier_key("Acme Widgets Ltd.", "ox1 1aa"), supplier_key("ACME WIDGETS LIMITED")
    ('ACME WIDGETS|OX1 1AA', 'ACME WIDGETS|')
    """
    return f"{normalise_supplier_name(name)}|{normalise_postcode(postcode) or ''}"


def is_personal(name: object) -> bool:
    """Whether a supplier name is a redaction marker rather than a supplier ("Redacted personal
    data", "Redacted, personal data", "REDACTED", "Personal data", "Withheld", "Name withheld").

    >>> is_personal("Redacted, personal data"), is_personal("Personal Data Solutions Ltd")
    (True, False)
    """
    return is_redaction_marker(name)


def parse_flag(value: object) -> bool | None:
    """A yes/no cell -> True/False, or None when blank or not recognisable.

    >>> [parse_flag(v) for v in ("Yes", "n", 1, 0.0, True, "", "maybe")]
    [True, False, True, False, True, None, None]
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value == value:
        return True if value == 1 else False if value == 0 else None
    text = _tabular.cell_text(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


# --- internals -----------------------------------------------------------------------------------

def _field(header: str) -> str | None:
    return _BY_KEY.get(header_key(header))


def _find_header(rows: list[list[str]]) -> int | None:
    """The first row naming a supplier (name or id) and at least one other register column."""
    for i, cells in enumerate(rows):
        found = {_field(c) for c in cells} - {None}
        if found & {"name", "supplier_id"} and len(found) >= 2:
            return i
    return None


def _missing_header(name: str, rows: list[list[str]]) -> InputError:
    first = next((r for r in rows if any(r)), [])
    shown = ", ".join(f"'{c}'" for c in first if c) or "none"
    return InputError(
        f"{name}: no supplier register header in its first {_tabular.HEADER_SCAN_ROWS} rows: "
        f"expected a supplier name or id column (e.g. 'Supplier Name', 'Supplier ID') and a "
        f"postcode or flag column ('Postcode', 'SME', 'VCSE'). First row: {shown}.")


def _columns(table: _tabular.Table) -> dict[str, int]:
    """Register field -> column position (first matching column wins; the individual flag reads
    every matching column: `_individual`)."""
    cols: dict[str, int] = {}
    for i, header in enumerate(table.header):
        fld = _field(header)
        if fld and fld not in cols:
            cols[fld] = i
    return cols


def _text(table: _tabular.Table, cols: dict[str, int], fld: str) -> pd.Series:
    if fld not in cols:
        return pd.Series([""] * len(table), dtype="str")
    values = table.columns[cols[fld]]
    if values.dtype == object:
        values = pd.Series([_tabular.cell_text(v) for v in values.tolist()], dtype="str")
    return values.str.strip().fillna("").reset_index(drop=True)


def _flags(table: _tabular.Table, cols: dict[str, int], fld: str) -> pd.Series:
    if fld == "individual":
        return _individual(table)
    if fld not in cols:
        return pd.Series(pd.NA, index=range(len(table)), dtype="boolean")
    values = [parse_flag(v) for v in table.columns[cols[fld]].tolist()]
    return pd.Series(pd.array(values, dtype="boolean"))


def _individual(table: _tabular.Table) -> pd.Series:
    """The individual flag from EVERY column meaning it ("Sole Trader" and "Individual" both),
    and from a supplier type saying so: yes in any of them is yes (a person must never lose the
    flag to an earlier column), else no if any says no, else unknown."""
    flags: list[list[bool | None]] = []
    for i, header in enumerate(table.header):
        fld = _field(header)
        if fld == "individual":
            flags.append([parse_flag(v) for v in table.columns[i].tolist()])
        elif fld == "type":
            flags.append([True if _tabular.cell_text(v).strip().lower() in _PERSON_TYPES
                          else None for v in table.columns[i].tolist()])
    out: list[bool | None] = []
    for row in zip(*flags) if flags else [()] * len(table):
        out.append(True if True in row else False if False in row else None)
    return pd.Series(pd.array(out, dtype="boolean"))


def _frame(table: _tabular.Table, cols: dict[str, int]) -> pd.DataFrame:
    """The register's rows in the output columns (before collapsing duplicates)."""
    postcodes = [normalise_postcode(p) for p in _text(table, cols, "postcode").tolist()]
    return pd.DataFrame({
        "supplier_id": _text(table, cols, "supplier_id"),
        "name": _text(table, cols, "name"),
        "postcode": pd.Series(np.asarray(postcodes, dtype=object), dtype="str"),
        **{f: _flags(table, cols, f) for f in FLAGS},
        "type": _text(table, cols, "type"),
    })


def _groups(frame: pd.DataFrame) -> np.ndarray:
    """A group number per row: rows sharing an id or a name+postcode key are one group."""
    parent = list(range(len(frame)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    keys = zip(frame["supplier_id"].tolist(), frame["name"].tolist(),
               frame["postcode"].tolist())
    for i, (sid, name, postcode) in enumerate(keys):
        pc = postcode if isinstance(postcode, str) else None
        named = f"name:{supplier_key(name, pc)}" if normalise_supplier_name(name) else None
        for key in (f"id:{sid}" if sid else None, named):
            if key is None:
                continue
            j = first.setdefault(key, i)
            a, b = root(i), root(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return np.array([root(i) for i in range(len(frame))], dtype=np.int64)


def _collapse(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per group: the first row, with unknown flags filled from the group's others."""
    if frame.empty:
        return frame
    group = _groups(frame)
    if len(np.unique(group)) == len(frame):
        return frame
    out = frame.groupby(group, sort=True).first()  # first non-missing per column
    for col in ("supplier_id", "name", "type"):
        out[col] = frame.groupby(group, sort=True)[col].agg(lambda s: next((v for v in s if v), ""))
    for col in FLAGS:
        out[col] = out[col].astype("boolean")
    return out.reset_index(drop=True)[list(frame.columns)]
