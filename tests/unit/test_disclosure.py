"""Disclosure control: "<5" for counts of 1-4, and secondary suppression that an adversary with the
totals, the shown cells and the rule cannot undo.

The adversary is `disclosure.exposed`: by linear programming it finds the least and greatest value
of every withheld cell over all tables consistent with what is shown (each row and column adds up
to its total; "<5" is 1-4; a secondarily withheld cell is at least 5). A cell with one possible
value is disclosed. The first tests check the adversary itself on cases worked by hand, so that a
pass below means something.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.engine.disclosure import (
    PRIMARY,
    ROW_WITHHELD,
    SECONDARY,
    SHOWN,
    SMALL,
    WARD_WITHHELD,
    exposed,
    protect,
    safe_share,
    shown,
    ward_headcounts,
    with_margins,
)
from tests import tiny


def primary_only(table):
    full = with_margins(np.array(table))
    return full, np.where((full >= 1) & (full <= 4), PRIMARY, SHOWN).astype(np.int8)


# --------------------------------------------------------------------------- the adversary
def test_adversary_derives_a_lone_small_count_from_the_total():
    full, code = primary_only([[3, 10, 12]])        # total 25 shown: 25 - 22 = 3
    assert (0, 0) in exposed(full, code)


def test_adversary_uses_the_bounds_of_two_small_counts():
    """Two "<5" cells whose shown total leaves 2: both must be 1."""
    full, code = primary_only([[1, 1, 9]])
    assert set(exposed(full, code)) >= {(0, 0), (0, 1)}


def test_adversary_uses_the_lower_bound_of_a_secondary_cell():
    """A "<5" and a withheld (>= 5) cell that add up to 6: they are 1 and 5, and the 1 (in the
    row and in the column totals below it) is the count disclosed."""
    full, code = primary_only([[1, 5, 9]])
    code[0, 1] = code[1, 1] = SECONDARY
    assert set(exposed(full, code)) == {(0, 0), (1, 0)}


def test_adversary_works_across_rows_and_columns():
    """Every row has two withheld cells, but the column totals give one of them away."""
    table = np.array([[2, 7, 9], [6, 3, 9]])
    full = with_margins(table)
    code = np.zeros(full.shape, np.int8)
    code[0, 0] = code[1, 1] = PRIMARY
    code[0, 1] = code[1, 0] = SECONDARY
    # row 0: x00 + x01 = 9; col 0: x00 + x10 = 8; x00 in 1-4, x10 >= 5 -> x00 <= 3; x01 >= 5
    # -> x00 <= 4; ... the audit decides: each has a range, or is pinned
    found = exposed(full, code)
    assert found is not None
    lo_hi = {(0, 0): (1, 3)}   # x00 = 8 - x10 <= 3 and x00 = 9 - x01 <= 4: still two values
    assert (0, 0) not in found or lo_hi[(0, 0)][0] == lo_hi[(0, 0)][1]


# --------------------------------------------------------------------------- protection
@pytest.mark.parametrize("table", [
    [[3, 10, 12]],
    [[1, 1, 9]],
    [[1, 5, 9]],
    [[4, 0, 0]],
    [[2, 3]],
    [[2, 7, 9], [6, 3, 9]],
    [[1, 0, 6], [0, 8, 2], [5, 5, 5]],
    [[0, 0, 0]],
    [[12, 40], [7, 30]],
    [[1, 4, 4, 2, 0], [4, 4, 4, 3, 0]],   # found by Hypothesis: the column totals gave it away
    [[1, 1, 1, 1]],                       # found by Hypothesis: four "<5" under a "<5" total
    [[1, 1, 1, 1], [30, 20, 10, 50]],
])
def test_no_withheld_count_can_be_derived(table):
    full = with_margins(np.array(table))
    code = protect(np.array(table))
    assert exposed(full, code) == []
    small = (full >= 1) & (full <= 4)
    assert np.isin(code[small], (PRIMARY, ROW_WITHHELD, WARD_WITHHELD)).all()  # never shown
    assert np.isin(code[full == 0], (SHOWN, ROW_WITHHELD, WARD_WITHHELD)).all()
    assert (code[code == SECONDARY] == SECONDARY).all() and (full[code == SECONDARY] >= 5).all()


def test_a_lone_small_count_takes_the_next_smallest_with_it():
    code = protect(np.array([[3, 10, 12]]))
    assert code[0].tolist() == [PRIMARY, SECONDARY, SHOWN, SHOWN]


@settings(max_examples=60)   # each example solves linear programmes: the same in CI
@given(st.lists(st.lists(st.integers(0, 12), min_size=1, max_size=5), min_size=1, max_size=4)
       .filter(lambda rows: len({len(r) for r in rows}) == 1))
def test_random_tables_cannot_be_undone(rows):
    table = np.array(rows)
    full = with_margins(table)
    code = protect(table)
    assert exposed(full, code) == []
    assert np.isin(code[(full >= 1) & (full <= 4)],
                   (PRIMARY, ROW_WITHHELD, WARD_WITHHELD)).all()


def test_the_line_rule_alone_is_safe_on_single_rows():
    """Without the audit (big tables), a single row is still safe: its only equation is the
    row's, and the line rule is exact for one equation."""
    rng = np.random.default_rng(7)
    for _ in range(30):
        table = rng.integers(0, 9, size=(1, int(rng.integers(1, 8))))
        code = protect(table, audit=False)
        assert exposed(with_margins(table), code) == []


# --------------------------------------------------------------------------- shown values
def test_shown_values():
    assert [shown(7, SHOWN), shown(3, PRIMARY), shown(9, SECONDARY)] == [7, SMALL, None]


@pytest.mark.parametrize("num,den,share", [(10, 40, 0.25), (0, 40, 0.0), (40, 40, 1.0),
                                           (4, 40, None), (36, 40, None), (2, 3, None),
                                           (0, 0, None)])
def test_shares_that_would_reveal_a_small_count_are_withheld(num, den, share):
    assert safe_share(num, den) == share


# --------------------------------------------------------------------------- on a data set
def wds():
    rows = [("Council", "L1", 1, False, "2025-03-31", 3),
            ("Council", "L3", 1, False, "2025-03-31", 20),
            ("Council", "L4", 1, False, "2025-03-31", 9),
            ("Trust", "L1", 1, False, "2025-03-31", 8),
            ("Trust", "L5", 1, False, "2025-03-31", 2),
            ("Trust", "", 1, False, "2025-03-31", 12)]
    wf = pd.DataFrame(rows, columns=["anchor", "lsoa", "living_wage", "new_starter", "snapshot",
                                     "count"]).astype({"living_wage": np.int8})
    return replace(tiny.tiny_dataset(), workforce=wf)


def test_network_and_anchor_ward_counts_are_protected_together():
    """Network W1 = 11, W2 = 22; Council W1 3, W2 20; Trust W1 8, W2 2. Showing the network's
    counts and each anchor's must not give away Council's 3 or Trust's 2."""
    ds = wds()
    net, net_code, who = ward_headcounts(ds)
    council, c_code, _ = ward_headcounts(ds, ("Council",))
    trust, t_code, _ = ward_headcounts(ds, ("Trust",))
    assert who is None and net.tolist() == [11, 22, 0]
    assert c_code[0] == PRIMARY and t_code[1] == PRIMARY
    # the network's W1 minus Trust's W1 would give Council's W1: one of them must be withheld
    assert net_code[0] != SHOWN or t_code[0] != SHOWN
    assert net_code[1] != SHOWN or c_code[1] != SHOWN
    from dashboard.engine.disclosure import workforce_protection
    names, full, code = workforce_protection(ds)
    assert exposed(full, code) == []


def test_a_selection_of_several_anchors_shows_the_network():
    ds = wds()
    assert ward_headcounts(ds, ("Council", "Trust"))[2] is None
    assert ward_headcounts(ds, ("Trust",))[2] == "Trust"


def test_a_row_of_small_counts_under_a_small_total_is_not_shown_by_ward():
    """An anchor with four staff in four wards: four "<5" under a total of "<5" would be four
    1s; its ward counts are not shown at all (not even which wards), the network's still are."""
    table = np.array([[1, 1, 1, 1], [30, 20, 10, 50]])
    code = protect(table)
    assert (code[0, :-1] == ROW_WITHHELD).all() and code[0, -1] == PRIMARY
    assert exposed(with_margins(table), code) == []


def test_big_tables_withhold_a_ward_whose_small_counts_its_total_pins():
    """Without the audit (big tables), a ward where four anchors each have one member of staff
    (four "<5" under a "<5" total) is withheld for every anchor, zeros included; the anchors'
    rows then withhold another ward each so the withheld one cannot be worked out."""
    table = np.array([[1, 9, 8], [1, 7, 6], [1, 12, 9], [1, 5, 11], [0, 6, 7]])
    code = protect(table, audit=False)
    assert (code[:, 0] == WARD_WITHHELD).all()
    assert exposed(with_margins(table), code) == []


def test_columns_published_elsewhere_are_never_withheld():
    """Headcounts (row totals) and "not located" are on cards and in the JSON: withholding them
    in the table would protect nothing. Here the row total 6 must stay shown, so the 5 beside
    the "<5" cannot hide it: the row's cells are not shown by ward at all."""
    table = np.array([[1, 5, 0], [20, 30, 9]])
    code = protect(table, fixed_columns=(-1, -2))
    assert code[0, -1] == SHOWN and code[1, -1] == SHOWN and code[1, -2] == SHOWN
    assert exposed(with_margins(table), code) == []
