"""Files for imports made in the page: one folder per upload, previews of uploaded spend files as
the reader will see them, and the reference files taken from the server. No web framework here: the
streaming upload route that fills these folders is ``dashboard.serve.uploads``.

Uploads never travel through a Dash callback (``dcc.Upload`` sends base64 inside the callback JSON:
4/3 larger, held in memory, its ``max_size`` checked only in the browser). ``assets/upload.js``
sends each file as the raw body of ``POST <prefix>upload?kind=spend|suppliers&name=...&batch=...``
with XMLHttpRequest (whose progress events drive the page's progress bar), and the route streams
it to disk through ``UploadStore.save`` in 1 MB chunks, counting bytes against ``upload_limit_mb``
as they arrive.

On disk, under ``<networks_dir>/.uploads`` (hidden from the data set listing, beside ``.jobs``, so
every worker on the machine sees the same files)::

    <batch>/spend/000/<safe name>      one folder per spend file: files of one name never collide
    <batch>/spend/000/info.json        name as given, size, sha256, when
    <batch>/suppliers/<safe name>      the supplier register (a new one replaces it), info.json

The batch id (32 random hex digits, made here) is the only handle a browser holds and is checked by
pattern before any path is built; file names go through ``filenames.safe_filename`` (no folder, no
``..``, no control characters); every path is checked to stay inside the uploads folder. A file
with the same content as one already in the batch is refused at once. Batches older than a day are
removed when a new one is made.
"""
from __future__ import annotations

import errno
import glob
import gzip
import hashlib
import json
import os
import re
import secrets
import shutil
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from dashboard.errors import InputError
from dashboard.ingest.caps import MAX_CELL_CHARS, check_columns, clip
from dashboard.ingest.filenames import safe_filename
from dashboard.ingest.io import _tabular
from dashboard.ingest.io import spend as sp

KINDS = ("spend", "suppliers")
EXTENSIONS = (".csv", ".xlsx", ".txt", ".tsv", ".csv.gz", ".txt.gz", ".tsv.gz")
MAX_FILES = 400                     # spend files in one upload
KEEP_S = 86400                      # batches older than this are removed
CHUNK = 1 << 20
HEAD_BYTES = 256 * 1024             # of a CSV read for its preview
PREVIEW_ROWS = 5
_BATCH = re.compile(r"[0-9a-f]{32}")


class UploadError(Exception):
    """An upload refused, with the HTTP status to answer and a message for the page."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class UploadedFile:
    """One file of a batch as stored."""

    kind: str
    index: int
    name: str          # the safe name it is stored (and reported) under
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class Batch:
    """The files of one upload: spend files in upload order and the optional register."""

    batch: str
    spend: tuple[UploadedFile, ...] = ()
    suppliers: UploadedFile | None = None


class UploadStore:
    """Per-upload folders under `folder` (created on first use)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    # ------------------------------------------------------------------ batches
    def new_batch(self) -> str:
        """A fresh batch id (its folder is made with the first file); old batches are removed."""
        self.cleanup()
        return secrets.token_hex(16)

    def batch_dir(self, batch: object) -> Path:
        """The folder of a batch id; UploadError for anything but 32 hex digits."""
        if not isinstance(batch, str) or not _BATCH.fullmatch(batch):
            raise UploadError(400, "this upload is not known: choose the files again")
        return self.folder / batch

    def cleanup(self, older_than_s: float = KEEP_S) -> int:
        """Remove batches not touched for `older_than_s` seconds; returns how many."""
        if not self.folder.is_dir():
            return 0
        removed, now = 0, time.time()
        for entry in self.folder.iterdir():
            if _BATCH.fullmatch(entry.name) and now - entry.stat().st_mtime > older_than_s:
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
        return removed

    # ------------------------------------------------------------------ files
    def save(self, batch: str, kind: str, name: str, stream: BinaryIO, length: int | None,
             limit: int) -> UploadedFile:
        """Stream one file into the batch; UploadError when it is too big, empty, cut short,
        of a type the reader cannot read, or the same content as a file already there."""
        if kind not in KINDS:
            raise UploadError(400, f"unknown kind of file {kind!r}: spend or suppliers")
        safe = safe_filename(name, default="upload.csv")
        if not safe.lower().endswith(EXTENSIONS):
            raise UploadError(415, f"{safe} is not a CSV or XLSX file: save it as CSV (.csv) or "
                                   "Excel workbook (.xlsx) and upload it again")
        folder = self.batch_dir(batch)
        if length is not None and length > limit:
            raise UploadError(413, too_big(safe, length, limit))
        try:
            target_dir = self._new_slot(folder, kind)
        except OSError as exc:
            raise _disk_full(exc, safe) from None
        tmp = target_dir / f".part-{secrets.token_hex(4)}"
        digest, total = hashlib.sha256(), 0
        try:
            with open(tmp, "wb") as out:
                while chunk := stream.read(CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise UploadError(413, too_big(safe, total, limit))
                    digest.update(chunk)
                    out.write(chunk)
            if total == 0:
                raise UploadError(422, f"{safe} is empty: choose the file with the data")
            if length is not None and total != length:
                raise UploadError(400, f"the upload of {safe} was cut short: try again")
            sha = digest.hexdigest()
            same = next((f for f in self.files(batch).spend if f.sha256 == sha), None)
            if kind == "spend" and same is not None:
                raise UploadError(409, f"{safe} has the same content as {same.name}, already "
                                       "uploaded: it was not added again")
            if kind == "suppliers":   # one register: the new one replaces the old
                for old in target_dir.parent.glob("*"):
                    if old != target_dir:
                        shutil.rmtree(old, ignore_errors=True)
            os.replace(tmp, target_dir / safe)
            info = {"name": safe, "size": total, "sha256": sha,
                    "uploaded": datetime.now(UTC).isoformat(timespec="seconds")}
            (target_dir / "info.json").write_text(json.dumps(info))
        except OSError as exc:
            shutil.rmtree(target_dir, ignore_errors=True)
            raise _disk_full(exc, safe) from None
        except BaseException:
            shutil.rmtree(target_dir, ignore_errors=True)
            raise
        os.utime(folder)   # the batch is in use: not cleaned up for another day
        return UploadedFile(kind, int(target_dir.name), safe, target_dir / safe, total, sha)

    def _new_slot(self, folder: Path, kind: str) -> Path:
        """A new numbered folder for one file (mkdir is atomic: two uploads never share one)."""
        parent = folder / kind
        parent.mkdir(parents=True, exist_ok=True)
        taken = [int(p.name) for p in parent.iterdir() if p.name.isdigit()]
        if kind == "spend" and len(taken) >= MAX_FILES:
            raise UploadError(409, f"at most {MAX_FILES} spend files in one import")
        n = max(taken, default=-1) + 1
        while True:
            try:
                slot = parent / f"{n:03d}"
                slot.mkdir()
                return slot
            except FileExistsError:
                n += 1

    def files(self, batch: str) -> Batch:
        """The complete files of a batch (an upload still running is not listed)."""
        folder = self.batch_dir(batch)
        found: dict[str, list[UploadedFile]] = {k: [] for k in KINDS}
        for kind in KINDS:
            parent = folder / kind
            if not parent.is_dir():
                continue
            for slot in sorted(parent.iterdir()):
                info_path = slot / "info.json"
                if not slot.name.isdigit() or not info_path.is_file():
                    continue
                try:
                    info = json.loads(info_path.read_text())
                except (OSError, ValueError):
                    continue
                path = slot / safe_filename(info.get("name"), default="upload.csv")
                if path.is_file() and _inside(path, self.folder):
                    found[kind].append(UploadedFile(kind, int(slot.name), path.name, path,
                                                    int(info.get("size") or 0),
                                                    str(info.get("sha256") or "")))
        register = found["suppliers"][-1] if found["suppliers"] else None
        return Batch(batch, tuple(found["spend"]), register)

    def remove(self, batch: str, kind: str, index: int) -> None:
        """Remove one file from a batch (nothing happens when it is not there)."""
        if kind not in KINDS or not isinstance(index, int) or index < 0:
            return
        slot = self.batch_dir(batch) / kind / f"{index:03d}"
        if _inside(slot, self.folder):
            shutil.rmtree(slot, ignore_errors=True)


def _disk_full(exc: OSError, name: str) -> Exception:
    """A full disk (or quota) said plainly as a 507 with no server path; other errors as they are."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UploadError(507, f"{name} was not kept: the server's disk for uploads is full. "
                                "Tell the dashboard's administrator; nothing else was changed.")
    return exc


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def too_big(name: str, size: int, limit: int) -> str:
    """The message for a file over the limit, in MB as people say it."""
    return (f"{name} is {size / 2**20:,.0f} MB or more: files up to {limit / 2**20:,.0f} MB can "
            "be uploaded (split it by period, or ask for a higher upload_limit_mb)")


# --------------------------------------------------------------------------- previews
@dataclass(frozen=True)
class Preview:
    """A spend file as the import will read it: its header, first rows and column mapping."""

    name: str
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    mapping: dict[str, str] = field(default_factory=dict)   # field -> header
    error: str | None = None                                # why the import would stop
    sheet: str | None = None


def preview_spend(path: str | os.PathLike, *, columns: dict[str, str] | None = None,
                  anchor_name: str | None = None, period: tuple | None = None) -> Preview:
    """The header, first rows and FIELD -> HEADER mapping of a spend file, found by the spend
    reader's own functions (header row, synonyms, explicit columns), and the reader's message
    when the file could not be imported as it stands. Reads only the head of a CSV."""
    p = Path(path)
    stat = p.stat()
    key = tuple(sorted((columns or {}).items()))
    return _preview(str(p), stat.st_mtime_ns, stat.st_size, key, (anchor_name or "").strip(),
                    tuple(period) if period else None)


@lru_cache(maxsize=256)
def _preview(path: str, _mtime: int, _size: int, columns: tuple, anchor_name: str,
             period: tuple | None) -> Preview:
    name = Path(path).name
    try:
        cols = sp.checked_columns(dict(columns))
        span = sp.checked_period(period) if period else None
        data = head_bytes(path)
        finder, missing = sp.header_finder(cols), sp.missing_header(cols)
        if data.startswith(b"PK\x03\x04"):
            table = _readable_xlsx_head(name, data, finder, missing)
        else:
            table = _tabular.read_table(name, data, finder, missing, max(len(data), 1))
        check_columns(name, len(table.header))   # 200,000 columns: said, not a 21 MB answer
    except InputError as exc:   # cut: a message may list every header of a very wide file
        return Preview(name, error=clip(str(exc), MAX_CELL_CHARS))
    positions = sp.table_mapping(table, cols, anchor_name or None)
    error = None
    try:
        sp.require(table, positions, span, anchor_name or None)
    except InputError as exc:
        error = clip(str(exc), MAX_CELL_CHARS)
    n = min(PREVIEW_ROWS, len(table))
    rows = tuple(tuple(clip(_tabular.cell_text(col.iloc[i])) for col in table.columns)
                 for i in range(n))   # cells cut for the page (the import reads them whole)
    return Preview(name, tuple(clip(h, MAX_CELL_CHARS) for h in table.header), rows,
                   {f: table.header[i] for f, i in positions.items()}, error, table.sheet)


def head_bytes(path: str | os.PathLike, limit: int = HEAD_BYTES) -> bytes:
    """The start of a file's content (gzip decompressed), cut after its last whole line; an XLSX
    workbook is read whole (a zip cannot be read from its start alone)."""
    with open(path, "rb") as fh:
        magic = fh.read(4)
        fh.seek(0)
        if magic.startswith(b"PK\x03\x04"):
            return fh.read()
        try:
            stream = gzip.GzipFile(fileobj=fh) if magic[:2] == b"\x1f\x8b" else fh
            data = stream.read(limit + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{Path(path).name}: is a damaged gzip file ({exc}): download it "
                             "again") from None
    if len(data) <= limit:
        return data
    cut = data.rfind(b"\n", 0, limit)
    return data[:cut + 1] if cut > 0 else data[:limit]


def _readable_xlsx_head(name: str, data: bytes, finder, missing):
    """`_xlsx_head`, with a workbook whose XML cannot be parsed (malformed, or with a DTD or
    entities, which defusedxml refuses) said plainly rather than a 500 from the mapping step."""
    try:
        return _xlsx_head(name, data, finder, missing)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure: the file cannot be read
        raise InputError(f"{name}: could not be read as an Excel workbook (its XML is damaged, or "
                         "uses a DTD or entities, which are refused for safety; "
                         f"{type(exc).__name__}): open it in Excel and save it again as .xlsx, "
                         "or save it as CSV") from None


def _xlsx_head(name: str, data: bytes, finder, missing):
    """The first rows below the header of the first sheet that has one, read by the reader's own
    XLSX function (so the preview shows formula cells as the import will read them)."""
    return _tabular.read_xlsx(name, data, finder, missing, len(data), max_rows=PREVIEW_ROWS)


# --------------------------------------------------------------------------- reference files
#: Sources fields the import takes from the server, the setting naming each, and whether an
#: import cannot run without it.
REFERENCE = (("postcodes", "reference_postcodes", True), ("imd", "reference_imd", True),
             ("population", "reference_population", False),
             ("wards", "reference_wards", False), ("lsoas", "reference_lsoas", False),
             ("lsoa_lookup", "reference_lsoa_lookup", False))
ORIGIN_DATASET, ORIGIN_SETTINGS = "dataset", "settings"
NO_REFERENCE_DIR = ("the server's reference folder (reference_dir) does not exist yet: "
                    "`python -m dashboard reference` makes it and installs the postcode "
                    "directory and deprivation files into it (docs/deployment.md)")


@dataclass(frozen=True)
class References:
    """The reference files an import from the page will use, where they come from, and what is
    wrong with the configuration (shown to the user; names only, never server paths)."""

    files: dict[str, Path | list[Path]] = field(default_factory=dict)
    origin: str = ""
    problems: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return bool(self.files.get("postcodes")) and bool(self.files.get("imd"))

    def names(self) -> dict[str, list[str]]:
        """Field -> file names, for the page."""
        return {f: [Path(p).name for p in (v if isinstance(v, list) else [v])]
                for f, v in self.files.items()}


def reference_files(meta: dict, settings) -> References:
    """The reference files for an import made in the page.

    First those the data set shown recorded (``sources.reference``, absolute paths) when its
    postcode directory and deprivation file still exist there: a new import then has the same
    geography and vintages as the page it was started from. Otherwise the files the settings
    name (``reference_dir`` and the ``reference_*`` patterns).
    """
    recorded = _recorded(meta)
    if recorded.get("postcodes") and recorded.get("imd"):
        return References(recorded, ORIGIN_DATASET)
    return configured_references(settings)


def _recorded(meta: dict) -> dict[str, Path | list[Path]]:
    refs = ((meta or {}).get("sources") or {}).get("reference") or {}
    out: dict[str, Path | list[Path]] = {}
    for fld, _setting, _required in REFERENCE:
        entry = refs.get(fld)
        entries = entry if isinstance(entry, list) else [entry] if entry else []
        paths = [Path(e["path"]) for e in entries if isinstance(e, dict) and e.get("path")]
        if paths and all(p.is_file() for p in paths):
            out[fld] = paths if isinstance(entry, list) else paths[0]
    return out


def configured_references(settings) -> References:
    """The reference files the settings name, with a problem line for each required file that
    is missing and each pattern that matches more than one file where one is expected."""
    base = Path(settings.reference_dir)
    if not base.is_dir():
        return References({}, ORIGIN_SETTINGS, (NO_REFERENCE_DIR,))
    files: dict[str, Path | list[Path]] = {}
    problems = []
    for fld, setting, required in REFERENCE:
        patterns = str(getattr(settings, setting) or "").split()
        found = sorted({Path(p) for pat in patterns
                        for p in glob.glob(os.path.join(base, pat), recursive=True)
                        if Path(p).is_file()})
        what = fld.replace("_", " ")
        if fld == "postcodes" and found:
            files[fld] = found
        elif len(found) == 1:
            files[fld] = found[0]
        elif len(found) > 1:
            names = ", ".join(p.name for p in found[:4]) + (" ..." if len(found) > 4 else "")
            problems.append(f"{len(found)} files match {setting} ({names}): set it to one file")
        elif required and patterns:
            problems.append(f"no {what} file matches {setting} in the reference folder")
        elif required:
            problems.append(f"{setting} is empty: the import needs a {what} file")
    return References(files, ORIGIN_SETTINGS, tuple(problems))


def imports_enabled(settings) -> bool:
    """Whether the page may import: the `imports` setting is on and networks_dir can be written
    (a read-only mount, as in the Docker example, turns the import form into a sentence)."""
    if not settings.imports:
        return False
    folder = Path(settings.networks_dir)
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def uploads_folder(settings) -> Path:
    """Where uploads go: hidden beside the data sets (and beside jobs.py's ``.jobs``)."""
    return Path(settings.networks_dir) / ".uploads"


def jobs_folder(settings) -> Path:
    return Path(settings.networks_dir) / ".jobs"
