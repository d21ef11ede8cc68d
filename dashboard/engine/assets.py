"""Land and assets figures (``../shared/spec/plan.md``, "Land and assets").

From `Dataset.assets` (one row per site, placed in its LSOA and ward at import): sites and area per
ward and status, and ``vacant_or_surplus_in_most_deprived``, the sites with status vacant, surplus
or disposal planned in an LSOA among the most deprived X% (the spend rules and options): the
network's candidates for community use. Site data are not personal: no disclosure control.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.engine.deprivation import deprived_lsoas
from dashboard.engine.filters import Options
from dashboard.engine.model import Dataset

#: Site statuses in display order (`unknown` last).
STATUSES = ("in use", "underused", "vacant", "surplus", "disposal planned", "unknown")
CANDIDATE_STATUSES = ("vacant", "surplus", "disposal planned")


def has_assets(ds: Dataset) -> bool:
    """Whether the data set holds an estate with at least one site."""
    return ds.assets is not None and len(ds.assets) > 0


def sites(ds: Dataset, anchors: tuple[str, ...] = ()) -> pd.DataFrame:
    """The sites of the chosen anchors (all when empty), with ``ward_name``, ``imd_decile``
    (national; None where the LSOA is not in the index) and ``most_deprived`` left to callers."""
    if not has_assets(ds):
        return pd.DataFrame(columns=["anchor", "name", "status", "lsoa", "ward"])
    out = ds.assets
    if anchors:
        out = out[out["anchor"].isin(list(anchors))]
    out = out.reset_index(drop=True)
    names = dict(zip(ds.wards["code"], ds.wards["name"]))
    deciles = dict(zip(ds.lsoas["lsoa"], ds.lsoas["imd_decile"]))
    return out.assign(ward_name=out["ward"].map(names),
                      imd_decile=out["lsoa"].map(deciles))


def in_most_deprived(ds: Dataset, site_lsoas: pd.Series, opts: Options) -> np.ndarray:
    """Bool per site: its LSOA is among the most deprived X% under ``opts``."""
    idx = pd.Index(ds.lsoas["lsoa"].astype(object)).get_indexer(site_lsoas.astype(object))
    flags = deprived_lsoas(ds, opts)
    return (idx >= 0) & flags[np.maximum(idx, 0)] if len(flags) else np.zeros(len(idx), bool)


def by_status(ds: Dataset, anchors: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per status (every status, in order): ``sites``, ``floor_area_m2``, ``site_area_ha`` (sums
    over the sites where the area is known) and ``community_use`` (sites in community use)."""
    s = sites(ds, anchors)
    rows = []
    for status in STATUSES:
        part = s[s["status"] == status] if len(s) else s
        rows.append({"status": status, "sites": int(len(part)),
                     "floor_area_m2": float(part["floor_area_m2"].sum()) if len(part) else 0.0,
                     "site_area_ha": float(part["site_area_ha"].sum()) if len(part) else 0.0,
                     "community_use": int((part["community_use"] == 1).sum()) if len(part)
                     else 0})
    return pd.DataFrame(rows)


def by_ward(ds: Dataset, anchors: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per ward and status with at least one site: ``ward_code``, ``ward_name``, ``status``,
    ``sites``, ``floor_area_m2``, ``site_area_ha``; wards in `ds.wards` order, statuses in order."""
    s = sites(ds, anchors)
    cols = ["ward_code", "ward_name", "status", "sites", "floor_area_m2", "site_area_ha"]
    if not len(s):
        return pd.DataFrame(columns=cols)
    s = s[s["ward"].notna()]
    g = s.groupby(["ward", "status"], sort=False).agg(
        sites=("name", "size"), floor_area_m2=("floor_area_m2", "sum"),
        site_area_ha=("site_area_ha", "sum")).reset_index()
    order = {c: i for i, c in enumerate(ds.wards["code"])}
    g["_w"] = g["ward"].map(order).fillna(len(order))
    g["_s"] = g["status"].map({st: i for i, st in enumerate(STATUSES)})
    g = g.sort_values(["_w", "_s"]).reset_index(drop=True)
    g["ward_name"] = g["ward"].map(dict(zip(ds.wards["code"], ds.wards["name"])))
    return g.rename(columns={"ward": "ward_code"})[cols]


def candidates(ds: Dataset, opts: Options = Options(), anchors: tuple[str, ...] = ()
               ) -> pd.DataFrame:
    """``vacant_or_surplus_in_most_deprived``: sites with status vacant, surplus or disposal
    planned whose LSOA is among the most deprived X%, ordered by IMD decile, ward and name."""
    s = sites(ds, anchors)
    if not len(s):
        return s
    keep = s["status"].isin(CANDIDATE_STATUSES).to_numpy(bool) & in_most_deprived(
        ds, s["lsoa"], opts)
    out = s[keep]
    return out.sort_values(["imd_decile", "ward_name", "name"], na_position="last",
                           kind="stable").reset_index(drop=True)
