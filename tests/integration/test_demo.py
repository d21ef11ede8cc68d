"""The embedded demo: shaped as the issue asks, and the committed copy is what the generator makes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.engine import metrics as m
from dashboard.engine.model import YES
from dashboard.ingest import store
from dashboard.ingest.demo import DEFAULT_OUT, build_demo


@pytest.fixture(scope="module")
def committed():
    return store.load_dataset(DEFAULT_OUT)


def test_committed_demo_has_the_shape_of_a_real_network(committed):
    ds = committed
    assert 5 <= ds.n_anchors <= 6 and ds.anchors["type"].nunique() == ds.n_anchors
    assert 300 <= ds.n_suppliers <= 1000
    assert len(ds.years) == 3 and len(ds.tx) >= 20_000
    assert (ds.tx.amount < 0).sum() > 100                      # credit notes
    assert (~ds.sup_located).sum() > 10                          # unlocated suppliers
    assert (ds.suppliers["individual"] == YES).sum() > 5         # individuals
    assert len(ds.wards) == 25 and ds.meta["fictional"] is True
    assert "Crown copyright" in ds.meta["attribution"]
    h = m.summarise(ds).headline
    assert 0.85 < h["coverage"] < 1 and 0 < h["share_most_deprived"] < 0.5


def test_committed_demo_geometry_is_small_and_keyed_by_code(committed):
    wards = committed.meta["geometry"]["wards"]
    assert {f["id"] for f in wards["features"]} == set(committed.wards["code"])
    assert all(set(f["properties"]) == {"code", "name"} for f in wards["features"])


def test_demo_names_no_individual(committed):
    ind = committed.suppliers["individual"].to_numpy() == YES
    assert committed.suppliers["display_name"][ind].isna().all()


def test_regenerating_gives_the_committed_figures(shared_data, tmp_path):
    fresh = store.load_dataset(build_demo(shared=shared_data, out=tmp_path / "demo"))
    old = store.load_dataset(DEFAULT_OUT)
    assert m.summarise(fresh).headline == m.summarise(old).headline, (
        "data/demo is stale: run `python -m dashboard demo` and commit data/demo")
    np.testing.assert_array_equal(fresh.tx.amount, old.tx.amount)
    # the workforce and estate (issue 18) come from the same seed through the same importers
    pd.testing.assert_frame_equal(fresh.workforce, old.workforce)
    pd.testing.assert_frame_equal(fresh.assets, old.assets)
