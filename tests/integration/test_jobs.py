"""Background imports: a job runs in its own process, reports progress through files any worker can
read, and a job killed half-way leaves the previous data set loadable with the same figures.
(Each test starts a worker process; what needs none is in tests/unit/test_job_status.py.)"""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from dashboard.engine import metrics as m
from dashboard.errors import InputError
from dashboard.ingest import importer as im
from dashboard.ingest import jobs
from dashboard.ingest.catalog import open_dataset, read_manifest
from dashboard.ingest.pipeline import Sources
from dashboard.ingest.versions import PAUSE_ENV
from tests.unit.test_importer import SPEND, write_sources

TIMEOUT_S = 120


def wait_for(job_id: str, jobs_dir: Path, until, timeout: float = TIMEOUT_S) -> dict:
    """Poll the job's status until `until(status)`; fails the test on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = jobs.job_status(job_id, jobs_dir)
        if until(status):
            return status
        time.sleep(0.1)
    log = (jobs_dir / job_id / "log.txt").read_text()
    pytest.fail(f"job {job_id} never got there: {status}\n{log}")


def finished(status: dict) -> bool:
    return status["state"] in ("done", "failed")


@pytest.fixture()
def places(tmp_path) -> tuple[Sources, Path, Path]:
    return write_sources(tmp_path / "in"), tmp_path / "networks", tmp_path / "jobs"


def test_a_job_imports_the_tiny_data_and_reports_done(places):
    src, root, jobs_dir = places
    seen = []
    job_id = jobs.start_import("tiny", src, root=root, jobs_dir=jobs_dir, title="Tiny")
    status = wait_for(job_id, jobs_dir, lambda s: seen.append(s["progress"]) or finished(s))
    assert status["state"] == "done", status
    assert status["progress"] == 1.0 and status["message"] == "done"
    assert status["result"]["counts"]["transactions"] == 7
    assert status["result"]["rows_rejected"] == 2 and status["result"]["title"] == "Tiny"
    assert seen == sorted(seen)                       # progress only moves forward
    assert int((jobs_dir / job_id / "pid").read_text()) != os.getpid()   # another process
    assert status["host"] == jobs.HOST and (jobs_dir / job_id / "heartbeat").is_file()
    assert m.summarise(open_dataset("tiny", root)).headline["transactions"] == 7


def test_uploaded_bytes_are_written_for_the_worker(places):
    src, root, jobs_dir = places
    src.spend = [("upload.csv", SPEND.encode())]
    job_id = jobs.start_import("tiny", src, root=root, jobs_dir=jobs_dir)
    assert wait_for(job_id, jobs_dir, finished)["state"] == "done"
    meta = read_manifest(root / "tiny")["meta"]
    assert [f["name"] for f in meta["sources"]["spend"]] == ["upload.csv"]


def test_an_import_error_is_reported_as_failed_with_the_message(places):
    src, root, jobs_dir = places
    src.imd = src.spend[0]                            # a spend file is not a deprivation file
    job_id = jobs.start_import("tiny", src, root=root, jobs_dir=jobs_dir)
    status = wait_for(job_id, jobs_dir, finished)
    assert status["state"] == "failed" and "spend.csv" in status["error"]
    assert not (root / "tiny").exists()


def test_a_job_killed_half_way_leaves_the_previous_dataset_as_it_was(places):
    src, root, jobs_dir = places
    im.import_dataset("tiny", src, root=root)
    before = (os.readlink(root / "tiny"), m.summarise(open_dataset("tiny", root)).headline)
    src.spend = [src.spend[0], src.spend[0].with_name("spend2.csv")]
    job_id = jobs.start_import("tiny", src, root=root, jobs_dir=jobs_dir,
                               env={PAUSE_ENV: "60"})
    wait_for(job_id, jobs_dir, lambda s: "pausing" in s.get("message", "") or finished(s))
    staged = list((root / ".tiny.import").rglob("transactions.arrow"))
    assert staged, "the new version should be fully written before the switch"
    os.kill(int((jobs_dir / job_id / "pid").read_text()), signal.SIGKILL)
    status = wait_for(job_id, jobs_dir, finished, timeout=30)
    assert status["state"] == "failed" and "stopped before it finished" in status["error"]
    after = (os.readlink(root / "tiny"), m.summarise(open_dataset("tiny", root)).headline)
    assert after == before
    im.import_dataset("tiny", src, root=root)         # the lock died with the process
    assert not (root / ".tiny.import").exists()
    assert m.summarise(open_dataset("tiny", root)).headline["transactions"] == 9


def test_a_cancelled_job_changes_nothing(places):
    src, root, jobs_dir = places
    job_id = jobs.start_import("tiny", src, root=root, jobs_dir=jobs_dir,
                               env={PAUSE_ENV: "60"})
    wait_for(job_id, jobs_dir, lambda s: "pausing" in s.get("message", "") or finished(s))
    status = jobs.cancel_job(job_id, jobs_dir)
    assert status["state"] == "failed" and "cancelled" in status["error"]
    assert not (root / "tiny").exists()


def test_status_files_are_plain_json_any_worker_can_read(places):
    src, root, jobs_dir = places
    job_id = jobs.start_import("tiny", src, root=root, jobs_dir=jobs_dir)
    wait_for(job_id, jobs_dir, finished)
    on_disk = json.loads((jobs_dir / job_id / "status.json").read_text())
    assert on_disk["state"] == "done" and on_disk["name"] == "tiny"
    spec = json.loads((jobs_dir / job_id / "spec.json").read_text())
    assert spec["sources"]["spend"] == [str(src.spend[0].resolve())]


def test_old_finished_jobs_are_cleaned_up(places):
    src, root, jobs_dir = places
    job_id = jobs.start_import("tiny", src, root=root, jobs_dir=jobs_dir)
    wait_for(job_id, jobs_dir, finished)
    assert jobs.cleanup_jobs(jobs_dir, older_than_s=3600) == 0
    old = time.time() - 7200
    os.utime(jobs_dir / job_id / "status.json", (old, old))
    assert jobs.cleanup_jobs(jobs_dir, older_than_s=3600) == 1
    assert not (jobs_dir / job_id).exists()


def test_one_import_per_user_at_a_time_and_a_stopped_one_does_not_count(places):
    """The local queue's per-user limit (issue 15): ann's second import is refused while her
    first runs; bob's is not; once hers has stopped she may start again."""
    src, root, jobs_dir = places
    first = jobs.start_import("tiny", src, root=root, jobs_dir=jobs_dir, user="ann",
                              env={PAUSE_ENV: "60"})
    with pytest.raises(InputError, match="your import of tiny is still running"):
        jobs.start_import("other", src, root=root, jobs_dir=jobs_dir, user="ann")
    assert len([p for p in jobs_dir.iterdir() if p.is_dir()]) == 1   # nothing left behind
    bob = jobs.start_import("other", src, root=root, jobs_dir=jobs_dir, user="bob")
    assert wait_for(bob, jobs_dir, finished)["state"] == "done"
    jobs.cancel_job(first, jobs_dir)
    again = jobs.start_import("tiny", src, root=root, jobs_dir=jobs_dir, user="ann")
    assert wait_for(again, jobs_dir, finished)["state"] == "done"
