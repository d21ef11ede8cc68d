"""Safe defaults (issue 15): no start on an address other machines can reach with no sign-in,
whether the address comes from ANCHOR_HOST (the Docker image's 0.0.0.0) or gunicorn's own -b,
unless open_to_network says so; the documented nginx front limits slow clients and bodies."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dashboard.settings import load_settings, open_without_sign_in
from tests.conftest import ROOT


def start(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "ANCHOR_DATA_DIR": str(ROOT / "data" / "demo"), **env}
    return subprocess.run([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                           *args, "app:server"], cwd=ROOT, env=full, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("env, args", [({"ANCHOR_HOST": "0.0.0.0"}, ()),
                                       ({}, ("-b", "0.0.0.0:18999"))])
def test_gunicorn_refuses_a_public_address_without_sign_in(env, args):
    r = start({"ANCHOR_AUTH": "none", **env}, *args)
    assert r.returncode != 0
    assert "cannot start" in r.stderr and "ANCHOR_OPEN_TO_NETWORK" in r.stderr


def test_the_rule():
    none = load_settings(env={})
    assert open_without_sign_in(none, ["127.0.0.1:8050", "[::1]:8050", "unix:/run/a.sock"]) is None
    assert open_without_sign_in(none, ["0.0.0.0:8050"]) and open_without_sign_in(none, ["[::]:80"])
    assert open_without_sign_in(load_settings(env={}, open_to_network=True), ["0.0.0.0:1"]) is None
    signed = load_settings(env={}, auth="proxy")
    assert open_without_sign_in(signed, ["0.0.0.0:8050"]) is None


def test_python_app_py_refuses_too(monkeypatch):
    from dashboard.engine.model import build_dataset
    from dashboard.serve.app import create_app, run
    from tests import tiny

    ds = build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS,
                       name="tiny")
    app = create_app(ds, load_settings(env={}, host="0.0.0.0"))
    monkeypatch.setattr(app, "run", lambda **_k: pytest.fail("started"))
    with pytest.raises(SystemExit, match="ANCHOR_OPEN_TO_NETWORK"):
        run(app)


def test_the_dockerfile_and_the_nginx_front_say_so():
    docker = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "ANCHOR_OPEN_TO_NETWORK" in docker
    front = (ROOT / "deploy" / "nginx-front.conf").read_text()
    for line in ("client_header_timeout", "client_body_timeout", "client_max_body_size  4m",
                 "proxy_request_buffering on", "location = /upload"):
        assert line in front
