"""Finding a ward or postcode (issue 16): options for what is typed, what a choice selects,
the zoom, and that no individual's postcode is ever offered."""
from __future__ import annotations

import numpy as np
from dash import no_update

from dashboard.engine.model import YES
from dashboard.view.search import LIMIT, chosen_ward, search_options, ward_bounds
from dashboard.web.callbacks.search import options_for
from dashboard.web.callbacks.state import zoom_to
from dashboard.web.ids import Id
from tests.synthetic import synthetic_dataset

DS = synthetic_dataset()


def test_wards_by_name_starting_first_and_nothing_under_two_characters():
    name = str(DS.wards["name"].iloc[0])
    found = search_options(DS, name[:3].lower())
    assert found[0] == {"label": f"Ward: {name}", "value": f"ward:{DS.wards['code'].iloc[0]}"}
    assert search_options(DS, "h") == [] and search_options(DS, "  ") == []
    assert search_options(DS, "zzzz-no-such") == []
    assert chosen_ward(DS, found[0]["value"]) == DS.wards["code"].iloc[0]


def test_postcodes_ignore_spaces_and_select_their_ward():
    sup = DS.suppliers
    row = sup[sup["individual"] != YES].dropna(subset=["postcode", "ward"]).iloc[0]
    typed = row["postcode"].replace(" ", "").lower()
    hits = [o for o in search_options(DS, typed) if o["label"].startswith("Postcode")]
    assert hits and row["postcode"] in hits[0]["label"]
    assert chosen_ward(DS, hits[0]["value"]) == row["ward"]
    assert len(search_options(DS, "SR")) <= LIMIT


def test_no_individuals_postcode_is_offered():
    sup = DS.suppliers
    individuals = sup[(sup["individual"] == YES) & sup["postcode"].notna()]
    others = set(sup.loc[sup["individual"] != YES, "postcode"].dropna())
    for pc in set(individuals["postcode"]) - others:
        found = search_options(DS, pc, limit=1000)
        assert not any(pc in o["label"] for o in found), pc


def test_unknown_choices_select_nothing():
    for value in (None, 3, "ward:NOPE", "postcode:ZZ99ZZ", "E05000001", "ward:"):
        assert chosen_ward(DS, value) is None


def test_ward_bounds_contain_the_ward():
    code = str(DS.wards["code"].iloc[0])
    w, s, e, n = ward_bounds(DS, code)
    assert w < e and s < n and np.isfinite([w, s, e, n]).all()
    assert ward_bounds(DS, None) is None and ward_bounds(DS, "nope") is None


def test_the_chosen_option_stays_listed():
    class Ctx:
        ds = DS
    kept = {"label": "Ward: X", "value": "ward:E05000001"}
    out = options_for(Ctx(), "zzzz", "ward:E05000001", [kept, {"label": "y", "value": "y"}])
    assert out == [kept]


def test_zoom_only_when_a_ward_is_chosen_from_the_list():
    from dashboard.settings import load_settings
    from dashboard.view.context import build_context

    ctx = build_context(DS, load_settings(env={}), {"wards": "w", "lsoas": "l"})
    code = str(DS.wards["code"].iloc[0])
    none, chosen = ctx.state(""), ctx.state(f"?ward={code}")
    assert zoom_to(ctx, Id.WARD, none, chosen) == ward_bounds(DS, code)
    assert zoom_to(ctx, Id.MAP, none, chosen) is no_update   # a click
    assert zoom_to(ctx, Id.WARD, chosen, chosen) is no_update
    assert zoom_to(ctx, Id.WARD, chosen, none) is no_update  # cleared
