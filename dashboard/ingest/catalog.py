"""The saved data sets under a root folder: their names, folders, versions, list and manifests.

A data set NAME is a symbolic link ``ROOT/NAME`` to its current version folder (see
``versions.py``, which stages and switches them); a data set saved by ``store.save_dataset`` as a
plain folder is read the same way. Nothing here writes.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from dashboard.engine.model import Dataset
from dashboard.errors import InputError
from dashboard.ingest.store import load_dataset

DEFAULT_ROOT = Path("data/networks")
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


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
