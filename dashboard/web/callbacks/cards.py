"""The headline cards, in a callback of their own (issue 16: the room saw the map move, then
waited for the number).

They follow the view state alone: their request leaves with the map's answer (the STATE store
is written in the same answer as the map) instead of after the map's redraw and with every other
panel (`callbacks/panels.py`, ordered after the map), and the cards are small and quick to
draw. What they show is `dashboard.view.cards.headline_cards`, on the app's Summary cache,
followed by the levers' cards (`dashboard.view.levers.lever_cards`: staff, living wage, sites)
when the data set has a workforce or an estate.
"""
from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output

from dashboard.view.cards import headline_cards
from dashboard.view.context import AppContext
from dashboard.view.levers import lever_cards
from dashboard.web import render
from dashboard.web.ids import Id


def cards_outputs(app_ctx: AppContext, query: str | None) -> tuple[list[Any], str]:
    """(the cards as components, the sentence saying what the changes compare) for a query."""
    state = app_ctx.state(query)
    cards, compare = headline_cards(app_ctx.summary(state), app_ctx.summarise, app_ctx.ds)
    cards += lever_cards(app_ctx.ds, state)
    return [render.card_item(c) for c in cards], compare


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the cards to the view state."""

    @app.callback(Output(Id.CARDS, "children"), Output(Id.COMPARE_NOTE, "children"),
                  Input(Id.STATE, "data"))
    def _cards(query):
        return cards_outputs(app_ctx, query)
