"""The page factory: `build_page(data, settings, services)` builds the Dash app of one read-only
Dataset: the Dash object, its layout and its callbacks, nothing else.

The server around it (routes, headers, sign-in, health check, compression, the registry of data
sets) is composed by `dashboard.serve.app.create_app`, which hands the page what it needs from the
server as `Services`. Nothing is loaded or registered at import time.
"""
from __future__ import annotations

from dataclasses import dataclass

from dash import Dash, html

from dashboard.engine.model import Dataset
from dashboard.settings import ROOT, Settings
from dashboard.view.context import AppContext, build_context
from dashboard.web.callbacks import register_all
from dashboard.web.callbacks.data import DataSets
from dashboard.web.layout import INDEX_STRING, page, title_of
from dashboard.web.layout.folds import fold_bodies

CONTEXT_KEY = "ANCHOR_CONTEXT"


@dataclass(frozen=True)
class Services:
    """What the page uses from the server it is served by, as plain objects."""

    datasets: DataSets   # the data sets the data panel lists and links to


def build_page(data: Dataset, settings: Settings, services: Services) -> Dash:
    """The Dash app of `data`: layout and callbacks (`app.server` is its Flask WSGI app, with no
    route of the project's own yet)."""
    app = Dash(
        __name__,
        title="Anchor Spend Map",
        update_title=None,
        assets_folder=str(ROOT / "assets"),
        assets_path_ignore=["vendor"],   # the partial plotly.js: served by serve.static_assets
        requests_pathname_prefix=settings.url_prefix,
        routes_pathname_prefix=settings.routes_prefix,
        serve_locally=True,
        compress=False,       # compression is installed by the server, configured for this app
    )
    app.index_string = INDEX_STRING
    urls = {kind: app.get_relative_path(f"/geometry/{kind}.geojson")
            for kind in ("wards", "lsoas", "labels")}   # labels: place names (layers.place_labels)
    app_ctx = build_context(data, settings, urls)
    app.title = title_of(app_ctx)
    app.layout = page(app_ctx)
    app.validation_layout = html.Div([app.layout, fold_bodies(app_ctx)])  # folded sections
    register_all(app, app_ctx, services.datasets)
    app.server.config[CONTEXT_KEY] = app_ctx  # for the server's routes, tests and diagnostics
    return app


def context_of(app: Dash) -> AppContext:
    """The AppContext an app was built with."""
    return app.server.config[CONTEXT_KEY]
