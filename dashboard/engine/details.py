"""The details of one ward or one anchor under the filters (issue 16: details beside the map,
in under half a second at England's scale): a ward's spend by anchor, categories, years and
suppliers, and its deprivation profile beside its district's and England's; an anchor's spend by
ward.

A click must not pay for full passes over ten million transactions. Each transaction's ward is
gathered once per data set (`tx_wards`, int32, kept in `Dataset.derived`); a selection is then
one comparison to find its rows (`selection`), and every table is a `bincount` over those rows
only, read through the Summary's packed filter mask. Money in integer pence, shares as fractions
or None.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dashboard.engine.deprivation import (
    DEPRIVED,
    LOCATED,
    N_CLASSES,
    deprived_lsoas,
    local_area,
)
from dashboard.engine.derived import frozen
from dashboard.engine.filters import Options
from dashboard.engine.model import Dataset
from dashboard.engine.money import exact_sums, ratios
from dashboard.engine.periods import fy_label

if TYPE_CHECKING:
    from dashboard.engine.summaries import Summary

#: `Derived.once` name of the per-transaction ward index.
TX_WARDS = "details.tx_wards"


def _ward_pos(ds: Dataset, code: str | None) -> int:
    """The ward's row, -2 for an unknown code (matches no supplier: -1 is "in no ward")."""
    rows = ds.derived.once("details.ward_rows",
                           lambda: {str(c): i for i, c in enumerate(ds.wards["code"])})
    return rows.get(code, -2)


def ward_name(ds: Dataset, code: str) -> str:
    """The ward's name (its code when unknown), without converting the ward table per call."""
    pos = _ward_pos(ds, code)
    return str(ds.wards["name"].iat[pos]) if pos >= 0 else code


def _anchor_pos(ds: Dataset, name: str) -> int:
    pos = np.flatnonzero(np.asarray(ds.derived.anchor_names, dtype=object) == name)
    return int(pos[0]) if len(pos) else -2


def tx_wards(ds: Dataset) -> np.ndarray:
    """Each transaction's supplier's ward index (-1 in no ward), int32, made once per data set
    (40 MB per 10 million transactions): a ward's rows are then one comparison, not a gather."""
    return ds.derived.once(TX_WARDS, lambda: frozen(ds.sup_ward[ds.tx.supplier].astype(np.int32)))


@dataclass(frozen=True)
class Selection:
    """The transactions of a ward and/or an anchor that pass a Summary's filters: their
    positions (`rows`, ascending), with the Summary they were read from."""

    summary: Summary
    rows: np.ndarray

    @property
    def ds(self) -> Dataset:
        return self.summary.ds


def selection(s: Summary, ward: str | None, anchor: str | None,
              rows: np.ndarray | None = None) -> Selection:
    """The rows of `ward` (suppliers there) and/or `anchor` (its payments) under `s`'s filters;
    an unknown ward or anchor selects nothing. `rows`: `selected_rows(ward, anchor)` when the
    caller has them already (one search for several filter states)."""
    return Selection(s, passing(s, selected_rows(s.ds, ward, anchor) if rows is None else rows))


def selected_rows(ds: Dataset, ward: str | None, anchor: str | None) -> np.ndarray:
    """Every transaction of the ward and/or anchor, ignoring the filters."""
    hit = None
    if ward:
        hit = tx_wards(ds) == _ward_pos(ds, ward)
    if anchor:
        a = ds.tx.anchor == _anchor_pos(ds, anchor)
        hit = a if hit is None else (hit & a)
    return np.flatnonzero(hit) if hit is not None else np.arange(len(ds.tx))


def passing(s: Summary, rows: np.ndarray) -> np.ndarray:
    """The positions among `rows` that `s`'s filters let through, read from its packed mask
    (no full mask is unpacked)."""
    bits = s.mask_bits
    if bits is None or not len(rows):
        return rows
    keep = (bits[rows >> 3] >> (7 - (rows & 7)).astype(np.uint8)) & 1
    return rows[keep.astype(bool)]


def _sums(sel: Selection, key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(spend in pence, transactions) of the selection's rows per `key` (one per row)."""
    n = max(size, 1)
    spend = exact_sums(sel.ds, key, sel.rows, n)[:n]
    return spend, np.bincount(key, minlength=n)[:n].astype(np.int64)


def total(sel: Selection) -> int:
    """Net spend (pence) of the selection."""
    return int(_sums(sel, np.zeros(len(sel.rows), np.int64), 1)[0][0])


def by_anchor(sel: Selection) -> pd.DataFrame:
    """Spend (pence) and payments of each anchor in the selection, largest first (anchors with no
    payments left out)."""
    ds = sel.ds
    spend, count = _sums(sel, ds.tx.anchor[sel.rows].astype(np.int64), ds.n_anchors)
    out = pd.DataFrame({"anchor": ds.anchors["name"].to_numpy(object), "spend": spend,
                        "transactions": count})
    return out[out["transactions"] > 0].sort_values("spend", ascending=False, kind="stable")


def by_ward(sel: Selection, n: int | None = 10) -> pd.DataFrame:
    """The wards receiving the most of the selection's spend: ward code and name, spend (pence)
    and its share of the selection's spend located in a ward; at most `n` wards."""
    ds = sel.ds
    ward = tx_wards(ds)[sel.rows]
    inside = ward >= 0
    k = len(ds.wards)
    spend = exact_sums(ds, ward[inside], sel.rows[inside], max(k, 1))[:k]
    located = int(spend[spend > 0].sum())
    out = pd.DataFrame({"ward_code": ds.wards["code"].to_numpy(object),
                        "ward_name": ds.wards["name"].to_numpy(object), "spend": spend})
    out = out[out["spend"] > 0].sort_values("spend", ascending=False, kind="stable")
    out["share"] = [v / located if located > 0 else None for v in out["spend"]]
    return out if n is None else out.head(n)


def by_category(sel: Selection) -> pd.DataFrame:
    """Spend (pence) and payments per expenditure category of the selection, largest first
    (the columns of `metrics.category_table`)."""
    ds = sel.ds
    spend, count = _sums(sel, ds.tx.category[sel.rows].astype(np.int64), len(ds.categories))
    out = pd.DataFrame({"category": list(ds.categories) or [""], "spend": spend,
                        "transactions": count})
    return out[out["transactions"] > 0].sort_values("spend", ascending=False, kind="stable")


def by_year(sel: Selection) -> pd.DataFrame:
    """Per financial year of the data set: the selection's total, located and deprived spend
    (pence) and share to the most deprived (the matching columns of `metrics.year_table`)."""
    ds, s = sel.ds, sel.summary
    n_years, n_anchors = max(len(ds.years), 1), max(ds.n_anchors, 1)
    year = ds.tx.group[sel.rows].astype(np.int64) // n_anchors
    code = s._classes[2][ds.tx.supplier[sel.rows]]
    grid = _sums(sel, year * N_CLASSES + code, n_years * N_CLASSES)[0].reshape(n_years, N_CLASSES)
    classes = np.arange(N_CLASSES)
    located = grid[:, (classes & LOCATED) > 0].sum(axis=1)
    deprived = grid[:, (classes & DEPRIVED) > 0].sum(axis=1)
    labels = np.array([fy_label(y) for y in ds.years] or ["—"], dtype=object)
    return pd.DataFrame({"year": labels, "total_spend": grid.sum(axis=1).astype(np.int64),
                         "located_spend": located.astype(np.int64),
                         "deprived_spend": deprived.astype(np.int64),
                         "share_most_deprived": ratios(deprived, located)})


def by_supplier(sel: Selection) -> tuple[np.ndarray, np.ndarray]:
    """(spend in pence, transactions) per supplier of the selection (every supplier, in order)."""
    ds = sel.ds
    return _sums(sel, ds.tx.supplier[sel.rows].astype(np.int64), ds.n_suppliers)


def ward_by_anchor(s: Summary, ward: str) -> pd.DataFrame:
    """Spend (pence) and payments of each anchor with suppliers in `ward`, largest first (anchors
    with no payments there left out)."""
    return by_anchor(selection(s, ward, None))


def anchor_by_ward(s: Summary, anchor: str, n: int | None = 10) -> pd.DataFrame:
    """The wards receiving the most of `anchor`'s spend under the filters: ward code and name,
    spend (pence) and its share of the anchor's spend located in a ward; at most `n` wards."""
    return by_ward(selection(s, None, anchor), n)


def ward_profile(ds: Dataset, ward: str, options: Options) -> dict:
    """A ward's deprivation: its LSOAs by national IMD decile (1 = most deprived), and its
    population-weighted average rank and share of residents in the most deprived X% beside the
    same figures for its local area and for England (national ranks of the chosen domain). The
    local area's and England's figures depend on the options alone: made once per option set."""
    rank, decile, pop, deprived = _lsoa_arrays(ds, options)
    here = ds.lsoa_ward == _ward_pos(ds, ward)
    areas = ds.derived.for_options("details.profile_areas", options,
                                   lambda: _area_figures(ds, options))
    return {"deciles": [int((decile[here] == d).sum()) for d in range(1, 11)],
            "ward": _figures(here, pop, rank, deprived), **areas}


def _lsoa_arrays(ds: Dataset, options: Options) -> tuple[np.ndarray, ...]:
    """(rank, decile, population, deprived) per LSOA for the options' domain and X%."""
    pop = (ds.lsoas["population"].to_numpy(np.float64) if "population" in ds.lsoas
           else np.ones(len(ds.lsoas)))
    return (ds.lsoas[f"{options.domain}_rank"].to_numpy(np.float64),
            ds.lsoas[f"{options.domain}_decile"].to_numpy(np.int64), pop,
            deprived_lsoas(ds, options))


def _area_figures(ds: Dataset, options: Options) -> dict:
    rank, _decile, pop, deprived = _lsoa_arrays(ds, options)
    # pandas' hashed isin: numpy's on object arrays compares every pair (0.65 s for England)
    area = ds.lsoas["lad"].isin(local_area(ds, options)).to_numpy(bool)
    return {"local_area": _figures(area, pop, rank, deprived),
            "england": _figures(np.ones(len(rank), dtype=bool), pop, rank, deprived)}


def _figures(sel: np.ndarray, pop: np.ndarray, rank: np.ndarray, deprived: np.ndarray
             ) -> tuple[float | None, float | None, int]:
    """(population-weighted average rank, share of residents in deprived LSOAs, LSOAs)."""
    p = float(pop[sel].sum())
    r = ratios(np.array([float((pop * rank)[sel].sum())]), np.array([p]))[0]
    d = ratios(np.array([float((pop * deprived)[sel].sum())]), np.array([p]))[0]
    return r, d, int(sel.sum())
