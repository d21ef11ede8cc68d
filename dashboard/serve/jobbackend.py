"""Where long work runs: this machine's local queue, or Celery workers when ``redis_url`` is set.

The export routes ask `backend_of(settings)` for a `JobBackend`; the same call hands the import
jobs of the settings' jobs folder to Celery (`jobs.use_runner`) when Redis is configured.

- `LocalJobs` (default): the web worker's `ExportQueue` (its own export process, limits per web
  worker) and imports as local job processes with their state in files: unchanged.
- `CeleryJobs` (`celery_jobs`, imported only when redis_url is set, so a web worker without
  Redis never loads celery or redis-py): an export is admitted in Redis (the per-user limit and
  the overall cap hold across every web worker of every machine: one Lua script), sent to a
  Celery worker, and the web thread waits for its bytes (BLPOP, up to WAIT_S); its state is in
  Redis, so ``export/status`` answers the same from any machine. A worker that dies mid-export
  stops beating and the wait ends with 503 within redisjobs.BEAT_TTL_S; Redis down is a 503 at
  once.
- `CeleryImports` (`celery_jobs`): the `jobs.Runner` of imports: one per user at a time, state
  and progress in Redis; a running job with no heartbeat, or one no worker started within
  IMPORT_QUEUE_S, is reported failed.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from dashboard.ingest import jobs
from dashboard.ingest.uploads import jobs_folder
from dashboard.serve.exportqueue import ExportQueue, export_in_process, queue_of


class JobBackend(Protocol):
    """What the export routes need of whatever runs exports."""

    def export(self, user: str, what: str, folder: str, settings: Any, kind: str, file: str,
               query: str | None, *, per_user: bool) -> tuple[bytes, str]:
        """Make the export of a saved data set: (bytes, name or mimetype); Busy or InputError."""

    def status(self, user: str) -> list[dict]:
        """The user's exports queued or running: what, state, ahead, seconds."""


def backend_of(settings: Any) -> JobBackend:
    """The backend of these settings (Celery when redis_url is set, which also hands the
    settings' import jobs to Celery)."""
    if not settings.redis_url:
        return LocalJobs(queue_of(settings))
    from dashboard.serve.celery_jobs import CeleryImports, CeleryJobs  # celery, redis: only here

    jobs.use_runner(jobs_folder(settings), CeleryImports(settings.redis_url))
    return CeleryJobs(settings)


@dataclasses.dataclass
class LocalJobs:
    """The default: this web worker's export process (see `ExportQueue`)."""

    queue: ExportQueue

    def export(self, user: str, what: str, folder: str, settings: Any, kind: str, file: str,
               query: str | None, *, per_user: bool) -> tuple[bytes, str]:
        return self.queue.run(user, what, export_in_process, folder, settings, kind, file, query,
                              per_user=per_user)

    def status(self, user: str) -> list[dict]:
        return self.queue.status(user)
