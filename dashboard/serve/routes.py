"""Flask routes beside the Dash app: drawing geometry served once, cacheable.

Security headers are set by `dashboard.serve.security`, the health check by `dashboard.serve.health`.

Geometry is serialised once at start-up (compact JSON, gzip copy beside it) and served with a strong
ETag and a long Cache-Control, so the browser fetches each file once and plotly.js matches features
by id. It never travels through a callback or a `dcc.Store`.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass

from flask import Flask, Response, abort, request

KINDS = ("wards", "lsoas", "labels")   # labels: place-name points (layers.place_labels)
MAX_AGE = 86400


@dataclass(frozen=True)
class GeoFile:
    """One serialised FeatureCollection: raw and gzip bytes and their ETag."""

    raw: bytes
    gz: bytes
    etag: str


def serialise(fc: dict) -> GeoFile:
    """Compact JSON bytes of a FeatureCollection, a gzip copy and a content hash ETag."""
    raw = json.dumps(fc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return GeoFile(raw, gzip.compress(raw, compresslevel=6, mtime=0),
                   '"' + hashlib.sha256(raw).hexdigest()[:32] + '"')


def register_geometry(server: Flask, routes_prefix: str, geometry: dict[str, dict], *,
                      private: bool = False) -> None:
    """Serve `geometry[kind]` at `<routes_prefix>geometry/<kind>.geojson`; `private` (sign-in on)
    lets only the browser cache it, never a shared proxy cache."""
    files = {kind: serialise(geometry[kind]) for kind in KINDS}
    scope = "private" if private else "public"

    def geojson(kind: str) -> Response:
        f = files.get(kind)
        if f is None:
            abort(404)
        headers = {"ETag": f.etag, "Cache-Control": f"{scope}, max-age={MAX_AGE}",
                   "Vary": "Accept-Encoding"}
        if request.if_none_match.contains(f.etag.strip('"')):
            return Response(status=304, headers=headers)
        body = f.raw
        if "gzip" in request.accept_encodings:
            body, headers["Content-Encoding"] = f.gz, "gzip"
        return Response(body, mimetype="application/geo+json", headers=headers)

    server.add_url_rule(f"{routes_prefix}geometry/<kind>.geojson", "geometry", geojson)
