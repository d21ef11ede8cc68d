"""Small in-process servers for browser tests: a WSGI app in a thread, a page that frames a URL,
and a reverse proxy that strips or keeps a URL prefix (as nginx does in deploy/nginx-*.conf)."""
from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from werkzeug.serving import make_server

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade", "host", "content-length"}


def serve_wsgi(wsgi, host: str = "127.0.0.1") -> tuple[str, Callable[[], None]]:
    """Serve a WSGI app on a free port of `host` in a daemon thread: (base URL, stop)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server(host, 0, wsgi, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://{host}:{server.server_port}/", server.shutdown


def framing_page(target: str) -> Callable:
    """A WSGI app answering every path with a page that frames `target`."""
    body = (f'<!DOCTYPE html><html lang="en"><head><title>Intranet</title></head><body>'
            f'<h1>Council intranet</h1><iframe id="dash" title="Anchor Spend Map" src="{target}" '
            f'width="1200" height="800"></iframe></body></html>').encode()

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    return app


def prefix_proxy(upstream: str, prefix: str, strip: bool, user: str | None = None) -> Callable:
    """A WSGI reverse proxy: `prefix`... is forwarded to `upstream`, with the prefix removed when
    `strip`; anything else is 404. Sets X-Forwarded-* and, when given, X-Forwarded-User."""
    up = urlsplit(upstream)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(prefix):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not under the prefix\n"]
        target = "/" + path[len(prefix):] if strip else path
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items()
                   if k.startswith("HTTP_") and k[5:].replace("_", "-").lower() not in HOP_BY_HOP}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        headers["X-Forwarded-Prefix"] = prefix.rstrip("/")
        headers["X-Forwarded-For"] = environ.get("REMOTE_ADDR", "")
        headers.pop("X-Forwarded-User", None)      # never pass a user the client claims
        if user:
            headers["X-Forwarded-User"] = user
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        try:
            conn.request(environ["REQUEST_METHOD"], target, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
            out.append(("Content-Length", str(len(data))))
            start_response(f"{resp.status} {resp.reason}", out)
            return [data]
        finally:
            conn.close()

    return app
