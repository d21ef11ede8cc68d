"""Derived data belongs to the data set's `derived` object: `meta` stays provenance only, the
option-keyed cache stays bounded, and nothing derived is saved with a data set."""
from __future__ import annotations

import copy
import gc
import json
import threading
import weakref
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from dashboard.engine import metrics as m
from dashboard.engine.derived import OPTIONS_CACHE_SIZE, BoundedCache
from dashboard.ingest import store
from tests import tiny


def _every_figure(ds) -> None:
    """Read every figure the page, exports and command line read, under several filters and
    option sets."""
    filters = [m.Filters(), m.Filters(anchors=("Council",)), m.Filters(years=ds.years[-1:]),
               m.Filters(date_from=date(2023, 4, 1), supplier_flags=("sme",)),
               m.Filters(categories=ds.categories[:1], influenceable_only=True)]
    options = [m.Options(), m.Options(most_deprived=30, reference="local"),
               m.Options(local_area=("B",))]
    for f in filters:
        for o in options:
            s = m.summarise(ds, f, o)
            s.headline, s.by_ward, s.by_anchor, s.by_year  # noqa: B018
            m.trend_table(s)
            m.supplier_table(s, n=5)
            m.supplier_table(s, ward="W1", anchor="Council")
            m.year_table(s, ward="W2", anchor="Council")
            m.category_table(ds, f, ward="W1")
            m.ward_deprivation_table(ds, o)


def test_summarising_leaves_meta_unchanged():
    ds = tiny.tiny_dataset()
    ds.meta.update({"title": "Tiny", "sources": {"spend": [{"name": "a.csv"}]}})
    before = copy.deepcopy(ds.meta)
    _every_figure(ds)
    assert ds.meta == before
    assert not [k for k in ds.meta if k.startswith("_")]


def test_options_cache_is_bounded():
    ds = tiny.tiny_dataset()
    many = [m.Options(most_deprived=x, reference=r, local_area=area)
            for x in m.MOST_DEPRIVED_CHOICES for r in m.REFERENCES
            for area in [(), ("A",), ("B",), ("A", "B"), ("C",), ("A", "C")]]
    assert 2 * len(many) > OPTIONS_CACHE_SIZE
    for o in many:
        s = m.summarise(ds, options=o)
        s.headline, s.by_anchor  # noqa: B018  (both option-keyed caches are filled)
        assert len(ds.derived.options) <= OPTIONS_CACHE_SIZE
    assert len(ds.derived.options) == OPTIONS_CACHE_SIZE
    # the latest option set is still cached, and a cached one gives the same figures
    assert m.summarise(ds, options=many[-1]).headline == s.headline


def test_bounded_cache_drops_the_least_recently_used():
    c = BoundedCache(3)
    for k in "abc":
        c.get(k, lambda k=k: k.upper())
    c.get("a", lambda: pytest.fail("a is cached"))
    c.get("d", lambda: "D")
    assert len(c) == 3 and "b" not in c and "a" in c and "d" in c


def test_bounded_cache_under_threads_stays_bounded_and_consistent():
    c = BoundedCache(8)
    errors = []

    def work(offset: int) -> None:
        for i in range(2000):
            key = (i + offset) % 20
            if c.get(key, lambda key=key: key * 10) != key * 10:
                errors.append(key)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(c) <= 8


def test_derived_data_is_read_only_and_made_once():
    ds = tiny.tiny_dataset()
    d = ds.derived
    assert ds.derived is d
    spend, count = d.by_supplier_all
    for a in (d.weights, spend, count, *d.ward_parts[:2]):
        assert not a.flags.writeable
    assert m.summarise(ds).sup_spend is spend
    np.testing.assert_array_equal(d.weights, ds.tx.amount.astype(np.float64))


def test_a_changed_copy_gets_its_own_derived_data():
    ds = tiny.tiny_dataset()
    m.summarise(ds, options=m.Options(reference="local")).headline  # noqa: B018
    other = replace(ds, lsoas=ds.lsoas.assign(imd_decile=10))
    assert other.derived is not ds.derived and len(other.derived.options) == 0
    assert m.summarise(other, options=m.Options()).headline["deprived_spend"] == 0


def test_derived_data_does_not_keep_its_data_set_alive():
    ds = tiny.tiny_dataset()
    m.summarise(ds, m.Filters(anchors=("Council",))).by_anchor  # noqa: B018
    ref = weakref.ref(ds)
    gc.disable()
    try:
        del ds
        assert ref() is None   # freed by reference counting, no cycle through `derived`
    finally:
        gc.enable()


def test_nothing_derived_is_saved_and_stored_weights_are_used(tmp_path):
    ds = tiny.tiny_dataset()
    _every_figure(ds)
    store.save_dataset(ds, tmp_path / "net")
    manifest = json.loads((tmp_path / "net" / "manifest.json").read_text())
    assert not [k for k in manifest["meta"] if k.startswith("_")]
    back = store.load_dataset(tmp_path / "net")
    assert set(back.meta) == {"folder", "saved", "geometry"}
    assert "weights" in back.derived.__dict__          # adopted from the file, not converted
    np.testing.assert_array_equal(back.derived.weights, ds.derived.weights)
    assert m.summarise(back).headline == m.summarise(ds).headline
