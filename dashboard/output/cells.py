"""The one way a table leaves the server as a file: safe cells, CSV and XLSX.

Cells are made safe for spreadsheets: a text cell (or heading) beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is prefixed with a single quote, so that Excel or LibreOffice
shows it as text instead of running it as a formula ("CSV injection", OWASP); numbers (negative
ones included), dates and missing values stay as they are, so sums still work in the
spreadsheet. Supplier names come from published files and may be hostile.

CSV is UTF-8 with a BOM (so Excel reads it as UTF-8) and CRLF line ends; XLSX keeps numbers as
numbers and dates as dates. Both may carry lines of text above the table (the filters a table was
made under), then a blank line. Every CSV or XLSX file the project writes for people (the export
panel, the table panel's downloads, the command line, the register of suppliers to locate) is
written here.

>>> safe_cell("=HYPERLINK(1)"), safe_cell("-5"), safe_cell(-5), safe_cell("Acme")
("'=HYPERLINK(1)", "'-5", -5, 'Acme')
>>> to_csv_bytes(pd.DataFrame({"Name": ["=1+1"], "Spend £": [2.5]}), ["Anchors: all"])
b"\\xef\\xbb\\xbf# Anchors: all\\r\\n\\r\\nName,Spend \\xc2\\xa3\\r\\n'=1+1,2.5\\r\\n"
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from dashboard.errors import InputError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Characters XML 1.0 (and so XLSX) cannot hold; dropped from text cells of XLSX exports.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MAX_ROWS = 1_048_576
CSV_ENCODING = "utf-8-sig"
CRLF = "\r\n"


# --------------------------------------------------------------------------- safe cells
def safe_cell(value: object) -> object:
    """A cell value safe to open in a spreadsheet: formula-like text gets a leading quote.

    Only text is changed; numbers (negative ones included), dates and missing values pass
    through, so that sums still work in the spreadsheet.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell and heading neutralised (numeric columns untouched)."""
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
                or pd.api.types.is_datetime64_any_dtype(values)):
            continue
        if pd.api.types.is_string_dtype(values) and values.dtype != object:
            risky = values.str.startswith(FORMULA_START).fillna(False).to_numpy(bool)
            if risky.any():
                values = values.astype(object)
                values[risky] = "'" + values[risky].astype(str)
            out[col] = values
        else:
            out[col] = values.astype(object).map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


# --------------------------------------------------------------------------- files
def to_csv_bytes(frame: pd.DataFrame, lines: Sequence[str] = ()) -> bytes:
    """CSV (UTF-8 with BOM, for Excel; CRLF) with `lines` as ``# `` lines, a blank line, the table
    (no lines and no blank line when `lines` is empty).

    Read it back with ``pd.read_csv(buf, skiprows=len(lines) + 1, encoding="utf-8-sig")``.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=CRLF)
    for line in lines:
        writer.writerow([f"# {line}"])
    if lines:
        writer.writerow([])
    safe_frame(frame).to_csv(buf, index=False, lineterminator=CRLF, date_format="%Y-%m-%d")
    return buf.getvalue().encode(CSV_ENCODING)


def to_xlsx_bytes(frame: pd.DataFrame, lines: Sequence[str] = (), *, sheet: str = "Data"
                  ) -> bytes:
    """XLSX: `lines` in the first rows of column A, a blank row, then the table.

    Numbers stay numbers (money columns, named "... £", get a £ number format), dates are dates,
    text is neutralised and stripped of characters XLSX cannot hold.
    """
    return to_xlsx_book([(sheet, frame, lines)])


def to_xlsx_book(sheets: Sequence[tuple[str, pd.DataFrame, Sequence[str]]]) -> bytes:
    """XLSX of several sheets, each (name, table, lines above it) written as `to_xlsx_bytes`
    writes its one sheet (the action plan's workbook has one sheet per part)."""
    from openpyxl import Workbook

    for _, frame, lines in sheets:
        room = XLSX_MAX_ROWS - len(lines) - 2
        if len(frame) > room:
            raise InputError(f"{len(frame):,} rows are more than a spreadsheet holds ({room:,} "
                             "here): export CSV instead, or narrow the filters")
    wb = Workbook(write_only=True)
    for sheet, frame, lines in sheets:
        _write_sheet(wb.create_sheet(_sheet_title(sheet)), frame, lines)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _write_sheet(ws, frame: pd.DataFrame, lines: Sequence[str]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    for line in lines:
        ws.append([_xlsx_text(line)])
    if lines:
        ws.append([])
    formats = [_number_format(str(c), frame[c]) for c in frame.columns]
    safe = safe_frame(frame)
    bold = Font(bold=True)
    header = []
    for col in safe.columns:
        cell = WriteOnlyCell(ws, value=_xlsx_text(str(col)))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in safe.itertuples(index=False, name=None):
        ws.append([_xlsx_cell(ws, v, f) for v, f in zip(row, formats)])


def _sheet_title(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Data"


def _xlsx_text(value: str) -> str:
    return _XML_ILLEGAL.sub("", value)


def _number_format(name: str, column: pd.Series) -> str | None:
    """The cell format of a column: money in pounds, dates, shares held as fractions shown as
    percentages (0.143 -> 14.3%, as the page shows them), and ranks as whole numbers (a
    population-weighted average rank keeps its value, shown without its decimals)."""
    if name.endswith("£"):
        return "£#,##0.00;-£#,##0.00"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "yyyy-mm-dd"
    low = name.lower()
    numbers = pd.to_numeric(column, errors="coerce")
    numeric = bool(numbers.notna().any()) and numbers.notna().sum() == column.notna().sum()
    if numeric and "share" in low and "%)" not in low and numbers.abs().max() <= 1:
        return "0.0%"
    if numeric and "rank" in low:
        return "#,##0"
    return None


def _xlsx_cell(ws, value: object, number_format: str | None):
    from openpyxl.cell import WriteOnlyCell

    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        value = value.date() if isinstance(value, pd.Timestamp) else value
    elif isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, str):
        value = _xlsx_text(value)
    if number_format is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell
