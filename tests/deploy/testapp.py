"""The real app (`app.py`, settings from the environment) plus one thing only tests need.

- ``<prefix>_test/slow?s=SECONDS``: writes this worker's pid to ``$ANCHOR_TEST_PIDFILE`` and
  sleeps, so a test can kill the worker while a request is in flight.

Served as ``gunicorn -c deploy/gunicorn.conf.py tests.deploy.testapp:server``.
"""
from __future__ import annotations

import os
import time

from flask import request

from app import app, server  # noqa: F401 - re-exported for gunicorn
from dashboard.serve.app import context_of

TEST_PIDFILE = "ANCHOR_TEST_PIDFILE"
settings = context_of(app).settings


def _slow():
    path = os.environ.get(TEST_PIDFILE)
    if path:
        with open(path, "w") as fh:
            fh.write(str(os.getpid()))
    time.sleep(min(float(request.args.get("s", "5")), 30.0))
    return "slept\n"


server.add_url_rule(f"{settings.routes_prefix}_test/slow", "anchor_test_slow", _slow)
