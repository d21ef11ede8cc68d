"""The data panel: open another data set, the sources of this one, and "import your own data" in
three steps (upload, check the columns, import) with the import report.

The parts callbacks fill in (the data set list, the uploaded files, previews, the report) are
built by the functions below from the pure views of ``dashboard.view.data``; every text is a Dash
string child, so file names and cells from uploaded files are shown as text, never HTML.
"""
from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.engine.periods import fy_label
from dashboard.ingest.uploads import References, imports_enabled, reference_files
from dashboard.view.context import AppContext
from dashboard.view.data import (
    FIELD_LABELS,
    SOURCE_LABELS,
    FieldRow,
    ReportView,
    SourcesView,
    count,
    file_size,
    page_message,
    short_sha,
    sources_view,
)
from dashboard.view.reference import ReferenceNotice, reference_notice
from dashboard.web.ids import MAPPING_IDS, MAPPING_USED_IDS, Id
from dashboard.web.layout.common import checklist, dropdown, labelled


def data_section(ctx: AppContext) -> html.Section:
    """The whole panel (a landmark section with its own heading)."""
    return html.Section(className="panel data-panel", id="data", **{"aria-labelledby": "data-h"},
                        children=[
        html.H2("Data sets: open another, import your own, sources", id="data-h"),
        dcc.Store(id=Id.DATASETS_REFRESH, data=0),
        html.Div(className="data-columns", children=[
            html.Div(className="datasets", children=[
                html.H3("Open a data set", id="datasets-h"),
                html.P("Each data set opens at its own address, so a link to it (with its "
                       "filters) opens it again.", className="hint"),
                html.Ul(id=Id.DATASETS, className="dataset-list",
                        **{"aria-labelledby": "datasets-h"}),
            ]),
            sources_block(sources_view(ctx.ds.meta), str(ctx.ds.meta.get("title") or ctx.ds.name)),
        ]),
        import_block(ctx),
    ])


# --------------------------------------------------------------------------- data sets
def dataset_items(entries: list, current: str | None) -> list[html.Li]:
    """One link per data set (`networks.Entry`); the one shown is marked, not linked."""

    items = []
    for e in entries:
        years = (f"{fy_label(e.years[0])} to {fy_label(e.years[-1])}" if len(e.years) > 1
                 else fy_label(e.years[0]) if e.years else "")
        facts = ", ".join(x for x in (f"{count(e.transactions)} payments"
                                      if e.transactions is not None else "", years) if x)
        label = e.title if e.name in (None, e.title) else f"{e.title} ({e.name})"
        if e.name == current:
            head: Any = html.Strong([label, " — shown now"], **{"aria-current": "page"})
        else:
            head = html.A(label, href=e.href, className="dataset-link")
        items.append(html.Li([head, html.Span(f" {facts}" if facts else "", className="hint")]))
    return items


# --------------------------------------------------------------------------- sources
def sources_block(view: SourcesView, title: str) -> html.Div:
    """Where this data set's figures come from: files, checksums, rows, references, vintages."""
    parts: list[Any] = [html.H3("Sources of this data set", id="sources-h"),
                        html.P(f"{title}" + (f", imported {view.imported} (UTC)."
                                             if view.imported else "."), className="hint")]
    if view.spend:
        parts.append(simple_table(
            ["Spend file", "Rows read", "Accepted", "Rejected", "Size", "SHA-256"],
            [[f["name"], count(f["read"]), count(f["accepted"]), count(f["rejected"]),
              file_size(f["size"]), _sha(f["sha256"])] for f in view.spend],
            "Spend files of this data set", numeric={1, 2, 3, 4}))
    refs = list(view.reference)
    if view.register:
        refs.insert(0, {"what": "Supplier register", **view.register})
    if refs:
        parts.append(simple_table(
            ["Reference file", "File", "Size", "SHA-256"],
            [[r["what"], r["name"], file_size(r.get("size")), _sha(r.get("sha256"))]
             for r in refs], "Reference files of this data set", numeric={2}))
    if view.vintages:
        parts.append(html.Ul([html.Li(f"{k}: {v}") for k, v in view.vintages],
                             className="vintages"))
    parts.append(html.P("SHA-256: the first 12 characters of each file's checksum (the whole "
                        "checksum is in the data set's manifest); the same file always gives the "
                        "same checksum.", className="hint"))
    return html.Div(className="sources-block", children=parts)


def _sha(sha: object) -> Any:
    return html.Code(short_sha(sha), title=str(sha)) if sha else "—"


def simple_table(head: list[str], rows: list[list[Any]], caption: str, *,
                 numeric: set[int] = frozenset()) -> html.Div:
    """A plain, scrollable HTML table (text cells only)."""
    return html.Div(className="table-scroll", children=html.Table(className="data-table", children=[
        html.Caption(caption, className="visually-hidden"),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
        html.Tbody([html.Tr([html.Td(c, className="num" if i in numeric else None)
                             for i, c in enumerate(r)]) for r in rows]),
    ]))


# --------------------------------------------------------------------------- import
def import_block(ctx: AppContext) -> html.Div:
    """Upload, mapping and import, or a sentence when imports are off here."""
    settings = ctx.settings
    if not imports_enabled(settings):
        return html.Div(className="import", children=[
            html.H3("Import your own data"),
            html.P("Imports are turned off on this server (or its data set folder is read-only):"
                   " data sets are imported with `python -m dashboard import` by whoever runs it.",
                   className="hint")])
    limit = settings.upload_limit_mb
    refs = reference_files(ctx.ds.meta, settings)
    return html.Div(className="import", children=[
        html.H3("Import your own data", id="import-h"),
        html.P("Three steps: upload the files, check which column is which, then import. The "
               "import runs on the server in the background: the map stays usable, for you and "
               "for everyone else.", className="hint"),
        reference_notice_block(reference_notice(refs)),
        dcc.Store(id=Id.UPLOADS, data=None),
        dcc.Store(id=Id.UPLOAD_FILES_STATE, data=None),
        dcc.Store(id=Id.CHECK, data=None),
        dcc.Store(id=Id.JOB, data=None),   # memory: session storage throws in a cross-site frame
        dcc.Interval(id=Id.JOB_POLL, interval=1000, disabled=True),
        html.Ol(className="steps", children=[
            html.Li(className="step", children=[
                html.H4("1. Upload the files"),
                # assets/upload.js reads where to report from these data- attributes
                html.Div(className="upload-zones", **{
                    "data-store": Id.UPLOADS, "data-status": Id.UPLOAD_STATUS,
                    "data-progress": Id.UPLOAD_PROGRESS, "data-limit": str(limit * 2**20)},
                    children=[
                    upload_zone("spend", Id.UPLOAD_SPEND_BTN, "Spend files",
                                "Choose spend files",
                                f"CSV or XLSX (plain or .gz), up to {limit} MB each; as many "
                                "as you like, e.g. a year of monthly files.", True),
                    upload_zone("suppliers", Id.UPLOAD_REGISTER_BTN,
                                "Supplier register (optional)", "Choose a supplier register",
                                "CSV or XLSX with Supplier Name and Postcode (and SME, VCSE, "
                                "Individual): postcodes place suppliers on the map.", False),
                ]),
                html.Progress(id=Id.UPLOAD_PROGRESS, max="100", value="0", hidden=True,
                              className="progress", **{"aria-labelledby": Id.UPLOAD_STATUS}),
                html.P(id=Id.UPLOAD_STATUS, className="upload-status", role="status",
                       **{"aria-live": "polite"}),
                html.Div(id=Id.UPLOAD_FILES, className="upload-files"),
                dbc.Button("Start again", id=Id.UPLOAD_RESET, type="button", color="secondary",
                           class_name="button secondary upload-reset"),
            ]),
            html.Li(className="step", id=Id.MAPPING_STEP, children=[
                html.H4("2. Check the columns"),
                html.P("Columns are recognised by their headers. Check the column found for "
                       "each field; choose another one where it is wrong. A choice applies to "
                       "every file.", className="hint"),
                html.Div(className="import-options", children=[
                    labelled("Anchor name", Id.ANCHOR_NAME,
                             dcc.Input(id=Id.ANCHOR_NAME, type="text", debounce=True,
                                       autoComplete="off", className="text-input",
                                       maxLength=200),
                             hint="For files with no column naming the organisation that pays,"
                                  " e.g. Oxford City Council. Press Enter when done."),
                    html.Fieldset(className="field dates", children=[
                        html.Legend("Period, for rows with no date (optional)"),
                        html.P("Rows with no date are dated at its start; dated rows keep their "
                               "date. Day/month/year.", className="hint"),
                        html.Div(className="date-pair", children=[
                            labelled("From", Id.PERIOD_FROM, _date_box(Id.PERIOD_FROM)),
                            labelled("To", Id.PERIOD_TO, _date_box(Id.PERIOD_TO)),
                        ]),
                    ]),
                ]),
                mapping_table(),
                html.Div(id=Id.PREVIEW, className="previews"),
            ]),
            html.Li(className="step", children=[
                html.H4("3. Import"),
                html.Div(className="import-options", children=[
                    labelled("Data set name", Id.IMPORT_NAME,
                             dcc.Input(id=Id.IMPORT_NAME, type="text", autoComplete="off",
                                       maxLength=64, className="text-input"),
                             hint="Letters, digits, - and _, e.g. oxford-2024. It becomes the "
                                  "data set's address."),
                    labelled("Title (optional)", Id.IMPORT_TITLE,
                             dcc.Input(id=Id.IMPORT_TITLE, type="text", autoComplete="off",
                                       maxLength=120, className="text-input"),
                             hint="Shown at the top of its page, e.g. Oxford City Council."),
                ]),
                html.Fieldset(className="field", children=[
                    html.Legend("Existing data set"),
                    checklist(Id.IMPORT_ADD, [{"label": "Add these files to the data set of "
                                                        "this name", "value": "add"}], []),
                ]),
                html.P(id=Id.IMPORT_NOTE, className="hint", **{"aria-live": "polite"}),
                references_block(refs, str(ctx.ds.meta.get("title") or ctx.ds.name)),
                html.Div(id=Id.IMPORT_PROBLEMS, className="import-problems"),
                dbc.Button("Import", id=Id.IMPORT_BTN, type="button", color="primary",
                           class_name="button", disabled=True),
                # role="alert": a refused import is news the person must hear at once
                dbc.Alert(id=Id.IMPORT_ERROR, color="danger", class_name="import-error",
                          fade=False),
                html.Progress(id=Id.JOB_PROGRESS, max="100", value="0", hidden=True,
                              className="progress", **{"aria-labelledby": Id.JOB_STATUS}),
                html.P(id=Id.JOB_STATUS, className="job-status", role="status",
                       **{"aria-live": "polite"}),
                html.Div(id=Id.REPORT, className="import-report"),
            ]),
        ]),
    ])


def upload_zone(kind: str, button_id: str, title: str, button: str, hint: str,
                multiple: bool) -> html.Div:
    """A drop target with a button (assets/upload.js sends the files to the upload route)."""
    return html.Div(className="upload-zone", **{"data-kind": kind,
                                                "data-multiple": "true" if multiple else "false"},
                    children=[
        html.P(title, className="upload-title"),
        html.P(hint, className="hint"),
        html.Button(button, id=button_id, type="button", className="button upload-button",
                    **{"data-kind": kind}),
        html.P("or drop files here", className="drop-hint", **{"aria-hidden": "true"}),
    ])


def _date_box(id_: str) -> dcc.Input:
    return dcc.Input(id=id_, type="text", debounce=True, className="date-input",
                     placeholder="dd/mm/yyyy", autoComplete="off", maxLength=10)


def reference_notice_block(notice: ReferenceNotice | None) -> html.Div | None:
    """At the top of the import steps, when the server has no reference data: what is missing
    and the command whoever runs the server must run (None, nothing shown, when it has them)."""
    if notice is None:
        return None
    children = [html.P(notice.missing, className="problem"), html.P(notice.ask),
                html.Pre(html.Code(notice.command), className="command"),
                html.P(notice.sources, className="hint")]
    if notice.details:
        children.append(html.Ul([html.Li(d) for d in notice.details], className="problem"))
    return html.Div(children, className="reference-notice", role="note")


def references_block(refs: References, shown_title: str) -> html.Div:
    """Which reference files the import will use, and from where (names only, never paths)."""
    if refs.origin == "dataset":
        where = (f"The same as the data set shown ({shown_title}), so the new data set has the "
                 "same geography and vintages.")
    else:
        where = "The server's reference folder (set by whoever runs it: docs/settings.md)."
    names = refs.names()
    items = [html.Li(f"{SOURCE_LABELS.get(k, k)}: {', '.join(v)}") for k, v in names.items()]
    problems = [html.Li(p, className="problem") for p in refs.problems]
    return html.Div(className="references", children=[
        html.H5("Reference files (kept on the server: you do not upload them)"),
        html.P(where, className="hint"),
        html.Ul(items + problems) if items or problems else html.P("None found.",
                                                                    className="problem"),
        html.P("Adding files to a data set keeps its own reference files.", className="hint"),
    ])


def mapping_table() -> html.Div:
    """One row per field: the columns the files use for it, and a dropdown to choose another."""
    rows = []
    for fld, label in FIELD_LABELS.items():
        rows.append(html.Tr([
            html.Th(label, scope="row"),
            html.Td(id=MAPPING_USED_IDS[fld], className="mapping-used"),
            html.Td(html.Div([
                html.Label(f"Column for {label.lower()}", htmlFor=MAPPING_IDS[fld],
                           id=f"{MAPPING_IDS[fld]}-label", className="visually-hidden"),
                dropdown(MAPPING_IDS[fld], [], None, multi=False, placeholder="As found"),
            ])),
        ]))
    return html.Div(className="table-scroll", children=html.Table(
        className="data-table mapping-table", children=[
            html.Caption("Column mapping: the column of the files read as each field",
                         className="visually-hidden"),
            html.Thead(html.Tr([html.Th("Field", scope="col"),
                                html.Th("Column found in the files", scope="col"),
                                html.Th("Use another column", scope="col")])),
            html.Tbody(rows)]))


def used_text(row: FieldRow) -> Any:
    """What the mapping step says about one field."""
    parts = [f"{h} ({n} file{'s' if n != 1 else ''})" for h, n in row.used]
    text = ", ".join(parts) if parts else "not found"
    if row.missing and parts:
        text += f"; not found in {row.missing} file{'s' if row.missing != 1 else ''}"
    if row.required and (row.missing or not parts):
        return html.Span([text, " — needed"], className="problem")
    return text


# --------------------------------------------------------------------------- uploaded files
def files_children(spend: list[dict], register: dict | None) -> list[Any]:
    """The uploaded files, each with a Remove button (dicts: kind, index, name, size)."""
    if not spend and not register:
        return [html.P("No files uploaded yet.", className="empty")]
    out: list[Any] = []
    if spend:
        out.append(html.P(f"{len(spend)} spend file{'s' if len(spend) != 1 else ''}, "
                          f"{file_size(sum(f['size'] for f in spend))}:", className="files-head"))
        out.append(html.Ul([_file_item(f) for f in spend], className="file-list"))
    if register:
        out.append(html.P("Supplier register:", className="files-head"))
        out.append(html.Ul([_file_item(register)], className="file-list"))
    return out


def _file_item(f: dict) -> html.Li:
    return html.Li([
        html.Span(f["name"], className="file-name"), f" {file_size(f['size'])} ",
        html.Button("Remove", type="button", className="button secondary small",
                    id={"type": Id.REMOVE_FILE, "kind": f["kind"], "index": f["index"]},
                    **{"aria-label": f"Remove {f['name']}"}),
    ])


def previews_children(previews: list) -> list[Any]:
    """Per file: ready or what is wrong, with its first rows under their fields (a Preview)."""

    out = []
    for i, p in enumerate(previews):
        ok = p.error is None
        summary = html.Summary([html.Span(p.name, className="file-name"),
                                html.Span(" — ready" if ok else " — needs attention",
                                          className="ok" if ok else "problem")])
        body: list[Any] = []
        if p.error:
            body.append(html.P(page_message(p.error), className="problem"))
        if p.header:
            fields = {h: FIELD_LABELS[f] for f, h in p.mapping.items()}
            head = [html.Tr([html.Th(h or "(blank)", scope="col") for h in p.header]),
                    html.Tr([html.Td(fields.get(h, "—"), className="mapped") for h in p.header])]
            body.append(html.Div(className="table-scroll", children=html.Table(
                className="data-table preview-table", children=[
                    html.Caption(f"First rows of {p.name}" + (f", sheet {p.sheet}"
                                                             if p.sheet else ""),
                                 className="preview-caption"),
                    html.Thead(head),
                    html.Tbody([html.Tr([html.Td(c) for c in r]) for r in p.rows])])))
        out.append(html.Details(open=(i == 0 or not ok), className="preview",
                                children=[summary, *body]))
    return out


# --------------------------------------------------------------------------- the report
def report_children(view: ReportView, name: str, title: str, links: dict[str, str]) -> list[Any]:
    """The import report: rows read/accepted/rejected per file, rejected rows by reason,
    duplicates refused, suppliers located or not, with downloads and a link to the data set."""
    out: list[Any] = [
        html.H4(f"Import report: {title}", id="report-h"),
        html.P([(f"{count(view.rows_read)} rows read, {count(view.rows_accepted)} imported, "
                 f"{count(view.rows_rejected)} rejected. "),
                html.A(f"Open {title}", href=links["open"], className="button")],
               className="report-total"),
        simple_table(["File", "Rows read", "Imported", "Rejected", "Note"],
                     [[f["name"], count(f["read"]), count(f["accepted"]), count(f["rejected"]),
                       f["note"]] for f in view.files]
                     + [["Total", count(view.rows_read), count(view.rows_accepted),
                         count(view.rows_rejected), ""]],
                     "Rows per file", numeric={1, 2, 3}),
    ]
    if view.duplicates:
        out += [html.H5("Files refused (already imported)"),
                html.Ul([html.Li(d) for d in view.duplicates])]
    if view.reasons:
        out += [html.H5("Rejected rows by reason"),
                simple_table(["Rows", "Reason", "First example"],
                             [[count(r["rows"]), r["reason"], r["example"]]
                              for r in view.reasons], "Rejected rows by reason", numeric={0}),
                html.P(html.A("Download the rejected rows (CSV)", href=links["rejected"]))]
    s = view.suppliers
    if s:
        not_located = s.get("total", 0) - s.get("located", 0)
        out += [html.H5("Suppliers"), html.P(
            f"{count(s.get('total'))} suppliers; {count(s.get('located'))} located on the map; "
            f"{count(not_located)} not located ({count(s.get('no_postcode'))} with no postcode, "
            f"{count(s.get('postcode_not_found'))} with a postcode not in the postcode "
            f"directory); {count(s.get('individuals'))} individuals (never named or mapped).")]
    if view.unlocated_listed:
        out.append(html.P([
            html.A(f"Download the {count(view.unlocated_listed)} suppliers not located as a "
                   "register to fill in (CSV)", href=links["unlocated"]),
            ": add their postcodes, upload it as the supplier register and import again."]))
    return out
