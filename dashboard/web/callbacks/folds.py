"""Open a folded section (`layout/folds.py`): its button, or for the data sets the header's link,
fills the body once and hides the button; assets/folds.js then moves focus into the body."""
from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update

from dashboard.view.context import AppContext
from dashboard.web.ids import Id
from dashboard.web.layout.folds import FOLDS, body_of

#: Other controls that open a fold: the header's "Other data sets, import and sources" link.
ALSO_OPENS = {Id.DATA_BODY: (Id.DATA_LINK,)}


def register(app: Dash, app_ctx: AppContext) -> None:
    """One callback per fold."""
    for open_id, body_id, _label, _intro, _build in FOLDS:
        openers = (open_id, *ALSO_OPENS.get(body_id, ()))

        @app.callback(Output(body_id, "children"), Output(open_id, "hidden"),
                      Output(open_id, "aria-expanded"),
                      *[Input(o, "n_clicks") for o in openers], State(open_id, "hidden"),
                      prevent_initial_call=True)
        def _open(*args: Any, body_id: str = body_id) -> tuple[Any, ...]:
            if args[-1]:       # already open: the header link again must not reset its forms
                return no_update, no_update, no_update
            return body_of(app_ctx, body_id), True, "true"
