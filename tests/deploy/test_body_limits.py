"""Request body limits per kind of request (issue 15): a callback body is capped at
callback_limit_mb (a body just under the upload limit cost a worker about 1 GB to parse), while
an upload of many times that streams through its own route."""
from __future__ import annotations

from dashboard.engine.model import build_dataset
from dashboard.serve.app import create_app
from dashboard.settings import load_settings
from tests import tiny


def test_callbacks_are_capped_far_below_uploads_which_still_stream(tmp_path):
    ds = build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS,
                       name="tiny")
    app = create_app(ds, load_settings(env={}, upload_limit_mb=50, callback_limit_mb=1,
                                       networks_dir=str(tmp_path / "networks")))
    c = app.server.test_client()
    body = b"{" + b" " * (3 << 20) + b"}"          # 3 MB: over the callback cap
    r = c.post("/_dash-update-component", data=body, content_type="application/json")
    assert r.status_code == 413 and b"at most 1 MB" in r.data
    upload = b"a,b\n" + b"1,2\n" * (2 << 20)        # 8 MB file: far over the callback cap
    r = c.post("/upload?kind=spend&name=big.csv", data=upload,
               headers={"X-Anchor-Upload": "1", "Content-Type": "application/octet-stream"})
    assert r.status_code == 200 and r.json["size"] == len(upload), r.json
    assert c.get("/health").status_code == 200
