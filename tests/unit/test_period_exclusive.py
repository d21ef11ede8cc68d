"""Financial years and a date range exclude each other (issue 16): choosing one clears the
other, on the page and in the URL, so the change lines always compare like for like."""
from __future__ import annotations

from datetime import date

import pytest

from dashboard.serve.app import create_app
from dashboard.settings import load_settings
from dashboard.view.state import CONTROL_KEYS, controls_from_state
from dashboard.web.app import context_of
from dashboard.web.callbacks.state import exclusive_period, sync
from dashboard.web.ids import Id


@pytest.fixture()
def ctx(gds):
    return context_of(create_app(gds, load_settings(env={})))


def _values(ctx, query: str, **changes) -> dict:
    return controls_from_state(ctx.state(query)) | changes


def test_ticking_a_year_clears_the_dates(ctx):
    values = _values(ctx, "?from=2023-06-01&to=2023-09-30", years=[2023])
    s = sync(ctx, Id.YEARS, "?from=2023-06-01&to=2023-09-30", values, None,
             "?from=2023-06-01&to=2023-09-30")
    assert s.url == "?fy=2023"
    assert s.state.filters.years == (2023,) and s.state.filters.date_from is None
    shown = dict(zip(CONTROL_KEYS, s.controls))
    assert shown["date_from"] is None and shown["date_to"] is None and shown["years"] == [2023]


def test_entering_a_date_clears_the_years(ctx):
    values = _values(ctx, "?fy=2023", date_from="01/06/2023")
    s = sync(ctx, Id.DATE_FROM, "?fy=2023", values, None, "?fy=2023")
    assert s.url == "?from=2023-06-01"
    assert s.state.filters.years == () and s.state.filters.date_from == date(2023, 6, 1)
    assert dict(zip(CONTROL_KEYS, s.controls))["years"] == []


def test_a_query_with_both_keeps_the_years(ctx):
    state = ctx.state("?fy=2023&from=2023-06-01&to=2023-07-01")
    assert state.filters.years == (2023,)
    assert state.filters.date_from is None and state.filters.date_to is None


@pytest.mark.parametrize("trigger, values, expected", [
    (Id.YEARS, {"years": [2023], "date_from": "1/6/2023", "date_to": None},
     ({"years": [2023], "date_from": None, "date_to": None}, True)),
    (Id.DATE_TO, {"years": [2023], "date_from": None, "date_to": "1/6/2023"},
     ({"years": [], "date_from": None, "date_to": "1/6/2023"}, True)),
    (Id.DATE_TO, {"years": [2023], "date_from": "1/6/2023", "date_to": ""},   # To emptied
     ({"years": [2023], "date_from": "1/6/2023", "date_to": ""}, False)),
    (Id.YEARS, {"years": [], "date_from": "1/6/2023", "date_to": None},      # year unticked
     ({"years": [], "date_from": "1/6/2023", "date_to": None}, False)),
    (Id.ANCHORS, {"years": [2023], "date_from": None, "date_to": None},
     ({"years": [2023], "date_from": None, "date_to": None}, False)),
])
def test_exclusive_period(trigger, values, expected):
    assert exclusive_period(trigger, values) == expected
