"""Workforce figures (``../shared/spec/plan.md``, "Workforce"): where the anchors' staff live against
deprivation, and how many are paid at least the real Living Wage.

Computed from `Dataset.workforce` (counts by anchor, LSOA, living-wage flag, new-starter flag and
snapshot). The same options as spend (`Options`: most deprived X%, national or local reference, the
local area) decide which LSOAs are "most deprived" and "local" (`deprivation.deprived_lsoas`).

Which snapshot counts: each selected anchor's latest snapshot (so that an anchor that sent a newer
extract is not counted twice), or, with ``snapshot`` given, that snapshot only, or with ``year``
given, each anchor's latest snapshot within that financial year (the targets' ``actual(y)``).
These are raw counts: what may be shown is decided by `disclosure.py`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from dashboard.engine.deprivation import deprived_lsoas, local_area
from dashboard.engine.filters import Options
from dashboard.engine.model import Dataset
from dashboard.engine.money import ratio


@dataclass(frozen=True)
class WorkforceFigures:
    """Headline counts and shares (None = undefined) and the headcount per ward.

    ``by_ward`` is aligned to ``Dataset.wards``; ``outside_wards`` counts staff located in an LSOA
    with no ward on the map, ``not_located`` staff with no LSOA: with ``by_ward`` they add up to
    ``workforce``.
    """

    workforce: int
    workforce_located: int
    pay_known: int
    living_wage: int
    most_deprived: int
    local: int
    new_starters: int
    new_starters_located: int
    new_starters_most_deprived: int
    by_ward: np.ndarray
    outside_wards: int
    not_located: int
    snapshots: dict = field(default_factory=dict)   # anchor -> the snapshot counted

    @property
    def workforce_share_most_deprived(self) -> float | None:
        return ratio(self.most_deprived, self.workforce_located)

    @property
    def workforce_local_share(self) -> float | None:
        return ratio(self.local, self.workforce_located)

    @property
    def living_wage_share(self) -> float | None:
        return ratio(self.living_wage, self.pay_known)

    @property
    def new_starters_share_most_deprived(self) -> float | None:
        return ratio(self.new_starters_most_deprived, self.new_starters_located)


def has_workforce(ds: Dataset) -> bool:
    """Whether the data set holds a workforce (one with no rows counts as none)."""
    return ds.workforce is not None and len(ds.workforce) > 0


def snapshots(ds: Dataset) -> tuple[str, ...]:
    """The snapshot dates present ("YYYY-MM-DD"), ascending."""
    if not has_workforce(ds):
        return ()
    return tuple(sorted(set(ds.workforce["snapshot"].astype(str))))


def selected_rows(ds: Dataset, anchors: tuple[str, ...] = (), snapshot: str | None = None,
                  year: int | None = None) -> pd.DataFrame:
    """The workforce rows that count: the anchors chosen (all when empty), at each anchor's
    latest snapshot (within financial year ``year`` when given), or at ``snapshot`` exactly."""
    if not has_workforce(ds):
        return _empty()
    wf = ds.workforce
    if anchors:
        wf = wf[wf["anchor"].isin(list(anchors))]
    snap = wf["snapshot"].astype(str)
    if snapshot is not None:
        return wf[snap == str(snapshot)]
    if year is not None:
        inside = (snap >= date(year, 4, 1).isoformat()) & (snap <= date(year + 1, 3, 31).isoformat())
        wf, snap = wf[inside], snap[inside]
    latest = snap.groupby(wf["anchor"]).transform("max")
    return wf[snap == latest]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"anchor": pd.Series([], dtype=str), "lsoa": pd.Series([], dtype=str),
                         "living_wage": pd.Series([], dtype=np.int8),
                         "new_starter": pd.Series([], dtype=bool),
                         "snapshot": pd.Series([], dtype=str),
                         "count": pd.Series([], dtype=np.int64)})


def workforce_figures(ds: Dataset, opts: Options = Options(), anchors: tuple[str, ...] = (),
                      snapshot: str | None = None, year: int | None = None) -> WorkforceFigures:
    """Every workforce figure of the spec for the anchors, snapshot and options given.

    - ``workforce``: headcount; ``workforce_located``: those with a known LSOA;
    - ``workforce_share_most_deprived``: located staff living in an LSOA among the most deprived
      X% (the spend rules, so the local reference ranks within the local area) / located;
    - ``workforce_local_share``: located staff living in the local area / located;
    - ``new_starters_share_most_deprived``: the same share among located new starters;
    - ``living_wage_share``: paid at least the real Living Wage / pay known.
    """
    rows = selected_rows(ds, anchors, snapshot, year)
    n = rows["count"].to_numpy(np.int64)
    lsoa = rows["lsoa"].astype(str).to_numpy(object)
    located = lsoa != ""
    idx = pd.Index(ds.lsoas["lsoa"].astype(object)).get_indexer(lsoa)
    in_index = idx >= 0
    deprived_table = deprived_lsoas(ds, opts)
    deprived = in_index & deprived_table[np.maximum(idx, 0)] if len(deprived_table) else (
        np.zeros(len(rows), bool))
    lads = ds.lsoas["lad"].astype(object).to_numpy(object)
    area = set(local_area(ds, opts))
    local = in_index & np.array([lads[i] in area if i >= 0 else False for i in idx], bool)
    ward = np.where(in_index, ds.lsoa_ward[np.maximum(idx, 0)] if len(ds.lsoa_ward) else -1, -1)
    by_ward = np.bincount(ward[ward >= 0], weights=n[ward >= 0],
                          minlength=len(ds.wards)).astype(np.int64)
    lw = rows["living_wage"].to_numpy(np.int8)
    new = rows["new_starter"].to_numpy(bool)
    return WorkforceFigures(
        workforce=int(n.sum()),
        workforce_located=int(n[located].sum()),
        pay_known=int(n[lw >= 0].sum()),
        living_wage=int(n[lw == 1].sum()),
        most_deprived=int(n[deprived].sum()),
        local=int(n[local].sum()),
        new_starters=int(n[new].sum()),
        new_starters_located=int(n[new & located].sum()),
        new_starters_most_deprived=int(n[new & deprived].sum()),
        by_ward=by_ward,
        outside_wards=int(n[located & (ward < 0)].sum()),
        not_located=int(n[~located].sum()),
        snapshots=dict(rows.groupby("anchor")["snapshot"].max().astype(str)) if len(rows) else {},
    )


def anchor_ward_counts(ds: Dataset, snapshot: str | None = None) -> tuple[list[str], np.ndarray]:
    """The anchors x (wards + outside the wards + not located) table of headcounts at each
    anchor's latest snapshot (or ``snapshot``): the one table whose cells the page may show,
    so that disclosure control is applied to it as a whole (rows, columns and totals)."""
    rows = selected_rows(ds, (), snapshot)
    names = sorted(set(rows["anchor"].astype(str)))
    out = np.zeros((len(names), len(ds.wards) + 2), np.int64)
    for i, name in enumerate(names):
        f = workforce_figures(ds, Options(), (name,), snapshot)
        out[i, :len(ds.wards)] = f.by_ward
        out[i, -2], out[i, -1] = f.outside_wards, f.not_located
    return names, out


#: The workforce metrics a target can carry (plan.md, "Targets and progress"): numerator and
#: denominator of each, from `WorkforceFigures`.
TARGET_METRICS = {
    "workforce_share_most_deprived": ("most_deprived", "workforce_located"),
    "workforce_local_share": ("local", "workforce_located"),
    "living_wage_share": ("living_wage", "pay_known"),
}


def workforce_parts(ds: Dataset, metric: str, scope: str | None, year: int, options: Options
                    ) -> tuple[int, int]:
    """(numerator, denominator) headcounts of a workforce target metric for financial year
    ``year`` (each anchor's latest snapshot within it), for the network (``scope`` None) or one
    anchor: the same shape as the action plan's spend ``parts``, so targets can use either.

    >>> workforce_parts(Dataset.__new__(Dataset), "nothing", None, 2024, Options())
    Traceback (most recent call last):
    ...
    KeyError: "'nothing' is not a workforce metric"
    """
    if metric not in TARGET_METRICS:
        raise KeyError(f"{metric!r} is not a workforce metric")
    f = workforce_figures(ds, options, (scope,) if scope else (), year=year)
    num, den = TARGET_METRICS[metric]
    return int(getattr(f, num)), int(getattr(f, den))
