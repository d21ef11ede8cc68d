"""A data set's app is complete before anyone reaches it (issue 15): the first concurrent
requests to a newly built app answered 500 "dash is not a registered library" for component
scripts (Dash's lazy setup marks itself done before doing the work)."""
from __future__ import annotations

import re
import threading

from dashboard.engine.model import build_dataset
from dashboard.ingest.store import save_dataset
from dashboard.serve.app import create_app
from dashboard.settings import load_settings
from tests import tiny


def tiny_ds():
    return build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS,
                         tiny.WARDS, name="tiny", meta={"title": "Tiny"})


def test_an_app_is_set_up_when_it_is_made():
    app = create_app(tiny_ds(), load_settings(env={}))
    assert app._got_first_request["setup_server"] and "dash" in app.registered_paths


def test_first_concurrent_requests_to_a_new_data_set_app_all_succeed(tmp_path):
    save_dataset(tiny_ds(), tmp_path / "networks" / "fresh")
    app = create_app(tiny_ds(), load_settings(env={}, networks_dir=str(tmp_path / "networks")))
    page = app.server.test_client().get("/").text
    scripts = re.findall(r'src="/(_dash-component-suites/[^"]+)"', page)[:6]
    assert scripts
    barrier = threading.Barrier(12)
    codes: list[int] = []

    def hit(i: int) -> None:
        client = app.server.test_client()
        barrier.wait()
        codes.append(client.get(f"/d/fresh/{scripts[i % len(scripts)]}").status_code)

    threads = [threading.Thread(target=hit, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert codes == [200] * 12
