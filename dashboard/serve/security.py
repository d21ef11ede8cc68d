"""Security headers, a Content-Security-Policy the page runs under with no CDN, and request limits.

Dash sets none of these. `install_security(app, settings)` adds, on every response:

- ``Content-Security-Policy``: everything from this origin only; scripts from files plus the hashes
  of Dash's own inline scripts (``app.csp_hashes()``, computed once after every callback is
  registered); styles may be inline (plotly.js and React set style attributes); images, workers
  and fetches also from ``blob:``/``data:`` (MapLibre draws in web workers built from blobs) and
  from the tile server's origin when a tile URL is set; ``frame-ancestors`` from the
  ``frame_ancestors`` setting. ``frame-ancestors`` cannot be set from a ``<meta>`` tag: it has to
  be this header.
- ``X-Frame-Options`` matching ``frame-ancestors`` where it can (SAMEORIGIN or DENY) for old
  browsers; left out when other origins may frame the page (CSP takes precedence in browsers).
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``, a ``Permissions-Policy``
  that turns off what a map has no use for, and ``Cache-Control: no-store`` on callback answers
  and downloads (they may hold figures a shared cache must not keep).

It also caps request bodies (``MAX_CONTENT_LENGTH`` from ``callback_limit_mb``: a callback body
just under the upload limit cost a worker about 1 GB to parse; the upload route streams to disk
and sets its own, larger limit) and answers errors with a short text that names no file, path or
stack.
"""
from __future__ import annotations

import html
import logging
from urllib.parse import urlsplit

from dash import Dash
from dash.exceptions import DependencyException
from flask import Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from dashboard.settings import Settings

log = logging.getLogger(__name__)

PERMISSIONS = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
               "interest-cohort=()")


def max_body_bytes(settings: Settings) -> int:
    """The largest request body accepted outside the upload route (which streams files to disk
    under its own ``upload_limit_mb``): ``callback_limit_mb``."""
    return settings.callback_limit_mb * (1 << 20)


def tile_origin(tile_url: str) -> str | None:
    """``scheme://host[:port]`` of a tile URL template, or None when there is none."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{", "").replace("}", ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: Settings, script_hashes: list[str]) -> str:
    """The CSP header value for these settings and Dash's inline script hashes."""
    tiles = tile_origin(settings.tile_url)
    extra = f" {tiles}" if tiles else ""
    hashes = "".join(f" '{h.strip(chr(39))}'" for h in script_hashes)   # quoted once
    directives = [
        "default-src 'self'",
        f"script-src 'self'{hashes}",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob:{extra}",
        "font-src 'self' data:",
        f"connect-src 'self'{extra}",
        "worker-src 'self' blob:",
        "child-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {settings.frame_ancestors}",
    ]
    return "; ".join(directives)


def frame_options(frame_ancestors: str) -> str | None:
    """The X-Frame-Options equivalent of frame-ancestors, when there is one."""
    return {"'self'": "SAMEORIGIN", "'none'": "DENY"}.get(frame_ancestors.strip())


def install_security(app: Dash, settings: Settings) -> None:
    """Add the headers, the body limit and plain error pages to `app.server`."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = max_body_bytes(settings)
    # Dash writes the title into <title> unescaped: a data set titled "</title><meta
    # http-equiv=refresh ...>" would redirect every viewer. Escaped once, here, for every app.
    app.title = html.escape(str(app.title), quote=True)
    xfo = frame_options(settings.frame_ancestors)
    csp: list[str] = []   # computed at the first response: every callback is registered by then
    no_store = (f"{settings.routes_prefix}_dash-update-component",
                f"{settings.routes_prefix}_dash-layout",
                f"{settings.routes_prefix}_dash-dependencies")

    @server.after_request
    def _headers(resp: Response) -> Response:
        if not csp:
            csp.append(content_security_policy(settings, list(app.csp_hashes())))
        resp.headers["Content-Security-Policy"] = csp[0]
        if xfo:
            resp.headers["X-Frame-Options"] = xfo
        else:
            resp.headers.pop("X-Frame-Options", None)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["Permissions-Policy"] = PERMISSIONS
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if (request.path.startswith(no_store) or resp.headers.get("Content-Disposition")
                or resp.mimetype == "text/html"):   # the page, report.html: per user and view
            resp.headers["Cache-Control"] = "no-store"
        return resp

    @server.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc: HTTPException) -> Response:
        return Response(f"The request is too large: at most {settings.callback_limit_mb} MB "
                        f"(files up to {settings.upload_limit_mb} MB are uploaded with the "
                        "page's upload button).\n", status=413, mimetype="text/plain")

    @server.errorhandler(DependencyException)
    def _no_such_script(_exc: Exception) -> Response:
        """``_dash-component-suites/dash/dash.py``: a file Dash does not serve is a 404, with no
        traceback logged (one per request would let anyone flood the log)."""
        return Response("404 Not Found\n", status=404, mimetype="text/plain")

    if settings.debug:
        return   # debug mode: let Dash show the error and its traceback to the developer

    @server.errorhandler(Exception)
    def _error(exc: Exception) -> Response:
        """No traceback, path or value reaches the browser; the log keeps the details."""
        if isinstance(exc, HTTPException):
            if exc.code == 413:
                return _too_large(exc)
            return Response(f"{exc.code} {exc.name}\n", status=exc.code or 500,
                            mimetype="text/plain")
        log.exception("unhandled error on %s", request.path)
        return Response("Something went wrong on the server; it has been logged. Reload the "
                        "page to try again.\n", status=500, mimetype="text/plain")


def install_callback_check(app: Dash, settings: Settings) -> None:
    """A callback body that is not what the page sends (no "output" string, no "inputs" or
    "state" list) is a 400: Dash raised a KeyError on it, a 500 and a logged traceback each.
    Installed after sign-in, so no body is parsed for a request that has no user."""
    callbacks = f"{settings.routes_prefix}_dash-update-component"

    @app.server.before_request
    def _callback_shape() -> Response | None:
        if request.method != "POST" or request.path != callbacks:
            return None
        body = request.get_json(silent=True)
        if (not isinstance(body, dict) or not isinstance(body.get("output"), str)
                or not isinstance(body.get("inputs", []), list)
                or not isinstance(body.get("state", []), list)):
            return Response("400 Bad Request: not a callback request of this page\n",
                            status=400, mimetype="text/plain")
        return None
