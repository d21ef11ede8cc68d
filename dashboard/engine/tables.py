"""The figures as tables: per ward (the map), per anchor, per year, per supplier, per category.

Each table is read off what a `Summary` already summed (spend per supplier; spend per year, anchor
and supplier class) or, for a drill-down into one ward or anchor, off one more masked pass over the
transactions. `ward_deprivation_table` is the odd one out: it depends on the options, not on the
filters (the population-weighted deprivation of each ward). Money is integer pence; shares are
fractions or None.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dashboard.engine.deprivation import DEPRIVED, LOCAL, LOCATED, N_CLASSES, deprived_lsoas
from dashboard.engine.filters import Filters, Options, and_mask, filter_mask
from dashboard.engine.model import YES, Dataset
from dashboard.engine.money import per_group_of, per_supplier_of, ratios
from dashboard.engine.periods import fy_label

if TYPE_CHECKING:
    from dashboard.engine.summaries import Summary

#: How a supplier who is a private individual is shown: never by name.
WITHHELD = "Individual (name withheld)"


def ward_table(ds: Dataset, sup_spend: np.ndarray, sup_count: np.ndarray) -> pd.DataFrame:
    """Spend (pence) and distinct suppliers per ward of the loaded boundaries, in ward order."""
    n = len(ds.wards)
    pos, ward, base = ds.derived.ward_parts
    spend = np.bincount(ward, weights=sup_spend[pos].astype(np.float64), minlength=n)
    suppliers = np.bincount(ward[sup_count[pos] > 0], minlength=n)
    # .copy() of an Arrow-backed array is a new array object over the same immutable buffers:
    # cheap, and a caller editing its table cannot reach the cached one
    return pd.DataFrame({"ward_code": base[0].copy(), "ward_name": base[1].copy(),
                         "spend": np.rint(spend[:n]).astype(np.int64),
                         "suppliers": suppliers[:n].astype(np.int64)}, copy=False)


def anchor_table(s: Summary) -> pd.DataFrame:
    """Per anchor: total, located and deprived spend (pence), and the share to the most deprived."""
    spend, counts = s._by_group
    return _class_table(spend.sum(axis=0), s.ds.anchors["name"].to_numpy(object), "anchor",
                        counts.sum(axis=0))


def year_table(s: Summary, *, ward: str | None = None, anchor: str | None = None
               ) -> pd.DataFrame:
    """Per financial year: total, located, deprived and local spend (pence) and shares.

    With `ward` and/or `anchor`, only the spend of that anchor with suppliers in that ward (one
    masked pass: the drill-down's year panel)."""
    labels = np.array([fy_label(y) for y in s.ds.years] or ["—"], dtype=object)
    if ward is None and anchor is None:
        spend, counts = s._by_group
    else:
        ds, mask = s.ds, s.mask
        if anchor is not None:
            pos = np.flatnonzero(np.asarray(ds.derived.anchor_names, dtype=object) == anchor)
            mask = and_mask(mask, ds.tx.anchor == (int(pos[0]) if len(pos) else -1))
        if ward is not None:
            mask = and_mask(mask, (ds.sup_ward == _ward_pos(ds, ward))[ds.tx.supplier])
        spend, counts = per_group_of(ds, mask, s._classes[2])
    return _class_table(spend.sum(axis=1), labels, "year", counts.sum(axis=1))


def trend_table(s: Summary) -> pd.DataFrame:
    """Share to the most deprived by financial year and anchor (long format, for the trend chart)."""
    spend, counts = s._by_group
    rows = []
    for yi, year in enumerate(s.ds.years):
        t = _class_table(spend[yi], s.ds.anchors["name"].to_numpy(object), "anchor", counts[yi])
        t.insert(0, "year", fy_label(year))
        rows.append(t)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _with_bit(grid: np.ndarray, bit: int) -> np.ndarray:
    """Sum over the supplier classes (last axis) that have `bit` set.

    >>> _with_bit(np.arange(8).reshape(1, 8), LOCATED).tolist()   # classes 1, 3, 5, 7
    [16]
    """
    return grid[:, [c for c in range(N_CLASSES) if c & bit]].sum(axis=1)


def _class_table(grid: np.ndarray, labels: np.ndarray, label: str, counts: np.ndarray
                 ) -> pd.DataFrame:
    """Rows of spend by supplier class (n x N_CLASSES) -> the per-anchor/per-year table."""
    total = grid.sum(axis=1)
    loc = _with_bit(grid, LOCATED)
    dep = _with_bit(grid, DEPRIVED)
    local = _with_bit(grid, LOCAL)
    return pd.DataFrame({
        label: labels,
        "total_spend": total.astype(np.int64),
        "located_spend": loc.astype(np.int64),
        "deprived_spend": dep.astype(np.int64),
        "local_spend": local.astype(np.int64),
        "share_most_deprived": ratios(dep, loc),
        "local_share": ratios(local, loc),
        "transactions": counts.astype(np.int64),
    })


def supplier_table(s: Summary, *, n: int | None = None, ward: str | None = None,
                   anchor: str | None = None,
                   sums: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """Suppliers by filtered spend, largest first; individuals are never named. `sums`: the
    (spend, transactions) per supplier of the anchor's payments when the caller has them
    already (`engine.details.by_supplier`: no second pass over the transactions)."""
    if sums is not None:
        spend, count = sums
    elif anchor:
        spend, count = per_supplier_of(
            s.ds, and_mask(s.mask, s.ds.tx.anchor == _anchor_pos(s.ds, anchor)))
    else:
        spend, count = s.sup_spend, s.sup_count
    keep = count > 0
    if ward is not None:   # a ward's suppliers: individuals left out (never tied to a place)
        keep &= (s.ds.sup_ward == _ward_pos(s.ds, ward)) & (
            s.ds.suppliers["individual"].to_numpy() != YES)
    idx = np.flatnonzero(keep)
    idx = idx[np.argsort(-spend[idx], kind="stable")]
    if n is not None:
        idx = idx[:n]
    sup = s.ds.suppliers
    wards = s.ds.wards["name"].to_numpy(object)
    ward_idx = s.ds.sup_ward[idx]
    person = sup["individual"].to_numpy()[idx] == YES  # individuals: no postcode, no ward
    # only the rows shown are converted from Arrow (a drill-down's ten, not 200,000)
    return pd.DataFrame({
        "supplier": sup["display_name"].iloc[idx].to_numpy(object),
        "postcode": np.where(person, None, sup["postcode"].iloc[idx].to_numpy(object)),
        "ward": np.where((ward_idx >= 0) & ~person,
                         wards[np.maximum(ward_idx, 0)] if len(wards) else None, None),
        "spend": spend[idx].astype(np.int64),
        "transactions": count[idx].astype(np.int64),
        "most_deprived": s.deprived[idx],
        "local": s.local[idx],
        "located": s.ds.sup_located[idx],
    }).assign(supplier=lambda d: d["supplier"].fillna(WITHHELD))


def category_table(ds: Dataset, filters: Filters, *, ward: str | None = None) -> pd.DataFrame:
    """Spend (pence) and transactions per expenditure category under the filters (and ward)."""
    mask = filter_mask(ds, filters)
    if ward is not None:
        mask = and_mask(mask, ds.sup_ward[ds.tx.supplier] == _ward_pos(ds, ward))
    cat = ds.tx.category if mask is None else ds.tx.category[mask]
    amount = ds.tx.amount if mask is None else ds.tx.amount[mask]
    n = max(len(ds.categories), 1)
    spend = np.bincount(cat, weights=amount.astype(np.float64), minlength=n)
    count = np.bincount(cat, minlength=n)
    out = pd.DataFrame({"category": list(ds.categories) or [""],
                        "spend": np.rint(spend).astype(np.int64), "transactions": count})
    return out[out["transactions"] > 0].sort_values("spend", ascending=False, kind="stable")


def ward_deprivation_table(ds: Dataset, opts: Options) -> pd.DataFrame:
    """Per ward: population, population-weighted mean national rank, share in the most deprived X%.

    Ranks are national ranks of the chosen domain; "most deprived" follows the chosen reference.
    """
    pop = ds.lsoas["population"].to_numpy(np.float64) if "population" in ds.lsoas else (
        np.zeros(len(ds.lsoas)))
    rank = ds.lsoas[f"{opts.domain}_rank"].to_numpy(np.float64)
    figures = ward_figures(ds.lsoa_ward, pop, rank, deprived_lsoas(ds, opts), len(ds.wards))
    return pd.DataFrame({"ward_code": ds.wards["code"].to_numpy(object), **figures})


def ward_figures(ward: np.ndarray, population: np.ndarray, rank: np.ndarray,
                 deprived: np.ndarray, n_wards: int) -> dict:
    """Ward sums over LSOAs (`ward` = each LSOA's ward index, -1 none): the official "average rank"
    method, population-weighted, and the population share living in deprived LSOAs.

    >>> f = ward_figures(np.array([0, 0, -1]), np.array([100., 300., 50.]),
    ...                  np.array([10., 30., 1.]), np.array([True, False, True]), 1)
    >>> f["population"].tolist(), f["imd_avg_rank"].tolist(), f["pop_share_most_deprived"].tolist()
    ([400], [25.0], [0.25])
    """
    ok = ward >= 0
    w_pop = np.bincount(ward[ok], weights=population[ok], minlength=n_wards)[:n_wards]
    w_rank = np.bincount(ward[ok], weights=(population * rank)[ok], minlength=n_wards)[:n_wards]
    w_dep = np.bincount(ward[ok], weights=(population * deprived)[ok], minlength=n_wards)[:n_wards]
    return {"population": np.rint(w_pop).astype(np.int64),
            "imd_avg_rank": ratios(w_rank, w_pop),
            "pop_share_most_deprived": ratios(w_dep, w_pop)}


def _anchor_pos(ds: Dataset, name: str) -> int:
    pos = np.flatnonzero(ds.anchors["name"].to_numpy(object) == name)
    if not len(pos):
        raise KeyError(f"no anchor named {name!r}")
    return int(pos[0])


def _ward_pos(ds: Dataset, code: str) -> int:
    """Index of the ward `code`, or -2 (matches no supplier: -1 means "in no ward")."""
    pos = np.flatnonzero(ds.wards["code"].to_numpy(object) == code)
    return int(pos[0]) if len(pos) else -2
