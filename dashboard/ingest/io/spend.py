"""Read published spend files ("expenditure over £500") into exact, traceable transactions.

``read_spend`` takes CSV or XLSX files (plain or .gz, paths or uploaded (name, bytes) pairs), finds
each file's header below any title rows, maps its columns to the engine's fields by the synonym
table of ``shared/spec/metrics.md`` (or an explicit FIELD -> HEADER mapping), and parses amounts to
integer pence and dates day-first. A row that cannot be parsed is not dropped: it goes to
``rejected`` with its file, physical line, reason and raw cells. Parsing is vectorised for the
common cell formats and falls back to ``dashboard.ingest.parse`` for the rest, one call per distinct
value, so the result is exactly what the per-cell parsers give.

Cell text is kept as published (whitespace trimmed): nothing is HTML-escaped here (the display
layer escapes) and nothing is evaluated (a formula is text, and a formula amount is rejected).
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from dashboard.errors import InputError
from dashboard.ingest import headers
from dashboard.ingest.io import _tabular
from dashboard.ingest.parse import (
    FIELDS,
    NoDateError,
    header_key,
    normalise_postcode,
    parse_date,
    parse_money,
    parse_period,
    slash_date_order,
)

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
TEXT_FIELDS = ("supplier", "supplier_id", "category", "service", "capital_revenue", "reference")
COLUMNS = ("anchor", "date", "amount_pence", "supplier", "supplier_id", "postcode", "category",
           "service", "capital_revenue", "reference", "source_file", "source_line")
REJECTED_COLUMNS = ("source_file", "line", "reason", "raw")
#: Amounts the vectorised path parses itself; everything else goes to ``parse_money``. It must
#: accept only strings that ``parse_money`` accepts, with the same value (tests check this).
FAST_MONEY = (r"[ \t]*(?P<neg>-?)£?(?P<int>[0-9]{1,3}(?:,[0-9]{3}){1,3}|[0-9]{1,13})"
              r"(?:\.(?P<frac>[0-9]{0,2}))?[ \t]*")
_PERIOD_HINT = "give the file's period (--period FROM:TO) to import these rows"
_ANCHOR_HINT = "give the anchor name (--anchor-name)"
_COLUMNS_HINT = "name the columns with --columns FIELD=HEADER, e.g. --columns amount=\"Net Value\""


@dataclass(frozen=True)
class FileOptions:
    """How to read one file: its anchor, explicit columns, period and day/month order.

    ``date_order`` is "day" or "month" (first), or None to decide from the file's own dates.
    """

    anchor_name: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    period: tuple[date, date] | None = None
    date_order: str | None = None


@dataclass
class SpendImport:
    """The result of an import: accepted transactions, rejected rows, and one entry per file."""

    transactions: pd.DataFrame
    rejected: pd.DataFrame
    files: list[dict] = field(default_factory=list)


def read_spend(
    paths: str | os.PathLike | tuple[str, bytes] | Iterable[str | os.PathLike | tuple[str, bytes]],
    *,
    columns: dict[str, str] | None = None,
    anchor_name: str | None = None,
    period: tuple[date | str, date | str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    date_order: str | None = None,
    per_file: Callable[[str], FileOptions | None] | None = None,
) -> SpendImport:
    """Import spend files into transactions (see ``docs/contracts.md``).

    ``columns`` maps FIELD -> HEADER and overrides header detection for those fields.
    ``anchor_name`` names the anchor for every row (overriding any anchor column).
    ``period`` = (from, to): rows with no date (blank, or a time alone such as ``00:00:00``) are
    dated ``from`` instead of being rejected; dated rows keep their date, and a date that is
    wrong (``31/02/2024``) is still rejected. Rows that are not payments (totals, notes,
    repeated headers) are rejected with their own reason and never dated by the period.
    ``date_order`` ("day" or "month") fixes the order of ``a/b/yyyy`` dates; by default each
    file's own unambiguous dates decide it. ``per_file(name)`` may give a file its own
    ``FileOptions`` (an import manifest), used instead of the options above.
    ``postcode`` is missing (NaN) where blank or not a UK postcode shape.
    A file bigger than ``max_bytes`` (after decompression) is refused; a file whose content was
    already imported in this call is listed with ``duplicate_of`` and adds no rows.
    Raises InputError for unreadable files, missing required columns, or no usable row at all.
    """
    sources = _as_sources(paths)
    default = FileOptions((anchor_name or "").strip() or None, checked_columns(columns),
                          checked_period(period), checked_order(date_order))
    seen: dict[str, str] = {}
    names: set[str] = set()
    frames, rejects, files = [], [], []
    for source in sources:
        name, data = _tabular.load(source, max_bytes)
        name = unique_name(name, names)
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            files.append(_file_entry(name, digest, duplicate_of=seen[digest]))
            continue
        seen[digest] = name
        opts = (per_file(name) if per_file else None) or default
        tables, skipped = _tabular.read_tables(name, data, header_finder(opts.columns),
                                               missing_header(opts.columns), max_bytes)
        del data                     # the bytes go before the columns are parsed (peak memory)
        tx, rej, entry = _read_file(name, tables, skipped, opts)
        entry["sha256"] = digest
        entry["options"] = {"anchor_name": opts.anchor_name,
                            "columns": dict(opts.columns) or None,
                            "period": [d.isoformat() for d in opts.period] if opts.period
                            else None, "date_order": opts.date_order}
        frames.extend(tx)
        rejects.extend(rej)
        files.append(entry)
    result = SpendImport(_concat(frames, _empty_transactions()),
                         _concat(rejects, _empty_rejected()), files)
    if result.transactions.empty:
        raise _no_rows(result)
    return result


def _read_file(name: str, tables: list[_tabular.Table], skipped: list[tuple[str, str]],
               opts: FileOptions) -> tuple[list[pd.DataFrame], list[pd.DataFrame], dict]:
    """One file's payments, rejected rows and report entry, over every sheet that holds
    payments (a sheet repeating another, or of purchase-card spend beside the main one, is
    listed and left out)."""
    tables, more = payment_sheets(tables)
    skipped = skipped + more
    frames, rejects, sheets = [], [], []
    inherit: dict[str, int] | None = None
    for table in tables:
        if len(tables) > 1:
            table.name = f"{name} [{table.sheet}]"
        header2 = continued_header(table)
        mapping, why = _mapping(table, opts, inherit, header2)
        tx, rej, notes = _convert(table, mapping, opts, header2 is not None)
        frames.append(tx)
        rejects.append(rej)
        sheets.append(_sheet_entry(table, mapping, why, header2, notes, len(tx), len(rej)))
        inherit = mapping
    return frames, rejects, _merge_sheets(name, tables[0], sheets, skipped)


# --- arguments -----------------------------------------------------------------------------------

def _as_sources(paths: object) -> list[object]:
    """One source or many -> a non-empty list (a (name, bytes) pair is one source)."""
    upload = (isinstance(paths, tuple) and len(paths) == 2
              and isinstance(paths[1], (bytes, bytearray)))
    if upload or isinstance(paths, (str, os.PathLike)):
        items = [paths]
    else:
        items = list(paths)  # type: ignore[arg-type]
    if not items:
        raise InputError("No spend file given: give one or more CSV or XLSX files.")
    return items


def checked_columns(columns: dict[str, str] | None) -> dict[str, str]:
    """Validate an explicit FIELD -> HEADER mapping."""
    out = {}
    for fld, header in (columns or {}).items():
        if fld not in FIELDS:
            raise InputError(f"Unknown field '{fld}' in the column mapping: use one of "
                             f"{', '.join(FIELDS)} (--columns FIELD=HEADER).")
        if not str(header).strip():
            raise InputError(f"The column mapping gives no header for '{fld}': use {fld}=HEADER.")
        out[fld] = str(header).strip()
    return out


def checked_period(period: tuple | None) -> tuple[date, date] | None:
    """(from, to) as dates, from <= to; strings may be ISO or day-first."""
    if period is None:
        return None
    try:
        start, end = (parse_date(v) for v in period)
    except (TypeError, ValueError) as exc:
        raise InputError(f"The period {period!r} is not two dates (from, to): {exc}.") from None
    if start > end:
        raise InputError(f"The period runs backwards ({start} to {end}): give from <= to.")
    return start, end


def checked_order(order: str | None) -> str | None:
    """"day", "month" or None (decide per file); accepts "day-first", "dmy", "mdy" too."""
    if order is None or not str(order).strip():
        return None
    key = str(order).strip().lower().replace("_", "-")
    if key in ("day", "day-first", "dmy", "uk"):
        return "day"
    if key in ("month", "month-first", "mdy", "us"):
        return "month"
    raise InputError(f"Unknown date order '{order}': use day-first or month-first.")


def unique_name(name: str, used: set[str]) -> str:
    """The file's name, made distinct from earlier files of the same name ("a.csv (2)").

    Adds the result to `used`. The importer applies it too, so its file names match the report's.
    """
    candidate, k = name, 1
    while candidate in used:
        k += 1
        candidate = f"{name} ({k})"
    used.add(candidate)
    return candidate


# --- header and mapping --------------------------------------------------------------------------

def _same_header(cell: str, wanted: str) -> bool:
    return cell.strip().casefold() == wanted.casefold() or (
        bool(header_key(wanted)) and header_key(cell) == header_key(wanted))


def _looks_like_header(cells: list[str]) -> bool:
    found = [headers.header_fields(c) for c in cells if c]
    has = {f for x in found for f in x}
    return "amount" in has and bool(has & {"date", "supplier", "supplier_id"})


def header_finder(columns: dict[str, str]) -> Callable[[list[list[str]]], int | None]:
    """The predicate that picks the header row among a file's first rows."""
    def find(rows: list[list[str]]) -> int | None:
        if columns:
            for i, cells in enumerate(rows):
                if all(any(_same_header(c, h) for c in cells) for h in columns.values()):
                    return i
            return None
        best, score = None, 0
        for i, cells in enumerate(rows):   # the qualifying row naming the most fields
            if _looks_like_header(cells):
                n = len({f for c in cells if c for f in headers.header_fields(c)})
                if n > score:
                    best, score = i, n
        return best
    return find


def _best_row(rows: list[list[str]]) -> list[str]:
    """The row most like a header (most recognised names), else the first non-blank row."""
    scored = [(sum(headers.best_field(c) is not None for c in r), -i) for i, r in enumerate(rows)]
    if not scored:
        return []
    best = max(range(len(rows)), key=lambda i: scored[i])
    if scored[best][0] == 0:
        best = next((i for i, r in enumerate(rows) if any(r)), 0)
    return [c for c in rows[best] if c]


def missing_header(columns: dict[str, str]) -> Callable[[str, list[list[str]]], InputError]:
    """Builds the InputError for a file where no row qualifies as the header."""
    def error(name: str, rows: list[list[str]]) -> InputError:
        found = _best_row(rows)
        shown = ", ".join(f"'{c}'" for c in found) or "none"
        if columns:
            absent = [h for h in columns.values() if not any(_same_header(c, h) for c in found)]
            return InputError(
                f"{name}: has no column {', '.join(repr(h) for h in absent)} (from the column "
                f"mapping) in its first {_tabular.HEADER_SCAN_ROWS} rows. Headers found: {shown}. "
                "Use one of these in --columns FIELD=HEADER.")
        recognised = {f for c in found for f in headers.header_fields(c)}
        need = [f for f in ("amount",) if f not in recognised]
        if not recognised & {"date", "supplier", "supplier_id"}:
            need.append("date or supplier")
        return InputError(
            f"{name}: no header row with an amount column and a date or supplier column in its "
            f"first {_tabular.HEADER_SCAN_ROWS} rows (missing: {', '.join(need)}). Headers "
            f"found: {shown}. If the file has these columns under other names, {_COLUMNS_HINT}.")
    return error


def detect_mapping(header: list[str], columns: dict[str, str], anchor_name: str | None, *,
                   strict: bool = True, table: _tabular.Table | None = None,
                   inherit: dict[str, int] | None = None) -> dict[str, int]:
    """FIELD -> column position in `header`, the one place a spend file's columns are mapped.

    The explicit FIELD -> HEADER `columns` come first (an exact header before one equal after
    ``header_key``, the leftmost of each); every other field is chosen by
    ``dashboard.ingest.headers.choose``: header patterns ranked (line before invoice level, net
    before gross, payment date before invoice date, a name before a code), each checked against
    a sample of the column's cells when the `table` is given. With an `anchor_name` the anchor
    column is dropped: the name stands for every row.

    ``strict`` is for the reader, which has already found every explicit header in the header row
    (``header_finder``): a header of `columns` absent from `header` raises InputError. The page's
    preview passes ``strict=False`` to show what was found while the user is still choosing
    columns. Either way, required fields are not checked here: ``require`` does that.
    """
    return choose_columns(header, columns, anchor_name, strict=strict, table=table,
                          inherit=inherit)[0]


def choose_columns(header: list[str], columns: dict[str, str], anchor_name: str | None, *,
                   strict: bool = True, table: _tabular.Table | None = None,
                   inherit: dict[str, int] | None = None
                   ) -> tuple[dict[str, int], dict[str, str]]:
    """``detect_mapping`` with the reason for each choice (for the import report)."""
    explicit: dict[str, int] = {}
    for fld, wanted in columns.items():
        found = _explicit_column(header, wanted)
        if found is not None:
            explicit[fld] = found
        elif strict:
            shown = ", ".join(f"'{c}'" for c in header if c) or "none"
            raise InputError(f"No column '{wanted}' (for {fld}, from the column mapping). "
                             f"Headers found: {shown}.")
    samples = column_samples(table, len(header)) if table is not None else [[]] * len(header)
    mapping, why = headers.choose(header, samples, taken=explicit, inherit=inherit)
    if anchor_name:
        mapping.pop("anchor", None)
        why.pop("anchor", None)
    return mapping, why


def column_samples(table: _tabular.Table, width: int, size: int = 300) -> list[list[object]]:
    """Up to `size` non-blank cells of each column, spread over the whole table."""
    n = len(table)
    if not n:
        return [[] for _ in range(width)]
    idx = np.unique(np.linspace(0, n - 1, min(n, size)).astype(np.int64))
    out = []
    for col in table.columns[:width]:
        vals = col.iloc[idx].tolist()
        out.append([v for v in vals if v is not None and v == v and str(v).strip() != ""])
    return out + [[] for _ in range(width - len(out))]


def _explicit_column(header: list[str], wanted: str) -> int | None:
    """The position of an explicitly named header: exact (ignoring case) first, then loose."""
    exact = [i for i, c in enumerate(header) if c.strip().casefold() == wanted.casefold()]
    loose = [i for i, c in enumerate(header) if _same_header(c, wanted)]
    hits = exact or loose
    return hits[0] if hits else None


def table_mapping(table: _tabular.Table, columns: dict[str, str], anchor_name: str | None, *,
                  strict: bool = False) -> dict[str, int]:
    """The mapping the reader takes for a table (the page's preview shows this one)."""
    return choose_columns(continued_header(table) or table.header, columns, anchor_name,
                          strict=strict, table=table)[0]


def _mapping(table: _tabular.Table, opts: FileOptions, inherit: dict[str, int] | None,
             header2: list[str] | None) -> tuple[dict[str, int], dict[str, str]]:
    """Field -> column position and why (``choose_columns``, strict); checks required fields."""
    header = header2 or table.header
    mapping, why = choose_columns(header, opts.columns, opts.anchor_name, strict=True,
                                  table=table, inherit=inherit)
    period_col = None
    if "date" not in mapping and opts.period is None:
        period_col = _period_column(table, header, mapping)
        if period_col is not None:
            mapping["period"] = period_col
            why["period"] = "a column of months dates each row to its month's first day"
    require(table, mapping, opts.period, opts.anchor_name)
    return mapping, why


def _period_column(table: _tabular.Table, header: list[str], mapping: dict[str, int]
                   ) -> int | None:
    samples = column_samples(table, len(header))
    for i, h in enumerate(header):
        if i not in mapping.values() and samples[i] and headers.is_period_column(h, samples[i]):
            return i
    return None


def require(table: _tabular.Table, mapping: dict[str, int], span: tuple[date, date] | None,
            anchor_name: str | None) -> None:
    """InputError naming what is missing, the headers found and what to do."""
    shown = ", ".join(f"'{c}'" for c in table.header if c) or "none"
    missing = [f for f in ("amount",) if f not in mapping]
    if "date" not in mapping and "period" not in mapping and span is None:
        missing.append("date")
    if "supplier" not in mapping and "supplier_id" not in mapping:
        missing.append("supplier")
    if missing:
        extra = (" (or, if the file has no dates, give its period: --period FROM:TO)"
                 if "date" in missing else "")
        raise InputError(f"{table.name}: no {' or '.join(missing)} column found. Headers found: "
                         f"{shown}. {_COLUMNS_HINT[0].upper()}{_COLUMNS_HINT[1:]}{extra}.")
    if "anchor" not in mapping and not anchor_name:
        raise InputError(f"{table.name}: has no column naming the organisation (a name under "
                         f"a header such as 'Body Name'): {_ANCHOR_HINT}, e.g. "
                         "--anchor-name \"Oxford City Council\".")


_PCARD = re.compile(r"p[\s.-]?card|purchas\w*\s+card|procurement\s+card|credit\s+card",
                    re.IGNORECASE)


def payment_sheets(tables: list[_tabular.Table]
                   ) -> tuple[list[_tabular.Table], list[tuple[str, str]]]:
    """The sheets holding the file's payments: a sheet with the same rows as an earlier one (a
    working copy) and, beside other sheets, a purchase-card sheet (a separate publication) are
    left out with the reason."""
    if len(tables) == 1:
        return tables, []
    keep, skipped, seen = [], [], {}
    others = {id(t) for t in tables if not _PCARD.search(t.sheet or "")}
    for t in tables:
        if others and id(t) not in others:
            skipped.append((t.sheet or "", "purchase-card spend (published separately): not "
                                            "read"))
            continue
        key = _fingerprint(t)
        if key in seen:
            skipped.append((t.sheet or "", f"repeats sheet '{seen[key]}': not read twice"))
            continue
        seen[key] = t.sheet
        keep.append(t)
    return keep, skipped


def _fingerprint(table: _tabular.Table) -> tuple:
    rows = list(range(min(len(table), 25))) + list(range(max(25, len(table) - 25), len(table)))
    cells = tuple(tuple(_tabular.cell_text(v) for v in col.iloc[rows].tolist())
                  for col in table.columns)
    return len(table), hashlib.sha256(repr(cells).encode()).hexdigest()


def continued_header(table: _tabular.Table) -> list[str] | None:
    """The header completed by its second row, when the first row below it is one ("Supplier"
    over "ID", "Payment" over "Date", "Amount" over "excl vat"); else None."""
    if not len(table) or not table.columns:
        return None
    row = [col.iloc[0] for col in table.columns]
    if any(v is not None and not isinstance(v, str) for v in row):
        return None
    texts = [_tabular.cell_text(v) for v in row]
    filled = [t for t in texts if t]
    if len(filled) < 2 or any(len(t) > 24 or _is_number_or_date(t) for t in filled):
        return None
    merged = [f"{h} {t}".strip() if t else h for h, t in zip(table.header, texts)]
    gained = sum(1 for h, m in zip(table.header, merged)
                 if h != m and len(headers.header_fields(m)) > 0)
    return merged if gained else None


def _is_number_or_date(text: str) -> bool:
    try:
        parse_money(text)
        return True
    except ValueError:
        pass
    try:
        parse_date(text)
        return True
    except ValueError:
        return False


# --- conversion ----------------------------------------------------------------------------------

def _convert(table: _tabular.Table, mapping: dict[str, int], opts: FileOptions,
             continuation: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Parse the mapped columns of one table into accepted transactions, rejected rows, and
    notes for the report (date order, how rows were dated)."""
    n = len(table)
    col = {f: table.columns[i] for f, i in mapping.items()}
    who = np.zeros(n, dtype=bool)          # rows naming a payee (built and dropped: memory)
    for fld in ("supplier", "supplier_id"):
        if fld in col:
            who |= (text_column(col[fld]) != "").to_numpy(bool)
    pence, money_why = money_column(col["amount"])
    order, notes = _date_order(col.get("date"), opts.date_order)
    if "period" in col and "date" not in col:
        days, date_why = _period_dates(col["period"], n)
        no_date = np.array([r is not None and r.startswith("no period") for r in date_why])
        notes["dated_by"] = f"period column '{table.header[mapping['period']]}'"
    else:
        days, date_why, no_date = _dates(col.get("date"), n, opts.period, order == "month")
        notes["dated_by"] = "date column" if "date" in col else "the period given"
    anchor, anchor_why = _anchors(col.get("anchor"), n, opts.anchor_name)
    reasons = _join_reasons(money_why, date_why, anchor_why)
    _not_payments(table, who, reasons, money_why == _BLANK_AMOUNT, no_date, continuation,
                  mapping)
    ok = np.array([r is None for r in reasons], dtype=bool)
    out = {
        "anchor": anchor[ok],
        "date": days[ok].astype("datetime64[s]"),
        "amount_pence": pence[ok],
    }
    for fld in TEXT_FIELDS:
        out[fld] = text_column(col[fld])[ok] if fld in col else _blank(int(ok.sum()))
    out["postcode"] = postcode_column(col["postcode"])[ok] if "postcode" in col else (
        pd.Series(np.full(int(ok.sum()), np.nan), dtype="str"))
    tx = _frame(out, table.name, table.lines[ok])
    bad = np.flatnonzero(~ok)
    rejected = _rejected(table, bad, [reasons[i] for i in bad])
    return tx, rejected, notes


#: Reasons for rows that are not payments (the report counts rows by these).
NOT_PAYMENT = {
    "continuation": "the second row of a two-row header: not a payment",
    "header": "a repeated header row: not a payment",
    "total": "a total or footer row (an amount with no supplier and no date): not a payment",
    "total_word": "a total row (its first cell says total): not a payment",
    "note": "a note or empty row (no amount, supplier or date): not a payment",
}
_TOTAL_WORD = re.compile(r"(?:grand\s+|sub[\s-]*)?totals?\s*:?", re.IGNORECASE)


def _not_payments(table: _tabular.Table, who: np.ndarray, reasons: list,
                  blank_amount: np.ndarray, no_date: np.ndarray, continuation: bool,
                  mapping: dict[str, int]) -> None:
    """Overwrite the reasons of rows that are not payments, so that a total is never accepted
    (nor dated by a period) and the report says what each such row was.

    Vectorised: only irregular rows (failed, or with no supplier or no date) are looked at one by
    one, so a million regular rows cost a few array operations."""
    if not len(table):
        return
    failed = np.array([r is not None for r in reasons], dtype=bool)
    head = table.header[mapping["amount"]].strip().casefold()
    amount = table.columns[mapping["amount"]]
    for i in np.flatnonzero(failed | ~who | no_date):
        first = next((t for t in (_tabular.cell_text(c.iloc[i]) for c in table.columns[:3]) if t),
                     "")
        if failed[i] and head and _tabular.cell_text(amount.iloc[i]).casefold() == head:
            reasons[i] = NOT_PAYMENT["header"]
        elif not blank_amount[i] and not who[i] and no_date[i]:
            reasons[i] = NOT_PAYMENT["total"]
        elif _TOTAL_WORD.fullmatch(first):
            reasons[i] = NOT_PAYMENT["total_word"]
        elif blank_amount[i] and not who[i] and no_date[i]:
            reasons[i] = NOT_PAYMENT["note"]
    if continuation:
        reasons[0] = NOT_PAYMENT["continuation"]


#: The reason ``parse_money`` gives for an empty amount cell.
_BLANK_AMOUNT = "no amount (the cell is blank)"


def _frame(out: dict, name: str, lines: np.ndarray) -> pd.DataFrame:
    """Assemble the transaction columns in the contract's order and dtypes."""
    frame = pd.DataFrame({
        "date": pd.Series(out["date"], dtype="datetime64[s]"),
        "amount_pence": pd.Series(out["amount_pence"], dtype="int64"),
        "source_file": pd.Series([name] * len(lines), dtype="str"),
        "source_line": pd.Series(lines, dtype="int64"),
        **{f: _str(out[f]) for f in ("anchor", "postcode", *TEXT_FIELDS)},
    })
    return frame[list(COLUMNS)]


def _str(values: object) -> pd.Series:
    """A column as a "str" Series with a fresh 0..n-1 index."""
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True).astype("str")
    return pd.Series(np.asarray(values, dtype=object), dtype="str")


def _rejected(table: _tabular.Table, positions: np.ndarray, reasons: list[str]) -> pd.DataFrame:
    """Rejected rows with file, line, reason and raw cells, including rows that could not split."""
    lines = table.lines[positions].tolist() + [u[0] for u in table.unsplit]
    raws = table.raw(positions) + [u[2] for u in table.unsplit]
    why = list(reasons) + [u[1] for u in table.unsplit]
    frame = pd.DataFrame({
        "source_file": pd.Series([table.name] * len(lines), dtype="str"),
        "line": pd.Series(lines, dtype="int64"),
        "reason": pd.Series(why, dtype="str"),
        "raw": pd.Series(raws, dtype="str"),
    })
    return frame.sort_values("line", kind="stable").reset_index(drop=True)


def _join_reasons(*parts: np.ndarray) -> list[str | None]:
    """Per row, the reasons of every failed field joined with "; " (None when all parsed)."""
    out: list[str | None] = [None] * len(parts[0])
    for part in parts:
        for i in np.flatnonzero(pd.notna(part)):
            out[i] = part[i] if out[i] is None else f"{out[i]}; {part[i]}"
    return out


def money_column(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Amounts -> (int64 pence, object reasons with None where parsed).

    Text in the common formats is parsed by vectorised string operations; everything else
    (brackets, odd signs, numbers from XLSX, errors) by ``parse_money`` once per distinct value.
    """
    n = len(values)
    pence = np.zeros(n, dtype=np.int64)
    reasons = np.full(n, None, dtype=object)
    fast = np.zeros(n, dtype=bool)
    if values.dtype != object and n:
        fast = values.str.fullmatch(FAST_MONEY).fillna(False).to_numpy(bool)
        if fast.any():
            pence[fast] = _fast_pence(values[fast])
    slow = np.flatnonzero(~fast)
    if len(slow):
        p, r = _per_distinct(values.iloc[slow], _money_or_reason)
        pence[slow], reasons[slow] = p, r
    return pence, reasons


def _fast_pence(values: pd.Series) -> np.ndarray:
    """Pence of strings known to match FAST_MONEY, with pyarrow compute kernels."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = pc.extract_regex(pa.array(values, type=pa.string()), FAST_MONEY)
    whole = pc.cast(pc.replace_substring(pc.struct_field(parts, "int"), ",", ""), pa.int64())
    frac = pc.cast(pc.utf8_rpad(pc.fill_null(pc.struct_field(parts, "frac"), ""), 2, "0"),
                   pa.int64())
    amount = pc.add(pc.multiply(whole, 100), frac)
    negative = pc.equal(pc.struct_field(parts, "neg"), "-")
    return pc.if_else(negative, pc.negate(amount), amount).to_numpy(zero_copy_only=False)


def _money_or_reason(value: object) -> tuple[int, str | None]:
    try:
        return parse_money(value), None
    except ValueError as exc:
        return 0, str(exc)


def _per_distinct(values: pd.Series, parse) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``parse`` (value -> (result, reason)) once per distinct value and spread back.

    Text columns are factorised; object columns (XLSX cells of mixed types, where True == 1
    would collide in a hash table) are parsed cell by cell.
    """
    if values.dtype == object:
        pairs = [parse(v) for v in values.tolist()]
        return (np.array([p[0] for p in pairs], dtype=np.int64),
                np.array([p[1] for p in pairs], dtype=object))
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    pairs = [parse(v if isinstance(v, str) else None) for v in uniques.tolist()]
    result = np.array([p[0] for p in pairs], dtype=np.int64)
    reason = np.empty(len(pairs), dtype=object)
    reason[:] = [p[1] for p in pairs]
    return result[codes], reason[codes]


_NO_DATE = -1 << 62  # a day number marking "the cell holds no date" (blank or a time alone)


def _date_or_reason(value: object, month_first: bool = False) -> tuple[int, str | None]:
    """(days since 1970-01-01, None), or (_NO_DATE, reason) / (0, reason) on failure."""
    try:
        return (parse_date(value, month_first=month_first) - date(1970, 1, 1)).days, None
    except NoDateError as exc:
        return _NO_DATE, str(exc)
    except ValueError as exc:
        return 0, str(exc)


def _month_first(value: object) -> tuple[int, str | None]:
    return _date_or_reason(value, True)


def _period_or_reason(value: object) -> tuple[int, str | None]:
    try:
        return (parse_period(value) - date(1970, 1, 1)).days, None
    except ValueError as exc:
        return 0, str(exc)


def _period_dates(values: pd.Series, n: int) -> tuple[np.ndarray, np.ndarray]:
    days, reasons = _per_distinct(values, _period_or_reason)
    return days.astype("datetime64[D]"), reasons


def _date_order(values: pd.Series | None, given: str | None) -> tuple[str, dict]:
    """The order of the file's ``a/b/yyyy`` dates ("day" or "month"), and what the report says.

    Given, it is used as it is. Otherwise the file's unambiguous dates decide: all month-first
    (``4/30/2020``) reads the whole file month-first; none either way (every date could be both)
    reads day-first with a warning, as does a file with both kinds (its impossible dates are
    rejected).
    """
    if given:
        return given, {"date_order": f"{given}-first (as given)"}
    if values is None:
        return "day", {}
    texts = pd.unique(values[values.map(lambda v: isinstance(v, str))].astype(str)) \
        if values.dtype == object else pd.unique(values)
    found = slash_date_order([t for t in texts.tolist() if "/" in t or "." in t or "-" in t])
    if found == "month":
        return "month", {"date_order": "month-first (every unambiguous date in the file is "
                                       "month/day/year, e.g. 4/30/2020)"}
    if found == "mixed":
        return "day", {"date_order": "day-first",
                       "warnings": ["the file has dates in both day/month and month/day order: "
                                    "read day-first; check its dates"]}
    if found is None and any(headers.words(t) == [] and "/" in t for t in texts.tolist()[:50]):
        return "day", {"date_order": "day-first",
                       "warnings": ["no date in the file shows whether it is day/month or "
                                    "month/day: read day-first (the UK order)"]}
    return "day", {"date_order": "day-first"}


def _dates(values: pd.Series | None, n: int, span: tuple[date, date] | None,
           month_first: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dates as datetime64[D], reasons, and which rows hold no date at all; with a period, rows
    with no date get its start."""
    if values is None:  # no date column: the period (required then) dates every row
        start = np.datetime64(span[0], "D")  # type: ignore[index]
        return (np.full(n, start, dtype="datetime64[D]"), np.full(n, None, dtype=object),
                np.ones(n, dtype=bool))
    days, reasons = _per_distinct(values, _month_first if month_first else _date_or_reason)
    missing = days == _NO_DATE
    no_date = missing.copy()
    if span is not None:
        days[missing] = (span[0] - date(1970, 1, 1)).days
        reasons[missing] = None
    else:
        hinted = np.empty(int(missing.sum()), dtype=object)
        hinted[:] = [f"{r}: {_PERIOD_HINT}" for r in reasons[missing]]
        reasons[missing] = hinted
        days[missing] = 0
    return days.astype("datetime64[D]"), reasons, no_date


def _anchors(values: pd.Series | None, n: int, anchor_name: str | None
             ) -> tuple[np.ndarray, np.ndarray]:
    """The anchor of each row: the given name, else the anchor column (blank is a reason)."""
    if anchor_name:
        return np.full(n, anchor_name, dtype=object), np.full(n, None, dtype=object)
    text = text_column(values).to_numpy(dtype=object)  # type: ignore[arg-type]
    reasons = np.where(text == "", f"no anchor (the anchor cell is blank): {_ANCHOR_HINT}", None)
    return text, reasons.astype(object)


def text_column(values: pd.Series) -> pd.Series:
    """Cells as trimmed text ("" for blank); XLSX numbers without a trailing ".0"."""
    if values.dtype == object:
        values = pd.Series([_tabular.cell_text(v) for v in values.tolist()], dtype="str")
    return values.str.strip().fillna("").reset_index(drop=True)


def postcode_column(values: pd.Series) -> pd.Series:
    """Normalised postcodes (missing where blank or not a UK postcode shape)."""
    text = text_column(values)
    codes, uniques = pd.factorize(text)
    normal = np.array([normalise_postcode(u) for u in uniques.tolist()] + [None], dtype=object)
    return pd.Series(normal[codes], dtype="str")


def _blank(n: int) -> np.ndarray:
    return np.full(n, "", dtype=object)


# --- results -------------------------------------------------------------------------------------

def _file_entry(name: str, digest: str, *, table: _tabular.Table | None = None,
                mapping: dict[str, int] | None = None, accepted: int = 0, rejected: int = 0,
                duplicate_of: str | None = None) -> dict:
    """One ``files`` entry (contract keys, plus header_line, sheet and rows_blank)."""
    return {
        "name": name,
        "sha256": digest,
        "encoding": table.encoding if table else None,
        "rows_read": accepted + rejected,
        "rows_accepted": accepted,
        "rows_rejected": rejected,
        "mapping": {f: table.header[i] for f, i in (mapping or {}).items()} if table else {},
        "duplicate_of": duplicate_of,
        "header_line": table.header_line if table else None,
        "sheet": table.sheet if table else None,
        "rows_blank": table.blank_rows if table else 0,
    }


def _sheet_entry(table: _tabular.Table, mapping: dict[str, int], why: dict[str, str],
                 header2: list[str] | None, notes: dict, accepted: int, rejected: int) -> dict:
    """What the report says of one sheet (or of a CSV): columns taken and why, gross or net."""
    header = header2 or table.header
    return {
        "sheet": table.sheet,
        "header_line": table.header_line,
        "mapping": {f: header[i] if header[i] else f"column {_letters(i)} (no header)"
                    for f, i in mapping.items()},
        "why": why,
        "gross": headers.gross_note(header, mapping),
        "rows_accepted": accepted,
        "rows_rejected": rejected,
        "rows_blank": table.blank_rows,
        **notes,
    }


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _merge_sheets(name: str, first: _tabular.Table, sheets: list[dict],
                  skipped: list[tuple[str, str]]) -> dict:
    """The file's ``files`` entry: its first sheet's keys, totals over sheets, every sheet."""
    accepted = sum(s["rows_accepted"] for s in sheets)
    rejected = sum(s["rows_rejected"] for s in sheets)
    warnings = [w for s in sheets for w in s.get("warnings", [])]
    gross = any(s["gross"] for s in sheets)
    return {
        "name": name,
        "sha256": "",
        "encoding": first.encoding,
        "rows_read": accepted + rejected,
        "rows_accepted": accepted,
        "rows_rejected": rejected,
        "mapping": sheets[0]["mapping"],
        "why": sheets[0]["why"],
        "duplicate_of": None,
        "header_line": first.header_line,
        "sheet": first.sheet,
        "rows_blank": sum(s["rows_blank"] for s in sheets),
        "gross": gross,
        "date_order": sheets[0].get("date_order"),
        "dated_by": sheets[0].get("dated_by"),
        "warnings": warnings + ([GROSS_WARNING] if gross else []),
        "sheets": sheets if first.sheet is not None else [],
        "sheets_skipped": [{"sheet": s, "why": w} for s, w in skipped],
    }


#: What the report says of a file whose only amount includes VAT.
GROSS_WARNING = ("its amounts include VAT (gross): the file has no net amount, so its spend is "
                 "gross and not like for like with net files")


def _empty_transactions() -> pd.DataFrame:
    return _frame({"anchor": [], "date": np.zeros(0, "datetime64[s]"),
                   "amount_pence": np.zeros(0, np.int64), "postcode": [],
                   **{f: [] for f in TEXT_FIELDS}}, "", np.zeros(0, np.int64))


def _empty_rejected() -> pd.DataFrame:
    return pd.DataFrame({"source_file": pd.Series([], dtype="str"),
                         "line": pd.Series([], dtype="int64"),
                         "reason": pd.Series([], dtype="str"), "raw": pd.Series([], dtype="str")})


def _concat(frames: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty


def _no_rows(result: SpendImport) -> InputError:
    """The error for an import with no usable row; it carries the result for the report."""
    names = ", ".join(f["name"] for f in result.files if not f["duplicate_of"])
    rej = result.rejected
    if rej.empty:
        exc = InputError(f"No spend rows in {names}: the files have a header but no data rows "
                         "below it: choose the files with the data.")
    else:
        first = rej.iloc[0]
        exc = InputError(f"No usable spend rows in {names}: all {len(rej)} rows were rejected, "
                         f"e.g. {first['source_file']} line {first['line']}: {first['reason']}.")
    exc.spend_import = result  # type: ignore[attr-defined]
    return exc
