"""Small data sets for the action plan's tests, built in code on the tiny network's geography.

`network(rows)` builds a data set whose transactions are `rows` of (anchor, supplier index of
tests/tiny.py, pence, ISO date, category); the suppliers, LSOAs and wards are the tiny network's:
0 Dep One (L1 decile 1, district A, SME), 1 Dep Two (L2 decile 2, A, VCSE), 2 Rich (L3 decile 7, A,
flags unknown), 3 Far (L4 decile 3, district B, SME), 4 Nowhere (unlocated), 5 an individual (L5,
decile 10, A). The local area is district A.
"""
from __future__ import annotations

import pandas as pd

from dashboard.engine.model import Dataset, build_dataset
from tests import tiny


def network(rows: list[tuple], suppliers: pd.DataFrame | None = None) -> Dataset:
    frame = pd.DataFrame({
        "anchor": [r[0] for r in rows],
        "supplier_idx": [r[1] for r in rows],
        "amount_pence": [int(r[2]) for r in rows],
        "date": pd.to_datetime([r[3] for r in rows]),
        "category": [r[4] for r in rows],
    })
    return build_dataset(frame, tiny.SUPPLIERS if suppliers is None else suppliers, tiny.ANCHORS,
                         tiny.LSOAS, tiny.WARDS, name="plan test")
