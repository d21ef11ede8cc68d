"""Targets and progress (plan.md "Targets and progress"), on hand-computed examples."""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pandas as pd
import pytest

from dashboard.engine import plan as p
from dashboard.errors import InputError
from tests import tiny
from tests.plan_data import network


def _two_years(deprived_2023: int, located_2023: int = 10000):
    """FY2022: 2000 of 10000 located pence deprived (0.2); FY2023: `deprived_2023` of
    `located_2023`. Dep One is deprived and local; Rich is local, not deprived."""
    return network([
        ("Council", 0, 2000, "2022-06-01", "Care"),
        ("Council", 2, 8000, "2022-06-01", "Care"),
        ("Council", 0, deprived_2023, "2023-06-01", "Care"),
        ("Council", 2, located_2023 - deprived_2023, "2023-06-01", "Care"),
    ])


def test_tiny_network_progress_by_hand():
    # FY2022: Dep One 600 of located 1600 -> 3/8. FY2023: Dep One 800 of 2050.50 located.
    pr = p.progress(tiny.tiny_dataset(), p.Target("share_most_deprived", 2022, 2025, 0.5))
    assert pr.baseline_value == Fraction(3, 8)
    assert [r.year for r in pr.years] == [2022, 2023, 2024, 2025]
    y22, y23, y24, _ = pr.years
    assert (y22.trajectory, y22.status, y22.gap_pence) == (Fraction(3, 8), "on track", 0)
    # trajectory(2023) = 3/8 + (1/2 - 3/8) x 1/3 = 5/12; actual 80000/205050 is 2.7 points below
    assert y23.trajectory == Fraction(5, 12)
    assert y23.actual == Fraction(80000, 205050)
    assert y23.status == "off track"
    assert y23.gap_pence == 85438 - 80000    # ceil(5/12 x 205050 = 85437.5) - 80000
    assert (y24.actual, y24.status, y24.gap_pence) == (None, "no data", None)


@pytest.mark.parametrize("deprived, status, gap", [
    (3000, "on track", 0),       # exactly on the trajectory (0.3)
    (3100, "on track", 0),
    (2901, "close", 99),         # 0.99 points below
    (2900, "off track", 100),    # exactly one point below: not "close"
    (0, "off track", 3000),
])
def test_status_and_gap_at_the_boundaries(deprived, status, gap):
    target = p.Target("share_most_deprived", 2022, 2024, 0.4)   # trajectory(2023) = 0.3
    row = p.progress(_two_years(deprived), target).at(2023)
    assert row.trajectory == Fraction(3, 10)
    assert (row.status, row.gap_pence) == (status, gap)


def test_gap_rounds_the_needed_spend_up_to_the_penny():
    target = p.Target("share_most_deprived", 2022, 2024, 0.4)
    row = p.progress(_two_years(2900, located_2023=10001), target).at(2023)
    assert row.gap_pence == 3001 - 2900      # 0.3 x 10001 = 3000.3 -> 3001


def test_trajectory_at_its_ends_and_outside():
    assert p.trajectory(Fraction(1, 5), Fraction(2, 5), 2022, 2024, 2022) == Fraction(1, 5)
    assert p.trajectory(Fraction(1, 5), Fraction(2, 5), 2022, 2024, 2024) == Fraction(2, 5)
    assert p.trajectory(Fraction(1, 5), Fraction(2, 5), 2022, 2024, 2021) is None
    assert p.trajectory(Fraction(1, 5), Fraction(2, 5), 2022, 2024, 2025) is None
    # a falling target (less spend outside, say) is a straight line down
    assert p.trajectory(Fraction(1, 2), Fraction(1, 4), 2020, 2025, 2022) == Fraction(2, 5)


def test_after_the_target_year_the_target_value_itself_is_the_goal():
    target = p.Target("share_most_deprived", 2021, 2022, 0.25)
    ds = _two_years(2400)
    pr = p.progress(ds, target)
    assert pr.baseline_value is None             # no spend in 2021/22
    assert [r.status for r in pr.years] == ["no data", "no data", "no data"]
    assert p.goal(Fraction(1, 5), Fraction(1, 4), 2021, 2022, 2023) == Fraction(1, 4)
    assert p.goal(Fraction(1, 5), Fraction(1, 4), 2021, 2022, 2020) is None


def test_target_for_one_anchor_uses_its_spend_only():
    # Trust FY2023: Dep Two 400 (decile 2) and Jane Doe 100: at X=20, 400/500 = 0.8
    t = p.Target("share_most_deprived", 2023, 2024, 0.9, scope="Trust", most_deprived=20)
    pr = p.progress(tiny.tiny_dataset(), t)
    assert pr.baseline_value == Fraction(4, 5)
    assert pr.at(2023).status == "on track"


@pytest.mark.parametrize("metric, num, den", [
    ("local_share", 180000, 205050),     # all located but Far (district B)
    ("sme_share", 80000 + 25050, 235050),  # Dep One 800 + Far 250.50 of all spend
    ("vcse_share", 40000, 235050),
])
def test_other_spend_metrics_have_the_contracts_denominators(metric, num, den):
    ds = tiny.tiny_dataset()
    assert p.parts(ds, metric, None, 2023, p.Target(metric, 2023, 2024, 0.5).options) == (num, den)


@pytest.mark.parametrize("kwargs, message", [
    ({"baseline_year": 2024, "target_year": 2023}, "is not after the baseline"),
    ({"baseline_year": 2023, "target_year": 2023}, "is not after the baseline"),
    ({"target_value": 1.5}, "between 0 and 1"),
    ({"target_value": -0.1}, "between 0 and 1"),
    ({"scope": "Nobody"}, "'Nobody' is not in this data set"),
    ({"metric": "happiness"}, "is not known"),
    ({"most_deprived": 15}, "must be one of"),
    ({"reference": "regional"}, "must be one of"),
])
def test_bad_targets_are_refused_with_a_message(kwargs, message):
    fields = {"metric": "share_most_deprived", "baseline_year": 2022, "target_year": 2025,
              "target_value": 0.3, **kwargs}
    with pytest.raises(InputError, match=message):
        p.check_target(tiny.tiny_dataset(), p.Target(**fields))


def test_typed_target_value_is_exact():
    assert p.value_fraction(0.3) == Fraction(3, 10)
    assert p.status(Fraction(3, 10), p.value_fraction(0.3)) == "on track"


def _with_workforce(rows):
    """The tiny network with a workforce: (anchor, lsoa, living wage 1/0/-1, snapshot, count)."""
    wf = pd.DataFrame({"anchor": [r[0] for r in rows], "lsoa": [r[1] for r in rows],
                       "living_wage": pd.Series([r[2] for r in rows], dtype="int8"),
                       "new_starter": [False] * len(rows), "snapshot": [r[3] for r in rows],
                       "count": pd.Series([r[4] for r in rows], dtype="int64")})
    ds = tiny.tiny_dataset()
    return replace(ds, workforce=wf, meta=dict(ds.meta))


def test_workforce_target_from_each_years_latest_snapshot():
    ds = _with_workforce([
        ("Council", "L1", 1, "2022-09-30", 10),     # L1: decile 1
        ("Council", "L3", 1, "2022-09-30", 30),
        ("Council", "L1", 1, "2023-06-30", 99),     # an earlier snapshot of 2023/24: not used
        ("Council", "L1", 1, "2023-09-30", 12),
        ("Council", "L3", 0, "2023-09-30", 28),
    ])
    pr = p.progress(ds, p.Target("workforce_share_most_deprived", 2022, 2024, 0.4))
    assert pr.baseline_value == Fraction(10, 40)
    row = pr.at(2023)
    # trajectory 1/4 + (2/5 - 1/4) x 1/2 = 13/40; actual 12/40 is 2.5 points below
    assert (row.actual, row.trajectory, row.status) == (Fraction(12, 40), Fraction(13, 40),
                                                        "off track")
    assert row.gap_pence is None                     # a gap in pounds is for spend only
    lw = p.progress(ds, p.Target("living_wage_share", 2022, 2024, 0.9))
    assert lw.at(2023).actual == Fraction(12, 40)


def test_workforce_share_that_would_give_a_small_count_away_is_withheld():
    ds = _with_workforce([("Council", "L1", 1, "2023-09-30", 3),
                          ("Council", "L3", 1, "2023-09-30", 30)])
    pr = p.progress(ds, p.Target("workforce_share_most_deprived", 2023, 2024, 0.4))
    assert pr.baseline_value is None and pr.at(2023).status == "no data"


def test_workforce_target_needs_a_workforce():
    with pytest.raises(InputError, match="needs workforce figures"):
        p.check_target(tiny.tiny_dataset(), p.Target("living_wage_share", 2022, 2025, 0.9))
