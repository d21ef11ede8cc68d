"""Which transactions count, and how "most deprived" and "local" are judged: `Filters`, `Options`.

A filter state becomes one boolean mask over the transactions (`filter_mask`), built from small
per-label masks gathered by the transactions' integer codes, so a filter change costs one pass over
the arrays whatever is chosen. `previous_period` and `latest_year_filters` move a filter state in
time for the "change from the previous year" figures.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from dashboard.engine.model import CAPREV_LABELS, YES, Dataset

MOST_DEPRIVED_CHOICES = (10, 20, 30)
REFERENCES = ("national", "local")


@dataclass(frozen=True)
class Filters:
    """Which transactions count. Empty tuples mean "no restriction"."""

    anchors: tuple[str, ...] = ()
    years: tuple[int, ...] = ()            # financial year start years (2023 = 2023/24)
    date_from: date | None = None          # inclusive
    date_to: date | None = None            # inclusive
    categories: tuple[str, ...] = ()
    capital_revenue: tuple[str, ...] = ()  # subset of CAPREV_LABELS
    supplier_flags: tuple[str, ...] = ()   # suppliers flagged true for any of these ("sme", "vcse")
    influenceable_only: bool = False


@dataclass(frozen=True)
class Options:
    """How "most deprived" and "local" are judged (hashable: derived data is cached by it)."""

    most_deprived: int = 10                # X of "most deprived X%"
    reference: str = "national"            # or "local"
    local_area: tuple[str, ...] = ()       # district codes; empty = the anchors' home areas
    domain: str = "imd"                    # or another IoD domain with deciles in the file

    def __post_init__(self) -> None:
        if self.most_deprived not in MOST_DEPRIVED_CHOICES:
            raise ValueError(f"most deprived X% must be one of {MOST_DEPRIVED_CHOICES}")
        if self.reference not in REFERENCES:
            raise ValueError(f"reference must be one of {REFERENCES}")


# --------------------------------------------------------------------------- the mask
def filter_mask(ds: Dataset, f: Filters) -> np.ndarray | None:
    """Boolean mask of the transactions that pass `f`, or None when every transaction does."""
    tx, mask, owned = ds.tx, None, False

    def both(m: np.ndarray, fresh: bool = True) -> None:
        # `fresh`: m is a new array, so later predicates may be and-ed into it in place
        nonlocal mask, owned
        if mask is None:
            mask, owned = m, fresh
        elif owned:
            np.logical_and(mask, m, out=mask)
        else:
            mask, owned = mask & m, True

    if f.anchors:
        both(_label_mask(ds.derived.anchor_names, f.anchors)[tx.anchor])
    if f.years:
        both(_label_mask(ds.years, f.years)[tx.fy] if ds.years else np.zeros(len(tx), bool))
    if f.date_from is not None:
        both(tx.day >= _day(f.date_from))
    if f.date_to is not None:
        both(tx.day <= _day(f.date_to))
    if f.categories:
        both(_label_mask(ds.categories, f.categories)[tx.category])
    if f.capital_revenue and set(f.capital_revenue) != set(CAPREV_LABELS):
        both(_label_mask(CAPREV_LABELS, f.capital_revenue)[tx.caprev])
    if f.supplier_flags:
        ok = np.zeros(ds.n_suppliers, bool)
        for flag in f.supplier_flags:
            ok |= ds.sup_flag(flag) == YES
        both(ok[tx.supplier])
    if f.influenceable_only:
        both(tx.influenceable, fresh=False)
    return mask


def and_mask(mask: np.ndarray | None, other: np.ndarray) -> np.ndarray:
    """`mask & other`, where a None mask means every transaction passes.

    >>> and_mask(None, np.array([True, False])).tolist()
    [True, False]
    >>> and_mask(np.array([True, True]), np.array([False, True])).tolist()
    [False, True]
    """
    return other if mask is None else mask & other


def _label_mask(labels, chosen) -> np.ndarray:
    """Bool per label: it is one of `chosen` (labels are few: anchors, years, categories).

    >>> _label_mask(("a", "b", "c"), ["c", "a"]).tolist()
    [True, False, True]
    """
    chosen = set(chosen)
    return np.fromiter((label in chosen for label in labels), bool, len(labels))


def _day(d: date) -> int:
    """Days since 1970-01-01, the unit of `Transactions.day`.

    >>> _day(date(1970, 1, 2))
    1
    """
    return int(np.datetime64(pd.Timestamp(d).date(), "D").astype(np.int64))


# --------------------------------------------------------------------------- periods
def previous_period(f: Filters, ds: Dataset) -> Filters | None:
    """The same filters one financial year earlier, or None when there is no earlier year."""
    if f.years:
        earlier = tuple(y - 1 for y in f.years)
        if not set(earlier) & set(ds.years):
            return None
        return replace(f, years=earlier)
    if f.date_from is not None or f.date_to is not None:
        shift = pd.DateOffset(years=1)
        return replace(
            f,
            date_from=(pd.Timestamp(f.date_from) - shift).date() if f.date_from else None,
            date_to=(pd.Timestamp(f.date_to) - shift).date() if f.date_to else None,
        )
    if len(ds.years) < 2:
        return None
    return replace(f, years=(ds.years[-2],))


def latest_year_filters(f: Filters, ds: Dataset) -> Filters:
    """Used for "change from previous year" when no period is chosen: compare the latest two."""
    if f.years or f.date_from or f.date_to or not ds.years:
        return f
    return replace(f, years=(ds.years[-1],))
