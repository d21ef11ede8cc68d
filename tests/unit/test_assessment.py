"""Anchor self-assessment (plan.md): frameworks checked, latest level, change and median."""
from __future__ import annotations

from datetime import date

import pytest

from dashboard.engine.assessment import (
    Assessment,
    Entry,
    check_assessment,
    framework_from_dict,
    network_view,
)
from dashboard.errors import InputError

LEVELS = [{"level": 1, "name": "not started"}, {"level": 2, "name": "developing"},
          {"level": 3, "name": "embedding"}, {"level": 4, "name": "leading"}]
FW = framework_from_dict({"name": "Test", "dimensions": [
    {"key": "proc", "name": "Procurement", "levels": LEVELS},
    {"key": "land", "name": "Land", "levels": LEVELS}]})


def _a(anchor, day, recorded="", **levels):
    return Assessment(anchor, date.fromisoformat(day),
                      {k: Entry(v, "evidence", "action", "owner") for k, v in levels.items()},
                      recorded=recorded)


def test_latest_change_and_median():
    history = [
        _a("A", "2024-01-10", proc=1, land=2),
        _a("A", "2025-01-10", proc=3, land=2),
        _a("B", "2025-02-01", proc=2),
        _a("C", "2024-06-01", proc=4, land=1),
    ]
    cells, medians = network_view(FW, history, ["A", "B", "C", "D"])
    assert (cells[("A", "proc")].level, cells[("A", "proc")].change) == (3, 2)
    assert (cells[("A", "land")].level, cells[("A", "land")].change) == (2, 0)
    assert (cells[("B", "proc")].level, cells[("B", "proc")].change) == (2, None)  # first one
    assert cells[("B", "land")].level is None
    assert cells[("D", "proc")].level is None
    assert medians == {"proc": 3.0, "land": 1.5}     # 3, 2, 4 -> 3; 2, 1 -> 1.5


def test_same_day_assessments_are_ordered_by_when_recorded():
    history = [_a("A", "2025-01-10", "2025-01-10T10:00", proc=2),
               _a("A", "2025-01-10", "2025-01-10T09:00", proc=1)]
    cells, _ = network_view(FW, history, ["A"])
    assert (cells[("A", "proc")].level, cells[("A", "proc")].change) == (2, 1)


def test_levels_have_words_and_numbers():
    assert FW.dimension("proc").level_name(3) == "3 embedding"
    assert FW.dimension("proc").level_name(None) == "—"


@pytest.mark.parametrize("levels, message", [
    ([{"level": 1, "name": "a"}, {"level": 3, "name": "c"}], "level 2 is missing"),
    ([{"level": 2, "name": "b"}, {"level": 3, "name": "c"}], "level 1 is missing"),
    ([{"level": 1, "name": "a"}, {"level": 1, "name": "b"}], "gives a level twice"),
    ([{"level": 1, "name": "a"}], "at least two levels"),
    ([{"level": 1, "name": "a"}, {"level": 2}], "needs a number"),
    ([{"level": 0, "name": "z"}, {"level": 1, "name": "a"}], "below 1"),
])
def test_framework_with_a_level_missing_is_refused(levels, message):
    with pytest.raises(InputError, match=message):
        framework_from_dict({"dimensions": [{"name": "Procurement", "levels": levels}]}, "f.json")


def test_bad_assessments_are_refused():
    with pytest.raises(InputError, match="'Z' is not in this data set"):
        check_assessment(_a("Z", "2025-01-01", proc=1), FW, ["A"])
    with pytest.raises(InputError, match="level 5 is not one of 1 to 4"):
        check_assessment(_a("A", "2025-01-01", proc=5), FW, ["A"])
    with pytest.raises(InputError, match="dimension 'wages' is not in the framework"):
        check_assessment(_a("A", "2025-01-01", wages=1), FW, ["A"])
    with pytest.raises(InputError, match="at least one dimension"):
        check_assessment(Assessment("A", date(2025, 1, 1), {}), FW, ["A"])
