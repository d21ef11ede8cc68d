"""What if spend moved? (`../shared/spec/plan.md`, "What if spend moved?").

Two steps, so that the page's slider costs nothing and a filter change one pass:

- `whatif_base(ds, filters, options, categories, anchors)`: one pass over the filtered rows
  (gathered by position, not by boolean mask), one `bincount` by (anchor, in the chosen
  categories, headline code) and one by supplier. It holds every group's numerator, denominator
  and movable spend for every anchor, so changing the group costs nothing either, and
  `suppliers_in_group` for every group.
- `apply(base, group, fraction=..., amount=...)`: plan.md's arithmetic on those sums (exact
  integers; `moved = floor(p x movable)` or `min(m, movable)`; the amount split by largest
  remainder, ties by anchor name).

Where plan.md is ambiguous (docs/plan.md): an amount is split as `moved` (= min(m, movable)), not
`m`, so that no anchor moves more than its own movable spend; per anchor, a fraction is applied to
each anchor's own movable (`floor(p x movable_a)`), so the per-anchor moves may add up to a little
more than the network's `moved` (floors, and anchors with negative movable counted as 0 on their
own but netted in the network's figure). `suppliers_in_group` counts suppliers with net spend above
zero in the categories, from any anchor of the network (the anchor filter is not applied), over
the other filters.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from dashboard.engine.deprivation import N_HEADLINE
from dashboard.engine.filters import Filters, Options, filter_mask
from dashboard.engine.groups import (
    GROUPS,
    check_group,
    denominator_codes,
    headline_codes,
    movable_codes,
    numerator_codes,
)
from dashboard.engine.model import Dataset
from dashboard.errors import InputError


@dataclass(frozen=True)
class WhatIfBase:
    """What a what-if needs from the data, for one filter state, category and anchor choice.

    `bins[a, c, code]`: spend of anchor a (0 = outside the chosen categories, 1 = inside) with
    suppliers of headline `code`, over every filter but the anchors. `movers`: bool per anchor,
    its spend may move.
    `in_group_suppliers`: per group, the number of distinct suppliers in it with spend in the
    chosen categories."""

    anchors: tuple[str, ...]
    bins: np.ndarray
    movers: np.ndarray
    in_group_suppliers: dict[str, int]
    kept: np.ndarray       # bool per anchor: the anchor filter keeps it (its spend is counted)


@dataclass(frozen=True)
class Move:
    """One what-if for the network or one anchor: money in pence, shares as fractions or None."""

    share_before: float | None
    share_after: float | None
    moved: int
    movable: int
    numerator: int
    denominator: int


@dataclass(frozen=True)
class WhatIf:
    """A what-if's answer: the network's move, the per-anchor moves (anchors whose spend may
    move, in the data set's order) and the suppliers already in the group."""

    group: str
    network: Move
    by_anchor: tuple[tuple[str, Move], ...]
    suppliers_in_group: int


def check_categories(ds: Dataset, categories) -> tuple[str, ...]:
    """The categories as a tuple; InputError naming any that the data set does not have."""
    known = set(ds.categories)
    unknown = sorted(set(categories) - known)
    if unknown:
        raise InputError(f"category {', '.join(map(repr, unknown))} is not in this data set: "
                         f"categories are {', '.join(ds.categories)}")
    return tuple(categories)


def check_anchors(ds: Dataset, anchors) -> tuple[str, ...]:
    """The anchors as a tuple; InputError naming any that the data set does not have."""
    unknown = sorted(set(anchors) - set(ds.anchors["name"]))
    if unknown:
        raise InputError(f"anchor {', '.join(map(repr, unknown))} is not in this data set: "
                         f"anchors are {', '.join(ds.anchors['name'])}")
    return tuple(anchors)


def whatif_base(ds: Dataset, filters: Filters, options: Options, categories=(), anchors=(),
                *, mask: np.ndarray | None | bool = False) -> WhatIfBase:
    """The sums of a what-if (see the module docstring). `anchors` empty = those the filters keep.
    `mask`: the filters' mask when the caller has it (a Summary's), to skip making it again.

    One pass over the rows of every filter but the anchors (the evidence of suppliers already
    in the group comes from every anchor; the bins are per anchor, so the anchor filter is
    applied to them afterwards, in `apply`): their anchor, category, supplier and amount are
    gathered once, one `bincount` gives the (anchor, in the categories, headline code) sums and
    a second the spend per supplier in the categories."""
    categories = check_categories(ds, categories)
    anchors = check_anchors(ds, anchors)
    if filters.anchors:
        mask = filter_mask(ds, replace(filters, anchors=()))
    elif mask is False:
        mask = filter_mask(ds, filters)
    n_anchors = max(ds.n_anchors, 1)
    names = ds.derived.anchor_names
    in_cat = (np.fromiter((c in set(categories) for c in ds.categories), bool,
                          len(ds.categories)) if categories else None)
    idx = None if mask is None else np.flatnonzero(mask)
    sup, inside, amounts = _gathered(ds, idx, in_cat)
    code = headline_codes(ds, options)
    key = (ds.tx.anchor if idx is None else ds.tx.anchor.take(idx)).astype(np.int64)
    key *= 2
    key += inside
    key *= N_HEADLINE
    key += code.take(sup)
    bins = _sums(ds, key, amounts, n_anchors * 2 * N_HEADLINE).reshape(n_anchors, 2, N_HEADLINE)
    n_sup = max(ds.n_suppliers, 1)
    if in_cat is not None:
        rows = np.flatnonzero(inside)
        spend = _sums(ds, sup.take(rows), amounts.take(rows), n_sup)
    else:
        spend = _sums(ds, sup, amounts, n_sup)
    paid = spend[: ds.n_suppliers] > 0
    in_group = {g: int(np.count_nonzero(paid & numerator_codes(g)[code])) for g in GROUPS}
    kept = set(filters.anchors) if filters.anchors else set(names)
    chosen = set(anchors) if anchors else kept
    return WhatIfBase(tuple(names), bins, np.array([n in chosen and n in kept for n in names]),
                      in_group, np.array([n in kept for n in names]))


def _gathered(ds: Dataset, idx: np.ndarray | None, in_cat: np.ndarray | None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(supplier, in the chosen categories (0/1), amount) of the transactions at `idx` (None:
    all); amounts are float64 weights while their sums are exact (`Derived.exact_in_float`),
    else int64 pence. Gathered with `take` on positions: several times faster than boolean
    indexing when a few arrays are gathered by one mask."""
    tx = ds.tx
    source = ds.derived.weights if ds.derived.exact_in_float else tx.amount
    if idx is None:
        sup, amounts, cats = tx.supplier, source, tx.category
    else:
        sup, amounts = tx.supplier.take(idx), source.take(idx)
        cats = None if in_cat is None else tx.category.take(idx)
    inside = (np.ones(len(sup), np.int64) if in_cat is None
              else in_cat.take(cats).astype(np.int64))
    return sup, inside, amounts


def _sums(ds: Dataset, key: np.ndarray, amounts: np.ndarray, size: int) -> np.ndarray:
    """Exact int64 sums of `amounts` by `key` (as `money.exact_sums`, on gathered rows)."""
    if amounts.dtype == np.float64:
        return np.rint(np.bincount(key, weights=amounts, minlength=size)[:size]).astype(np.int64)
    out = np.zeros(size, np.int64)
    np.add.at(out, key, amounts)
    return out


def apply(base: WhatIfBase, group: str, *, fraction: float | None = None,
          amount: int | None = None) -> WhatIf:
    """plan.md's what-if on `base`: move a fraction `p` (0 to 1) of the movable spend, or an
    amount `m` in pence, into `group`. Exactly one of `fraction` and `amount`."""
    check_group(group)
    p = check_move(fraction, amount)
    num_codes, den_codes, mov_codes = (numerator_codes(group), denominator_codes(group),
                                       movable_codes(group))
    per_anchor = base.bins.sum(axis=1)                       # (anchors, 128): all categories
    num_a = per_anchor[:, num_codes].sum(axis=1)
    den_a = per_anchor[:, den_codes].sum(axis=1)
    mov_raw = np.where(base.movers, base.bins[:, 1, :][:, mov_codes].sum(axis=1), 0)
    movable = max(0, int(mov_raw.sum()))
    mov_a = np.maximum(mov_raw, 0)
    if p is not None:
        moved = math.floor(p * movable)
        moved_a = [math.floor(p * int(x)) for x in mov_a]
    else:
        moved = min(int(amount), movable)
        moved_a = split_amount(moved, [int(x) for x in mov_a], list(base.anchors))
    num, den = int(num_a[base.kept].sum()), int(den_a[base.kept].sum())
    network = _move(num, den, moved, movable)
    by_anchor = tuple((name, _move(int(num_a[i]), int(den_a[i]), moved_a[i], int(mov_a[i])))
                      for i, name in enumerate(base.anchors) if base.movers[i])
    return WhatIf(group, network, by_anchor, base.in_group_suppliers[group])


def check_move(fraction: float | None, amount: int | None) -> Fraction | None:
    """The fraction as an exact decimal (None for an amount); InputError for a fraction outside
    0 to 1, a negative amount, or not exactly one of the two."""
    if (fraction is None) == (amount is None):
        raise InputError("give either a fraction of the movable spend (0 to 1) or an amount")
    if fraction is not None:
        if isinstance(fraction, bool) or not isinstance(fraction, int | float | Fraction) or (
                isinstance(fraction, float) and not math.isfinite(fraction)) or not (
                0 <= fraction <= 1):
            raise InputError(f"fraction {fraction!r} must be between 0 and 1 (0.1 = 10% of the "
                             "movable spend)")
        return fraction if isinstance(fraction, Fraction) else Fraction(repr(float(fraction)))
    if isinstance(amount, bool) or not isinstance(amount, int | np.integer) or amount < 0:
        raise InputError(f"amount {amount!r} must be zero or more (whole pence)")
    return None


def split_amount(moved: int, movable: list[int], names: list[str]) -> list[int]:
    """`moved` pence split in proportion to `movable` (each >= 0): floors, then the pence left over
    one each to the largest remainders, ties by name (plan.md).

    >>> split_amount(10, [1, 1, 1], ["c", "a", "b"])   # 3 each, the one left over to "a"
    [3, 4, 3]
    >>> split_amount(5, [0, 0], ["a", "b"])
    [0, 0]
    """
    total = sum(movable)
    if total <= 0 or moved <= 0:
        return [0] * len(movable)
    shares = [moved * x // total for x in movable]
    remainders = [moved * x % total for x in movable]
    left = moved - sum(shares)
    order = sorted(range(len(movable)), key=lambda i: (-remainders[i], names[i]))
    for i in order[:left]:
        shares[i] += 1
    return shares


def _move(numerator: int, denominator: int, moved: int, movable: int) -> Move:
    if denominator <= 0:
        before = after = None
    else:
        before = float(Fraction(numerator, denominator))
        after = float(Fraction(numerator + moved, denominator))
    return Move(before, after, int(moved), int(movable), int(numerator), int(denominator))


def whatif(ds: Dataset, filters: Filters, options: Options, group: str, *, categories=(),
           anchors=(), fraction: float | None = None, amount: int | None = None) -> WhatIf:
    """The whole what-if in one call (the command line; the page keeps the base)."""
    check_group(group)
    check_move(fraction, amount)
    return apply(whatif_base(ds, filters, options, categories, anchors), group,
                 fraction=fraction, amount=amount)
