"""Filters in, figures out: every metric of the spec, computed with numpy over a read-only Dataset.

The hot path is one boolean mask over the transactions and one `bincount` of spend per supplier:
every headline figure and the per-ward values are sums over that per-supplier vector, so a filter
change costs about one pass over the transactions whatever is shown. The per-anchor and per-year
tables take one more pass, into (financial year x anchor x supplier class) bins. Figures are
computed when first read (see `Summary`), and what depends only on the options (which suppliers are
among the most deprived, which are local) is cached on the data set.

Money stays exact: `bincount` adds float64 weights, and a float64 holds every integer below 2**53
exactly, so sums of integer pence are exact while the absolute total stays under 2**53 pence
(about 90 trillion pounds); the engine checks that bound and falls back to integer accumulation
above it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from dashboard.engine.periods import fy_label
from dashboard.engine.model import CAPREV_LABELS, UNKNOWN, YES, Dataset, amount_weights

EXACT_LIMIT = 2**53
MOST_DEPRIVED_CHOICES = (10, 20, 30)
REFERENCES = ("national", "local")
WITHHELD = "Individual (name withheld)"


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
    """How "most deprived" and "local" are judged."""

    most_deprived: int = 10                # X of "most deprived X%"
    reference: str = "national"            # or "local"
    local_area: tuple[str, ...] = ()       # district codes; empty = the anchors' home areas
    domain: str = "imd"                    # or another IoD domain with deciles in the file

    def __post_init__(self) -> None:
        if self.most_deprived not in MOST_DEPRIVED_CHOICES:
            raise ValueError(f"most deprived X% must be one of {MOST_DEPRIVED_CHOICES}")
        if self.reference not in REFERENCES:
            raise ValueError(f"reference must be one of {REFERENCES}")


def ratio(numerator: float, denominator: float) -> float | None:
    """A share, or None where the denominator is zero or negative (shown as "—")."""
    if denominator <= 0:
        return None
    return float(numerator) / float(denominator)


def ratios(numerators, denominators) -> pd.Series:
    """Element-wise `ratio`, as an object series so that undefined shares stay None (not NaN)."""
    return pd.Series([ratio(n, d) for n, d in zip(numerators, denominators)], dtype=object)


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
        both(_label_mask(_anchor_names(ds), f.anchors)[tx.anchor])
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


def _label_mask(labels, chosen) -> np.ndarray:
    """Bool per label: it is one of `chosen` (labels are few: anchors, years, categories)."""
    chosen = set(chosen)
    return np.fromiter((label in chosen for label in labels), bool, len(labels))


def _anchor_names(ds: Dataset) -> tuple:
    names = ds.meta.get("_anchor_names")
    if names is None:
        names = ds.meta["_anchor_names"] = tuple(ds.anchors["name"].tolist())
    return names


def _day(d: date) -> int:
    return int(np.datetime64(pd.Timestamp(d).date(), "D").astype(np.int64))


# --------------------------------------------------------------------------- deprivation
def local_area(ds: Dataset, opts: Options) -> tuple[str, ...]:
    """The local area in force: the option, else the union of all anchors' home areas."""
    return tuple(opts.local_area) if opts.local_area else ds.home_area()


def deprived_lsoas(ds: Dataset, opts: Options) -> np.ndarray:
    """Bool per LSOA of the index: among the most deprived X% under the chosen reference."""
    threshold = opts.most_deprived // 10
    decile_col, rank_col = f"{opts.domain}_decile", f"{opts.domain}_rank"
    if decile_col not in ds.lsoas:
        raise ValueError(f"the deprivation file has no deciles for the domain '{opts.domain}'")
    if opts.reference == "national":
        return ds.lsoas[decile_col].to_numpy(np.int64) <= threshold
    return local_deciles(ds.lsoas, local_area(ds, opts), rank_col) <= threshold


def local_deciles(lsoas: pd.DataFrame, area: tuple[str, ...], rank_col: str = "imd_rank"
                  ) -> np.ndarray:
    """Local decile of each LSOA (11 outside the area): ceil(10 x local rank / LSOAs in the area).

    Local rank orders the area's LSOAs by national rank, 1 = most deprived.
    """
    inside = lsoas["lad"].isin(list(area)).to_numpy(bool)
    out = np.full(len(lsoas), 11, np.int64)
    n = int(inside.sum())
    if n == 0:
        return out
    ranks = lsoas[rank_col].to_numpy(np.int64)[inside]
    local_rank = np.empty(n, np.int64)
    local_rank[np.argsort(ranks, kind="stable")] = np.arange(1, n + 1)
    out[inside] = -((-10 * local_rank) // n)  # integer ceil(10 * r / n)
    return out


def supplier_classes(ds: Dataset, opts: Options) -> tuple[np.ndarray, np.ndarray]:
    """(deprived, local) bool per supplier; both imply located."""
    located, lsoa = ds.sup_located, ds.sup_lsoa
    dep_lsoa = deprived_lsoas(ds, opts)
    deprived = located & (lsoa >= 0) & dep_lsoa[np.maximum(lsoa, 0)]
    local = located & np.isin(ds.sup_lad, list(local_area(ds, opts)))
    return deprived, local


# --------------------------------------------------------------------------- the summary
#: Bits of a supplier's class code (`_class_codes`): located, among the most deprived, local.
LOCATED, DEPRIVED, LOCAL = 1, 2, 4
N_CLASSES = 8


@dataclass
class Summary:
    """Filtered figures, computed on first use. Money fields are integer pence; shares are
    fractions or None.

    A filter change costs one masked pass over the transactions for what the map and the cards
    need (spend and transactions per supplier: `sup_spend`, `sup_count`), and one more for the
    per-anchor and per-year tables (spend per year, anchor and supplier class). The dense
    (year x anchor x supplier) `cube` is built only when asked for: at national scale it has more
    cells than there are transactions.
    """

    ds: Dataset
    filters: Filters
    options: Options
    mask_bits: np.ndarray | None   # np.packbits of the filter mask; None = every transaction passes
    extra: dict = field(default_factory=dict)

    @property
    def mask(self) -> np.ndarray | None:
        """Bool per transaction that passes the filters (None = all). A Summary keeps one bit per
        transaction, not one byte: pages cache dozens of them, at 10 million transactions each."""
        raw = self.__dict__.pop("_raw_mask", None)   # the first pass uses the mask as filtered
        if raw is not None or self.mask_bits is None:
            return raw
        return np.unpackbits(self.mask_bits, count=len(self.ds.tx)).view(bool)

    @cached_property
    def _classes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return _classes_for(self.ds, self.options)

    @property
    def deprived(self) -> np.ndarray:
        """Bool per supplier: located in an LSOA among the most deprived X%."""
        return self._classes[0]

    @property
    def local(self) -> np.ndarray:
        """Bool per supplier: located in the local area."""
        return self._classes[1]

    @cached_property
    def _by_supplier(self) -> tuple[np.ndarray, np.ndarray]:
        return _per_supplier(self.ds, self.mask)

    @property
    def sup_spend(self) -> np.ndarray:
        """Filtered spend (pence, int64) per supplier."""
        return self._by_supplier[0]

    @property
    def sup_count(self) -> np.ndarray:
        """Filtered transactions per supplier."""
        return self._by_supplier[1]

    @cached_property
    def _by_group(self) -> tuple[np.ndarray, np.ndarray]:
        return _per_group(self.ds, self.mask, self.options, self._classes[2])

    @cached_property
    def _dense(self) -> tuple[np.ndarray, np.ndarray]:
        return _cube(self.ds, self.mask)

    @property
    def cube(self) -> np.ndarray:
        """Spend (int64 pence) by (year, anchor, supplier). Large at national scale: prefer
        `sup_spend`, the tables, or `supplier_table(anchor=...)`."""
        return self._dense[0]

    @property
    def counts(self) -> np.ndarray:
        """Transactions by (year, anchor, supplier), same shape as `cube`."""
        return self._dense[1]

    @cached_property
    def headline(self) -> dict:
        return headline(self.ds, self.sup_spend, self.sup_count, self.deprived, self.local,
                        code=self._classes[3])

    @cached_property
    def by_ward(self) -> pd.DataFrame:
        return ward_table(self.ds, self.sup_spend, self.sup_count)

    @cached_property
    def by_anchor(self) -> pd.DataFrame:
        return anchor_table(self)

    @cached_property
    def by_year(self) -> pd.DataFrame:
        return year_table(self)


def summarise(ds: Dataset, filters: Filters = Filters(), options: Options = Options()
              ) -> Summary:
    """Every figure for one filter state (each computed when first read)."""
    mask = filter_mask(ds, filters)
    s = Summary(ds, filters, options, None if mask is None else np.packbits(mask))
    if mask is not None:
        s.__dict__["_raw_mask"] = mask
    return s


def _classes_for(ds: Dataset, opts: Options
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(deprived, local, class code, headline code) per supplier for `opts`, cached on the data
    set: they depend on the options only, not on the filters."""
    cache = ds.meta.setdefault("_classes", {})
    hit = cache.get(opts)
    if hit is None:
        deprived, local = supplier_classes(ds, opts)
        code = _headline_code(ds, deprived, local)
        hit = tuple(_frozen_copy(a) for a in (deprived, local, code & (N_CLASSES - 1), code))
        if len(cache) >= 64:  # a handful of option sets in practice; never grow without bound
            cache.clear()
        cache[opts] = hit
    return hit


def _frozen_copy(a: np.ndarray) -> np.ndarray:
    a = np.array(a)
    a.flags.writeable = False
    return a


def _per_supplier(ds: Dataset, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(spend, transactions) per supplier of the masked transactions; the unfiltered result is a
    fixed aggregate of the read-only data set, built once and reused."""
    if mask is None:
        cached = ds.meta.get("_by_supplier_all")
        if cached is None:
            cached = tuple(_frozen_copy(a) for a in _per_supplier_of(ds, None))
            ds.meta["_by_supplier_all"] = cached
        return cached
    return _per_supplier_of(ds, mask)


def _per_supplier_of(ds: Dataset, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    n = max(ds.n_suppliers, 1)
    sup = ds.tx.supplier if mask is None else ds.tx.supplier[mask]
    return _sums(ds, sup, mask, n), np.bincount(sup, minlength=n).astype(np.int64)


def _sums(ds: Dataset, key: np.ndarray, mask: np.ndarray | None, size: int) -> np.ndarray:
    """Exact int64 sum of the masked amounts per `key` (float64 bincount while that is exact)."""
    if _exact_in_float(ds):
        weights = _weights(ds)
        weights = weights if mask is None else weights[mask]
        return np.rint(np.bincount(key, weights=weights, minlength=size)).astype(np.int64)
    out = np.zeros(size, np.int64)
    np.add.at(out, key, ds.tx.amount if mask is None else ds.tx.amount[mask])
    return out


def _per_group(ds: Dataset, mask: np.ndarray | None, opts: Options, code: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Spend by (year, anchor, supplier class) and transactions by (year, anchor)."""
    if mask is None:
        cache = ds.meta.setdefault("_by_group_all", {})
        hit = cache.get(opts)
        if hit is None:
            if len(cache) >= 64:
                cache.clear()
            hit = cache[opts] = tuple(_frozen_copy(a) for a in _per_group_of(ds, None, code))
        return hit
    return _per_group_of(ds, mask, code)


def _per_group_of(ds: Dataset, mask: np.ndarray | None, code: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    n_years, n_anchors = max(len(ds.years), 1), max(ds.n_anchors, 1)
    group = ds.tx.group if mask is None else ds.tx.group[mask]
    sup = ds.tx.supplier if mask is None else ds.tx.supplier[mask]
    key = group.astype(np.int64) * N_CLASSES + code[sup]
    spend = _sums(ds, key, mask, n_years * n_anchors * N_CLASSES)
    counts = np.bincount(group, minlength=n_years * n_anchors).astype(np.int64)
    return spend.reshape(n_years, n_anchors, N_CLASSES), counts.reshape(n_years, n_anchors)


def _cube(ds: Dataset, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Spend and transaction counts by (year, anchor, supplier) of the masked transactions.

    The unfiltered cube is a fixed aggregate of the read-only data set: built once and reused.
    """
    if mask is None:
        cached = ds.meta.get("_cube_all")
        if cached is None:
            cached = _cube_of(ds, None)
            for a in cached:
                a.flags.writeable = False
            ds.meta["_cube_all"] = cached
        return cached
    return _cube_of(ds, mask)


def _cube_of(ds: Dataset, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    shape = (max(len(ds.years), 1), max(ds.n_anchors, 1), max(ds.n_suppliers, 1))
    size = shape[0] * shape[1] * shape[2]
    key = _key(ds)
    if mask is not None:
        key = key[mask]
    counts = np.bincount(key, minlength=size)
    spend = _sums(ds, key, mask, size)
    return spend.reshape(shape), counts.reshape(shape)


def _key(ds: Dataset) -> np.ndarray:
    key = ds.meta.get("_key")
    if key is None:
        key = ds.tx.group.astype(np.int64) * max(ds.n_suppliers, 1) + ds.tx.supplier
        key.flags.writeable = False
        ds.meta["_key"] = key
    return key


def _weights(ds: Dataset) -> np.ndarray:
    """The amounts as float64 (bincount's weight type): see `model.amount_weights`."""
    return amount_weights(ds)


def _exact_in_float(ds: Dataset) -> bool:
    flag = ds.meta.get("_exact")
    if flag is None:
        flag = int(np.abs(ds.tx.amount).sum(dtype=np.float64)) < EXACT_LIMIT // 2
        ds.meta["_exact"] = flag
    return flag


# --------------------------------------------------------------------------- tables
#: Bits of the headline code (`_headline_code`) above the three class bits.
SME_YES, SME_UNKNOWN, VCSE_YES, VCSE_UNKNOWN = 8, 16, 32, 64
N_HEADLINE = 128
_WITH_BIT = {bit: np.array([c for c in range(N_HEADLINE) if c & bit])
             for bit in (LOCATED, DEPRIVED, LOCAL, SME_YES, SME_UNKNOWN, VCSE_YES, VCSE_UNKNOWN)}


def headline(ds: Dataset, sup_spend: np.ndarray, sup_count: np.ndarray, deprived: np.ndarray,
             local: np.ndarray, *, code: np.ndarray | None = None) -> dict:
    """The headline metrics of the spec from per-supplier filtered spend (pence).

    Every sum is read off one `bincount` of spend by supplier kind (`code`, from
    `_headline_code`; a Summary passes its cached one)."""
    if code is None:
        code = _headline_code(ds, deprived, local)
    if _exact_in_float(ds):
        bins = np.rint(np.bincount(code, weights=sup_spend.astype(np.float64),
                                   minlength=N_HEADLINE)).astype(np.int64)
    else:
        bins = np.zeros(N_HEADLINE, np.int64)
        np.add.at(bins, code, sup_spend)
    total = int(bins.sum())
    located_spend = int(bins[_WITH_BIT[LOCATED]].sum())
    deprived_spend = int(bins[_WITH_BIT[DEPRIVED]].sum())
    local_spend = int(bins[_WITH_BIT[LOCAL]].sum())
    out = {
        "total_spend": total,
        "located_spend": located_spend,
        "unlocated_spend": total - located_spend,
        "coverage": ratio(located_spend, total),
        "deprived_spend": deprived_spend,
        "share_most_deprived": ratio(deprived_spend, located_spend),
        "local_spend": local_spend,
        "local_share": ratio(local_spend, located_spend),
        "suppliers": int(np.count_nonzero(sup_count)),
        "transactions": int(sup_count.sum()),
    }
    for flag, yes, unknown in (("sme", SME_YES, SME_UNKNOWN), ("vcse", VCSE_YES, VCSE_UNKNOWN)):
        out[f"{flag}_spend"] = int(bins[_WITH_BIT[yes]].sum())
        out[f"{flag}_unknown_spend"] = int(bins[_WITH_BIT[unknown]].sum())
        out[f"{flag}_share"] = ratio(out[f"{flag}_spend"], total)
        out[f"{flag}_unknown_share"] = ratio(out[f"{flag}_unknown_spend"], total)
    return out


def _headline_code(ds: Dataset, deprived: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Per supplier: located, deprived, local and the SME / VCSE flag (true or unknown) as bits."""
    code = ds.sup_located.astype(np.int64) * LOCATED + deprived * DEPRIVED + local * LOCAL
    for flag, yes, unknown in (("sme", SME_YES, SME_UNKNOWN), ("vcse", VCSE_YES, VCSE_UNKNOWN)):
        values = ds.sup_flag(flag)
        code += (values == YES) * yes + (values == UNKNOWN) * unknown
    return code


def ward_table(ds: Dataset, sup_spend: np.ndarray, sup_count: np.ndarray) -> pd.DataFrame:
    """Spend (pence) and distinct suppliers per ward of the loaded boundaries, in ward order."""
    n = len(ds.wards)
    pos, ward, base = _ward_parts(ds)
    spend = np.bincount(ward, weights=sup_spend[pos].astype(np.float64), minlength=n)
    suppliers = np.bincount(ward[sup_count[pos] > 0], minlength=n)
    # .copy() of an Arrow-backed array is a new array object over the same immutable buffers:
    # cheap, and a caller editing its table cannot reach the cached one
    return pd.DataFrame({"ward_code": base[0].copy(), "ward_name": base[1].copy(),
                         "spend": np.rint(spend[:n]).astype(np.int64),
                         "suppliers": suppliers[:n].astype(np.int64)}, copy=False)


def _ward_parts(ds: Dataset) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(positions of the located suppliers in a loaded ward, their ward index, the ward codes and
    names as pandas arrays), made once per data set."""
    parts = ds.meta.get("_ward_parts")
    if parts is None:
        in_ward = ds.sup_located & (ds.sup_ward >= 0)
        pos = np.flatnonzero(in_ward)
        base = pd.DataFrame({"ward_code": ds.wards["code"].to_numpy(object),
                             "ward_name": ds.wards["name"].to_numpy(object)})
        parts = ds.meta["_ward_parts"] = (pos, ds.sup_ward[pos].astype(np.int64),
                                          (base["ward_code"].array, base["ward_name"].array))
    return parts


def anchor_table(s: Summary) -> pd.DataFrame:
    """Per anchor: total, located and deprived spend (pence), and the share to the most deprived."""
    spend, counts = s._by_group
    return _class_table(spend.sum(axis=0), s.ds.anchors["name"].to_numpy(object), "anchor",
                        counts.sum(axis=0))


def year_table(s: Summary, *, ward: str | None = None, anchor: str | None = None
               ) -> pd.DataFrame:
    """Per financial year: total, located, deprived and local spend (pence) and shares.

    With `ward` and/or `anchor`, only the spend of that anchor with suppliers in that ward (one
    masked pass; the drill-down's year panel, without the dense cube)."""
    labels = np.array([fy_label(y) for y in s.ds.years] or ["—"], dtype=object)
    if ward is None and anchor is None:
        spend, counts = s._by_group
    else:
        ds, mask = s.ds, s.mask
        if anchor is not None:
            pos = np.flatnonzero(np.asarray(_anchor_names(ds), dtype=object) == anchor)
            mask = _and(mask, ds.tx.anchor == (int(pos[0]) if len(pos) else -1))
        if ward is not None:
            mask = _and(mask, (ds.sup_ward == _ward_pos(ds, ward))[ds.tx.supplier])
        spend, counts = _per_group_of(ds, mask, s._classes[2])
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
    """Sum over the supplier classes (last axis) that have `bit` set."""
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
                   anchor: str | None = None) -> pd.DataFrame:
    """Suppliers by filtered spend, largest first; individuals are never named."""
    if anchor:
        spend, count = _per_supplier_of(s.ds, _and(s.mask, s.ds.tx.anchor == _anchor_pos(s.ds,
                                                                                        anchor)))
    else:
        spend, count = s.sup_spend, s.sup_count
    keep = count > 0
    if ward is not None:
        keep &= s.ds.sup_ward == _ward_pos(s.ds, ward)
    idx = np.flatnonzero(keep)
    idx = idx[np.argsort(-spend[idx], kind="stable")]
    if n is not None:
        idx = idx[:n]
    sup = s.ds.suppliers
    wards = s.ds.wards["name"].to_numpy(object)
    ward_idx = s.ds.sup_ward[idx]
    person = sup["individual"].to_numpy()[idx] == YES  # individuals: no postcode, no ward
    return pd.DataFrame({
        "supplier": sup["display_name"].to_numpy(object)[idx],
        "postcode": np.where(person, None, sup["postcode"].to_numpy(object)[idx]),
        "ward": np.where((ward_idx >= 0) & ~person,
                         wards[np.maximum(ward_idx, 0)] if len(wards) else None, None),
        "spend": spend[idx].astype(np.int64),
        "transactions": count[idx].astype(np.int64),
        "most_deprived": s.deprived[idx],
        "local": s.local[idx],
        "located": s.ds.sup_located[idx],
    }).assign(supplier=lambda d: d["supplier"].fillna(WITHHELD))


def _and(mask: np.ndarray | None, other: np.ndarray) -> np.ndarray:
    return other if mask is None else mask & other


def category_table(ds: Dataset, filters: Filters, *, ward: str | None = None) -> pd.DataFrame:
    """Spend (pence) and transactions per expenditure category under the filters (and ward)."""
    mask = filter_mask(ds, filters)
    if ward is not None:
        in_ward = ds.sup_ward[ds.tx.supplier] == _ward_pos(ds, ward)
        mask = in_ward if mask is None else mask & in_ward
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
    method, population-weighted, and the population share living in deprived LSOAs."""
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
    pos = np.flatnonzero(ds.wards["code"].to_numpy(object) == code)
    return int(pos[0]) if len(pos) else -2


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


def pounds(pence: int | float | None) -> float | None:
    """Pence to pounds rounded to 2 decimals (for JSON)."""
    return None if pence is None else round(int(pence) / 100, 2)


def most_deprived_label(opts: Options) -> str:
    ref = "nationally" if opts.reference == "national" else "in the local area"
    return f"most deprived {opts.most_deprived}% {ref}"

