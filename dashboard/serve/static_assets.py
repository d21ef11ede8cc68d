"""How the page's static files are served: a smaller plotly.js, and assets cached and compressed.

plotly.js. Dash's dcc.Graph takes plotly.js from ``window.Plotly`` or, when absent, loads the
script at ``<prefix>_dash-component-suites/plotly/package_data/plotly.min.js`` (the full
plotly.js plotly.py ships, 4.8 MB, every trace type). The page draws four trace types
(choroplethmap, scattermap, bar, scatter), so this app answers that one URL itself with
``assets/vendor/plotly-maps.min.js``, a partial bundle of the same plotly.js version built from
plotly.js's own modules by ``assets-src/build-plotly.mjs`` (3.1 MB, 0.9 MB gzipped against
1.5 MB). A Flask rule with no variable part wins over Dash's ``<package>/<path>`` rule, so
nothing else changes: Dash still loads it only when a graph is first drawn. The map image
(kaleido) uses plotly.py's own full plotly.js, untouched. The bundle goes out compressed (made
once per process) with an ETag and ``no-cache``: the URL is not fingerprinted, so the browser
revalidates (304) rather than keeps a stale copy after an upgrade.

Assets. Flask sends ``/assets/*`` as file streams with ``Content-Disposition: inline``, which
flask-compress leaves uncompressed (streams) and the security headers mark ``no-store`` (a
disposition is a download). For the page's own CSS and scripts neither fits: the disposition is
dropped, the body is read so flask-compress compresses it, and Dash's fingerprinted URLs
(``?m=<mtime>``) are cached for a year (``immutable``), others revalidated.
"""
from __future__ import annotations

import gzip
import hashlib
import logging
from functools import lru_cache
from pathlib import Path

from dash import Dash
from flask import Response, request

from dashboard.settings import ROOT, Settings

log = logging.getLogger(__name__)

BUNDLE = ROOT / "assets" / "vendor" / "plotly-maps.min.js"
PLOTLY_PATH = "_dash-component-suites/plotly/package_data/plotly.min.js"
YEAR = 365 * 24 * 3600
COMPRESSIBLE = ("text/css", "text/javascript", "application/javascript", "image/svg+xml",
                "application/json")


def install_static_assets(app: Dash, settings: Settings, bundle: Path = BUNDLE) -> None:
    """Serve the partial plotly.js in place of Dash's full one (when `bundle` is the plotly.js
    version plotly.py ships: otherwise Dash's own, and a warning to rebuild it), and cache and
    compress the assets. Install after flask-compress, so these headers are set before it runs."""
    prefix = settings.routes_prefix
    server = app.server
    if bundle_matches(bundle):
        server.add_url_rule(f"{prefix}{PLOTLY_PATH}", "anchor_plotly_bundle",
                            lambda: plotly_response(bundle))
    assets = f"{prefix}{app.config.assets_url_path.strip('/')}/"

    @server.after_request
    def _asset_headers(resp: Response) -> Response:
        if request.path.startswith(assets) and resp.status_code == 200:
            asset_headers(resp, fingerprinted="m" in request.args)
        return resp


def bundle_matches(bundle: Path) -> bool:
    """Whether `bundle` exists and is built from the plotly.js version plotly.py ships (its
    banner names it): a bundle of another version could not draw the figures plotly.py makes."""
    from plotly.offline import get_plotlyjs_version

    if not bundle.is_file():
        return False
    with bundle.open("rb") as fh:
        head = fh.read(300).decode("utf-8", "replace")
    if f"plotly.js v{get_plotlyjs_version()} " in head:
        return True
    log.warning("%s is not built from plotly.js %s (plotly.py's): the graphs get the full "
                "plotly.js; rebuild it (cd assets-src && npm run build)", bundle,
                get_plotlyjs_version())
    return False


def asset_headers(resp: Response, *, fingerprinted: bool) -> None:
    """Cacheable, compressible headers for one asset response (changed in place)."""
    resp.headers.pop("Content-Disposition", None)
    resp.headers["Cache-Control"] = (f"public, max-age={YEAR}, immutable" if fingerprinted
                                     else "no-cache")
    if resp.mimetype in COMPRESSIBLE and resp.direct_passthrough:
        resp.direct_passthrough = False
        resp.set_data(resp.get_data())   # a body, not a stream: flask-compress compresses it


def plotly_response(bundle: Path) -> Response:
    """The bundle, gzipped when the browser takes gzip, with an ETag (304 when unchanged)."""
    body, zipped, etag = _bundle_bytes(bundle, bundle.stat().st_mtime_ns)
    use_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    resp = Response(zipped if use_gzip else body, mimetype="application/javascript")
    if use_gzip:
        resp.headers["Content-Encoding"] = "gzip"   # flask-compress leaves it as it is
    resp.headers["Vary"] = "Accept-Encoding"
    resp.headers["Cache-Control"] = "no-cache"
    resp.set_etag(etag + ("-gz" if use_gzip else ""))
    return resp.make_conditional(request)


@lru_cache(maxsize=2)
def _bundle_bytes(bundle: Path, _mtime_ns: int) -> tuple[bytes, bytes, str]:
    """(body, gzipped body, ETag) of the bundle, made once per process and file version."""
    body = bundle.read_bytes()
    return body, gzip.compress(body, 9, mtime=0), hashlib.sha256(body).hexdigest()[:20]
