"""Every saved data set on one server: each opens at ``<url_prefix>d/NAME/`` in its own Dash app,
built on first use, kept while it is used and rebuilt after a re-import.

Why one app per data set: the page's layout (filter choices, ward list, title, sources) and every
callback are functions of one read-only Dataset (``AppContext``). Serving another data set through
the same app would mean every callback choosing a data set per request and the layout changing
under the controls; an app per data set keeps each page exactly what ``create_app`` makes, and the
chosen data set is part of the URL (the path), so every user and tab sees its own choice and a
shared link reopens it. Nothing here is changed by a user: the registry only maps (name, version)
to a finished app.

``Networks`` is a WSGI middleware in front of the served app's Flask server:

- ``<routes prefix>d/NAME/...`` goes to NAME's app, mounted there (the prefix moves from
  ``PATH_INFO`` to ``SCRIPT_NAME``, as ``werkzeug``'s ``DispatcherMiddleware`` does), built with
  ``url_prefix=<url_prefix>d/NAME/`` and every other setting as served (headers, CSP, sign-in and
  limits are installed on it by the factory, ``dashboard.serve.app``, like on the main app);
- anything else goes to the served app, or to a fresh app of the same data set when the served
  data set is a saved one (``--network NAME``) that has been re-imported since the start.

The registry is made where the app is composed (``dashboard.serve.app``), which hands it the
factory that builds a data set's app; an app it builds joins it (the factory is given the registry).

A version is ``catalog.dataset_version`` (one readlink per request): a re-import switches the
link, the next request builds the new version's app, and requests already running finish on the
old one. At most ``MAX_APPS`` data set apps are kept (least recently used dropped).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dash import Dash
from flask import Response

from dashboard.errors import InputError
from dashboard.ingest.catalog import (
    NAME_PATTERN,
    dataset_version,
    list_datasets,
    open_dataset,
    validate_name,
)
from dashboard.settings import Settings

MOUNT = "d"
MAX_APPS = 8
CONFIG_KEY = "ANCHOR_NETWORKS"
#: Builds the app of one data set: (data set, its settings, the registry it joins) -> app.
Factory = Callable[[Any, Settings, "Networks"], Dash]


@dataclass(frozen=True)
class Entry:
    """One data set the page can open."""

    name: str | None       # None: the served data set when it is not a saved one (the demo)
    title: str
    href: str
    transactions: int | None = None
    years: tuple[int, ...] = ()
    saved: str | None = None


class Networks:
    """The data sets of `settings.networks_dir`, each served by its own app (see module doc).

    `served` is the data set of the served app; `factory` builds the app of another one."""

    def __init__(self, settings: Settings, served: Any, factory: Factory):
        self.settings = settings
        self.root = Path(settings.networks_dir)
        self.prefix = settings.url_prefix                       # as the browser sees it
        self.routes = settings.routes_prefix + MOUNT + "/"      # as requests arrive
        self.served_name = _served_name(settings, self.root, validate_name)
        self.served_version = Path(str(served.meta.get("folder") or "")).name or None
        self.served_title = str(served.meta.get("title") or served.name)
        self.served_facts = (int(len(served.tx)), tuple(int(y) for y in served.years))
        self._factory = factory
        self._apps: OrderedDict[tuple[str, str], tuple[str, Dash]] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[tuple[str, str], threading.Lock] = {}

    # ------------------------------------------------------------------ what the page lists
    def href(self, name: str | None) -> str:
        """The browser path of a data set's page (the served one at the prefix itself)."""
        if name is None or name == self.served_name:
            return self.prefix
        return f"{self.prefix}{MOUNT}/{name}/"

    def entries(self) -> list[Entry]:
        """The served data set first, then every saved data set by name."""
        out = []
        saved = {d["name"]: d for d in list_datasets(self.root)}
        first = saved.pop(self.served_name, None) if self.served_name else None
        out.append(Entry(self.served_name, str((first or {}).get("title") or self.served_title),
                         self.prefix, (first or {}).get("transactions", self.served_facts[0]),
                         tuple((first or {}).get("years") or self.served_facts[1]),
                         (first or {}).get("saved")))
        for name, d in sorted(saved.items()):
            out.append(Entry(name, str(d.get("title") or name), self.href(name),
                             d.get("transactions"), tuple(d.get("years") or ()), d.get("saved")))
        return out

    def exists(self, name: str) -> bool:
        return self.version(name) is not None

    def version(self, name: str) -> str | None:
        """The current version of a saved data set (None when there is none of that name)."""
        try:
            return dataset_version(name, self.root)
        except (InputError, OSError):
            return None

    # ------------------------------------------------------------------ apps
    def app_for(self, name: str, prefix: str | None = None) -> Dash | None:
        """The app of data set `name` at its current version (built when needed), or None when
        there is no such data set. `prefix` defaults to ``<url_prefix>d/NAME/``."""
        version = self.version(name)
        if version is None:
            return None
        if prefix is None:
            prefix = f"{self.prefix}{MOUNT}/{name}/"
        key = (name, prefix)
        with self._lock:
            hit = self._apps.get(key)
            if hit and hit[0] == version:
                self._apps.move_to_end(key)
                return hit[1]
            building = self._building.setdefault(key, threading.Lock())
        with building:   # one build per data set at a time; others wait for it
            with self._lock:
                hit = self._apps.get(key)
                if hit and hit[0] == version:
                    return hit[1]
            app = self._build(name, prefix)
            with self._lock:
                self._apps[key] = (version, app)
                self._apps.move_to_end(key)
                while len(self._apps) > MAX_APPS:
                    self._apps.popitem(last=False)
            return app

    def _build(self, name: str, prefix: str) -> Dash:
        ds = open_dataset(name, self.root)
        settings = replace(self.settings, url_prefix=prefix, proxy_strips_prefix=True,
                           network=name)
        return self._factory(ds, settings, self)

    # ------------------------------------------------------------------ WSGI
    def wrap(self, wsgi_app: Callable) -> Callable:
        """The middleware around the served app's `wsgi_app`."""

        def dispatch(environ: dict, start_response: Callable) -> Iterable[bytes]:
            path = environ.get("PATH_INFO", "") or "/"
            if path.startswith(self.routes):
                name, slash, rest = path[len(self.routes):].partition("/")
                if self._valid(name):
                    if not slash:   # ".../d/NAME": the page lives at ".../d/NAME/"
                        return _redirect(environ, start_response, path + "/")
                    app = self.app_for(name)
                    if app is not None:
                        mounted = dict(environ)
                        mounted["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.routes + name
                        mounted["PATH_INFO"] = "/" + rest
                        return app.server(mounted, start_response)
            elif self.served_name and self.served_version:
                version = self.version(self.served_name)
                if version is not None and Path(version).name != self.served_version:
                    app = self.app_for(self.served_name, self.prefix)
                    if app is not None:
                        return app.server(environ, start_response)
            return wsgi_app(environ, start_response)

        return dispatch

    @staticmethod
    def _valid(name: str) -> bool:
        return bool(NAME_PATTERN.fullmatch(name))


def _served_name(settings: Settings, root: Path, validate: Callable[[str], str]) -> str | None:
    """The saved data set's name when the served folder is one of networks_dir's, else None."""
    if settings.network:
        return settings.network
    folder = Path(settings.data_dir)
    try:
        if folder.parent.resolve() == root.resolve():
            return validate(folder.name)
    except (OSError, InputError):   # not a saved data set's name: shown as the served one only
        return None
    return None


def _redirect(environ: dict, start_response: Callable, path: str) -> Iterable[bytes]:
    location = environ.get("SCRIPT_NAME", "") + path
    query = environ.get("QUERY_STRING")
    start_response("308 Permanent Redirect", [("Location", location + (f"?{query}" if query
                                                                        else "")),
                                              ("Content-Length", "0")])
    return [b""]


def install(app: Dash, networks: Networks, *, served: bool) -> None:
    """Make `app` one of the registry's apps; the served app (`served`) also gets the registry's
    middleware in front of it and the 404 route for data sets that are not there."""
    if served:
        app.server.wsgi_app = networks.wrap(app.server.wsgi_app)
        _not_found_route(app, networks)
    app.server.config[CONFIG_KEY] = networks


def _not_found_route(app: Dash, networks: Networks) -> None:
    """``d/NAME/...`` for a data set that is not there: a 404 that says so (without this route
    Dash's catch-all would serve the main page at that address)."""

    def missing(name: str, rest: str = "") -> Response:
        return Response(f"There is no data set called {name[:64]!r} on this server. The list of "
                        f"data sets is on the main page: {networks.prefix}#data\n", status=404,
                        mimetype="text/plain")

    base = networks.routes
    app.server.add_url_rule(f"{base}<name>/", "anchor_no_dataset", missing)
    app.server.add_url_rule(f"{base}<name>/<path:rest>", "anchor_no_dataset_path", missing)


def networks_of(app: Dash) -> Networks | None:
    """The registry of an app (None before `install`)."""
    return app.server.config.get(CONFIG_KEY)
