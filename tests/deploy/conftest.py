"""Deployment test fixtures: gunicorn on a free loopback port, a Dash HTTP client.

Every server is started as a subprocess in its own process group, waited for with a deadline and
stopped (SIGTERM, then SIGKILL) at the end, whatever the test did. Tests that need Debian's
`chromium` skip with the reason when it is absent.
"""
from __future__ import annotations

import contextlib
import html as html_lib
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from deploy.loadtest import callback_payload, free_port, start_gunicorn, stop_gunicorn

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
CHROMIUM = Path(os.environ.get("ANCHOR_CHROMIUM", "/usr/bin/chromium"))


# --------------------------------------------------------------------------- HTTP
@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def http(method: str, url: str, body: bytes | dict | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30.0,
         source: str | None = None) -> Reply:
    """One request with the standard library (no redirects followed, errors returned as Replies).
    `source` binds the client side to another loopback address (127.0.0.2 ...)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    hdrs = dict(headers or {})
    if isinstance(body, dict):
        hdrs.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path or "/", body=data, headers=hdrs)
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def dash_config(page_html: str) -> dict:
    """The `_dash-config` JSON embedded in the page (holds the signed end_id)."""
    m = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>',
                  page_html, re.S)
    assert m, "no _dash-config in the page"
    return json.loads(html_lib.unescape(m.group(1)))


@dataclass
class DashHTTP:
    """Calls a Dash app's callbacks over HTTP, as the renderer does."""

    base: str                      # ends with "/"
    headers: dict[str, str] = field(default_factory=dict)
    deps: list[dict] = field(default_factory=list)
    end_id: str | None = None

    def open(self) -> DashHTTP:
        page = http("GET", self.base, headers=self.headers)
        assert page.status == 200, page.status
        self.end_id = dash_config(page.text).get("end_id")
        self.deps = http("GET", self.base + "_dash-dependencies", headers=self.headers).json()
        return self

    def dep(self, output_part: str) -> dict:
        return next(d for d in self.deps if output_part in d["output"])

    def call(self, output_part: str, values: dict[str, Any], changed: list[str],
             query: str = "") -> Reply:
        body = callback_payload(self.dep(output_part), values, changed)
        q = f"?endId={self.end_id}" if self.end_id else ""
        if query:
            q = (q + "&" if q else "?") + query
        return http("POST", self.base + "_dash-update-component" + q, body, self.headers)


# --------------------------------------------------------------------------- gunicorn
@dataclass
class Gunicorn:
    """A running gunicorn: base URL, master process, log file."""

    url: str
    proc: subprocess.Popen
    log: Path

    def workers(self) -> list[int]:
        import psutil

        return [c.pid for c in psutil.Process(self.proc.pid).children()
                if c.status() != psutil.STATUS_ZOMBIE]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def gunicorn(tmp: Path, env: dict[str, str] | None = None, workers: int = 4,
             app: str = "app:server", prefix: str = "/") -> Iterator[Gunicorn]:
    """gunicorn with deploy/gunicorn.conf.py, `workers` workers, on a free loopback port."""
    port = free_port()
    log = tmp / f"gunicorn-{port}.log"
    full = {"ANCHOR_DATA_DIR": str(DEMO), **(env or {})}
    proc = start_gunicorn(port, workers, full, app=app, log=log)
    try:
        yield Gunicorn(f"http://127.0.0.1:{port}{prefix}", proc, log)
    finally:
        stop_gunicorn(proc)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Gunicorn]:
    """The demo under gunicorn, 4 workers, default settings, plus the test-only routes."""
    tmp = tmp_path_factory.mktemp("served")
    with gunicorn(tmp, {"ANCHOR_TEST_PIDFILE": str(tmp / "slow.pid")},
                  app="tests.deploy.testapp:server") as g:
        yield g


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.1):
    """Poll `predicate` until it returns a true value (returned) or the time runs out (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def get(url: str, **kw) -> Reply:
    return http("GET", url, **kw)

