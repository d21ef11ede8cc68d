"""Details of a ward or an anchor (issue 16): a ward's spend by anchor, its deprivation beside
its local area's and England's, its LSOAs by decile; an anchor's wards. Checked against plain
pandas sums over the same transactions."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dashboard.engine import details
from dashboard.engine import metrics as m
from dashboard.engine.details import anchor_by_ward, ward_by_anchor, ward_profile
from dashboard.engine.metrics import Filters, Options
from dashboard.settings import load_settings
from dashboard.view.context import build_context
from dashboard.view.drill import drill
from dashboard.view.panels import details_panel
from tests.synthetic import synthetic_dataset

DS = synthetic_dataset()


def _frame(filters: Filters) -> pd.DataFrame:
    ds = DS
    mask = m.summarise(ds, filters).mask
    tx = pd.DataFrame({"anchor": ds.anchors["name"].to_numpy(object)[ds.tx.anchor],
                       "ward": np.asarray(ds.sup_ward)[ds.tx.supplier],
                       "amount": ds.tx.amount})
    return tx if mask is None else tx[mask]


@pytest.mark.parametrize("filters", [Filters(), Filters(years=(2023,)),
                                     Filters(anchors=("University", "College"))])
def test_ward_by_anchor_matches_plain_sums(filters):
    code = str(DS.wards["code"].iloc[4])
    got = ward_by_anchor(m.summarise(DS, filters), code)
    tx = _frame(filters)
    want = tx[tx["ward"] == 4].groupby("anchor")["amount"].agg(["sum", "count"])
    assert dict(zip(got["anchor"], got["spend"])) == want["sum"].to_dict()
    assert dict(zip(got["anchor"], got["transactions"])) == want["count"].to_dict()
    assert list(got["spend"]) == sorted(got["spend"], reverse=True)


def test_anchor_by_ward_matches_plain_sums_and_shares_add_up():
    s = m.summarise(DS)
    got = anchor_by_ward(s, "University", n=None)
    tx = _frame(Filters())
    mine = tx[(tx["anchor"] == "University") & (tx["ward"] >= 0)].groupby("ward")["amount"].sum()
    codes = DS.wards["code"].to_numpy(object)
    want = {codes[w]: v for w, v in mine.items() if v > 0}
    assert dict(zip(got["ward_code"], got["spend"])) == want
    assert sum(got["share"]) == pytest.approx(1.0)
    assert len(anchor_by_ward(s, "University")) <= 10
    assert anchor_by_ward(s, "No such anchor").empty


SELECTIONS = [(4, None), (4, "University"), (None, "University"), (None, "College"),
              (0, "No such anchor")]
FILTER_STATES = [Filters(), Filters(years=(2023,)), Filters(anchors=("University", "College")),
                 Filters(categories=(DS.categories[0],), supplier_flags=("sme",))]


@pytest.mark.parametrize("filters", FILTER_STATES)
@pytest.mark.parametrize("ward_row, anchor", SELECTIONS)
def test_the_drill_down_read_from_the_selection_equals_full_passes(filters, ward_row, anchor):
    """The details read only the selection's rows (issue 16: no full pass per click): every table
    equals the engine's full-pass tables over the same filters."""
    s = m.summarise(DS, filters)
    every = m.summarise(DS, replace(filters, years=()))
    ward = None if ward_row is None else str(DS.wards["code"].iloc[ward_row])
    d = drill(s, ward, anchor, every)
    f = filters if not anchor else replace(filters, anchors=(anchor,) if (
        not filters.anchors or anchor in filters.anchors) else ("\0",))
    cats = m.category_table(DS, f, ward=ward) if anchor in (None, *DS.anchors["name"]) else None
    if cats is not None:
        assert d.categories.reset_index(drop=True).equals(cats.reset_index(drop=True))
    years = m.year_table(every, ward=ward, anchor=anchor)
    assert d.years["spend"].tolist() == years["total_spend"].tolist()
    assert d.years["deprived"].tolist() == years["deprived_spend"].tolist()
    assert d.total == int(m.year_table(s, ward=ward, anchor=anchor)["total_spend"].sum())
    if anchor in DS.anchors["name"].tolist():
        want = m.supplier_table(s, n=10, ward=ward, anchor=anchor)   # its own full pass
        assert d.suppliers["Spend (£)"].tolist() == (want["spend"] / 100).tolist()
        assert d.suppliers["Supplier"].tolist() == want["supplier"].tolist()


def test_a_selection_reads_the_filters_from_the_packed_mask():
    s = m.summarise(DS, Filters(years=(2023,), supplier_flags=("sme",)))
    rows = np.arange(len(DS.tx))
    assert np.array_equal(details.passing(s, rows), np.flatnonzero(s.mask))
    assert np.array_equal(details.passing(m.summarise(DS), rows), rows)   # no filter: every row


def test_ward_profile_counts_its_lsoas_and_compares_with_the_local_area_and_england():
    code = str(DS.wards["code"].iloc[4])
    p = ward_profile(DS, code, Options())
    lsoas = DS.lsoas[DS.lsoas["ward"] == code]
    assert p["deciles"] == [int((lsoas["imd_decile"] == d).sum()) for d in range(1, 11)]
    rank, _share, n = p["ward"]
    pop = lsoas["population"].astype(float)
    assert rank == pytest.approx(float((pop * lsoas["imd_rank"]).sum() / pop.sum()))
    assert n == len(lsoas) and p["england"][2] == len(DS.lsoas)
    assert p["local_area"][2] <= p["england"][2]


def test_the_panel_shows_the_details_of_a_ward_and_of_an_anchor():
    ctx = build_context(DS, load_settings(env={}), {"wards": "w", "lsoas": "l"})
    code = str(DS.wards["code"].iloc[4])
    d = details_panel(ctx, ctx.state(f"?ward={code}"))
    assert d.anchors.caption == "Spend by anchor" and d.anchors.rows
    assert [r[0] for r in d.compare.rows][0] == "This ward"
    assert d.compare.rows[1][0].startswith("Local area (")
    assert d.wards is None
    a = details_panel(ctx, ctx.state("?detail=University"))
    assert a.wards.caption == "Wards receiving most of its spend" and a.anchors is None


def test_two_wards_compared_under_the_filters():
    from dashboard.view.compare import compare_wards
    from dashboard.web.callbacks.compare import compare_children

    ctx = build_context(DS, load_settings(env={}), {"wards": "w", "lsoas": "l"})
    a, b = (str(DS.wards["code"].iloc[i]) for i in (4, 6))
    state = ctx.state(f"?ward={a}&fy=2023")
    view = compare_wards(ctx, state, b)
    names = dict(zip(DS.wards["code"], DS.wards["name"]))
    assert view.columns == ("Measure", names[a], names[b])
    spend = m.summarise(DS, Filters(years=(2023,))).by_ward.set_index("ward_code")["spend"]
    from dashboard import fmt
    assert view.rows[0] == ("Spend with suppliers here", fmt.money(int(spend[a]), compact=True),
                            fmt.money(int(spend[b]), compact=True))
    assert compare_wards(ctx, state, a) is None and compare_wards(ctx, state, "nope") is None
    assert compare_wards(ctx, ctx.state(""), b) is None
    assert compare_children(ctx, "", None) == []
    assert "Choose a ward" in str(compare_children(ctx, "", b))
    assert names[b] in str(compare_children(ctx, f"?ward={a}", b))
