"""The Celery worker of issue 15 item 3 is deployable as documented: the systemd unit runs the
command docs/deployment.md gives, and a worker started with no redis_url stops with one line
naming the setting instead of a Celery traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMAND = "celery -A dashboard.serve.celery_app worker -Q anchor --concurrency 2"


def test_the_worker_unit_runs_the_documented_command():
    unit = (ROOT / "deploy" / "anchor-spend-map-worker.service").read_text()
    doc = (ROOT / "docs" / "deployment.md").read_text()
    assert COMMAND in doc and "deploy/anchor-spend-map-worker.service" in doc
    start = unit.split("\nExecStart=", 1)[1].replace("\\\n", " ").splitlines()[0]
    assert COMMAND in " ".join(start.split())
    assert "ANCHOR_CONFIG=/etc/anchor-spend-map/config.toml" in unit
    assert "NoNewPrivileges=yes" in unit and "ReadWritePaths=" in unit


def test_a_worker_without_redis_url_stops_with_one_line_naming_it():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANCHOR_")}
    r = subprocess.run([sys.executable, "-m", "celery", "-A", "dashboard.serve.celery_app",
                        "worker", "-Q", "anchor"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode != 0
    assert "the Celery worker needs redis_url" in r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
