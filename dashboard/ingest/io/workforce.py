"""Workforce files: the extract an HR team can produce, one row per employee or per group with a count.

Read with the spend import's file handling (``_tabular``: encodings, delimiters, XLSX, gzip, title
rows, size limits, line numbers). A row gives a home postcode or LSOA code and optionally a count,
hourly pay or a yes/no "paid at least the real Living Wage", contract type, start date, snapshot
date and a yes/no "new starter". What the columns mean is decided here, by header synonyms.

Privacy (``../shared/spec/plan.md``, "Workforce"): this reader returns postcodes and pay only so
that ``dashboard/ingest/levers.py`` can locate each row and decide its living-wage flag; that step
then keeps counts alone. Rejected and flagged rows carry file, line and reason but never the cells
(spend's rejected rows keep the raw text; a workforce row's text is a person's postcode and pay).
A file with a column of names or National Insurance numbers is refused outright, before anything
is read from it, because it should never have left the HR system.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from dashboard.errors import InputError
from dashboard.ingest.io import _tabular
from dashboard.ingest.parse import header_key, normalise_postcode, parse_date, parse_money

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
#: Hourly pay at or above this (pence) is not an hourly rate (an annual salary in the wrong
#: column, a typing slip): it is flagged and counted as pay unknown.
MAX_HOURLY_PENCE = 250 * 100
#: A start within this many days before the snapshot makes a new starter (12 months).
NEW_STARTER_DAYS = 365

SYNONYMS: dict[str, tuple[str, ...]] = {
    "anchor": ("Anchor", "Organisation", "Organisation Name", "Organization", "Employer",
               "Employer Name", "Body Name", "Body", "Entity", "Trust"),
    "postcode": ("Home Postcode", "Home Post Code", "Postcode", "Post Code",
                 "Employee Postcode", "Residence Postcode", "Home Address Postcode"),
    "lsoa": ("LSOA", "LSOA Code", "Home LSOA", "LSOA21CD", "LSOA11CD", "lsoa21", "lsoa11",
             "Lower Super Output Area"),
    "count": ("Count", "Headcount", "Head Count", "Employees", "Number of Employees", "Staff",
              "Number of Staff", "Number"),
    "hourly_pay": ("Hourly Pay", "Hourly Rate", "Pay per Hour", "Hourly Rate (£)",
                   "Basic Hourly Rate", "Rate per Hour", "Hourly Pay (£)", "Pay Rate"),
    "living_wage": ("Paid at least the real Living Wage", "Real Living Wage", "Living Wage",
                    "Paid Living Wage", "At Least Living Wage", "RLW", "Paid RLW"),
    "contract": ("Contract Type", "Contract", "Employment Type", "Apprentice"),
    "start_date": ("Start Date", "Date Started", "Employment Start Date", "Hire Date",
                   "Date of Joining", "Joined", "Continuous Service Date"),
    "new_starter": ("New Starter", "New Starters", "Starter"),
    "snapshot": ("Snapshot Date", "Snapshot", "As At", "As At Date", "As Of", "Report Date",
                 "Extract Date", "Census Date"),
}
FIELDS = tuple(SYNONYMS)
#: Headers that identify a person: a file with one is refused.
FORBIDDEN = {header_key(h): what for what, names in {
    "names": ("Name", "Full Name", "First Name", "Forename", "Forenames", "Surname", "Last Name",
              "Family Name", "Given Name", "Middle Name", "Employee Name", "Staff Name",
              "Preferred Name", "Known As"),
    "National Insurance numbers": ("NI Number", "NI No", "NINO", "NI", "National Insurance",
                                   "National Insurance Number", "National Insurance No",
                                   "NI Num"),
}.items() for h in names}
_BY_KEY = {header_key(n): (f, r) for f, names in reversed(list(SYNONYMS.items()))
           for r, n in reversed(list(enumerate(names)))}
_LSOA_HEADER = re.compile(r"lsoa\d\d(cd)?")
_LSOA_CODE = re.compile(r"[EW]0[01]\d{6}")
_NINO = re.compile(r"[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]")
_YES = {"yes", "y", "true", "1", "paid", "t"}
_NO = {"no", "n", "false", "0", "not paid", "f"}
_UNKNOWN = {"", "unknown", "not known", "n/a", "na", "-"}
ROW_COLUMNS = ("anchor", "postcode", "lsoa", "count", "pay_pence", "living_wage_given",
               "new_starter", "snapshot_day", "source_file", "source_line")
NOTE_COLUMNS = ("source_file", "line", "reason")


@dataclass
class WorkforceFile:
    """One workforce file with its own settings (the anchor it belongs to, its snapshot date,
    an explicit FIELD -> HEADER mapping); unset settings fall back to the call's."""

    source: object
    anchor_name: str | None = None
    snapshot: date | None = None
    columns: dict[str, str] | None = None


@dataclass
class WorkforceImport:
    """Accepted rows (``ROW_COLUMNS``, still with postcodes and pay: never save this), rows
    rejected and values flagged (file, line, reason: no cell values), and one entry per file."""

    rows: pd.DataFrame
    rejected: pd.DataFrame
    flagged: pd.DataFrame
    files: list[dict] = field(default_factory=list)


def match_workforce_field(header: object) -> str | None:
    """The workforce field a header stands for (case, spaces and punctuation ignored).

    >>> match_workforce_field("Home Post Code"), match_workforce_field("LSOA21CD")
    ('postcode', 'lsoa')
    >>> match_workforce_field("lsoa_2021_cd"), match_workforce_field("Notes")
    (None, None)
    """
    key = header_key(header)
    hit = _BY_KEY.get(key)
    if hit:
        return hit[0]
    return "lsoa" if _LSOA_HEADER.fullmatch(key) else None


def read_workforce(
    sources: object | Iterable[object],
    *,
    anchor_name: str | None = None,
    snapshot: date | None = None,
    columns: dict[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> WorkforceImport:
    """Read workforce files (paths, (name, bytes) uploads or ``WorkforceFile``s).

    ``anchor_name`` names the anchor of files with no anchor column; ``snapshot`` dates files
    with no snapshot column. InputError for unreadable files, a file with names or National
    Insurance numbers, no postcode or LSOA column, no anchor, or no usable row at all.
    """
    items = [s if isinstance(s, WorkforceFile) else WorkforceFile(s) for s in _as_list(sources)]
    if not items:
        raise InputError("No workforce file given: give one or more CSV or XLSX files.")
    rows, rejected, flagged, files, seen = [], [], [], [], {}
    for item in items:
        name, data = _tabular.load(item.source, max_bytes)
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            files.append({"name": name, "sha256": digest, "duplicate_of": seen[digest],
                          "rows_read": 0, "rows_accepted": 0, "rows_rejected": 0})
            continue
        seen[digest] = name
        cols = dict(columns or {}) | dict(item.columns or {})
        table = _tabular.read_table(name, data, _header_finder(cols), _missing_header,
                                    max_bytes)
        del data
        _refuse_personal(table)
        mapping = _mapping(table, cols)
        frame, rej, flags = _convert(table, mapping, item.anchor_name or anchor_name,
                                     item.snapshot or snapshot)
        rows.append(frame)
        rejected.append(rej)
        flagged.append(flags)
        files.append({"name": name, "sha256": digest, "encoding": table.encoding,
                      "rows_read": len(table) + len(table.unsplit),
                      "rows_accepted": len(frame), "rows_rejected": len(rej),
                      "headcount": int(frame["count"].sum()),
                      "mapping": {f: table.header[i] for f, i in mapping.items()}})
    out = WorkforceImport(_concat(rows, ROW_COLUMNS), _concat(rejected, NOTE_COLUMNS),
                          _concat(flagged, NOTE_COLUMNS), files)
    if out.rows.empty:
        reasons = out.rejected["reason"].value_counts().head(3)
        why = "; ".join(f"{n} rows: {r}" for r, n in reasons.items()) or "the files have no rows"
        raise InputError(f"no usable workforce row in {', '.join(f['name'] for f in files)} "
                         f"({why})")
    return out


def _as_list(sources: object) -> list[object]:
    if isinstance(sources, (str, os.PathLike, WorkforceFile)) or (
            isinstance(sources, tuple) and len(sources) == 2
            and isinstance(sources[1], (bytes, bytearray))):
        return [sources]
    return list(sources)  # type: ignore[arg-type]


# --- header --------------------------------------------------------------------------------------

def _header_finder(columns: dict[str, str]):
    """The header is the first row naming a home postcode or LSOA column (or, with an explicit
    mapping, every mapped header)."""
    wanted = {header_key(h) for h in columns.values()}

    def find(rows: list[list[str]]) -> int | None:
        for i, cells in enumerate(rows):
            keys = {header_key(c) for c in cells}
            if wanted and wanted <= keys:
                return i
            if not wanted and {match_workforce_field(c) for c in cells} & {"postcode", "lsoa"}:
                return i
        return None
    return find


def _missing_header(name: str, rows: list[list[str]]) -> InputError:
    first = next((r for r in rows if any(r)), [])
    shown = ", ".join(f"'{c}'" for c in first if c) or "none"
    return InputError(f"{name}: no header row with a home postcode or LSOA column in its first "
                      f"{_tabular.HEADER_SCAN_ROWS} rows. Headers found: {shown}. Name the "
                      "column 'Home Postcode' or 'LSOA', or map it with --workforce-columns "
                      "postcode=HEADER.")


def _refuse_personal(table: _tabular.Table) -> None:
    """InputError when a column holds names or National Insurance numbers (by header, or by
    cells shaped like an NI number in the first 500 rows)."""
    found = {}
    for i, h in enumerate(table.header):
        what = FORBIDDEN.get(header_key(h))
        if what is None and len(table):
            sample = table.columns[i].iloc[:500].map(_tabular.cell_text)
            if sample.str.upper().str.fullmatch(_NINO.pattern).sum() >= 1:
                what = "National Insurance numbers"
        if what:
            found.setdefault(what, []).append(h or f"column {i + 1}")
    if found:
        listed = "; ".join(f"{what} ({', '.join(repr(h) for h in cols)})"
                           for what, cols in found.items())
        raise InputError(f"{table.name}: refused: the file has {listed}. The workforce import "
                         "takes no names or National Insurance numbers: delete those columns and "
                         "keep only home postcode (or LSOA), pay or a living-wage yes/no, "
                         "contract type, start date and snapshot date.")


def _mapping(table: _tabular.Table, columns: dict[str, str]) -> dict[str, int]:
    """FIELD -> column position: explicit headers first, then synonyms (most specific wins)."""
    out: dict[str, int] = {}
    for fld, header in columns.items():
        if fld not in FIELDS:
            raise InputError(f"workforce column mapping {fld}={header}: FIELD must be one of "
                             f"{', '.join(FIELDS)}")
        pos = [i for i, h in enumerate(table.header) if header_key(h) == header_key(header)]
        if not pos:
            raise InputError(f"{table.name}: has no column {header!r} (from the column mapping)")
        out[fld] = pos[0]
    best: dict[str, tuple[int, int]] = {}
    for i, h in enumerate(table.header):
        fld = match_workforce_field(h)
        if fld is None or fld in out or i in out.values():
            continue
        rank = _BY_KEY.get(header_key(h), (fld, 99))[1]
        if fld not in best or rank < best[fld][0]:
            best[fld] = (rank, i)
    out.update({f: i for f, (_, i) in best.items()})
    return out


# --- cells ---------------------------------------------------------------------------------------

def _convert(table: _tabular.Table, mapping: dict[str, int], anchor_name: str | None,
             snapshot: date | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n = len(table)

    def col(fld: str) -> list[object]:
        return table.columns[mapping[fld]].tolist() if fld in mapping else [None] * n

    if anchor_name is None and "anchor" not in mapping:
        raise InputError(f"{table.name}: has no anchor column (Organisation, Employer ...): give "
                         "the anchor's name for this file (--workforce-anchor NAME)")
    reasons: list[list[str]] = [[] for _ in range(n)]
    notes: list[list[str]] = [[] for _ in range(n)]
    anchors = [anchor_name or _text(v) for v in col("anchor")]
    for i, a in enumerate(anchors):
        if not a:
            reasons[i].append("no anchor name")
    postcodes = _each(col("postcode"), lambda v, _: normalise_postcode(_tabular.cell_text(v)),
                      notes)
    lsoas = _each(col("lsoa"), lambda v, _: _lsoa(v), notes)
    for i, raw in enumerate(col("postcode")):
        if postcodes[i] is None and lsoas[i] is None and _text(raw):
            notes[i].append("the home postcode is not a UK postcode: counted, not located")
    counts = _each(col("count"), _count, reasons) if "count" in mapping else [1] * n
    snaps = _each(col("snapshot"), lambda v, r: _date(v, "snapshot date", r), reasons)
    snaps = [s or snapshot for s in snaps]
    for i, s in enumerate(snaps):
        if s is None:
            reasons[i].append("no snapshot date: give the file's snapshot date (--snapshot)")
    starts = _each(col("start_date"), lambda v, r: _date(v, "start date", r), notes)
    given_new = _each(col("new_starter"), lambda v, r: _yes_no(v, "new starter", r), notes)
    new = np.zeros(n, bool)
    for i in range(n):
        if given_new[i] >= 0:
            new[i] = given_new[i] == 1
        elif starts[i] is not None and snaps[i] is not None:
            if starts[i] > snaps[i]:
                reasons[i].append("the start date is after the snapshot date")
            new[i] = (snaps[i] - starts[i]).days < NEW_STARTER_DAYS
    pay = np.array(_each(col("hourly_pay"), _pay, notes), np.int64)
    given_lw = np.array(_each(col("living_wage"), lambda v, r: _yes_no(v, "living wage", r),
                              notes), np.int8)
    bad = np.array([bool(r) for r in reasons], bool)
    keep = ~bad
    day_of = {s: _day_of(s) for s in set(snaps)}
    day = np.array([day_of[s] for s in snaps], np.int64)
    frame = pd.DataFrame({
        "anchor": pd.Series(anchors, dtype=object)[keep].to_numpy(object),
        "postcode": np.asarray(postcodes, object)[keep],
        "lsoa": np.asarray(lsoas, object)[keep],
        "count": np.asarray(counts, np.int64)[keep],
        "pay_pence": pay[keep],
        "living_wage_given": given_lw[keep],
        "new_starter": new[keep],
        "snapshot_day": day[keep],
        "source_file": table.name,
        "source_line": table.lines[keep],
    })
    rej = _notes(table, [("; ".join(r) if r else None) for r in reasons])
    rej = pd.concat([rej, pd.DataFrame({"source_file": table.name,
                                        "line": [u[0] for u in table.unsplit],
                                        "reason": [u[1] for u in table.unsplit]})],
                    ignore_index=True)
    flags = _notes(table, [("; ".join(r) if r and not bad[i] else None)
                           for i, r in enumerate(notes)])
    return frame, rej, flags


def _each(values: list[object], parse, reasons: list[list[str]]) -> list[object]:
    """``parse(value, reasons)`` of every cell, computed once per distinct cell (extracts repeat
    postcodes, dates and pay rates a lot); each row's reasons get what its cell's parse said."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    results, whys = [], []
    for u in uniques:
        why: list[str] = []
        results.append(parse(u, why))
        whys.append(why)
    for k in [k for k, w in enumerate(whys) if w]:
        for i in np.flatnonzero(codes == k):
            reasons[i].extend(whys[k])
    out = np.empty(len(results), object)
    out[:] = results
    return out[codes].tolist()


def _notes(table: _tabular.Table, reasons: list[str | None]) -> pd.DataFrame:
    pos = [i for i, r in enumerate(reasons) if r]
    return pd.DataFrame({"source_file": [table.name] * len(pos),
                         "line": table.lines[pos].astype(np.int64) if pos else
                         np.zeros(0, np.int64),
                         "reason": [reasons[i] for i in pos]})


def _text(value: object) -> str:
    return _tabular.cell_text(value)


def _lsoa(value: object) -> str | None:
    code = _text(value).upper().replace(" ", "")
    return code if _LSOA_CODE.fullmatch(code) else None


def _count(value: object, reasons: list[str]) -> int:
    text = _text(value).replace(",", "")
    try:
        n = float(text)
    except ValueError:
        reasons.append("the count is not a whole number" if text else "no count")
        return 0
    if n != int(n) or n < 1:
        reasons.append("the count is not a whole number of at least 1")
        return 0
    return int(n)


def _date(value: object, what: str, reasons: list[str]) -> date | None:
    if not _text(value):
        return None
    try:
        return parse_date(value)  # type: ignore[arg-type]
    except ValueError:
        reasons.append(f"the {what} is not a date")
        return None


def _yes_no(value: object, what: str, notes: list[str]) -> int:
    text = _text(value).strip().lower()
    if text in _UNKNOWN:
        return -1
    if text in _YES:
        return 1
    if text in _NO:
        return 0
    notes.append(f"'{what}' is neither yes nor no: counted as unknown")
    return -1


def _pay(value: object, notes: list[str]) -> int:
    """Hourly pay in pence; -1 when blank, unreadable or implausible (flagged, never shown)."""
    if not _text(value):
        return -1
    try:
        pence = parse_money(value)  # type: ignore[arg-type]
    except ValueError:
        notes.append("the hourly pay is not an amount: pay counted as unknown")
        return -1
    if pence <= 0:
        notes.append("the hourly pay is £0 or less: not a plausible hourly rate, pay counted "
                     "as unknown")
        return -1
    if pence >= MAX_HOURLY_PENCE:
        notes.append(f"the hourly pay is £{MAX_HOURLY_PENCE // 100} an hour or more: not a "
                     "plausible hourly rate (an annual salary?), pay counted as unknown")
        return -1
    return pence


def _day_of(d: date | None) -> int:
    return int(np.datetime64(d, "D").astype(np.int64)) if d is not None else 0


def _concat(frames: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    return pd.concat(frames, ignore_index=True)[list(columns)]
