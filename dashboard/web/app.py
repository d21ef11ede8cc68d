"""The app factory: `create_app(data, settings)` builds a Dash app around one read-only Dataset.

Tests pass their own small data set; `data=None` loads the saved data set of `settings.data_dir`
(the embedded demo by default). Nothing is loaded or registered at import time.
"""
from __future__ import annotations

from dash import Dash

from dashboard.serve.auth import install_auth
from dashboard.serve.background import make_manager
from dashboard.web.callbacks import register_all
from dashboard.serve.compression import install_compression
from dashboard.serve.health import install_health, load_checked
from dashboard.web.layout import INDEX_STRING, page, title_of
from dashboard.engine.model import Dataset
from dashboard.serve.routes import register_geometry
from dashboard.serve.security import install_security
from dashboard.settings import ROOT, Settings, load_settings
from dashboard.view.context import AppContext, build_context
from layers._common import served_geometry


def create_app(data: Dataset | None = None, settings: Settings | None = None) -> Dash:
    """A ready-to-serve Dash app (`app.server` is the Flask WSGI app)."""
    settings = settings or load_settings()
    if data is None:
        data = load_checked(settings.data_dir)   # InputError that says what to do if damaged
    app = Dash(
        __name__,
        title="Anchor Spend Map",
        update_title=None,
        assets_folder=str(ROOT / "assets"),
        requests_pathname_prefix=settings.url_prefix,
        routes_pathname_prefix=settings.routes_prefix,
        serve_locally=True,
        compress=False,       # compression is installed below, configured for this app
        background_callback_manager=make_manager(settings),
    )
    app.index_string = INDEX_STRING
    urls = {kind: app.get_relative_path(f"/geometry/{kind}.geojson") for kind in ("wards", "lsoas")}
    app_ctx = build_context(data, settings, urls)
    app.title = title_of(app_ctx)
    register_geometry(app.server, settings.routes_prefix, served_geometry(data))
    install_security(app, settings)   # headers, CSP, frame-ancestors, body limit, error pages
    install_auth(app, settings)       # before_request: everything but static files and health
    install_health(app, data, settings)
    install_compression(app, settings)
    app.layout = page(app_ctx)
    register_all(app, app_ctx)
    app.server.config["ANCHOR_CONTEXT"] = app_ctx  # for tests and diagnostics
    return app


def context_of(app: Dash) -> AppContext:
    """The AppContext an app was built with."""
    return app.server.config["ANCHOR_CONTEXT"]
