"""Bring your own data: import a network's files into a named, saved data set, and keep them.

``import_dataset(name, sources)`` builds a data set with the same pipeline as the command line
(``pipeline.build_from_files``), records where every figure comes from in the manifest (each file's
name, sha256 and size, rows read, accepted and rejected, vintages, the import report, the suppliers
that could not be located) and swaps it in atomically.

Layout under the root (default ``data/networks``)::

    NAME -> .NAME.v20260501T120000-1234     a symbolic link to the current version
    .NAME.v20260501T120000-1234/            one version: a saved data set (see store.py) plus
        sources/spend/000.gz ...            gzip copies of the spend files as uploaded
        sources/suppliers.gz                and of the supplier register
    .NAME.lock                              held (flock) while an import of NAME runs

Why a link: replacing it (``os.replace`` of a symlink) is one atomic rename, so a reader sees the
old version or the new one, never a gap, and an import that fails or is killed at any point leaves
the previous version exactly as it was (``store.save_dataset`` swaps folders with two renames, which
leaves a moment with no folder at all). The previous version is kept after a swap, so a worker that
loaded it can still export its details; older versions are removed.

Why keep copies of the spend files: "add more files to this data set" must re-import everything (the
supplier table, wards and totals depend on all rows), and the raw files are otherwise gone after an
upload. Reference files (postcode directory, deprivation, boundaries) are large and public: they are
recorded by path and checksum and reused from there, not copied.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import gzip
import hashlib
import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.errors import InputError
from dashboard.ingest.filenames import safe_filename
from dashboard.ingest.io.spend import unique_name
from dashboard.engine.model import NO, YES, Dataset
from dashboard.ingest.pipeline import Built, Sources, build_from_files

DEFAULT_ROOT = Path("data/networks")
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
LOCK_WAIT_S = 3.0   # a killed import's lock is released as its process exits: wait that long
PAUSE_ENV = "ANCHOR_IMPORT_TEST_PAUSE"   # test hook: seconds to sleep before the swap
REFERENCE_FIELDS = ("postcodes", "imd", "wards", "lsoas", "lsoa_lookup", "population",
                    "ward_lookup")
REGISTER_COLUMNS = ("Supplier Name", "Supplier ID", "Postcode", "SME", "VCSE", "Individual",
                    "Reason", "Spend £", "Transactions")
_PERSON_TITLE = re.compile(r"^(MR|MRS|MS|MISS|MX|DR|PROF|REV|SIR|DAME|LADY|LORD)\b[ .]",
                           re.IGNORECASE)
_CHUNK = 1 << 20

Progress = Callable[[float, str], None]
SpendItem = str | os.PathLike | tuple[str, bytes]


# --------------------------------------------------------------------------- names and folders
def validate_name(name: str) -> str:
    """`name` when it is 1-64 letters, digits, ``-`` or ``_``; InputError otherwise.

    Data set names become folder names: this keeps "../x", "a/b", hidden names and empty names out.
    """
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise InputError(f"data set name {name!r} is not allowed: use 1 to 64 letters, digits, "
                         "'-' or '_' (for example oxford-2024)")
    return name


def dataset_folder(name: str, root: str | os.PathLike = DEFAULT_ROOT) -> Path:
    """The folder (the current version, links resolved) of data set `name`; InputError if none."""
    link = Path(root) / validate_name(name)
    if not (link / "manifest.json").exists():
        raise InputError(f"no data set named {name!r} in {root}: see `python -m dashboard "
                         "datasets`, or import one with `python -m dashboard import`")
    return link.resolve()


def dataset_version(name: str, root: str | os.PathLike = DEFAULT_ROOT) -> str | None:
    """An id of the current version of `name` (changes with every import), None if absent.

    Cheap (one readlink): a web worker can call it per request to notice a re-import.
    """
    link = Path(root) / validate_name(name)
    if link.is_symlink():
        return os.readlink(link)
    return str(link.stat().st_mtime_ns) if (link / "manifest.json").exists() else None


def open_dataset(name: str, root: str | os.PathLike = DEFAULT_ROOT) -> Dataset:
    """Load data set `name` read-only from its current version folder.

    ``meta["folder"]`` is the version folder itself (not the link), so exports of this loaded
    copy keep reading its own details even after a later import swaps a new version in.
    """
    from dashboard.ingest.store import load_dataset

    return load_dataset(dataset_folder(name, root))


def list_datasets(root: str | os.PathLike = DEFAULT_ROOT) -> list[dict]:
    """The saved data sets under `root`: name, title, saved date, transactions, anchors, years."""
    root = Path(root)
    if not root.is_dir():
        return []
    out = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or not (entry / "manifest.json").exists():
            continue
        try:
            manifest = json.loads((entry / "manifest.json").read_text())
        except (OSError, ValueError):
            continue
        meta = manifest.get("meta", {})
        counts = meta.get("counts") or {}
        out.append({
            "name": entry.name,
            "title": meta.get("title") or manifest.get("name") or entry.name,
            "saved": manifest.get("saved"),
            "transactions": counts.get("transactions", _arrow_rows(entry)),
            "anchors": counts.get("anchors"),
            "years": manifest.get("years", []),
        })
    return out


def _arrow_rows(folder: Path) -> int | None:
    try:
        import pyarrow as pa

        with pa.memory_map(str(folder / "transactions.arrow"), "r") as source:
            reader = pa.ipc.open_file(source)
            return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
    except (OSError, ValueError, ImportError):
        return None


def read_manifest(folder: str | os.PathLike) -> dict:
    """The manifest of a saved data set folder (or link)."""
    path = Path(folder) / "manifest.json"
    if not path.exists():
        raise InputError(f"{folder} is not a saved data set (no manifest.json)")
    return json.loads(path.read_text())


# --------------------------------------------------------------------------- import
@dataclass
class _Spend:
    """One spend file to import: its display name, content source and checksum."""

    name: str
    source: SpendItem          # a path, or (name, bytes) for uploads and kept copies
    sha256: str                # of the content (decompressed when gzip), as the reader hashes it
    size: int                  # bytes as given (compressed size for .gz)
    kept: str | None = None    # path inside the version folder, for files already kept


def import_dataset(name: str, sources: Sources, *, root: str | os.PathLike = DEFAULT_ROOT,
                   progress: Progress | None = None, add_to: bool = False,
                   title: str | None = None) -> Path:
    """Import `sources` into data set `name` under `root`; returns the data set's path (the link).

    With ``add_to=True`` the new spend files are added to those already in the data set (kept
    copies); files whose content is already there are refused and listed in the report
    (``import.duplicates_refused``); reference files, options and the register not given are
    reused from the previous import. InputError when nothing new is left to import.
    The previous version stays in place, untouched, until the new one is complete.
    """
    name = validate_name(name)
    root = Path(root)
    try:
        return _import(name, sources, root, progress, add_to, title)
    except OSError as exc:
        raise _disk_error(exc, root, name) from None


#: Failures of the disk itself (not of the files given), said plainly: a full or read-only disk.
_DISK_ERRNOS = {errno.ENOSPC: "the disk holding the data sets is full",
                errno.EDQUOT: "the disk quota for the data sets is used up",
                errno.EROFS: "the data set folder is on a read-only disk",
                errno.EACCES: "the service may not write to the data set folder",
                errno.EPERM: "the service may not write to the data set folder"}


def _disk_error(exc: OSError, root: Path, name: str) -> Exception:
    """An InputError that says what to do for a full, read-only or forbidden data folder; other
    OS errors are returned unchanged. The previous version of the data set is untouched."""
    what = _DISK_ERRNOS.get(exc.errno)
    if what is None:
        return exc
    return InputError(f"data set {name!r} was not imported: {what} ({root}). The data set is "
                      "unchanged; free space or fix the folder's permissions, then import again.")


def _import(name: str, sources: Sources, root: Path, progress: Progress | None, add_to: bool,
            title: str | None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    step = progress or (lambda fraction, message: None)
    with _lock(root, name):
        staging = root / f".{name}.import"
        shutil.rmtree(staging, ignore_errors=True)   # left by an import that was killed
        for stale in root.glob(f".{name}.link-*"):
            stale.unlink(missing_ok=True)
        staging.mkdir()
        try:
            step(0.02, "checking the files")
            if not add_to:
                _check_reference(sources)      # before hashing: say what is missing first
            previous = _previous(root / name) if add_to else None
            spend, refused = _spend_inputs(sources.spend, previous, name)
            src = _register_on_disk(_merged(sources, previous, spend), staging)
            step(0.10, f"reading {len(spend)} spend file(s) and locating suppliers")
            built = build_from_files(src, name=name)
            step(0.70, "recording the import report")
            ds = _with_meta(built, src, spend, refused, previous, title or _title(previous, name))
            step(0.75, "saving the data set")
            version = _save(ds, built, staging, spend, src)
            step(0.95, "switching to the new version")
            _pause_for_tests(step)
            replaced = _switch(root, name, version)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        _prune(root, name, keep={os.readlink(root / name), replaced})
    step(1.0, "done")
    return root / name


@contextlib.contextmanager
def _lock(root: Path, name: str) -> Iterator[None]:
    """One import per data set at a time (an flock, released even if the process is killed;
    waits up to LOCK_WAIT_S so that a just-killed import's exiting process is not "running")."""
    fh = open(root / f".{name}.lock", "w")
    try:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise InputError(f"an import into data set {name!r} is already running: "
                                     "wait for it to finish, then try again") from None
                time.sleep(0.05)
        yield
    finally:
        fh.close()


def _previous(link: Path) -> dict:
    """The manifest of the data set to add to, with its version folder."""
    if not (link / "manifest.json").exists():
        raise InputError(f"there is no data set {link.name!r} to add files to: import it first "
                         "(without adding)")
    manifest = read_manifest(link)
    manifest["_folder"] = link.resolve()
    return manifest


def _title(previous: dict | None, name: str) -> str:
    return (previous or {}).get("meta", {}).get("title") or name


# --------------------------------------------------------------------------- spend files
def file_sha256(source: SpendItem) -> tuple[str, int]:
    """sha256 of a file's content (decompressed when gzip, as the spend reader hashes it) and
    its size as given. Streams paths; never holds a whole file."""
    if isinstance(source, tuple):
        raw = bytes(source[1])
        data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        return hashlib.sha256(data).hexdigest(), len(raw)
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{path}: file not found: check the path.")
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        stream = gzip.GzipFile(fileobj=fh) if gz else fh
        try:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
        except (OSError, EOFError) as exc:
            raise InputError(f"{path.name}: is a damaged gzip file ({exc}): download it "
                             "again.") from None
    return digest.hexdigest(), path.stat().st_size


def _display_name(source: SpendItem) -> str:
    return os.path.basename(str(source[0] if isinstance(source, tuple) else source)) or "upload"


def _spend_inputs(given: list, previous: dict | None, name: str
                  ) -> tuple[list[_Spend], list[dict]]:
    """Kept files of the previous version, then the new files not already among them."""
    kept = _kept_spend(previous) if previous else []
    seen = {s.sha256: s.name for s in kept}
    used = {s.name for s in kept}
    new, refused = [], []
    for source in given or []:
        digest, size = file_sha256(source)
        shown = _display_name(source)
        if digest in seen:
            where = (f"already in data set {name!r}" if any(k.sha256 == digest for k in kept)
                     else "given twice in this import")
            refused.append({"name": shown, "same_as": seen[digest], "sha256": digest,
                            "message": f"{shown} was not imported: it has the same content as "
                                       f"{seen[digest]}, {where}"})
            continue
        shown = unique_name(shown, used)
        seen[digest] = shown
        new.append(_Spend(shown, source, digest, size))
    if previous is not None and not new:
        names = ", ".join(r["name"] for r in refused) or "no spend file"
        raise InputError(f"nothing new to add to data set {name!r}: {names} "
                         + ("is already in it" if refused else "was given")
                         + " (a file with the same content is refused)")
    if not kept and not new:
        raise InputError("no spend file given: give one or more CSV or XLSX files")
    return kept + new, refused


def _kept_spend(previous: dict) -> list[_Spend]:
    """The previous version's spend files, read back from their gzip copies."""
    folder: Path = previous["_folder"]
    out = []
    for f in previous.get("meta", {}).get("sources", {}).get("spend", []):
        if f.get("duplicate_of") or not f.get("kept"):
            continue
        path = folder / f["kept"]
        if not path.is_file():
            raise InputError(f"data set {previous.get('name')!r} has lost its copy of {f['name']}"
                             " (sources/): import the data set again from all its files")
        out.append(_Spend(f["name"], (f["name"], path.read_bytes()), f["sha256"],
                          int(f.get("size") or 0), f["kept"]))
    return out


# --------------------------------------------------------------------------- sources
def _merged(given: Sources, previous: dict | None, spend: list[_Spend]) -> Sources:
    """The Sources to build from: the given ones, completed from the previous import."""
    src = replace(given, spend=[s.source for s in spend])
    if previous is None:
        _check_reference(src)
        return src
    meta = previous.get("meta", {})
    refs = meta.get("sources", {}).get("reference", {})
    for fld in REFERENCE_FIELDS:
        if not getattr(src, fld):
            value = _reference_paths(refs.get(fld), fld)
            if value is not None:
                src = replace(src, **{fld: value})
    kept = (meta.get("sources", {}).get("suppliers") or {})
    if src.suppliers is None and kept.get("kept"):
        data = (previous["_folder"] / kept["kept"]).read_bytes()
        src = replace(src, suppliers=(kept["name"], data))
    options = meta.get("import_options", {})
    src = replace(
        src,
        columns=src.columns or options.get("columns"),
        anchor_name=src.anchor_name or options.get("anchor_name"),
        period=src.period or _period(options.get("period")),
        anchors=src.anchors if src.anchors is not None else _anchor_frame(options.get("anchors")),
    )
    _check_reference(src)
    return src


def _register_on_disk(src: Sources, staging: Path) -> Sources:
    """An uploaded or kept register, given as (name, bytes), written out under its own name
    (the pipeline reads the register from a path)."""
    if not isinstance(src.suppliers, tuple):
        return src
    name, data = src.suppliers
    target = staging / "register" / safe_filename(name, default="suppliers.csv")
    target.parent.mkdir()
    target.write_bytes(bytes(data))
    return replace(src, suppliers=target)


def _reference_paths(recorded, fld: str):
    """Reference file path(s) recorded by the previous import, checked to still exist."""
    if not recorded:
        return None
    entries = recorded if isinstance(recorded, list) else [recorded]
    paths = [Path(e["path"]) for e in entries]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise InputError(f"the {fld.replace('_', ' ')} file(s) of the previous import are gone "
                         f"({', '.join(missing)}): give them again")
    return paths if isinstance(recorded, list) else paths[0]


def _check_reference(src: Sources) -> None:
    if not src.postcodes:
        raise InputError("no postcode directory given: give the NSPL or ONSPD file(s) "
                         "(--postcodes)")
    if not src.imd:
        raise InputError("no deprivation file given: give the IoD File 1 (--imd)")


def _reference_meta(src: Sources) -> dict:
    """Name, absolute path, sha256 and size of each reference file given."""
    out = {}
    for fld in REFERENCE_FIELDS:
        value = getattr(src, fld)
        if not value:
            continue
        many = isinstance(value, (list, tuple))
        entries = [_file_entry(p) for p in (value if many else [value])]
        out[fld] = entries if many else entries[0]
    return out


def _file_entry(source: SpendItem) -> dict:
    """Name, absolute path (None for uploaded bytes), sha256 and size of one file."""
    digest, size = file_sha256(source)
    path = None if isinstance(source, tuple) else str(Path(source).resolve())
    return {"name": _display_name(source), "path": path, "sha256": digest, "size": size}


def _period(value) -> tuple[date, date] | None:
    if not value:
        return None
    return date.fromisoformat(value[0]), date.fromisoformat(value[1])


def _anchor_frame(records) -> pd.DataFrame | None:
    if not records:
        return None
    frame = pd.DataFrame(records)
    if "home_area" in frame:
        frame["home_area"] = frame["home_area"].map(lambda v: tuple(v or ()))
    return frame


def read_anchor_table(path: str | os.PathLike) -> pd.DataFrame:
    """An anchor table CSV: ``name`` (required), ``type``, ``home_area`` (district codes split by
    ``;``, ``,``, ``|`` or spaces), ``site_postcode``. Headers are matched ignoring case."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: cannot read the anchor table ({exc}): give a CSV with "
                         "columns name,type,home_area,site_postcode") from None
    raw.columns = [re.sub(r"[^a-z]+", "_", c.strip().lower()).strip("_") for c in raw.columns]
    if "name" not in raw:
        raise InputError(f"{path.name}: the anchor table has no 'name' column: give a CSV with "
                         "columns name,type,home_area,site_postcode")
    out = pd.DataFrame({"name": raw["name"].str.strip()})
    out["type"] = raw["type"].str.strip().str.lower() if "type" in raw else ""
    home = raw["home_area"] if "home_area" in raw else pd.Series([""] * len(raw))
    out["home_area"] = [tuple(c for c in re.split(r"[;,|\s]+", v.strip().upper()) if c)
                        for v in home]
    if "site_postcode" in raw:
        out["site_postcode"] = raw["site_postcode"].str.strip()
    return out[out["name"] != ""].reset_index(drop=True)


# --------------------------------------------------------------------------- meta
def _with_meta(built: Built, src: Sources, spend: list[_Spend], refused: list[dict],
               previous: dict | None, title: str) -> Dataset:
    """The built data set with the manifest's import record in its meta."""
    ds = built.dataset
    report = dict(built.report)
    report["duplicates_refused"] = refused
    report["rejected_reasons"] = rejected_reasons(built.rejected)
    report["rows_read"] = sum(int(f.get("rows_read") or 0) for f in report.get("files", []))
    report["rows_accepted"] = len(ds.tx)
    unlocated = _unlocated_records(ds, _supplier_ids(built, src))
    report["unlocated_listed"] = len(unlocated)
    meta = dict(ds.meta)
    meta.update({
        "title": title,
        "imported": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "added_to": (previous or {}).get("meta", {}).get("imported"),
        "attribution": attribution(ds, src),
        "sources": _sources_meta(built, src, spend),
        "vintages": _vintages(built, src),
        "import": report,
        "rows_rejected": int(len(built.rejected)),
        "unlocated": unlocated,
        "import_options": _options_meta(src),
        "counts": {"transactions": len(ds.tx), "suppliers": int(len(ds.suppliers)),
                   "anchors": int(len(ds.anchors)),
                   "suppliers_located": int(ds.suppliers["located"].sum())},
        "geometry": _geometry(built),
    })
    return replace(ds, meta=meta)


def _sources_meta(built: Built, src: Sources, spend: list[_Spend]) -> dict:
    by_name = {f["name"]: f for f in built.report.get("files", [])}
    files = []
    for i, s in enumerate(spend):
        read = by_name.get(s.name, {})
        files.append({
            "name": s.name, "sha256": s.sha256, "size": s.size,
            "rows_read": read.get("rows_read"), "rows_accepted": read.get("rows_accepted"),
            "rows_rejected": read.get("rows_rejected"), "encoding": read.get("encoding"),
            "mapping": read.get("mapping"), "duplicate_of": read.get("duplicate_of"),
            "kept": f"sources/spend/{i:03d}.gz",
        })
    out = {"spend": files, "reference": _reference_meta(src)}
    if src.suppliers:
        out["suppliers"] = {**_file_entry(src.suppliers), "kept": "sources/suppliers.gz"}
    old = built.dataset.meta.get("sources", {})
    out.update({k: old.get(k) for k in ("imd_lsoa_vintage", "ward_vintage")})
    for fld in ("imd", "wards", "postcodes", "population"):
        ref = out["reference"].get(fld)
        if ref:
            out[fld] = ([{"name": r["name"]} for r in ref] if isinstance(ref, list)
                        else {"name": ref["name"]})
    return out


def _vintages(built: Built, src: Sources) -> dict:
    ds = built.dataset
    bridge = built.report.get("lsoa_bridge") or {}
    imd_vintage = ds.meta.get("sources", {}).get("imd_lsoa_vintage") or ds.meta.get(
        "lsoa_vintage")
    return {
        "imd_file": Path(src.imd).name if src.imd else None,
        "imd_lsoa_vintage": imd_vintage,
        "index": _index_name(imd_vintage),
        "postcodes_lsoa_vintage": bridge.get("from") or imd_vintage,
        "wards": built.wards_geo.attrs.get("vintage") if built.wards_geo is not None else None,
        "lsoas": built.lsoas_geo.attrs.get("vintage") if built.lsoas_geo is not None else None,
    }


def _index_name(lsoa_vintage: str | None) -> str | None:
    return {"2011": "Indices of Deprivation 2019", "2021": "Indices of Deprivation 2025"}.get(
        str(lsoa_vintage))


def attribution(ds: Dataset, src: Sources | None = None) -> str:
    """The attribution the data set's displays must show (OGL sources and the spend's publishers)."""
    vintage = ds.meta.get("sources", {}).get("imd_lsoa_vintage") or ds.meta.get("lsoa_vintage")
    index = _index_name(vintage) or "Indices of Deprivation"
    anchors = ", ".join(ds.anchors["name"].astype(str)) or "the anchors"
    return ("Contains OS data © Crown copyright and database right; Contains National Statistics "
            f"data © Crown copyright and database right; {index}: Ministry of Housing, "
            "Communities and Local Government. Open Government Licence v3.0. "
            f"Spend: {anchors}, published under the transparency code.")


def _options_meta(src: Sources) -> dict:
    anchors = None
    if src.anchors is not None:
        anchors = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in r.items()}
                   for r in src.anchors.to_dict("records")]
    return {"columns": src.columns, "anchor_name": src.anchor_name,
            "period": [d.isoformat() for d in src.period] if src.period else None,
            "anchors": anchors}


def _geometry(built: Built) -> dict:
    from dashboard.ingest.io.boundaries import drawing_for_map

    out = {}
    if built.wards_geo is not None:
        out["wards"] = drawing_for_map(built.wards_geo)
    if built.lsoas_geo is not None:
        out["lsoas"] = drawing_for_map(built.lsoas_geo)
    return out


def rejected_reasons(rejected: pd.DataFrame) -> list[dict]:
    """Rejected rows counted by reason, the cell values taken out ("no date (the cell holds
    '…')"), most frequent first, with one example file and line for each."""
    if rejected is None or rejected.empty:
        return []
    general = rejected["reason"].astype(str).str.replace(r"'[^']*'", "'…'", regex=True)
    counts = Counter(general)
    first = {}
    for reason, f, line in zip(general, rejected["source_file"], rejected["line"]):
        first.setdefault(reason, f"{f} line {int(line)}")
    return [{"reason": r, "rows": n, "example": first[r]} for r, n in counts.most_common()]


# --------------------------------------------------------------------------- unlocated suppliers
def looks_like_person(name: str) -> bool:
    """A name starting with a personal title (Mr, Mrs, Ms, Dr ...) or a redaction marker."""
    from dashboard.ingest.io.suppliers import is_personal

    return bool(_PERSON_TITLE.match(name.strip())) or is_personal(name)


def _supplier_ids(built: Built, src: Sources) -> dict[str, str] | None:
    """Normalised supplier name -> its most used supplier id, when a spend file has ids.

    Ids that several names share (a "sundry suppliers" id) are left out: in a register they
    would merge different suppliers and match one's postcode to the other's payments.
    Taken from the pipeline's per-transaction details when it keeps ``supplier_id`` there;
    otherwise the spend is read again for them (about a third of the import's time).
    """
    files = built.report.get("files", [])
    if not any("supplier_id" in (f.get("mapping") or {}) for f in files):
        return None
    if "supplier_id" in built.details:   # kept by the pipeline: no second read
        ids = built.details["supplier_id"].fillna("").astype(str).reset_index(drop=True)
        keys = built.dataset.suppliers["key"].astype(str).str.split("|").str[0]
        norm = keys.to_numpy(object)[built.dataset.tx.supplier]
    else:
        from dashboard.ingest.io.spend import read_spend
        from dashboard.ingest.parse import normalise_supplier_name

        spend = read_spend(src.spend, columns=src.columns, anchor_name=src.anchor_name,
                           period=src.period).transactions
        ids = spend["supplier_id"].fillna("").astype(str)
        names = spend["supplier"].tolist()
        distinct = {n: normalise_supplier_name(n) for n in set(names)}
        norm = np.array([distinct[n] for n in names], dtype=object)
    have = (ids != "").to_numpy(bool)
    if not have.any():
        return None
    counts = pd.DataFrame({"key": norm[have], "id": ids[have].to_numpy(object)})
    shared = counts.groupby("id")["key"].nunique()
    counts = counts[counts["id"].map(shared).to_numpy() == 1]   # an id of several names: unsafe
    best = counts.groupby(["key", "id"]).size().reset_index(name="n").sort_values(
        ["key", "n", "id"], ascending=[True, False, True]).drop_duplicates("key")
    return dict(zip(best["key"], best["id"]))


def _unlocated_records(ds: Dataset, ids: dict[str, str] | None) -> list[dict]:
    """Suppliers with spend that could not be located, biggest first; individuals left out."""
    sup = ds.suppliers
    spend = np.bincount(ds.tx.supplier, weights=ds.tx.amount.astype(np.float64),
                        minlength=len(sup))
    count = np.bincount(ds.tx.supplier, minlength=len(sup))
    names = sup["name"].fillna("").astype(str).to_numpy(object)
    keep = (~sup["located"].to_numpy(bool)) & (sup["individual"].to_numpy() != YES) & (
        count > 0)
    keep &= np.array([bool(n.strip()) and not looks_like_person(n) for n in names])
    out = []
    for i in np.flatnonzero(keep)[np.argsort(-spend[keep], kind="stable")]:
        postcode = sup["postcode"].iloc[i]
        has_pc = isinstance(postcode, str) and postcode != ""
        out.append({
            "name": names[i],
            "supplier_id": (ids or {}).get(str(sup["key"].iloc[i]).split("|")[0], ""),
            "sme": _flag(sup["sme"].iloc[i]), "vcse": _flag(sup["vcse"].iloc[i]),
            "individual": _flag(sup["individual"].iloc[i]),
            "reason": f"postcode {postcode} is not in the postcode directory" if has_pc
            else "no postcode",
            "spend_pence": int(round(spend[i])), "transactions": int(count[i]),
        })
    return out


def _flag(code) -> str:
    return "yes" if code == YES else "no" if code == NO else ""


def unlocated_register(built_or_folder: Built | Dataset | str | os.PathLike) -> pd.DataFrame:
    """The suppliers that could not be located, as a supplier register to fill in and upload.

    Columns: Supplier Name, Supplier ID (blank when the spend has none), Postcode (blank: to fill
    in), SME, VCSE, Individual (known flags filled in), then Reason, Spend £ and Transactions to
    help choose which to fill first (the register reader ignores them). Individuals, redaction
    markers and names starting with a personal title are left out: they are never placed on the
    map, so there is nothing to fill in, and the list never names a person.
    """
    records = _records_of(built_or_folder)
    frame = pd.DataFrame({
        "Supplier Name": [r["name"] for r in records],
        "Supplier ID": [r.get("supplier_id", "") for r in records],
        "Postcode": [""] * len(records),
        "SME": [r.get("sme", "") for r in records],
        "VCSE": [r.get("vcse", "") for r in records],
        "Individual": [r.get("individual", "") for r in records],
        "Reason": [r.get("reason", "") for r in records],
        "Spend £": [r.get("spend_pence", 0) / 100 for r in records],
        "Transactions": [r.get("transactions", 0) for r in records],
    }, columns=list(REGISTER_COLUMNS))
    return frame


def _records_of(x) -> list[dict]:
    if isinstance(x, Built):
        return _unlocated_records(x.dataset, None)
    if isinstance(x, Dataset):
        recorded = x.meta.get("unlocated")
        return recorded if recorded is not None else _unlocated_records(x, None)
    return read_manifest(x).get("meta", {}).get("unlocated", [])


def register_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A register frame as CSV (UTF-8 with BOM) with formula-like names neutralised; the quote
    added to such names does not stop them matching again (name matching drops punctuation)."""
    from dashboard.output.exports import _safe_frame

    return _safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


# --------------------------------------------------------------------------- saving
def _save(ds: Dataset, built: Built, staging: Path, spend: list[_Spend], src: Sources) -> Path:
    """Write the version folder inside `staging`: the data set, then the kept source copies."""
    from dashboard.ingest.store import save_dataset

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    version = staging / f"v{stamp}-{os.getpid()}"
    save_dataset(ds, version, rejected=built.rejected, details=built.details)
    (version / "sources" / "spend").mkdir(parents=True)
    for i, s in enumerate(spend):
        _keep(s.source, version / "sources" / "spend" / f"{i:03d}.gz")
    if src.suppliers:
        _keep(src.suppliers, version / "sources" / "suppliers.gz")
    for path in (version / "sources").rglob("*.gz"):
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    return version


def _keep(source: SpendItem, target: Path) -> None:
    """A gzip copy of `source` (as given: a .gz is copied, anything else compressed)."""
    if isinstance(source, tuple):
        data = bytes(source[1])
        target.write_bytes(data if data[:2] == b"\x1f\x8b" else gzip.compress(data, 6))
        return
    with open(source, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        if gz:
            with open(target, "wb") as out:
                shutil.copyfileobj(fh, out, _CHUNK)
        else:
            with gzip.open(target, "wb", compresslevel=6) as out:
                shutil.copyfileobj(fh, out, _CHUNK)


def _pause_for_tests(step: Progress) -> None:
    """Test hook: sleep before the swap so a test can kill the import with everything staged."""
    seconds = float(os.environ.get(PAUSE_ENV) or 0)
    if seconds > 0:
        step(0.96, f"pausing {seconds:g}s before the switch ({PAUSE_ENV})")
        time.sleep(seconds)


def _switch(root: Path, name: str, version: Path) -> str | None:
    """Move the finished version next to the link and repoint the link in one atomic rename;
    returns the version it replaced (None for a new data set)."""
    final = root / f".{name}.{version.name}"
    os.rename(version, final)
    _fsync_dir(root)
    link = root / name
    if link.exists() and not link.is_symlink():
        _adopt_folder(root, name)
    replaced = os.readlink(link) if link.is_symlink() else None
    tmp_link = root / f".{name}.link-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp_link.unlink()
    os.symlink(final.name, tmp_link)
    os.replace(tmp_link, link)
    _fsync_dir(root)
    return replaced


def _adopt_folder(root: Path, name: str) -> None:
    """A data set saved as a plain folder (by store.save_dataset) becomes a version behind a link."""
    legacy = root / f".{name}.v00000000T000000000000-legacy"
    os.rename(root / name, legacy)
    os.symlink(legacy.name, root / name)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(root: Path, name: str, keep: set[str | None]) -> None:
    """Remove the versions of `name` not in `keep` (the current one and the one it replaced,
    which a worker that loaded it may still be exporting from), and versions left behind by
    imports that failed after staging."""
    for old in root.glob(f".{name}.v*"):
        if old.is_dir() and old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
