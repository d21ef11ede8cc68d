"""What if spend moved? (plan.md), on hand-computed examples, and its properties."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.engine import metrics as m
from dashboard.engine import whatif as w
from dashboard.errors import InputError
from tests import tiny
from tests.plan_data import network

F, OPTS = m.Filters(), m.Options()


@pytest.fixture(scope="module")
def ds():
    return tiny.tiny_dataset()


def test_fraction_on_the_tiny_network(ds):
    # most deprived (X=10): Dep One 1400 of located 3650.50. Movable = located, not deprived:
    # Rich 1500 + Far 250.50 + Dep Two 400 + Jane Doe 100 = 2250.50 (Nowhere is unlocated).
    r = w.whatif(ds, F, OPTS, "most_deprived", fraction=0.1)
    assert (r.network.movable, r.network.moved) == (225050, 22505)
    assert r.network.share_before == pytest.approx(140000 / 365050)
    assert r.network.share_after == pytest.approx((140000 + 22505) / 365050)
    council, trust = dict(r.by_anchor)["Council"], dict(r.by_anchor)["Trust"]
    assert (council.movable, council.moved, council.denominator) == (175050, 17505, 315050)
    assert (trust.movable, trust.moved, trust.share_before, trust.share_after) == (
        50000, 5000, 0.0, 0.1)
    assert r.suppliers_in_group == 1          # Dep One


def test_amount_split_with_remainders(ds):
    # £100.01 split 175050 : 50000 -> 7779.05 and 2221.95: floors 7779 + 2221, the penny left
    # goes to the larger remainder (Trust)
    r = w.whatif(ds, F, OPTS, "most_deprived", amount=10001)
    assert r.network.moved == 10001
    assert [(a, mv.moved) for a, mv in r.by_anchor] == [("Council", 7779), ("Trust", 2222)]


def test_amount_above_movable_moves_all_of_it(ds):
    r = w.whatif(ds, F, OPTS, "most_deprived", amount=10**9)
    assert r.network.moved == r.network.movable == 225050
    assert sum(mv.moved for _, mv in r.by_anchor) == 225050


def test_split_ties_go_by_anchor_name():
    assert w.split_amount(1, [5, 5], ["Trust", "Council"]) == [0, 1]
    assert w.split_amount(2, [1, 1, 1], ["b", "c", "a"]) == [1, 0, 1]
    assert w.split_amount(7, [3, 0, 4], ["a", "b", "c"]) == [3, 0, 4]


def test_credits_net_and_negative_movable_counts_as_zero():
    ds = network([
        ("Council", 0, 1000, "2023-06-01", "Care"),     # deprived
        ("Council", 2, 500, "2023-06-01", "Works"),     # movable
        ("Council", 2, -800, "2023-07-01", "Works"),    # a credit larger than the spend
        ("Trust", 2, 300, "2023-06-01", "Works"),
    ])
    r = w.whatif(ds, F, OPTS, "most_deprived", fraction=1)
    # network movable = 500 - 800 + 300 = 0; per anchor, Council's -300 counts as 0 and
    # Trust's 300 moves in full
    assert (r.network.movable, r.network.moved) == (0, 0)
    assert [(a, mv.movable, mv.moved) for a, mv in r.by_anchor] == [
        ("Council", 0, 0), ("Trust", 300, 300)]
    only_council = w.whatif(ds, F, OPTS, "most_deprived", anchors=("Council",), fraction=0.5)
    assert (only_council.network.movable, only_council.network.moved) == (0, 0)
    assert only_council.network.share_after == only_council.network.share_before


def test_categories_limit_what_moves_not_the_shares(ds):
    r = w.whatif(ds, F, OPTS, "most_deprived", categories=("Works",), fraction=0.5)
    assert (r.network.movable, r.network.moved) == (150000, 75000)   # Rich only
    assert r.network.denominator == 365050                            # all filtered spend
    care = w.whatif(ds, F, OPTS, "local", categories=("Care",), fraction=1)
    assert care.network.movable == 0          # Care's located suppliers are all local
    assert care.suppliers_in_group == 3       # Dep One, Dep Two, Jane Doe
    # named largest first; Jane Doe is a person: counted, never named
    assert care.top_suppliers == ("Dep One Ltd", "Dep Two CIC")


def test_anchors_choose_who_moves(ds):
    r = w.whatif(ds, F, OPTS, "most_deprived", anchors=("Trust",), fraction=1)
    assert (r.network.movable, r.network.moved) == (50000, 50000)
    assert [a for a, _ in r.by_anchor] == ["Trust"]
    # an anchor filter restricts both the shares and who moves
    f = m.Filters(anchors=("Council",))
    r = w.whatif(ds, f, OPTS, "most_deprived", fraction=1)
    assert r.network.denominator == 315050 and [a for a, _ in r.by_anchor] == ["Council"]
    assert r.suppliers_in_group == 1          # evidence comes from any anchor


@pytest.mark.parametrize("group, before, movable", [
    ("local", 340000 / 365050, 25050),                  # Far is outside district A
    ("local_and_most_deprived", 140000 / 365050, 225050),
    # SME/VCSE: shares of all spend; movable = located, flag false or unknown (Nowhere's 300
    # is unlocated: it never moves)
    ("sme", 165050 / 395050, 395050 - 165050 - 30000),
    ("vcse", 40000 / 395050, 395050 - 40000 - 30000),
])
def test_each_group_has_its_own_numerator_and_denominator(ds, group, before, movable):
    r = w.whatif(ds, F, OPTS, group, fraction=0)
    assert r.network.share_before == pytest.approx(before)
    assert r.network.share_after == r.network.share_before
    assert r.network.movable == movable


@pytest.mark.parametrize("kwargs, message", [
    ({"fraction": 1.01}, "between 0 and 1"),
    ({"fraction": -0.5}, "between 0 and 1"),
    ({"amount": -1}, "zero or more"),
    ({}, "either a fraction"),
    ({"fraction": 0.1, "amount": 5}, "either a fraction"),
    ({"fraction": 0.1, "categories": ("Cakes",)}, "'Cakes' is not in this data set"),
    ({"fraction": 0.1, "anchors": ("Nobody",)}, "'Nobody' is not in this data set"),
])
def test_bad_input_is_refused(ds, kwargs, message):
    with pytest.raises(InputError, match=message):
        w.whatif(ds, F, OPTS, "most_deprived", **kwargs)
    with pytest.raises(InputError, match="group 'rich'"):
        w.whatif(ds, F, OPTS, "rich", fraction=0.1)


def test_the_page_can_reuse_the_summarys_mask(ds):
    f = m.Filters(years=(2023,))
    s = m.summarise(ds, f, OPTS)
    base = w.whatif_base(ds, f, OPTS, (), (), mask=s.mask)
    assert w.apply(base, "local", fraction=0.3) == w.whatif(ds, f, OPTS, "local", fraction=0.3)


# --------------------------------------------------------------------------- properties
_rows = st.lists(st.tuples(st.sampled_from(["Council", "Trust"]), st.integers(0, 5),
                           st.integers(-50_000, 200_000), st.sampled_from(["2022-05-01",
                                                                           "2023-05-01"]),
                           st.sampled_from(["Care", "Works", "IT"])), min_size=1, max_size=25)


@given(rows=_rows, group=st.sampled_from(w.GROUPS), p=st.fractions(0, 1),
       amount=st.integers(0, 10**7), cats=st.sets(st.sampled_from(["Care", "Works", "IT"])))
def test_moving_spend_never_lowers_the_share_and_moves_at_most_movable(rows, group, p, amount,
                                                                       cats):
    ds = network(rows)
    cats = tuple(sorted(c for c in cats if c in ds.categories))
    for kwargs in ({"fraction": p}, {"amount": amount}):
        r = w.whatif(ds, F, OPTS, group, categories=cats, **kwargs)
        for mv in (r.network, *(mv for _, mv in r.by_anchor)):
            assert 0 <= mv.moved <= mv.movable
            if mv.share_before is None:
                assert mv.share_after is None
            else:
                assert mv.share_after >= mv.share_before
        if "amount" in kwargs:
            assert sum(mv.moved for _, mv in r.by_anchor) == r.network.moved


def test_integer_sums_above_the_float_limit_give_the_same_answer():
    exact = tiny.tiny_dataset()
    big = tiny.tiny_dataset()
    big.derived.__dict__["exact_in_float"] = False     # as if the total passed 2**52 pence
    for kwargs in ({"categories": ("Care", "Works")}, {}):
        f = m.Filters(anchors=("Council",))
        assert w.whatif(big, f, OPTS, "local", fraction=0.3, **kwargs) == w.whatif(
            exact, f, OPTS, "local", fraction=0.3, **kwargs)


def test_chunks_add_up_to_the_whole(monkeypatch):
    ds = tiny.tiny_dataset()
    whole = w.whatif(ds, m.Filters(years=(2023,)), OPTS, "local", categories=("Care",),
                     amount=5000)
    monkeypatch.setattr(w, "CHUNK", 2)          # four chunks of the five 2023/24 rows
    assert w.whatif(ds, m.Filters(years=(2023,)), OPTS, "local", categories=("Care",),
                    amount=5000) == whole
