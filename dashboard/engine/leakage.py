"""Where spend leaks out, and the network's own evidence of who could take it (`plan.md`,
"Where spend leaks out (opportunities)").

Per category, under the filters: located spend, spend with located suppliers outside the local
area (`outside`), its share of located spend, spend in the most deprived X% and its share,
unlocated spend, and the number of distinct suppliers in the local area and the most deprived X%
paid in the category. Categories are ranked by `outside`, largest first (ties by name). One
`bincount` by (category, headline code) gives every sum.

Per anchor and category, the local deprived suppliers that other anchors use and that anchor does
not (`opportunities`). Choices where plan.md is silent (docs/plan.md): a supplier "received spend"
when its net spend (credits included) in the category is above zero; the suppliers are counted and
listed over the filters but across every anchor of the network (the anchor filter narrows the
categories' figures and the anchors listed, not the evidence); individuals are counted but never
named, so they are left out of the lists.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from dashboard.engine.deprivation import DEPRIVED, LOCAL, LOCATED, class_codes
from dashboard.engine.filters import Filters, Options, filter_mask
from dashboard.engine.groups import coded_bins
from dashboard.engine.model import YES, Dataset
from dashboard.engine.money import exact_sums, ratios

_CODES = np.arange(128)
_LOCATED = (_CODES & LOCATED) > 0
_DEPRIVED = (_CODES & DEPRIVED) > 0
_OUTSIDE = _LOCATED & ((_CODES & LOCAL) == 0)

COLUMNS = ("category", "located", "outside", "leak_share", "deprived", "deprived_share",
           "unlocated", "local_deprived_suppliers")


@dataclass(frozen=True)
class Leakage:
    """`categories`: one row per category with filtered spend, in rank order (money in pence,
    shares fractions or None). `opportunities`: one row per (anchor, category) where other
    anchors use local deprived suppliers this anchor does not: `anchor`, `category`,
    `suppliers` (tuple of names, by the network's spend with them, largest first)."""

    categories: pd.DataFrame
    opportunities: pd.DataFrame


def leakage(ds: Dataset, filters: Filters, options: Options) -> Leakage:
    """Categories ranked by spend leaving the local area, and the opportunities (module doc)."""
    mask = filter_mask(ds, filters)
    n_cat = max(len(ds.categories), 1)
    bins = coded_bins(ds, mask, options, ds.tx.category, n_cat)
    total = bins.sum(axis=1)
    located = bins[:, _LOCATED].sum(axis=1)
    outside = bins[:, _OUTSIDE].sum(axis=1)
    deprived = bins[:, _DEPRIVED].sum(axis=1)
    counts = np.bincount(ds.tx.category if mask is None else ds.tx.category[mask],
                         minlength=n_cat)[:n_cat]
    pairs = _local_deprived_pairs(ds, filters, options)
    per_cat = pairs.groupby("category")["supplier"].nunique() if len(pairs) else pd.Series(
        dtype=np.int64)
    names = list(ds.categories) or [""]
    table = pd.DataFrame({
        "category": names,
        "located": located.astype(np.int64),
        "outside": outside.astype(np.int64),
        "leak_share": ratios(outside, located),
        "deprived": deprived.astype(np.int64),
        "deprived_share": ratios(deprived, located),
        "unlocated": (total - located).astype(np.int64),
        "local_deprived_suppliers": [int(per_cat.get(i, 0)) for i in range(len(names))],
    })
    table = table[counts > 0]
    table = table.assign(_neg=-table["outside"]).sort_values(
        ["_neg", "category"], kind="stable").drop(columns="_neg").reset_index(drop=True)
    anchor_filter = set(filters.anchors) if filters.anchors else None
    return Leakage(table, _opportunities(ds, pairs, anchor_filter))


def _local_deprived_pairs(ds: Dataset, filters: Filters, options: Options) -> pd.DataFrame:
    """(anchor, category, supplier, spend) with net spend above zero, for suppliers in the local
    area and the most deprived X%, over the filters but every anchor (see the module doc)."""
    deprived, local = class_codes(ds, options)[:2]
    chosen = np.flatnonzero(deprived & local)
    if not len(chosen):
        return pd.DataFrame({"anchor": [], "category": [], "supplier": [], "spend": []},
                            dtype=np.int64)
    mask = filter_mask(ds, replace(filters, anchors=()))
    idx = np.arange(len(ds.tx)) if mask is None else np.flatnonzero(mask)
    idx = idx[(deprived & local)[ds.tx.supplier[idx]]]
    n_cat, n_anchor = max(len(ds.categories), 1), max(ds.n_anchors, 1)
    key = ((ds.tx.supplier[idx].astype(np.int64) * n_cat + ds.tx.category[idx]) * n_anchor
           + ds.tx.anchor[idx])
    uniq, inverse = np.unique(key, return_inverse=True)
    sub = np.zeros(len(ds.tx), bool)
    sub[idx] = True
    spend = exact_sums(ds, inverse, sub, len(uniq)) if len(uniq) else np.zeros(0, np.int64)
    # exact_sums gathers weights by `sub` in transaction order, which is idx's order
    keep = spend > 0
    uniq, spend = uniq[keep], spend[keep]
    return pd.DataFrame({"anchor": uniq % n_anchor, "category": (uniq // n_anchor) % n_cat,
                         "supplier": uniq // (n_anchor * n_cat), "spend": spend})


def _opportunities(ds: Dataset, pairs: pd.DataFrame, anchor_filter: set | None) -> pd.DataFrame:
    cols = ["anchor", "category", "suppliers"]
    if not len(pairs):
        return pd.DataFrame(columns=cols)
    person = ds.suppliers["individual"].to_numpy() == YES
    named = pairs[~person[pairs["supplier"].to_numpy(np.int64)]]
    names = ds.suppliers["display_name"].to_numpy(object)
    anchors = ds.anchors["name"].to_numpy(object)
    rows = []
    for cat, in_cat in named.groupby("category", sort=True):
        network = in_cat.groupby("supplier")["spend"].sum()
        users = in_cat.groupby("anchor")["supplier"].agg(set)
        for a in range(ds.n_anchors):
            if anchor_filter is not None and anchors[a] not in anchor_filter:
                continue
            own = users.get(a, set())
            others = set().union(*(s for b, s in users.items() if b != a)) - own
            if others:
                order = sorted(others, key=lambda s: (-int(network[s]), str(names[s])))
                rows.append((anchors[a], ds.categories[cat], tuple(str(names[s]) for s in order)))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["anchor", "category"], kind="stable").reset_index(drop=True)
