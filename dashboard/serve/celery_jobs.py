"""Exports and imports on Celery workers, with their limits and state in Redis (``redis_url``).

Imported by `jobbackend.backend_of` only when redis_url is set, so a web worker without Redis
never loads celery or redis-py. What the limits, waits and failures are: see `jobbackend`.
"""
from __future__ import annotations

import dataclasses
import secrets
import time
from pathlib import Path
from typing import Any

from kombu.exceptions import OperationalError

from dashboard.errors import InputError
from dashboard.ingest.jobs import IMPORTS_PER_USER
from dashboard.serve.celery_app import EXPORT_TASK, IMPORT_TASK, QUEUE, celery_for
from dashboard.serve.exportqueue import WAIT_S, Busy, queue_of
from dashboard.serve.redisjobs import (
    CONNECT_TIMEOUT_S,
    FINAL,
    QueueDown,
    down_message,
    store_of,
)

EXPORTS_MAX = 32          # exports queued or running on all machines at once (then 503)
IMPORTS_MAX = 8           # imports queued or running on all machines at once
IMPORT_SLOT_S = 6 * 3600  # a slot nobody gave back (a web worker killed) expires after this
IMPORT_QUEUE_S = 900      # an import no worker has started after this long is reported failed


def send(url: str, task: str, *args: Any) -> None:
    """Queue `task` for a worker on a connection of its own, tried once: the broker unreachable
    is QueueDown within CONNECT_TIMEOUT_S (Celery's pooled producer retried for about 6 s)."""
    app = celery_for(url)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=CONNECT_TIMEOUT_S)
            app.send_task(task, args=list(args), queue=QUEUE, retry=False, connection=conn)
    except (OperationalError, OSError) as exc:
        raise QueueDown(down_message()) from exc


class CeleryJobs:
    """Exports on Celery workers, with their limits and state in Redis."""

    def __init__(self, settings: Any):
        self.url, self.per_user = settings.redis_url, settings.exports_per_user
        self.store, self.local = store_of(self.url), queue_of(settings)

    def export(self, user: str, what: str, folder: str, settings: Any, kind: str, file: str,
               query: str | None, *, per_user: bool, wait_s: float = WAIT_S
               ) -> tuple[bytes, str]:
        job_id = secrets.token_hex(8)      # Redis unreachable: QueueDown, a Busy (503)
        self._admit(user, job_id, what, per_user, wait_s)
        try:
            self.store.write(job_id, state="queued", kind="export", what=what, user=user,
                             queued_at=self.store.now(), progress=0.0)
            send(self.url, EXPORT_TASK, job_id, folder, dataclasses.asdict(settings), kind,
                 file, query)
            return self._wait(job_id, what, wait_s)
        finally:
            self.store.release("export", user, job_id)

    def _admit(self, user: str, job_id: str, what: str, per_user: bool, wait_s: float) -> None:
        code, other = self.store.admit("export", user, job_id, total=EXPORTS_MAX,
                                       per_user=self.per_user if per_user else 0,
                                       lifetime_s=wait_s + 30)
        if code == 1:
            running = (self.store.read(other) or {}).get("what") or "another file"
            raise Busy(429, f"your export of {running} is still being made: wait for it, then "
                            "ask for the next one")
        if code == 2:
            raise Busy(503, "the server is busy making other people's exports: try again in a "
                            "few seconds", retry_after=10)

    def _wait(self, job_id: str, what: str, wait_s: float) -> tuple[bytes, str]:
        """Wait for the worker's answer: bytes, or Busy / InputError saying why not."""
        deadline = time.monotonic() + wait_s
        while not self.store.wait_done(job_id, max(0.1, min(1.0, deadline - time.monotonic()))):
            state = (self.store.read(job_id) or {}).get("state")
            if state in FINAL:
                break
            if state == "running" and not self.store.alive(job_id):
                self.store.write(job_id, state="failed", error="its worker stopped")
                raise Busy(503, f"the {what} could not be made (the export worker stopped): "
                                "try again", retry_after=5)
            if time.monotonic() > deadline:   # a worker that picks it up later skips it
                self.store.write(job_id, state="failed", error="given up waiting")
                raise Busy(503, f"the {what} took too long to make: try a smaller selection"
                           if state == "running" else f"no export worker took the {what} in "
                           "time (they are busy, or not running): try again", retry_after=30)
        status = self.store.read(job_id) or {}
        if status.get("state") == "done":
            data = self.store.take_result(job_id)
            if data is not None:
                return data, str(status.get("name") or "")
        if status.get("code") == 422:
            raise InputError(str(status.get("error")))
        raise Busy(503, f"the {what} could not be made ({status.get('error') or 'no result'}): "
                        "try again", retry_after=5)

    def status(self, user: str) -> list[dict]:
        """The user's exports on every machine (from Redis), then any made in this worker."""
        now, out = self.store.now(), []
        for job_id in self.store.user_jobs("export", user):
            job = self.store.read(job_id) or {}
            if job.get("state") not in ("queued", "running"):
                continue
            queued = job["state"] == "queued"
            out.append({"what": job.get("what"), "state": job["state"],
                        "ahead": self.store.ahead_of("export", job_id) if queued else 0,
                        "seconds": round(now - float(job.get("queued_at") or now), 1)})
        return out + self.local.status(user)


class CeleryImports:
    """The `jobs.Runner` of import jobs when redis_url is set."""

    def __init__(self, url: str):
        self.url, self.store = url, store_of(url)

    def start(self, job_id: str, folder: Path, status: dict) -> None:
        user = status.get("by") or ""
        try:
            code, other = self.store.admit("import", user, job_id, total=IMPORTS_MAX,
                                           per_user=IMPORTS_PER_USER if user else 0,
                                           lifetime_s=IMPORT_SLOT_S)
            if code == 1:
                name = (self.store.read(other) or {}).get("name") or "another data set"
                raise InputError(f"your import of {name} is still running: wait for it to "
                                 "finish, then start the next one")
            if code == 2:
                raise InputError("the server is busy with other imports: try again in a few "
                                 "minutes")
            self.store.write(job_id, **status, kind="import", user=user,
                             queued_at=self.store.now())
            send(self.url, IMPORT_TASK, job_id, str(folder))
        except QueueDown as exc:
            raise InputError(str(exc)) from None

    def status(self, job_id: str) -> dict | None:
        try:
            job = self.store.read(job_id)
            if job is None or job.get("state") in FINAL:
                return job
            error = self._stuck(job_id, job)
            if error:
                self.store.write(job_id, state="failed", error=error)
                self.store.release("import", job.get("user") or "", job_id)
                return self.store.read(job_id)
            return job
        except QueueDown as exc:
            raise InputError(str(exc)) from None

    def _stuck(self, job_id: str, job: dict) -> str | None:
        """Why a queued or running job will never finish, or None."""
        if job["state"] == "running" and not self.store.alive(job_id):
            return ("the import stopped before it finished (its worker ended): the data set "
                    "is unchanged; start the import again")
        waited = self.store.now() - float(job.get("queued_at") or 0)
        if job["state"] == "queued" and waited > IMPORT_QUEUE_S:
            return (f"no import worker started it within {IMPORT_QUEUE_S // 60} minutes (they "
                    "are busy, or not running): the data set is unchanged; try again later")
        return None

    def cancel(self, job_id: str) -> None:
        try:
            job = self.store.read(job_id) or {}
            self.store.ask_cancel(job_id)
            self.store.write(job_id, state="failed", error="cancelled: the data set is unchanged")
            self.store.release("import", job.get("user") or "", job_id)
        except QueueDown as exc:
            raise InputError(str(exc)) from None
