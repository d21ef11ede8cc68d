"""Geography: points to areas, LSOA 2011 -> 2021 bridging, LSOAs to wards, ward deprivation.

All point-in-polygon and overlap work uses the unsimplified boundaries from
:func:`dashboard.ingest.io.boundaries.read_boundaries` (simplified copies are for drawing only).
Areas are measured in British National Grid metres (EPSG:27700). Ties are broken by the lowest
code so that results never depend on file order.
"""
from __future__ import annotations

import gzip
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.engine.metrics import ward_figures
from dashboard.errors import InputError
from dashboard.ingest.io.boundaries import valid_polygons

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import numpy as np
    import pandas as pd

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
MOST_DEPRIVED_CHOICES = (10, 20, 30)
BRIDGE_COUNTS = ("unchanged", "merged", "split", "irregular", "not_in_lookup", "unresolved")
_KIND_COUNT = {"U": "unchanged", "M": "merged", "S": "split", "X": "irregular"}
_LSOA_CD = re.compile(r"^LSOA(\d\d)CD$", re.IGNORECASE)
_WARD_CD = re.compile(r"^WD(\d\d)CD$", re.IGNORECASE)


# --- points in areas -----------------------------------------------------------------------------

def points_in_areas(lat: Any, lon: Any, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Code of the area containing each point (WGS84 lat/lon) -> object array, None where the
    point is outside every area or has no coordinates.

    A point on a shared edge touches both areas: the lowest code wins, so the answer is
    deterministic. Uses a spatial join (STRtree index) on the geometry as given.
    """
    import geopandas as gpd
    import numpy as np

    lat = np.asarray(lat, dtype="float64")
    lon = np.asarray(lon, dtype="float64")
    out = np.full(lat.shape[0], None, dtype=object)
    ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if len(ok) == 0 or len(areas) == 0:
        return out
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon[ok], lat[ok]), crs=WGS84)
    polys = _in_crs(areas[["code", "geometry"]].reset_index(drop=True), WGS84)
    hits = gpd.sjoin(pts, polys, how="inner", predicate="intersects")
    best = hits.groupby(level=0)["code"].min()
    out[ok[best.index.to_numpy()]] = best.to_numpy(dtype=object)
    return out


def _in_crs(gdf: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """``gdf`` in ``crs`` (assumed WGS84 when it has none)."""
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    return gdf if gdf.crs == crs else gdf.to_crs(crs)


# --- LSOA 2011 -> 2021 ---------------------------------------------------------------------------

def read_lsoa_lookup(path: str | os.PathLike) -> pd.DataFrame:
    """Read an ONS LSOA-to-LSOA lookup (e.g. LSOA11_LSOA21_LAD22) -> ``lsoa_old``, ``lsoa_new``,
    ``chgind`` (U unchanged, S split, M merged, X irregular); ``attrs`` old/new vintage.

    The two code columns are found by pattern (``LSOAyyCD``, older year = old). Without a
    CHGIND column the change kind is derived from the row pattern.
    """
    raw = _read_csv(Path(path), "LSOA lookup")
    return _lsoa_lookup_frame(raw, Path(path).name)


def _lsoa_lookup_frame(raw: pd.DataFrame, source: str = "lookup") -> pd.DataFrame:
    """Raw lookup columns (or an already normalised frame) -> lsoa_old, lsoa_new, chgind."""
    import pandas as pd

    if {"lsoa_old", "lsoa_new", "chgind"} <= set(raw.columns):
        return raw
    found = sorted((m.group(1), c) for c in raw.columns if (m := _LSOA_CD.match(str(c).strip())))
    if len({y for y, _ in found}) < 2:
        raise InputError(f"{source} needs two LSOA code columns of different years (such as "
                         f"LSOA11CD and LSOA21CD); found: {', '.join(map(str, raw.columns))}.")
    (old_y, old_c), (new_y, new_c) = found[0], found[-1]
    out = pd.DataFrame({"lsoa_old": raw[old_c].astype("str").str.strip(),
                        "lsoa_new": raw[new_c].astype("str").str.strip()})
    chg = next((c for c in raw.columns if str(c).strip().lower() == "chgind"), None)
    out["chgind"] = (raw[chg].astype("str").str.strip().str.upper() if chg
                     else _derive_chgind(out))
    out = out.dropna(subset=["lsoa_old", "lsoa_new"]).drop_duplicates().reset_index(drop=True)
    out.attrs.update(old_vintage=f"20{old_y}", new_vintage=f"20{new_y}")
    return out


def _derive_chgind(lu: pd.DataFrame) -> pd.Series:
    """U/S/M/X from the shape of the mapping when the file has no CHGIND column."""
    import numpy as np
    import pandas as pd

    n_new = lu.groupby("lsoa_old")["lsoa_new"].transform("nunique")
    n_old = lu.groupby("lsoa_new")["lsoa_old"].transform("nunique")
    kind = np.select([(n_new == 1) & (n_old == 1), (n_new > 1) & (n_old == 1),
                      (n_new == 1) & (n_old > 1)], ["U", "S", "M"], default="X")
    return pd.Series(kind, index=lu.index, dtype="str")


def bridge_lsoas(
    postcodes: pd.DataFrame, lookup: pd.DataFrame, lsoas21: gpd.GeoDataFrame | None
) -> tuple[pd.Series, dict[str, int]]:
    """Translate postcodes' 2011 LSOAs to 2021 LSOAs -> (series aligned to ``postcodes``, counts).

    Unchanged (U) and merged (M) LSOAs map through the lookup. Split (S) and irregular (X) ones
    have several 2021 successors: the postcode's point decides, tested against the successors'
    boundaries in ``lsoas21``; a point just outside them all (generalised boundaries) takes the
    nearest successor within 200 m. Counts: unchanged, merged, split, irregular (postcodes
    resolved each way), not_in_lookup (blank or unknown LSOA, e.g. Scotland), unresolved.
    """
    import numpy as np
    import pandas as pd

    lu = _lsoa_lookup_frame(lookup)
    old = postcodes["lsoa"].astype("str")
    per_old = lu.groupby("lsoa_old").agg(kind=("chgind", "first"), n=("lsoa_new", "nunique"),
                                          new=("lsoa_new", "min"))
    info = per_old.reindex(old.to_numpy())
    kind = info["kind"].fillna("").to_numpy(dtype=object)
    direct = (info["n"] == 1).to_numpy()
    result = np.where(direct, info["new"].to_numpy(dtype=object), None)
    need = np.flatnonzero(~direct & (kind != ""))
    if len(need) and lsoas21 is not None:
        result[need] = _resolve_by_point(postcodes.iloc[need], old.iloc[need], lu, lsoas21)
    counts = dict.fromkeys(BRIDGE_COUNTS, 0)
    counts["not_in_lookup"] = int((kind == "").sum())
    resolved = pd.notna(result)
    counts["unresolved"] = int((~resolved & (kind != "")).sum())
    for code, name in _KIND_COUNT.items():
        counts[name] = int((resolved & (kind == code)).sum())
    series = pd.Series(result, index=postcodes.index, dtype="str", name="lsoa")
    return series, counts


def _resolve_by_point(pc: pd.DataFrame, old: pd.Series, lu: pd.DataFrame,
                      lsoas21: gpd.GeoDataFrame) -> np.ndarray:
    """For postcodes in split/irregular LSOAs: the successor whose polygon contains the point,
    else the nearest successor within 200 m; None when neither."""
    import numpy as np

    cands = lu[lu["lsoa_old"].isin(set(old))]
    polys = lsoas21[lsoas21["code"].isin(set(cands["lsoa_new"]))]
    succ = cands.groupby("lsoa_old")["lsoa_new"].agg(frozenset).to_dict()
    out = np.full(len(pc), None, dtype=object)
    if len(polys) == 0:
        return out
    olds = old.to_numpy(dtype=object)
    out[:] = _within_successors(pc, polys, olds, succ)
    missing = np.flatnonzero(np.equal(out, None))
    if len(missing):
        out[missing] = _nearest_successor(pc.iloc[missing], polys, olds[missing], succ)
    return out


def _within_successors(pc: pd.DataFrame, polys: gpd.GeoDataFrame, olds: np.ndarray,
                       succ: dict[str, frozenset]) -> list[str | None]:
    """Lowest successor code whose polygon contains (or touches) the point."""
    import geopandas as gpd
    import numpy as np

    lat, lon = pc["lat"].to_numpy(dtype="float64"), pc["lon"].to_numpy(dtype="float64")
    ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    out: list[str | None] = [None] * len(pc)
    pts = gpd.GeoDataFrame({"i": ok}, geometry=gpd.points_from_xy(lon[ok], lat[ok]), crs=WGS84)
    hits = gpd.sjoin(pts, _in_crs(polys[["code", "geometry"]], WGS84), predicate="intersects")
    for i, code in sorted(zip(hits["i"].tolist(), hits["code"].tolist())):
        if out[i] is None and code in succ.get(olds[i], ()):
            out[i] = code
    return out


def _nearest_successor(pc: pd.DataFrame, polys: gpd.GeoDataFrame, olds: np.ndarray,
                       succ: dict[str, frozenset], max_m: float = 200.0) -> list[str | None]:
    """Nearest successor polygon within ``max_m`` metres (points just outside generalised
    boundaries); None otherwise."""
    import numpy as np
    import shapely

    metres = _in_crs(polys[["code", "geometry"]], BNG)
    geom_by_code = dict(zip(metres["code"], metres.geometry.values))
    xy = _to_bng(pc["lon"].to_numpy(dtype="float64"), pc["lat"].to_numpy(dtype="float64"))
    out: list[str | None] = []
    for (x, y), old_code in zip(xy, olds):
        codes = sorted(c for c in succ.get(old_code, ()) if c in geom_by_code)
        if not codes or not (np.isfinite(x) and np.isfinite(y)):
            out.append(None)
            continue
        dist = [shapely.distance(shapely.Point(x, y), geom_by_code[c]) for c in codes]
        best = int(np.argmin(dist))
        out.append(codes[best] if dist[best] <= max_m else None)
    return out


def _to_bng(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """WGS84 lon/lat arrays -> (n, 2) British National Grid metres (NaN stays NaN)."""
    import numpy as np
    from pyproj import Transformer

    x, y = Transformer.from_crs(WGS84, BNG, always_xy=True).transform(lon, lat)
    return np.column_stack([x, y])


# --- LSOAs to wards ------------------------------------------------------------------------------

def read_ward_lookup(path: str | os.PathLike) -> pd.DataFrame:
    """Read an ONS LSOA-to-ward lookup (e.g. LSOA21_WD24_LAD24) -> ``lsoa``, ``ward_code``;
    columns found by pattern (``LSOAyyCD``, ``WDyyCD``), vintages in ``attrs``."""
    raw = _read_csv(Path(path), "LSOA to ward lookup")
    return _ward_lookup_frame(raw, Path(path).name)


def _ward_lookup_frame(raw: pd.DataFrame, source: str = "lookup") -> pd.DataFrame:
    """Raw lookup (or an already normalised frame) -> one ward per LSOA (lowest code on ties)."""
    import pandas as pd

    if {"lsoa", "ward_code"} <= set(raw.columns):
        out = raw[["lsoa", "ward_code"]]
    else:
        lsoa = sorted((m.group(1), c) for c in raw.columns
                      if (m := _LSOA_CD.match(str(c).strip())))
        ward = sorted((m.group(1), c) for c in raw.columns
                      if (m := _WARD_CD.match(str(c).strip())))
        if not lsoa or not ward:
            raise InputError(f"{source} needs an LSOA code column (LSOA21CD) and a ward code "
                             f"column (WD24CD); found: {', '.join(map(str, raw.columns))}.")
        out = pd.DataFrame({"lsoa": raw[lsoa[-1][1]].astype("str").str.strip(),
                            "ward_code": raw[ward[-1][1]].astype("str").str.strip()})
        out.attrs.update(lsoa_vintage=f"20{lsoa[-1][0]}", ward_vintage=f"20{ward[-1][0]}")
    attrs = dict(out.attrs)
    out = (out.dropna().sort_values(["lsoa", "ward_code"])
           .drop_duplicates("lsoa").reset_index(drop=True))
    out.attrs.update(attrs)
    return out


def assign_lsoas_to_wards(
    lsoas: gpd.GeoDataFrame | None,
    wards: gpd.GeoDataFrame | None,
    lookup: pd.DataFrame | None = None,
    *,
    min_share: float = 0.5,
) -> pd.DataFrame:
    """Assign each LSOA to one ward -> DataFrame ``lsoa``, ``ward_code``.

    With ``lookup`` (LSOA -> ward codes, e.g. the ONS best-fit file), the lookup decides,
    restricted to the LSOAs of ``lsoas`` and the wards of ``wards`` when given. Without one,
    each LSOA goes to the ward its area overlaps most, measured in EPSG:27700 square metres
    (ties: lowest ward code). LSOAs overlapping no ward are dropped, and so are LSOAs lying
    mostly outside the loaded wards (less than ``min_share`` of their area inside any of them):
    with one district's wards loaded, a neighbouring district's LSOA that overlaps an edge ward
    by a sliver (generalised or re-projected boundaries never meet exactly) must not count.
    """
    if lookup is not None:
        out = _ward_lookup_frame(lookup)
        if lsoas is not None:
            out = out[out["lsoa"].isin(set(lsoas["code"]))]
        if wards is not None:
            out = out[out["ward_code"].isin(set(wards["code"]))]
        return out.reset_index(drop=True)
    if lsoas is None or wards is None:
        raise ValueError("assign_lsoas_to_wards needs LSOA and ward boundaries, or a lookup")
    return _largest_overlap(lsoas, wards, min_share)


def _largest_overlap(lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame,
                     min_share: float) -> pd.DataFrame:
    """Ward of largest intersection area per LSOA (spatial join for candidates, then exact
    intersection areas in British National Grid metres)."""
    import geopandas as gpd
    import pandas as pd
    import shapely


    lm = _in_crs(lsoas[["code", "geometry"]].reset_index(drop=True), BNG)
    wm = _in_crs(wards[["code", "geometry"]].reset_index(drop=True), BNG)
    lm = lm.set_geometry(valid_polygons(lm.geometry.values), crs=BNG)
    wm = wm.set_geometry(valid_polygons(wm.geometry.values), crs=BNG)
    pairs = gpd.sjoin(lm, wm, how="inner", predicate="intersects",
                      lsuffix="lsoa", rsuffix="ward")
    inter = shapely.intersection(lm.geometry.values[pairs.index.to_numpy()],
                                 wm.geometry.values[pairs["index_ward"].to_numpy()])
    lsoa_area = shapely.area(lm.geometry.values)[pairs.index.to_numpy()]
    df = pd.DataFrame({"lsoa": pairs["code_lsoa"].to_numpy(),
                       "ward_code": pairs["code_ward"].to_numpy(),
                       "area": shapely.area(inter), "share": shapely.area(inter) / lsoa_area})
    inside = df.groupby("lsoa")["share"].transform("sum")
    df = df[(df["area"] > 0) & (inside >= min_share)]
    df = df.sort_values(["lsoa", "area", "ward_code"], ascending=[True, False, True])
    out = df.drop_duplicates("lsoa")[["lsoa", "ward_code"]].reset_index(drop=True)
    return out.astype({"lsoa": "str", "ward_code": "str"})


# --- ward deprivation ----------------------------------------------------------------------------

def ward_deprivation(
    assignment: pd.DataFrame,
    imd: pd.DataFrame,
    population: pd.DataFrame,
    most_deprived: int = 10,
) -> pd.DataFrame:
    """Per ward: ``population`` (sum over its LSOAs), ``imd_avg_rank`` (population-weighted mean
    of the LSOAs' national IMD ranks, the "average rank" of the official summaries) and
    ``pop_share_most_deprived`` (share of that population living in LSOAs whose IMD decile is at
    most ``most_deprived`` / 10; decile 1 = most deprived).

    Only LSOAs with both an IMD rank and a population count. A ward whose population is 0 has
    NaN (shown as "—", JSON null) for both figures. ``most_deprived`` must be 10, 20 or 30.
    """
    import numpy as np
    import pandas as pd


    if most_deprived not in MOST_DEPRIVED_CHOICES:
        raise ValueError(f"most_deprived must be 10, 20 or 30, not {most_deprived!r}")
    _check_vintages(imd, population)
    df = (assignment[["lsoa", "ward_code"]]
          .merge(imd[["lsoa", "imd_rank", "imd_decile"]], on="lsoa", how="inner")
          .merge(population[["lsoa", "population"]], on="lsoa", how="inner"))
    wards = pd.Index(sorted(set(assignment["ward_code"].dropna())), name="ward_code")
    figures = ward_figures(wards.get_indexer(df["ward_code"]).astype(np.int64),
                           df["population"].to_numpy(np.float64),
                           df["imd_rank"].to_numpy(np.float64),
                           (df["imd_decile"] <= most_deprived // 10).to_numpy(bool), len(wards))
    out = pd.DataFrame({"ward_code": wards.astype("str"), **figures})
    for col in ("imd_avg_rank", "pop_share_most_deprived"):  # NaN where undefined (float column)
        out[col] = out[col].astype("float64")
    out.attrs["most_deprived"] = most_deprived
    return out


def _check_vintages(imd: pd.DataFrame, population: pd.DataFrame) -> None:
    """InputError when the IMD and population files are on different LSOA vintages."""
    a, b = imd.attrs.get("lsoa_vintage"), population.attrs.get("lsoa_vintage")
    if a and b and a != b:
        raise InputError(f"The deprivation file is on {a} LSOAs but the population file on {b} "
                         "LSOAs: load the population denominators of the same release.")


# --- shared --------------------------------------------------------------------------------------

def _read_csv(path: Path, what: str) -> pd.DataFrame:
    """A lookup CSV (plain or gzip, optional BOM) as text columns."""
    import pandas as pd

    if not path.is_file():
        raise InputError(f"{what} {path} not found: check the path.")
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
            return pd.read_csv(fh, dtype=str, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, OSError, EOFError) as exc:
        raise InputError(f"{what} {path.name} could not be read as CSV ({exc}).") from exc
