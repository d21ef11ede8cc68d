"""Who changed what: one JSON line per change in ``<networks_dir>/.audit.jsonl``.

Every change made through the page (a file uploaded, an import started, with its data set and
whether it adds to one or creates or replaces it) is appended with the time, the signed-in user
(or "-" with no sign-in) and the action, so "who imported this?" has an answer on every machine
that shares the data sets folder. Lines are short single ``write`` calls on a file opened for
appending, so workers and machines writing at once do not interleave within a line. The plan
and assessments keep their own per-version author (``dashboard.ingest.planstore``).
"""
from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

FILE = ".audit.jsonl"


def audit_path(networks_dir: str | os.PathLike) -> Path:
    return Path(networks_dir) / FILE


def record(networks_dir: str | os.PathLike, user: str | None, action: str, **details: object
           ) -> None:
    """Append one change; never raises (an unwritable folder must not stop the change itself,
    which fails on its own if the folder really cannot be written)."""
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "user": user or "-",
             "action": action, **{k: v for k, v in details.items() if v is not None}}
    line = (json.dumps(entry, ensure_ascii=False, default=str)[:4000] + "\n").encode("utf-8")
    try:
        Path(networks_dir).mkdir(parents=True, exist_ok=True)
        fd = os.open(audit_path(networks_dir), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        pass


def read_audit(networks_dir: str | os.PathLike) -> list[dict]:
    """Every recorded change, oldest first (lines that do not parse are skipped)."""
    path = audit_path(networks_dir)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out
