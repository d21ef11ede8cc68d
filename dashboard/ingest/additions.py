"""What an import builds from, and adding files to a data set that already exists.

The spend files are checked by content: a file whose content is already in the data set added to,
or given twice, is refused and listed. When adding, the previous version's kept spend copies come
first, and the reference files, register and options not given again are taken from its manifest.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from dashboard.errors import InputError
from dashboard.ingest.anchors import anchor_frame
from dashboard.ingest.catalog import read_manifest
from dashboard.ingest.file_options import from_record
from dashboard.ingest.filenames import safe_filename
from dashboard.ingest.hashing import SpendFile, display_name, file_sha256
from dashboard.ingest.io.spend import FileOptions, unique_name
from dashboard.ingest.pipeline import Sources
from dashboard.ingest.provenance import REFERENCE_FIELDS, period_of


def previous_import(link: Path) -> dict:
    """The manifest of the data set to add to, with its version folder."""
    if not (link / "manifest.json").exists():
        raise InputError(f"there is no data set {link.name!r} to add files to: import it first "
                         "(without adding)")
    manifest = read_manifest(link)
    manifest["_folder"] = link.resolve()
    return manifest


def title_of(previous: dict | None, name: str) -> str:
    """The title of the data set added to, else its name."""
    return (previous or {}).get("meta", {}).get("title") or name


def spend_inputs(given: list, previous: dict | None, name: str
                 ) -> tuple[list[SpendFile], list[dict]]:
    """Kept files of the previous version, then the new files not already among them."""
    kept = _kept_spend(previous) if previous else []
    seen = {s.sha256: s.name for s in kept}
    used = {s.name for s in kept}
    new, refused = [], []
    for source in given or []:
        digest, size = file_sha256(source)
        shown = display_name(source)
        if digest in seen:
            where = (f"already in data set {name!r}" if any(k.sha256 == digest for k in kept)
                     else "given twice in this import")
            refused.append({"name": shown, "same_as": seen[digest], "sha256": digest,
                            "message": f"{shown} was not imported: it has the same content as "
                                       f"{seen[digest]}, {where}"})
            continue
        shown = unique_name(shown, used)
        seen[digest] = shown
        new.append(SpendFile(shown, source, digest, size))
    if previous is not None and not new:
        names = ", ".join(r["name"] for r in refused) or "no spend file"
        raise InputError(f"nothing new to add to data set {name!r}: {names} "
                         + ("is already in it" if refused else "was given")
                         + " (a file with the same content is refused)")
    if not kept and not new:
        raise InputError("no spend file given: give one or more CSV or XLSX files")
    return kept + new, refused


def _kept_spend(previous: dict) -> list[SpendFile]:
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
        out.append(SpendFile(f["name"], (f["name"], path.read_bytes()), f["sha256"],
                             int(f.get("size") or 0), f["kept"]))
    return out


def merged(given: Sources, previous: dict | None, spend: list[SpendFile]) -> Sources:
    """The Sources to build from: the given ones, completed from the previous import."""
    src = replace(given, spend=[s.source for s in spend])
    if previous is None:
        check_reference(src)
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
        file_options=_kept_options(meta, options, src.file_options),
        anchors=src.anchors if src.anchors is not None else anchor_frame(options.get("anchors")),
    )
    check_reference(src)
    return kept_levers(src, previous["_folder"])


def _kept_options(meta: dict, options: dict, given: dict | None) -> dict:
    """Each file already in the data set keeps the settings it was imported with (its own, or
    the import's of an older data set); the options given now apply to the new files only, so
    `--add` never re-applies an anchor name to files imported before."""
    older = FileOptions(anchor_name=options.get("anchor_name"),
                        columns=dict(options.get("columns") or {}),
                        period=period_of(options.get("period")),
                        date_order=options.get("date_order"))
    kept = {}
    for f in meta.get("sources", {}).get("spend", []):
        kept[f["name"]] = from_record(f.get("options")) or older
    return {**kept, **(given or {})}


def kept_levers(src: Sources, folder: Path) -> Sources:
    """`src` keeping the workforce counts and sites of the data set added to, where no new
    workforce or estate files are given (the raw files are never kept: counts only)."""
    for lever, given in (("workforce", src.workforce), ("assets", src.assets)):
        path = Path(folder) / f"{lever}.parquet"
        if not given and path.exists():
            src = replace(src, **{f"kept_{lever}": pd.read_parquet(path)})
    return src


def register_on_disk(src: Sources, staging: Path) -> Sources:
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


def check_reference(src: Sources) -> None:
    """InputError when the postcode directory or the deprivation file is missing."""
    if not src.postcodes:
        raise InputError("no postcode directory given: give the NSPL or ONSPD file(s) "
                         "(--postcodes)")
    if not src.imd:
        raise InputError("no deprivation file given: give the IoD File 1 (--imd)")
