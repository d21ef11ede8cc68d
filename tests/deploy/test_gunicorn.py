"""The demo served by gunicorn with 4 workers: health, headers, callbacks, limits, a short load."""
from __future__ import annotations

import json
import re

import pytest

from deploy.loadtest import run_load
from tests.deploy.conftest import DashHTTP, get, gunicorn, http

pytestmark = pytest.mark.slow

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "same-origin",
                    "x-frame-options": "SAMEORIGIN"}


@pytest.fixture(scope="module")
def small_limit(tmp_path_factory):
    """The demo under gunicorn with 1 MB upload and callback limits (cheap to exceed)."""
    tmp = tmp_path_factory.mktemp("limit")
    with gunicorn(tmp, {"ANCHOR_UPLOAD_LIMIT_MB": "1", "ANCHOR_CALLBACK_LIMIT_MB": "1"}) as g:
        yield g


def test_dep001_four_workers_answer_and_health_reports_the_data_set(small_limit):
    assert len(small_limit.workers()) == 4
    r = get(small_limit.url + "health")
    assert r.status == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["status"] == "ok"
    ds = body["dataset"]
    assert ds["name"] == "Sunderland demo network" and ds["transactions"] > 1000
    assert ds["saved"] and ds["age_seconds"] >= 0 and ds["on_disk"] == "current"
    assert "/" not in json.dumps(ds["version"]), "the health check shows no path"
    pids = {get(small_limit.url + "health").json()["worker"]["pid"] for _ in range(40)}
    assert pids <= set(small_limit.workers())


@pytest.mark.parametrize("path", ["", "health", "_dash-layout", "_dash-dependencies",
                                  "assets/app.css", "geometry/wards.geojson",
                                  "assets/no-such-file.css"])
def test_dep002_security_headers_on_every_route(small_limit, path):
    r = get(small_limit.url + path)
    assert r.status == (404 if path.startswith("assets/no-such") else 200)
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (path, name)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and "default-src 'self'" in csp
    assert "object-src 'none'" in csp and "'unsafe-eval'" not in csp
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'sha256-" in script_src
    if path.startswith("assets/no-such"):
        assert r.text.startswith("404") and "Traceback" not in r.text


def test_dep003_callbacks_answer_through_gunicorn(small_limit):
    dash = DashHTTP(small_limit.url).open()
    r = dash.call("url.search", {"url.search": "?x=20&layer=ward_rank"}, ["url.search"])
    assert r.status == 200
    state = r.json()["response"]["view-state"]["data"]
    assert "x=20" in state and "layer=ward_rank" in state
    assert r.headers["cache-control"] == "no-store"
    m = dash.call("map.figure", {"view-state.data": state}, ["view-state.data"])
    assert m.status == 200 and m.json()["response"]["map"]["figure"]["data"]


def test_dep004_request_bodies_over_the_limit_are_refused_and_the_service_goes_on(small_limit):
    url = small_limit.url + "_dash-update-component"
    big = b"{" + b" " * (3 << 20) + b"}"     # 3 MB > callback_limit_mb (1 MB)
    r = http("POST", url, big, {"Content-Type": "application/json"})
    assert r.status == 413 and "at most 1 MB" in r.text
    # a lying Content-Length is refused before any body is read
    from http.client import HTTPConnection
    from urllib.parse import urlsplit

    u = urlsplit(url)
    conn = HTTPConnection(u.hostname, u.port, timeout=10)
    conn.putrequest("POST", u.path)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(10 << 30))
    conn.endheaders()
    assert conn.getresponse().status == 413
    conn.close()
    assert get(small_limit.url + "health").status == 200


@pytest.mark.parametrize("query", [
    "%", "%%%", "a=%ZZ&&&=;", "x=" + "9" * 5000, "ward=%00%00", "fy=2023&fy=" + "2" * 400,
    "anchor=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "present=%F0%9F%92%A9", "layer[]=1&layer=x",
    "&" * 3000, "=" * 3000, "from=9999-99-99&to=0000-00-00", "x=-1e999", "ref=%E2%80%AE",
])
def test_dep005_malformed_query_strings_never_break_the_page(small_limit, query):
    r = get(small_limit.url + "?" + query)
    assert r.status == 200 and b"<script>alert(1)" not in r.body
    dash = DashHTTP(small_limit.url)
    dash.deps = get(small_limit.url + "_dash-dependencies").json()
    cb = dash.call("url.search", {"url.search": "?" + query}, ["url.search"])
    assert cb.status in (200, 204), cb.text[:200]
    assert b"<script>alert(1)" not in cb.body


def test_dep004b_a_newline_in_the_path_cannot_forge_an_access_log_line(small_limit):
    """Issue 15: gunicorn logs the decoded path; deploy/accesslog.py escapes it."""
    forged = '10.6.6.6 "GET /admin" 200 1 1ms'
    get(small_limit.url + "x%0a" + forged.replace(" ", "%20").replace('"', "%22"))
    get(small_limit.url + "health")      # one more line after it, so the log has been written
    lines = small_limit.log.read_text(errors="replace").splitlines()
    assert not any(line.startswith("10.6.6.6") for line in lines)
    assert any("\\x0a10.6.6.6" in line for line in lines)


def test_dep006_overlong_request_lines_are_refused_cleanly(small_limit):
    r = get(small_limit.url + "?" + "a" * 9000)
    assert r.status in (400, 414)
    assert get(small_limit.url + "health").status == 200


def test_dep007_short_load_50_users_no_errors(small_limit):
    """The default suite's short version of `python -m deploy.loadtest` (docs/deployment.md has
    the 2-minute, 50-user run, held to p95 < 1 s). Here: 50 users for 10 s, no error allowed;
    the latency bound is only a sanity check, since the suite's other tests share the 2 cores
    (p95 has been seen at 2.3 s with a load average of 11)."""
    result = run_load(small_limit.url, users=50, duration=10, think=(1.0, 3.0))
    assert result["errors"] == 0, result["first_errors"]
    assert result["filter_changes"] > 50
    assert result["request_ms"]["p95"] < 5000, result
