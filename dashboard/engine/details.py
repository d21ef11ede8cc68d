"""The details of one ward or one anchor under the filters (issue 16: details beside the map):
a ward's spend by anchor and its deprivation profile beside its district's and England's; an
anchor's spend by ward. One masked pass over the transactions each, on the Summary's own mask;
money in integer pence, shares as fractions or None.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dashboard.engine.deprivation import deprived_lsoas, local_area
from dashboard.engine.filters import Options, and_mask
from dashboard.engine.model import Dataset
from dashboard.engine.money import ratios

if TYPE_CHECKING:
    from dashboard.engine.summaries import Summary


def _ward_pos(ds: Dataset, code: str) -> int:
    pos = np.flatnonzero(ds.wards["code"].to_numpy(object) == code)
    return int(pos[0]) if len(pos) else -2


def ward_by_anchor(s: Summary, ward: str) -> pd.DataFrame:
    """Spend (pence) and payments of each anchor with suppliers in `ward`, largest first (anchors
    with no payments there left out)."""
    ds = s.ds
    mask = and_mask(s.mask, (ds.sup_ward == _ward_pos(ds, ward))[ds.tx.supplier])
    anchor = ds.tx.anchor if mask is None else ds.tx.anchor[mask]
    amount = ds.tx.amount if mask is None else ds.tx.amount[mask]
    n = len(ds.anchors)
    spend = np.bincount(anchor, weights=amount.astype(np.float64), minlength=n)[:n]
    count = np.bincount(anchor, minlength=n)[:n]
    out = pd.DataFrame({"anchor": ds.anchors["name"].to_numpy(object),
                        "spend": np.rint(spend).astype(np.int64), "transactions": count})
    return out[out["transactions"] > 0].sort_values("spend", ascending=False, kind="stable")


def anchor_by_ward(s: Summary, anchor: str, n: int | None = 10) -> pd.DataFrame:
    """The wards receiving the most of `anchor`'s spend under the filters: ward code and name,
    spend (pence) and its share of the anchor's spend located in a ward; at most `n` wards."""
    ds = s.ds
    names = ds.anchors["name"].to_numpy(object)
    pos = np.flatnonzero(names == anchor)
    mask = and_mask(s.mask, ds.tx.anchor == (int(pos[0]) if len(pos) else -1))
    ward = ds.sup_ward[ds.tx.supplier] if mask is None else ds.sup_ward[ds.tx.supplier[mask]]
    amount = ds.tx.amount if mask is None else ds.tx.amount[mask]
    inside = ward >= 0
    k = len(ds.wards)
    spend = np.rint(np.bincount(ward[inside], weights=amount[inside].astype(np.float64),
                                minlength=k)[:k]).astype(np.int64)
    total = int(spend[spend > 0].sum())
    out = pd.DataFrame({"ward_code": ds.wards["code"].to_numpy(object),
                        "ward_name": ds.wards["name"].to_numpy(object), "spend": spend})
    out = out[out["spend"] > 0].sort_values("spend", ascending=False, kind="stable")
    out["share"] = [v / total if total > 0 else None for v in out["spend"]]
    return out if n is None else out.head(n)


def ward_profile(ds: Dataset, ward: str, options: Options) -> dict:
    """A ward's deprivation: its LSOAs by national IMD decile (1 = most deprived), and its
    population-weighted average rank and share of residents in the most deprived X% beside the
    same figures for its local area and for England (national ranks of the chosen domain)."""
    rank = ds.lsoas[f"{options.domain}_rank"].to_numpy(np.float64)
    decile = ds.lsoas[f"{options.domain}_decile"].to_numpy(np.int64)
    pop = (ds.lsoas["population"].to_numpy(np.float64) if "population" in ds.lsoas
           else np.ones(len(ds.lsoas)))
    deprived = deprived_lsoas(ds, options)
    here = ds.lsoa_ward == _ward_pos(ds, ward)
    area = np.isin(ds.lsoas["lad"].to_numpy(object), np.asarray(local_area(ds, options), object))

    def figures(sel: np.ndarray) -> tuple[float | None, float | None, int]:
        p = float(pop[sel].sum())
        r = ratios(np.array([float((pop * rank)[sel].sum())]), np.array([p]))[0]
        d = ratios(np.array([float((pop * deprived)[sel].sum())]), np.array([p]))[0]
        return r, d, int(sel.sum())

    return {"deciles": [int((decile[here] == d).sum()) for d in range(1, 11)],
            "ward": figures(here), "local_area": figures(area),
            "england": figures(np.ones(len(rank), dtype=bool))}
