"""Who counts as "most deprived" and "local" under the options, per LSOA and per supplier.

The spec's rules ("Most deprived X%": national deciles, or local deciles ranked within the local
area) decide a bool per LSOA (`deprived_lsoas`), then per supplier (`supplier_classes`). The sums
read these as small integer codes per supplier (`class_codes`): one bit each for located, among the
most deprived and local (the per-anchor and per-year tables), plus the SME and VCSE flags (the
headline). The codes depend on the options only, never on the filters, so they are made once per
option set and kept in the data set's bounded options cache (`Dataset.derived`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.engine.derived import frozen
from dashboard.engine.filters import Options
from dashboard.engine.model import UNKNOWN, YES, Dataset

#: Bits of a supplier's class code: located, among the most deprived, local.
LOCATED, DEPRIVED, LOCAL = 1, 2, 4
N_CLASSES = 8
#: Bits of the headline code above the three class bits: SME / VCSE flagged true or unknown.
SME_YES, SME_UNKNOWN, VCSE_YES, VCSE_UNKNOWN = 8, 16, 32, 64
N_HEADLINE = 128


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

    >>> t = pd.DataFrame({"lad": ["A", "A", "A", "B"], "imd_rank": [300, 100, 200, 1]})
    >>> local_deciles(t, ("A",)).tolist()
    [10, 4, 7, 11]
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


def most_deprived_label(opts: Options) -> str:
    """The words shown next to every figure that depends on the options.

    >>> most_deprived_label(Options(most_deprived=20, reference="local"))
    'most deprived 20% in the local area'
    """
    ref = "nationally" if opts.reference == "national" else "in the local area"
    return f"most deprived {opts.most_deprived}% {ref}"


def headline_code(ds: Dataset, deprived: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Per supplier: located, deprived, local and the SME / VCSE flag (true or unknown) as bits."""
    code = ds.sup_located.astype(np.int64) * LOCATED + deprived * DEPRIVED + local * LOCAL
    for flag, yes, unknown in (("sme", SME_YES, SME_UNKNOWN), ("vcse", VCSE_YES, VCSE_UNKNOWN)):
        values = ds.sup_flag(flag)
        code += (values == YES) * yes + (values == UNKNOWN) * unknown
    return code


def class_codes(ds: Dataset, opts: Options
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(deprived, local, class code, headline code) per supplier for `opts`, read-only, made once
    per option set and kept in `ds.derived`'s bounded options cache."""
    def build() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        deprived, local = supplier_classes(ds, opts)
        code = headline_code(ds, deprived, local)
        return tuple(frozen(a) for a in (deprived, local, code & (N_CLASSES - 1), code))

    return ds.derived.for_options("classes", opts, build)
