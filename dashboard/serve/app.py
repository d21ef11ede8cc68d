"""The composition root: `create_app(data, settings)` builds a ready-to-serve Dash app.

The page itself (Dash object, layout, callbacks) is made by `dashboard.web.app.build_page`; this
module puts the server around it: the geometry, download, report and upload routes, security
headers, sign-in, the health check, compression, and the registry of saved data sets
(`dashboard.serve.networks`), which is made here with this module's factory so that every data
set's app it builds is composed the same way and joins the same registry.

Tests pass their own small data set; `data=None` loads the saved data set of `settings.data_dir`
(the embedded demo by default). Nothing is loaded or registered at import time. `entry_app` and
`run` are what `app.py` (`python app.py`, `gunicorn app:server`) calls.
"""
from __future__ import annotations

import argparse
import sys

from dash import Dash

from dashboard.engine.model import Dataset
from dashboard.errors import InputError
from dashboard.ingest.uploads import UploadStore, imports_enabled, uploads_folder
from dashboard.serve.auth import install_auth
from dashboard.serve.compression import install_compression
from dashboard.serve.exports_routes import register_exports
from dashboard.serve.health import install_health, load_checked
from dashboard.serve.networks import Networks, install
from dashboard.serve.routes import register_geometry
from dashboard.serve.security import install_callback_check, install_security
from dashboard.serve.static_assets import install_static_assets
from dashboard.serve.uploads import register_upload_route
from dashboard.settings import Settings, load_settings, open_without_sign_in
from dashboard.view.places import district_name
from dashboard.web.app import Services, build_page, context_of
from layers._common import served_geometry

__all__ = ["command_line", "context_of", "create_app", "entry_app", "run"]


def create_app(data: Dataset | None = None, settings: Settings | None = None) -> Dash:
    """A ready-to-serve Dash app (`app.server` is the Flask WSGI app) with its own registry of
    data sets, which serves every other saved data set at ``<url_prefix>d/NAME/``."""
    return _compose(data, settings, None)


def _compose(data: Dataset | None, settings: Settings | None, networks: Networks | None) -> Dash:
    """The app of `data`; it joins `networks` (an app the registry builds), or gets a registry of
    its own and its middleware in front (the served app: `networks` None)."""
    settings = settings or load_settings()
    if data is None:
        data = load_checked(settings.data_dir)   # InputError that says what to do if damaged
    served = networks is None
    if networks is None:
        networks = Networks(settings, data, factory=_compose)
    app = build_page(data, settings, Services(datasets=networks))
    server = app.server
    names = lambda code: district_name(code, data.meta)  # noqa: E731 - district place names
    register_geometry(server, settings.routes_prefix, served_geometry(data, names),
                      private=settings.auth != "none")   # signed-in geometry: no shared cache
    install_security(app, settings)   # headers, CSP, frame-ancestors, body limit, error pages
    # before_request: everything but static files and the served app's health check (a data
    # set's own d/NAME/health would tell anyone which data sets exist)
    install_auth(app, settings, health_public=served)
    install_callback_check(app, settings)   # after sign-in: no body parsed without a user
    install_health(app, data, settings)
    install_compression(app, settings)
    install_static_assets(app, settings)   # after compression: partial plotly.js, asset caching
    register_exports(app, context_of(app))   # export/<file> and report.html
    register_upload_route(server, settings.routes_prefix, UploadStore(uploads_folder(settings)),
                          limit_bytes=settings.upload_limit_mb * 2**20,
                          enabled=imports_enabled(settings), audit_dir=settings.networks_dir)
    install(app, networks, served=served)   # the registry's middleware in front of the served app
    set_up_now(app, settings)
    return app


def set_up_now(app: Dash, settings: Settings) -> None:
    """Do Dash's once-per-app setup (component libraries, scripts, callbacks) now, before the app
    answers anyone. Dash does it in a before_request hook that marks itself done BEFORE doing the
    work, so the first concurrent requests to a new app (a data set's app built under load, a
    fresh worker's threads) got 500 "dash is not a registered library" and a blank page."""
    with app.server.test_request_context(settings.routes_prefix):
        app._setup_server()   # noqa: SLF001 - Dash's own hook, run once here instead of lazily


# --------------------------------------------------------------------------- app.py
def command_line(argv: list[str] | None = None) -> dict:
    """Settings given on the command line of `python app.py`: `--network NAME` shows the saved
    data set NAME (as ANCHOR_NETWORK=NAME does)."""
    parser = argparse.ArgumentParser(prog="python app.py", description="Run the Anchor Spend "
                                     "Map (settings: docs/settings.md).")
    parser.add_argument("--network", metavar="NAME",
                        help="show the saved data set NAME from networks_dir (data/networks), "
                             "as built by `python -m dashboard import NAME`")
    args = parser.parse_args(argv)
    return {"network": args.network} if args.network else {}


def entry_app(from_command_line: bool = False) -> Dash:
    """The app of `app.py`: settings from the environment (and from the command line of `python
    app.py` when `from_command_line`). A setting or data set that cannot work stops the start
    with one line saying what to do, not a traceback."""
    try:
        settings = load_settings(**(command_line() if from_command_line else {}))
        return create_app(settings=settings)
    except (InputError, ValueError) as exc:
        sys.exit(f"anchor-spend-map: cannot start: {exc}")


def run(app: Dash) -> None:
    """Serve `app` with Dash's development server (`python app.py`), as its settings say; a
    non-loopback host with no sign-in is refused (see `settings.open_without_sign_in`)."""
    settings = context_of(app).settings
    why = open_without_sign_in(settings, [settings.host])
    if why:
        sys.exit(f"anchor-spend-map: cannot start: {why}")
    app.run(host=settings.host, port=settings.port, debug=settings.debug,
            dev_tools_disable_version_check=True)  # no call to plotly.com, even in debug
