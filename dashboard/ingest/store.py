"""Saved data sets: one folder each, written atomically, loaded read-only and shared by workers.

Layout of a data set folder:

    manifest.json            name, title, flags, sources (file names, checksums, vintages), tables
    transactions.arrow       the transaction arrays (and the engine's float64 weights), Arrow IPC
                             uncompressed, one record batch: memory-mapped on load and used in
                             place, so several gunicorn workers share one copy in the page cache
    details.parquet          per transaction: reference, source file and line (exports only)
    suppliers.parquet, lsoas.parquet, wards.parquet, anchors.json
    rejected.parquet         rows the import rejected, with file, line and reason
    geometry/wards.geojson, geometry/lsoas.geojson   simplified copies for drawing

A save writes everything into a temporary sibling folder, then swaps it in with renames, so a failed
or interrupted save leaves the previous data set exactly as it was.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.engine.model import Dataset, Transactions
from dashboard.errors import InputError
from dashboard.ingest.caps import clip_names
from dashboard.ingest.people import flag_people, individual_names, withhold_rejected

FORMAT_VERSION = 1
TX_FILE = "transactions.arrow"
#: Column of TX_FILE holding `Dataset.derived.weights` (absent in files saved before it was added).
WEIGHTS_COLUMN = "amount_f64"
GEOMETRY_KINDS = ("wards", "lsoas")
#: The other two levers, each an optional table of its own (`workforce.parquet`, `assets.parquet`).
LEVERS = ("workforce", "assets")


def save_dataset(ds: Dataset, folder: str | os.PathLike, *, rejected: pd.DataFrame | None = None,
                 details: pd.DataFrame | None = None) -> Path:
    """Write `ds` to `folder` atomically; returns the folder."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; web workers may run as another user
    try:
        _write_all(ds, tmp, rejected, details)
        _swap_in(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _write_all(ds: Dataset, tmp: Path, rejected: pd.DataFrame | None,
               details: pd.DataFrame | None) -> None:
    import pyarrow as pa
    import pyarrow.feather as feather

    columns = {f.name: np.asarray(getattr(ds.tx, f.name)) for f in fields(Transactions)}
    columns["influenceable"] = columns["influenceable"].astype(np.int8)
    columns[WEIGHTS_COLUMN] = ds.derived.weights
    # One record batch: each column is then one contiguous buffer that loads without a copy
    # (feather's default of 64K-row batches would force every worker to concatenate its own).
    feather.write_feather(pa.table(columns), tmp / TX_FILE, compression="uncompressed",
                          chunksize=max(len(ds.tx), 1))
    ds.suppliers.to_parquet(tmp / "suppliers.parquet", index=False)
    ds.lsoas.to_parquet(tmp / "lsoas.parquet", index=False)
    ds.wards.to_parquet(tmp / "wards.parquet", index=False)
    (tmp / "anchors.json").write_text(ds.anchors.to_json(orient="records", indent=1))
    if rejected is not None:
        rejected.astype({c: str for c in rejected.columns if c != "line"}).to_parquet(
            tmp / "rejected.parquet", index=False)
    if details is not None:
        details.to_parquet(tmp / "details.parquet", index=False)
    for lever in LEVERS:  # counts and sites only: the importers dropped postcodes and pay
        frame = getattr(ds, lever)
        if frame is not None:
            frame.to_parquet(tmp / f"{lever}.parquet", index=False)
    geometry = ds.meta.get("geometry", {})
    (tmp / "geometry").mkdir()
    for kind in GEOMETRY_KINDS:
        if kind in geometry:
            (tmp / "geometry" / f"{kind}.geojson").write_text(
                json.dumps(geometry[kind], separators=(",", ":")))
    manifest = {
        "format": FORMAT_VERSION,
        "name": ds.name,
        "saved": datetime.now(UTC).isoformat(timespec="seconds"),
        "years": list(ds.years),
        "categories": list(ds.categories),
        "services": list(ds.services),
        "meta": {k: v for k, v in ds.meta.items() if not k.startswith("_") and k != "geometry"},
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str))
    _fsync_tree(tmp)


def _swap_in(tmp: Path, folder: Path) -> None:
    """Replace `folder` by `tmp` with renames only; the old copy is removed after the swap."""
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(folder, old)
    try:
        os.rename(tmp, folder)
    except BaseException:
        if old is not None:
            os.rename(old, folder)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def load_dataset(folder: str | os.PathLike) -> Dataset:
    """Open a saved data set read-only (transactions memory-mapped)."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise InputError(f"{folder} is not a saved data set (no manifest.json): build one with "
                         "`python -m dashboard import` or regenerate the demo with "
                         "`python -m dashboard demo`")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise InputError(f"{folder} was saved in format {manifest.get('format')}, this version "
                         f"reads format {FORMAT_VERSION}: import the data set again")
    anchors = pd.read_json(folder / "anchors.json", orient="records", dtype=False)
    for col in ("home_area", "sites"):
        if col in anchors:
            anchors[col] = anchors[col].map(lambda v: tuple(v) if isinstance(v, list) else ())
    meta = dict(manifest.get("meta", {}))
    meta["folder"] = str(folder)
    meta["saved"] = manifest.get("saved")
    meta["geometry"] = _read_geometry(folder)
    tx, weights = _read_transactions(folder / TX_FILE)
    ds = Dataset(
        anchors=anchors,
        # saved before the rules: person-like names withheld, megabyte names cut
        suppliers=clip_names(flag_people(pd.read_parquet(folder / "suppliers.parquet"))),
        lsoas=pd.read_parquet(folder / "lsoas.parquet"),
        wards=pd.read_parquet(folder / "wards.parquet"),
        tx=tx,
        years=tuple(int(y) for y in manifest["years"]),
        categories=tuple(manifest["categories"]),
        services=tuple(manifest["services"]),
        name=manifest.get("name", folder.name),
        meta=meta,
        **{lever: pd.read_parquet(folder / f"{lever}.parquet") for lever in LEVERS
           if (folder / f"{lever}.parquet").exists()},
    )
    if weights is not None:
        ds.derived.use_weights(weights)
    return ds


def _read_transactions(path: Path) -> tuple[Transactions, np.ndarray | None]:
    """The transaction arrays and the stored weights (None in older files), as read-only numpy
    views of the memory-mapped file: no copy, so workers share the page cache."""
    import pyarrow as pa

    with pa.memory_map(str(path), "r") as source:
        table = pa.ipc.open_file(source).read_all()
    arrays = {}
    for f in fields(Transactions):
        arr = _column_array(table, f.name)
        arrays[f.name] = arr.view(bool) if f.name == "influenceable" else arr
    weights = (_column_array(table, WEIGHTS_COLUMN) if WEIGHTS_COLUMN in table.column_names
               else None)
    return Transactions(**arrays), weights


def _column_array(table, name: str) -> np.ndarray:
    """A column as a read-only numpy array: zero-copy for one chunk (files saved as one record
    batch), concatenated for older multi-batch files."""
    col = table.column(name)
    chunk = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
    arr = chunk.to_numpy(zero_copy_only=True)
    if arr.flags.writeable:  # a concatenated copy: freeze it like the mapped arrays
        arr.flags.writeable = False
    return arr


def _read_geometry(folder: Path) -> dict:
    out = {}
    for kind in GEOMETRY_KINDS:
        path = folder / "geometry" / f"{kind}.geojson"
        if path.exists():
            out[kind] = json.loads(path.read_text())
    return out


def read_rejected(folder: str | os.PathLike) -> pd.DataFrame:
    """The rows an import rejected (empty frame when none were), with the cells of rows naming a
    person withheld (`people.withhold_rejected`: also for data sets saved before that rule)."""
    path = Path(folder) / "rejected.parquet"
    if not path.exists():
        return pd.DataFrame(columns=["source_file", "line", "reason", "raw"])
    rejected = pd.read_parquet(path)
    suppliers = Path(folder) / "suppliers.parquet"
    names = individual_names(flag_people(pd.read_parquet(suppliers, columns=["name",
                                                                             "individual"])
                                         )) if suppliers.exists() else set()
    return withhold_rejected(rejected, names)
