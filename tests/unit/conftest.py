"""Fixtures for the page's unit tests: the tiny network with drawing geometry and anchor sites."""
from __future__ import annotations

import pandas as pd
import pytest

from dashboard.engine.model import Dataset, build_dataset
from tests import tiny


def tiny_with_geometry(**meta) -> Dataset:
    """The hand-checked tiny network, plus geometry, anchor sites and the given meta."""
    anchors = tiny.ANCHORS.assign(site_lat=[54.9, None], site_lon=[-1.38, None])
    return build_dataset(tiny.transactions(), tiny.SUPPLIERS, anchors, tiny.LSOAS, tiny.WARDS,
                         name="tiny", meta={"geometry": tiny.tiny_geometry(), **meta})


@pytest.fixture()
def gds() -> Dataset:
    """A fresh tiny data set with geometry (fresh: layers cache drawn rows in `meta`)."""
    return tiny_with_geometry(fictional=True, attribution="Tiny test data", title="Tiny network")


@pytest.fixture()
def hostile_ds() -> Dataset:
    """The tiny network with HTML and spreadsheet-formula supplier and ward names."""
    sup = tiny.SUPPLIERS.copy()
    sup["name"] = sup["name"].astype(object)
    sup["display_name"] = sup["display_name"].astype(object)
    sup.loc[0, ["name", "display_name"]] = "<img src=x onerror=alert(1)>Dep One"
    sup.loc[2, ["name", "display_name"]] = "=HYPERLINK(\"http://evil\",\"x\")"
    wards = pd.DataFrame({"code": ["W1", "W2", "W3"], "name": ["<b>North</b>", "+South", "East"]})
    return build_dataset(tiny.transactions(), sup, tiny.ANCHORS, tiny.LSOAS, wards, name="hostile",
                         meta={"geometry": tiny.tiny_geometry()})
