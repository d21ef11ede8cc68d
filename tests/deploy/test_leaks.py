"""Injection and leaks found by the penetration test (issue 15), at the HTTP level through Flask's
test client (no server process: these are routing and header decisions of the app itself).

The data set title is escaped in <title>; paths that only look public (``health/``,
``assets//x``, ``_favicon.icox``, ``d/NAME/health``) need sign-in and never answer the page shell;
``d/NAME/health`` does not tell whether NAME exists; a component-suites path Dash refuses is a
404 with no traceback; the page and report are ``no-store``, signed-in geometry ``private``;
a full disk is said without a server path; a ``%0a`` in a path cannot forge an access-log line.
"""
from __future__ import annotations

import base64
import errno
import io
import logging
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.security import generate_password_hash

from dashboard.engine.model import build_dataset
from dashboard.ingest import uploads as upl
from dashboard.ingest.store import save_dataset
from dashboard.ingest.versions import disk_error
from dashboard.serve.app import create_app
from dashboard.settings import load_settings
from deploy.accesslog import SafeLogger
from tests import tiny

EVIL_TITLE = '</title><meta http-equiv="refresh" content="0;url=https://evil.example/">'


def tiny_titled(title: str):
    return build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS,
                         name="tiny", meta={"geometry": tiny.tiny_geometry(), "title": title})


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def signed_in(tmp_path_factory):
    """An app with basic auth, a saved data set "secret" beside it, and the hostile title."""
    tmp = tmp_path_factory.mktemp("leaks")
    users = tmp / "users"
    users.write_text(f"alice:{generate_password_hash('correct horse', 'pbkdf2:sha256:1000')}\n")
    save_dataset(tiny_titled(EVIL_TITLE), tmp / "networks" / "secret")
    app = create_app(tiny_titled(EVIL_TITLE), load_settings(
        env={}, auth="basic", auth_file=str(users), networks_dir=str(tmp / "networks")))
    return app.server.test_client()


def test_the_title_is_escaped_in_the_page(signed_in):
    page = signed_in.get("/", headers=basic("alice", "correct horse")).text
    assert "<meta http-equiv=\"refresh\"" not in page
    assert "<title>&lt;/title&gt;&lt;meta http-equiv=&quot;refresh&quot;" in page
    mounted = signed_in.get("/d/secret/", headers=basic("alice", "correct horse")).text
    assert "<meta http-equiv=\"refresh\"" not in mounted


@pytest.mark.parametrize("path", ["/health/", "/assets//x", "/_favicon.icox", "/assets//app.css",
                                  "/d/secret/health/", "/d/secret/health", "/d/nope/health",
                                  "/d/nope/health/"])
def test_lookalike_public_paths_need_sign_in_and_reveal_nothing(signed_in, path):
    r = signed_in.get(path)
    assert r.status_code == 401, (path, r.status_code)
    assert b"<!DOCTYPE html>" not in r.data and b"Tiny" not in r.data and b"secret" not in r.data


def test_the_real_public_paths_still_answer(signed_in):
    for path in ("/health", "/_favicon.ico", "/assets/app.css"):
        assert signed_in.get(path).status_code == 200, path


def test_a_refused_component_script_is_a_404_without_a_traceback(signed_in, caplog):
    with caplog.at_level(logging.INFO):
        r = signed_in.get("/_dash-component-suites/dash/dash.py")
    assert r.status_code == 404 and b"Traceback" not in r.data
    assert "Traceback" not in caplog.text and not any(rec.exc_info for rec in caplog.records)


def test_cache_control_of_page_report_and_signed_in_geometry(signed_in):
    auth = basic("alice", "correct horse")
    assert signed_in.get("/", headers=auth).headers["Cache-Control"] == "no-store"
    geo = signed_in.get("/geometry/wards.geojson", headers=auth).headers["Cache-Control"]
    assert geo.startswith("private") and "public" not in geo
    open_app = create_app(tiny_titled("x"), load_settings(env={})).server.test_client()
    assert open_app.get("/geometry/wards.geojson").headers["Cache-Control"].startswith("public")
    no_map = build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS,
                           tiny.WARDS, name="tiny")     # no boundaries: the report draws no map
    report = create_app(no_map, load_settings(env={})).server.test_client().get("/report.html")
    assert report.status_code == 200 and report.headers["Cache-Control"] == "no-store"


def test_a_full_disk_is_said_without_a_server_path(tmp_path, monkeypatch):
    msg = str(disk_error(OSError(errno.ENOSPC, "No space left on device"),
                         Path("/srv/secret/networks"), "oxford"))
    assert "full" in msg and "/srv" not in msg

    class FullFile(io.BytesIO):
        def write(self, _b):
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path))

    monkeypatch.setattr(upl, "open", lambda *_a, **_k: FullFile(), raising=False)
    app = create_app(tiny_titled("x"), load_settings(env={}, networks_dir=str(tmp_path / "n")))
    r = app.server.test_client().post("/upload?kind=spend&name=a.csv", data=b"a,b\n1,2\n",
                                      headers={"X-Anchor-Upload": "1"})
    assert r.status_code == 507 and "disk" in r.json["error"]
    assert str(tmp_path) not in r.text


def test_a_newline_in_the_path_cannot_forge_an_access_log_line():
    from gunicorn.config import Config

    logger = SafeLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/x%0a1.2.3.4", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": '/x\n10.0.0.1 "GET /admin" 200', "REMOTE_ADDR": "127.0.0.1"}
    resp = SimpleNamespace(status="404 Not Found", sent=10, headers=[])
    atoms = logger.atoms(resp, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=5))
    line = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms' % atoms   # noqa: UP031 - gunicorn's format
    assert "\n" not in line and '\\"GET /admin\\"' in line and "\\x0a" in line


@pytest.mark.parametrize("body", [b"{}", b"[]", b'{"output": 1}', b"not json",
                                  b'{"output": "x.y", "inputs": "z"}'])
def test_a_malformed_callback_body_is_a_400_without_a_traceback(body, caplog):
    app = create_app(tiny_titled("x"), load_settings(env={}))
    with caplog.at_level(logging.INFO):
        r = app.server.test_client().post("/_dash-update-component", data=body,
                                          content_type="application/json")
    assert r.status_code == 400 and not any(rec.exc_info for rec in caplog.records)


def test_a_callback_body_is_not_parsed_before_sign_in(signed_in):
    r = signed_in.post("/_dash-update-component", data=b"{}", content_type="application/json")
    assert r.status_code == 401                        # sign-in first, then the shape check
    ok = signed_in.post("/_dash-update-component", data=b"{}", content_type="application/json",
                        headers=basic("alice", "correct horse"))
    assert ok.status_code == 400
