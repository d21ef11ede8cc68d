"""Responses are compressed for browsers that accept it, never twice, and can be turned off."""
from __future__ import annotations

import gzip
import json
import re

import pytest

from dashboard.serve.app import create_app
from dashboard.settings import load_settings

pytest.importorskip("flask_compress", reason="flask-compress is in requirements.txt")


def biggest_script(client) -> str:
    html = client.get("/").get_data(as_text=True)
    srcs = re.findall(r'src="([^"]+\.js[^"]*)"', html)
    return max(srcs, key=lambda s: len(client.get(s).data))


def test_javascript_is_sent_gzipped_to_a_browser_that_accepts_gzip(gds):
    client = create_app(gds, load_settings(env={})).server.test_client()
    src = biggest_script(client)
    plain = client.get(src).data
    resp = client.get(src, headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(resp.data) == plain and len(resp.data) < len(plain) / 2
    assert "Accept-Encoding" in resp.headers["Vary"]


def test_callback_answers_are_compressed_too(gds):
    app = create_app(gds, load_settings(env={}))
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    grid = next(d for d in deps if "grid-held.data" in d["output"])
    body = {"output": grid["output"],
            "outputs": [dict(zip(("id", "property"), o.rsplit(".", 1)))
                        for o in grid["output"].strip(".").split("...")],
            "inputs": [{"id": "view-state", "property": "data", "value": ""},
                       {"id": "map-recoloured", "property": "data", "value": None}],
            "changedPropIds": ["view-state.data"],
            "state": [{"id": "grid-held", "property": "data", "value": None}]}
    resp = client.post("/_dash-update-component", data=json.dumps(body),
                       content_type="application/json", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    assert "response" in json.loads(gzip.decompress(resp.data))


def test_pre_gzipped_geometry_is_not_compressed_twice(gds):
    client = create_app(gds, load_settings(env={})).server.test_client()
    resp = client.get("/geometry/wards.geojson", headers={"Accept-Encoding": "zstd, br, gzip"})
    assert resp.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(resp.data))["type"] == "FeatureCollection"


def test_compression_can_be_left_to_a_proxy(gds):
    client = create_app(gds, load_settings(env={}, compress=False)).server.test_client()
    resp = client.get(biggest_script(client), headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in resp.headers
