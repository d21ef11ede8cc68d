"""The Plan section's callbacks: thin glue between its controls, the plan store and the view rows.

The what-if and the leakage follow the page's filters only while their tab is shown: a filter
change costs them nothing otherwise, and showing the tab brings them up to date.

Reading follows the page's filters (the `STATE` store) for the what-if and the leakage, and the
`VERSION` store for the saved plan (bumped by this page's own edits). Every edit needs a signed-in
user with the editor role (`current_editor`, through `dashboard.web.access`). An edit that fails
its checks shows the reason and changes nothing.

The what-if's sums for one filter state, category and anchor choice are kept (`base`, a small
LRU cache per app), so moving the slider costs integer arithmetic only, and a filter change one
masked pass (the Summary's mask is reused).
"""
from __future__ import annotations

import base64
import json
from datetime import date
from functools import lru_cache
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboard import fmt
from dashboard.engine.assessment import Assessment, Entry
from dashboard.engine.leakage import leakage
from dashboard.engine.plan import Target
from dashboard.engine.whatif import apply, whatif_base
from dashboard.errors import InputError
from dashboard.ingest.parse import parse_money
from dashboard.ingest.planstore import PlanStore, Scenario
from dashboard.output.exports import export_filename
from dashboard.output.plan import action_plan_xlsx
from dashboard.view import plan as vp
from dashboard.view.context import AppContext
from dashboard.web import access
from dashboard.web.ids import Id
from dashboard.web.layout.plan import A_FIELD, PlanId

BASE_CACHE = 32
EDITOR = "editor"


def current_editor() -> str | None:
    """The signed-in user who may edit the plan, or None: the server's sign-in must have put a
    user on the request (every change records who made it) and, where it gives roles, the
    editor role (`dashboard.web.access`)."""
    user = access.current_user()
    return user if user and access.allowed(EDITOR) else None


def _editor() -> str:
    user = current_editor()
    if not user:
        raise InputError("sign in as an editor to change the plan: nothing was changed")
    return user


def _table(columns: list[tuple[str, str]], rows: list[dict], caption: str,
           row_class: str | None = None) -> Any:
    """An accessible HTML table (caption, column headings) of written-out rows."""
    if not rows:
        return html.P(f"{caption}: none yet.", className="hint")
    head = html.Thead(html.Tr([html.Th(label, scope="col") for _, label in columns]))
    body = html.Tbody([html.Tr([html.Td(r[key], className=_cell_class(key, r))
                                for key, _ in columns], className=row_class) for r in rows])
    return html.Table([html.Caption(caption), head, body], className="table table-sm plan-table")


#: Columns of words, which wrap; the others (figures, statuses) stay on one line.
WRAP = {"scope", "metric", "owner", "set", "anchor", "category", "name", "what", "saved"}


def _cell_class(key: str, row: dict) -> str:
    if key == "status" and "status_key" in row:
        return f"status status-{row['status_key']}"
    return "wrap" if key in WRAP else "fig"


TARGET_COLUMNS = [("scope", "For"), ("metric", "Measure"), ("target", "Target"),
                  ("baseline", "Baseline"), ("actual", "Actual"), ("trajectory", "Trajectory"),
                  ("status", "Status"), ("gap", "Gap"), ("change", "Change since last year"),
                  ("owner", "Owner"), ("set", "Set by")]
PROGRESS_COLUMNS = [("year", "Year"), ("actual", "Actual"), ("trajectory", "Trajectory"),
                    ("status", "Status"), ("gap", "Gap")]
ANCHOR_COLUMNS = [("anchor", "Anchor"), ("before", "Share before"), ("after", "Share after"),
                  ("moved", "Moved"), ("movable", "Could move")]
LEAK_COLUMNS = [("category", "Category"), ("outside", "Outside the local area"),
                ("leak", "Share outside"), ("deprived", "Share most deprived"),
                ("located", "Located"), ("unlocated", "Not located"),
                ("suppliers", "Local suppliers in deprived areas")]
SCENARIO_COLUMNS = [("name", "Scenario"), ("what", "What moves"), ("before", "Share before"),
                    ("after", "Share after"), ("saved", "Saved by")]


def _message(text: str, ok: bool) -> Any:
    return html.Span(text, className="ok" if ok else "error")


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the Plan section."""
    ds = app_ctx.ds
    store = PlanStore.for_dataset(ds)

    @lru_cache(maxsize=BASE_CACHE)
    def base(query: str, categories: tuple, anchors: tuple):
        state = app_ctx.state(query)
        s = app_ctx.summary(state)
        return whatif_base(ds, state.filters, state.options, categories, anchors, mask=s.mask)

    # ------------------------------------------------------------------ the workbook
    @app.callback(Output(PlanId.DOWNLOAD, "data"), Input(PlanId.DOWNLOAD_BTN, "n_clicks"),
                  State(Id.STATE, "data"), prevent_initial_call=True)
    def download(_n, query):
        state = app_ctx.state(query or "")
        data = action_plan_xlsx(ds, store, state.filters, state.options)
        return dcc.send_bytes(data, export_filename("action-plan", "xlsx"))

    # ------------------------------------------------------------------ targets
    @app.callback(Output(PlanId.TARGETS, "children"), Output(PlanId.PROGRESS, "children"),
                  Output(PlanId.PICK, "options"),
                  Input(PlanId.VERSION, "data"), Input(PlanId.PICK, "value"))
    def show_targets(_version, picked):
        rows = vp.target_rows(ds, store.targets())
        cells = [vp.target_cells(r) for r in rows]
        year = rows[0]["year"] if rows else None
        # the picked target, else the latest set (a new target's id may reach the picker
        # before its option does, and the picker then clears it)
        chosen = next((r for r in rows if r["id"] == picked), rows[-1] if rows else None)
        progress = (_table(PROGRESS_COLUMNS, vp.progress_cells(chosen),
                           f"{chosen['scope']}: {chosen['metric_label']}") if chosen else None)
        options = [{"label": "New target", "value": ""}] + [
            {"label": f"{c['scope']}: {c['metric']} ({c['target']})", "value": c["id"]}
            for c in cells]
        return (_table(TARGET_COLUMNS, cells, f"Targets, {year or 'no year'}"), progress,
                options)

    @app.callback(Output(PlanId.METRIC, "value"), Output(PlanId.SCOPE, "value"),
                  Output(PlanId.MOST_DEPRIVED, "value"), Output(PlanId.REFERENCE, "value"),
                  Output(PlanId.BASELINE, "value"), Output(PlanId.TARGET_YEAR, "value"),
                  Output(PlanId.VALUE, "value"), Output(PlanId.OWNER, "value"),
                  Output(PlanId.NOTE, "value"),
                  Input(PlanId.PICK, "value"), prevent_initial_call=True)
    def fill_form(picked):
        rec = next((r for r in store.targets() if r.target.id == picked), None)
        if rec is None:
            return (no_update,) * 9
        t = rec.target
        return (t.metric, vp.scope_name(t.scope), t.most_deprived, t.reference,
                t.baseline_year, t.target_year, round(t.target_value * 100, 4), t.owner, t.note)

    @app.callback(Output(PlanId.TARGET_MSG, "children"), Output(PlanId.VERSION, "data"),
                  Output(PlanId.PICK, "value"),
                  Input(PlanId.SAVE, "n_clicks"), Input(PlanId.DELETE, "n_clicks"),
                  State(PlanId.PICK, "value"), State(PlanId.METRIC, "value"),
                  State(PlanId.SCOPE, "value"), State(PlanId.MOST_DEPRIVED, "value"),
                  State(PlanId.REFERENCE, "value"), State(PlanId.BASELINE, "value"),
                  State(PlanId.TARGET_YEAR, "value"), State(PlanId.VALUE, "value"),
                  State(PlanId.OWNER, "value"), State(PlanId.NOTE, "value"),
                  State(PlanId.VERSION, "data"), prevent_initial_call=True)
    def edit_target(_save, _delete, picked, metric, scope, most_deprived, reference, baseline,
                    target_year, value, owner, note, version):
        try:
            user = _editor()
            if ctx.triggered_id == PlanId.DELETE:
                if not picked:
                    raise InputError("choose the target to delete")
                store.delete_target(picked, user)
                return _message("Target deleted (its versions are kept).", True), version + 1, ""
            if value is None:
                raise InputError("give the target as a percentage, e.g. 25 for 25%")
            t = Target(metric, int(baseline), int(target_year), float(value) / 100,
                       scope=None if scope in (None, vp.NETWORK) else scope,
                       most_deprived=int(most_deprived), reference=reference,
                       owner=owner or "", note=note or "")
            if picked:
                store.edit_target(ds, picked, t, user)
                return _message("Target changed; the earlier version is kept.", True), \
                    version + 1, picked
            new_id = store.add_target(ds, t, user)
            return _message("Target saved.", True), version + 1, new_id
        except InputError as exc:
            return _message(str(exc), False), no_update, no_update

    # ------------------------------------------------------------------ what if
    @app.callback(Output(PlanId.RESULT, "children"),
                  Input(Id.STATE, "data"), Input(PlanId.GROUP, "value"),
                  Input(PlanId.CATEGORIES, "value"), Input(PlanId.ANCHORS, "value"),
                  Input(PlanId.MODE, "value"), Input(PlanId.FRACTION, "value"),
                  Input(PlanId.AMOUNT, "value"), Input(PlanId.TABS, "active_tab"))
    def run_whatif(query, group, categories, anchors, mode, fraction, amount, tab):
        if tab != PlanId.TAB_WHATIF:    # hidden: no work on a filter change; runs when shown
            return no_update
        try:
            r = apply(base(query or "", tuple(sorted(categories or ())),
                           tuple(sorted(anchors or ()))),
                      group, **_move(mode, fraction, amount))
        except InputError as exc:
            return html.P(str(exc), className="error")
        v = vp.whatif_view(r)
        return [
            html.P(className="plan-headline", children=[
                html.Span("Before ", className="label"), html.Strong(v["before"], id="plan-before"),
                html.Span(" after ", className="label"), html.Strong(v["after"], id="plan-after"),
                html.Span(f" ({v['change']})")]),
            html.P(v["sentence"]), html.P(v["suppliers"]),
            _table(ANCHOR_COLUMNS, v["rows"], "By anchor"),
        ]

    @app.callback(Output(PlanId.SCENARIO_MSG, "children"),
                  Output(PlanId.VERSION, "data", allow_duplicate=True),
                  Input(PlanId.SCENARIO_SAVE, "n_clicks"),
                  State(PlanId.SCENARIO_NAME, "value"), State(Id.STATE, "data"),
                  State(PlanId.GROUP, "value"), State(PlanId.CATEGORIES, "value"),
                  State(PlanId.ANCHORS, "value"), State(PlanId.MODE, "value"),
                  State(PlanId.FRACTION, "value"), State(PlanId.AMOUNT, "value"),
                  State(PlanId.VERSION, "data"), prevent_initial_call=True)
    def save_scenario(_n, name, query, group, categories, anchors, mode, fraction, amount,
                      version):
        try:
            user = _editor()
            state = app_ctx.state(query or "")
            s = Scenario(name or "", group, categories=tuple(categories or ()),
                         anchors=tuple(anchors or ()), years=state.filters.years,
                         most_deprived=state.options.most_deprived,
                         reference=state.options.reference, **_move(mode, fraction, amount))
            store.save_scenario(ds, s, user)
            return _message(f"Scenario {s.name.strip()!r} saved.", True), version + 1
        except InputError as exc:
            return _message(str(exc), False), no_update

    @app.callback(Output(PlanId.SCENARIO_MSG, "children", allow_duplicate=True),
                  Output(PlanId.VERSION, "data", allow_duplicate=True),
                  Input(PlanId.SCENARIO_DELETE, "n_clicks"), State(PlanId.SCENARIO_PICK, "value"),
                  State(PlanId.VERSION, "data"), prevent_initial_call=True)
    def delete_scenario(_n, picked, version):
        try:
            user = _editor()
            if not picked:
                raise InputError("choose the scenario to delete")
            store.delete_scenario(picked, user)
            return _message("Scenario deleted (kept in the file, marked deleted).", True), \
                version + 1
        except InputError as exc:
            return _message(str(exc), False), no_update

    @app.callback(Output(PlanId.SCENARIOS, "children"), Output(PlanId.SCENARIO_PICK, "options"),
                  Input(PlanId.VERSION, "data"))
    def show_scenarios(_version):
        rows, saved = [], store.scenarios()
        for s in vp.scenario_rows(ds, saved):
            rows.append({"name": s["name"], "what": vp.scenario_words(s),
                         "before": fmt.share(s["share_before"]),
                         "after": fmt.share(s["share_after"]),
                         "saved": f"{s['saved_by']}, {s['saved_at'][:10]}"})
        return (_table(SCENARIO_COLUMNS, rows, "Saved scenarios"),
                [{"label": s.name, "value": s.id} for s in saved])

    # ------------------------------------------------------------------ leakage
    @app.callback(Output(PlanId.LEAKAGE, "children"), Output(PlanId.OPPORTUNITIES, "children"),
                  Input(Id.STATE, "data"), Input(PlanId.LEAK_ANCHOR, "value"),
                  Input(PlanId.TABS, "active_tab"))
    def show_leakage(query, anchor, tab):
        if tab != PlanId.TAB_LEAKAGE:
            return no_update, no_update
        state = app_ctx.state(query or "")
        lk = leakage(ds, state.filters, state.options)
        table = _table(LEAK_COLUMNS, vp.leakage_cells(lk), "Categories by spend leaving the area")
        opps = vp.opportunities_for(lk, anchor)
        if anchor and not opps:
            found = html.P(f"No local suppliers in deprived areas that other anchors use and "
                           f"{anchor} does not, under these filters.", className="hint")
        else:
            found = html.Ul([html.Li([html.Strong(o["category"] + ": "),
                                      ", ".join(o["suppliers"]),
                                      f" and {o['more']} more" if o["more"] else ""])
                             for o in opps])
        return table, found

    # ------------------------------------------------------------------ self-assessment
    @app.callback(Output(PlanId.GRID, "children"), Output(PlanId.A_FORM, "children"),
                  Input(PlanId.VERSION, "data"))
    def show_assessments(_version):
        doc = store.read()
        framework = store.framework(doc)
        grid = vp.assessment_grid(framework, store.assessments(doc), app_ctx.choices.anchors)
        return _heatmap(vp.grid_cells(grid), framework.name), _assessment_form(framework)

    @app.callback(Output(PlanId.A_MSG, "children"),
                  Output(PlanId.VERSION, "data", allow_duplicate=True),
                  Input(PlanId.A_SAVE, "n_clicks"), State(PlanId.A_ANCHOR, "value"),
                  State(PlanId.A_DATE, "value"),
                  State({"type": A_FIELD, "dim": ALL, "part": ALL}, "value"),
                  State({"type": A_FIELD, "dim": ALL, "part": ALL}, "id"),
                  State(PlanId.VERSION, "data"), prevent_initial_call=True)
    def save_assessment(_n, anchor, when, values, ids, version):
        try:
            user = _editor()
            if not anchor:
                raise InputError("choose the anchor assessed")
            try:
                day = date.fromisoformat(str(when or "").strip())
            except ValueError:
                raise InputError(f"date {when!r} is not a date: write it as YYYY-MM-DD"
                                 ) from None
            parts: dict[str, dict] = {}
            for i, v in zip(ids, values):
                parts.setdefault(i["dim"], {})[i["part"]] = v
            entries = {k: Entry(int(p["level"]), p.get("evidence") or "", p.get("action") or "",
                                p.get("owner") or "")
                       for k, p in parts.items() if p.get("level")}
            store.add_assessment(ds, Assessment(anchor, day, entries), user)
            return _message(f"Assessment of {anchor} on {day.isoformat()} saved.", True), \
                version + 1
        except InputError as exc:
            return _message(str(exc), False), no_update

    @app.callback(Output(PlanId.FRAMEWORK_MSG, "children"),
                  Output(PlanId.VERSION, "data", allow_duplicate=True),
                  Input(PlanId.FRAMEWORK, "contents"), State(PlanId.FRAMEWORK, "filename"),
                  State(PlanId.VERSION, "data"), prevent_initial_call=True)
    def load_framework(contents, filename, version):
        try:
            user = _editor()
            data = _json_upload(contents, filename)
            fw = store.set_framework(data, user, source=filename or "the framework file")
            n = len(fw.dimensions)
            return _message(f"Framework {fw.name!r} loaded: {n} dimension"
                            f"{'' if n == 1 else 's'}.", True), version + 1
        except InputError as exc:
            return _message(str(exc), False), no_update


def _move(mode: str | None, fraction: float | None, amount: float | None) -> dict:
    """The what-if's move from the controls: a fraction (slider, percent) or an amount (£)."""
    if mode == "amount":
        if amount is None:
            raise InputError("give an amount in pounds")
        try:
            return {"amount": parse_money(str(amount)) if amount >= 0 else -1}
        except ValueError:
            raise InputError(f"£{amount} is not an amount of money: give pounds, e.g. "
                             "250000") from None
    return {"fraction": (fraction or 0) / 100}


def _json_upload(contents: str | None, filename: str | None) -> object:
    if not contents or "," not in contents:
        raise InputError("choose a framework file (JSON)")
    try:
        return json.loads(base64.b64decode(contents.split(",", 1)[1]).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InputError(f"{filename or 'the file'} is not a JSON file: see the hint for its "
                         "shape") from None


def _heatmap(view: dict, framework_name: str) -> Any:
    """The anchors x dimensions table: each cell the level in words and number (and a shade that
    repeats it), the change since the anchor's previous assessment; the median row last."""
    head = html.Thead(html.Tr([html.Th("Anchor", scope="col"), html.Th("Assessed", scope="col"),
                               *[html.Th(h, scope="col") for h in view["headings"]]]))
    rows = [html.Tr([html.Th(r["anchor"], scope="row"), html.Td(r["date"], className="fig"),
                     *[html.Td([html.Span(c["text"]),
                                html.Br() if c["change"] else None,
                                html.Small(c["change"]) if c["change"] else None],
                               className=f"level level-{c['level']}") for c in r["cells"]]])
            for r in view["rows"]]
    rows.append(html.Tr([html.Th("Network median", scope="row"), html.Td(""),
                         *[html.Td(m) for m in view["medians"]]], className="median"))
    return html.Table([html.Caption(f"Self-assessment: {framework_name}"), head,
                       html.Tbody(rows)], className="table table-sm plan-table plan-heatmap")


def _assessment_form(framework) -> list:
    """One row of fields per dimension: level (words and number), evidence, action, owner."""
    out = []
    for d in framework.dimensions:
        def fid(part: str, key: str = d.key) -> dict:
            return {"type": A_FIELD, "dim": key, "part": part}

        options = [{"label": d.level_name(lv.level), "value": lv.level} for lv in d.levels]
        out.append(html.Fieldset(className="plan-dimension", children=[
            html.Legend(d.name),
            # each control inside its <label>: dbc's inputs take no aria-label
            html.Label([html.Span("Level", className="plan-field-label"), dbc.Select(
                id=fid("level"), options=[{"label": "not assessed", "value": ""}, *options],
                value="")]),
            html.Label([html.Span("Evidence", className="plan-field-label"),
                        dbc.Input(id=fid("evidence"), maxLength=2000)]),
            html.Label([html.Span("Next action", className="plan-field-label"),
                        dbc.Input(id=fid("action"), maxLength=2000)]),
            html.Label([html.Span("Owner of the action", className="plan-field-label"),
                        dbc.Input(id=fid("owner"), maxLength=200)]),
        ]))
    return out
