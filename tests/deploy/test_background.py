"""Background callbacks: the disk cache on one machine, Celery + Redis across app processes.

A job is started through one web server and followed (progress, result) through another, as a
load balancer would send the browser's polling anywhere: no web worker holds the job.
"""
from __future__ import annotations

import json
import time

import pytest

from dashboard.web.app import create_app
from dashboard.serve.background import celery_of, make_manager
from dashboard.settings import load_settings
from tests.deploy.conftest import DashHTTP, celery_worker, gunicorn, redis_server
from tests.synthetic import synthetic_dataset

pytestmark = pytest.mark.slow
JOB = "bg-out.children"


def start_job(dash: DashHTTP) -> dict:
    r = dash.call(JOB, {"bg-go.n_clicks": 1}, ["bg-go.n_clicks"])
    assert r.status in (200, 202), r.text[:300]
    handles = r.json()
    assert {"cacheKey", "job"} <= set(handles), handles
    return handles


def follow(dash: DashHTTP, handles: dict, timeout: float = 40.0) -> tuple[str, list[str]]:
    """Poll as the renderer does until the job answers; (result, progress messages seen)."""
    from urllib.parse import quote

    query = f"cacheKey={quote(handles['cacheKey'])}&job={quote(handles['job'])}"
    progress: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = dash.call(JOB, {"bg-go.n_clicks": 1}, ["bg-go.n_clicks"], query=query)
        assert r.status in (200, 202, 204), r.text[:300]
        body = json.loads(r.body) if r.body else {}
        for value in (body.get("progress") or {}).values():
            progress.append(value if isinstance(value, str) else json.dumps(value))
        if "response" in body:
            return body["response"]["bg-out"]["children"], progress
        time.sleep(0.2)
    raise AssertionError("the background job did not finish in time")


def test_bg001_manager_follows_the_settings(tmp_path):
    local = make_manager(load_settings(env={}, cache_dir=str(tmp_path / "c")))
    assert type(local).__name__ == "DiskcacheManager" and (tmp_path / "c").is_dir()
    app = create_app(synthetic_dataset(), load_settings(env={}, cache_dir=str(tmp_path / "c")))
    assert celery_of(app) is None
    remote = make_manager(load_settings(env={}, redis_url="redis://127.0.0.1:1/0"))
    assert type(remote).__name__ == "CeleryManager"     # no connection made until used
    assert remote.handle.conf.task_acks_late is True


def test_bg002_disk_cache_jobs_followed_by_any_gunicorn_worker(tmp_path):
    with gunicorn(tmp_path, workers=4, app="tests.deploy.testapp:server") as g:
        dash = DashHTTP(g.url).open()
        handles = start_job(dash)
        result, _progress = follow(dash, handles)   # each poll may reach another worker
        assert result.startswith("done 1 in pid ")
        assert int(result.rsplit(" ", 1)[1]) not in g.workers()   # ran in its own process


@pytest.mark.parametrize("n_jobs", [3])
def test_bg003_celery_and_redis_shared_by_two_app_processes(tmp_path, n_jobs):
    with redis_server(tmp_path) as redis_url:
        env = {"ANCHOR_REDIS_URL": redis_url}
        with celery_worker(tmp_path, env) as worker, \
                gunicorn(tmp_path, env, workers=2, app="tests.deploy.testapp:server") as a, \
                gunicorn(tmp_path, env, workers=2, app="tests.deploy.testapp:server") as b:
            web_pids = set(a.workers()) | set(b.workers())
            for _ in range(n_jobs):
                on_a = DashHTTP(a.url).open()                    # the page came from machine A
                handles = start_job(on_a)
                on_b = DashHTTP(b.url, deps=on_a.deps, end_id=on_a.end_id)   # polls reach B
                result, progress = follow(on_b, handles)
                assert any("of 3" in p for p in progress), progress   # progress came through B
                pid = int(result.rsplit(" ", 1)[1])
                assert pid not in web_pids                        # a Celery worker ran it
                import psutil

                assert psutil.Process(pid).ppid() == worker.pid or pid == worker.pid
            assert "background_callback_" in (tmp_path / "celery.log").read_text()
