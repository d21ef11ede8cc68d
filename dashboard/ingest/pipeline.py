"""From the files a network publishes to a Dataset: read, resolve suppliers, locate, join deprivation.

One function, `build_from_files`, used by the command line (`metrics`, `import`) and the demo, so
that every figure on screen can be reproduced from the raw files. Every step records what it did in
the import report (rows read and rejected, suppliers located or not, LSOAs bridged by kind).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.engine.model import NO, UNKNOWN, YES, Dataset, build_dataset
from dashboard.errors import InputError
from dashboard.ingest.caps import reject_long_cells
from dashboard.ingest.file_options import options_for
from dashboard.ingest.geo import (
    assign_lsoas_to_wards,
    bridge_lsoas,
    points_in_areas,
    read_lsoa_lookup,
    read_ward_lookup,
)
from dashboard.ingest.io.boundaries import read_boundaries
from dashboard.ingest.io.deprivation import read_imd, read_population
from dashboard.ingest.io.postcodes import read_postcodes
from dashboard.ingest.io.spend import FileOptions, read_spend
from dashboard.ingest.io.suppliers import read_suppliers
from dashboard.ingest.levers import add_levers, has_levers
from dashboard.ingest.parse import normalise_postcode, normalise_supplier_name
from dashboard.ingest.people import individual_names, looks_like_person, withhold_rejected
from dashboard.ingest.rules import anchor_type, influenceable

PathLike = str | Path


@dataclass
class Sources:
    """The files (and per-file choices) a data set is built from."""

    spend: list[PathLike]
    postcodes: list[PathLike]
    imd: PathLike
    wards: PathLike | None = None
    lsoa_lookup: PathLike | None = None
    lsoas: PathLike | None = None
    population: PathLike | None = None
    suppliers: PathLike | None = None
    ward_lookup: PathLike | None = None
    columns: dict[str, str] | None = None
    anchor_name: str | None = None
    period: tuple[date, date] | None = None
    #: Per-file settings (an import manifest, or the ones kept for files already imported): file
    #: name or glob -> FileOptions, used instead of columns / anchor_name / period above.
    file_options: dict[str, FileOptions] | None = None
    date_order: str | None = None
    anchors: pd.DataFrame | None = None   # name, type, home_area, site_postcode (optional)
    postcode_cache: PathLike | None = None
    #: The other two levers (`levers.py`): workforce files (paths or `WorkforceFile`s) with the
    #: snapshot and anchor of files that lack them, the living wage rate table (None = shipped),
    #: and estate files (sites).
    workforce: list = field(default_factory=list)
    workforce_snapshot: date | None = None
    workforce_anchor: str | None = None
    living_wage_rates: PathLike | None = None
    assets: list = field(default_factory=list)
    assets_anchor: str | None = None
    #: The levers of the data set added to (`import --add` with no new workforce/estate files):
    #: its saved counts and sites, kept as they were.
    kept_workforce: pd.DataFrame | None = None
    kept_assets: pd.DataFrame | None = None


@dataclass
class Built:
    """A built data set with its import report and rejected rows."""

    dataset: Dataset
    report: dict
    rejected: pd.DataFrame
    details: pd.DataFrame
    wards_geo: object = None   # GeoDataFrame of the unsimplified wards, when given
    lsoas_geo: object = None
    extra: dict = field(default_factory=dict)


def build_from_files(src: Sources, *, name: str = "data set") -> Built:
    """Read every file of `src` and build the Dataset the engine and the page use."""

    spend = read_spend(src.spend, columns=src.columns, anchor_name=src.anchor_name,
                       period=src.period, date_order=src.date_order,
                       per_file=lambda n: options_for(n, src.file_options))
    # a 10 MB supplier name would travel in every view: such payments are rejected, said why
    spend.transactions, spend.rejected, spend.files = reject_long_cells(
        spend.transactions, spend.rejected, spend.files)
    tx = spend.transactions
    register = _read_register(src.suppliers)
    imd, population = _read_deprivation(src)
    wards_geo = _read_bounds(src.wards, "ward")
    lsoas_geo = _read_bounds(src.lsoas, "lsoa")
    report: dict = {"files": spend.files, "rows_rejected": int(len(spend.rejected))}


    directory = read_postcodes(src.postcodes, cache_dir=src.postcode_cache)
    resolved = resolve_suppliers(tx, register)
    suppliers, supplier_idx = supplier_table(resolved)
    located = _locate(suppliers, directory, src, imd, lsoas_geo, report)
    suppliers = suppliers.join(located)
    suppliers["ward"] = _wards_of(suppliers, wards_geo)
    suppliers["located"] = suppliers["lat"].notna().to_numpy(bool)
    report["suppliers"] = _supplier_report(suppliers)

    lsoas = _lsoa_table(imd, population, lsoas_geo, wards_geo, src.ward_lookup)
    wards = _ward_table(wards_geo)
    anchors = _with_sites(_anchor_table(tx, src.anchors, suppliers, supplier_idx), src.anchors,
                          directory)
    tx_frame = pd.DataFrame({
        "anchor": tx["anchor"].to_numpy(object), "supplier_idx": supplier_idx,
        "amount_pence": tx["amount_pence"].to_numpy(np.int64), "date": tx["date"],
        "category": tx["category"], "service": tx["service"],
        "capital_revenue": tx["capital_revenue"],
        "influenceable": influenceable(tx["category"], tx["service"], tx["supplier"]),
    })
    ds = build_dataset(tx_frame, suppliers, anchors, lsoas, wards, name=name,
                       meta={"sources": _sources_meta(src, spend.files, imd, wards_geo),
                             "lsoa_vintage": imd.attrs.get("lsoa_vintage")})
    if has_levers(src):
        ds = add_levers(ds, src, lambda pcs: _locate(pd.DataFrame({"postcode": pcs}), directory,
                                                     src, imd, lsoas_geo, {}).assign(postcode=pcs),
                        wards_geo, lsoas_geo, report)
    keep = [c for c in ("reference", "supplier_id", "source_file", "source_line") if c in tx]
    details = tx[keep].reset_index(drop=True)
    # Rejected rows never name a person: flagged in the register or the data set, or person-like.
    rejected = withhold_rejected(spend.rejected,
                                 individual_names(register) | individual_names(suppliers))
    return Built(ds, report, rejected, details, wards_geo, lsoas_geo)


# --------------------------------------------------------------------------- suppliers
def _read_register(path: PathLike | None) -> pd.DataFrame | None:
    if path is None:
        return None

    return read_suppliers(path)


def resolve_suppliers(tx: pd.DataFrame, register: pd.DataFrame | None) -> pd.DataFrame:
    """Per transaction: supplier name, postcode and flags, from the row and the register.

    The row's own postcode wins; otherwise the register's, matched by supplier id, else by
    normalised name. Flags come from the register (unknown without one).
    """

    out = pd.DataFrame({
        "name": tx["supplier"].fillna("").astype(str).to_numpy(object),
        "norm": per_distinct(tx["supplier"].fillna("").astype(str), normalise_supplier_name),
        "postcode": tx["postcode"].to_numpy(object) if "postcode" in tx else None,
    })
    for flag in ("sme", "vcse", "individual"):
        out[flag] = UNKNOWN
    if register is not None and len(register):
        out = _apply_register(out, tx, register)
    personal = per_distinct(out["name"], looks_like_person).astype(bool)  # the one rule
    out.loc[personal, "individual"] = YES
    out["postcode"] = out["postcode"].where(out["postcode"].notna() & (out["postcode"] != ""),
                                            None)
    return out


def per_distinct(values: pd.Series, fn) -> np.ndarray:
    """`fn` of each value, calling it once per distinct value (ledgers repeat names a lot)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray([fn(u) for u in uniques], dtype=object)[codes]


def _apply_register(out: pd.DataFrame, tx: pd.DataFrame, reg: pd.DataFrame) -> pd.DataFrame:
    reg = reg.assign(norm=[normalise_supplier_name(n) for n in reg["name"].fillna("")])
    by_id = reg[reg["supplier_id"].fillna("") != ""].drop_duplicates("supplier_id")
    by_name = reg[reg["norm"] != ""].drop_duplicates("norm")
    ids = tx["supplier_id"].fillna("").astype(str).to_numpy(object) if "supplier_id" in tx else (
        np.full(len(tx), "", object))
    pos_id = pd.Index(by_id["supplier_id"].astype(object)).get_indexer(ids)
    pos_name = pd.Index(by_name["norm"].astype(object)).get_indexer(out["norm"])
    for col in ("postcode", "sme", "vcse", "individual"):
        from_id = _take(by_id[col], pos_id)
        from_name = _take(by_name[col], pos_name)
        value = np.where(pos_id >= 0, from_id, from_name)
        matched = (pos_id >= 0) | (pos_name >= 0)
        if col == "postcode":
            mine = out["postcode"].to_numpy(object)
            have = pd.notna(mine) & (mine != "")
            out[col] = np.where(have, mine, np.where(matched, value, None))
        else:
            out[col] = np.where(matched, value, UNKNOWN).astype(np.int8)
    return out


def _take(series: pd.Series, pos: np.ndarray) -> np.ndarray:
    """series[pos] with -1 -> None; boolean flags become -1/0/1 codes."""
    if str(series.dtype) == "boolean":
        values = np.where(series.isna().to_numpy(bool), UNKNOWN,
                          np.where(series.fillna(False).to_numpy(bool), YES, NO)).astype(np.int64)
        return np.where(pos >= 0, values[np.maximum(pos, 0)] if len(values) else UNKNOWN, UNKNOWN)
    values = series.astype(object).to_numpy(object)
    picked = values[np.maximum(pos, 0)] if len(values) else np.full(len(pos), None, object)
    return np.where(pos >= 0, picked, None)


def supplier_table(resolved: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per distinct supplier (normalised name + postcode), and each transaction's index."""
    key = resolved["norm"] + "|" + resolved["postcode"].fillna("").astype(str)
    idx, keys = pd.factorize(key, sort=True)
    first = pd.Series(np.arange(len(key))).groupby(idx).first().to_numpy()
    rows = resolved.iloc[first].reset_index(drop=True)
    flags = resolved.groupby(idx)[["sme", "vcse", "individual"]].max()
    individual = flags["individual"].to_numpy(np.int8)
    name = rows["name"].to_numpy(object)
    table = pd.DataFrame({
        "key": np.asarray(keys, object),
        "name": name,
        "display_name": np.where(individual == YES, None, name),
        "postcode": rows["postcode"].to_numpy(object),
        "sme": flags["sme"].to_numpy(np.int8),
        "vcse": flags["vcse"].to_numpy(np.int8),
        "individual": individual,
    })
    return table, idx.astype(np.int32)


# --------------------------------------------------------------------------- locating
def _locate(suppliers: pd.DataFrame, directory: pd.DataFrame, src: Sources, imd: pd.DataFrame,
            lsoas_geo, report: dict) -> pd.DataFrame:
    """lat, lon, lsoa (in the index's vintage) and lad of each supplier's postcode."""
    wanted = suppliers["postcode"].dropna().unique()
    found = directory[directory["postcode"].isin(wanted)].drop_duplicates("postcode")
    found = found[found["lat"].notna()]
    found = _bridge_if_needed(found, directory.attrs.get("lsoa_vintage"), imd, src, lsoas_geo,
                              report)
    pos = pd.Index(found["postcode"].astype(object)).get_indexer(suppliers["postcode"])
    ok = pos >= 0

    def col(name: str, dtype=object):
        values = found[name].to_numpy(dtype)
        out = np.full(len(suppliers), np.nan if dtype is float else None, dtype)
        out[ok] = values[pos[ok]]
        return out

    return pd.DataFrame({"lat": col("lat", float), "lon": col("lon", float),
                         "lsoa": col("lsoa"), "lad": col("lad")}, index=suppliers.index)


def _bridge_if_needed(found: pd.DataFrame, vintage: str | None, imd: pd.DataFrame, src: Sources,
                      lsoas_geo, report: dict) -> pd.DataFrame:
    target = imd.attrs.get("lsoa_vintage")
    if not vintage or not target or vintage == target:
        return found
    if src.lsoa_lookup is None:
        raise InputError(
            f"the postcode directory gives {vintage} LSOAs but the deprivation file is on {target} "
            f"LSOAs: give the LSOA {vintage} to {target} lookup (--lsoa-lookup) and the {target} "
            "LSOA boundaries (--lsoas) so that suppliers can be matched to the index")

    lookup = read_lsoa_lookup(src.lsoa_lookup)
    bridged, counts = bridge_lsoas(found, lookup, lsoas_geo)
    report["lsoa_bridge"] = {"from": vintage, "to": target, **counts}
    return found.assign(lsoa=bridged.to_numpy(object))


def _wards_of(suppliers: pd.DataFrame, wards_geo) -> np.ndarray:
    if wards_geo is None:
        return np.full(len(suppliers), None, object)

    return points_in_areas(suppliers["lat"].to_numpy(float), suppliers["lon"].to_numpy(float),
                           wards_geo)


def _supplier_report(suppliers: pd.DataFrame) -> dict:
    has_pc = suppliers["postcode"].notna()
    located = suppliers["lat"].notna()
    return {
        "total": int(len(suppliers)),
        "located": int(located.sum()),
        "no_postcode": int((~has_pc).sum()),
        "postcode_not_found": int((has_pc & ~located).sum()),
        "in_a_ward": int(suppliers["ward"].notna().sum()),
        "individuals": int((suppliers["individual"] == YES).sum()),
    }


# --------------------------------------------------------------------------- geography
def _read_deprivation(src: Sources) -> tuple[pd.DataFrame, pd.DataFrame | None]:

    imd = read_imd(src.imd)
    population = read_population(src.population) if src.population else None
    return imd, population


def _read_bounds(path: PathLike | None, kind: str):
    if path is None:
        return None

    return read_boundaries(path, kind)


def _lsoa_table(imd: pd.DataFrame, population: pd.DataFrame | None, lsoas_geo, wards_geo,
                ward_lookup: PathLike | None) -> pd.DataFrame:
    """The deprivation file with population and each LSOA's ward (where boundaries allow)."""
    out = imd.copy()
    pop = population.set_index("lsoa")["population"] if population is not None else None
    out["population"] = (out["lsoa"].map(pop).fillna(0).astype(np.int64) if pop is not None
                         else np.zeros(len(out), np.int64))
    out["ward"] = None
    if wards_geo is not None and (lsoas_geo is not None or ward_lookup is not None):


        lookup = read_ward_lookup(ward_lookup) if ward_lookup else None
        assignment = assign_lsoas_to_wards(lsoas_geo, wards_geo, lookup)
        out["ward"] = out["lsoa"].map(assignment.set_index("lsoa")["ward_code"])
        out["ward"] = out["ward"].astype(object).where(out["ward"].notna(), None)
    return out


def _ward_table(wards_geo) -> pd.DataFrame:
    if wards_geo is None:
        return pd.DataFrame({"code": pd.Series([], dtype=object),
                             "name": pd.Series([], dtype=object)})
    return pd.DataFrame({"code": wards_geo["code"].to_numpy(object),
                         "name": wards_geo["name"].fillna(wards_geo["code"]).to_numpy(object)})


def _anchor_table(tx: pd.DataFrame, given: pd.DataFrame | None, suppliers: pd.DataFrame,
                  supplier_idx: np.ndarray) -> pd.DataFrame:
    """Anchors named in the spend, with type and home area from `given` or inferred."""
    names = sorted(tx["anchor"].astype(str).unique())
    table = pd.DataFrame({"name": names})
    given = given.set_index("name") if given is not None else pd.DataFrame()
    inferred = _inferred_home_areas(tx, suppliers, supplier_idx)
    table["type"] = [given["type"].get(n) if "type" in given else None for n in names]
    table["type"] = [t or anchor_type(n) for t, n in zip(table["type"], names)]
    homes = []
    for n in names:
        home = given["home_area"].get(n) if "home_area" in given else None
        homes.append(tuple(home) if home else inferred.get(n, ()))
    table["home_area"] = homes
    table["home_area_inferred"] = [not ("home_area" in given and given["home_area"].get(n))
                                   for n in names]
    return table


def _with_sites(table: pd.DataFrame, given: pd.DataFrame | None, directory: pd.DataFrame
                ) -> pd.DataFrame:
    """Add each anchor's main site (postcode and its point) where the anchor table gives one."""

    sites = {}
    if given is not None and "site_postcode" in given:
        sites = {n: normalise_postcode(p) for n, p in zip(given["name"], given["site_postcode"])}
    points = directory.drop_duplicates("postcode").set_index("postcode")[["lat", "lon"]]
    table["site_postcode"] = [sites.get(n) for n in table["name"]]
    table["site_lat"] = [points["lat"].get(p, np.nan) if p else np.nan
                         for p in table["site_postcode"]]
    table["site_lon"] = [points["lon"].get(p, np.nan) if p else np.nan
                         for p in table["site_postcode"]]
    return table


def _inferred_home_areas(tx: pd.DataFrame, suppliers: pd.DataFrame,
                         supplier_idx: np.ndarray) -> dict[str, tuple[str, ...]]:
    """Each anchor's district with the most located spend: a stand-in for an unknown home area."""
    lad = suppliers["lad"].to_numpy(object)[supplier_idx]
    frame = pd.DataFrame({"anchor": tx["anchor"].to_numpy(object), "lad": lad,
                          "amount": tx["amount_pence"].to_numpy(np.int64)}).dropna()
    if frame.empty:
        return {}
    sums = frame.groupby(["anchor", "lad"])["amount"].sum().reset_index()
    best = sums.sort_values(["anchor", "amount", "lad"], ascending=[True, False, True])
    return {a: (g["lad"].iloc[0],) for a, g in best.groupby("anchor")}


def _sources_meta(src: Sources, files: list[dict], imd: pd.DataFrame, wards_geo) -> dict:
    def name(p):
        return Path(p).name if p else None

    return {
        "spend": [{k: f.get(k) for k in ("name", "sha256", "rows_read", "rows_accepted",
                                          "rows_rejected", "duplicate_of")} for f in files],
        "postcodes": [name(p) for p in src.postcodes],
        "imd": name(src.imd), "imd_lsoa_vintage": imd.attrs.get("lsoa_vintage"),
        "wards": name(src.wards),
        "ward_vintage": wards_geo.attrs.get("vintage") if wards_geo is not None else None,
        "suppliers": name(src.suppliers), "population": name(src.population),
    }
