"""Long work (map images, the report, big tables) off the web workers, with a per-user limit.

Sixteen concurrent export requests from one user made another user's page wait 53 s: each ran in
a web thread, on the web worker's CPU. `ExportQueue` runs them instead in a separate process
(one per web worker by default: ``export_workers``), which holds each saved data set it has
been asked about, memory-mapped as the web worker does, and builds the file there. The web thread
only waits for the answer (up to ``WAIT_S``), and:

- each signed-in user may have ``per_user`` exports queued or running in the worker at a time;
  one more is refused at once (429, saying which is running) rather than waiting behind their
  own (with no sign-in there is no user: many people may share one address, a proxy's, so only
  the overall cap applies);
- at most ``max_queued`` wait in a worker overall; beyond that the answer is 503 with
  Retry-After, so a burst never holds every web thread;
- `status(user)` says what a user has queued or running, where in the queue, and for how long
  (``GET <prefix>export/status``: the progress of one's exports).

A data set held only in memory (given in code: tests, the embedded demo before it is saved) has no
folder for another process to open: its exports run in a thread of the web worker instead, under
the same limits. This is the local queue, the default; with ``redis_url`` set, exports of saved
data sets run on Celery workers instead, with their limits in Redis (`jobbackend`).
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

WAIT_S = 50.0          # under gunicorn's default timeout (60 s)


class Busy(Exception):
    """An export refused for now, with the HTTP status to answer and a message."""

    def __init__(self, status: int, message: str, retry_after: int = 5):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


@dataclass
class _Entry:
    user: str
    what: str
    queued: float
    started: float | None = None


@dataclass
class ExportQueue:
    """Exports of one web worker: a process pool (or threads for in-memory data) with limits."""

    workers: int = 1
    per_user: int = 1
    max_queued: int = 8
    _pool: cf.Executor | None = None
    _threads: cf.ThreadPoolExecutor | None = None
    _entries: dict[int, _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0

    def run(self, user: str, what: str, fn: Callable[..., Any], *args: Any,
            in_process: bool = True, wait_s: float = WAIT_S, per_user: bool = True) -> Any:
        """`fn(*args)` in the export process (`in_process`; `fn` and `args` must pickle) or an
        export thread, within the limits; its result, or Busy / the function's own exception.
        `per_user` False (no sign-in: many people may share one address, a proxy's) leaves only
        the worker's overall cap."""
        with self._lock:
            mine = [e for e in self._entries.values() if e.user == user]
            if per_user and len(mine) >= self.per_user:
                raise Busy(429, f"your export of {mine[0].what} is still being made: wait for "
                                "it, then ask for the next one")
            if len(self._entries) >= self.max_queued:
                raise Busy(503, "the server is busy making other people's exports: try again "
                                "in a few seconds", retry_after=10)
            self._next += 1
            key = self._next
            self._entries[key] = _Entry(user, what, time.monotonic())
        try:
            try:
                future = self._executor(in_process).submit(fn, *args)
            except cf.BrokenExecutor:
                self._reset()
                future = self._executor(in_process).submit(fn, *args)
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    return future.result(timeout=0.25)
                except cf.BrokenExecutor:   # the export process died (killed, out of memory)
                    self._reset()
                    raise Busy(503, f"the {what} could not be made (the export process "
                                    "stopped): try again", retry_after=5) from None
                except cf.TimeoutError:
                    if future.running():
                        with self._lock:
                            if key in self._entries and self._entries[key].started is None:
                                self._entries[key].started = time.monotonic()
                    if time.monotonic() > deadline:
                        future.cancel()
                        raise Busy(503, f"the {what} took too long to make: try a smaller "
                                        "selection", retry_after=30) from None
        finally:
            with self._lock:
                self._entries.pop(key, None)

    def status(self, user: str) -> list[dict]:
        """The user's exports in this worker: what, state, queue position, seconds so far."""
        now = time.monotonic()
        with self._lock:
            order = sorted(self._entries.items(), key=lambda kv: kv[1].queued)
        out = []
        for position, (_key, e) in enumerate(order):
            if e.user == user:
                out.append({"what": e.what, "state": "running" if e.started else "queued",
                            "ahead": position if not e.started else 0,
                            "seconds": round(now - e.queued, 1)})
        return out

    def _executor(self, in_process: bool) -> cf.Executor:
        with self._lock:
            if not in_process:
                if self._threads is None:
                    self._threads = cf.ThreadPoolExecutor(
                        self.workers, thread_name_prefix="export", initializer=lower_priority)
                return self._threads
            if self._pool is None:
                # spawn, not fork: the web worker has threads, and a fork copies held locks
                self._pool = cf.ProcessPoolExecutor(
                    self.workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=lower_priority)
            return self._pool

    def _reset(self) -> None:
        """Drop a broken process pool: the next export starts a new one."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        for ex in (self._pool, self._threads):
            if ex is not None:
                ex.shutdown(wait=False, cancel_futures=True)


def lower_priority() -> None:
    """Run exports at a lower CPU priority (nice 10) than the web threads: on a small machine
    they share the cores, and a page's filter change must not wait behind someone's workbook.
    In a thread (data held in memory) only that thread is lowered (Linux: per-thread nice)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass


# --------------------------------------------------------------------------- in the export process
@lru_cache(maxsize=4)
def _context(folder: str, settings: Any) -> Any:
    """The export process's AppContext of a saved data set (kept: the next export is quick)."""
    from dashboard.serve.health import load_checked
    from dashboard.view.context import build_context

    return build_context(load_checked(folder), settings, {})


def export_in_process(folder: str, settings: Any, kind: str, file: str, query: str | None
                      ) -> tuple[bytes, str]:
    """What the export process runs: the export (``kind`` "file") or the report ("report") of a
    saved data set, as (bytes, name or mimetype)."""
    from dashboard.serve import exports_routes as er

    app_ctx = _context(folder, settings)
    if kind == "report":
        return er.report_bytes(app_ctx, query), "text/html"
    return er.export_file(app_ctx, file, query)


def queue_of(settings: Any) -> ExportQueue:
    """This web worker's queue (one per process, shared by every data set's app)."""
    return _queues.setdefault(os.getpid(), ExportQueue(workers=settings.export_workers,
                                                       per_user=settings.exports_per_user))


_queues: dict[int, ExportQueue] = {}
