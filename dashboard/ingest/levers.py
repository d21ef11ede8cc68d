"""The import pipeline's step for the other two levers: workforce counts and the estate's sites.

``workforce_counts`` is where privacy is enforced: it takes the rows a workforce reader returned
(home postcodes and pay included), locates each row, decides its living-wage flag against the rate
table, and returns counts by anchor, LSOA, living-wage flag, new-starter flag and snapshot only.
Postcodes and pay go no further than this function; its report carries counts and reasons only.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from dashboard.engine.living_wage import Rates, is_london, read_rates
from dashboard.engine.model import Dataset
from dashboard.ingest.geo import assign_lsoas_to_wards, points_in_areas
from dashboard.ingest.io.assets import AssetsImport, read_assets
from dashboard.ingest.io.workforce import WorkforceImport, read_workforce

#: The saved workforce table's columns (`Dataset.workforce`), in order.
WORKFORCE_COLUMNS = ("anchor", "lsoa", "living_wage", "new_starter", "snapshot", "count")
#: The saved estate table's columns (`Dataset.assets`), one row per site, in order. `lat`/`lon`
#: is the site's point (a polygon's representative point), `shape` "point" or "polygon".
SITE_COLUMNS = ("anchor", "name", "tenure", "use", "floor_area_m2", "site_area_ha", "status",
                "community_use", "lat", "lon", "shape", "lsoa", "ward", "source_file",
                "source_line")
#: Rejected and flagged rows listed in the import report (the rest are counted by reason).
LISTED_NOTES = 200

Locate = Callable[[np.ndarray], pd.DataFrame]


def has_levers(src) -> bool:
    """Whether pipeline Sources bring a workforce or an estate (files, or kept from the data set
    added to)."""
    return bool(src.workforce or src.assets) or src.kept_workforce is not None or \
        src.kept_assets is not None


def add_levers(ds: Dataset, src, locate: Locate, wards_geo, lsoas_geo, report: dict) -> Dataset:
    """``ds`` with the workforce counts and the estate's sites of ``src`` (a pipeline
    ``Sources``), their import reports in ``report["workforce"]`` / ``report["assets"]``.

    ``locate`` maps an array of postcodes to a frame of ``postcode``, ``lat``, ``lon``, ``lsoa``
    (in the deprivation file's vintage), ``lad`` (None where not in the directory)."""
    workforce, assets = src.kept_workforce, src.kept_assets
    if src.workforce:
        imp = read_workforce(src.workforce, anchor_name=src.workforce_anchor,
                             snapshot=src.workforce_snapshot)
        workforce, report["workforce"] = workforce_counts(
            imp, locate, ds.anchors, read_rates(src.living_wage_rates))
    if src.assets:
        imp_a = read_assets(src.assets, anchor_name=src.assets_anchor)
        assets, report["assets"] = asset_sites(imp_a, locate, ds.anchors, wards_geo, lsoas_geo)
    return replace(ds, workforce=workforce, assets=assets, meta=dict(ds.meta))


def _network_anchor(names: pd.Series, anchors: pd.DataFrame) -> pd.Series:
    """Each name as the network's anchor (exact, else ignoring case), NaN when not one."""
    known = set(anchors["name"].astype(str))
    by_fold = {a.casefold(): a for a in known}
    return names.astype(str).map(lambda a: a if a in known else by_fold.get(a.strip().casefold()))


def asset_sites(imp: AssetsImport, locate: Locate, anchors: pd.DataFrame, wards_geo,
                lsoas_geo) -> tuple[pd.DataFrame, dict]:
    """Sites (``SITE_COLUMNS``) placed in their LSOA and ward, and the import report.

    A postcode site takes the directory's point and LSOA (in the deprivation file's vintage); a
    site with coordinates or a polygon is placed in the loaded LSOA boundaries. Ward: the ward
    containing the point, or for a polygon the ward it overlaps most (the same for the LSOA).
    """
    import geopandas as gpd

    sites = imp.sites
    anchor = _network_anchor(sites["anchor"], anchors)
    outside = anchor.isna().to_numpy(bool)
    rejected = [imp.rejected, pd.DataFrame({
        "source_file": sites["source_file"][outside].to_numpy(object),
        "line": sites["source_line"][outside].to_numpy(np.int64),
        "reason": [f"anchor '{a}' is not one of the network's anchors"
                   for a in sites["anchor"][outside]]})]
    sites = sites[~outside].assign(anchor=anchor[~outside]).reset_index(drop=True)
    lat, lon = sites["lat"].to_numpy(float).copy(), sites["lon"].to_numpy(float).copy()
    lsoa = np.full(len(sites), None, object)
    by_pc = ~np.isfinite(lat) & sites["postcode"].notna().to_numpy(bool)
    if by_pc.any():
        found = locate(sites["postcode"][by_pc].to_numpy(object))
        lat[by_pc], lon[by_pc] = found["lat"].to_numpy(float), found["lon"].to_numpy(float)
        lsoa[by_pc] = found["lsoa"].to_numpy(object)
    polygon = sites["geometry"].notna().to_numpy(bool)
    ward = (points_in_areas(lat, lon, wards_geo) if wards_geo is not None
            else np.full(len(sites), None, object))
    if lsoas_geo is not None:
        by_point = ~by_pc & np.isfinite(lat)
        lsoa[by_point] = points_in_areas(lat[by_point], lon[by_point], lsoas_geo)
    if polygon.any():
        shapes = gpd.GeoDataFrame({"code": np.flatnonzero(polygon).astype(str)},
                                  geometry=list(sites["geometry"][polygon]), crs="EPSG:4326")
        for areas, out in ((wards_geo, ward), (lsoas_geo, lsoa)):
            if areas is not None:
                best = assign_lsoas_to_wards(shapes, areas, min_share=0.0)
                pos = best["lsoa"].astype(int).to_numpy()
                out[pos] = best["ward_code"].to_numpy(object)
    frame = sites.assign(lat=lat, lon=lon, lsoa=lsoa, ward=ward,
                         shape=np.where(polygon, "polygon", "point"))
    placed = np.isfinite(lat)
    report = {
        "files": imp.files,
        "sites": int(len(frame)),
        "located": int(placed.sum()),
        "postcode_not_found": int((by_pc & ~placed).sum()),
        "in_an_lsoa": int(pd.notna(lsoa).sum()),
        "in_a_ward": int(pd.notna(ward).sum()),
        "polygons": int(polygon.sum()),
        "rows_rejected": int(sum(len(r) for r in rejected)),
        **_notes(pd.concat(rejected, ignore_index=True), "rejected"),
        **_notes(imp.flagged, "flagged"),
    }
    return frame[list(SITE_COLUMNS)].reset_index(drop=True), report


def london_anchors(anchors: pd.DataFrame) -> dict[str, bool]:
    """Per anchor: whether its workplace district is in London (a London borough in its home
    area; the spec's "anchor's workplace district", read from the anchor table)."""
    out = {}
    for name, home in zip(anchors["name"], anchors["home_area"]):
        out[str(name)] = any(is_london(c) for c in (home or ()))
    return out


def workforce_counts(imp: WorkforceImport, locate: Locate, anchors: pd.DataFrame,
                     rates: Rates) -> tuple[pd.DataFrame, dict]:
    """Counts (``WORKFORCE_COLUMNS``) and the import report for the workforce rows of ``imp``.

    A row's LSOA comes from its home postcode (looked up by ``locate``, which returns ``lsoa``
    per postcode, None when not in the directory), else from its LSOA column. Its living-wage
    flag is the file's yes/no when given, else hourly pay against the rate in force on the
    snapshot date (London rate for London anchors), else unknown (-1). Rows of anchors that are
    not in the network are rejected.
    """
    rows = imp.rows
    known = set(anchors["name"].astype(str))
    by_fold = {a.casefold(): a for a in known}
    anchor = rows["anchor"].astype(str).map(lambda a: a if a in known else
                                            by_fold.get(a.strip().casefold()))
    outside = anchor.isna().to_numpy(bool)
    rejected = [imp.rejected]
    if outside.any():
        rejected.append(pd.DataFrame({
            "source_file": rows["source_file"][outside].to_numpy(object),
            "line": rows["source_line"][outside].to_numpy(np.int64),
            "reason": [f"anchor '{a}' is not one of the network's anchors"
                       for a in rows["anchor"][outside]]}))
    rows = rows[~outside].assign(anchor=anchor[~outside]).reset_index(drop=True)

    postcodes = rows["postcode"].to_numpy(object)
    has_pc = pd.notna(postcodes)
    found = locate(np.unique(postcodes[has_pc].astype(str))) if has_pc.any() else (
        pd.DataFrame({"postcode": [], "lsoa": []}))
    lookup = dict(zip(found["postcode"], found["lsoa"]))
    from_pc = np.array([lookup.get(p) if h else None for p, h in zip(postcodes, has_pc)], object)
    given = rows["lsoa"].to_numpy(object)
    lsoa = np.where(pd.notna(from_pc), from_pc, given)
    lsoa = np.where(pd.notna(lsoa), lsoa, "").astype(object)

    london = rows["anchor"].map(london_anchors(anchors)).fillna(False).to_numpy(bool)
    rate = rates.rates(rows["snapshot_day"].to_numpy(np.int64), london)
    pay = rows["pay_pence"].to_numpy(np.int64)
    from_pay = np.where((pay > 0) & (rate > 0), (pay >= rate).astype(np.int8), -1)
    flag = rows["living_wage_given"].to_numpy(np.int8)
    living_wage = np.where(flag >= 0, flag, from_pay).astype(np.int8)
    snapshot = rows["snapshot_day"].to_numpy(np.int64).astype("datetime64[D]").astype(str)

    counts = pd.DataFrame({
        "anchor": rows["anchor"].to_numpy(object), "lsoa": lsoa, "living_wage": living_wage,
        "new_starter": rows["new_starter"].to_numpy(bool), "snapshot": snapshot.astype(object),
        "count": rows["count"].to_numpy(np.int64),
    })
    counts = (counts.groupby(list(WORKFORCE_COLUMNS[:-1]), as_index=False, sort=True)["count"]
              .sum())
    counts = counts.astype({"anchor": str, "lsoa": str, "living_wage": np.int8,
                            "new_starter": bool, "snapshot": str, "count": np.int64})
    n = rows["count"].to_numpy(np.int64)
    no_rate = (pay > 0) & (rate < 0) & (flag < 0)
    report = {
        "files": imp.files,
        "headcount": int(n.sum()),
        "located": int(n[lsoa != ""].sum()),
        "no_postcode_or_lsoa": int(n[~has_pc & pd.isna(given)].sum()),
        "postcode_not_found": int(n[has_pc & pd.isna(from_pc) & pd.isna(given)].sum()),
        "pay_known": int(n[living_wage >= 0].sum()),
        "pay_before_first_rate": int(n[no_rate].sum()),
        "rows_rejected": int(sum(len(r) for r in rejected)),
        **_notes(pd.concat(rejected, ignore_index=True), "rejected"),
        **_notes(imp.flagged, "flagged"),
    }
    return counts[list(WORKFORCE_COLUMNS)].reset_index(drop=True), report


def _notes(frame: pd.DataFrame, what: str) -> dict:
    """Rows counted by reason, and the first ``LISTED_NOTES`` listed (file, line, reason)."""
    if frame.empty:
        return {f"{what}_reasons": [], f"{what}_rows": []}
    reasons = frame.groupby("reason").size().sort_values(ascending=False)
    listed = frame.sort_values(["source_file", "line"]).head(LISTED_NOTES)
    return {
        f"{what}_reasons": [{"reason": r, "rows": int(c)} for r, c in reasons.items()],
        f"{what}_rows": [{"file": str(f), "line": int(ln), "reason": str(r)} for f, ln, r in
                         zip(listed["source_file"], listed["line"], listed["reason"])],
    }
