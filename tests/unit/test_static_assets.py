"""The page's plotly.js is the partial bundle (same version, four trace types), and its own assets
are compressed and cached instead of sent as uncompressed no-store downloads."""
from __future__ import annotations

import gzip
import re

import pytest

from dashboard.serve.app import create_app
from dashboard.serve.static_assets import BUNDLE, PLOTLY_PATH
from dashboard.settings import load_settings

pytest.importorskip("flask_compress", reason="flask-compress is in requirements.txt")


@pytest.fixture
def client(gds):
    return create_app(gds, load_settings(env={})).server.test_client()


def test_graphs_get_the_partial_plotly_bundle_of_the_same_version(client):
    from plotly.offline import get_plotlyjs_version

    resp = client.get(f"/{PLOTLY_PATH}")
    assert resp.status_code == 200 and resp.data == BUNDLE.read_bytes()
    assert f"plotly.js v{get_plotlyjs_version()}" in resp.data[:300].decode()
    assert len(resp.data) < 3.5e6   # the full plotly.min.js is 4.8 MB


def test_the_bundle_goes_gzipped_and_revalidates_with_a_304(client):
    resp = client.get(f"/{PLOTLY_PATH}", headers={"Accept-Encoding": "gzip, br"})
    assert resp.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(resp.data) == BUNDLE.read_bytes()
    assert resp.headers["Cache-Control"] == "no-cache"
    again = client.get(f"/{PLOTLY_PATH}", headers={"Accept-Encoding": "gzip",
                                                   "If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


def test_the_bundle_is_not_loaded_as_a_page_script(client):
    html = client.get("/").get_data(as_text=True)
    assert "vendor/" not in html and "plotly" not in " ".join(re.findall(r'src="([^"]+)"', html))


def test_fingerprinted_assets_are_cached_for_a_year_and_compressed(client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/assets/00-bootstrap[^"]+\?m=[^"]+)"', html).group(1)
    resp = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.headers["Content-Encoding"] == "gzip" and "Content-Disposition" not in resp.headers
    assert len(gzip.decompress(resp.data)) > 4 * len(resp.data)


def test_an_asset_without_fingerprint_is_revalidated(client):
    resp = client.get("/assets/app.css")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-cache"


def test_a_bundle_of_another_plotly_version_is_not_served(tmp_path, caplog):
    from dashboard.serve.static_assets import bundle_matches

    old = tmp_path / "plotly-maps.min.js"
    old.write_text("/* plotly.js v2.0.0 (MIT): partial bundle */ var Plotly = {};")
    assert not bundle_matches(old) and "rebuild it" in caplog.text
    assert not bundle_matches(tmp_path / "absent.js") and bundle_matches(BUNDLE)
