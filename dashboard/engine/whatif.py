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
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from dashboard.engine.deprivation import N_HEADLINE
from dashboard.engine.derived import BoundedCache, frozen
from dashboard.engine.filters import Filters, Options, filter_mask
from dashboard.engine.groups import (
    GROUPS,
    check_group,
    denominator_codes,
    headline_codes,
    movable_codes,
    numerator_codes,
)
from dashboard.engine.model import YES, Dataset
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
    top_suppliers: dict[str, tuple[str, ...]] = field(default_factory=dict)


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
    #: The largest of them by spend in the categories (individuals never named), largest first.
    top_suppliers: tuple[str, ...] = ()


def check_categories(ds: Dataset, categories) -> tuple[str, ...]:
    """The categories as a tuple; InputError naming any that the data set does not have."""
    if not categories:
        return ()
    unknown = sorted(set(categories) - set(ds.categories))
    if unknown:
        raise InputError(f"category {', '.join(map(repr, unknown))} is not in this data set: "
                         f"categories are {', '.join(ds.categories)}")
    return tuple(categories)


def check_anchors(ds: Dataset, anchors) -> tuple[str, ...]:
    """The anchors as a tuple; InputError naming any that the data set does not have."""
    if not anchors:
        return ()
    unknown = sorted(set(anchors) - set(ds.derived.anchor_names))
    if unknown:
        raise InputError(f"anchor {', '.join(map(repr, unknown))} is not in this data set: "
                         f"anchors are {', '.join(ds.derived.anchor_names)}")
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
    code = headline_codes(ds, options)
    n_sup = max(ds.n_suppliers, 1)
    bins, spend = _chunked_sums(ds, idx, in_cat, _tx_codes(ds, options), n_anchors, n_sup)
    bins = bins.reshape(n_anchors, 2, N_HEADLINE)
    paid = spend[: ds.n_suppliers] > 0
    # per group, over the paid suppliers only (a few thousand, not every supplier)
    paid_pos = np.flatnonzero(paid)
    paid_code = code.take(paid_pos)
    named = ds.sup_flag("individual").take(paid_pos) != YES
    in_group, top = {}, {}
    for g in GROUPS:
        member = numerator_codes(g).take(paid_code)
        in_group[g] = int(np.count_nonzero(member))
        top[g] = _largest(ds, spend, paid_pos[member & named])
    kept = set(filters.anchors) if filters.anchors else set(names)
    chosen = set(anchors) if anchors else kept
    return WhatIfBase(tuple(names), bins, np.array([n in chosen and n in kept for n in names]),
                      in_group, np.array([n in kept for n in names]), top)


#: How many suppliers already in the group are named.
TOP_SUPPLIERS = 10


def _largest(ds: Dataset, spend: np.ndarray, pos: np.ndarray) -> tuple[str, ...]:
    """Display names of the `TOP_SUPPLIERS` suppliers at `pos` with the most spend (ties by
    name)."""
    if len(pos) > TOP_SUPPLIERS:
        pos = pos[np.argpartition(-spend[pos], TOP_SUPPLIERS - 1)[:TOP_SUPPLIERS]]
    names = ds.derived.once("whatif.display_names", lambda: frozen(
        ds.suppliers["display_name"].astype(object).to_numpy())).take(pos)
    order = sorted(range(len(pos)), key=lambda i: (-int(spend[pos[i]]), str(names[i])))
    return tuple(str(names[i]) for i in order)


#: Bits of a headline code (the key's low bits).
_CODE_BITS = N_HEADLINE.bit_length() - 1
assert 1 << _CODE_BITS == N_HEADLINE and N_HEADLINE <= 256   # codes fit a byte

#: Per-transaction headline codes are kept for this many option sets (1 byte per transaction
#: each: 10 MB at 10 million transactions).
TX_CODE_SETS = 2


def _tx_codes(ds: Dataset, options: Options) -> np.ndarray:
    """The headline code of each transaction's supplier (uint8), for `options`: gathered once
    per option set so that a what-if gathers one byte per row instead of looking its supplier's
    code up. Kept in a small cache of its own (`TX_CODE_SETS`)."""
    cache = ds.derived.once("whatif.tx_codes", lambda: BoundedCache(TX_CODE_SETS))
    return cache.get(options, lambda: frozen(headline_codes(ds, options).astype(np.uint8)
                                             .take(ds.tx.supplier)))


#: Rows summed at a time: each chunk's arrays (a few MB) are reused by the allocator and stay
#: in cache, where whole-column arrays of millions of rows would each cost fresh pages.
CHUNK = 1 << 20


def _chunked_sums(ds: Dataset, idx: np.ndarray | None, in_cat: np.ndarray | None,
                  tx_code: np.ndarray, n_anchors: int, n_sup: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(spend by (anchor, in the categories, headline code), spend per supplier in the
    categories) of the transactions at `idx` (None: all), exact int64 pence, in chunks."""
    tx = ds.tx
    exact = ds.derived.exact_in_float
    source = ds.derived.weights if exact else tx.amount
    in_cat8 = None if in_cat is None else in_cat.astype(np.uint8)
    n_bins = n_anchors * 2 * N_HEADLINE
    bins = np.zeros(n_bins, np.float64 if exact else np.int64)
    spend = np.zeros(n_sup * (1 if in_cat is None else 2), bins.dtype)
    total = len(tx) if idx is None else len(idx)
    for start in range(0, total, CHUNK):
        rows = (slice(start, start + CHUNK) if idx is None else idx[start:start + CHUNK])

        def pick(a: np.ndarray, rows=rows) -> np.ndarray:
            return a[rows] if isinstance(rows, slice) else a.take(rows)

        amounts, sup = pick(source), pick(tx.supplier)
        key = pick(tx.anchor).astype(np.intp)
        key <<= 1
        inside = None if in_cat8 is None else in_cat8.take(pick(tx.category))
        key += 1 if inside is None else inside
        key <<= _CODE_BITS
        key += pick(tx_code)
        _add(bins, key, amounts)
        if inside is None:
            _add(spend, sup, amounts)
        else:    # by (supplier, in the categories): the odd bins
            key = sup.astype(np.intp)
            key <<= 1
            key += inside
            _add(spend, key, amounts)
    if in_cat is not None:
        spend = spend[1::2]
    if exact:   # sums of float64 integers below 2**53 are exact: round to int64 once
        return np.rint(bins).astype(np.int64), np.rint(spend).astype(np.int64)
    return bins, spend


def _add(out: np.ndarray, key: np.ndarray, amounts: np.ndarray) -> None:
    """out[key] += amounts (float64: bincount; int64: exact integer adds)."""
    if out.dtype == np.float64:
        out += np.bincount(key, weights=amounts, minlength=len(out))[:len(out)]
    else:
        np.add.at(out, key, amounts)


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
    if p is not None:     # floor(p x movable) in integers: p is an exact fraction
        moved = p.numerator * movable // p.denominator
        moved_a = [p.numerator * x // p.denominator for x in mov_a.tolist()]
    else:
        moved = min(int(amount), movable)
        moved_a = split_amount(moved, mov_a.tolist(), list(base.anchors))
    num, den = int(num_a[base.kept].sum()), int(den_a[base.kept].sum())
    network = _move(num, den, moved, movable)
    rows = zip(base.anchors, base.movers.tolist(), num_a.tolist(), den_a.tolist(), moved_a,
               mov_a.tolist())
    by_anchor = tuple((name, _move(n, d, mv, mo)) for name, mover, n, d, mv, mo in rows
                      if mover)
    return WhatIf(group, network, by_anchor, base.in_group_suppliers[group],
                  base.top_suppliers.get(group, ()))


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
    """One Move from Python ints (int / int is correctly rounded, as a Fraction's float)."""
    if denominator <= 0:
        return Move(None, None, moved, movable, numerator, denominator)
    return Move(numerator / denominator, (numerator + moved) / denominator, moved, movable,
                numerator, denominator)


def whatif(ds: Dataset, filters: Filters, options: Options, group: str, *, categories=(),
           anchors=(), fraction: float | None = None, amount: int | None = None) -> WhatIf:
    """The whole what-if in one call (the command line; the page keeps the base)."""
    check_group(group)
    check_move(fraction, amount)
    return apply(whatif_base(ds, filters, options, categories, anchors), group,
                 fraction=fraction, amount=amount)
