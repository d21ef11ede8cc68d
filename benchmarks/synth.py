"""Synthetic networks at any scale, shaped like real ones, for benchmarks.

Suppliers sit at given points (real postcode points where the caller has them); spend is skewed: a
Pareto weight per supplier means a few suppliers take most of it, as in real ledgers.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.model import Dataset, build_dataset

CATEGORIES = ["Construction", "Care", "Catering", "Cleaning", "Energy", "IT", "Professional",
              "Transport", "Waste", "Agency", "Medical", "Training"]


def synthetic_dataset(n_tx: int, *, n_suppliers: int = 20_000, n_anchors: int = 8,
                      n_wards: int = 400, n_lsoas: int = 2_000, years: int = 3,
                      seed: int = 1) -> Dataset:
    """A Dataset of `n_tx` transactions over `years` financial years from 2022/23."""
    rng = np.random.default_rng(seed)
    lsoas = pd.DataFrame({
        "lsoa": [f"E0{i:07d}" for i in range(n_lsoas)],
        "lad": [f"E08{i % 20:06d}" for i in range(n_lsoas)],
        "imd_rank": rng.permutation(np.arange(1, n_lsoas + 1)) * (32844 // n_lsoas),
        "population": rng.integers(1000, 3000, n_lsoas),
    })
    lsoas["imd_decile"] = np.ceil(10 * lsoas["imd_rank"] / lsoas["imd_rank"].max()).astype(int)
    wards = pd.DataFrame({"code": [f"E05{i:06d}" for i in range(n_wards)],
                          "name": [f"Ward {i}" for i in range(n_wards)]})
    lsoas["ward"] = wards["code"].to_numpy()[np.arange(n_lsoas) % n_wards]
    sup_lsoa = rng.integers(0, n_lsoas, n_suppliers)
    located = rng.random(n_suppliers) < 0.93
    suppliers = pd.DataFrame({
        "key": [f"S{i}|" for i in range(n_suppliers)],
        "name": [f"Supplier {i} Ltd" for i in range(n_suppliers)],
        "display_name": [f"Supplier {i} Ltd" for i in range(n_suppliers)],
        "postcode": None, "lat": np.where(located, 54.9, np.nan),
        "lon": np.where(located, -1.4, np.nan),
        "lsoa": np.where(located, lsoas["lsoa"].to_numpy()[sup_lsoa], None),
        "lad": np.where(located, lsoas["lad"].to_numpy()[sup_lsoa], None),
        "ward": np.where(located, lsoas["ward"].to_numpy()[sup_lsoa], None),
        "sme": rng.choice([-1, 0, 1], n_suppliers).astype(np.int8),
        "vcse": rng.choice([-1, 0, 1], n_suppliers, p=[0.2, 0.7, 0.1]).astype(np.int8),
        "individual": np.zeros(n_suppliers, np.int8),
        "located": located,
    })
    anchors = pd.DataFrame({"name": [f"Anchor {i}" for i in range(n_anchors)],
                            "type": "council", "home_area": [("E08000000",)] * n_anchors})
    weight = rng.pareto(1.2, n_suppliers) + 0.01
    start = np.datetime64("2022-04-01")
    tx = pd.DataFrame({
        "anchor": anchors["name"].to_numpy()[rng.integers(0, n_anchors, n_tx)],
        "supplier_idx": rng.choice(n_suppliers, n_tx, p=weight / weight.sum()),
        "amount_pence": np.round(rng.lognormal(11, 1.2, n_tx)).astype(np.int64)
        * np.where(rng.random(n_tx) < 0.02, -1, 1),
        "date": start + rng.integers(0, 365 * years, n_tx).astype("timedelta64[D]"),
        "category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), n_tx)],
        "capital_revenue": np.where(rng.random(n_tx) < 0.1, "Capital", "Revenue"),
        "influenceable": rng.random(n_tx) < 0.9,
    })
    return build_dataset(tx, suppliers, anchors, lsoas, wards, name=f"synthetic {n_tx}")
