"""The view state (filters, options, map layer, selection, presentation) and its URL query form.

The query string is the single serialised form of the view: links, reloads and the page's own
`dcc.Store` all carry it. Parsing is defensive: unknown keys and values not in the data set are
dropped, nothing raises, so a hostile or stale link still opens a sensible page.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode

from dashboard.engine.metrics import MOST_DEPRIVED_CHOICES, REFERENCES, Filters, Options
from dashboard.engine.model import CAPREV_LABELS, Dataset

LAYERS = ("ward_spend", "ward_rank", "ward_deprived", "lsoa_decile", "ward_staff")
OVERLAYS = ("suppliers", "anchors", "assets", "labels")   # labels: place names, drawn last
#: Overlays shown on a first visit (the estate is one click away).
DEFAULT_OVERLAYS = ("suppliers", "anchors")
FLAGS = ("sme", "vcse")
MAX_QUERY = 8000          # characters of query string considered at all
MAX_VALUES = 500          # values per key considered


@dataclass(frozen=True)
class ViewState:
    """Everything the URL carries. Frozen, so it can key caches."""

    filters: Filters = Filters()
    options: Options = Options()
    layer: str = "ward_spend"
    overlays: tuple[str, ...] = DEFAULT_OVERLAYS
    ward: str | None = None
    detail_anchor: str | None = None
    present: bool = False


@dataclass(frozen=True)
class Choices:
    """The values a data set allows for each control, in display order."""

    anchors: tuple[str, ...]
    years: tuple[int, ...]
    categories: tuple[str, ...]
    districts: tuple[str, ...]
    wards: tuple[str, ...]
    ward_names: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def of(cls, ds: Dataset) -> Choices:
        lads = set(ds.lsoas["lad"].dropna().astype(str)) | set(ds.home_area())
        return cls(
            anchors=tuple(str(a) for a in ds.anchors["name"]),
            years=tuple(int(y) for y in ds.years),
            categories=tuple(c for c in ds.categories if c),
            districts=tuple(sorted(lads)),
            wards=tuple(str(c) for c in ds.wards["code"]),
            ward_names=tuple(str(n) for n in ds.wards["name"]),
        )

    @cached_property
    def ward_set(self) -> frozenset[str]:
        return frozenset(self.wards)


# --------------------------------------------------------------------------- query -> state
def parse_query(search: str | None, choices: Choices, defaults: ViewState = ViewState()
                ) -> ViewState:
    """A ViewState from a URL query string ("?a=1&b=2" or "a=1"); never raises."""
    pairs = _pairs(search)
    get = lambda key: [v for k, v in pairs if k == key][:MAX_VALUES]  # noqa: E731
    d = defaults
    years = _keep([_int(v) for v in get("fy")], choices.years)
    filters = Filters(
        anchors=_keep(get("anchor"), choices.anchors),
        years=years,
        # financial years or a date range, never both (the change lines compare like for like):
        # a query with both keeps the years
        date_from=None if years else _date(_first(get("from"))),
        date_to=None if years else _date(_first(get("to"))),
        categories=_keep(get("cat"), choices.categories),
        capital_revenue=_keep(get("caprev"), CAPREV_LABELS),
        supplier_flags=_keep(get("flag"), FLAGS),
        influenceable_only=_bool(_first(get("infl")), d.filters.influenceable_only),
    )
    x = _int(_first(get("x")))
    ref = _first(get("ref"))
    options = Options(
        most_deprived=x if x in MOST_DEPRIVED_CHOICES else d.options.most_deprived,
        reference=ref if ref in REFERENCES else d.options.reference,
        local_area=_keep(get("area"), choices.districts),
    )
    layer = _first(get("layer"))
    shown = get("show")
    ward = _first(get("ward"))
    anchor = _first(get("detail"))
    return ViewState(
        filters=filters,
        options=options,
        layer=layer if layer in LAYERS else d.layer,
        overlays=_keep([s for v in shown for s in v.split(",")], OVERLAYS) if shown else d.overlays,
        ward=ward if ward in choices.ward_set else None,
        detail_anchor=anchor if anchor in choices.anchors else None,
        present=_bool(_first(get("present")), d.present),
    )


def _pairs(search: str | None) -> list[tuple[str, str]]:
    if not isinstance(search, str):
        return []
    text = search[:MAX_QUERY].lstrip("?")
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_VALUES * 20)
    except ValueError:
        return []


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _keep(values: Iterable[Any], allowed: Iterable[Any]) -> tuple:
    """The allowed values that were asked for, in the allowed (data set) order, once each."""
    asked = set(v for v in values if v is not None)
    return tuple(a for a in allowed if a in asked)


def _int(text: Any) -> int | None:
    try:
        return int(str(text).strip()[:12])
    except (TypeError, ValueError):
        return None


def _date(text: Any) -> date | None:
    """A date from ISO (2023-04-01, as in URLs) or UK day/month/year (1/4/2023, as typed)."""
    if not isinstance(text, str) or len(text) > 10:
        return None
    text = text.strip()
    try:
        if "/" in text:
            day, month, year = (int(p) for p in text.split("/"))
            return date(year, month, day) if year >= 1000 else None
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def date_problem(date_from: Any, date_to: Any) -> str | None:
    """What is wrong with the typed date range, in words that say what to do; None if nothing.

    The view ignores a date it cannot read (a link must always open), so the page says so
    rather than silently showing every date."""
    bad = [(name, text) for name, text in (("From", date_from), ("To", date_to))
           if isinstance(text, str) and text.strip() and _date(text) is None]
    if bad:
        name, text = bad[0]
        return (f"\u2018{text.strip()[:20]}\u2019 in \u2018{name}\u2019 is not a date, so it is "
                "not applied: type the day, month and year, e.g. 01/04/2023.")
    start, end = _date(date_from), _date(date_to)
    if start and end and start > end:
        return ("The \u2018From\u2019 date is after the \u2018To\u2019 date, so no spend can "
                "match: swap them or clear one.")
    return None


def uk_date(d: date | None) -> str | None:
    """dd/mm/yyyy for the date boxes."""
    return d.strftime("%d/%m/%Y") if d else None


def _bool(text: str | None, default: bool) -> bool:
    if text is None:
        return default
    return text.strip().lower() in ("1", "true", "yes", "on")


# --------------------------------------------------------------------------- state -> query
def to_query(state: ViewState, defaults: ViewState = ViewState()) -> str:
    """The canonical query string ("" or "?..."): only what differs from the defaults."""
    f, o = state.filters, state.options
    pairs: list[tuple[str, str]] = []
    pairs += [("anchor", a) for a in f.anchors]
    pairs += [("fy", str(y)) for y in f.years]
    if f.date_from:
        pairs.append(("from", f.date_from.isoformat()))
    if f.date_to:
        pairs.append(("to", f.date_to.isoformat()))
    pairs += [("cat", c) for c in f.categories]
    pairs += [("caprev", c) for c in f.capital_revenue]
    pairs += [("flag", c) for c in f.supplier_flags]
    if f.influenceable_only != defaults.filters.influenceable_only:
        pairs.append(("infl", "1" if f.influenceable_only else "0"))
    if o.most_deprived != defaults.options.most_deprived:
        pairs.append(("x", str(o.most_deprived)))
    if o.reference != defaults.options.reference:
        pairs.append(("ref", o.reference))
    pairs += [("area", a) for a in o.local_area]
    if state.layer != defaults.layer:
        pairs.append(("layer", state.layer))
    if state.overlays != defaults.overlays:
        pairs.append(("show", ",".join(state.overlays)))
    if state.ward:
        pairs.append(("ward", state.ward))
    if state.detail_anchor:
        pairs.append(("detail", state.detail_anchor))
    if state.present != defaults.present:
        pairs.append(("present", "1" if state.present else "0"))
    return "?" + urlencode(pairs) if pairs else ""


# --------------------------------------------------------------------------- controls <-> state
def controls_from_state(state: ViewState) -> dict[str, Any]:
    """Values for the page's controls (keys match `CONTROL_KEYS`)."""
    f, o = state.filters, state.options
    return {
        "anchors": list(f.anchors),
        "years": list(f.years),
        "date_from": uk_date(f.date_from),
        "date_to": uk_date(f.date_to),
        "categories": list(f.categories),
        "caprev": list(f.capital_revenue),
        "flags": list(f.supplier_flags),
        "influenceable": ["yes"] if f.influenceable_only else [],
        "most_deprived": o.most_deprived,
        "reference": o.reference,
        "local_area": list(o.local_area),
        "layer": state.layer,
        "overlays": list(state.overlays),
        "ward": state.ward,
        "detail_anchor": state.detail_anchor,
    }


CONTROL_KEYS = tuple(controls_from_state(ViewState()))


def state_from_controls(values: Mapping[str, Any], choices: Choices, base: ViewState,
                        defaults: ViewState = ViewState()) -> ViewState:
    """A ViewState from control values, validated like a query string (present kept from base)."""
    pairs: list[tuple[str, str]] = []

    def many(key: str, name: str) -> None:
        v = values.get(key)
        items = v if isinstance(v, (list, tuple)) else ([] if v in (None, "") else [v])
        pairs.extend((name, str(x)) for x in items)

    for key, name in (("anchors", "anchor"), ("years", "fy"), ("categories", "cat"),
                      ("caprev", "caprev"), ("flags", "flag"), ("local_area", "area")):
        many(key, name)
    for key in ("date_from", "date_to"):
        d = _date(values.get(key))
        if d:
            pairs.append(("from" if key == "date_from" else "to", d.isoformat()))
    for key, name in (("most_deprived", "x"),
                      ("reference", "ref"), ("layer", "layer"), ("ward", "ward"),
                      ("detail_anchor", "detail")):
        if values.get(key) not in (None, ""):
            pairs.append((name, str(values[key])))
    pairs.append(("infl", "1" if values.get("influenceable") else "0"))
    overlays = values.get("overlays") or []
    pairs.append(("show", ",".join(str(v) for v in overlays if isinstance(v, str))))
    pairs.append(("present", "1" if base.present else "0"))
    return parse_query(urlencode(pairs), choices, defaults)


def with_ward(state: ViewState, ward: str | None, choices: Choices) -> ViewState:
    """The state with a ward selected (None or an unknown code clears it)."""
    return replace(state, ward=ward if ward in choices.ward_set else None)
