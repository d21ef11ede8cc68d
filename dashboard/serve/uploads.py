"""The streaming upload route: ``POST <prefix>upload``, one file as the raw request body.

``assets/upload.js`` sends each file as the raw body of
``POST <prefix>upload?kind=spend|suppliers&name=...&batch=...`` with XMLHttpRequest (whose
progress events drive the page's progress bar); this route streams it to disk in 1 MB chunks
through ``dashboard.ingest.uploads.UploadStore``, counting bytes against ``upload_limit_mb`` as
they arrive. The folders, batches, previews and reference files are in ``dashboard.ingest.uploads``
(no Flask there); only the HTTP side is here.
"""
from __future__ import annotations

from flask import Flask, Response, jsonify, request

from dashboard.ingest.audit import record
from dashboard.ingest.filenames import safe_filename
from dashboard.ingest.uploads import UploadError, UploadStore, too_big
from dashboard.web.access import allowed, current_user, refusal

HEADER = "X-Anchor-Upload"          # a custom header: a cross-site form cannot send it (no CSRF)
REFUSALS = (409, 415, 422)   # a file refused for its content; the upload itself went fine


def register_upload_route(server: Flask, routes_prefix: str, store: UploadStore, *,
                          limit_bytes: int, enabled: bool = True,
                          audit_dir: str | None = None) -> None:
    """``POST <routes_prefix>upload``: the raw body is one file (see the module docstring).

    Answers JSON: ``{"batch", "kind", "name", "size"}`` for a file kept; ``{"batch", "refused":
    message, "status"}`` (still 200: a browser logs every 4xx as an error, and the page expects
    these) for a file refused for what it is: the same content as another (409), not CSV or XLSX
    (415), empty (422); ``{"error": message}`` with 400 (malformed or cut short), 403 (imports
    off, or a signed-in user without the editor role), 411 (no length), 413 (too big, refused
    before its body is read) or 507 (disk full). A file kept is recorded in the audit log.
    """

    def upload() -> Response:
        if not enabled:
            return _error(403, "imports are turned off on this server")
        if not allowed("editor"):
            return _error(403, refusal("editor", "uploading files"))
        if request.headers.get(HEADER) != "1":
            return _error(400, "send files with the page's upload button")
        length = request.content_length
        if length is None and request.headers.get("Transfer-Encoding"):
            return _error(411, "the upload gave no length: use the page's upload button")
        length = length or 0     # no body at all: an empty file, refused as such below
        if length > limit_bytes:    # before the body is touched: nothing is read
            name = safe_filename(request.args.get("name"), default="the file")
            return _error(413, too_big(name, length, limit_bytes))
        request.max_content_length = limit_bytes   # this route's own limit (Flask 3.1)
        batch = request.args.get("batch") or store.new_batch()
        try:
            saved = store.save(batch, request.args.get("kind", "spend"),
                               request.args.get("name", ""), request.stream, length,
                               limit_bytes)
        except UploadError as exc:
            if exc.status in REFUSALS:   # the file, not the request: the page names it and goes on
                return jsonify({"batch": batch, "refused": str(exc), "status": exc.status})
            return _error(exc.status, str(exc))
        if audit_dir is not None:
            record(audit_dir, current_user(), "upload", kind=saved.kind, file=saved.name,
                   size=saved.size, sha256=saved.sha256, batch=batch)
        return jsonify({"batch": batch, "kind": saved.kind, "name": saved.name,
                        "size": saved.size})

    server.add_url_rule(f"{routes_prefix}upload", "anchor_upload", upload, methods=["POST"])


def _error(status: int, message: str) -> Response:
    resp = jsonify({"error": message})
    resp.status_code = status
    return resp
