"""A job's status read from its files, with no worker process started: job ids, and whether the
job's process has ended, from its pid on this machine or from its heartbeat on another machine
sharing the jobs folder. (Jobs that run a worker are in tests/integration/test_jobs.py.)"""
from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dashboard.errors import InputError
from dashboard.ingest import jobs

JOB = "0123456789abcdef"
NO_SUCH_PID = 2 ** 22 + 12345       # above Linux's pid_max: never a running process


def job_on(jobs_dir: Path, host: str, *, state: str = "running", beat_age: float | None = None,
           pid: int = NO_SUCH_PID) -> Path:
    """A job folder as a worker on `host` leaves it, its heartbeat `beat_age` seconds old."""
    folder = jobs_dir / JOB
    folder.mkdir(parents=True)
    created = "2026-01-01T00:00:00+00:00"         # long past: no start-up grace
    (folder / "status.json").write_text(json.dumps({
        "state": state, "progress": 0.5, "message": "reading", "name": "tiny", "pid": pid,
        "host": host, "created": created, "updated": created}))
    (folder / "pid").write_text(str(pid))
    if beat_age is not None:
        (folder / "heartbeat").touch()
        then = time.time() - beat_age
        os.utime(folder / "heartbeat", (then, then))
    return folder


@pytest.mark.parametrize("job_id", ["../../etc", "0123", "", "ZZZZZZZZZZZZZZZZ"])
def test_job_ids_are_checked(job_id, tmp_path):
    with pytest.raises(InputError, match="not a job id"):
        jobs.job_status(job_id, tmp_path)


def test_an_unknown_job_says_so(tmp_path):
    with pytest.raises(InputError, match="no import job"):
        jobs.job_status("0123456789abcdef", tmp_path)


def test_a_job_on_another_machine_with_a_fresh_heartbeat_is_running(tmp_path):
    job_on(tmp_path, "elsewhere", beat_age=1)
    status = jobs.job_status(JOB, tmp_path)
    assert status["state"] == "running" and "error" not in status


def test_a_job_on_another_machine_with_a_stale_heartbeat_has_failed(tmp_path):
    job_on(tmp_path, "elsewhere", beat_age=jobs.HEARTBEAT_STALE_S + 5)
    status = jobs.job_status(JOB, tmp_path)
    assert status["state"] == "failed" and "stopped before it finished" in status["error"]


def test_a_job_on_another_machine_without_a_heartbeat_has_failed(tmp_path):
    job_on(tmp_path, "elsewhere")
    assert jobs.job_status(JOB, tmp_path)["state"] == "failed"


def test_another_machines_pid_is_never_looked_up_here(tmp_path):
    """The pid is this process's own (alive here), but the job runs elsewhere: only its stale
    heartbeat counts."""
    job_on(tmp_path, "elsewhere", beat_age=jobs.HEARTBEAT_STALE_S + 5, pid=os.getpid())
    assert jobs.job_status(JOB, tmp_path)["state"] == "failed"


def test_a_job_on_this_machine_is_judged_by_its_pid_at_once(tmp_path):
    job_on(tmp_path, jobs.HOST, beat_age=0)        # a fresh heartbeat, but its process is gone
    status = jobs.job_status(JOB, tmp_path)
    assert status["state"] == "failed" and "stopped before it finished" in status["error"]


def test_a_status_without_a_host_is_judged_by_its_pid(tmp_path):
    folder = job_on(tmp_path, "x", beat_age=0)
    status = json.loads((folder / "status.json").read_text())
    del status["host"]                             # written before hosts were recorded
    (folder / "status.json").write_text(json.dumps(status))
    assert jobs.job_status(JOB, tmp_path)["state"] == "failed"


def test_a_queued_job_on_another_machine_gets_the_start_grace(tmp_path):
    folder = job_on(tmp_path, "elsewhere", state="queued")
    status = json.loads((folder / "status.json").read_text())
    status["created"] = status["updated"] = datetime.now(UTC).isoformat()
    (folder / "status.json").write_text(json.dumps(status))
    assert jobs.job_status(JOB, tmp_path)["state"] == "queued"


def test_the_heartbeat_is_touched_until_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(jobs, "HEARTBEAT_S", 0.05)
    stop = threading.Event()
    beat = threading.Thread(target=jobs._beat, args=(tmp_path, stop))
    beat.start()
    try:
        deadline = time.monotonic() + 5
        while not (tmp_path / "heartbeat").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        first = (tmp_path / "heartbeat").stat().st_mtime_ns
        while (tmp_path / "heartbeat").stat().st_mtime_ns == first:
            assert time.monotonic() < deadline, "the heartbeat was not touched again"
            time.sleep(0.01)
    finally:
        stop.set()
        beat.join(5)
    assert not beat.is_alive()


def test_cancelling_a_job_on_another_machine_asks_its_worker_and_kills_nothing_here(tmp_path,
                                                                                    monkeypatch):
    folder = job_on(tmp_path, "elsewhere", beat_age=1, pid=os.getpid())

    def no_kill(*args):
        raise AssertionError("a pid of another machine was signalled here")

    monkeypatch.setattr(jobs.os, "killpg", no_kill)
    monkeypatch.setattr(jobs.os, "kill", no_kill)
    status = jobs.cancel_job(JOB, tmp_path)
    assert status["state"] == "failed" and "cancelled" in status["error"]
    assert (folder / "cancel").exists()
