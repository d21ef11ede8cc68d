"""The action plan and the data sets panel, folded until asked for (issue 16, speed).

The two sections hold 72% of the page's components (data sets and import 289, plan 118 of 564).
Dash's renderer checks every component on each store update, several per callback answer, so
they slowed every filter change and ward choice in the browser: on the demo, one after the
other in one run, a ward's details took 3.6-4.8 s from the choice with them and 1.3-1.8 s folded,
and the page was usable after 8.5 s against 3.6 s. Folded, each shows its heading, a line
saying what it holds and a button; the button brings the rest (`callbacks/folds.py`), built as
before, and its callbacks run then. `fold_bodies` is what the app validates callbacks against.
"""
from __future__ import annotations

from typing import Any

from dash import html

from dashboard.view.context import AppContext
from dashboard.web.ids import Id
from dashboard.web.layout.data_panel import data_section
from dashboard.web.layout.plan import plan_section


def split(section: html.Section) -> tuple[html.H2, list[Any]]:
    """A section's heading, and the rest of its children."""
    kids = list(section.children)
    heading = next(k for k in kids if isinstance(k, html.H2))
    return heading, [k for k in kids if k is not heading]


def folded(section: html.Section, *, open_id: str, body_id: str, label: str, intro: str
           ) -> html.Section:
    """`section` with its heading, `intro` and a button that brings the rest into `body_id`."""
    heading, _ = split(section)
    return html.Section(
        id=section.id, className=f"{section.className} folded",
        **{"aria-labelledby": heading.id}, children=[
            heading,
            html.P(intro, className="hint fold-intro"),
            html.Button(label, id=open_id, type="button", className="button fold-open",
                        **{"aria-expanded": "false", "aria-controls": body_id}),
            html.Div(id=body_id, className="fold-body", tabIndex="-1"),
        ])


#: (open button, body, button label, what the section holds, the full section's builder)
FOLDS = (
    (Id.PLAN_OPEN, Id.PLAN_BODY, "Open the action plan",
     "Targets, what if spend moved, where spend leaks out of the area, and each anchor's "
     "self-assessment.", plan_section),
    (Id.DATA_OPEN, Id.DATA_BODY, "Open data sets and import",
     "Open another data set, import this quarter's spend files, and the sources of this one.",
     data_section),
)


def folded_sections(ctx: AppContext) -> list[html.Section]:
    """The plan and data sections as the page first shows them."""
    return [folded(build(ctx), open_id=open_id, body_id=body_id, label=label, intro=intro)
            for open_id, body_id, label, intro, build in FOLDS]


def body_of(ctx: AppContext, body_id: str) -> list[Any]:
    """What the button of `body_id` brings: the full section's children after its heading."""
    build = next(b for _o, body, _l, _i, b in FOLDS if body == body_id)
    return split(build(ctx))[1]


def fold_bodies(ctx: AppContext) -> html.Div:
    """Every folded body, for the app's validation layout (callbacks name their ids)."""
    return html.Div([html.Div(body_of(ctx, body_id)) for _o, body_id, _l, _i, _b in FOLDS])
