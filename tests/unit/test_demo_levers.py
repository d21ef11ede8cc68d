"""The committed demo carries a fictional workforce and estate (issue 18), imported through the real
importers: the levers are visible on first run, and what is saved is counts and sites only."""
from __future__ import annotations

import pytest

from dashboard.engine import assets as a
from dashboard.engine.disclosure import exposed, workforce_protection
from dashboard.engine.filters import Options
from dashboard.engine.workforce import workforce_figures
from dashboard.ingest.demo import DEFAULT_OUT
from dashboard.ingest.levers import SITE_COLUMNS, WORKFORCE_COLUMNS
from dashboard.ingest.store import load_dataset
from dashboard.view.levers import workforce_json


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEFAULT_OUT)


def test_demo_has_a_workforce_of_counts_only(demo):
    assert tuple(demo.workforce.columns) == WORKFORCE_COLUMNS
    assert set(demo.workforce["anchor"]) == set(demo.anchors["name"])
    f = workforce_figures(demo)
    assert f.workforce > 10_000 and 0.5 < f.workforce_located / f.workforce < 1
    assert 0 < f.living_wage_share < 1 and 0 < f.workforce_share_most_deprived < 1
    report = demo.meta["import"]["workforce"]
    assert report["postcode_not_found"] > 0 and report["flagged_reasons"]


def test_demo_ward_counts_are_protected(demo):
    j = workforce_json(demo)
    assert len(j["by_ward"]) > 10
    assert all(r["headcount"] is None or r["headcount"] == "<5" or r["headcount"] >= 5
               for r in j["by_ward"])
    names, full, code = workforce_protection(demo)
    assert (code > 0).sum() <= 400        # small enough for the exact audit: it ran
    assert exposed(full, code) == []


def test_demo_estate_has_candidates_in_the_most_deprived_areas(demo):
    assert tuple(demo.assets.columns) == SITE_COLUMNS
    assert set(demo.assets["shape"]) == {"point", "polygon"}
    assert len(a.candidates(demo, Options(most_deprived=10))) > 0
    assert demo.assets["ward"].notna().all()
