"""One filter state's figures: `summarise` gives a `Summary`, whose figures are computed when read.

The hot path is one boolean mask over the transactions and one `bincount` of spend per supplier:
every headline figure and the per-ward values are sums over that per-supplier vector, so a filter
change costs about one pass over the transactions whatever is shown. The per-anchor and per-year
tables take one more pass, into (financial year x anchor x supplier class) bins. What depends only
on the options (which suppliers are among the most deprived, which are local) comes from the data
set's derived data (`Dataset.derived`), not from the Summary.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from dashboard.engine import tables
from dashboard.engine.deprivation import (
    DEPRIVED,
    LOCAL,
    LOCATED,
    N_HEADLINE,
    SME_UNKNOWN,
    SME_YES,
    VCSE_UNKNOWN,
    VCSE_YES,
    class_codes,
    headline_code,
)
from dashboard.engine.filters import Filters, Options, filter_mask
from dashboard.engine.model import Dataset
from dashboard.engine.money import per_group, per_supplier, ratio


@dataclass
class Summary:
    """Filtered figures, computed on first use. Money fields are integer pence; shares are
    fractions or None.

    A filter change costs one masked pass over the transactions for what the map and the cards
    need (spend and transactions per supplier: `sup_spend`, `sup_count`), and one more for the
    per-anchor and per-year tables (spend per year, anchor and supplier class).
    """

    ds: Dataset
    filters: Filters
    options: Options
    mask_bits: np.ndarray | None   # np.packbits of the filter mask; None = every transaction passes

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
        return class_codes(self.ds, self.options)

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
        return per_supplier(self.ds, self.mask)

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
        return per_group(self.ds, self.mask, self.options, self._classes[2])

    @cached_property
    def headline(self) -> dict:
        return headline(self.ds, self.sup_spend, self.sup_count, self.deprived, self.local,
                        code=self._classes[3])

    @cached_property
    def by_ward(self) -> pd.DataFrame:
        return tables.ward_table(self.ds, self.sup_spend, self.sup_count)

    @cached_property
    def by_anchor(self) -> pd.DataFrame:
        return tables.anchor_table(self)

    @cached_property
    def by_year(self) -> pd.DataFrame:
        return tables.year_table(self)


#: The defaults of `summarise`: no filter, the spec's default options (both immutable).
NO_FILTERS, DEFAULT_OPTIONS = Filters(), Options()


def summarise(ds: Dataset, filters: Filters = NO_FILTERS, options: Options = DEFAULT_OPTIONS
              ) -> Summary:
    """Every figure for one filter state (each computed when first read)."""
    mask = filter_mask(ds, filters)
    s = Summary(ds, filters, options, None if mask is None else np.packbits(mask))
    if mask is not None:
        s.__dict__["_raw_mask"] = mask
    return s


#: Headline codes (0 .. N_HEADLINE - 1) that have each bit set.
_WITH_BIT = {bit: np.array([c for c in range(N_HEADLINE) if c & bit])
             for bit in (LOCATED, DEPRIVED, LOCAL, SME_YES, SME_UNKNOWN, VCSE_YES, VCSE_UNKNOWN)}


def headline(ds: Dataset, sup_spend: np.ndarray, sup_count: np.ndarray, deprived: np.ndarray,
             local: np.ndarray, *, code: np.ndarray | None = None) -> dict:
    """The headline metrics of the spec from per-supplier filtered spend (pence).

    Every sum is read off one `bincount` of spend by supplier kind (`code`, from
    `deprivation.headline_code`; a Summary passes its cached one)."""
    if code is None:
        code = headline_code(ds, deprived, local)
    if ds.derived.exact_in_float:
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
