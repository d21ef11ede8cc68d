"""Drill-down data for a ward or an anchor, and the series of the trend chart.

The drill-down reads only the selection's own transactions (`dashboard.engine.details`: its rows
found once, every table a `bincount` over them), never a full pass over the data set: a click on
a ward is answered in milliseconds at England's scale.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from dashboard.engine import details
from dashboard.engine import metrics as m
from dashboard.engine.metrics import Summary
from dashboard.view.tables import supplier_rows

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

    Suppliers and categories follow every filter (an anchor outside the anchors filter has
    nothing); the years table uses `every_year` (the same filters without the period, so a
    chosen year still shows in context) when given.
    """
    if not ward and not anchor:
        return None
    ds = s.ds
    title = " — ".join(x for x in (details.ward_name(ds, ward) if ward else None, anchor) if x)
    rows = details.selected_rows(ds, ward, anchor)
    sel = details.selection(s, ward, anchor, rows)
    years = _year_slice(details.selection(every_year, ward, anchor, rows) if every_year else sel)
    sums = details.by_supplier(sel) if anchor else None
    return Drill(title, supplier_rows(s, n=TOP_SUPPLIERS, ward=ward, anchor=anchor, sums=sums),
                 details.by_category(sel), years, details.total(sel))


def _year_slice(sel: details.Selection) -> pd.DataFrame:
    """Spend, located, deprived (pence) and share by financial year for the selection."""
    t = details.by_year(sel)
    return pd.DataFrame({"year": t["year"].to_numpy(object),
                         "spend": t["total_spend"].to_numpy(np.int64),
                         "located": t["located_spend"].to_numpy(np.int64),
                         "deprived": t["deprived_spend"].to_numpy(np.int64),
                         "share": t["share_most_deprived"].to_numpy()})


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
