"""Filters and URL state: the controls, the map click and the URL query stay in step.

One circular callback owns the URL query and every control: a page load or back/forward (URL
changes) sets the controls; a control change, map click, presentation toggle or reset writes the
URL. It builds the view state once, writes its canonical query to the `STATE` store (the input of
the panels callback: `dashboard.web.callbacks.panels`), sets presentation mode on the page when it
changes, and draws the map in the same answer:
`dashboard.view.mapupdate.map_update` decides what the map needs, and `map_outputs` turns that
into Dash outputs (a figure, a Patch, values to show in place, or nothing).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

from dash import Dash, Input, Output, Patch, State, no_update
from dash import ctx as dash_ctx

from dashboard.view.context import AppContext
from dashboard.view.mapfig import click_target
from dashboard.view.mapupdate import MapUpdate, TraceUpdate, map_update
from dashboard.view.search import ward_bounds
from dashboard.view.state import (
    CONTROL_KEYS,
    ViewState,
    controls_from_state,
    date_problem,
    state_from_controls,
    to_query,
    with_ward,
)
from dashboard.web.ids import CONTROLS, Id

CONTROL_IDS = {str(v) for v in CONTROLS.values()}


class Synced(NamedTuple):
    """One trigger's answer: URL search, STATE data, control values and presentation mode
    (`presentation`'s outputs), `no_update` where unchanged, and the view state they describe."""

    url: Any
    query: Any
    controls: list[Any]
    present: tuple[Any, Any, Any]
    state: ViewState


def sync(app_ctx: AppContext, trigger: str | None, search: str | None, values: dict[str, Any],
         click: dict | None, current: str | None) -> Synced:
    """The URL, STATE store and controls for one trigger, and the view state.

    `current` is the STATE store's canonical query (None before the first run).
    """
    base = app_ctx.state(current if current is not None else search)
    set_controls = False
    if trigger is None or trigger == Id.URL:
        state, set_controls = app_ctx.state(search), True
    elif trigger == Id.MAP:
        state = _clicked(app_ctx, base, click)
        set_controls = True
    elif trigger == Id.PRESENT_TOGGLE:
        state = replace(base, present=not base.present)
    elif trigger == Id.RESET:
        d = app_ctx.defaults
        state = replace(base, filters=d.filters, options=d.options)
        set_controls = True
    else:
        values, cleared = exclusive_period(trigger, values)
        set_controls = cleared
        state = state_from_controls(values, app_ctx.choices, base, app_ctx.defaults)
    query = to_query(state, app_ctx.defaults)
    url_out = query if query != (search or "") else no_update
    state_out = query if query != current else no_update
    controls = controls_from_state(state)
    control_out = [controls[k] if set_controls else no_update for k in CONTROL_KEYS]
    present_out = presentation(state) if state_out is not no_update and (
        current is None or state.present != base.present) else (no_update,) * 3
    return Synced(url_out, state_out, control_out, present_out, state)


def exclusive_period(trigger: str | None, values: dict[str, Any]
                     ) -> tuple[dict[str, Any], bool]:
    """Financial years and a date range exclude each other: ticking a year clears the dates,
    entering a date clears the years (the change lines then always compare like for like).
    Returns the values to apply and whether a control was cleared (the page is then told)."""
    years = values.get("years") or []
    dates = values.get("date_from") or values.get("date_to")
    if trigger == Id.YEARS and years and dates:
        return {**values, "date_from": None, "date_to": None}, True
    if trigger in (Id.DATE_FROM, Id.DATE_TO) and years and dates:
        key = "date_from" if trigger == Id.DATE_FROM else "date_to"
        if values.get(key):
            return {**values, "years": []}, True
    return values, False


def zoom_to(app_ctx: AppContext, trigger: str | None, before: ViewState | None,
            state: ViewState) -> Any:
    """The bounds the map zooms to: the ward's when it was just chosen from the Ward list (or
    the search box, which sets it), else `no_update` (a click on the map, a filter change or the
    URL leave the view where the user has it)."""
    if trigger != Id.WARD or not state.ward or (before is not None and before.ward == state.ward):
        return no_update
    return ward_bounds(app_ctx.ds, state.ward) or no_update


def map_outputs(update: MapUpdate) -> tuple[Any, Any, Any]:
    """(MAP figure, MAP_KEY data, MAP_VALUES data) for a map update; `no_update` where unchanged.

    The map is drawn by the state callback rather than by a callback of the STATE store: that
    would wait for this callback's answer before even asking the server, and a filter change
    would take two round trips to reach the map."""
    figure: Any = no_update
    if update.figure is not None:
        figure = update.figure
    elif update.patches is not None:
        figure = to_patch(update.patches)
    return (figure, no_update if update.key is None else update.key,
            no_update if update.values is None else update.values)


def to_patch(updates: tuple[TraceUpdate, ...]) -> Patch:
    """A Patch assigning each (trace, dotted property) value; nothing else is sent."""
    patch = Patch()
    for index, props in updates:
        for name, value in props.items():
            target = patch["data"][index]
            *path, last = name.split(".")
            for part in path:
                target = target[part]
            target[last] = value
    return patch


def _clicked(app_ctx: AppContext, base: ViewState, click: dict | None) -> ViewState:
    target = click_target(base, click, app_ctx.ward_codes, app_ctx.lsoa_wards,
                          app_ctx.point_wards)
    if target is None:
        return base
    kind, value = target
    if kind == "anchor":
        return replace(base, detail_anchor=value if value in app_ctx.choices.anchors else None)
    if value == base.ward:  # clicking the selected ward again clears the selection
        return replace(base, ward=None)
    return with_ward(base, value, app_ctx.choices)


def date_feedback(date_from: Any, date_to: Any) -> tuple[str, str, str]:
    """(message, From field class, To field class): an unreadable date or a reversed range is
    said in words and the box concerned outlined (not colour alone: the message names the box).
    The class goes on the field around the box: Dash 4's Input draws its box from its own."""
    problem = date_problem(date_from, date_to)
    if problem is None:
        return "", "date-field", "date-field"
    unreadable = [_unreadable(v) for v in (date_from, date_to)]
    marked = unreadable if any(unreadable) else [True, True]
    return problem, *("date-field date-problem" if m else "date-field" for m in marked)


def _unreadable(text: Any) -> bool:
    return date_problem(text, None) is not None


def presentation(state: ViewState) -> tuple[str, str, str]:
    """(root class, toggle label, aria-pressed) for the view state."""
    on = state.present
    return ("app present" if on else "app desk",
            "Exit presentation mode" if on else "Presentation mode", "true" if on else "false")


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the state callbacks."""
    control_outputs = [Output(CONTROLS[k], "value") for k in CONTROL_KEYS]
    control_inputs = [Input(CONTROLS[k], "value") for k in CONTROL_KEYS]

    @app.callback(
        Output(Id.URL, "search"), Output(Id.STATE, "data"), *control_outputs,
        Output(Id.MAP, "figure"), Output(Id.MAP_KEY, "data"), Output(Id.MAP_VALUES, "data"),
        Output(Id.ROOT, "className"), Output(Id.PRESENT_TOGGLE, "children"),
        Output(Id.PRESENT_TOGGLE, "aria-pressed"), Output(Id.MAP_ZOOM, "data"),
        Input(Id.URL, "search"), *control_inputs, Input(Id.MAP, "clickData"),
        Input(Id.PRESENT_TOGGLE, "n_clicks"), Input(Id.RESET, "n_clicks"),
        State(Id.STATE, "data"), State(Id.MAP_KEY, "data"),
    )
    def _sync(search, *args):
        values = dict(zip(CONTROL_KEYS, args[:len(CONTROL_KEYS)]))
        click, _present, _reset, current, built = args[len(CONTROL_KEYS):]
        s = sync(app_ctx, dash_ctx.triggered_id, search, values, click, current)
        drawn = (no_update,) * 3 if s.query is no_update else map_outputs(
            map_update(app_ctx, s.state, built))
        trigger = dash_ctx.triggered_id
        before = app_ctx.state(current) if current is not None else None
        return (s.url, s.query, *s.controls, *drawn, *s.present,
                zoom_to(app_ctx, trigger, before, s.state))

    @app.callback(Output(Id.DATE_ERROR, "children"), Output(f"{Id.DATE_FROM}-field", "className"),
                  Output(f"{Id.DATE_TO}-field", "className"), Input(Id.DATE_FROM, "value"),
                  Input(Id.DATE_TO, "value"))
    def _dates(date_from, date_to):
        return date_feedback(date_from, date_to)
