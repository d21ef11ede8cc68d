"""Downloads of the current view as plain GET routes beside the page, and the printable report.

Files are not sent through a callback (``dcc.Download`` base64-encodes the whole file into the
callback's JSON): ``GET <prefix>export/<what>.<ext>?<view query>`` builds the file from the same
URL query the page carries and answers it as an attachment, so a million-row CSV streams out of
the server once and the links work from a shared address too. ``GET <prefix>report.html`` is the
one-page printable report (``dashboard.output.printable``), shown in a new tab. The page's links
to these are kept in step with the view by ``dashboard.web.callbacks.exports``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import Dash
from flask import Response, jsonify, request

from dashboard.errors import InputError
from dashboard.ingest.store import read_rejected
from dashboard.ingest.unlocated import unlocated_register
from dashboard.output import exports as ex
from dashboard.output.levers import LEVER_TABLES, lever_table
from dashboard.output.printable import report_html, report_map_svg
from dashboard.output.register import register_csv_bytes
from dashboard.serve.exportqueue import Busy, queue_of
from dashboard.serve.jobbackend import backend_of
from dashboard.view.context import AppContext
from dashboard.web.access import current_user
from dashboard.web.callbacks.exports import map_availability
from dashboard.web.layout.export_panel import TABLES
from layers import BASE_LAYERS

MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "png": "image/png", "svg": "image/svg+xml", "html": "text/html; charset=utf-8"}
FILES = {f"{what}.{ext}" for what, _ in TABLES for ext in ("csv", "xlsx")} | {
    "map.png", "map.svg", "rejected.csv", "unlocated.csv"}


def dataset_name(app_ctx: AppContext) -> str:
    """The data set's name in file names (its saved name when it has one)."""
    return app_ctx.settings.network or app_ctx.ds.name or "data"


def export_file(app_ctx: AppContext, file: str, query: str | None) -> tuple[bytes, str]:
    """(content, download name) of one export for a view query; InputError when it cannot be
    made (too many rows for a sheet, no ward boundaries, no browser for map images)."""
    what, _, ext = file.partition(".")
    ds = app_ctx.ds
    state = app_ctx.state(query)
    f, o = state.filters, state.options
    lines = ex.filters_text(ds, f, o)
    if what == "map":
        # what is on screen: the view's layer, overlays and selected ward (issue 16)
        fig = ex.ward_map_figure(ds, app_ctx.summary(state), view=state)
        if fig is None:
            raise InputError("this data set has no ward boundaries, so there is no map to draw")
        title = f"{BASE_LAYERS[state.layer].LABEL}: {ds.meta.get('title') or ds.name}"
        data = ex.map_image(fig, ext, title=title, lines=lines,
                            attribution=ds.meta.get("attribution") or ex.DEFAULT_ATTRIBUTION)
    elif what == "unlocated":

        data = register_csv_bytes(unlocated_register(ds))
    elif what == "wards":       # the one ward table file (the table panel's download too)
        data = ex.ward_table_file(ds, app_ctx.summary(state), ext)
    else:
        frame = table_frame(app_ctx, what, state)
        if what == "rejected":
            lines = [lines[0], "Rows the import rejected: in no total", lines[-1]]
        data = ex.to_xlsx_bytes(frame, lines, sheet=what.capitalize()) if ext == "xlsx" else (
            ex.to_csv_bytes(frame, lines))
    return data, ex.export_filename(f"{dataset_name(app_ctx)}-{what}", ext)


def table_frame(app_ctx: AppContext, what: str, state) -> Any:
    """The frame of a table export under the view's filters."""
    ds = app_ctx.ds
    if what == "transactions":
        return ex.transactions_table(ds, state.filters)
    if what == "rejected":

        folder = ds.meta.get("folder")
        if not folder:
            raise InputError("this data set keeps no rejected rows")
        return read_rejected(folder)
    if what in LEVER_TABLES:   # disclosure-controlled ward counts; candidate sites
        return lever_table(ds, what, state.filters.anchors, state.options)
    return ex.supplier_table_export(app_ctx.summary(state))   # wards: ex.ward_table_file


def report_bytes(app_ctx: AppContext, query: str | None) -> bytes:
    """The one-page printable report of a view query, as UTF-8 HTML."""
    state = app_ctx.state(query)
    f, o = state.filters, state.options
    map_ok, _ = map_availability(app_ctx)
    # the map as on screen: the view's layer, overlays and selected ward (issue 16)
    svg = report_map_svg(app_ctx.ds, f, o, view=state) if map_ok else None
    label = BASE_LAYERS[state.layer].LABEL.lower()
    return report_html(app_ctx.ds, f, o, svg, map_label=label).encode("utf-8")


def register_exports(app: Dash, app_ctx: AppContext) -> None:
    """Serve ``<routes prefix>export/<file>``, ``<routes prefix>report.html`` and
    ``<routes prefix>export/status`` for `app`. Files are made off the web threads, a few per user
    at a time: in the web worker's export process (`exportqueue`), or on Celery workers when
    redis_url is set (`jobbackend`, which then also sends the page's imports there)."""
    prefix = app_ctx.settings.routes_prefix
    queue = queue_of(app_ctx.settings)       # data held only in memory: a thread of this worker
    backend = backend_of(app_ctx.settings)
    folder = app_ctx.ds.meta.get("folder")
    saved = bool(folder) and (Path(str(folder)) / "manifest.json").exists()

    def make(kind: str, file: str) -> tuple[bytes, str]:
        query = request.query_string.decode("utf-8", "replace")
        what = "report" if kind == "report" else file
        who, signed_in = _who()
        if saved:
            return backend.export(who, what, str(folder), app_ctx.settings, kind, file, query,
                                  per_user=signed_in)
        fn = (lambda: (report_bytes(app_ctx, query), MIME["html"])) if kind == "report" else (
            lambda: export_file(app_ctx, file, query))
        return queue.run(who, what, fn, in_process=False, per_user=signed_in)

    def download(file: str) -> Response:
        if file not in FILES:
            return Response("No such download.\n", status=404, mimetype="text/plain")
        try:
            data, name = make("file", file)
        except InputError as exc:
            return Response(f"{exc}\n", status=422, mimetype="text/plain")
        except Busy as exc:
            return _busy(exc)
        return Response(data, mimetype=MIME[file.rpartition(".")[2]],
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def report() -> Response:
        try:
            data, _ = make("report", "report.html")
        except Busy as exc:
            return _busy(exc)
        return Response(data, mimetype=MIME["html"])

    def status() -> Response:
        try:
            return jsonify({"exports": backend.status(_who()[0])})
        except Busy as exc:             # the shared job queue (Redis) unreachable
            return _busy(exc)

    app.server.add_url_rule(f"{prefix}export/status", "anchor_export_status", status)
    app.server.add_url_rule(f"{prefix}export/<file>", "anchor_export", download)
    app.server.add_url_rule(f"{prefix}report.html", "anchor_report", report)


def _who() -> tuple[str, bool]:
    """Whose export, and whether that is a signed-in user (else the client address)."""
    user = current_user()
    return (user, True) if user else (f"address {request.remote_addr or '-'}", False)


def _busy(exc: Busy) -> Response:
    return Response(f"{exc}\n", status=exc.status, mimetype="text/plain",
                    headers={"Retry-After": str(exc.retry_after), "Cache-Control": "no-store"})
