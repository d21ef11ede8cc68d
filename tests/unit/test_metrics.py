"""Every metric of the spec on the hand-computed tiny network (tests/tiny.py)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.engine import metrics as m
from dashboard.engine.model import build_dataset
from tests import tiny

P = 100  # pence per pound


@pytest.fixture(scope="module")
def ds():
    return tiny.tiny_dataset()


def test_headline_with_no_filter_matches_hand_sums(ds):
    h = m.summarise(ds).headline
    assert h["total_spend"] == 395050
    assert h["located_spend"] == 365050
    assert h["unlocated_spend"] == 30000
    assert h["coverage"] == pytest.approx(3650.50 / 3950.50)
    assert h["deprived_spend"] == 1400 * P  # Dep One: 1000 - 200 credit + 600
    assert h["share_most_deprived"] == pytest.approx(1400 / 3650.50)
    assert h["local_spend"] == 3400 * P     # all located but Far (district B)
    assert h["local_share"] == pytest.approx(3400 / 3650.50)
    assert h["suppliers"] == 6
    assert h["transactions"] == 9


def test_sme_and_vcse_shares_are_of_total_with_unknown_beside(ds):
    h = m.summarise(ds).headline
    assert h["sme_spend"] == 165050            # Dep One 1400 + Far 250.50
    assert h["sme_share"] == pytest.approx(1650.50 / 3950.50)
    assert h["sme_unknown_spend"] == 1800 * P  # Rich 1500 + Nowhere 300
    assert h["vcse_share"] == pytest.approx(400 / 3950.50)
    assert h["vcse_unknown_share"] == pytest.approx(1800 / 3950.50)


@pytest.mark.parametrize("x, deprived_pounds", [(10, 1400), (20, 1800), (30, 2050.50)])
def test_most_deprived_x_national_includes_deciles_up_to_x_over_10(ds, x, deprived_pounds):
    h = m.summarise(ds, options=m.Options(most_deprived=x)).headline
    assert h["deprived_spend"] == round(deprived_pounds * P)
    assert h["share_most_deprived"] == pytest.approx(deprived_pounds / 3650.50)


def test_local_deciles_ceil_of_ten_times_local_rank_over_count(ds):
    # District A has 4 LSOAs ranked 100, 5000, 20000, 30000: local deciles 3, 5, 8, 10.
    got = m.local_deciles(ds.lsoas, ("A",))
    assert got.tolist() == [3, 5, 8, 11, 10]


@pytest.mark.parametrize("x, deprived_pounds", [(10, 0), (20, 0), (30, 1400)])
def test_local_reference_counts_only_local_lsoas(ds, x, deprived_pounds):
    opts = m.Options(most_deprived=x, reference="local")
    h = m.summarise(ds, options=opts).headline
    assert h["deprived_spend"] == deprived_pounds * P
    assert h["share_most_deprived"] == pytest.approx(deprived_pounds / 3650.50)


def test_local_reference_with_other_area_excludes_suppliers_outside_it(ds):
    opts = m.Options(most_deprived=10, reference="local", local_area=("B",))
    h = m.summarise(ds, options=opts).headline
    # L4 is B's only LSOA, so its local decile is ceil(10 * 1 / 1) = 10: not in the most deprived 10%.
    assert h["deprived_spend"] == 0
    assert h["local_spend"] == 25050
    h30 = m.summarise(ds, options=replace(opts, most_deprived=30)).headline
    assert h30["deprived_spend"] == 0  # still decile 10, and nothing in A can count


def test_anchor_filter(ds):
    h = m.summarise(ds, m.Filters(anchors=("Trust",))).headline
    assert (h["total_spend"], h["located_spend"], h["deprived_spend"]) == (500 * P, 500 * P, 0)
    assert h["share_most_deprived"] == 0.0
    assert h["suppliers"] == 2


def test_financial_year_filter_uses_april_to_march(ds):
    assert m.summarise(ds, m.Filters(years=(2022,))).headline["total_spend"] == 1600 * P
    assert m.summarise(ds, m.Filters(years=(2023,))).headline["total_spend"] == 235050


def test_date_range_is_inclusive_at_both_ends(ds):
    f = m.Filters(date_from=date(2023, 4, 1), date_to=date(2024, 3, 31))
    assert m.summarise(ds, f).headline["total_spend"] == 235050
    f = m.Filters(date_from=date(2023, 4, 2), date_to=date(2024, 3, 30))
    assert m.summarise(ds, f).headline["total_spend"] == 235050 - 500 * P + 200 * P


def test_category_capital_flag_and_influenceable_filters(ds):
    assert m.summarise(ds, m.Filters(categories=("Works",))).headline["total_spend"] == 1500 * P
    assert m.summarise(ds, m.Filters(capital_revenue=("capital",))).headline[
        "total_spend"] == 1500 * P
    assert m.summarise(ds, m.Filters(supplier_flags=("vcse",))).headline["total_spend"] == 400 * P
    assert m.summarise(ds, m.Filters(supplier_flags=("sme", "vcse"))).headline[
        "total_spend"] == 205050
    assert m.summarise(ds, m.Filters(influenceable_only=True)).headline["total_spend"] == 370000


def test_filter_that_matches_nothing_gives_zero_and_undefined_shares(ds):
    h = m.summarise(ds, m.Filters(categories=("No such",))).headline
    assert h["total_spend"] == 0 and h["transactions"] == 0 and h["suppliers"] == 0
    for share in ("coverage", "share_most_deprived", "local_share", "sme_share", "vcse_share"):
        assert h[share] is None


def test_negative_denominator_is_undefined_not_a_share():
    rows = tiny.transactions().iloc[[1]]  # the credit note alone: -200 located spend
    ds = build_dataset(rows, tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS)
    h = m.summarise(ds).headline
    assert h["total_spend"] == -200 * P
    assert h["coverage"] is None and h["share_most_deprived"] is None
    assert h["suppliers"] == 1  # a supplier paid only a credit note still had a transaction


def test_ratio_is_none_for_zero_or_negative_denominator():
    assert m.ratio(1, 0) is None and m.ratio(1, -5) is None and m.ratio(0, 4) == 0.0


def test_ward_spend_and_suppliers(ds):
    t = m.summarise(ds).by_ward.set_index("ward_code")
    assert t.loc["W1", "spend"] == 1800 * P and t.loc["W1", "suppliers"] == 2
    assert t.loc["W2", "spend"] == 1600 * P and t.loc["W2", "suppliers"] == 2
    assert t.loc["W3", "spend"] == 0 and t.loc["W3", "suppliers"] == 0
    assert t["spend"].sum() == 3400 * P  # Far is located but outside every loaded ward


def test_ward_deprivation_is_population_weighted(ds):
    t = m.ward_deprivation_table(ds, m.Options(most_deprived=10)).set_index("ward_code")
    assert t.loc["W1", "population"] == 3000
    assert t.loc["W1", "imd_avg_rank"] == pytest.approx((100 * 1000 + 5000 * 2000) / 3000)
    assert t.loc["W1", "pop_share_most_deprived"] == pytest.approx(1 / 3)
    assert t.loc["W2", "imd_avg_rank"] == pytest.approx(22500)
    assert t.loc["W2", "pop_share_most_deprived"] == 0
    assert t.loc["W3", "imd_avg_rank"] is None
    t20 = m.ward_deprivation_table(ds, m.Options(most_deprived=20)).set_index("ward_code")
    assert t20.loc["W1", "pop_share_most_deprived"] == pytest.approx(1.0)


def test_by_anchor_and_by_year(ds):
    s = m.summarise(ds)
    a = s.by_anchor.set_index("anchor")
    assert a.loc["Council", "total_spend"] == 345050
    assert a.loc["Council", "share_most_deprived"] == pytest.approx(1400 / 3150.50)
    assert a.loc["Trust", "share_most_deprived"] == 0.0
    y = s.by_year.set_index("year")
    assert y.loc["2022/23", "total_spend"] == 1600 * P
    assert y.loc["2023/24", "deprived_spend"] == 800 * P


def test_top_suppliers_never_name_individuals(ds):
    t = m.supplier_table(m.summarise(ds))
    assert t["supplier"].iloc[0] == "Rich plc"  # 1500, then Dep One 1400
    assert "Jane Doe" not in set(t["supplier"])
    withheld = t[t["supplier"] == m.WITHHELD]
    assert len(withheld) == 1 and withheld["postcode"].isna().all()
    assert withheld["ward"].isna().all()  # not located for the reader, not even by ward
    assert withheld["spend"].iloc[0] == 100 * P


def test_category_table_by_ward(ds):
    t = m.category_table(ds, m.Filters(), ward="W2").set_index("category")
    assert t.loc["Works", "spend"] == 1500 * P and t.loc["Care", "spend"] == 100 * P


def test_previous_period_shifts_one_financial_year(ds):
    assert m.previous_period(m.Filters(years=(2023,)), ds).years == (2022,)
    assert m.previous_period(m.Filters(years=(2022,)), ds) is None
    prev = m.previous_period(m.Filters(date_from=date(2023, 4, 1)), ds)
    assert prev.date_from == date(2022, 4, 1)


def test_exact_pence_for_many_small_amounts():
    """A million 0.01 payments and one credit sum exactly (no float drift)."""
    n = 1_000_000
    tx = pd.DataFrame({"anchor": ["Council"] * n, "supplier_idx": np.zeros(n, int),
                       "amount_pence": np.ones(n, np.int64),
                       "date": pd.Timestamp("2023-05-01")})
    tx.loc[0, "amount_pence"] = -333_333
    ds = build_dataset(tx, tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS)
    assert m.summarise(ds).headline["total_spend"] == n - 1 - 333_333


def test_options_reject_unknown_x_and_reference():
    with pytest.raises(ValueError):
        m.Options(most_deprived=15)
    with pytest.raises(ValueError):
        m.Options(reference="regional")


def test_dataset_arrays_are_read_only(ds):
    with pytest.raises(ValueError):
        ds.tx.amount[0] = 1
