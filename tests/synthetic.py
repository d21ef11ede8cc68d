"""A synthetic network big enough to look like a real map, generated in code (fixed seed).

A 5 x 4 grid of square wards, four LSOAs per ward, a few hundred suppliers (some individuals, some
unlocated, some outside every ward, two with hostile names), four anchors with sites and three
financial years. Used by the browser tests and for screenshots; every figure the page shows is
checked against `metrics.summarise` on this same data set, never hard-coded.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.engine.model import Dataset, build_dataset
from tests.tiny import _square

WARD_NAMES = ["Northgate", "Riverside", "Hillview", "Eastmoor", "Harbour", "Millfield",
              "Castleton", "Westbank", "Greenhill", "Southwick", "Fulwell", "Oakwood",
              "Barnside", "Redhouse", "Seaview", "Elmstead", "Thornley", "Ashburn",
              "Kingsmere", "Lowfield"]
CATEGORIES = ["Adult care", "Construction", "Consultancy", "Facilities", "IT", "Transport"]
ANCHORS = pd.DataFrame({
    "name": ["City Council", "Hospitals Trust", "University", "College"],
    "type": ["council", "nhs", "university", "college"],
    "home_area": [("E08000024",), ("E08000024",), ("E08000024",), ("E08000024",)],
    "sites": [(), (), (), ()],
    "site_lat": [54.905, 54.862, 54.899, np.nan],
    "site_lon": [-1.383, -1.415, -1.392, np.nan],
})
HOSTILE = ["<img src=x onerror=alert(1)>Acme", "=HYPERLINK(\"http://x\",\"click\")"]
WEST, NORTH, STEP_LON, STEP_LAT, COLS, ROWS = -1.55, 54.96, 0.07, 0.04, 5, 4


def _grid() -> tuple[list[dict], list[dict], pd.DataFrame, pd.DataFrame]:
    wards, lsoas, ward_rows, lsoa_rows = [], [], [], []
    rng = np.random.default_rng(7)
    for r in range(ROWS):
        for c in range(COLS):
            i = r * COLS + c
            code, name = f"E0500{i:04d}", WARD_NAMES[i]
            w, n = WEST + c * STEP_LON, NORTH - r * STEP_LAT
            wards.append(_square(code, name, w, n - STEP_LAT, w + STEP_LON, n))
            ward_rows.append((code, name))
            for q in range(4):
                qx, qy = q % 2, q // 2
                lcode = f"E0100{i * 4 + q:04d}"
                lw, ln = w + qx * STEP_LON / 2, n - qy * STEP_LAT / 2
                lsoas.append(_square(lcode, f"Synthetic {i + 1:03d}{'ABCD'[q]}", lw,
                                     ln - STEP_LAT / 2, lw + STEP_LON / 2, ln))
                # deprivation falls from the south-east corner (river mouth) outwards
                base = 300 + 2600 * (c + (ROWS - 1 - r)) + rng.integers(0, 5000)
                lsoa_rows.append((lcode, "E08000024", int(base), code,
                                  int(rng.integers(1200, 2200))))
    lsoa_rows.append(("E01999999", "E06000047", 9000, None, 1500))  # elsewhere (County Durham)
    lsoa_df = pd.DataFrame(lsoa_rows, columns=["lsoa", "lad", "imd_rank", "ward", "population"])
    lsoa_df["imd_decile"] = np.minimum(10, lsoa_df["imd_rank"] * 10 // 32844 + 1).astype(int)
    return wards, lsoas, pd.DataFrame(ward_rows, columns=["code", "name"]), lsoa_df


def _suppliers(lsoa_df: pd.DataFrame, n: int, rng) -> pd.DataFrame:
    inside = lsoa_df[lsoa_df["ward"].notna()].reset_index(drop=True)
    pick = rng.integers(0, len(inside), n)
    rows = inside.iloc[pick].reset_index(drop=True)
    i = np.arange(n)
    col = rows["ward"].str[-4:].astype(int) % COLS
    row = rows["ward"].str[-4:].astype(int) // COLS
    q = rows["lsoa"].str[-4:].astype(int) % 4
    lat = NORTH - row * STEP_LAT - (q // 2) * STEP_LAT / 2 - rng.uniform(0.003, STEP_LAT / 2 - 0.003, n)
    lon = WEST + col * STEP_LON + (q % 2) * STEP_LON / 2 + rng.uniform(0.003, STEP_LON / 2 - 0.003, n)
    names = [f"Supplier {k:03d} Ltd" for k in i]
    names[3], names[5] = HOSTILE
    individual = (i % 23 == 7).astype(int)
    located = i % 17 != 4
    far = i % 29 == 11  # located outside every ward (district elsewhere)
    sup = pd.DataFrame({
        "key": [f"SUP{k}|" for k in i], "name": names,
        "display_name": [None if ind else nm for nm, ind in zip(names, individual)],
        "postcode": [f"SR{k % 9 + 1} {k % 10}AA" for k in i],
        "lat": np.where(located, np.where(far, 54.70, lat), np.nan),
        "lon": np.where(located, np.where(far, -1.60, lon), np.nan),
        "lsoa": np.where(located, np.where(far, "E01999999", rows["lsoa"]), None),
        "lad": np.where(located, np.where(far, "E06000047", "E08000024"), None),
        "ward": np.where(located & ~far, rows["ward"], None),
        "sme": rng.choice([1, 0, -1], n, p=[0.5, 0.3, 0.2]),
        "vcse": rng.choice([1, 0, -1], n, p=[0.15, 0.65, 0.2]),
        "individual": individual,
        "located": located,
    })
    for col_name in ("key", "name", "postcode", "lsoa", "lad", "ward", "display_name"):
        sup[col_name] = pd.Series([None if v is None or v != v else str(v) for v in sup[col_name]],
                                  dtype=object)
    return sup


def synthetic_dataset(n_suppliers: int = 240, n_tx: int = 4000, seed: int = 11) -> Dataset:
    """The synthetic network with drawing geometry, fictional flag and attribution in `meta`."""
    rng = np.random.default_rng(seed)
    wards, lsoas, ward_df, lsoa_df = _grid()
    sup = _suppliers(lsoa_df, n_suppliers, rng)
    weight = rng.pareto(1.2, n_suppliers) + 0.2
    weight[[3, 5]] = np.sort(weight)[-3]  # the hostile names are big suppliers: always on show
    s_idx = rng.choice(n_suppliers, n_tx, p=weight / weight.sum())
    day0 = np.datetime64("2021-04-01")
    tx = pd.DataFrame({
        "anchor": rng.choice(ANCHORS["name"].to_numpy(), n_tx, p=[0.45, 0.3, 0.15, 0.1]),
        "supplier_idx": s_idx,
        "amount_pence": np.round(rng.lognormal(8.5, 1.3, n_tx)).astype(np.int64) * 100,
        "date": pd.to_datetime(day0 + rng.integers(0, 3 * 365, n_tx).astype("timedelta64[D]")),
        "category": rng.choice(CATEGORIES, n_tx),
        "capital_revenue": rng.choice(["Revenue", "Capital", ""], n_tx, p=[0.75, 0.2, 0.05]),
        "influenceable": rng.random(n_tx) > 0.1,
    })
    tx.loc[tx.index[::50], "amount_pence"] *= -1  # some credit notes
    meta = {
        "title": "Synthetic Anchor Network",
        "fictional": True,
        "attribution": "Synthetic boundaries and deprivation for tests; no real data.",
        "geometry": {"wards": {"type": "FeatureCollection", "features": wards},
                     "lsoas": {"type": "FeatureCollection", "features": lsoas}},
    }
    return build_dataset(tx, sup, ANCHORS, lsoa_df.drop(columns=[]), ward_df,
                         name="synthetic", meta=meta)
