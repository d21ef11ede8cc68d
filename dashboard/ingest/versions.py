"""The transaction of an import: one at a time per data set, staged aside, switched in atomically.

Layout under the root (default ``data/networks``)::

    NAME -> .NAME.v20260501T120000-1234     a symbolic link to the current version
    .NAME.v20260501T120000-1234/            one version: a saved data set (see store.py) plus
        sources/spend/000.gz ...            gzip copies of the spend files as uploaded
        sources/suppliers.gz                and of the supplier register
    .NAME.import/                           the staging folder of an import running now
    .NAME.lock                              held (flock) while an import of NAME runs

Why a link: replacing it (``os.replace`` of a symlink) is one atomic rename, so a reader sees the
old version or the new one, never a gap, and an import that fails or is killed at any point leaves
the previous version exactly as it was (``store.save_dataset`` swaps folders with two renames, which
leaves a moment with no folder at all). The previous version is kept after a swap, so a worker that
loaded it can still export its details; older versions are removed.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import gzip
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from dashboard.engine.model import Dataset
from dashboard.errors import InputError
from dashboard.ingest.hashing import CHUNK, SpendFile, SpendItem
from dashboard.ingest.pipeline import Built, Sources
from dashboard.ingest.store import save_dataset

log = logging.getLogger(__name__)
LOCK_WAIT_S = 3.0   # a killed import's lock is released as its process exits: wait that long
PAUSE_ENV = "ANCHOR_IMPORT_TEST_PAUSE"   # test hook: seconds to sleep before the swap

Progress = Callable[[float, str], None]

#: Failures of the disk itself (not of the files given), said plainly: a full or read-only disk.
_DISK_ERRNOS = {errno.ENOSPC: "the disk holding the data sets is full",
                errno.EDQUOT: "the disk quota for the data sets is used up",
                errno.EROFS: "the data set folder is on a read-only disk",
                errno.EACCES: "the service may not write to the data set folder",
                errno.EPERM: "the service may not write to the data set folder"}


def disk_error(exc: OSError, root: Path, name: str) -> Exception:
    """An InputError that says what to do for a full, read-only or forbidden data folder; other
    OS errors are returned unchanged. The previous version of the data set is untouched."""
    what = _DISK_ERRNOS.get(exc.errno)
    if what is None:
        return exc
    # no server path in the message (the page shows it): the log has the folder
    log.warning("import of %r failed: %s (%s): %s", name, what, root, exc)
    return InputError(f"data set {name!r} was not imported: {what}. The data set is "
                      "unchanged; free space or fix the folder's permissions, then import again.")


@contextlib.contextmanager
def lock(root: Path, name: str) -> Iterator[None]:
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


def new_staging(root: Path, name: str) -> Path:
    """An empty staging folder for `name` (under the lock), clearing what a killed import left."""
    staging = root / f".{name}.import"
    shutil.rmtree(staging, ignore_errors=True)   # left by an import that was killed
    for stale in root.glob(f".{name}.link-*"):
        stale.unlink(missing_ok=True)
    staging.mkdir()
    return staging


def save_version(ds: Dataset, built: Built, staging: Path, spend: list[SpendFile],
                 src: Sources) -> Path:
    """Write the version folder inside `staging`: the data set, then the kept source copies."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    version = staging / f"v{stamp}-{os.getpid()}"
    save_dataset(ds, version, rejected=built.rejected, details=built.details)
    (version / "sources" / "spend").mkdir(parents=True)
    for i, s in enumerate(spend):
        keep_copy(s.source, version / "sources" / "spend" / f"{i:03d}.gz")
    if src.suppliers:
        keep_copy(src.suppliers, version / "sources" / "suppliers.gz")
    for path in (version / "sources").rglob("*.gz"):
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    return version


def keep_copy(source: SpendItem, target: Path) -> None:
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
                shutil.copyfileobj(fh, out, CHUNK)
        else:
            with gzip.open(target, "wb", compresslevel=6) as out:
                shutil.copyfileobj(fh, out, CHUNK)


def pause_for_tests(step: Progress) -> None:
    """Test hook: sleep before the swap so a test can kill the import with everything staged."""
    seconds = float(os.environ.get(PAUSE_ENV) or 0)
    if seconds > 0:
        step(0.96, f"pausing {seconds:g}s before the switch ({PAUSE_ENV})")
        time.sleep(seconds)


def switch(root: Path, name: str, version: Path) -> str | None:
    """Move the finished version next to the link and repoint the link in one atomic rename;
    returns the version it replaced (None for a new data set)."""
    final = root / f".{name}.{version.name}"
    os.rename(version, final)
    fsync_dir(root)
    link = root / name
    if link.exists() and not link.is_symlink():
        _adopt_folder(root, name)
    replaced = os.readlink(link) if link.is_symlink() else None
    tmp_link = root / f".{name}.link-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp_link.unlink()
    os.symlink(final.name, tmp_link)
    os.replace(tmp_link, link)
    fsync_dir(root)
    return replaced


def _adopt_folder(root: Path, name: str) -> None:
    """A data set saved as a plain folder (by store.save_dataset) becomes a version behind a link."""
    legacy = root / f".{name}.v00000000T000000000000-legacy"
    os.rename(root / name, legacy)
    os.symlink(legacy.name, root / name)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (renames, links) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def prune(root: Path, name: str, keep: set[str | None]) -> None:
    """Remove the versions of `name` not in `keep` (the current one and the one it replaced,
    which a worker that loaded it may still be exporting from), and versions left behind by
    imports that failed after staging."""
    for old in root.glob(f".{name}.v*"):
        if old.is_dir() and old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
