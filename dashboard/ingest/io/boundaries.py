"""Boundary readers (wards, LSOAs) and a light copy of them for drawing.

Users bring boundaries of any vintage and format (ONS GeoJSON, GeoPackage, zipped shapefile,
gzipped GeoJSON), so the code column is found by pattern (``WD24CD``, ``LSOA21CD`` ...). The
geometry returned is the unsimplified one, in WGS84, made valid: point-in-polygon and overlap
areas need it. Drawing uses :func:`drawing_geojson`, a simplified copy whose shared edges stay
shared (no slivers or gaps between neighbouring wards on the map).
"""
from __future__ import annotations

import gzip
import io
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

_PREFIX = {"ward": "WD", "lsoa": "LSOA"}
BNG = "EPSG:27700"
WGS84 = "EPSG:4326"


def read_boundaries(path: str | os.PathLike, kind: str = "ward") -> gpd.GeoDataFrame:
    """Read ward or LSOA boundaries -> GeoDataFrame ``code``, ``name``, ``geometry`` (EPSG:4326).

    ``kind`` is "ward" (code column ``WDyyCD``) or "lsoa" (``LSOAyyCD``); a generic ``code``
    column is accepted too. ``attrs["vintage"]`` is "20yy" from the column name (None for a generic
    column). Invalid geometries are repaired, rows without geometry dropped, and areas split over
    several rows (same code) merged. InputError when no code column is found.
    """
    if kind not in _PREFIX:
        raise ValueError(f"kind must be 'ward' or 'lsoa', not {kind!r}")
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Boundary file {path} not found: check the path.")
    raw = _read_frame(path, kind)
    code_col, name_col, vintage = _columns(list(raw.columns), kind, path)
    gdf = _clean(raw, code_col, name_col)
    gdf.attrs["vintage"] = vintage
    return gdf


def drawing_geojson(
    gdf: gpd.GeoDataFrame, tolerance_m: float = 20.0, precision: int = 5
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection for the map: simplified, topology-preserving, rounded.

    Simplification is done in British National Grid metres (``tolerance_m``) with GEOS coverage
    simplification, which keeps neighbours' shared edges identical; where that is unavailable or
    fails, each polygon is simplified with ``preserve_topology=True``. Coordinates are rounded to
    ``precision`` decimals (5 = ~1 m) to cut the payload. Each feature has ``id`` = code and
    properties ``{"code", "name"}`` only. The input is not modified.
    """
    import numpy as np
    import shapely

    if len(gdf) == 0:
        return {"type": "FeatureCollection", "features": []}
    metres = gdf.geometry.to_crs(BNG)
    simple = _simplify(metres, tolerance_m)
    back = type(metres)(simple, crs=BNG, index=metres.index).to_crs(WGS84).values
    rounded = shapely.transform(back, lambda xy: np.round(xy, precision))
    features = [
        {"type": "Feature", "id": code,
         "properties": {"code": code, "name": name},
         "geometry": shapely.geometry.mapping(geom)}
        for code, name, geom in zip(gdf["code"].tolist(), gdf["name"].tolist(), rounded)
        if geom is not None and not geom.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}


def drawing_for_map(gdf: gpd.GeoDataFrame) -> dict[str, Any]:
    """`drawing_geojson` with a tolerance that grows with the number of areas, so that a national
    set stays within what a browser fetches quickly (England's 7,681 wards at 50 m / 4 dp is
    2.75 MB gzipped; at 15 m / 5 dp it is 3.99 MB) while a district keeps its detail."""
    tolerance_m, precision = drawing_settings(len(gdf))
    return drawing_geojson(gdf, tolerance_m=tolerance_m, precision=precision)


def drawing_settings(n_areas: int) -> tuple[float, int]:
    """(tolerance in metres, decimals) the importer draws `n_areas` areas with."""
    if n_areas <= 500:
        return 15, 5
    if n_areas <= 3000:
        return 30, 5
    return 50, 4


# --- reading -------------------------------------------------------------------------------------

def _read_frame(path: Path, kind: str) -> gpd.GeoDataFrame:
    """Read the right layer with pyogrio; gzip is decompressed in memory first."""
    import pyogrio

    source: Any = str(path)
    with open(path, "rb") as fh:
        if fh.read(2) == b"\x1f\x8b":
            with gzip.open(path, "rb") as gz:
                source = io.BytesIO(gz.read())
    try:
        layer = _pick_layer(source, kind) if not isinstance(source, io.BytesIO) else None
        if isinstance(source, io.BytesIO):
            source.seek(0)
        return pyogrio.read_dataframe(source, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InputError(f"{path.name} could not be read as boundaries ({exc}): load GeoJSON "
                         "(plain or .gz), GeoPackage or a zipped shapefile.") from exc


def _pick_layer(source: str, kind: str) -> str | int | None:
    """In a multi-layer source (GeoPackage, zip of shapefiles) the first layer with a code
    column of ``kind``; None (the default layer) otherwise."""
    import pyogrio

    layers = pyogrio.list_layers(source)
    if len(layers) <= 1:
        return None
    for name, _geom in layers:
        fields = list(pyogrio.read_info(source, layer=name)["fields"])
        if _code_column(fields, kind)[0] is not None:
            return name
    return None


def _code_column(columns: list[str], kind: str) -> tuple[str | None, str | None]:
    """(code column, two-digit year) by pattern, newest year first; generic ``code`` last."""
    pattern = re.compile(rf"^{_PREFIX[kind]}(\d\d)CD$", re.IGNORECASE)
    found = sorted(((m.group(1), c) for c in columns if (m := pattern.match(str(c)))),
                   reverse=True)
    if found:
        return found[0][1], found[0][0]
    generic = next((c for c in columns if str(c).strip().lower() == "code"), None)
    return generic, None


def _columns(columns: list[str], kind: str, path: Path) -> tuple[str, str | None, str | None]:
    """Code column, name column (same year where possible) and vintage; InputError if no code."""
    code_col, year = _code_column(columns, kind)
    if code_col is None:
        found = ", ".join(str(c) for c in columns if c != "geometry") or "none"
        example = "WD24CD" if kind == "ward" else "LSOA21CD"
        raise InputError(f"{path.name} has no {kind} code column (such as {example} or 'code'). "
                         f"Columns found: {found}. Load ONS {kind} boundaries.")
    prefix = _PREFIX[kind]
    names = [c for c in columns if re.match(rf"^{prefix}\d\dNM$", str(c), re.IGNORECASE)]
    same = [c for c in names if year and str(c)[len(prefix):len(prefix) + 2] == year]
    generic = [c for c in columns if str(c).strip().lower() == "name"]
    name_col = (same or sorted(names, reverse=True) or generic or [None])[0]
    return code_col, name_col, f"20{year}" if year else None


def _clean(raw: gpd.GeoDataFrame, code_col: str, name_col: str | None) -> gpd.GeoDataFrame:
    """Output columns, WGS84, valid polygonal geometry, one row per code."""
    import geopandas as gpd

    code = raw[code_col].astype("str").str.strip()
    name = raw[name_col].astype("str").str.strip() if name_col else code
    gdf = gpd.GeoDataFrame({"code": code, "name": name.fillna("")},
                           geometry=raw.geometry.values, crs=raw.crs)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty & gdf["code"].notna()]
    gdf = _to_wgs84(gdf)
    gdf = gdf.set_geometry(valid_polygons(gdf.geometry.values))
    gdf = gdf[~gdf.geometry.is_empty]
    if gdf["code"].duplicated().any():
        gdf = gdf.dissolve(by="code", aggfunc="first", as_index=False)[["code", "name", "geometry"]]
    return gdf.reset_index(drop=True)


def _to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326; a file without CRS is taken as BNG when its coordinates are
    metre-sized (shapefiles without .prj), else as WGS84."""
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        metric = max(abs(minx), abs(miny), abs(maxx), abs(maxy)) > 360
        gdf = gdf.set_crs(BNG if metric else WGS84)
    return gdf if gdf.crs.to_epsg() == 4326 else gdf.to_crs(WGS84)


def valid_polygons(geoms: Any) -> Any:
    """make_valid, keeping only polygonal parts (collapsed slivers become lines: dropped)."""
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    mixed = shapely.get_type_id(geoms) == 7  # GeometryCollection
    for i in np.flatnonzero(mixed):
        parts = [g for g in shapely.get_parts(geoms[i]) if g.geom_type in ("Polygon",
                                                                           "MultiPolygon")]
        geoms[i] = shapely.union_all(parts) if parts else shapely.Polygon()
    return geoms


def _simplify(metres: Any, tolerance_m: float) -> Any:
    """Coverage simplification (shared edges kept identical), else per-polygon simplify."""
    import shapely

    if tolerance_m <= 0:
        return metres.values
    if hasattr(shapely, "coverage_simplify"):
        try:
            return shapely.coverage_simplify(metres.values, tolerance_m)
        except Exception:  # GEOS < 3.12 or an invalid coverage: fall back below
            pass
    return metres.simplify(tolerance_m, preserve_topology=True).values
