"""Real geography at the three benchmark scales: the demo district, one region, all of England.

From ../shared/data: England's 7,681 wards of December 2013 (326 files, one per district), the
32,844 LSOAs of 2011 (a representative point of each, placed in its ward), IoD2019 ranks, deciles and
population, and the real postcode points of the NSPL extracts (five postcode areas). Everything
derived is cached as Parquet under the benchmark cache folder, so only the first run pays for
reading the boundaries (about half a minute).

Without ../shared/data a synthetic geography with the same counts is used (no drawing geometry),
so that the engine and memory benchmarks still run; the geometry and browser parts are skipped.
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._util import cache_dir, shared_data

DISTRICT = "E08000024"
#: The North East region (E12000001): the demo district's region, 12 districts (2019 codes).
NORTH_EAST = ("E06000001", "E06000002", "E06000003", "E06000004", "E06000005", "E06000047",
              "E06000057", "E08000021", "E08000022", "E08000023", "E08000024", "E08000037")
SCALES = {
    "district": ("Sunderland", (DISTRICT,)),
    "region": ("North East", NORTH_EAST),
    "england": ("England", None),
}
#: Ward and LSOA counts of the real sets, for the synthetic fallback.
_COUNTS = {"district": (25, 185), "region": (346, 1657), "england": (7681, 32844)}
CACHE_VERSION = "1"


@dataclass
class Geography:
    """One benchmark geography. Tables are plain frames; ward geometry is loaded lazily.

    - wards: `code`, `name`, `lad` of the loaded ward set (order = ward index of a Dataset)
    - lsoas: every LSOA of England with `lsoa`, `lad`, `imd_rank`, `imd_decile`, `population`,
      `ward` (code of its ward when that ward is loaded, else None), `lat`, `lon`, `ward_all`
    - postcodes: real postcode points `postcode`, `lat`, `lon`, `lsoa`, `lad` (may be empty)
    """

    key: str
    label: str
    lads: tuple[str, ...] | None
    wards: pd.DataFrame
    lsoas: pd.DataFrame
    postcodes: pd.DataFrame
    real: bool
    _geo: dict = field(default_factory=dict, repr=False)

    @property
    def n_wards(self) -> int:
        return len(self.wards)

    @cached_property
    def inside(self) -> np.ndarray:
        """Bool per row of `lsoas`: the LSOA is in this geography."""
        if self.lads is None:
            return np.ones(len(self.lsoas), bool)
        return self.lsoas["lad"].isin(self.lads).to_numpy()

    def wards_gdf(self):
        """Unsimplified ward polygons (GeoDataFrame `code`, `name`, `geometry`, EPSG:4326)."""
        if "gdf" not in self._geo and not self.real:
            self._geo["gdf"] = _squares(self.wards)
        if "gdf" not in self._geo:
            gdf = _england_wards()
            if self.lads is not None:
                gdf = gdf[gdf["lad"].isin(self.lads)]
            self._geo["gdf"] = gdf.reset_index(drop=True)
        return self._geo["gdf"]

    def drawing(self, tolerance_m: float, precision: int) -> dict:
        """The drawing GeoJSON of the wards (dashboard.ingest.io.boundaries.drawing_geojson), cached."""
        key = ("drawing", tolerance_m, precision)
        if key not in self._geo and not self.real:
            from dashboard.ingest.io.boundaries import drawing_geojson

            self._geo[key] = drawing_geojson(self.wards_gdf(), tolerance_m=0, precision=precision)
        if key not in self._geo:
            path = cache_dir() / f"geo-v{CACHE_VERSION}-{self.key}-{tolerance_m:g}m-{precision}dp.json.gz"
            if path.exists():
                self._geo[key] = json.loads(gzip.decompress(path.read_bytes()))
            else:
                from dashboard.ingest.io.boundaries import drawing_geojson

                gj = drawing_geojson(self.wards_gdf()[["code", "name", "geometry"]],
                                     tolerance_m=tolerance_m, precision=precision)
                _atomic_write(path, gzip.compress(json.dumps(gj, separators=(",", ":")).encode(),
                                                  1))
                self._geo[key] = gj
        return self._geo[key]


def geography(key: str, *, real: bool | None = None) -> Geography:
    """The geography `key` ("district", "region", "england"): real when ../shared/data is there
    (or `real=False` for the synthetic stand-in, as the smoke tests use)."""
    label, lads = SCALES[key]
    if real is False or shared_data() is None:
        return _synthetic(key, label, lads)
    wards = _england_wards_table()
    if lads is not None:
        wards = wards[wards["lad"].isin(lads)]
    wards = wards.reset_index(drop=True)
    lsoas = _england_lsoas().copy()
    lsoas["ward"] = lsoas["ward_all"].where(lsoas["ward_all"].isin(set(wards["code"])), None)
    return Geography(key, label, lads, wards, lsoas, _real_postcodes(), True)


# --------------------------------------------------------------------------- cached tables
def _cached(name: str, build) -> pd.DataFrame:
    path = cache_dir() / f"geo-v{CACHE_VERSION}-{name}.parquet"
    if path.exists():
        return pd.read_parquet(path)
    df = build()
    tmp = path.with_suffix(".tmp")
    df.to_parquet(tmp, index=False)
    tmp.replace(path)
    return df


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


_MEMO: dict = {}


def _england_wards():
    """All 7,681 ward polygons (GeoDataFrame with `lad`), read from the 326 files once."""
    if "wards" in _MEMO:
        return _MEMO["wards"]
    import geopandas as gpd

    path = cache_dir() / f"geo-v{CACHE_VERSION}-wards2013.parquet"
    if path.exists():
        gdf = gpd.read_parquet(path)
    else:
        from dashboard.ingest.io.boundaries import read_boundaries

        parts = []
        for f in sorted((shared_data() / "ons" / "wards_2013_by_lad").glob("*.geojson.gz")):
            g = read_boundaries(f, "ward")
            g["lad"] = f.name.split(".")[0]
            parts.append(g)
        gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                               crs="EPSG:4326")
        tmp = path.with_suffix(".tmp")
        gdf.to_parquet(tmp, index=False)
        tmp.replace(path)
    _MEMO["wards"] = gdf
    return gdf


def _england_wards_table() -> pd.DataFrame:
    return _cached("wards2013-table",
                   lambda: pd.DataFrame(_england_wards()[["code", "name", "lad"]]))


def _england_lsoas() -> pd.DataFrame:
    """Every LSOA 2011 with IoD2019 figures, population, a representative point and its ward."""
    if "lsoas" not in _MEMO:
        _MEMO["lsoas"] = _cached("lsoas2011", _build_lsoas)
    return _MEMO["lsoas"]


def _build_lsoas() -> pd.DataFrame:
    from dashboard.ingest.geo import points_in_areas
    from dashboard.ingest.io.boundaries import read_boundaries
    from dashboard.ingest.io.deprivation import read_imd, read_population

    shared = shared_data()
    imd = read_imd(next((shared / "iod2019").glob("File_1_*")))
    pop = read_population(next((shared / "iod2019").glob("File_6_*")))
    pts = []
    for f in sorted((shared / "ons" / "lsoa_2011_by_lad").glob("*.geojson.gz")):
        g = read_boundaries(f, "lsoa")
        rp = g.geometry.representative_point()
        pts.append(pd.DataFrame({"lsoa": g["code"], "lat": rp.y, "lon": rp.x}))
    points = pd.concat(pts, ignore_index=True).drop_duplicates("lsoa")
    out = imd[["lsoa", "lad", "imd_rank", "imd_decile"]].merge(pop, on="lsoa", how="left")
    out["population"] = out["population"].fillna(0).astype(np.int64)
    out = out.merge(points, on="lsoa", how="left")
    out["ward_all"] = points_in_areas(out["lat"], out["lon"], _england_wards())
    return pd.DataFrame(out)


def _real_postcodes() -> pd.DataFrame:
    """Live postcodes of the NSPL extracts with a point in an English LSOA of the index."""
    if "postcodes" not in _MEMO:
        def build() -> pd.DataFrame:
            from dashboard.ingest.io.postcodes import read_postcodes

            files = sorted((shared_data() / "nspl").glob("NSPL_*.csv.gz"))
            d = read_postcodes(files)
            d = d[~d["terminated"] & d["lat"].notna()]
            d = d[d["lsoa"].isin(set(_england_lsoas()["lsoa"]))]
            return pd.DataFrame(d[["postcode", "lat", "lon", "lsoa", "lad"]]).reset_index(
                drop=True)
        _MEMO["postcodes"] = _cached("postcodes", build)
    return _MEMO["postcodes"]


# --------------------------------------------------------------------------- fallback
def _squares(wards: pd.DataFrame):
    """A grid of 1 km squares over northern England, one per ward (synthetic geometry)."""
    import geopandas as gpd
    import shapely

    n = len(wards)
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    x0, y0 = -2.0 + (i % side) * 0.015, 54.0 + (i // side) * 0.009
    boxes = shapely.box(x0, y0, x0 + 0.015, y0 + 0.009)
    return gpd.GeoDataFrame({"code": wards["code"].to_numpy(), "name": wards["name"].to_numpy()},
                            geometry=boxes, crs="EPSG:4326")


def _synthetic(key: str, label: str, lads) -> Geography:
    """Same counts, made-up codes, no geometry (used when ../shared/data is absent)."""
    n_wards, _ = _COUNTS[key]
    n_lsoas = _COUNTS["england"][1]
    rng = np.random.default_rng(7)
    lad_of_ward = np.array([f"E08{i // 25:06d}" for i in range(_COUNTS["england"][0])])
    all_wards = pd.DataFrame({"code": [f"E05{i:06d}" for i in range(len(lad_of_ward))],
                              "name": [f"Ward {i}" for i in range(len(lad_of_ward))],
                              "lad": lad_of_ward})
    ward_all = all_wards["code"].to_numpy()[np.arange(n_lsoas) % len(all_wards)]
    rank = rng.permutation(np.arange(1, n_lsoas + 1))
    lsoas = pd.DataFrame({
        "lsoa": [f"E01{i:06d}" for i in range(n_lsoas)],
        "lad": lad_of_ward[np.arange(n_lsoas) % len(all_wards)],
        "imd_rank": rank, "imd_decile": np.ceil(10 * rank / n_lsoas).astype(np.int64),
        "population": rng.integers(1000, 3000, n_lsoas),
        "lat": rng.uniform(50.5, 55, n_lsoas), "lon": rng.uniform(-3, 1, n_lsoas),
        "ward_all": ward_all,
    })
    wards = all_wards.iloc[:n_wards].reset_index(drop=True)
    lads = tuple(sorted(set(wards["lad"]))) if key != "england" else None
    lsoas["ward"] = lsoas["ward_all"].where(lsoas["ward_all"].isin(set(wards["code"])), None)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in
                          ("postcode", "lat", "lon", "lsoa", "lad")})
    return Geography(key, label + " (synthetic)", lads, wards, lsoas, empty, False)
