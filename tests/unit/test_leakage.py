"""Where spend leaks out (plan.md), on hand-computed examples."""
from __future__ import annotations

import pytest

from dashboard.engine import metrics as m
from dashboard.engine.leakage import COLUMNS, leakage
from dashboard.engine.model import YES
from tests import tiny
from tests.plan_data import network


@pytest.fixture(scope="module")
def ds():
    return tiny.tiny_dataset()


def test_categories_ranked_by_spend_outside_with_unlocated_beside(ds):
    t = leakage(ds, m.Filters(), m.Options()).categories
    assert tuple(t.columns) == COLUMNS
    assert list(t["category"]) == ["IT", "Care", "Works"]     # Care and Works tie at 0: by name
    it, care, works = (t.iloc[i].to_dict() for i in range(3))
    # IT: Far 250.50, district B: all of it leaves; decile 3 is not among the most deprived 10%
    assert (it["located"], it["outside"], it["leak_share"], it["deprived"]) == (25050, 25050,
                                                                                1.0, 0)
    # Care: Dep One 1000 - 200 + 600, Dep Two 400, Jane Doe 100 located; Nowhere 300 unlocated
    assert (care["located"], care["outside"], care["deprived"], care["unlocated"]) == (
        190000, 0, 140000, 30000)
    assert care["deprived_share"] == pytest.approx(1400 / 1900)
    assert care["local_deprived_suppliers"] == 1
    assert (works["located"], works["leak_share"], works["deprived_share"]) == (150000, 0.0, 0.0)


def test_opportunities_are_what_other_anchors_use_and_this_one_does_not(ds):
    at10 = leakage(ds, m.Filters(), m.Options()).opportunities
    assert at10.to_dict("records") == [
        {"anchor": "Trust", "category": "Care", "suppliers": ("Dep One Ltd",)}]
    at20 = leakage(ds, m.Filters(), m.Options(most_deprived=20))
    assert at20.categories.set_index("category").loc["Care", "local_deprived_suppliers"] == 2
    assert at20.opportunities.to_dict("records") == [
        {"anchor": "Council", "category": "Care", "suppliers": ("Dep Two CIC",)},
        {"anchor": "Trust", "category": "Care", "suppliers": ("Dep One Ltd",)}]


def test_anchor_filter_narrows_figures_not_the_evidence(ds):
    lk = leakage(ds, m.Filters(anchors=("Trust",)), m.Options(most_deprived=20))
    assert list(lk.categories["category"]) == ["Care"]
    assert lk.categories.iloc[0]["located"] == 50000
    assert lk.categories.iloc[0]["local_deprived_suppliers"] == 2   # Dep One is the Council's
    assert list(lk.opportunities["anchor"]) == ["Trust"]


def test_net_credits_and_individuals():
    sup = tiny.SUPPLIERS.copy()
    sup.loc[1, "individual"] = YES      # Dep Two becomes a person: counted, never named
    sup.loc[1, "display_name"] = None
    ds = network([
        ("Council", 0, 500, "2023-06-01", "Care"),
        ("Council", 0, -500, "2023-07-01", "Care"),     # nets to zero: not "received spend"
        ("Trust", 1, 400, "2023-06-01", "Care"),
        ("Trust", 4, 900, "2023-06-01", "Care"),        # unlocated
    ], suppliers=sup)
    lk = leakage(ds, m.Filters(), m.Options(most_deprived=20))
    row = lk.categories.iloc[0]
    assert (row["located"], row["unlocated"], row["deprived"]) == (400, 900, 400)
    assert row["local_deprived_suppliers"] == 1        # the person; Dep One nets to zero
    assert lk.opportunities.empty                      # nobody to name
