"""The health check for monitors, and a clear start-up message for a data set that cannot load.

``GET <prefix>health`` answers JSON, with no user needed and nothing cached::

    {"status": "ok", "dataset": {"name": ..., "title": ..., "saved": "2026-05-01T12:00:00+00:00",
     "age_seconds": 86400, "transactions": 123456, "version": ".oxford.v2026...",
     "on_disk": "current" | "replaced" | "missing" | "unknown"},
     "worker": {"pid": 1234, "started": "...", "uptime_seconds": 60}}

``on_disk`` compares the version this worker loaded with what the data set folder holds now:
``replaced`` after an import switched a new version in (reload the service to show it),
``missing`` if the folder has gone (the worker keeps answering from the copy it loaded).
The status is 200 as long as the worker answers with a data set loaded. No path is shown.
"""
from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from dash import Dash
from flask import Response, jsonify

from dashboard.engine.model import Dataset
from dashboard.errors import InputError
from dashboard.ingest.store import load_dataset
from dashboard.settings import Settings


def load_checked(folder: str | os.PathLike) -> Dataset:
    """`store.load_dataset`, with a damaged, half-written or unreadable folder reported as an
    InputError that says what to do (rather than a pyarrow or JSON traceback)."""

    try:
        # the version folder itself, not a link to it: exports of this loaded copy keep reading
        # its own files after an import points the link at a new version
        return load_dataset(Path(folder).resolve())
    except InputError:
        raise
    except PermissionError as exc:
        raise InputError(f"data set {Path(folder).name!r} cannot be read "
                         f"({exc.strerror}): give the service's user read access to it") from None
    except Exception as exc:  # noqa: BLE001 - any other failure means a damaged data set
        raise InputError(f"data set {Path(folder).name!r} is damaged or was only partly written "
                         f"({type(exc).__name__}: {str(exc)[:200]}): import it again, or point "
                         "data_dir at a complete data set") from None


def _version_of(folder: str | os.PathLike | None) -> tuple[str, int] | None:
    """(version folder name, manifest mtime): changes when an import switches a new version in
    (a new folder behind the link) or a plain folder is saved over."""
    if not folder:
        return None
    try:
        real = Path(folder).resolve()
        return real.name, (real / "manifest.json").stat().st_mtime_ns
    except OSError:
        return None


def _age_seconds(saved: str | None, now: datetime) -> int | None:
    if not saved:
        return None
    try:
        when = datetime.fromisoformat(str(saved))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int((now - when).total_seconds()))


def health_report(ds: Dataset, started: float, version: tuple[str, int] | None,
                  watched: str | None) -> dict:
    """The health check's JSON body (see the module docstring); `version` is the version this
    worker loaded (taken at load time: the data set's link may point elsewhere now), `watched`
    the data_dir it was loaded from (None for a data set given in code)."""
    now = datetime.now(UTC)
    on_disk = "unknown"
    if version and watched:
        now_on_disk = _version_of(watched)
        on_disk = ("missing" if now_on_disk is None
                   else "current" if now_on_disk == version else "replaced")
    saved = ds.meta.get("imported") or ds.meta.get("saved")
    return {
        "status": "ok",
        "dataset": {
            "name": ds.name,
            "title": ds.meta.get("title") or ds.name,
            "saved": saved,
            "age_seconds": _age_seconds(saved, now),
            "transactions": int(len(ds.tx)),
            "version": version[0] if version else None,
            "on_disk": on_disk,
        },
        "worker": {
            "pid": os.getpid(),
            "started": datetime.fromtimestamp(started, UTC).isoformat(
                timespec="seconds"),
            "uptime_seconds": int(time.time() - started),
        },
    }


def install_health(app: Dash, ds: Dataset, settings: Settings) -> None:
    """Serve the health check at ``<routes prefix>health`` (public: see dashboard.serve.auth)."""
    started = time.time()
    version = _version_of(ds.meta.get("folder"))
    watched = settings.data_dir if version and _version_of(settings.data_dir) == version else None

    def health() -> Response:
        resp = jsonify(health_report(ds, started, version, watched))
        resp.headers["Cache-Control"] = "no-store"
        return resp

    app.server.add_url_rule(f"{settings.routes_prefix}health", "anchor_health", health)
