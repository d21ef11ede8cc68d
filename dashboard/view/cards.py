"""The headline cards: value, exact figure, what it depends on, and the change from a year earlier.

The comparison follows the spec: with a period chosen, compare it with the same period one
financial year earlier (`metrics.previous_period`); with no period, compare the latest financial
year with the one before (`metrics.latest_year_filters`), and say so on the page.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from dashboard import fmt
from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters, Options, Summary
from dashboard.engine.model import Dataset

Summarise = Callable[[Filters, Options], Summary]

#: What "influenceable only" leaves out (the rule is dashboard/ingest/rules.py).
NOT_INFLUENCEABLE = ("tax and duty, precepts and levies, pensions and payroll, benefits and "
                     "refunds, business rates, and payments to other public bodies")

#: What each headline figure means, in the words the page's card tooltips and the printable
#: report both use (one place, so they cannot drift apart). "{x}" is the chosen most deprived %.
DEFINITIONS: dict[str, str] = {
    "total": "Net spend under the filters: every payment less credit notes. With "
             "'Influenceable only' ticked, payments that are not procurement are left out: "
             + NOT_INFLUENCEABLE + ".",
    "deprived": "Of located spend, the share paid to suppliers whose address is in the most "
                "deprived {x}% of areas (LSOAs, by the Index of Multiple Deprivation), ranked "
                "across England ('national ranking') or within the local area, as chosen under "
                "'Compared with'.",
    "local": "Of located spend, the share paid to suppliers in the local area: the anchors' "
             "home districts unless other districts are chosen under 'Local area'.",
    "sme": "The share of spend with suppliers flagged as small or medium-sized enterprises. "
           "'Unknown' is spend with suppliers not flagged either way.",
    "vcse": "The share of spend with voluntary, community and social enterprise suppliers. "
            "'Unknown' is spend with suppliers not flagged either way.",
    "suppliers": "Different suppliers paid under the filters (one per name and postcode, "
                 "across anchors), and the number of payments.",
    "coverage": "The share of spend with suppliers whose postcode could be placed in an area "
                "('located'). Every share above is of located spend; unlocated spend is left "
                "out of them.",
}


def definition(key: str, most_deprived: int) -> str:
    """The definition of the card `key` for the chosen most deprived %."""
    return DEFINITIONS.get(key, "").replace("{x}", str(most_deprived))


@dataclass(frozen=True)
class Card:
    """One headline figure as shown on the page."""

    key: str
    label: str
    value: str          # large text ("£1.23m", "12.3%", "—")
    detail: str = ""    # exact figure or context ("£1,234,567.89", "unknown 4.0%")
    change: str = ""    # "+1.2 pts on 2022/23"
    explain: str = ""   # why a value is "—"
    definition: str = ""  # what the figure means (DEFINITIONS): the card's tooltip


@dataclass(frozen=True)
class Comparison:
    """Which two periods the "change" line compares, and how to say it."""

    now: Filters
    before: Filters | None
    label: str


def comparison(filters: Filters, ds: Dataset) -> Comparison:
    """The periods to compare for the change lines, with a sentence naming them."""
    if filters.years or filters.date_from or filters.date_to:
        before = m.previous_period(filters, ds)
        what = "the chosen period" if not filters.years else _years(filters.years)
        if before is None:
            return Comparison(filters, None, f"No earlier year to compare {what} with.")
        prev = _years(before.years) if before.years else "the same dates a year earlier"
        return Comparison(filters, before, f"Change: {what} compared with {prev}.")
    now = m.latest_year_filters(filters, ds)
    before = m.previous_period(now, ds)
    if before is None or not now.years:
        return Comparison(now, None, "Only one financial year in the data: no change shown.")
    return Comparison(now, before, f"Change: {_years(now.years)} compared with "
                                   f"{_years(before.years)} (the latest two financial years).")


def _years(years: tuple[int, ...]) -> str:
    labels = [m.fy_label(y) for y in sorted(years)]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def headline_cards(current: Summary, summarise: Summarise, ds: Dataset) -> tuple[list[Card], str]:
    """The cards for the current summary, and the sentence saying what the changes compare."""
    comp = comparison(current.filters, ds)
    now = summarise(comp.now, current.options).headline if comp.before else None
    before = summarise(comp.before, current.options).headline if comp.before else None
    h, o = current.headline, current.options
    empty = h["transactions"] == 0
    ref = "national" if o.reference == "national" else "local-area"

    def delta(key: str, kind: str) -> str:
        if now is None or before is None:
            return ""
        return _change(now.get(key), before.get(key), kind)

    why_total = "No payments match these filters." if empty else (
        "Net spend is zero or negative (credit notes exceed payments).")
    why_located = "No payments match these filters." if empty else "No located spend to divide by."
    cards = [
        Card("total", "Total spend", _or_dash(empty, fmt.money(h["total_spend"], compact=True)),
             "" if empty else fmt.money(h["total_spend"]), delta("total_spend", "money"),
             why_total if empty else ""),
        Card("deprived", f"Share to most deprived {o.most_deprived}%",
             fmt.share(h["share_most_deprived"]),
             f"{ref} ranking; {fmt.money(h['deprived_spend'], compact=True)} of located spend",
             delta("share_most_deprived", "share"),
             why_located if h["share_most_deprived"] is None else ""),
        Card("local", "Local share", fmt.share(h["local_share"]),
             f"{fmt.money(h['local_spend'], compact=True)} of located spend",
             delta("local_share", "share"), why_located if h["local_share"] is None else ""),
        _flag_card(h, "sme", "SME share", delta("sme_share", "share"), why_total),
        _flag_card(h, "vcse", "VCSE share", delta("vcse_share", "share"), why_total),
        Card("suppliers", "Suppliers", fmt.count(h["suppliers"]),
             f"{fmt.count(h['transactions'])} payments", delta("suppliers", "count")),
        Card("coverage", "Coverage (located)", fmt.share(h["coverage"]),
             f"unlocated: {fmt.money(h['unlocated_spend'], compact=True)}",
             delta("coverage", "share"), why_total if h["coverage"] is None else ""),
    ]
    cards = [replace(c, definition=definition(c.key, o.most_deprived)) for c in cards]
    return cards, comp.label


def _or_dash(cond: bool, value: str) -> str:
    """The dash for undefined when `cond`, else the value."""
    return fmt.DASH if cond else value


def _flag_card(h: dict, flag: str, label: str, change: str, why: str) -> Card:
    return Card(flag, label, fmt.share(h[f"{flag}_share"]),
                f"unknown: {fmt.share(h[f'{flag}_unknown_share'])}", change,
                why if h[f"{flag}_share"] is None else "")


def _change(now, before, kind: str) -> str:
    """Change line for one figure; "—" with a reason when either side is undefined."""
    if now is None or before is None:
        return "Change: — (not defined in one of the years)"
    if kind == "share":
        return fmt.points(now - before)
    if kind == "count":
        diff = int(now) - int(before)
        return f"{diff:+,}" if diff else "no change"
    rel = fmt.pct_change(int(now), int(before))
    text = fmt.signed_money(int(now) - int(before))
    return f"{text} ({rel})" if rel and text != "no change" else text
