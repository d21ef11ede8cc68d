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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from dashboard.errors import InputError
from dashboard.ingest.io import _tabular
from dashboard.ingest.parse import (
    FIELDS,
    NoDateError,
    field_rank,
    header_key,
    match_field,
    normalise_postcode,
    parse_date,
    parse_money,
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
) -> SpendImport:
    """Import spend files into transactions (see ``docs/contracts.md``).

    ``columns`` maps FIELD -> HEADER and overrides header detection for those fields.
    ``anchor_name`` names the anchor for every row (overriding any anchor column).
    ``period`` = (from, to): rows with no date (blank, or a time alone such as ``00:00:00``) are
    dated ``from`` instead of being rejected; dated rows keep their date, and a date that is
    wrong (``31/02/2024``) is still rejected. ``postcode`` is missing (NaN) where blank or not a
    UK postcode shape.
    A file bigger than ``max_bytes`` (after decompression) is refused; a file whose content was
    already imported in this call is listed with ``duplicate_of`` and adds no rows.
    Raises InputError for unreadable files, missing required columns, or no usable row at all.
    """
    sources = _as_sources(paths)
    columns = checked_columns(columns)
    span = checked_period(period)
    anchor_name = (anchor_name or "").strip() or None
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
        table = _tabular.read_table(name, data, header_finder(columns),
                                    missing_header(columns), max_bytes)
        del data
        mapping = _mapping(table, columns, span, anchor_name)
        tx, rej = _convert(table, mapping, anchor_name, span)
        frames.append(tx)
        rejects.append(rej)
        files.append(_file_entry(name, digest, table=table, mapping=mapping, accepted=len(tx),
                                 rejected=len(rej)))
    result = SpendImport(_concat(frames, _empty_transactions()),
                         _concat(rejects, _empty_rejected()), files)
    if result.transactions.empty:
        raise _no_rows(result)
    return result


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
    found = {match_field(c) for c in cells}
    return "amount" in found and bool(found & {"date", "supplier", "supplier_id"})


def header_finder(columns: dict[str, str]) -> Callable[[list[list[str]]], int | None]:
    """The predicate that picks the header row among a file's first rows."""
    def find(rows: list[list[str]]) -> int | None:
        for i, cells in enumerate(rows):
            if columns:
                if all(any(_same_header(c, h) for c in cells) for h in columns.values()):
                    return i
            elif _looks_like_header(cells):
                return i
        return None
    return find


def _best_row(rows: list[list[str]]) -> list[str]:
    """The row most like a header (most recognised names), else the first non-blank row."""
    scored = [(sum(match_field(c) is not None for c in r), -i) for i, r in enumerate(rows)]
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
        recognised = {match_field(c) for c in found} - {None}
        need = [f for f in ("amount",) if f not in recognised]
        if not recognised & {"date", "supplier", "supplier_id"}:
            need.append("date or supplier")
        return InputError(
            f"{name}: no header row with an amount column and a date or supplier column in its "
            f"first {_tabular.HEADER_SCAN_ROWS} rows (missing: {', '.join(need)}). Headers "
            f"found: {shown}. If the file has these columns under other names, {_COLUMNS_HINT}.")
    return error


def detect_mapping(header: list[str], columns: dict[str, str], anchor_name: str | None, *,
                   strict: bool = True) -> dict[str, int]:
    """FIELD -> column position in `header`, the one place a spend file's columns are mapped.

    The explicit FIELD -> HEADER `columns` come first (an exact header before one equal after
    ``header_key``, the leftmost of each); every other field takes the remaining column whose
    header is its synonym, the most specific synonym (``field_rank``) winning, then the leftmost.
    With an `anchor_name` the anchor column is dropped: the name stands for every row.

    ``strict`` is for the reader, which has already found every explicit header in the header row
    (``header_finder``): a header of `columns` absent from `header` raises InputError. The page's
    preview passes ``strict=False`` to show what was found while the user is still choosing
    columns. Either way, required fields are not checked here: ``require`` does that.
    """
    mapping: dict[str, int] = {}
    for fld, wanted in columns.items():
        found = _explicit_column(header, wanted)
        if found is not None:
            mapping[fld] = found
        elif strict:
            shown = ", ".join(f"'{c}'" for c in header if c) or "none"
            raise InputError(f"No column '{wanted}' (for {fld}, from the column mapping). "
                             f"Headers found: {shown}.")
    taken = set(mapping.values())
    for fld in FIELDS:
        if fld in mapping:
            continue
        hits = [i for i, c in enumerate(header) if match_field(c) == fld and i not in taken]
        if hits:
            mapping[fld] = min(hits, key=lambda i: (field_rank(header[i]), i))
    if anchor_name:
        mapping.pop("anchor", None)
    return mapping


def _explicit_column(header: list[str], wanted: str) -> int | None:
    """The position of an explicitly named header: exact (ignoring case) first, then loose."""
    exact = [i for i, c in enumerate(header) if c.strip().casefold() == wanted.casefold()]
    loose = [i for i, c in enumerate(header) if _same_header(c, wanted)]
    hits = exact or loose
    return hits[0] if hits else None


def _mapping(table: _tabular.Table, columns: dict[str, str], span: tuple[date, date] | None,
             anchor_name: str | None) -> dict[str, int]:
    """Field -> column position (``detect_mapping``, strict); checks the required fields."""
    mapping = detect_mapping(table.header, columns, anchor_name, strict=True)
    require(table, mapping, span, anchor_name)
    return mapping


def require(table: _tabular.Table, mapping: dict[str, int], span: tuple[date, date] | None,
            anchor_name: str | None) -> None:
    """InputError naming what is missing, the headers found and what to do."""
    shown = ", ".join(f"'{c}'" for c in table.header if c) or "none"
    missing = [f for f in ("amount",) if f not in mapping]
    if "date" not in mapping and span is None:
        missing.append("date")
    if "supplier" not in mapping and "supplier_id" not in mapping:
        missing.append("supplier")
    if missing:
        extra = (" (or, if the file has no dates, give its period: --period FROM:TO)"
                 if "date" in missing else "")
        raise InputError(f"{table.name}: no {' or '.join(missing)} column found. Headers found: "
                         f"{shown}. {_COLUMNS_HINT[0].upper()}{_COLUMNS_HINT[1:]}{extra}.")
    if "anchor" not in mapping and not anchor_name:
        raise InputError(f"{table.name}: has no anchor column: {_ANCHOR_HINT}, e.g. "
                         "--anchor-name \"Oxford City Council\".")


# --- conversion ----------------------------------------------------------------------------------

def _convert(table: _tabular.Table, mapping: dict[str, int], anchor_name: str | None,
             span: tuple[date, date] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse the mapped columns of one table into accepted transactions and rejected rows."""
    n = len(table)
    col = {f: table.columns[i] for f, i in mapping.items()}
    pence, money_why = money_column(col["amount"])
    days, date_why = _dates(col.get("date"), n, span)
    anchor, anchor_why = _anchors(col.get("anchor"), n, anchor_name)
    reasons = _join_reasons(money_why, date_why, anchor_why)
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
    return tx, rejected


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


def _date_or_reason(value: object) -> tuple[int, str | None]:
    """(days since 1970-01-01, None), or (_NO_DATE, reason) / (0, reason) on failure."""
    try:
        return (parse_date(value) - date(1970, 1, 1)).days, None
    except NoDateError as exc:
        return _NO_DATE, str(exc)
    except ValueError as exc:
        return 0, str(exc)


def _dates(values: pd.Series | None, n: int, span: tuple[date, date] | None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Dates as datetime64[D] plus reasons; with a period, rows with no date get its start."""
    if values is None:  # no date column: the period (required then) dates every row
        start = np.datetime64(span[0], "D")  # type: ignore[index]
        return np.full(n, start, dtype="datetime64[D]"), np.full(n, None, dtype=object)
    days, reasons = _per_distinct(values, _date_or_reason)
    missing = days == _NO_DATE
    if span is not None:
        days[missing] = (span[0] - date(1970, 1, 1)).days
        reasons[missing] = None
    else:
        hinted = np.empty(int(missing.sum()), dtype=object)
        hinted[:] = [f"{r}: {_PERIOD_HINT}" for r in reasons[missing]]
        reasons[missing] = hinted
        days[missing] = 0
    return days.astype("datetime64[D]"), reasons


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
