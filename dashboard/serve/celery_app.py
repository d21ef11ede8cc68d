"""The Celery worker of long work when ``redis_url`` is set: exports and imports, on any machine.

Run it where the data sets folder is mounted at the same path as on the web machines::

    ANCHOR_CONFIG=/etc/anchor-spend-map/config.toml \\
        celery -A dashboard.serve.celery_app worker -Q anchor --concurrency 2 --prefetch-multiplier 1

Redis is the broker only: no Celery result backend. What a task does is written into the shared
job store (`redisjobs`): it claims its job (a job the web thread has given up on, or cancelled, is
skipped), beats while it runs, and finishes with the state, an export's bytes or an import's
result. A worker killed mid-job stops beating, and whoever next asks says the job failed. Tasks
are acknowledged when received (not late), so a killed worker's job is not run again elsewhere.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import threading
import traceback
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from celery import Celery

from dashboard.errors import InputError
from dashboard.ingest import jobs
from dashboard.serve.exportqueue import export_in_process, lower_priority
from dashboard.serve.redisjobs import RESULT_CAP_BYTES, RedisJobs, store_of
from dashboard.settings import load_settings

QUEUE = "anchor"
EXPORT_TASK = "anchor.export"
IMPORT_TASK = "anchor.import"


@lru_cache(maxsize=4)
def celery_for(url: str) -> Celery:
    """The Celery app of one Redis URL: the web side sends with it, the worker runs it."""
    app = Celery("anchor_spend_map", broker=url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE, task_ignore_result=True, task_acks_late=False,
        worker_prefetch_multiplier=1, task_serializer="json", accept_content=["json"],
        broker_connection_retry_on_startup=True, broker_connection_timeout=3,
        broker_transport_options={"socket_connect_timeout": 3, "socket_timeout": 10},
        worker_hijack_root_logger=False)

    @app.task(name=EXPORT_TASK)
    def export(job_id: str, folder: str, fields: dict, kind: str, file: str,
               query: str | None) -> None:
        run_export(store_of(url), job_id, folder, fields, kind, file, query)

    @app.task(name=IMPORT_TASK)
    def import_(job_id: str, folder: str) -> None:
        run_import(store_of(url), job_id, folder)

    return app


def __getattr__(name: str) -> Any:
    """``celery -A dashboard.serve.celery_app`` finds ``app``: the Celery app of the settings'
    redis_url (ANCHOR_REDIS_URL or the config file), made when asked, not at import."""
    if name not in ("app", "celery"):
        raise AttributeError(name)
    url = load_settings().redis_url
    if not url:
        raise SystemExit("anchor-spend-map: the Celery worker needs redis_url "
                         "(ANCHOR_REDIS_URL or the config file named by ANCHOR_CONFIG)")
    return celery_for(url)


# --------------------------------------------------------------------------- the tasks' bodies
def run_export(store: RedisJobs, job_id: str, folder: str, fields: dict, kind: str, file: str,
               query: str | None) -> None:
    """Make one export and leave it in the store (its bytes capped at RESULT_CAP_BYTES)."""
    lower_priority()
    store.beat(job_id)
    if not store.write(job_id, only_if="queued", state="running", started_at=store.now(),
                       host=jobs.HOST, pid=os.getpid()):
        return                          # given up by the web thread, or unknown
    with beating(lambda: store.beat(job_id)):
        try:
            data, name = export_in_process(folder, load_settings(env={}, **fields), kind, file,
                                           query)
        except InputError as exc:
            store.finish(job_id, state="failed", code=422, error=str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - said to the user; the worker log keeps it
            traceback.print_exc()
            store.finish(job_id, state="failed", code=500,
                         error=f"the export failed unexpectedly ({type(exc).__name__})")
            return
    if len(data) > RESULT_CAP_BYTES:
        store.finish(job_id, state="failed", code=422,
                     error=f"the file is too big to pass between the server's machines "
                           f"({len(data) / 2**20:.0f} MB, at most {RESULT_CAP_BYTES // 2**20} "
                           "MB): choose fewer rows with the filters")
        return
    store.finish(job_id, result=data, state="done", name=name)


def run_import(store: RedisJobs, job_id: str, folder: str) -> None:
    """Run one import job, reporting into the store; its slot is given back at the end."""
    lower_priority()
    store.beat(job_id)
    if not store.write(job_id, only_if="queued", state="running", message="starting"):
        return
    user = (store.read(job_id) or {}).get("user") or ""
    try:
        jobs.run_job(folder, RedisReport(store, job_id))
    except Cancelled:
        store.write(job_id, state="failed", message="failed",
                    error="cancelled: the data set is unchanged")
    finally:
        store.finish(job_id)
        store.release("import", user, job_id)


class Cancelled(BaseException):
    """Raised in the import's thread when someone cancelled the job (a BaseException: the
    import's own ``except Exception`` must not take it for a failure of its own)."""


class RedisReport:
    """An import's `jobs.Report` in the store: status merges and a heartbeat key. A cancel
    raises `Cancelled` in the import's own thread (not SIGTERM: that would stop the worker)."""

    def __init__(self, store: RedisJobs, job_id: str):
        self.store, self.job_id = store, job_id
        self.thread = threading.get_ident()
        self.cancelled = False

    def write(self, **fields: Any) -> None:
        self.store.write(self.job_id, **fields)

    def beat(self) -> bool:
        try:
            self.store.beat(self.job_id)
            asked = self.store.cancel_asked(self.job_id)
        except Exception:  # noqa: BLE001 - Redis away for a moment: the next beat may get through
            return False
        if asked and not self.cancelled and threading.get_ident() != self.thread:
            self.cancelled = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.thread),
                                                       ctypes.py_object(Cancelled))
        return False


@contextlib.contextmanager
def beating(beat: Callable[[], None]) -> Iterator[None]:
    """Call `beat` every jobs.HEARTBEAT_S seconds in a thread while the block runs."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(jobs.HEARTBEAT_S):
            with contextlib.suppress(Exception):
                beat()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
