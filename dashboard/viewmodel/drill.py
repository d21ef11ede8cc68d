"""Drill-down data for a ward or an anchor, and the series of the trend chart.

Everything is a slice of the Summary's (year x anchor x supplier) cube, so a drill-down costs no
extra pass over the transactions (categories excepted: the cube has no category axis).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from dashboard import metrics as m
from dashboard.metrics import Summary
from dashboard.viewmodel.tables import supplier_rows

TOP_SUPPLIERS = 10


@dataclass(frozen=True)
class Drill:
    """What the drill-down panel shows for the selection."""

    title: str
    suppliers: pd.DataFrame   # supplier_rows columns
    categories: pd.DataFrame  # category, spend (pence), transactions
    years: pd.DataFrame       # year label, spend (pence), located, deprived (pence), share
    total: int                # pence


def all_years(f: m.Filters) -> m.Filters:
    """The filters without their period: for charts by year, which show every year."""
    return replace(f, years=(), date_from=None, date_to=None)


def drill(s: Summary, ward: str | None, anchor: str | None, every_year: Summary | None = None
          ) -> Drill | None:
    """The drill-down for a ward, an anchor, or both (the anchor's spend in the ward); None if neither.

    Suppliers and categories follow every filter; the years table uses `every_year` (the same
    filters without the period, so a chosen year still shows in context) when given.
    """
    if not ward and not anchor:
        return None
    ds = s.ds
    names = dict(zip(ds.wards["code"], ds.wards["name"]))
    title = " — ".join(x for x in (names.get(ward, ward) if ward else None, anchor) if x)
    filters = s.filters
    if anchor:
        filters = replace(filters, anchors=(anchor,)) if (
            not filters.anchors or anchor in filters.anchors) else replace(filters, anchors=("\0",))
    cats = m.category_table(ds, filters, ward=ward)
    years = _year_slice(every_year or s, ward, anchor)
    total = int(_year_slice(s, ward, anchor)["spend"].sum()) if every_year is not None else int(
        years["spend"].sum())
    return Drill(title, supplier_rows(s, n=TOP_SUPPLIERS, ward=ward, anchor=anchor), cats,
                 years, total)


def _year_slice(s: Summary, ward: str | None, anchor: str | None) -> pd.DataFrame:
    ds = s.ds
    cube = s.cube
    if anchor:
        pos = np.flatnonzero(ds.anchors["name"].to_numpy(object) == anchor)
        cube = cube[:, pos, :] if len(pos) else cube[:, :0, :]
    by_sup = cube.sum(axis=1)  # (years, suppliers)
    keep = np.ones(by_sup.shape[1], bool)
    if ward:
        codes = ds.wards["code"].to_numpy(object)
        keep = ds.sup_ward == (int(np.flatnonzero(codes == ward)[0]) if ward in codes else -2)
    located = keep & ds.sup_located
    deprived = keep & s.deprived
    spend = by_sup[:, keep].sum(axis=1)
    loc = by_sup[:, located].sum(axis=1)
    dep = by_sup[:, deprived].sum(axis=1)
    labels = [m.fy_label(y) for y in ds.years] or ["—"]
    return pd.DataFrame({"year": labels, "spend": spend.astype(np.int64),
                         "located": loc.astype(np.int64), "deprived": dep.astype(np.int64),
                         "share": m.ratios(dep, loc)})


@dataclass(frozen=True)
class Series:
    """One line of the trend chart."""

    name: str
    years: tuple[str, ...]
    shares: tuple[float | None, ...]   # fractions; None = undefined that year


def trend_series(s: Summary) -> list[Series]:
    """Share to the most deprived by financial year: all anchors together, then each anchor."""
    out = []
    by_year = s.by_year
    if s.ds.years:
        out.append(Series("All anchors", tuple(by_year["year"]),
                          tuple(by_year["share_most_deprived"])))
    t = m.trend_table(s)
    if len(t):
        chosen = s.filters.anchors
        for name, rows in t.groupby("anchor", sort=False):
            if chosen and name not in chosen:
                continue
            if rows["transactions"].sum() == 0:
                continue
            out.append(Series(str(name), tuple(rows["year"]), tuple(rows["share_most_deprived"])))
    return out
