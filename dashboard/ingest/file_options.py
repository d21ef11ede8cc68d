"""Per-file import settings: an import manifest beside a network's spend files.

A network imports its members' files together, and some files need a choice the others must not
get: the anchor's name for a file with no organisation column, a column mapping, the period of a
file with no dates, or the day/month order of a file that cannot show it. The manifest gives each
file (or each glob of file names) its own settings, in TOML::

    [[file]]
    name = "barts__*.xls*"
    anchor = "Barts Health NHS Trust"

    [[file]]
    name = "slough_april-2023.csv"
    period = "2023-04-01:2023-04-30"
    date_order = "day-first"
    columns = { amount = "Amount", supplier = "Vendor Name" }

or in CSV, one row per file: ``file,anchor,period,date_order,columns`` with columns written
``amount=Net Amount; date=Paid Date``. A file the manifest does not name takes the import's own
options (``--anchor-name``, ``--columns``, ``--period``).
"""
from __future__ import annotations

import csv
import fnmatch
import io
import os
import tomllib
from pathlib import Path

from dashboard.errors import InputError
from dashboard.ingest.io.spend import FileOptions, checked_columns, checked_order, checked_period

_KEYS = {"name", "file", "anchor", "anchor_name", "period", "date_order", "columns"}


def read_manifest(path: str | os.PathLike) -> dict[str, FileOptions]:
    """File name or glob -> FileOptions, from a TOML or CSV manifest; InputError when wrong."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: import manifest not found: check the path.")
    text = p.read_text(encoding="utf-8-sig")
    if p.suffix.lower() == ".toml":
        try:
            entries = tomllib.loads(text).get("file", [])
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{p.name}: is not valid TOML ({exc}): see docs/import-export.md "
                             "for the manifest's form.") from None
    else:
        entries = [_csv_entry(row) for row in csv.DictReader(io.StringIO(text))]
    out: dict[str, FileOptions] = {}
    for n, entry in enumerate(entries, start=1):
        name, opts = _entry(p.name, n, entry)
        out[name] = opts
    if not out:
        raise InputError(f"{p.name}: names no file: give one [[file]] entry (TOML) or one row "
                         "(CSV) per spend file.")
    return out


def _csv_entry(row: dict) -> dict:
    entry = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
    pairs = [p for p in entry.pop("columns", "").split(";") if p.strip()]
    if pairs:
        entry["columns"] = dict(_pair(p) for p in pairs)
    return {k: v for k, v in entry.items() if v != ""}


def _pair(text: str) -> tuple[str, str]:
    fld, sep, header = text.partition("=")
    if not sep:
        raise InputError(f"import manifest: columns {text.strip()!r}: write FIELD=HEADER.")
    return fld.strip(), header.strip()


def _entry(source: str, n: int, entry: dict) -> tuple[str, FileOptions]:
    """One manifest entry checked: the same rules and messages as the command line's options."""
    where = f"{source}, entry {n}"
    unknown = set(entry) - _KEYS
    if unknown:
        raise InputError(f"{where}: unknown setting {', '.join(sorted(unknown))}: use name, "
                         "anchor, period, date_order and columns.")
    name = str(entry.get("name") or entry.get("file") or "").strip()
    if not name:
        raise InputError(f"{where}: gives no file name (name = \"...\").")
    try:
        period = entry.get("period")
        span = None
        if period:
            start, sep, end = str(period).partition(":")
            if not sep:
                raise InputError(f"period {period!r}: write FROM:TO as YYYY-MM-DD:YYYY-MM-DD")
            span = checked_period((start.strip(), end.strip()))
        opts = FileOptions(
            anchor_name=str(entry.get("anchor") or entry.get("anchor_name") or "").strip()
            or None,
            columns=checked_columns(entry.get("columns") or {}),
            period=span,
            date_order=checked_order(entry.get("date_order")),
        )
    except InputError as exc:
        raise InputError(f"{where} ({name}): {exc}") from None
    return name, opts


def options_for(name: str, manifest: dict[str, FileOptions] | None) -> FileOptions | None:
    """The manifest's settings for a file: its exact name first, then the first glob matching."""
    if not manifest:
        return None
    if name in manifest:
        return manifest[name]
    for pattern, opts in manifest.items():
        if fnmatch.fnmatchcase(name, pattern):
            return opts
    return None


def to_record(opts: FileOptions) -> dict:
    """FileOptions as saved in a data set's manifest (so `import --add` keeps each file's own)."""
    return {"anchor_name": opts.anchor_name, "columns": dict(opts.columns) or None,
            "period": [d.isoformat() for d in opts.period] if opts.period else None,
            "date_order": opts.date_order}


def from_record(record: dict | None) -> FileOptions | None:
    """The FileOptions saved by ``to_record`` (None for a file saved before they were kept)."""
    if not record:
        return None
    period = record.get("period")
    return FileOptions(anchor_name=record.get("anchor_name"),
                       columns=dict(record.get("columns") or {}),
                       period=checked_period(tuple(period)) if period else None,
                       date_order=record.get("date_order"))
