"""Download and share: tables as CSV or XLSX, the map as PNG or SVG, the one-page report, and a
link that reopens this view. The links carry the view's URL query, so every file is made with the
filters on the page (callbacks/exports.py serves them)."""
from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.output.levers import LEVER_TABLES
from dashboard.web.ids import Id

#: What the page says while a file is made (assets/export_progress.js reads `data-progress`:
#: the map image is fetched and saved by the page, which can say when it arrives; the report
#: opens in its own tab, followed through ``export/status``).
MAP_PROGRESS = "Making the map image"
REPORT_PROGRESS = "Making the report"
TABLES = (("transactions", "Payments (every transaction)"), ("wards", "Wards"),
          ("suppliers", "Suppliers"), *LEVER_TABLES.items())


def export_section() -> html.Section:
    """The panel; EXPORT_LINKS is filled in by a callback with the current view's links."""
    return html.Section(className="panel export-panel", **{"aria-labelledby": "export-h"},
                        children=[
        html.H2("Download and share this view", id="export-h"),
        html.P("Every file states the data set and the filters it was made with. Spreadsheet "
               "cells that could run as formulas start with an apostrophe.", className="hint"),
        html.Div(id=Id.EXPORT_LINKS, className="export-links"),
        # what assets/export_progress.js says while a map image or the report is made
        html.P(id=Id.EXPORT_PROGRESS, role="status", className="export-progress",
               **{"aria-live": "polite"}),   # not atomic: the ticking seconds are never read
        html.Div(className="share", children=[
            html.Label("Link to this view", htmlFor=Id.SHARE_LINK, id=f"{Id.SHARE_LINK}-label"),
            html.P("Opens this data set with the same filters, map layer and selection.",
                   className="hint"),
            html.Div(className="share-row", children=[
                dcc.Input(id=Id.SHARE_LINK, type="text", readOnly=True, className="text-input "
                          "share-input", value=""),
                html.Button("Copy link", id=Id.SHARE_COPY, type="button",
                            className="button share-copy", **{"data-target": Id.SHARE_LINK,
                                                              "data-status": Id.SHARE_STATUS}),
            ]),
            html.P(id=Id.SHARE_STATUS, role="status", className="hint",
                   **{"aria-live": "polite"}),
        ]),
    ])


def links_children(hrefs: dict[str, str], notes: dict[str, str]) -> list[Any]:
    """The groups of links; a group that cannot be made here shows why (`notes`)."""
    rows: list[Any] = []
    for what, label in TABLES:
        cells: list[Any] = [html.A("CSV", href=hrefs[f"{what}.csv"], className="button small",
                                   **{"aria-label": f"{label} as CSV"})]
        if f"{what}.xlsx" in hrefs:
            cells.append(html.A("XLSX", href=hrefs[f"{what}.xlsx"], className="button small",
                                **{"aria-label": f"{label} as XLSX"}))
        elif notes.get(what):
            cells.append(html.Span(notes[what], className="hint"))
        rows.append(html.Li([html.Span(label, className="export-label"), *cells]))
    if "map.png" in hrefs:
        rows.append(html.Li([
            html.Span("Map image of this view (layer, overlays, selected ward), with legend, "
                      "filters and attribution", className="export-label"),
            html.A("PNG", href=hrefs["map.png"], className="button small",
                   **{"aria-label": "Map image as PNG", "data-progress": MAP_PROGRESS}),
            html.A("SVG", href=hrefs["map.svg"], className="button small",
                   **{"aria-label": "Map image as SVG", "data-progress": MAP_PROGRESS}),
            html.Span("takes a few seconds", className="hint")]))
    elif notes.get("map"):
        rows.append(html.Li([html.Span("Map image", className="export-label"),
                             html.Span(notes["map"], className="hint")]))
    rows.append(html.Li([
        html.Span("One-page report for a meeting: headline figures, map, trend, top "
                  "suppliers, coverage and sources", className="export-label"),
        html.A("Open the report", href=hrefs["report.html"], className="button small",
               target="_blank", rel="noopener",
               **{"aria-label": "Open the one-page report in a new tab",
                  "data-progress": REPORT_PROGRESS}),
        html.Span("print it to PDF from the browser", className="hint")]))
    return [html.Ul(rows, className="export-list")]
