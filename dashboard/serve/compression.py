"""Compressed responses: the page's JavaScript, its callback answers and its HTML.

Dash serves plotly.js and its own bundles uncompressed (8.7 MB on a first visit) unless
flask-compress is installed and `compress=True`. This installs it with settings chosen for this
app: zstd, brotli or gzip, whichever the browser accepts first (zstd and level-4 brotli compress
plotly.js in tens of milliseconds, so no cache is needed; the browser caches the files anyway);
responses that already carry a Content-Encoding (the pre-gzipped ward geometry) pass untouched;
streamed file downloads are sent as they are.
"""
from __future__ import annotations

import logging

from dash import Dash

from dashboard.settings import Settings

log = logging.getLogger(__name__)

CONFIG = {
    "COMPRESS_ALGORITHM": ["zstd", "br", "gzip"],
    "COMPRESS_ZSTD_LEVEL": 3,
    "COMPRESS_BR_LEVEL": 4,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_STREAMS": False,       # downloads stream from disk: leave them alone
}


def install_compression(app: Dash, settings: Settings) -> bool:
    """Compress the app's responses when the setting is on; False (and a warning) when
    flask-compress is missing, so the app still serves, uncompressed."""
    if not settings.compress:
        return False
    try:
        from flask_compress import Compress
    except ImportError:
        log.warning("flask-compress is not installed: responses are not compressed "
                    "(pip install -r requirements.txt, or compress in the reverse proxy)")
        return False
    for key, value in CONFIG.items():
        app.server.config.setdefault(key, value)
    Compress(app.server)
    return True
