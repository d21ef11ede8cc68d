"""Synthetic networks at any scale, shaped like real ones, for benchmarks.

`network(n_tx, geo)` is the suite's generator: anchors with home districts in the geography,
suppliers placed at real postcode points (the NSPL extracts, where they cover the area) or else at a
representative point of a real LSOA, with real IoD2019 deprivation; about 7% of suppliers unlocated
and, for a district or a region, a share of suppliers elsewhere in England (located, but in no
loaded ward), as real networks have. Spend is skewed: each supplier gets a Pareto weight, so a few
suppliers take most of it; half of each anchor's transactions go to suppliers in its home district.
Transactions are built directly as numpy arrays (no 10-million-row DataFrame); `dataset_frame`
turns the same arrays into the frame `dashboard.engine.model.build_dataset` takes, which a smoke test uses
to check that the fast path builds exactly the same Dataset.

`synthetic_dataset(n_tx)` is the older, geography-free generator (kept for quick experiments).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.engine.model import Dataset, Transactions, _frozen, _fy_of_days, build_dataset

CATEGORIES = ["Construction", "Care", "Catering", "Cleaning", "Energy", "IT", "Professional",
              "Transport", "Waste", "Agency", "Medical", "Training"]
SERVICES = ["Corporate", "Operations", "Estates", "Frontline", "Finance", "Children", "Adults"]
ANCHOR_TYPES = ["council", "nhs", "university", "college", "housing", "police"]
#: Anchors and a cap on suppliers per geography (suppliers = n_tx / 10 within [3,000, cap]).
SHAPE = {"district": (8, 15_000), "region": (30, 40_000), "england": (120, 200_000)}
START_FY = 2022
YEARS = 3


def n_suppliers_for(n_tx: int, geo_key: str) -> int:
    return int(np.clip(n_tx // 10, 3_000, SHAPE[geo_key][1]))


def network(n_tx: int, geo, *, seed: int = 1, n_suppliers: int | None = None,
            n_anchors: int | None = None) -> Dataset:
    """A Dataset of `n_tx` transactions over three financial years from 2022/23 in `geo`
    (a `benchmarks.geography.Geography`)."""
    parts = network_parts(n_tx, geo, seed=seed, n_suppliers=n_suppliers, n_anchors=n_anchors)
    return dataset_from_arrays(*parts, name=f"synthetic {geo.label} {n_tx:,}")


def network_parts(n_tx: int, geo, *, seed: int = 1, n_suppliers: int | None = None,
                  n_anchors: int | None = None) -> tuple:
    """(arrays, suppliers, anchors, lsoas, wards) of `network`."""
    rng = np.random.default_rng(seed)
    n_anchors = n_anchors or SHAPE[geo.key][0]
    n_sup = n_suppliers or n_suppliers_for(n_tx, geo.key)
    anchors = _anchors(rng, geo, n_anchors)
    suppliers, weight = _suppliers(rng, geo, n_sup)
    arrays = _transactions(rng, n_tx, anchors, suppliers, weight)
    lsoas = geo.lsoas[["lsoa", "lad", "imd_rank", "imd_decile", "population", "ward"]]
    return arrays, suppliers, anchors, lsoas, geo.wards[["code", "name"]]


def _anchors(rng, geo, n: int) -> pd.DataFrame:
    lads = np.array(sorted(set(geo.lsoas["lad"][geo.inside])))
    home = lads[np.arange(n) % len(lads)] if len(lads) <= n else np.sort(
        rng.choice(lads, n, replace=False))
    kinds = [ANCHOR_TYPES[i % len(ANCHOR_TYPES)] for i in range(n)]
    return pd.DataFrame({"name": [f"Anchor {i:03d} ({k})" for i, k in enumerate(kinds)],
                         "type": kinds, "home_area": [(str(h),) for h in home],
                         "sites": [()] * n})


def _suppliers(rng, geo, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Suppliers sorted by district (so each district's suppliers are one slice) + weights."""
    lsoas = geo.lsoas
    pop = lsoas["population"].to_numpy(np.float64) + 1
    located = rng.random(n) < 0.93
    away = rng.random(n) < (0.0 if geo.lads is None else 0.35)
    inside = geo.inside
    p_in = np.where(inside, pop, 0)
    p_all = pop
    pick = np.where(away, rng.choice(len(lsoas), n, p=p_all / p_all.sum()),
                    rng.choice(len(lsoas), n, p=p_in / p_in.sum()))
    lsoa_code = lsoas["lsoa"].to_numpy(object)[pick]
    lat = lsoas["lat"].to_numpy(np.float64)[pick].copy()
    lon = lsoas["lon"].to_numpy(np.float64)[pick].copy()
    postcode = np.full(n, None, dtype=object)
    pcs = geo.postcodes
    if len(pcs):  # a real postcode of that LSOA where the extracts have one
        by_lsoa = pcs.groupby("lsoa").indices
        u = rng.random(n)
        for i in np.flatnonzero(np.isin(lsoa_code, list(by_lsoa))):
            rows = by_lsoa[lsoa_code[i]]
            r = rows[int(u[i] * len(rows))]
            postcode[i], lat[i], lon[i] = pcs["postcode"].iat[r], pcs["lat"].iat[r], (
                pcs["lon"].iat[r])
    lad = lsoas["lad"].to_numpy(object)[pick]
    ward = lsoas["ward"].to_numpy(object)[pick]
    individual = rng.random(n) < 0.03
    names = np.array([f"Supplier {i:06d} Ltd" for i in range(n)], dtype=object)
    sup = pd.DataFrame({
        "key": [f"SUPPLIER {i:06d}|" for i in range(n)],
        "name": names,
        "display_name": np.where(individual, None, names),
        "postcode": np.where(located, postcode, None),
        "lat": np.where(located, lat, np.nan), "lon": np.where(located, lon, np.nan),
        "lsoa": np.where(located, lsoa_code, None), "lad": np.where(located, lad, None),
        "ward": np.where(located, ward, None),
        "sme": rng.choice(np.array([-1, 0, 1], np.int8), n, p=[0.15, 0.3, 0.55]),
        "vcse": rng.choice(np.array([-1, 0, 1], np.int8), n, p=[0.2, 0.72, 0.08]),
        "individual": individual.astype(np.int8),
        "located": located,
    })
    weight = rng.pareto(1.2, n) + 0.01
    order = np.argsort(sup["lad"].fillna("").to_numpy(str), kind="stable")
    sup = sup.iloc[order].reset_index(drop=True)
    sup["key"] = [f"SUPPLIER {i:06d}|" for i in range(n)]
    return sup, weight[order]


def _transactions(rng, n: int, anchors: pd.DataFrame, suppliers: pd.DataFrame,
                  weight: np.ndarray) -> dict[str, np.ndarray]:
    """Per-transaction arrays; half of each anchor's purchases from its home district."""
    n_anchors = len(anchors)
    anchor = rng.integers(0, n_anchors, n).astype(np.int16)
    cum = np.cumsum(weight)
    total = cum[-1]
    # global choice, weighted by supplier weight
    sup = np.searchsorted(cum, rng.random(n) * total, side="right").astype(np.int32)
    # local choice: the anchor's home-district slice of the (district-sorted) suppliers
    lad = suppliers["lad"].fillna("").to_numpy(str)
    home = np.array([a[0] for a in anchors["home_area"]])
    lo = np.searchsorted(lad, home, side="left")
    hi = np.searchsorted(lad, home, side="right")
    base = np.concatenate([[0.0], cum])
    a_lo, a_hi = base[lo], base[hi]
    local = (rng.random(n) < 0.5) & (hi > lo)[anchor]
    li = np.flatnonzero(local)
    target = a_lo[anchor[li]] + rng.random(len(li)) * (a_hi - a_lo)[anchor[li]]
    sup[li] = np.clip(np.searchsorted(cum, target, side="right"), lo[anchor[li]],
                      hi[anchor[li]] - 1)
    np.minimum(sup, len(weight) - 1, out=sup)
    scale = np.log(np.array([1800, 2500, 1500, 900, 2200, 1600])[
        np.arange(n_anchors) % 6] * 100)
    amount = np.rint(rng.lognormal(scale[anchor], 1.15)).astype(np.int64)
    credit = rng.random(n) < 0.02
    amount[credit] = -np.rint(amount[credit] * rng.uniform(0.05, 1, int(credit.sum())))
    start = np.datetime64(f"{START_FY}-04-01", "D").astype(np.int64)
    day = (start + rng.integers(0, 365 * YEARS + 1, n)).astype(np.int32)
    return {
        "anchor": anchor, "supplier": sup, "amount": amount, "day": day,
        "category": rng.integers(0, len(CATEGORIES), n).astype(np.int32),
        "service": rng.integers(0, len(SERVICES), n).astype(np.int32),
        "caprev": np.where(rng.random(n) < 0.1, 2, 1).astype(np.int8),
        "influenceable": rng.random(n) < 0.88,
    }


def dataset_from_arrays(arrays: dict[str, np.ndarray], suppliers: pd.DataFrame,
                        anchors: pd.DataFrame, lsoas: pd.DataFrame, wards: pd.DataFrame, *,
                        name: str) -> Dataset:
    """The Dataset `build_dataset` would make of `dataset_frame(arrays)`, without the frame.

    `category`/`service` are codes into CATEGORIES/SERVICES; labels are kept only where used and
    sorted, as `build_dataset` does."""
    day = arrays["day"]
    fy_years = _fy_of_days(day)
    years = tuple(int(y) for y in np.unique(fy_years)) if len(day) else ()
    fy = np.searchsorted(np.array(years, np.int64), fy_years).astype(np.int16)
    category, categories = _recode(arrays["category"], CATEGORIES)
    service, services = _recode(arrays["service"], SERVICES)
    n_anchors = max(len(anchors), 1)
    anchor = arrays["anchor"].astype(np.int16)
    tx = Transactions(
        anchor=_frozen(anchor), supplier=_frozen(arrays["supplier"].astype(np.int32)),
        amount=_frozen(arrays["amount"].astype(np.int64)), day=_frozen(day.astype(np.int32)),
        fy=_frozen(fy), category=_frozen(category), service=_frozen(service),
        caprev=_frozen(arrays["caprev"].astype(np.int8)),
        influenceable=_frozen(arrays["influenceable"].astype(bool)),
        group=_frozen(fy.astype(np.int32) * n_anchors + anchor),
    )
    return Dataset(anchors=anchors.reset_index(drop=True),
                   suppliers=suppliers.reset_index(drop=True),
                   lsoas=lsoas.reset_index(drop=True), wards=wards.reset_index(drop=True), tx=tx,
                   years=years, categories=categories, services=services, name=name, meta={})


def _recode(codes: np.ndarray, labels: list[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes into `labels` -> codes into the sorted labels actually used."""
    used = np.flatnonzero(np.bincount(codes, minlength=len(labels)))
    sorted_used = sorted(labels[i] for i in used)
    remap = np.zeros(len(labels), np.int32)
    for i in used:
        remap[i] = sorted_used.index(labels[i])
    return remap[codes].astype(np.int32), tuple(sorted_used)


def dataset_frame(arrays: dict[str, np.ndarray], anchors: pd.DataFrame) -> pd.DataFrame:
    """The transactions frame `build_dataset` takes, for the same arrays (small scales only)."""
    return pd.DataFrame({
        "anchor": anchors["name"].to_numpy(object)[arrays["anchor"]],
        "supplier_idx": arrays["supplier"],
        "amount_pence": arrays["amount"],
        "date": arrays["day"].astype("datetime64[D]"),
        "category": np.array(CATEGORIES, dtype=object)[arrays["category"]],
        "service": np.array(SERVICES, dtype=object)[arrays["service"]],
        "capital_revenue": np.array(["", "Revenue", "Capital"], dtype=object)[arrays["caprev"]],
        "influenceable": arrays["influenceable"],
    })


def synthetic_dataset(n_tx: int, *, n_suppliers: int = 20_000, n_anchors: int = 8,
                      n_wards: int = 400, n_lsoas: int = 2_000, years: int = 3,
                      seed: int = 1) -> Dataset:
    """A geography-free Dataset of `n_tx` transactions over `years` financial years from 2022/23."""
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
