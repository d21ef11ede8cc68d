"""Workforce figures on a hand-computed workforce over the tiny network (tests/tiny.py), and the
living-wage rate table (the 1 May boundary, the London rate, unknown pay).

Tiny LSOAs (decile, district, ward): L1 1/A/W1, L2 2/A/W1, L3 7/A/W2, L4 3/B/none, L5 10/A/W2.
Both anchors' home area is A. Counted by default (each anchor's latest snapshot):
Council 2025-03-31: L1 3 (paid LW, new), L2 4 (not paid), L3 5 (pay unknown), L4 2 (paid, new),
not located 6 (paid); Trust 2025-01-31: L5 10 (paid), L1 1 (not paid, new). Council's older
snapshot 2024-03-31 (L1 100) counts only when asked for.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.engine.filters import Options
from dashboard.engine.living_wage import read_rates
from dashboard.engine.workforce import (
    anchor_ward_counts,
    has_workforce,
    snapshots,
    workforce_figures,
)
from dashboard.errors import InputError
from dashboard.ingest.io.workforce import read_workforce
from dashboard.ingest.levers import workforce_counts
from tests import tiny

ROWS = [  # anchor, lsoa, living wage, new starter, snapshot, count
    ("Council", "L1", 1, True, "2025-03-31", 3),
    ("Council", "L2", 0, False, "2025-03-31", 4),
    ("Council", "L3", -1, False, "2025-03-31", 5),
    ("Council", "L4", 1, True, "2025-03-31", 2),
    ("Council", "", 1, False, "2025-03-31", 6),
    ("Council", "L1", 1, False, "2024-03-31", 100),
    ("Trust", "L5", 1, False, "2025-01-31", 10),
    ("Trust", "L1", 0, True, "2025-01-31", 1),
]


def wds():
    wf = pd.DataFrame(ROWS, columns=["anchor", "lsoa", "living_wage", "new_starter", "snapshot",
                                     "count"]).astype({"living_wage": np.int8})
    return replace(tiny.tiny_dataset(), workforce=wf)


def test_headline_at_each_anchors_latest_snapshot():
    f = workforce_figures(wds())
    assert (f.workforce, f.workforce_located, f.pay_known, f.living_wage) == (31, 25, 26, 21)
    assert f.living_wage_share == pytest.approx(21 / 26)
    assert f.most_deprived == 4 and f.workforce_share_most_deprived == pytest.approx(4 / 25)
    assert f.local == 23 and f.workforce_local_share == pytest.approx(23 / 25)
    assert (f.new_starters, f.new_starters_located, f.new_starters_most_deprived) == (6, 6, 4)
    assert f.new_starters_share_most_deprived == pytest.approx(4 / 6)
    assert f.snapshots == {"Council": "2025-03-31", "Trust": "2025-01-31"}


def test_by_ward_adds_up_to_the_headcount():
    f = workforce_figures(wds())
    assert f.by_ward.tolist() == [8, 15, 0]          # W1 = L1+L2, W2 = L3+L5, W3 empty
    assert (f.outside_wards, f.not_located) == (2, 6)
    assert int(f.by_ward.sum()) + f.outside_wards + f.not_located == f.workforce


@pytest.mark.parametrize("x,expected", [(10, 4), (20, 8), (30, 10)])
def test_most_deprived_national(x, expected):
    f = workforce_figures(wds(), Options(most_deprived=x))
    assert f.most_deprived == expected and f.workforce_share_most_deprived == expected / 25


@pytest.mark.parametrize("x,expected", [(10, 0), (20, 0), (30, 4)])
def test_most_deprived_local_reference(x, expected):
    """Local ranks among A's four LSOAs: L1 1, L2 2, L3 3, L5 4 -> local deciles 3, 5, 8, 10."""
    f = workforce_figures(wds(), Options(most_deprived=x, reference="local"))
    assert f.most_deprived == expected


def test_local_area_option():
    f = workforce_figures(wds(), Options(local_area=("B",)))
    assert f.local == 2 and f.workforce_local_share == 2 / 25


def test_one_anchor_a_snapshot_and_a_year():
    assert workforce_figures(wds(), anchors=("Trust",)).living_wage_share == 10 / 11
    assert workforce_figures(wds(), snapshot="2024-03-31").workforce == 100
    assert workforce_figures(wds(), year=2023).workforce == 100     # 2023/24: Council's old
    assert workforce_figures(wds(), year=2024).workforce == 31
    assert workforce_figures(wds(), year=2022).workforce == 0


def test_undefined_shares_and_no_workforce():
    ds = tiny.tiny_dataset()
    assert not has_workforce(ds) and snapshots(ds) == ()
    f = workforce_figures(ds)
    assert f.workforce == 0 and f.living_wage_share is None
    assert f.workforce_share_most_deprived is None and f.by_ward.tolist() == [0, 0, 0]


def test_anchor_ward_table_rows_and_extra_columns():
    names, table = anchor_ward_counts(wds())
    assert names == ["Council", "Trust"]
    assert table.tolist() == [[7, 5, 0, 2, 6], [1, 10, 0, 0, 0]]


# --------------------------------------------------------------------------- living wage rates
@pytest.mark.parametrize("day,london,pence", [
    (date(2020, 4, 30), False, None),        # before the first rate applies
    (date(2020, 5, 1), False, 930),
    (date(2024, 4, 30), False, 1090),        # the day before the boundary: last year's rate
    (date(2024, 5, 1), False, 1200),         # the boundary: the new rate
    (date(2024, 5, 1), True, 1315),
    (date(2026, 5, 1), True, 1480),
    (date(2030, 1, 1), False, 1345),         # the latest rate stays in force
])
def test_rate_in_force(day, london, pence):
    assert read_rates().rate(day, london) == pence


def lw_flags(pay: str, snapshot: str, anchor: str = "Test Council") -> int:
    anchors = pd.DataFrame({"name": ["Test Council", "London Trust"],
                            "home_area": [("E08000024",), ("E09000001",)]})
    imp = read_workforce(("s.csv", f"Postcode,Hourly Pay\nSR1 1AB,{pay}\n".encode()),
                         anchor_name=anchor, snapshot=date.fromisoformat(snapshot))
    counts, _ = workforce_counts(imp, lambda p: pd.DataFrame({"postcode": p, "lsoa": None}),
                                 anchors, read_rates())
    return int(counts["living_wage"].iloc[0])


@pytest.mark.parametrize("pay,snapshot,anchor,flag", [
    ("11.00", "2024-04-30", "Test Council", 1),   # 11.00 >= 10.90
    ("11.00", "2024-05-01", "Test Council", 0),   # 11.00 < 12.00
    ("12.00", "2024-05-01", "Test Council", 1),   # exactly the rate is "at least"
    ("12.00", "2024-05-01", "London Trust", 0),   # London: 13.15
    ("13.15", "2024-05-01", "London Trust", 1),
    ("", "2024-05-01", "Test Council", -1),       # pay unknown
    ("0", "2024-05-01", "Test Council", -1),      # flagged pay: unknown
    ("20.00", "2019-06-01", "Test Council", -1),  # no rate known yet
])
def test_living_wage_flag_at_import(pay, snapshot, anchor, flag):
    assert lw_flags(pay, snapshot, anchor) == flag


def test_a_users_rate_table_extends_the_shipped_one(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text((read_rates.__globals__["DEFAULT_RATES"]).read_text()
                    + "2026-10,14.00,15.50,2027-05-01\n")
    rates = read_rates(path)
    assert rates.rate(date(2027, 4, 30), False) == 1345
    assert rates.rate(date(2027, 5, 1), True) == 1550


def test_a_bad_rate_table_names_its_row(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("announced,uk_rate,london_rate,applies_from\n2026-10,abc,15.50,2027-05-01\n")
    with pytest.raises(InputError, match="row 2"):
        read_rates(path)


@pytest.mark.parametrize("metric,scope,year,parts", [
    ("workforce_share_most_deprived", None, 2024, (4, 25)),
    ("workforce_local_share", None, 2024, (23, 25)),
    ("living_wage_share", None, 2024, (21, 26)),
    ("living_wage_share", "Trust", 2024, (10, 11)),
    ("workforce_share_most_deprived", None, 2023, (100, 100)),   # Council's 2024-03-31 only
    ("living_wage_share", None, 2022, (0, 0)),
])
def test_target_parts_for_the_action_plan(metric, scope, year, parts):
    from dashboard.engine.workforce import workforce_parts

    assert workforce_parts(wds(), metric, scope, year, Options()) == parts
