"""The links to downloads of the current view, and the share link.

The downloads are plain GET routes beside the page (``dashboard.serve.exports_routes``). Files are
not sent through a callback (``dcc.Download`` base64-encodes the whole file into the
callback's JSON): ``GET <prefix>export/<what>.<ext>?<view query>`` builds the file from the same
URL query the page carries and answers it as an attachment, so a million-row CSV streams out of
the server once and the links work from a shared address too. ``report.html`` is the one-page
printable report (``dashboard.output.printable``), shown in a new tab.

The panels callback (callbacks/panels.py) keeps the links in step with the view; a clientside callback (assets/share.js) writes
the share link from the browser's own address, which the server cannot know behind a proxy.
"""
from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output

from dashboard.output import exports as ex
from dashboard.view.context import AppContext
from dashboard.web.ids import Id
from dashboard.web.layout.export_panel import TABLES


def link_targets(app_ctx: AppContext, query: str | None, base: str, *, map_ok: bool,
                 map_note: str, transactions: int) -> tuple[dict[str, str], dict[str, str]]:
    """(file -> href, group -> why it is missing) for the current view; `transactions` is the
    number of payments under its filters (the panels' summary has it: no second parse)."""
    q = query or ""
    hrefs = {f"{what}.csv": f"{base}export/{what}.csv{q}" for what, _ in TABLES}
    notes: dict[str, str] = {}
    rows = {"transactions": transactions,
            "wards": len(app_ctx.ds.wards), "suppliers": len(app_ctx.ds.suppliers)}
    for what, _ in TABLES:
        if rows.get(what, len(app_ctx.ds.wards)) + 20 < ex.XLSX_MAX_ROWS:   # levers: by ward
            hrefs[f"{what}.xlsx"] = f"{base}export/{what}.xlsx{q}"
        else:
            notes[what] = "too many rows for one spreadsheet sheet: use CSV"
    if map_ok:
        hrefs["map.png"] = f"{base}export/map.png{q}"
        hrefs["map.svg"] = f"{base}export/map.svg{q}"
    else:
        notes["map"] = map_note
    hrefs["report.html"] = f"{base}report.html{q}"
    return hrefs, notes


def map_availability(app_ctx: AppContext) -> tuple[bool, str]:
    """Whether map images can be made here, and why not."""
    if not (app_ctx.ds.meta.get("geometry") or {}).get("wards") or not len(app_ctx.ds.wards):
        return False, "this data set has no ward boundaries to draw"
    if ex.browser_path() is None:
        return False, ex.CHROMIUM_HINT
    return True, ""


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the share link (the links follow the view state in the panels callback,
    callbacks/panels.py; the files themselves are served by ``dashboard.serve.exports_routes``)."""
    app.clientside_callback(ClientsideFunction(namespace="anchor", function_name="shareLink"),
                            Output(Id.SHARE_LINK, "value"), Input(Id.STATE, "data"))
