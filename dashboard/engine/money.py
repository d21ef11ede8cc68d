"""Exact sums of integer pence, and the shares between them.

Every figure is a sum of the filtered transactions' amounts by some key (supplier; financial year x
anchor x supplier class), done with one `bincount`. `bincount` adds float64 weights, and a float64
holds every integer below 2**53 exactly, so sums of integer pence are exact while the absolute
total stays under 2**53 pence (about 90 trillion pounds); `exact_sums` checks that bound once per
data set (`Derived.exact_in_float`) and adds integers above it. A share whose denominator is zero
or negative is undefined (None, shown as "—"), never NaN or infinity.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.engine.deprivation import N_CLASSES
from dashboard.engine.derived import EXACT_LIMIT, frozen
from dashboard.engine.filters import Options
from dashboard.engine.model import Dataset

__all__ = [
    "EXACT_LIMIT",
    "exact_sums",
    "per_group",
    "per_group_of",
    "per_supplier",
    "per_supplier_of",
    "pounds",
    "ratio",
    "ratios",
]


def ratio(numerator: float, denominator: float) -> float | None:
    """A share, or None where the denominator is zero or negative (shown as "—").

    >>> ratio(1, 4), ratio(1, 0), ratio(1, -5)
    (0.25, None, None)
    """
    if denominator <= 0:
        return None
    return float(numerator) / float(denominator)


def ratios(numerators, denominators) -> pd.Series:
    """Element-wise `ratio`, as an object series so that undefined shares stay None (not NaN).

    >>> ratios([1, 2], [2, 0]).tolist()
    [0.5, None]
    """
    return pd.Series([ratio(n, d) for n, d in zip(numerators, denominators)], dtype=object)


def pounds(pence: float | None) -> float | None:
    """Pence to pounds rounded to 2 decimals (for JSON).

    >>> pounds(123456), pounds(-5), pounds(None)
    (1234.56, -0.05, None)
    """
    return None if pence is None else round(int(pence) / 100, 2)


def exact_sums(ds: Dataset, key: np.ndarray, mask: np.ndarray | None, size: int) -> np.ndarray:
    """Exact int64 sum of the masked amounts per `key` (float64 bincount while that is exact)."""
    if ds.derived.exact_in_float:
        weights = ds.derived.weights
        weights = weights if mask is None else weights[mask]
        return np.rint(np.bincount(key, weights=weights, minlength=size)).astype(np.int64)
    out = np.zeros(size, np.int64)
    np.add.at(out, key, ds.tx.amount if mask is None else ds.tx.amount[mask])
    return out


def per_supplier(ds: Dataset, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(spend, transactions) per supplier of the masked transactions; the unfiltered result is a
    fixed aggregate of the read-only data set, made once (`Derived.by_supplier_all`)."""
    if mask is None:
        return ds.derived.by_supplier_all
    return per_supplier_of(ds, mask)


def per_supplier_of(ds: Dataset, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """`per_supplier`, always computed."""
    n = max(ds.n_suppliers, 1)
    sup = ds.tx.supplier if mask is None else ds.tx.supplier[mask]
    return exact_sums(ds, sup, mask, n), np.bincount(sup, minlength=n).astype(np.int64)


def per_group(ds: Dataset, mask: np.ndarray | None, opts: Options, code: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Spend by (year, anchor, supplier class) and transactions by (year, anchor); `code` is the
    class code per supplier under `opts`. The unfiltered result is made once per option set."""
    if mask is None:
        return ds.derived.for_options(
            "by_group_all", opts,
            lambda: tuple(frozen(a) for a in per_group_of(ds, None, code)))
    return per_group_of(ds, mask, code)


def per_group_of(ds: Dataset, mask: np.ndarray | None, code: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """`per_group`, always computed."""
    n_years, n_anchors = max(len(ds.years), 1), max(ds.n_anchors, 1)
    group = ds.tx.group if mask is None else ds.tx.group[mask]
    sup = ds.tx.supplier if mask is None else ds.tx.supplier[mask]
    key = group.astype(np.int64) * N_CLASSES + code[sup]
    spend = exact_sums(ds, key, mask, n_years * n_anchors * N_CLASSES)
    counts = np.bincount(group, minlength=n_years * n_anchors).astype(np.int64)
    return spend.reshape(n_years, n_anchors, N_CLASSES), counts.reshape(n_years, n_anchors)
