"""The page's pure view logic: URL state, formatting, cards, tables, sentences, drill-down, charts."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache

import pytest

from dashboard import fmt
from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters, Options
from dashboard.view.cards import comparison, headline_cards
from dashboard.view.charts import end_labels, ranked_figure, trend_figure
from dashboard.view.drill import drill, trend_series
from dashboard.view.state import (
    CONTROL_KEYS,
    Choices,
    ViewState,
    controls_from_state,
    parse_query,
    state_from_controls,
    to_query,
)
from dashboard.view.tables import lsoa_rows, ward_rows
from dashboard.view.text import filter_strip, map_sentence
from tests import tiny

P = 100


@pytest.fixture(scope="module")
def ds():
    return tiny.tiny_dataset()


@pytest.fixture(scope="module")
def choices(ds):
    return Choices.of(ds)


def cached(ds):
    return lru_cache(maxsize=None)(lambda f, o: m.summarise(ds, f, o))


# --------------------------------------------------------------------------- URL state
ROUND_TRIP = [
    ViewState(),
    ViewState(filters=Filters(anchors=("Council",))),
    ViewState(filters=Filters(anchors=("Council", "Trust"), years=(2022, 2023))),
    ViewState(filters=Filters(date_from=date(2023, 4, 2), date_to=date(2024, 3, 30))),
    ViewState(filters=Filters(categories=("Care", "Works"), capital_revenue=("capital",),
                              supplier_flags=("sme", "vcse"), influenceable_only=True)),
    ViewState(options=Options(most_deprived=30, reference="local", local_area=("B",))),
    ViewState(layer="lsoa_decile", overlays=()),
    ViewState(layer="ward_rank", overlays=("anchors",), ward="W2", detail_anchor="Trust"),
    ViewState(present=True, ward="W1"),
]


@pytest.mark.parametrize("state", ROUND_TRIP)
def test_state_round_trips_through_the_query_string(state, choices):
    query = to_query(state)
    assert parse_query(query, choices) == state
    assert parse_query(query.lstrip("?"), choices) == state


@pytest.mark.parametrize("state", ROUND_TRIP)
def test_state_round_trips_through_the_controls(state, choices):
    values = controls_from_state(state)
    assert set(values) == set(CONTROL_KEYS)
    assert state_from_controls(values, choices, ViewState(present=state.present)) == state


def test_default_state_has_an_empty_query():
    assert to_query(ViewState()) == ""


def test_query_is_canonical_in_data_set_order(choices):
    a = parse_query("?anchor=Trust&anchor=Council&fy=2023&fy=2022&fy=2023", choices)
    assert a.filters.anchors == ("Council", "Trust") and a.filters.years == (2022, 2023)
    assert to_query(a) == "?anchor=Council&anchor=Trust&fy=2022&fy=2023"


def test_app_defaults_are_left_out_of_the_query(choices):
    defaults = ViewState(options=Options(most_deprived=20), present=True)
    state = parse_query("", choices, defaults)
    assert state.options.most_deprived == 20 and state.present
    assert to_query(state, defaults) == ""
    assert to_query(replace(state, present=False), defaults) == "?present=0"


HOSTILE = [
    None, "", "?", "&&&", "?=", "?anchor", "?anchor=", "?anchor=Nope", "?fy=abc", "?fy=99999999999999",
    "?fy=-1", "?from=2023-13-45", "?from=not-a-date&to=2024-02-30", "?x=15", "?x=1e3", "?ref=<script>",
    "?layer=../../etc/passwd", "?show=,,,", "?show=suppliers,bogus", "?ward=W9", "?ward=%00",
    "?detail=%3Cimg%20src%3Dx%3E", "?present=maybe", "?infl=%FF%FE", "?cat=" + "A" * 10000,
    "?" + "&".join(f"anchor=x{i}" for i in range(5000)), "?%E0%A4%A", "?a=b;c=d", 12345,
    "?area=A&area=../../B&area=B", "?caprev=REVENUE&caprev=capital", "?flag=individual",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_query_strings_never_raise_and_keep_only_valid_values(query, choices, ds):
    state = parse_query(query, choices)
    f, o = state.filters, state.options
    assert set(f.anchors) <= set(choices.anchors)
    assert set(f.years) <= set(choices.years)
    assert set(f.capital_revenue) <= {"unknown", "revenue", "capital"}
    assert set(f.supplier_flags) <= {"sme", "vcse"}
    assert o.most_deprived in (10, 20, 30) and o.reference in ("national", "local")
    assert set(o.local_area) <= set(choices.districts)
    assert state.ward in (None, *choices.wards)
    assert state.detail_anchor in (None, *choices.anchors)
    m.summarise(ds, f, o)  # whatever survives is usable by the engine
    assert parse_query(to_query(state), choices) == state


@pytest.mark.parametrize("text, expected", [
    ("2023-04-01", date(2023, 4, 1)), ("01/04/2023", date(2023, 4, 1)), ("1/4/2023", date(2023, 4, 1)),
    ("31/02/2023", None), ("04/01/23", None), ("2023-4-1", None), ("", None), (" ", None),
    ("01/04/2023/1", None), (None, None),
])
def test_dates_typed_day_first_or_iso(text, expected, choices):
    state = state_from_controls({"date_from": text}, choices, ViewState())
    assert state.filters.date_from == expected
    if expected:
        assert controls_from_state(state)["date_from"] == expected.strftime("%d/%m/%Y")


def test_specific_hostile_values_are_dropped_not_guessed(choices):
    s = parse_query("?area=A&area=../../B&area=B&caprev=REVENUE&caprev=capital&show=suppliers,bogus",
                    choices)
    assert s.options.local_area == ("A", "B")
    assert s.filters.capital_revenue == ("capital",)
    assert s.overlays == ("suppliers",)
    assert parse_query("?show=", choices).overlays == ()


# --------------------------------------------------------------------------- formatting
@pytest.mark.parametrize("pence, exact, compact", [
    (None, "—", "—"), (0, "£0.00", "£0"), (395050, "£3,950.50", "£3,951"),
    (-20000, "-£200.00", "-£200"), (12_345_678, "£123,456.78", "£123k"),
    (4_071_935_000, "£40,719,350.00", "£40.7m"), (123_456_789_012, "£1,234,567,890.12", "£1.23bn"),
])
def test_money(pence, exact, compact):
    assert fmt.money(pence) == exact
    assert fmt.money(pence, compact=True) == compact


@pytest.mark.parametrize("value, text", [(None, "—"), (float("nan"), "—"), (0.0, "0.0%"),
                                         (0.12345, "12.3%"), (1.0, "100.0%")])
def test_share(value, text):
    assert fmt.share(value) == text


def test_changes_and_plot_text():
    assert fmt.points(0.012) == "+1.2 pts" and fmt.points(0.0001) == "no change"
    assert fmt.pct_change(150, 100) == "+50.0%" and fmt.pct_change(5, 0) is None
    assert fmt.signed_money(70000) == "+£700" and fmt.signed_money(0) == "no change"
    assert fmt.plot_text("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"


# --------------------------------------------------------------------------- cards
def test_cards_show_values_exact_totals_and_changes_on_the_latest_two_years(ds):
    s = m.summarise(ds)
    cards, note = headline_cards(s, cached(ds), ds)
    by = {c.key: c for c in cards}
    assert [c.key for c in cards] == ["total", "deprived", "local", "sme", "vcse", "suppliers",
                                      "coverage"]
    assert by["total"].value == "£3,951" and by["total"].detail == "£3,950.50"
    assert by["deprived"].value == fmt.share(1400 / 3650.50)
    assert "10%" in by["deprived"].label and by["deprived"].detail.startswith("national ranking")
    assert by["sme"].detail == f"unknown: {fmt.share(1800 / 3950.50)}"
    assert note.startswith("Change: 2023/24 compared with 2022/23")
    # 2023/24 total 2350.50 vs 2022/23 1600: +750.50
    assert by["total"].change == "+£751 (+46.9%)"


def test_cards_on_a_filter_matching_nothing_show_dashes_and_a_reason(ds):
    s = m.summarise(ds, Filters(categories=("Nothing",)))
    cards, _ = headline_cards(s, cached(ds), ds)
    by = {c.key: c for c in cards}
    assert by["total"].value == "—" and "No payments match" in by["total"].explain
    for key in ("deprived", "local", "sme", "vcse", "coverage"):
        assert by[key].value == "—" and by[key].explain


def test_comparison_names_the_periods(ds):
    assert comparison(Filters(years=(2023,)), ds).label == (
        "Change: 2023/24 compared with 2022/23.")
    assert comparison(Filters(years=(2022,)), ds).before is None
    dates = comparison(Filters(date_from=date(2023, 4, 1)), ds)
    assert "a year earlier" in dates.label and dates.before.date_from == date(2022, 4, 1)


def test_local_reference_is_named_on_the_card(ds):
    s = m.summarise(ds, options=Options(most_deprived=30, reference="local"))
    cards, _ = headline_cards(s, cached(ds), ds)
    assert cards[1].label == "Share to most deprived 30%"
    assert cards[1].detail.startswith("local-area ranking;")


# --------------------------------------------------------------------------- tables
def test_ward_rows_match_the_engine(ds):
    s = m.summarise(ds)
    t = ward_rows(s).set_index("Code")
    assert t.loc["W1", "Spend (£)"] == 1800 and t.loc["W2", "Suppliers"] == 2
    assert t.loc["W3", "Average IMD rank (1 = most deprived)"] is None
    assert t.loc["W1", "Population in most deprived 10% (%)"] == 33.3


def test_lsoa_rows_show_local_deciles_only_under_the_local_reference(ds):
    assert "Local decile (1 = most deprived)" not in lsoa_rows(ds, Options())
    t = lsoa_rows(ds, Options(reference="local"))
    assert list(t["Local decile (1 = most deprived)"]) == [3, 5, 8, None, 10]


# --------------------------------------------------------------------------- sentences
def test_map_sentence_names_the_top_ward_and_the_share(ds):
    text = map_sentence(m.summarise(ds))
    assert text.startswith("North received the most spend, £1,800;")
    assert "38.4% of located spend went to suppliers in the most deprived 10% nationally" in text
    assert "7.6% of spend (£300) could not be located." in text


def test_map_sentence_for_no_matches(ds):
    assert map_sentence(m.summarise(ds, Filters(anchors=("Nope",)))).startswith("No payments")


def test_filter_strip_lists_every_filter(ds):
    state = ViewState(filters=Filters(anchors=("Trust",), years=(2023,), categories=("Care",),
                                      capital_revenue=("revenue",), supplier_flags=("sme",),
                                      influenceable_only=True),
                      options=Options(most_deprived=20, reference="local", local_area=("A",)))
    assert filter_strip(state, ds) == [
        "Trust", "2023/24", "Care", "Revenue", "SMEs only", "Influenceable spend only",
        "Most deprived 20% in the local area", "Local area: A"]
    assert filter_strip(ViewState(), ds)[:2] == ["All anchors", "All years (2022/23 to 2023/24)"]
    # another district replaces the home areas, and the strip says so (issue 16)
    other = ViewState(options=Options(reference="local", local_area=("B",)))
    home = ", ".join(ds.home_area())
    assert filter_strip(other, ds)[-1] == f"Local area: B (instead of the home areas: {home})"


# --------------------------------------------------------------------------- drill-down
def test_ward_drill_down(ds):
    d = drill(m.summarise(ds), "W2", None)
    assert d.title == "South"
    # the individual paid in W2 is not listed: a ward's list would tie the person to the ward
    assert list(d.suppliers["Supplier"]) == ["Rich plc"]
    assert d.total == 1600 * P
    assert dict(zip(d.categories["category"], d.categories["spend"])) == {"Works": 150000,
                                                                          "Care": 10000}


def test_anchor_drill_down_and_both(ds):
    s = m.summarise(ds)
    d = drill(s, None, "Trust")
    assert d.title == "Trust" and d.total == 500 * P
    both = drill(s, "W2", "Council")
    assert both.title == "South — Council" and both.total == 1500 * P
    assert drill(s, None, None) is None


def test_anchor_drill_down_outside_the_anchor_filter_is_empty(ds):
    d = drill(m.summarise(ds, Filters(anchors=("Trust",))), None, "Council")
    assert d.total == 0 and d.categories.empty


def test_trend_series_share_by_year_and_anchor(ds):
    series = trend_series(m.summarise(ds))
    assert [s.name for s in series] == ["All anchors", "Council", "Trust"]
    trust = series[2]
    assert trust.shares[0] is None and trust.shares[1] == 0.0  # no Trust spend in 2022/23
    fig = trend_figure(series, 10)
    assert [t["mode"] for t in fig["data"]] == ["lines+markers"] * 3
    assert len({t["marker"]["symbol"] for t in fig["data"]}) == 3
    labels = [a["text"] for a in fig["layout"]["annotations"]]
    assert any(label.startswith("Trust 0.0%") for label in labels)


def test_end_labels_never_overlap():
    ends = [(5.0, "x", str(i), "#000") for i in range(5)]
    ys = sorted(a["y"] for a in end_labels(ends, 1.0))
    assert all(b - a >= 1.0 - 1e-6 for a, b in zip(ys, ys[1:]))


@pytest.mark.parametrize("layer", ["ward_spend", "ward_rank", "ward_deprived", "lsoa_decile"])
def test_ranked_figure_prints_every_value(ds, layer):
    heading, fig = ranked_figure(m.summarise(ds), ViewState(layer=layer))
    bar = fig["data"][0]
    assert heading and len(bar["text"]) == len(bar["x"]) and all(bar["text"])
    if layer == "ward_spend":
        assert bar["y"][:2] == ["North", "South"] and bar["text"][0] == "£1,800"
    if layer == "ward_rank":
        assert bar["y"][0] == "North"  # lowest average rank = most deprived comes first
