"""Pure helpers for the data panel: the import report, the sources of a data set, an import job's
progress, the column mapping step and the reader's messages in the page's words (no Dash import).

Everything here reads plain dicts (a manifest's ``meta``, a job's status, previews of uploaded
files), so the page's words and numbers are testable without a server or a browser.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dashboard.ingest.parse import FIELDS, parse_date
from dashboard.ingest.reading import reading_notes

#: Field names as a council officer reads them, in the order the mapping step shows them.
FIELD_LABELS: dict[str, str] = {
    "anchor": "Anchor (the organisation paying)",
    "date": "Payment date",
    "amount": "Amount",
    "supplier": "Supplier name",
    "supplier_id": "Supplier ID",
    "postcode": "Supplier postcode",
    "category": "Spend category",
    "service": "Service or department",
    "capital_revenue": "Capital or revenue",
    "reference": "Transaction reference",
}
REQUIRED = ("date", "amount", "supplier")
SOURCE_LABELS = {"postcodes": "Postcode directory", "imd": "Indices of Deprivation (File 1)",
                 "population": "Population denominators", "wards": "Ward boundaries",
                 "lsoas": "LSOA boundaries", "lsoa_lookup": "LSOA 2011 to 2021 lookup",
                 "ward_lookup": "LSOA to ward lookup"}
VINTAGE_LABELS = {"index": "Deprivation index", "imd_file": "Deprivation file",
                  "imd_lsoa_vintage": "LSOA vintage of the index",
                  "postcodes_lsoa_vintage": "LSOA vintage of the postcode directory",
                  "wards": "Ward boundaries vintage", "lsoas": "LSOA boundaries vintage"}
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")   # as catalog.NAME_PATTERN (a test checks)

# The readers' messages name command line options; the page has boxes and a mapping step instead.
_PAGE_WORDS = (
    (re.compile(r"name the columns with --columns FIELD=HEADER, "
                r"e\.g\. --columns amount=\"[^\"]*\""), "choose the columns in the column mapping"),
    (re.compile(r"Name the columns with --columns FIELD=HEADER, "
                r"e\.g\. --columns amount=\"[^\"]*\""), "Choose the columns in the column mapping"),
    (re.compile(r"Use one of these in --columns FIELD=HEADER\."),
     "Choose one of these in the column mapping."),
    (re.compile(r"\(--columns FIELD=HEADER\)"), "(the column mapping)"),
    (re.compile(r"give the anchor name \(--anchor-name\), e\.g\. --anchor-name (\"[^\"]*\")"),
     r"give the anchor name in the import form, e.g. \1"),
    (re.compile(r"\(--anchor-name\)"), "(the anchor name box)"),
    (re.compile(r"give its period: --period FROM:TO"), "give its period in the import form"),
    (re.compile(r"\(--period FROM:TO\)"), "(the period boxes of the import form)"),
    (re.compile(r" \(--(postcodes|imd|lsoa-lookup|lsoas|wards|population)\)"),
     " (a reference file on the server)"),
    (re.compile(r"`python -m dashboard export \S+ --what unlocated`"),
     "the page's list of suppliers not located"),
    (re.compile(r" and import again with --suppliers"), " and import again with it"),
)


def page_message(text: object) -> str:
    """A reader's or importer's message with command line options put in the page's words.

    >>> page_message("a.csv: give the anchor name (--anchor-name), e.g. --anchor-name \\"Ox\\".")
    'a.csv: give the anchor name in the import form, e.g. "Ox".'
    """
    out = str(text)
    for pattern, words in _PAGE_WORDS:
        out = pattern.sub(words, out)
    return out


def file_size(n: int | float | None) -> str:
    """Bytes as people say them.

    >>> file_size(812), file_size(6_815_744), file_size(None)
    ('812 bytes', '6.5 MB', '—')
    """
    if n is None:
        return "—"
    n = float(n)
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{int(n):,} bytes"


def count(n: int | float | None) -> str:
    return "—" if n is None else f"{int(n):,}"


def short_sha(sha: object) -> str:
    """The first 12 hex digits of a checksum (enough to tell files apart on a page)."""
    return str(sha or "")[:12] or "—"


# --------------------------------------------------------------------------- names and options
def check_name(name: object, existing: Iterable[str], add_to: bool) -> tuple[str | None, str]:
    """(problem or None, what the import will do) for a data set name typed in the form."""
    text = str(name or "").strip()
    if not text:
        return "Give the data set a name, e.g. oxford-2024.", ""
    if not NAME_PATTERN.fullmatch(text):
        return (f"{text!r} cannot be a data set name: use 1 to 64 letters, digits, - or _ "
                "(e.g. oxford-2024)."), ""
    there = text in set(existing)
    if add_to and not there:
        return f"There is no data set {text!r} to add files to: untick 'Add' to make it.", ""
    if add_to:
        return None, (f"The files will be added to data set {text!r}; files already in it are "
                      "refused, and its reference files and register are kept unless you "
                      "upload a new register.")
    if there:
        return None, (f"Data set {text!r} exists: importing replaces it with these files (tick "
                      "'Add' to add them to it instead). Its current version stays until the new "
                      "one is complete.")
    return None, f"A new data set {text!r} will be made."


def parse_period(start: object, end: object) -> tuple[tuple[date, date] | None, str | None]:
    """((from, to) or None, problem or None) from the form's two period boxes (dd/mm/yyyy)."""

    texts = [str(v or "").strip() for v in (start, end)]
    if not any(texts):
        return None, None
    if not all(texts):
        return None, "Give both ends of the period (from and to), or neither."
    try:
        d0, d1 = (parse_date(t) for t in texts)
    except (TypeError, ValueError):
        return None, "Write the period's dates as day/month/year, e.g. 01/04/2014."
    if d1 < d0:
        return None, "The period ends before it starts."
    return (d0, d1), None


def mapping_overrides(values: Mapping[str, Any]) -> dict[str, str] | None:
    """FIELD -> HEADER for the fields the user chose in the mapping step (None = as detected)."""
    out = {f: str(v).strip() for f, v in values.items()
           if f in FIELDS and isinstance(v, str) and v.strip()}
    return out or None


# --------------------------------------------------------------------------- the mapping step
@dataclass(frozen=True)
class FieldRow:
    """One field of the mapping step: the columns the files use for it, and files lacking it."""

    field: str
    label: str
    used: tuple[tuple[str, int], ...]     # (header, number of files), most files first
    missing: int                          # files with no column for it
    required: bool


def mapping_rows(previews: Iterable[Any], anchor_name: str | None = None,
                 period: bool = False) -> list[FieldRow]:
    """Per field, which header each previewed file maps to it (previews: ``uploads.Preview``)."""
    previews = [p for p in previews if p.header]
    rows = []
    for fld, label in FIELD_LABELS.items():
        used: dict[str, int] = {}
        for p in previews:
            if fld in p.mapping:
                used[p.mapping[fld]] = used.get(p.mapping[fld], 0) + 1
        required = fld in REQUIRED or (fld == "anchor" and not anchor_name)
        if fld == "date" and period:
            required = False
        if fld == "supplier" and all("supplier_id" in p.mapping for p in previews):
            required = False
        rows.append(FieldRow(fld, label, tuple(sorted(used.items(), key=lambda kv: -kv[1])),
                             len(previews) - sum(used.values()), required))
    return rows


def headers_of(previews: Iterable[Any]) -> list[str]:
    """Every header of the previewed files, once each, in first-seen order (mapping choices)."""
    seen: dict[str, None] = {}
    for p in previews:
        for h in p.header:
            if h.strip():
                seen.setdefault(h, None)
    return list(seen)


# --------------------------------------------------------------------------- import jobs
@dataclass(frozen=True)
class JobView:
    """An import job as the progress bar and its message show it."""

    state: str           # queued, running, done, failed
    percent: int
    message: str
    finished: bool
    error: str | None = None


def job_view(status: Mapping[str, Any] | None) -> JobView:
    """The progress bar's value and words for a job status (``jobs.job_status``)."""
    if not status:
        return JobView("", 0, "", True)
    state = str(status.get("state") or "queued")
    percent = int(round(100 * float(status.get("progress") or 0)))
    message = str(status.get("message") or "")
    if state == "done":
        return JobView(state, 100, "Import finished.", True)
    if state == "failed":
        error = page_message(status.get("error") or "the import failed")
        return JobView(state, percent, "The import stopped.", True, error)
    words = {"queued": "Waiting to start", "running": "Importing"}[state] if state in (
        "queued", "running") else state
    return JobView(state, percent, f"{words}: {message}" if message else words, False)


# --------------------------------------------------------------------------- the import report
@dataclass(frozen=True)
class ReportView:
    """A data set's import report, as the page lists it."""

    rows_read: int
    rows_accepted: int
    rows_rejected: int
    files: list[dict] = field(default_factory=list)        # name, read, accepted, rejected, note
    reasons: list[dict] = field(default_factory=list)      # reason, rows, example
    duplicates: list[str] = field(default_factory=list)
    suppliers: dict[str, int] = field(default_factory=dict)
    unlocated_listed: int = 0


def import_report(meta: Mapping[str, Any]) -> ReportView | None:
    """The report of the import that made a data set (its manifest's ``meta``), None if none."""
    report = (meta or {}).get("import") or {}
    files = report.get("files") or []
    if not files and "rows_read" not in report:
        return None
    rows = []
    for f in files:
        note = (f"same content as {f['duplicate_of']}: not counted" if f.get("duplicate_of")
                else "; ".join(reading_notes(f)))
        rows.append({"name": str(f.get("name") or ""), "read": f.get("rows_read"),
                     "accepted": f.get("rows_accepted"), "rejected": f.get("rows_rejected"),
                     "note": note})
    read = report.get("rows_read")
    if read is None:
        read = sum(int(r["read"] or 0) for r in rows)
    accepted = report.get("rows_accepted")
    if accepted is None:
        accepted = sum(int(r["accepted"] or 0) for r in rows)
    rejected = meta.get("rows_rejected")
    if rejected is None:
        rejected = sum(int(r["rejected"] or 0) for r in rows)
    reasons = [{"reason": page_message(r.get("reason", "")), "rows": int(r.get("rows") or 0),
                "example": str(r.get("example") or "")} for r in report.get("rejected_reasons")
               or []]
    duplicates = [page_message(d.get("message") or d.get("name") or "")
                  for d in report.get("duplicates_refused") or []]
    s = report.get("suppliers") or {}
    suppliers = {k: int(s[k]) for k in ("total", "located", "no_postcode", "postcode_not_found",
                                        "in_a_ward", "individuals") if isinstance(s.get(k), int)}
    return ReportView(int(read), int(accepted), int(rejected), rows, reasons, duplicates,
                      suppliers, int(report.get("unlocated_listed") or 0))


# --------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class SourcesView:
    """Where a data set's figures come from, as the page shows them."""

    imported: str | None
    spend: list[dict]          # name, size, sha256, read, accepted, rejected
    register: dict | None      # name, size, sha256
    reference: list[dict]      # what, name, size, sha256
    vintages: list[tuple[str, str]]
    attribution: str


def sources_view(meta: Mapping[str, Any]) -> SourcesView:
    """The sources a manifest records: spend files with checksums and counts, the supplier
    register, reference files, vintages and attribution. Older manifests (names only) work too."""
    meta = meta or {}
    src = meta.get("sources") or {}
    spend = []
    for f in src.get("spend") or []:
        f = f if isinstance(f, dict) else {"name": f}
        spend.append({"name": str(f.get("name") or ""), "size": f.get("size"),
                      "sha256": f.get("sha256"), "read": f.get("rows_read"),
                      "accepted": f.get("rows_accepted"), "rejected": f.get("rows_rejected")})
    register = src.get("suppliers")
    if isinstance(register, str):
        register = {"name": register}
    reference = []
    recorded = src.get("reference") or {}
    for key, label in SOURCE_LABELS.items():
        entries = recorded.get(key) if recorded else None
        if entries is None and not recorded:
            entries = src.get(key)   # an older manifest: names only
        for e in (entries if isinstance(entries, list) else [entries] if entries else []):
            e = e if isinstance(e, dict) else {"name": e}
            reference.append({"what": label, "name": str(e.get("name") or ""),
                              "size": e.get("size"), "sha256": e.get("sha256")})
    vintages = [(VINTAGE_LABELS[k], str(v)) for k, v in (meta.get("vintages") or {}).items()
                if k in VINTAGE_LABELS and v]
    if not vintages:
        for key, label in (("imd_lsoa_vintage", "LSOA vintage of the index"),
                           ("ward_vintage", "Ward boundaries vintage")):
            if src.get(key):
                vintages.append((label, str(src[key])))
    imported = meta.get("imported") or meta.get("saved")
    return SourcesView(str(imported)[:19].replace("T", " ") if imported else None, spend,
                       register if isinstance(register, dict) else None, reference, vintages,
                       str(meta.get("attribution") or ""))
