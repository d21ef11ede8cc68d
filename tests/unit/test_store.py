"""Saved data sets round-trip exactly, and a failed save leaves the previous one as it was."""
from __future__ import annotations

import numpy as np
import pytest

from dashboard.engine import metrics as m
from dashboard.errors import InputError
from dashboard.ingest import store
from tests import tiny


def test_saved_dataset_gives_the_same_figures(tmp_path):
    ds = tiny.tiny_dataset()
    store.save_dataset(ds, tmp_path / "net")
    back = store.load_dataset(tmp_path / "net")
    assert m.summarise(back).headline == m.summarise(ds).headline
    assert back.years == ds.years and back.categories == ds.categories
    assert list(back.anchors["home_area"]) == [("A",), ("A",)]
    np.testing.assert_array_equal(back.tx.influenceable, ds.tx.influenceable)


def test_loaded_transactions_are_read_only(tmp_path):
    store.save_dataset(tiny.tiny_dataset(), tmp_path / "net")
    back = store.load_dataset(tmp_path / "net")
    with pytest.raises(ValueError):
        back.tx.amount[0] = 0


def test_failed_save_keeps_previous_dataset(tmp_path, monkeypatch):
    ds = tiny.tiny_dataset()
    store.save_dataset(ds, tmp_path / "net")
    before = m.summarise(store.load_dataset(tmp_path / "net")).headline

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store, "_fsync_tree", boom)
    with pytest.raises(OSError):
        store.save_dataset(ds, tmp_path / "net")
    assert m.summarise(store.load_dataset(tmp_path / "net")).headline == before
    assert [p.name for p in tmp_path.iterdir()] == ["net"]  # no temporary folder left behind


def test_loading_a_folder_that_is_not_a_dataset_says_what_to_do(tmp_path):
    with pytest.raises(InputError, match="python -m dashboard import"):
        store.load_dataset(tmp_path)
