"""Headline cards, the comparison sentence, the status line and the strip of filters in force."""
from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, html

from dashboard.web.callbacks.map import AFTER_MAP
from dashboard.web.ids import Id
from dashboard.view.cards import Card, headline_cards
from dashboard.view.context import AppContext
from dashboard.view.text import filter_strip


def cards(app_ctx: AppContext, query: str | None) -> tuple[list[Any], str, str, list[Any]]:
    """(card list items, comparison sentence, status message, filter strip items)."""
    state = app_ctx.state(query)
    summary = app_ctx.summary(state)
    items, compare = headline_cards(summary, app_ctx.summarise, app_ctx.ds)
    status = ""
    if summary.headline["transactions"] == 0:
        status = "No payments match these filters. Widen the period or clear a filter."
    strip = [html.Span("Showing: ", className="strip-label")] + [
        html.Span(text, className="chip") for text in filter_strip(state, app_ctx.ds)]
    return [card_item(c) for c in items], compare, status, strip


def card_item(card: Card) -> html.Li:
    """One card: label, big value, then the detail, change and explanation lines."""
    children: list[Any] = [
        html.H3(card.label, className="card-label"),
        html.P(card.value, className="card-value", **{"data-key": card.key}),
    ]
    if card.detail:
        children.append(html.P(card.detail, className="card-detail"))
    if card.explain:
        children.append(html.P(card.explain, className="card-explain"))
    if card.change:
        children.append(html.P(card.change, className="card-change"))
    return html.Li(children, className="card", id=f"card-{card.key}")


def register(app: Dash, app_ctx: AppContext) -> None:
    """Wire the cards callback."""

    @app.callback(Output(Id.CARDS, "children"), Output(Id.COMPARE_NOTE, "children"),
                  Output(Id.STATUS, "children"), Output(Id.FILTER_STRIP, "children"),
                  Input(Id.STATE, "data"), AFTER_MAP)
    def _cards(query, _drawn):
        return cards(app_ctx, query)
