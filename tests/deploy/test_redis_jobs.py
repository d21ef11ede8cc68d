"""Long work on Celery + Redis when redis_url is set (issue 15 item 3), with a real redis-server on
a free loopback port and a real Celery worker process: two app servers on different data folders
sharing the one Redis see each other's jobs (status, progress, result), the per-user limits hold
across both, a killed worker's job is reported failed, and Redis down is a clear error at once.
Skipped, with the reason, where redis-server or celery is not installed."""
from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.engine.model import build_dataset
from dashboard.errors import InputError
from dashboard.ingest import jobs
from dashboard.ingest.store import save_dataset
from dashboard.ingest.uploads import jobs_folder
from dashboard.ingest.versions import PAUSE_ENV
from deploy.loadtest import free_port
from tests import tiny

celery = pytest.importorskip("celery", reason="celery is not installed (pip install celery)")
redis = pytest.importorskip("redis", reason="redis-py is not installed (pip install redis)")
REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None,
                                reason="redis-server is not installed (apt-get install "
                                       "redis-server)")
ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": "Basic " + base64.b64encode(b"ann:pw-12345678").decode()}


# --------------------------------------------------------------------------- servers
@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A throw-away redis-server on a free loopback port (no persistence)."""
    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and proc.poll() is None, "redis-server did not start"
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(10)


SLOW_WORKER = """
import os, sys, time
import dashboard.serve.celery_app as c
real = c.export_in_process
def slow(*args):
    time.sleep(float(os.environ["SLOW_EXPORTS_S"]))
    return real(*args)
c.export_in_process = slow
from celery.__main__ import main
sys.argv = ["celery", *sys.argv[1:]]
main()
"""


def start_worker(url: str, log: Path, env: dict[str, str] | None = None,
                 slow_exports_s: float = 0, pool: str = "solo") -> subprocess.Popen:
    """`celery -A dashboard.serve.celery_app worker` (one process of `pool`) in its own process
    group, once it says it is ready; `slow_exports_s` makes each export sleep that long first."""
    full = {**os.environ, "ANCHOR_REDIS_URL": url, "PYTHONPATH": str(ROOT), **(env or {}),
            "SLOW_EXPORTS_S": str(slow_exports_s)}
    start = ["-c", SLOW_WORKER] if slow_exports_s else ["-m", "celery"]
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, *start, "-A", "dashboard.serve.celery_app", "worker",
             "-Q", "anchor", "--pool", pool, "--concurrency", "1", "--loglevel", "INFO", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_worker(proc)
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()}")
        time.sleep(0.1)
    return proc


def stop_worker(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(proc.pid, sig)
        proc.wait(15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


@pytest.fixture()
def flush(redis_url):
    redis.Redis.from_url(redis_url).flushdb()


def data_folder(folder: Path) -> Path:
    """A server's own folder: the tiny data set saved in net/, a users file (ann)."""
    from werkzeug.security import generate_password_hash

    folder.mkdir(parents=True)
    ds = build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS,
                       tiny.WARDS, name="tiny")
    save_dataset(ds, folder / "net")
    (folder / "users").write_text(
        f"ann:{generate_password_hash('pw-12345678', 'pbkdf2:sha256:1000')}\n")
    return folder


def make_app(folder: Path, url: str, **overrides):
    """An app server on its own data folder (a saved tiny data set, its own networks folder),
    signed in with basic auth (user ann), jobs on `url`."""
    from dashboard.serve.app import create_app
    from dashboard.settings import load_settings

    data_folder(folder)
    settings = load_settings(env={}, data_dir=str(folder / "net"), auth="basic",
                             auth_file=str(folder / "users"), redis_url=url,
                             auth_limits_file=str(folder / "limits.sqlite"),
                             networks_dir=str(folder / "networks"), **overrides)
    return create_app(None, settings), settings


def wait_for(check, timeout: float = 60.0, what: str = "the job"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} never got there")


# --------------------------------------------------------------------------- the tests
def test_admission_is_atomic_across_many_clients(redis_url, flush):
    """Forty clients race for one user's two slots: exactly two win (one Lua script)."""
    from dashboard.serve.redisjobs import RedisJobs

    won = []

    def take(i: int) -> None:
        code, _ = RedisJobs(redis_url).admit("export", "ann", f"j{i}", per_user=2, total=100,
                                             lifetime_s=60)
        if code == 0:
            won.append(i)

    threads = [threading.Thread(target=take, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(won) == 2


def test_a_status_reads_back_exactly_as_written_and_a_final_state_stays(redis_url, flush):
    """Empty lists stay lists and floats keep every digit (the page's import report reads them);
    a late progress line never turns a failed job back to running."""
    from dashboard.serve.redisjobs import RedisJobs

    store = RedisJobs(redis_url)
    result = {"duplicates_refused": [], "counts": {"transactions": 7}, "share": 0.1234567890123456}
    store.write("j1", state="running", progress=0.5)
    store.write("j1", state="done", result=result)
    assert store.read("j1")["result"] == result
    store.write("j2", state="failed", error="cancelled")
    assert not store.write("j2", state="running", progress=0.9)
    assert not store.write("j2", only_if="queued", state="running")
    assert store.read("j2")["state"] == "failed"


def test_an_export_finished_after_its_request_gave_up_leaves_no_bytes_in_redis(redis_url,
                                                                             flush):
    from dashboard.serve.redisjobs import RedisJobs

    store = RedisJobs(redis_url)
    store.write("j1", state="queued")
    assert store.write("j1", only_if="queued", state="running")      # a worker claimed it
    store.write("j1", state="failed", error="given up waiting")      # the web thread left
    store.finish("j1", result=b"x" * 1000, state="done", name="big.xlsx")
    assert store.read("j1")["state"] == "failed"
    assert not store.r.exists("anchor:result:j1")
    store.write("j2", state="running")
    store.finish("j2", result=b"csv", state="done", name="a.csv")
    assert store.read("j2")["state"] == "done" and store.take_result("j2") == b"csv"


def test_two_app_servers_on_different_folders_share_jobs_through_redis(redis_url, flush,
                                                                        tmp_path, monkeypatch):
    from dashboard.serve import exportqueue
    from tests.unit.test_importer import write_sources

    monkeypatch.setattr(exportqueue, "_queues", {})
    app_a, set_a = make_app(tmp_path / "a", redis_url, exports_per_user=1)
    app_b, set_b = make_app(tmp_path / "b", redis_url, exports_per_user=1)
    a, b = app_a.server.test_client(), app_b.server.test_client()
    worker = start_worker(redis_url, tmp_path / "worker.log", {PAUSE_ENV: "6"},
                          pool="prefork")          # as docs/deployment.md runs it
    try:
        # an export through A is made by the worker, not in A's own export process
        r = a.get("/export/suppliers.csv", headers=AUTH)
        assert r.status_code == 200 and b"Dep One Ltd" in r.data, r.text
        assert exportqueue._queues[os.getpid()]._pool is None

        # an import started through A is followed through B (status, progress, result)
        src = write_sources(tmp_path / "in")
        job = jobs.start_import("tiny", src, root=set_a.networks_dir,
                                jobs_dir=jobs_folder(set_a), user="ann")
        seen_b = wait_for(lambda: (s := jobs.job_status(job, jobs_folder(set_b)))
                          and "pausing" in s.get("message", "") and s, what="the pause")
        assert seen_b["state"] == "running" and seen_b["progress"] == pytest.approx(0.96)
        with pytest.raises(InputError, match="still running"):   # one import per user, on B too
            jobs.start_import("other", src, root=set_b.networks_dir,
                              jobs_dir=jobs_folder(set_b), user="ann")

        # ann's export through A waits behind the import; B sees it, and refuses her next one
        out = {}
        t = threading.Thread(target=lambda: out.setdefault(
            "r", app_a.server.test_client().get("/export/wards.csv", headers=AUTH)))
        t.start()
        mine = wait_for(lambda: b.get("/export/status", headers=AUTH).json["exports"],
                        what="ann's export in B's status")
        assert mine[0]["what"] == "wards.csv" and mine[0]["state"] in ("queued", "running")
        second = b.get("/export/suppliers.xlsx", headers=AUTH)
        assert second.status_code == 429 and "wards.csv" in second.text
        t.join(60)
        assert out["r"].status_code == 200 and out["r"].data, out["r"].text
        done = wait_for(lambda: (s := jobs.job_status(job, jobs_folder(set_b)))["state"] in (
            "done", "failed") and s)
        assert done["state"] == "done", done
        assert done["result"]["counts"]["transactions"] == 7 and done["by"] == "ann"
        assert done["result"]["duplicates_refused"] == []        # as the worker wrote it
        assert (Path(set_a.networks_dir) / "tiny").exists()      # written where A said
        assert b.get("/export/status", headers=AUTH).json == {"exports": []}
    finally:
        stop_worker(worker)


def paused_import(settings, tmp_path) -> str:
    """Ann's import of "tiny" started, once the worker says it is pausing (PAUSE_ENV)."""
    from tests.unit.test_importer import write_sources

    job = jobs.start_import("tiny", write_sources(tmp_path / "in"), root=settings.networks_dir,
                            jobs_dir=jobs_folder(settings), user="ann")
    wait_for(lambda: "pausing" in jobs.job_status(job, jobs_folder(settings))["message"],
             what="the pause")
    return job


def test_a_killed_workers_import_is_reported_failed_not_stuck(redis_url, flush, tmp_path,
                                                              monkeypatch):
    from dashboard.serve import exportqueue
    from dashboard.serve.redisjobs import BEAT_TTL_S
    from tests.unit.test_importer import write_sources

    monkeypatch.setattr(exportqueue, "_queues", {})
    _, settings = make_app(tmp_path / "a", redis_url)
    worker = start_worker(redis_url, tmp_path / "worker.log", {PAUSE_ENV: "120"})
    try:
        job = paused_import(settings, tmp_path)
    finally:
        stop_worker(worker, signal.SIGKILL)
    killed = time.monotonic()
    status = wait_for(lambda: (s := jobs.job_status(job, jobs_folder(settings)))["state"]
                      != "running" and s, timeout=BEAT_TTL_S + 10)
    assert status["state"] == "failed" and "stopped before it finished" in status["error"]
    assert time.monotonic() - killed < BEAT_TTL_S + 5
    assert not (Path(settings.networks_dir) / "tiny").exists()
    # her slot was given back: a new import is accepted (and waits for a worker)
    again = jobs.start_import("tiny", write_sources(tmp_path / "in2"),
                              root=settings.networks_dir, jobs_dir=jobs_folder(settings),
                              user="ann")
    assert jobs.job_status(again, jobs_folder(settings))["state"] == "queued"


def test_a_killed_workers_export_answers_503_within_the_heartbeat(redis_url, flush, tmp_path,
                                                                   monkeypatch):
    from dashboard.serve import exportqueue
    from dashboard.serve.redisjobs import BEAT_TTL_S

    monkeypatch.setattr(exportqueue, "_queues", {})
    app, _ = make_app(tmp_path / "a", redis_url)
    worker = start_worker(redis_url, tmp_path / "worker.log", slow_exports_s=120)
    out = {}
    t = threading.Thread(target=lambda: out.setdefault(
        "r", app.server.test_client().get("/export/suppliers.csv", headers=AUTH)))
    try:
        t.start()
        c = app.server.test_client()
        wait_for(lambda: [e for e in c.get("/export/status", headers=AUTH).json["exports"]
                          if e["state"] == "running"], what="the export running")
    finally:
        stop_worker(worker, signal.SIGKILL)
    killed = time.monotonic()
    t.join(BEAT_TTL_S + 10)
    assert not t.is_alive(), "the request still waits for a dead worker"
    assert out["r"].status_code == 503 and "export worker stopped" in out["r"].text
    assert time.monotonic() - killed < BEAT_TTL_S + 5
    assert c.get("/export/status", headers=AUTH).json == {"exports": []}


def test_a_cancelled_import_changes_nothing_and_the_worker_goes_on(redis_url, flush, tmp_path,
                                                                   monkeypatch):
    from dashboard.serve import exportqueue

    monkeypatch.setattr(exportqueue, "_queues", {})
    app, settings = make_app(tmp_path / "a", redis_url)
    worker = start_worker(redis_url, tmp_path / "worker.log", {PAUSE_ENV: "4"})
    try:
        job = paused_import(settings, tmp_path)
        status = jobs.cancel_job(job, jobs_folder(settings))
        assert status["state"] == "failed" and "cancelled" in status["error"]
        store = redis.Redis.from_url(redis_url)
        wait_for(lambda: store.exists(f"anchor:done:{job}"), timeout=30, what="the task's end")
        assert not (Path(settings.networks_dir) / "tiny").exists()
        assert jobs.job_status(job, jobs_folder(settings))["error"].startswith("cancelled")
        assert worker.poll() is None                  # the worker was not stopped with it
        r = app.server.test_client().get("/export/suppliers.csv", headers=AUTH)
        assert r.status_code == 200, r.text
    finally:
        stop_worker(worker)


def test_an_export_no_worker_takes_ends_with_503_and_frees_the_slot(redis_url, flush, tmp_path,
                                                                    monkeypatch):
    from dashboard.serve import exportqueue
    from dashboard.serve.celery_jobs import CeleryJobs
    from dashboard.serve.exportqueue import Busy

    monkeypatch.setattr(exportqueue, "_queues", {})
    _, settings = make_app(tmp_path / "a", redis_url, exports_per_user=1)
    backend = CeleryJobs(settings)
    with pytest.raises(Busy) as err:
        backend.export("ann", "map.png", settings.data_dir, settings, "file", "map.png", "",
                       per_user=True, wait_s=1.5)
    assert err.value.status == 503 and "no export worker" in str(err.value)
    assert backend.status("ann") == []
    with pytest.raises(Busy) as err:    # her slot is free again: this one is admitted too
        backend.export("ann", "map.svg", settings.data_dir, settings, "file", "map.svg", "",
                       per_user=True, wait_s=0.5)
    assert err.value.status == 503


def test_redis_down_is_a_clear_error_at_once_not_a_hang(tmp_path, monkeypatch):
    from dashboard.serve import exportqueue
    from tests.unit.test_importer import write_sources

    monkeypatch.setattr(exportqueue, "_queues", {})
    app, settings = make_app(tmp_path / "a", f"redis://127.0.0.1:{free_port()}/0")
    c = app.server.test_client()
    started = time.monotonic()
    r = c.get("/export/suppliers.csv", headers=AUTH)
    assert r.status_code == 503 and "job queue (Redis) cannot be reached" in r.text
    assert r.headers["Retry-After"]
    assert c.get("/export/status", headers=AUTH).status_code == 503
    with pytest.raises(InputError, match="cannot be reached"):
        jobs.start_import("tiny", write_sources(tmp_path / "in"), root=settings.networks_dir,
                          jobs_dir=jobs_folder(settings), user="ann")
    assert time.monotonic() - started < 10
    assert not any(jobs_folder(settings).glob("*/spec.json"))     # nothing left behind


def test_the_pages_import_started_on_one_server_is_followed_on_another(redis_url, flush,
                                                                        tmp_path, monkeypatch):
    """As the page does it (upload, start, follow): started through server A, followed and
    reported through server B, which shares only Redis and the data sets folder with A."""
    from dashboard.ingest.uploads import UploadStore, uploads_folder
    from dashboard.serve import exportqueue
    from dashboard.serve.app import context_of, create_app
    from dashboard.serve.networks import networks_of
    from dashboard.web.callbacks import data as cb
    from dashboard.web.ids import MAPPING_FIELDS
    from tests.synthetic import synthetic_dataset
    from tests.unit.test_data_callbacks import imported_places, settings_for, upload
    from tests.unit.test_importer import REGISTER, SPEND

    monkeypatch.setattr(exportqueue, "_queues", {})
    places = imported_places(tmp_path)
    apps = [create_app(synthetic_dataset(n_suppliers=60, n_tx=600),
                       settings_for(places, redis_url=redis_url,
                                    data_dir=str(tmp_path / f"data-{side}")))
            for side in "ab"]
    ctx_a, ctx_b = (context_of(app) for app in apps)
    store = UploadStore(uploads_folder(ctx_a.settings))
    batch = store.new_batch()
    upload(store, batch, "q1.csv", SPEND)
    upload(store, batch, "register.csv", REGISTER, kind="suppliers")
    worker = start_worker(redis_url, tmp_path / "worker.log")
    try:
        job = cb.start_import(ctx_a, store, cb.batch_files(store, {"batch": batch}),
                              [None] * len(MAPPING_FIELDS), None, None, None, "fresh",
                              "Fresh one", [], ["tiny"])
        assert not (jobs_folder(ctx_a.settings) / job["job"] / "status.json").exists()
        follow = lambda: cb.follow_job(networks_of(apps[1]), job,   # noqa: E731
                                       jobs_folder(ctx_b.settings))
        disabled, value, hidden, words, report, refresh = wait_for(
            lambda: (f := follow())[0] and f, timeout=120, what="the import's end")
        assert value == "100" and "ready" in words and refresh == job["job"], words
        assert "/d/fresh/export/rejected.csv" in str(report)
    finally:
        stop_worker(worker)


def test_two_gunicorn_servers_share_limits_and_status_through_redis(redis_url, flush, tmp_path):
    """The real process model: two gunicorns (one worker each, their own data folders, settings
    from ANCHOR_* variables) and a Celery worker; an export asked of one is seen by the other,
    which refuses the same user's next one."""
    from tests.deploy.conftest import gunicorn, http

    envs = []
    for side in "ab":
        folder = data_folder(tmp_path / side)
        envs.append({"ANCHOR_DATA_DIR": str(folder / "net"), "ANCHOR_AUTH": "basic",
                     "ANCHOR_AUTH_FILE": str(folder / "users"), "ANCHOR_REDIS_URL": redis_url,
                     "ANCHOR_AUTH_LIMITS_FILE": str(folder / "limits.sqlite"),
                     "ANCHOR_NETWORKS_DIR": str(folder / "networks"),
                     "ANCHOR_EXPORTS_PER_USER": "1"})
    worker = start_worker(redis_url, tmp_path / "worker.log", slow_exports_s=4)
    try:
        with gunicorn(tmp_path, envs[0], workers=1) as a, gunicorn(tmp_path, envs[1],
                                                                   workers=1) as b:
            out = {}
            t = threading.Thread(target=lambda: out.setdefault("r", http(
                "GET", f"{a.url}export/suppliers.csv", headers=AUTH, timeout=60)))
            t.start()
            seen = wait_for(lambda: http("GET", f"{b.url}export/status",
                                         headers=AUTH).json()["exports"], what="B's status")
            assert seen[0]["what"] == "suppliers.csv"
            refused = http("GET", f"{b.url}export/wards.csv", headers=AUTH)
            assert refused.status == 429 and "suppliers.csv" in refused.text
            t.join(60)
            assert out["r"].status == 200 and b"Dep One Ltd" in out["r"].body, out["r"].text
            assert http("GET", f"{b.url}export/wards.csv", headers=AUTH).status == 200
    finally:
        stop_worker(worker)


def test_queueing_a_task_with_the_broker_down_fails_at_once():
    """Celery's pooled producer retried for about 6 s; a task is queued on a connection tried
    once, so a web thread never waits on a broker that is down."""
    from dashboard.serve.celery_jobs import send
    from dashboard.serve.redisjobs import QueueDown

    started = time.monotonic()
    with pytest.raises(QueueDown) as err:
        send(f"redis://127.0.0.1:{free_port()}/0", "anchor.export", "0123456789abcdef")
    assert err.value.status == 503 and time.monotonic() - started < 3
