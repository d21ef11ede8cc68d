"""The real app (`app.py`, settings from the environment) plus two things only tests need.

- ``<prefix>_test/slow?s=SECONDS``: writes this worker's pid to ``$ANCHOR_TEST_PIDFILE`` and
  sleeps, so a test can kill the worker while a request is in flight.
- a background callback (button ``bg-go`` -> ``bg-out``, progress in ``bg-progress``) that
  runs on the app's background manager (Celery + Redis or the disk cache) and says which process
  and which web server started it, so a test can follow a job across processes.

Served as ``gunicorn -c deploy/gunicorn.conf.py tests.deploy.testapp:server``; a Celery worker
runs ``celery -A tests.deploy.testapp:celery_app worker``.
"""
from __future__ import annotations

import os
import time

from dash import Input, Output, html
from flask import request

from app import app, celery_app, server, settings  # noqa: F401 - re-exported for gunicorn/celery

TEST_PIDFILE = "ANCHOR_TEST_PIDFILE"


def _slow():
    path = os.environ.get(TEST_PIDFILE)
    if path:
        with open(path, "w") as fh:
            fh.write(str(os.getpid()))
    time.sleep(min(float(request.args.get("s", "5")), 30.0))
    return "slept\n"


server.add_url_rule(f"{settings.routes_prefix}_test/slow", "anchor_test_slow", _slow)

app.layout.children.append(html.Div([html.Button("Run job", id="bg-go"),
                                     html.Div(id="bg-progress"), html.Div(id="bg-out")]))


@app.callback(Output("bg-out", "children"), Input("bg-go", "n_clicks"), background=True,
              progress=[Output("bg-progress", "children")], prevent_initial_call=True)
def _job(set_progress, n_clicks):
    for step in range(3):
        set_progress(f"step {step + 1} of 3")
        time.sleep(0.3)
    return f"done {n_clicks} in pid {os.getpid()}"
