"""Settings from an optional TOML config file, under the environment; deploy files that parse."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.serve.security import content_security_policy, frame_options, tile_origin
from dashboard.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_cfg001_config_file_then_environment_then_keywords(tmp_path):
    cfg = tmp_path / "anchor.toml"
    cfg.write_text('data_dir = "networks/oxford"\nport = 9000\nproxy_strips_prefix = true\n'
                   'url_prefix = "maps"\nframe_ancestors = ["\'self\'", "https://intranet.example.org"]\n'
                   'auth = "basic"\nauth_file = "users"\nworkers = 8\n')
    s = load_settings(env={"ANCHOR_CONFIG": str(cfg), "ANCHOR_PORT": "9100"}, workers=2)
    assert s.data_dir == str(tmp_path / "networks" / "oxford")     # relative to the file
    assert s.auth_file == str(tmp_path / "users")
    assert (s.port, s.workers, s.url_prefix, s.routes_prefix) == (9100, 2, "/maps/", "/")
    assert s.frame_ancestors == "'self' https://intranet.example.org"


@pytest.mark.parametrize("text, message", [
    ("colour = 'red'\n", "unknown settings"),
    ("port = 'eighty'\n", "port"),
    ("auth = 'ldap'\n", "none, basic or proxy"),
    ("frame_ancestors = \"'self'; script-src *\"\n", "not a CSP source"),
    ("auth_proxies = '10.0.0.300'\n", "auth_proxies"),
    ("port = [\n", "not valid TOML"),
])
def test_cfg002_bad_config_stops_the_start_naming_the_key(tmp_path, text, message):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_settings(env={"ANCHOR_CONFIG": str(cfg)})
    with pytest.raises(ValueError, match="cannot read"):
        load_settings(env={"ANCHOR_CONFIG": str(tmp_path / "missing.toml")})


def test_cfg003_csp_follows_frame_ancestors_and_tile_url():
    s = load_settings(env={}, frame_ancestors="https://a.example 'self'",
                      tile_url="https://tiles.example.org/{z}/{x}/{y}.png")
    csp = content_security_policy(s, ["'sha256-abc='"])
    assert "frame-ancestors https://a.example 'self'" in csp
    assert "script-src 'self' 'sha256-abc='" in csp
    assert "img-src 'self' data: blob: https://tiles.example.org" in csp
    assert "connect-src 'self' https://tiles.example.org" in csp
    assert frame_options("'self'") == "SAMEORIGIN" and frame_options("'none'") == "DENY"
    assert frame_options(s.frame_ancestors) is None
    assert tile_origin("") is None and tile_origin("javascript:alert(1)") is None


def test_cfg004_python_app_py_is_the_local_demo_with_debug_off():
    s = load_settings(env={})
    assert (s.host, s.port, s.debug, s.auth) == ("127.0.0.1", 8050, False, "none")


def test_cfg005_gunicorn_config_takes_the_app_settings(tmp_path):
    env = {**os.environ, "ANCHOR_PORT": "18123", "ANCHOR_WORKERS": "3", "ANCHOR_TIMEOUT": "45"}
    r = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                        "--print-config"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    conf = {k.strip(): v.strip() for k, _, v in (line.partition("=") for line in
                                                 r.stdout.splitlines())}
    assert "127.0.0.1:18123" in conf["bind"]
    assert (conf["workers"], conf["timeout"], conf["preload_app"]) == ("3", "45", "False")


def test_cfg006_systemd_unit_and_dockerfile_run_the_documented_command():
    unit = (ROOT / "deploy" / "anchor-spend-map.service").read_text()
    docker = (ROOT / "deploy" / "Dockerfile").read_text()
    for text in (unit, docker):
        assert "gunicorn" in text and "deploy/gunicorn.conf.py" in text
    assert "NoNewPrivileges=yes" in unit and "ExecReload=/bin/kill -HUP $MAINPID" in unit
    assert "USER " in docker and "HEALTHCHECK" in docker
    doc = (ROOT / "docs" / "deployment.md").read_text()
    assert "gunicorn -c deploy/gunicorn.conf.py" in doc and "python -m deploy.loadtest" in doc
