"""Long work off the web threads (issue 15): exports of a saved data set are made in the web
worker's export process, a few per user at a time; one more from the same user is refused at
once, another user is not held behind them, and a user can ask how their exports are going."""
from __future__ import annotations

import os
import threading

import pytest

from dashboard.engine.model import build_dataset
from dashboard.ingest.store import save_dataset
from dashboard.serve import exportqueue
from dashboard.serve.app import create_app
from dashboard.serve.exportqueue import Busy, ExportQueue
from dashboard.settings import load_settings
from tests import tiny


def test_one_user_is_limited_and_another_is_not_held_behind_them():
    q = ExportQueue(workers=2, per_user=1, max_queued=3)
    gate, started = threading.Event(), threading.Event()

    def slow():
        started.set()
        gate.wait(10)
        return "map"

    out = {}
    t = threading.Thread(target=lambda: out.setdefault("a", q.run("ann", "map.png", slow,
                                                                   in_process=False)))
    t.start()
    assert started.wait(5)
    with pytest.raises(Busy) as err:                   # ann's second: refused at once
        q.run("ann", "report", lambda: "r", in_process=False)
    assert err.value.status == 429 and "map.png" in str(err.value)
    assert q.status("ann")[0]["what"] == "map.png"
    assert q.run("bob", "suppliers.csv", lambda: "csv", in_process=False) == "csv"   # not held
    gate.set()
    t.join(10)
    assert out["a"] == "map" and q.status("ann") == []
    q.close()


def test_a_full_queue_answers_busy_with_retry_after():
    q = ExportQueue(workers=1, per_user=5, max_queued=1)
    gate = threading.Event()
    t = threading.Thread(target=lambda: q.run("ann", "a", lambda: gate.wait(10),
                                              in_process=False))
    t.start()
    while not q.status("ann"):
        pass
    with pytest.raises(Busy) as err:
        q.run("bob", "b", lambda: 1, in_process=False)
    assert err.value.status == 503 and err.value.retry_after > 0
    gate.set()
    t.join(10)
    q.close()


def test_a_saved_data_set_is_exported_in_another_process(tmp_path, monkeypatch):
    ds = build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS,
                       name="tiny")
    save_dataset(ds, tmp_path / "net")
    monkeypatch.setattr(exportqueue, "_queues", {})
    app = create_app(None, load_settings(env={}, data_dir=str(tmp_path / "net"),
                                         networks_dir=str(tmp_path / "networks")))
    c = app.server.test_client()
    r = c.get("/export/suppliers.csv")
    assert r.status_code == 200 and b"Dep One Ltd" in r.data
    assert "attachment" in r.headers["Content-Disposition"]
    report = c.get("/report.html")
    assert report.status_code == 200 and b"<html" in report.data
    queue = exportqueue._queues[os.getpid()]
    assert queue._pool is not None and queue._threads is None     # a process, not a thread
    assert c.get("/export/status").json == {"exports": []}
    queue.close()


def test_signed_in_users_are_limited_over_http(tmp_path, monkeypatch):
    """Two exports at once from one signed-in user: the second is a 429 naming the first."""
    import base64

    from werkzeug.security import generate_password_hash

    users = tmp_path / "users"
    users.write_text(f"ann:{generate_password_hash('pw-12345678', 'pbkdf2:sha256:1000')}\n")
    ds = build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS,
                       name="tiny")
    monkeypatch.setattr(exportqueue, "_queues", {})
    app = create_app(ds, load_settings(env={}, auth="basic", auth_file=str(users),
                                       exports_per_user=1, networks_dir=str(tmp_path / "n"),
                                       auth_limits_file=str(tmp_path / "l.sqlite")))
    gate, started = threading.Event(), threading.Event()
    from dashboard.serve import exports_routes

    real = exports_routes.export_file

    def slow(*args):
        started.set()
        gate.wait(10)
        return real(*args)

    monkeypatch.setattr(exports_routes, "export_file", slow)
    auth = {"Authorization": "Basic " + base64.b64encode(b"ann:pw-12345678").decode()}
    first = {}
    t = threading.Thread(target=lambda: first.setdefault(
        "r", app.server.test_client().get("/export/suppliers.csv", headers=auth)))
    t.start()
    assert started.wait(10)
    c = app.server.test_client()
    assert c.get("/export/status", headers=auth).json["exports"][0]["what"] == "suppliers.csv"
    second = c.get("/export/wards.csv", headers=auth)
    assert second.status_code == 429 and "suppliers.csv" in second.text
    assert second.headers["Retry-After"]
    gate.set()
    t.join(10)
    assert first["r"].status_code == 200
    exportqueue._queues[os.getpid()].close()


def _die():
    os._exit(3)


def test_exports_run_at_a_lower_priority_and_a_dead_export_process_is_replaced():
    q = ExportQueue(workers=1)
    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    nice = q.run("u", "x", lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()),
                 in_process=False)
    assert nice >= min(19, base + 10)
    with pytest.raises(Busy) as err:            # killed (out of memory, say): a 503, not a 500
        q.run("u", "map.png", _die)
    assert err.value.status == 503
    assert q.run("u", "y", os.getpriority, os.PRIO_PROCESS, 0) >= min(19, base + 10)  # new one
    q.close()
