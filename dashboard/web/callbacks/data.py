"""The data panel's callbacks: the list of data sets, the uploaded files, the column mapping step,
starting an import in the background and following it to its report.

Files arrive through the upload route (``dashboard.serve.uploads``, driven by
``assets/upload.js``), not through a callback; callbacks only see the upload's batch id and read
the files from disk. The import runs in its own process (``dashboard.ingest.jobs``): the page polls
the job's status file once a second, from whichever worker answers. Each function below is plain
Python over its inputs; the ``register`` closures are glue. The list of data sets comes from the
registry the server hands in (``DataSets``: ``entries()``, ``href(name)``, ``root``); this module
installs no route.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from dash import ALL, Dash, Input, Output, State, html, no_update
from dash import ctx as dash_ctx

from dashboard.errors import InputError
from dashboard.ingest import audit, jobs
from dashboard.ingest.catalog import read_manifest
from dashboard.ingest.pipeline import Sources
from dashboard.ingest.reference import postcode_cache_dir
from dashboard.ingest.uploads import (
    Batch,
    UploadError,
    UploadStore,
    imports_enabled,
    jobs_folder,
    preview_spend,
    reference_files,
    uploads_folder,
)
from dashboard.view import data as vm
from dashboard.view.context import AppContext
from dashboard.web.access import allowed, current_user, refusal
from dashboard.web.ids import MAPPING_FIELDS, MAPPING_IDS, MAPPING_USED_IDS, Id
from dashboard.web.layout import data_panel as panel


class DataSets(Protocol):
    """The data sets the page lists and links to (``dashboard.serve.networks.Networks``)."""

    root: Path

    def entries(self) -> list: ...

    def href(self, name: str | None) -> str: ...


# --------------------------------------------------------------------------- pure-ish steps
def batch_files(store: UploadStore, uploads: dict | None) -> dict | None:
    """The batch's files as JSON for the files store (None: nothing uploaded)."""
    batch = (uploads or {}).get("batch")
    if not batch:
        return None
    try:
        found = store.files(batch)
    except UploadError:
        return None
    spend = [{"kind": "spend", "index": f.index, "name": f.name, "size": f.size}
             for f in found.spend]
    reg = found.suppliers
    register = ({"kind": "suppliers", "index": reg.index, "name": reg.name, "size": reg.size}
                if reg else None)
    return {"batch": batch, "spend": spend, "register": register}


def on_disk(store: UploadStore, files: dict | None) -> Batch | None:
    """The batch's files as the server holds them. Only the batch id is taken from the browser
    (a store's data can be forged): names and paths come from the upload folder itself."""
    batch = (files or {}).get("batch")
    if not batch:
        return None
    try:
        return store.files(batch)
    except UploadError:
        return None


def previews(store: UploadStore, files: dict | None, columns: dict | None,
             anchor_name: str | None, period: tuple | None) -> list:
    """A preview of every uploaded spend file (uploads.Preview), in upload order."""
    found = on_disk(store, files)
    if found is None:
        return []
    return [preview_spend(f.path, columns=columns, anchor_name=anchor_name, period=period)
            for f in found.spend]


def mapping_step(store: UploadStore, files: dict | None, chosen: list, anchor_name: str | None,
                 period_from: str | None, period_to: str | None) -> tuple[list, list, list, dict]:
    """(dropdown options per field, "found" text per field, preview children, check store)."""
    period, period_problem = vm.parse_period(period_from, period_to)
    columns = vm.mapping_overrides(dict(zip(MAPPING_FIELDS, chosen)))
    shown = previews(store, files, columns, anchor_name, period)
    plain = previews(store, files, None, anchor_name, period) if columns else shown
    options = [{"label": h, "value": h} for h in vm.headers_of(plain)]
    rows = vm.mapping_rows(shown, anchor_name, period is not None)
    used = [panel.used_text(r) for r in rows] if shown else [""] * len(rows)
    if shown and (anchor_name or "").strip():
        used[MAPPING_FIELDS.index("anchor")] = (f"“{anchor_name.strip()}” for every row (the "
                                                "anchor name given above)")
    check = {"has_spend": bool(shown),
             "errors": [vm.page_message(p.error) for p in shown if p.error],
             "period_problem": period_problem}
    return [options] * len(MAPPING_FIELDS), used, panel.previews_children(shown), check


def import_check(check: dict | None, name: str | None, add: list | None, existing: list[str],
                 references_ready: bool) -> tuple[str, list, bool]:
    """(note about the name, problems list children, import button disabled)."""
    check = check or {}
    add_to = bool(add)
    name_problem, note = vm.check_name(name, existing, add_to)
    problems = []
    if not check.get("has_spend"):
        problems.append("Upload one or more spend files.")
    problems += check.get("errors") or []
    if check.get("period_problem"):
        problems.append(check["period_problem"])
    if name_problem:
        problems.append(name_problem)
    if not references_ready and not add_to:
        problems.append("The server has no postcode directory and deprivation file for a new "
                        "import (see the note at the top of this section for what whoever runs "
                        "it must do); you can still add files to a data set.")
    children = [] if not problems else [
        html.P("Before importing:", className="problems-head"),
        html.Ul([html.Li(p) for p in problems], className="problem")]
    return note, children, bool(problems)


def start_import(app_ctx: AppContext, store: UploadStore, files: dict | None, chosen: list,
                 anchor_name: str | None, period_from: str | None, period_to: str | None,
                 name: str | None, title: str | None, add: list | None,
                 existing: list[str]) -> dict:
    """Check everything again on the server and start the job: {"job", "name"}; InputError
    with the reason otherwise (the button's state is never trusted)."""

    settings = app_ctx.settings
    if not imports_enabled(settings):
        raise InputError("imports are turned off on this server")
    add_to = bool(add)
    if not allowed("editor"):
        raise InputError(refusal("editor", "importing"))
    if not add_to and not allowed("admin"):   # a new data set, or one replaced afresh
        raise InputError(refusal("admin", "creating or replacing a data set"))
    problem, _ = vm.check_name(name, existing, add_to)
    if problem:
        raise InputError(problem)
    period, period_problem = vm.parse_period(period_from, period_to)
    if period_problem:
        raise InputError(period_problem)
    found = on_disk(store, files)
    if found is None or not found.spend:
        raise InputError("Upload one or more spend files.")
    columns = vm.mapping_overrides(dict(zip(MAPPING_FIELDS, chosen)))
    bad = [p for p in previews(store, files, columns, anchor_name, period) if p.error]
    if bad:
        raise InputError(vm.page_message(bad[0].error))
    spend = [f.path for f in found.spend]
    suppliers = found.suppliers.path if found.suppliers else None
    refs = reference_files(app_ctx.ds.meta, settings)
    if not add_to and not refs.ready:
        raise InputError("; ".join(refs.problems) or "no reference files on the server")
    given = {} if add_to else refs.files
    sources = Sources(spend=spend, postcodes=given.get("postcodes") or [],
                      imd=given.get("imd"), wards=given.get("wards"),
                      lsoas=given.get("lsoas"), lsoa_lookup=given.get("lsoa_lookup"),
                      population=given.get("population"), suppliers=suppliers,
                      columns=columns, anchor_name=(anchor_name or "").strip() or None,
                      period=period, postcode_cache=postcode_cache_dir(settings))
    name = str(name).strip()
    jobs_dir = jobs_folder(settings)
    jobs.cleanup_jobs(jobs_dir)
    user = current_user()
    job = jobs.start_import(name, sources, root=settings.networks_dir, jobs_dir=jobs_dir,
                            add_to=add_to, title=(title or "").strip() or None, user=user)
    audit.record(settings.networks_dir, user, "import", dataset=name, job=job,
                 mode="add" if add_to else ("replace" if name in existing else "create"),
                 files=[Path(p).name for p in spend])
    return {"job": job, "name": name}


def follow_job(networks: DataSets, job: dict | None, jobs_dir: Path
               ) -> tuple[bool, str, bool, str, list, Any]:
    """(poll disabled, progress value, progress hidden, status words, report children,
    data set list refresh) for the job in the store.

    The refresh value is always given when nothing is running (0 without a job): the data set
    list hangs on it, and Dash does not make the first call of a callback whose input another
    callback's first call left unchanged (no_update)."""
    if not job or not job.get("job"):
        return True, "0", True, "", [], 0
    try:
        status = jobs.job_status(job["job"], jobs_dir)
    except InputError as exc:
        return True, "0", True, vm.page_message(exc), [], 0
    view = vm.job_view(status)
    if not view.finished:
        return False, str(view.percent), False, f"{view.message} ({view.percent}%)", [], no_update
    if view.error:
        return True, str(view.percent), True, f"{view.message} {view.error}", [], 0
    name = str(status.get("name") or "")   # the job's own record, not the browser's store
    report = []
    if not vm.NAME_PATTERN.fullmatch(name):
        return True, "100", False, view.message, [], job["job"]
    try:

        meta = read_manifest(Path(networks.root) / name).get("meta", {})
        rv = vm.import_report(meta)
        href = networks.href(name)
        links = {"open": href, "rejected": f"{href}export/rejected.csv",
                 "unlocated": f"{href}export/unlocated.csv"}
        if rv is not None:
            report = panel.report_children(rv, name, str(meta.get("title") or name), links)
    except (InputError, OSError, ValueError):
        report = []
    return True, "100", False, f"{view.message} Data set {name!r} is ready.", report, job["job"]


# --------------------------------------------------------------------------- wiring
def register(app: Dash, app_ctx: AppContext, networks: DataSets) -> None:
    """Wire the data panel; `networks` lists the data sets (the upload route is the server's)."""
    settings = app_ctx.settings
    current = settings.network or None
    enabled = imports_enabled(settings)
    store = UploadStore(uploads_folder(settings))

    @app.callback(Output(Id.DATASETS, "children"), Input(Id.DATASETS_REFRESH, "data"))
    def _datasets(_refresh):
        return panel.dataset_items(networks.entries(), current)

    if not enabled:
        return
    mapping_inputs = [Input(MAPPING_IDS[f], "value") for f in MAPPING_FIELDS]
    mapping_states = [State(MAPPING_IDS[f], "value") for f in MAPPING_FIELDS]

    @app.callback(Output(Id.UPLOAD_FILES, "children"), Output(Id.UPLOAD_FILES_STATE, "data"),
                  Input(Id.UPLOADS, "data"),
                  Input({"type": Id.REMOVE_FILE, "kind": ALL, "index": ALL}, "n_clicks"))
    def _files(uploads, _removes):
        trigger = dash_ctx.triggered_id
        if isinstance(trigger, dict) and (uploads or {}).get("batch") and any(
                t.get("value") for t in dash_ctx.triggered):
            store.remove(uploads["batch"], trigger.get("kind"), trigger.get("index"))
        files = batch_files(store, uploads)
        return panel.files_children((files or {}).get("spend", []),
                                    (files or {}).get("register")), files

    @app.callback([Output(MAPPING_IDS[f], "options") for f in MAPPING_FIELDS],
                  [Output(MAPPING_USED_IDS[f], "children") for f in MAPPING_FIELDS],
                  Output(Id.PREVIEW, "children"), Output(Id.CHECK, "data"),
                  Input(Id.UPLOAD_FILES_STATE, "data"), *mapping_inputs,
                  Input(Id.ANCHOR_NAME, "value"), Input(Id.PERIOD_FROM, "value"),
                  Input(Id.PERIOD_TO, "value"))
    def _mapping(files, *args):
        chosen, (anchor, p0, p1) = list(args[:len(MAPPING_FIELDS)]), args[len(MAPPING_FIELDS):]
        options, used, children, check = mapping_step(store, files, chosen, anchor, p0, p1)
        return *options, *used, children, check

    @app.callback(Output(Id.IMPORT_NOTE, "children"), Output(Id.IMPORT_PROBLEMS, "children"),
                  Output(Id.IMPORT_BTN, "disabled"),
                  Input(Id.CHECK, "data"), Input(Id.IMPORT_NAME, "value"),
                  Input(Id.IMPORT_ADD, "value"), Input(Id.DATASETS_REFRESH, "data"))
    def _check(check, name, add, _refresh):
        existing = [e.name for e in networks.entries() if e.name]
        ready = reference_files(app_ctx.ds.meta, settings).ready
        return import_check(check, name, add, existing, ready)

    @app.callback(Output(Id.JOB, "data"), Output(Id.IMPORT_ERROR, "children"),
                  Input(Id.IMPORT_BTN, "n_clicks"), State(Id.UPLOAD_FILES_STATE, "data"),
                  *mapping_states, State(Id.ANCHOR_NAME, "value"),
                  State(Id.PERIOD_FROM, "value"), State(Id.PERIOD_TO, "value"),
                  State(Id.IMPORT_NAME, "value"), State(Id.IMPORT_TITLE, "value"),
                  State(Id.IMPORT_ADD, "value"), prevent_initial_call=True)
    def _start(clicks, files, *args):
        if not clicks:
            return no_update, no_update
        chosen = list(args[:len(MAPPING_FIELDS)])
        anchor, p0, p1, name, title, add = args[len(MAPPING_FIELDS):]
        existing = [e.name for e in networks.entries() if e.name]
        try:
            job = start_import(app_ctx, store, files, chosen, anchor, p0, p1, name, title, add,
                               existing)
        except (InputError, UploadError) as exc:
            return no_update, f"Not started: {vm.page_message(exc)}"
        return job, ""

    @app.callback(Output(Id.JOB_POLL, "disabled"), Output(Id.JOB_PROGRESS, "value"),
                  Output(Id.JOB_PROGRESS, "hidden"), Output(Id.JOB_STATUS, "children"),
                  Output(Id.REPORT, "children"), Output(Id.DATASETS_REFRESH, "data"),
                  Input(Id.JOB, "data"), Input(Id.JOB_POLL, "n_intervals"))
    def _follow(job, _n):
        return follow_job(networks, job, jobs_folder(settings))
