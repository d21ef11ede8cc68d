"""The action plan's supplier groups as predicates over the headline codes, and the one pass that
sums spend by (some key x headline code).

Every figure of the plan (`plan.md`: a target's numerator and denominator, a what-if's movable
spend, a category's leakage) is a sum over suppliers of some kind: located, among the most
deprived, local, flagged SME or VCSE. The engine already gives each supplier a headline code
(`deprivation.headline_code`: one bit per kind, 128 codes) once per option set. So one `bincount`
of the filtered spend by `key * 128 + code` holds every such sum for every value of the key
(anchor, category, year x anchor), and a group is a bool over the 128 codes: what the plan reads
off is a few sums over a small table, whatever the number of transactions.
"""
from __future__ import annotations

import numpy as np

from dashboard.engine.deprivation import (
    DEPRIVED,
    LOCAL,
    LOCATED,
    N_HEADLINE,
    SME_YES,
    VCSE_YES,
    class_codes,
)
from dashboard.engine.filters import Options
from dashboard.engine.model import Dataset
from dashboard.engine.money import exact_sums
from dashboard.errors import InputError

#: The what-if groups of `plan.md`, in the order the page offers them.
GROUPS = ("most_deprived", "local", "local_and_most_deprived", "sme", "vcse")
#: Groups whose share is of located spend (the others are of total spend).
LOCATED_GROUPS = ("most_deprived", "local", "local_and_most_deprived")
GROUP_LABELS = {
    "most_deprived": "suppliers in the most deprived areas",
    "local": "local suppliers",
    "local_and_most_deprived": "local suppliers in the most deprived areas",
    "sme": "SMEs",
    "vcse": "VCSE organisations",
}

_CODES = np.arange(N_HEADLINE)


def check_group(group: str) -> str:
    """`group` when it is one of GROUPS; InputError naming the choices otherwise."""
    if group not in GROUPS:
        raise InputError(f"group {group!r} is not known: choose one of {', '.join(GROUPS)}")
    return group


def numerator_codes(group: str) -> np.ndarray:
    """Bool per headline code: a supplier of this code is in `group` (the share's numerator).

    >>> [int(c) for c in np.flatnonzero(numerator_codes("local_and_most_deprived"))[:3]]  # 2+4 set
    [6, 7, 14]
    """
    check_group(group)
    bits = {"most_deprived": DEPRIVED, "local": LOCAL, "local_and_most_deprived": DEPRIVED | LOCAL,
            "sme": SME_YES, "vcse": VCSE_YES}[group]
    return (_CODES & bits) == bits


def denominator_codes(group: str) -> np.ndarray:
    """Bool per headline code: spend with such a supplier is in the share's denominator (located
    spend for the located groups, all spend for SME and VCSE)."""
    check_group(group)
    if group in LOCATED_GROUPS:
        return (_CODES & LOCATED) == LOCATED
    return np.ones(N_HEADLINE, bool)


def movable_codes(group: str) -> np.ndarray:
    """Bool per headline code: spend that could move into `group` (`plan.md`: in the denominator
    and not in the group; for SME/VCSE flag false or unknown; unlocated spend never moves, for
    any group: read as a rule of its own, so an SME what-if moves located spend only)."""
    return denominator_codes(group) & ~numerator_codes(group) & ((_CODES & LOCATED) == LOCATED)


def headline_codes(ds: Dataset, options: Options) -> np.ndarray:
    """The headline code of every supplier under `options` (cached per option set)."""
    return class_codes(ds, options)[3]


def coded_bins(ds: Dataset, mask: np.ndarray | None, options: Options, key: np.ndarray | None,
               size: int) -> np.ndarray:
    """Exact spend (int64 pence) of the masked transactions by (key, headline code), shape
    (size, 128). `key` is one small integer per transaction (None: all in row 0); one pass."""
    code = headline_codes(ds, options)
    sup = ds.tx.supplier if mask is None else ds.tx.supplier[mask]
    full = code[sup]
    if key is not None:
        k = key if mask is None else key[mask]
        full = k.astype(np.int64) * N_HEADLINE + full
    return exact_sums(ds, full, mask, max(size, 1) * N_HEADLINE).reshape(max(size, 1), N_HEADLINE)
