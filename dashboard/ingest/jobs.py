"""Background imports: start one from a web request, follow its progress from any worker.

A job is a folder under the jobs folder (default ``data/networks/.jobs``)::

    JOB_ID/spec.json      what to import (data set name, root, sources as file paths)
    JOB_ID/status.json    {state, progress 0..1, message, result | error, updated}, replaced
                          atomically on every change
    JOB_ID/pid            the worker process id (status.json also records it, with its host)
    JOB_ID/heartbeat      touched by the worker every HEARTBEAT_S seconds while it runs
    JOB_ID/cancel         asks a worker on another machine to stop (see cancel_job)
    JOB_ID/uploads/       uploaded files given as (name, bytes), written out for the worker
    JOB_ID/log.txt        the worker's output (tracebacks of unexpected errors)

The import runs in a separate process (``python -m dashboard.ingest.jobs JOB_FOLDER``), started in its
own session so it never blocks a web worker and survives the request that started it. Nothing is
held in memory: any gunicorn worker can answer ``job_status`` from the files. When the process has
ended without writing a final state (killed, out of memory), ``job_status`` reports the job
failed; the import's atomic switch means the previous data set is then still the one in use.

Whether the process has ended: on the machine that runs it, from its pid (at once); on any other
machine sharing the jobs folder, from its heartbeat file, judged stopped when not touched for
HEARTBEAT_STALE_S seconds (the machines' clocks must agree to well within that).

Elsewhere (``use_runner``): the serving layer may hand a jobs folder's jobs to a `Runner`, which
starts them (on a Celery worker, when ``redis_url`` is set: ``dashboard.serve.jobbackend``) and
keeps their state (in Redis) instead of the files; spec.json and the uploads stay in the job
folder, which the worker reads (shared storage). The worker writes through a `Report`.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from dashboard.errors import InputError
from dashboard.ingest.anchors import anchor_frame, anchor_records
from dashboard.ingest.catalog import DEFAULT_ROOT, read_manifest, validate_name
from dashboard.ingest.filenames import safe_filename
from dashboard.ingest.importer import import_dataset
from dashboard.ingest.pipeline import Sources
from dashboard.ingest.provenance import period_of

DEFAULT_JOBS = DEFAULT_ROOT / ".jobs"   # hidden beside the data sets: not listed, not in git
PROJECT = Path(__file__).resolve().parents[2]
STATES = ("queued", "running", "done", "failed")
_JOB_ID = re.compile(r"[0-9a-f]{16}")
_PATH_FIELDS = ("imd", "wards", "lsoa_lookup", "lsoas", "population", "ward_lookup",
                "suppliers", "postcode_cache")
START_GRACE_S = 30
HEARTBEAT_S = 2.0           # the worker touches JOB_ID/heartbeat this often
HEARTBEAT_STALE_S = 30.0    # seen from another machine, a job not heard of for this long stopped
HOST = socket.gethostname()
IMPORTS_PER_USER = 1        # a signed-in user's imports queued or running at a time


class Runner(Protocol):
    """Runs a jobs folder's jobs elsewhere and keeps their state (see `use_runner`)."""

    def start(self, job_id: str, folder: Path, status: dict) -> None:
        """Record `status` (queued) and start the job; InputError when refused (a limit)."""

    def status(self, job_id: str) -> dict | None:
        """The job's status, a job whose worker has gone already said "failed"; None: unknown."""

    def cancel(self, job_id: str) -> None:
        """Stop the job; its state becomes failed ("cancelled")."""


class Report(Protocol):
    """Where a running job writes its status and heartbeat (files by default)."""

    def write(self, **fields) -> None:
        """Merge `fields` into the job's status."""

    def beat(self) -> bool:
        """Say the job is alive; True when someone asked for it to stop."""


_runners: dict[str, Runner] = {}


def use_runner(jobs_dir: str | os.PathLike, runner: Runner | None) -> None:
    """Hand the jobs of `jobs_dir` to `runner` (None: back to local processes and files)."""
    key = str(Path(jobs_dir).resolve())
    if runner is None:
        _runners.pop(key, None)
    else:
        _runners[key] = runner


def _runner(jobs_dir: str | os.PathLike) -> Runner | None:
    return _runners.get(str(Path(jobs_dir).resolve())) if _runners else None


# --------------------------------------------------------------------------- starting
def start_import(name: str, sources: Sources, *, root: str | os.PathLike = DEFAULT_ROOT,
                 jobs_dir: str | os.PathLike = DEFAULT_JOBS, add_to: bool = False,
                 title: str | None = None, env: dict[str, str] | None = None,
                 user: str | None = None) -> str:
    """Start importing `sources` into data set `name` in a background process; returns the job id.

    Spend files and the supplier register may be paths or uploaded ``(name, bytes)`` pairs (written
    into the job folder first); reference files must be paths. `env` adds environment variables
    for the worker (tests use it for the importer's pause hook).
    """
    validate_name(name)
    job_id = secrets.token_hex(8)
    folder = Path(jobs_dir).resolve() / job_id
    folder.mkdir(parents=True)
    spec = {"name": name, "root": str(Path(root).resolve()), "add_to": add_to, "title": title,
            "user": user, "sources": _sources_json(sources, folder)}
    (folder / "spec.json").write_text(json.dumps(spec, indent=1))
    status = dict(state="queued", progress=0.0, message="waiting to start", name=name,
                  created=datetime.now(UTC).isoformat(timespec="seconds"), host=HOST,
                  by=user)   # who started it: shown with the job, kept in the audit log too
    runner = _runner(jobs_dir)
    if runner is not None:
        try:
            runner.start(job_id, folder, status)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)   # refused: nothing left behind
            raise
        return job_id
    try:
        with _start_lock(jobs_dir):   # two web workers cannot both pass the user's limit
            if user:
                _refuse_if_busy(jobs_dir, user)
            _write_status(folder, **status)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _spawn(folder, env)
    return job_id


@contextlib.contextmanager
def _start_lock(jobs_dir: str | os.PathLike):
    """One import start at a time in a jobs folder (an flock on its .start.lock)."""
    with open(Path(jobs_dir) / ".start.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _refuse_if_busy(jobs_dir: str | os.PathLike, user: str) -> None:
    """InputError when `user` already has IMPORTS_PER_USER imports queued or running here (a
    job whose process has gone does not count)."""
    mine = []
    for folder in Path(jobs_dir).iterdir():
        if not _JOB_ID.fullmatch(folder.name) or not (folder / "status.json").exists():
            continue
        try:
            status = job_status(folder.name, jobs_dir)
        except InputError:
            continue
        if status.get("by") == user and status.get("state") in ("queued", "running"):
            mine.append(status.get("name") or "another data set")
    if len(mine) >= IMPORTS_PER_USER:
        raise InputError(f"your import of {mine[0]} is still running: wait for it to finish, "
                         "then start the next one")


def _spawn(folder: Path, env: dict[str, str] | None) -> subprocess.Popen:
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT), full_env.get("PYTHONPATH", "")) if p)
    with open(folder / "log.txt", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "dashboard.ingest.jobs", str(folder)],
                                cwd=PROJECT, env=full_env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    (folder / "pid").write_text(str(proc.pid))
    threading.Thread(target=proc.wait, daemon=True).start()   # reap it: no zombie left behind
    return proc


def _sources_json(src: Sources, folder: Path) -> dict:
    """Sources as JSON: absolute paths; uploaded (name, bytes) written under uploads/."""
    def path(value, i: int) -> str:
        if isinstance(value, tuple):
            target = folder / "uploads" / str(i) / safe_filename(value[0])
            target.parent.mkdir(parents=True)
            target.write_bytes(bytes(value[1]))
            return str(target)
        return str(Path(value).resolve())

    out = {"spend": [path(v, i) for i, v in enumerate(src.spend or [])],
           "postcodes": [path(v, 1000 + i) for i, v in enumerate(src.postcodes or [])]}
    for i, fld in enumerate(_PATH_FIELDS):
        value = getattr(src, fld)
        out[fld] = path(value, 2000 + i) if value else None
    out["columns"] = src.columns
    out["anchor_name"] = src.anchor_name
    out["period"] = [d.isoformat() for d in src.period] if src.period else None
    out["anchors"] = None if src.anchors is None else anchor_records(src.anchors)
    return out


def _sources_of(spec: dict) -> Sources:
    s = spec["sources"]
    return Sources(spend=s["spend"], postcodes=s["postcodes"],
                   **{f: s.get(f) for f in _PATH_FIELDS}, columns=s.get("columns"),
                   anchor_name=s.get("anchor_name"), period=period_of(s.get("period")),
                   anchors=anchor_frame(s.get("anchors")))


# --------------------------------------------------------------------------- status
def job_status(job_id: str, jobs_dir: str | os.PathLike = DEFAULT_JOBS) -> dict:
    """{state, progress, message, result | error, name, updated} of a job, from its files.

    A job whose process has gone without finishing is reported "failed".
    """
    runner = _runner(jobs_dir)
    if runner is not None:
        _check_id(job_id)
        status = runner.status(job_id)
        if status is None:
            raise InputError(f"no import job {job_id}: it may have been cleaned up; start it "
                             "again")
        return status
    folder = _job_folder(job_id, jobs_dir)
    status = _read_status(folder)
    if status["state"] in ("queued", "running") and not _alive(folder, status):
        status = {**status, "state": "failed",
                  "error": "the import stopped before it finished (its process ended): the "
                           "data set is unchanged; start the import again"}
    return status


def _check_id(job_id: str) -> None:
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise InputError(f"{job_id!r} is not a job id")


def _job_folder(job_id: str, jobs_dir: str | os.PathLike) -> Path:
    _check_id(job_id)
    folder = Path(jobs_dir) / job_id
    if not (folder / "status.json").exists():
        raise InputError(f"no import job {job_id}: it may have been cleaned up; start it again")
    return folder


def _read_status(folder: Path) -> dict:
    for _ in range(5):   # a reader never sees a partial file (os.replace), but be patient
        try:
            return json.loads((folder / "status.json").read_text())
        except (OSError, ValueError):
            time.sleep(0.02)
    raise InputError(f"the status of job {folder.name} cannot be read")


def _write_status(folder: Path, **fields) -> None:
    """Merge `fields` into status.json, atomically (write a temporary file, then rename)."""
    path = folder / "status.json"
    status = json.loads(path.read_text()) if path.exists() else {}
    status.update(fields, updated=datetime.now(UTC).isoformat(timespec="seconds"))
    tmp = folder / f".status.{HOST}.{os.getpid()}.tmp"   # machines share the folder
    tmp.write_text(json.dumps(status, default=str))
    os.replace(tmp, path)


def _alive(folder: Path, status: dict) -> bool:
    """Whether the job's process is still running (a zombie or a reused pid does not count).

    Just after the start the pid may not be recorded yet, or the forked process may not yet run
    the worker (its command line is still the parent's): a queued job gets START_GRACE_S.
    A job started on another machine (``host`` in its status) is judged by its heartbeat.
    """
    created = datetime.fromisoformat(status.get("created") or status.get("updated")
                                     or "1970-01-01T00:00:00+00:00")
    young = status.get("state") == "queued" and (
        datetime.now(UTC) - created).total_seconds() < START_GRACE_S
    if not _is_local(status):
        return _heartbeat_fresh(folder) or young
    try:
        pid = int((folder / "pid").read_text())
    except (OSError, ValueError):
        return young
    proc = Path(f"/proc/{pid}")
    if not proc.is_dir():
        return _signal_alive(pid) if not Path("/proc/self").is_dir() else False
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
    except (OSError, IndexError):
        return False
    if state in ("Z", "X"):
        return False
    return folder.name in cmdline or young


def _is_local(status: dict) -> bool:
    """Whether the job runs on this machine (a status without a host is from before hosts were
    recorded: local, as then)."""
    return status.get("host") in (None, HOST)


def _heartbeat_fresh(folder: Path) -> bool:
    """Whether the worker touched its heartbeat file less than HEARTBEAT_STALE_S seconds ago."""
    try:
        age = time.time() - (folder / "heartbeat").stat().st_mtime
    except OSError:
        return False
    return age < HEARTBEAT_STALE_S


def _beat(report: Report | Path, stop: threading.Event) -> None:
    """The worker's heartbeat: `report.beat()` (a job folder: its heartbeat file) every
    HEARTBEAT_S seconds until `stop`. A cancel request (JOB_ID/cancel left by another machine,
    or the runner's) ends the worker (SIGTERM, as cancel_job does on this machine)."""
    if isinstance(report, str | os.PathLike):
        report = FileReport(Path(report))
    while True:
        if report.beat():
            os.kill(os.getpid(), signal.SIGTERM)
        if stop.wait(HEARTBEAT_S):
            return


def _signal_alive(pid: int) -> bool:
    """Liveness where there is no /proc (macOS): signal 0."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def cancel_job(job_id: str, jobs_dir: str | os.PathLike = DEFAULT_JOBS) -> dict:
    """Stop a running job (its whole process group); the data set stays as it was."""
    runner = _runner(jobs_dir)
    if runner is not None:
        _check_id(job_id)
        runner.cancel(job_id)
        return job_status(job_id, jobs_dir)
    folder = _job_folder(job_id, jobs_dir)
    status = job_status(job_id, jobs_dir)
    if status["state"] in ("queued", "running"):
        if _is_local(status):
            pid = int((folder / "pid").read_text())
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        else:                         # its pid means nothing here: the worker stops itself
            (folder / "cancel").touch()
        _write_status(folder, state="failed", error="cancelled: the data set is unchanged")
    return job_status(job_id, jobs_dir)


def cleanup_jobs(jobs_dir: str | os.PathLike = DEFAULT_JOBS, *, older_than_s: float = 7 * 86400
                 ) -> int:
    """Remove finished jobs (and their uploads) older than `older_than_s`; returns how many."""
    removed = 0
    root = Path(jobs_dir)
    if not root.is_dir():
        return 0
    now = time.time()
    marker = "spec.json" if _runner(root) is not None else "status.json"   # state: elsewhere
    for folder in root.iterdir():
        if not _JOB_ID.fullmatch(folder.name) or not (folder / marker).exists():
            continue
        if now - (folder / marker).stat().st_mtime < older_than_s:
            continue
        try:
            state = job_status(folder.name, root)["state"]
        except InputError:            # its state has expired where the runner keeps it
            state = "done"
        if state in ("done", "failed"):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


# --------------------------------------------------------------------------- the worker
class FileReport:
    """The default `Report`: status.json and the heartbeat file in the job folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    def write(self, **fields) -> None:
        _write_status(self.folder, **fields)

    def beat(self) -> bool:
        try:
            (self.folder / "heartbeat").touch()
        except OSError:
            pass                      # a full or flaky share: the next beat may get through
        return (self.folder / "cancel").exists()


def run_job(folder: str | os.PathLike, report: Report | None = None) -> int:
    """The worker's body: run the import described by spec.json, reporting into `report`
    (status.json by default), beating until the final state is written."""
    folder = Path(folder)
    spec = json.loads((folder / "spec.json").read_text())
    report = report or FileReport(folder)
    report.beat()                     # before "running": another machine judges by it
    stop = threading.Event()
    threading.Thread(target=_beat, args=(report, stop), daemon=True).start()
    try:
        return _run(report.write, spec)
    finally:
        stop.set()


def _run(write, spec: dict) -> int:
    write(state="running", progress=0.0, message="starting", pid=os.getpid(), host=HOST)

    def progress(fraction: float, message: str) -> None:
        write(state="running", progress=round(float(fraction), 3), message=message)

    try:
        path = import_dataset(spec["name"], _sources_of(spec), root=spec["root"],
                              progress=progress, add_to=spec["add_to"], title=spec.get("title"))
    except InputError as exc:
        write(state="failed", error=str(exc), message="failed")
        return 2
    except Exception as exc:  # noqa: BLE001 - the page shows it; the log keeps the traceback
        traceback.print_exc()
        write(state="failed", message="failed",
              error=f"the import failed unexpectedly ({type(exc).__name__}: {exc})")
        return 1
    write(state="done", progress=1.0, message="done", result=_result(spec["name"], path))
    return 0


def _result(name: str, path: Path) -> dict:
    meta = read_manifest(path).get("meta", {})
    report = meta.get("import", {})
    return {"name": name, "folder": str(path), "title": meta.get("title"),
            "counts": meta.get("counts"), "rows_read": report.get("rows_read"),
            "rows_rejected": meta.get("rows_rejected"),
            "duplicates_refused": report.get("duplicates_refused", []),
            "suppliers": report.get("suppliers")}


if __name__ == "__main__":
    try:            # below the web workers (nice 10, as exports): an import must not slow pages
        os.nice(10)
    except OSError:
        pass
    sys.exit(run_job(sys.argv[1]))
