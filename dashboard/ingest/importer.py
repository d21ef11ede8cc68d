"""Bring your own data: import a network's files into a named, saved data set, and keep them.

``import_dataset(name, sources)`` builds a data set with the same pipeline as the command line
(``pipeline.build_from_files``), records where every figure comes from in the manifest and swaps
it in atomically. This module only orchestrates; the steps live beside it:

- ``catalog.py``: data set names, folders, versions, the list, opening one, manifests;
- ``versions.py``: the lock, the staging folder, the version saved with its source copies, the
  atomic switch of the link and the pruning of old versions (the layout on disk is described
  there);
- ``hashing.py``: spend files and registers as given, and their checksums;
- ``additions.py``: the files to build from: duplicates refused by content, and, when adding to a
  data set, its kept spend copies, reference files, register and options;
- ``anchors.py``: the anchor table; ``provenance.py``: the import record in the manifest;
  ``unlocated.py``: the suppliers still to locate, as a register to fill in.

Why keep copies of the spend files: "add more files to this data set" must re-import everything (the
supplier table, wards and totals depend on all rows), and the raw files are otherwise gone after an
upload. Reference files (postcode directory, deprivation, boundaries) are large and public: they are
recorded by path and checksum and reused from there, not copied.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from dashboard.ingest.additions import (
    check_reference,
    merged,
    previous_import,
    register_on_disk,
    spend_inputs,
    title_of,
)
from dashboard.ingest.catalog import DEFAULT_ROOT, validate_name
from dashboard.ingest.pipeline import Sources, build_from_files
from dashboard.ingest.provenance import with_meta
from dashboard.ingest.versions import (
    Progress,
    disk_error,
    lock,
    new_staging,
    pause_for_tests,
    prune,
    save_version,
    switch,
)


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
        raise disk_error(exc, root, name) from None


def _import(name: str, sources: Sources, root: Path, progress: Progress | None, add_to: bool,
            title: str | None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    step = progress or (lambda fraction, message: None)
    with lock(root, name):
        staging = new_staging(root, name)
        try:
            step(0.02, "checking the files")
            if not add_to:
                check_reference(sources)      # before hashing: say what is missing first
            previous = previous_import(root / name) if add_to else None
            spend, refused = spend_inputs(sources.spend, previous, name)
            src = register_on_disk(merged(sources, previous, spend), staging)
            step(0.10, f"reading {len(spend)} spend file(s) and locating suppliers")
            built = build_from_files(src, name=name)
            step(0.70, "recording the import report")
            ds = with_meta(built, src, spend, refused, previous, title or title_of(previous, name))
            step(0.75, "saving the data set")
            version = save_version(ds, built, staging, spend, src)
            step(0.95, "switching to the new version")
            pause_for_tests(step)
            replaced = switch(root, name, version)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        prune(root, name, keep={os.readlink(root / name), replaced})
    step(1.0, "done")
    return root / name
