"""The Plan section: the network's action plan on the page (issue 17, `plan.md`).

Four tabs: the targets and their progress (status in words and a mark, never colour alone) with
the form that sets, edits and deletes them; "What if" (group, categories, anchors, a fraction or
an amount, answered live under the page's filters) with saved scenarios; where spend leaks out,
with the suppliers other anchors already use; and the self-assessment heat map (levels as words
and numbers) with the form that records one. The contents are filled by
`dashboard.web.callbacks.plan`; editing needs a signed-in user (the forms say so).
"""
from __future__ import annotations

from enum import StrEnum

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.engine.groups import GROUP_LABELS, GROUPS
from dashboard.engine.periods import fy_label
from dashboard.engine.plan import METRIC_LABELS, SPEND_METRICS, WORKFORCE_METRICS
from dashboard.engine.workforce import has_workforce
from dashboard.view.context import AppContext
from dashboard.view.plan import NETWORK
from dashboard.web.layout.common import dropdown, labelled, radios


class PlanId(StrEnum):
    """The Plan section's component ids, declared once."""

    SECTION = "plan"
    TABS = "plan-tabs"
    TAB_TARGETS = "plan-tab-targets"
    TAB_WHATIF = "plan-tab-whatif"
    TAB_LEAKAGE = "plan-tab-leakage"
    TAB_ASSESS = "plan-tab-assess"
    VERSION = "plan-version"            # bumped after each saved edit: the panels re-read
    EDIT_NOTE = "plan-edit-note"
    # targets
    TARGETS = "plan-targets"
    PICK = "plan-target-pick"
    METRIC = "plan-t-metric"
    SCOPE = "plan-t-scope"
    MOST_DEPRIVED = "plan-t-most-deprived"
    REFERENCE = "plan-t-reference"
    BASELINE = "plan-t-baseline"
    TARGET_YEAR = "plan-t-target-year"
    VALUE = "plan-t-value"
    OWNER = "plan-t-owner"
    NOTE = "plan-t-note"
    SAVE = "plan-t-save"
    DELETE = "plan-t-delete"
    TARGET_MSG = "plan-t-message"
    PROGRESS = "plan-progress"
    # what if
    GROUP = "plan-w-group"
    CATEGORIES = "plan-w-categories"
    ANCHORS = "plan-w-anchors"
    MODE = "plan-w-mode"
    FRACTION = "plan-w-fraction"
    AMOUNT = "plan-w-amount"
    RESULT = "plan-w-result"
    SCENARIO_NAME = "plan-w-name"
    SCENARIO_SAVE = "plan-w-save"
    SCENARIO_MSG = "plan-w-message"
    SCENARIOS = "plan-w-scenarios"
    SCENARIO_PICK = "plan-w-pick"
    SCENARIO_DELETE = "plan-w-delete"
    # leakage
    LEAKAGE = "plan-leakage"
    LEAK_ANCHOR = "plan-l-anchor"
    OPPORTUNITIES = "plan-opportunities"
    # self-assessment
    GRID = "plan-grid"
    A_ANCHOR = "plan-a-anchor"
    A_DATE = "plan-a-date"
    A_FORM = "plan-a-form"
    A_SAVE = "plan-a-save"
    A_MSG = "plan-a-message"
    FRAMEWORK = "plan-a-framework"
    FRAMEWORK_MSG = "plan-a-framework-message"
    # the workbook
    DOWNLOAD_BTN = "plan-download-btn"
    DOWNLOAD = "plan-download"


#: Pattern-matching ids of the assessment form's per-dimension fields.
A_FIELD = "plan-a-field"


def _opts(values, labels=None) -> list[dict]:
    return [{"label": (labels or {}).get(v, str(v)), "value": v} for v in values]


def _status(id_: str) -> html.P:
    return html.P(id=id_, className="plan-message", role="status", **{"aria-live": "polite"})


def _input(id_: str, label: str, kind: str = "text", **kwargs) -> html.Div:
    return labelled(label, id_, dcc.Input(id=id_, type=kind, className="plan-input",
                                          debounce=kind == "text", **kwargs))


def plan_section(ctx: AppContext) -> html.Section:
    """The whole Plan section (see the module docstring)."""
    editable = ctx.settings.auth != "none" and bool(ctx.ds.meta.get("folder"))
    note = ("Changes are saved with the data set and record who made them." if editable else
            "Editing the plan needs sign-in and a saved data set; this page shows the plan "
            "read-only.")
    return html.Section(id=PlanId.SECTION, className="panel plan-panel",
                        **{"aria-labelledby": "plan-h"}, children=[
        dcc.Store(id=PlanId.VERSION, data=0, storage_type="memory"),
        html.H2("Action plan", id="plan-h"),
        html.P(note, id=PlanId.EDIT_NOTE, className="hint"),
        html.Div(className="button-row", children=[
            dbc.Button("Download the action plan (XLSX)", id=PlanId.DOWNLOAD_BTN, type="button",
                       color="primary", class_name="button"),
            dcc.Download(id=PlanId.DOWNLOAD)]),
        dbc.Tabs(id=PlanId.TABS, active_tab=PlanId.TAB_TARGETS, children=[
            dbc.Tab(_targets(ctx, editable), label="Targets", tab_id=PlanId.TAB_TARGETS),
            dbc.Tab(_whatif(ctx, editable), label="What if", tab_id=PlanId.TAB_WHATIF),
            dbc.Tab(_leakage(ctx), label="Where spend leaks", tab_id=PlanId.TAB_LEAKAGE),
            dbc.Tab(_assessment(ctx, editable), label="Self-assessment",
                    tab_id=PlanId.TAB_ASSESS),
        ]),
    ])


def _targets(ctx: AppContext, editable: bool) -> html.Div:
    ds = ctx.ds
    years = list(ds.years) or [2024]
    anchors = list(ctx.choices.anchors)
    form = html.Fieldset(className="plan-form", disabled=not editable, children=[
        html.Legend("Set or edit a target"),
        labelled("Target", PlanId.PICK, dcc.Dropdown(
            id=PlanId.PICK, options=[{"label": "New target", "value": ""}], value="",
            clearable=False, className="dropdown")),
        labelled("Measure", PlanId.METRIC, dcc.Dropdown(
            id=PlanId.METRIC, options=_opts([*SPEND_METRICS, *(
                WORKFORCE_METRICS if has_workforce(ds) else ())], METRIC_LABELS),
            value="share_most_deprived", clearable=False, className="dropdown")),
        labelled("For", PlanId.SCOPE, dcc.Dropdown(
            id=PlanId.SCOPE, options=_opts([NETWORK, *anchors]), value=NETWORK,
            clearable=False, className="dropdown")),
        labelled("Most deprived", PlanId.MOST_DEPRIVED, radios(
            PlanId.MOST_DEPRIVED, [{"label": f"{x}%", "value": x} for x in (10, 20, 30)], 10,
            inline=True)),
        labelled("Reference", PlanId.REFERENCE, radios(
            PlanId.REFERENCE, [{"label": "national", "value": "national"},
                               {"label": "local", "value": "local"}], "national", inline=True)),
        labelled("Baseline year", PlanId.BASELINE, dcc.Dropdown(
            id=PlanId.BASELINE, options=[{"label": fy_label(y), "value": y} for y in years],
            value=years[0], clearable=False, className="dropdown")),
        labelled("Target year", PlanId.TARGET_YEAR, dcc.Dropdown(
            id=PlanId.TARGET_YEAR,
            options=[{"label": fy_label(y), "value": y} for y in range(years[0], years[-1] + 11)],
            value=years[-1] + 3, clearable=False, className="dropdown")),
        _input(PlanId.VALUE, "Target (%)", "number", min=0, max=100, step=0.1, value=None),
        _input(PlanId.OWNER, "Owner", maxLength=200),
        _input(PlanId.NOTE, "Note", maxLength=2000),
        html.Div(className="button-row", children=[
            dbc.Button("Save target", id=PlanId.SAVE, type="button", color="primary",
                       class_name="button"),
            dbc.Button("Delete target", id=PlanId.DELETE, type="button", color="secondary",
                       class_name="button"),
        ]),
        _status(PlanId.TARGET_MSG),
    ])
    return html.Div(className="plan-tab", children=[
        html.H3("Targets this year"),
        html.Div(id=PlanId.TARGETS, className="plan-table-wrap"),
        html.H3("Progress of the chosen target"),
        html.P("The target chosen in the form below (else the latest set), year by year.",
               className="hint"),
        html.Div(id=PlanId.PROGRESS, className="plan-table-wrap"),
        form,
    ])


def _whatif(ctx: AppContext, editable: bool) -> html.Div:
    return html.Div(className="plan-tab", children=[
        html.P("Under the page's filters: what if some of the spend that could move went to "
               "another group of suppliers? The shares are of all the filtered spend.",
               className="hint"),
        html.Div(className="plan-whatif-controls", children=[
            labelled("Group", PlanId.GROUP, dcc.Dropdown(
                id=PlanId.GROUP, options=_opts(GROUPS, GROUP_LABELS), value=GROUPS[0],
                clearable=False, className="dropdown")),
            labelled("Categories whose spend may move", PlanId.CATEGORIES, dropdown(
                PlanId.CATEGORIES, _opts(ctx.ds.categories), [], multi=True,
                placeholder="All categories")),
            labelled("Anchors whose spend may move", PlanId.ANCHORS, dropdown(
                PlanId.ANCHORS, _opts(ctx.choices.anchors), [], multi=True,
                placeholder="All anchors the filters keep")),
            labelled("Move", PlanId.MODE, radios(
                PlanId.MODE, [{"label": "a share of what could move", "value": "fraction"},
                              {"label": "an amount", "value": "amount"}], "fraction",
                inline=True)),
            labelled("Share of what could move (%)", PlanId.FRACTION, dcc.Slider(
                id=PlanId.FRACTION, min=0, max=100, step=1, value=10,
                marks={0: "0%", 25: "25%", 50: "50%", 75: "75%", 100: "100%"},
                tooltip={"placement": "bottom", "always_visible": False},
                updatemode="drag")),
            _input(PlanId.AMOUNT, "Amount (£)", "number", min=0, step=1000, value=100000),
        ]),
        html.Div(id=PlanId.RESULT, className="plan-result", **{"aria-live": "polite"}),
        html.Fieldset(className="plan-form", disabled=not editable, children=[
            html.Legend("Save this what-if as a scenario"),
            _input(PlanId.SCENARIO_NAME, "Scenario name", maxLength=200),
            dbc.Button("Save scenario", id=PlanId.SCENARIO_SAVE, type="button", color="primary",
                       class_name="button"),
            _status(PlanId.SCENARIO_MSG),
        ]),
        html.Div(id=PlanId.SCENARIOS, className="plan-table-wrap"),
        html.Fieldset(className="plan-form", disabled=not editable, children=[
            html.Legend("Delete a saved scenario"),
            labelled("Scenario", PlanId.SCENARIO_PICK, dcc.Dropdown(
                id=PlanId.SCENARIO_PICK, options=[], value=None, className="dropdown",
                placeholder="Choose a scenario")),
            dbc.Button("Delete scenario", id=PlanId.SCENARIO_DELETE, type="button",
                       color="secondary", class_name="button"),
        ]),
    ])


def _leakage(ctx: AppContext) -> html.Div:
    return html.Div(className="plan-tab", children=[
        html.P("Categories by spend with located suppliers outside the local area, largest "
               "first, under the page's filters: the first 15 here, every one in the "
               "action-plan workbook.", className="hint"),
        html.Div(id=PlanId.LEAKAGE, className="plan-table-wrap"),
        html.H3("Who could take an anchor's spend"),
        labelled("Anchor", PlanId.LEAK_ANCHOR, dropdown(
            PlanId.LEAK_ANCHOR, _opts(ctx.choices.anchors), None, multi=False,
            placeholder="Choose an anchor")),
        html.Div(id=PlanId.OPPORTUNITIES, **{"aria-live": "polite"}),
    ])


def _assessment(ctx: AppContext, editable: bool) -> html.Div:
    return html.Div(className="plan-tab", children=[
        html.H3("Where each anchor is"),
        html.Div(id=PlanId.GRID, className="plan-table-wrap"),
        html.Fieldset(className="plan-form", disabled=not editable, children=[
            html.Legend("Record an assessment"),
            labelled("Anchor", PlanId.A_ANCHOR, dropdown(
                PlanId.A_ANCHOR, _opts(ctx.choices.anchors), None, multi=False,
                placeholder="Choose an anchor")),
            _input(PlanId.A_DATE, "Date (YYYY-MM-DD)", "text", placeholder="2025-03-31"),
            html.Div(id=PlanId.A_FORM),
            dbc.Button("Save assessment", id=PlanId.A_SAVE, type="button", color="primary",
                       class_name="button"),
            _status(PlanId.A_MSG),
        ]),
        html.Fieldset(className="plan-form", disabled=not editable, children=[
            html.Legend("Use the network's own framework"),
            html.P("A JSON file: a name and dimensions, each with levels 1, 2, 3 ... (1 the "
                   "lowest), each level with a name and a description.", className="hint"),
            dcc.Upload(id=PlanId.FRAMEWORK, className="upload", max_size=1_000_000,
                       children=html.Span("Choose a framework file (JSON)")),
            _status(PlanId.FRAMEWORK_MSG),
        ]),
    ])
