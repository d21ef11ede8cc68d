"""Estate files: one row per site of an anchor's land and buildings (``plan.md``, "Land and assets").

A site has a name and a location: a postcode, or latitude/longitude, or a polygon. Tables (CSV,
XLSX: the spend import's file handling) give postcodes or coordinates, and may carry a polygon as
GeoJSON text in a ``Geometry`` column; spatial files (GeoJSON, GeoPackage, zipped shapefile, plain
or gzip) give points or polygons with the same attribute columns. Optional: tenure, use, floor area
(m²), site area (ha), status, community use.

This reader returns sites with their raw location; ``levers.asset_sites`` places each in its LSOA
and ward (a polygon by its largest overlap) and keeps ``SITE_COLUMNS``.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.engine.assets import STATUSES
from dashboard.errors import InputError
from dashboard.ingest.io import _tabular
from dashboard.ingest.parse import header_key, normalise_postcode

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
SPATIAL_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")

SYNONYMS: dict[str, tuple[str, ...]] = {
    "anchor": ("Anchor", "Organisation", "Organisation Name", "Organization", "Owner",
               "Body Name", "Body", "Entity"),
    "name": ("Site Name", "Site", "Property Name", "Asset Name", "Building", "Building Name",
             "Name", "Property"),
    "postcode": ("Postcode", "Post Code", "Site Postcode", "Property Postcode"),
    "lat": ("Latitude", "Lat", "Site Latitude"),
    "lon": ("Longitude", "Lon", "Long", "Lng", "Site Longitude"),
    "geometry": ("Geometry", "GeoJSON", "Polygon", "Boundary", "Site Boundary"),
    "tenure": ("Tenure", "Ownership", "Freehold or Leasehold", "Tenure Type"),
    "use": ("Use", "Property Use", "Current Use", "Asset Type", "Property Type", "Use Type"),
    "floor_area": ("Floor Area", "Floor Area (m2)", "Floor Area m2", "GIA", "GIA (m2)",
                   "Gross Internal Area", "Floor Area (sq m)", "Floor Area (m²)"),
    "site_area": ("Site Area", "Site Area (ha)", "Site Area ha", "Land Area (ha)",
                  "Area (ha)", "Hectares"),
    "status": ("Status", "Site Status", "Occupancy", "Occupancy Status", "Property Status"),
    "community_use": ("Community Use", "In Community Use", "Community", "Community Asset"),
}
_BY_KEY = {header_key(n): f for f, names in reversed(list(SYNONYMS.items()))
           for n in reversed(names)}
_STATUS = [(re.compile(p), s) for p, s in (
    (r"^(in ?use|occupied|operational|active)$", "in use"),
    (r"^(under ?-?used|under ?-?utilised|under ?-?occupied|part(ly|ially)? (used|occupied))$",
     "underused"),
    (r"^(vacant|empty|unoccupied|void|disused)$", "vacant"),
    (r"^(surplus|surplus to requirements?|declared surplus)$", "surplus"),
    (r"^(disposal( planned)?|for disposal|planned disposal|to be disposed|for sale)$",
     "disposal planned"),
)]
RAW_COLUMNS = ("anchor", "name", "postcode", "lat", "lon", "geometry", "tenure", "use",
               "floor_area_m2", "site_area_ha", "status", "community_use", "source_file",
               "source_line")


@dataclass
class AssetsImport:
    """Sites (``RAW_COLUMNS``; ``geometry`` a shapely geometry or None), rows rejected and
    values flagged (file, line, reason), one entry per file."""

    sites: pd.DataFrame
    rejected: pd.DataFrame
    flagged: pd.DataFrame
    files: list[dict] = field(default_factory=list)


def match_asset_field(header: object) -> str | None:
    """The estate field a header stands for.

    >>> match_asset_field("Site Area (ha)"), match_asset_field("GIA"), match_asset_field("x")
    ('site_area', 'floor_area', None)
    """
    return _BY_KEY.get(header_key(header))


def status_of(text: object) -> str | None:
    """A status cell as one of ``STATUSES`` ("unknown" when blank), None when unrecognised.

    >>> status_of("Under-used"), status_of("For disposal"), status_of(""), status_of("odd")
    ('underused', 'disposal planned', 'unknown', None)
    """
    t = re.sub(r"\s+", " ", _tabular.cell_text(text).strip().lower().replace("_", " "))
    if not t or t in ("unknown", "not known", "n/a"):
        return "unknown"
    for pattern, status in _STATUS:
        if pattern.fullmatch(t):
            return status
    return None


def tenure_of(text: object) -> str:
    """"owned", "leased", another word as given (lower case), or "" when blank.

    >>> tenure_of("Freehold"), tenure_of("Leasehold"), tenure_of("Licence")
    ('owned', 'leased', 'licence')
    """
    t = _tabular.cell_text(text).strip().lower()
    if t in ("owned", "own", "freehold", "owner occupied", "owned freehold"):
        return "owned"
    if t in ("leased", "lease", "leasehold", "rented", "leased in"):
        return "leased"
    return t


def read_assets(sources: object | Iterable[object], *, anchor_name: str | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES) -> AssetsImport:
    """Read estate files (paths or (name, bytes) uploads). ``anchor_name`` names the anchor of
    files with no anchor column. InputError for unreadable files, no location column, no anchor
    or no usable site."""
    items = [sources] if isinstance(sources, (str, os.PathLike)) or (
        isinstance(sources, tuple) and len(sources) == 2
        and isinstance(sources[1], (bytes, bytearray))) else list(sources)  # type: ignore
    if not items:
        raise InputError("No estate file given: give a CSV, XLSX, GeoJSON, GeoPackage or "
                         "zipped shapefile of sites.")
    frames, rejected, flagged, files, seen = [], [], [], [], {}
    for item in items:
        name, data = _tabular.load(item, max_bytes)
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            files.append({"name": name, "sha256": digest, "duplicate_of": seen[digest]})
            continue
        seen[digest] = name
        raw, lines = _spatial(name, data) if _is_spatial(name, data) else _tabular_rows(
            name, data, max_bytes)
        sites, rej, flags = _convert(name, raw, lines, anchor_name)
        frames.append(sites)
        rejected.append(rej)
        flagged.append(flags)
        files.append({"name": name, "sha256": digest, "rows_read": len(raw),
                      "rows_accepted": len(sites), "rows_rejected": len(rej)})
    out = AssetsImport(_concat(frames, RAW_COLUMNS),
                       _concat(rejected, ("source_file", "line", "reason")),
                       _concat(flagged, ("source_file", "line", "reason")), files)
    if out.sites.empty:
        why = "; ".join(f"{n} rows: {r}" for r, n in
                        out.rejected["reason"].value_counts().head(3).items())
        raise InputError(f"no usable site in {', '.join(f['name'] for f in files)}"
                         f"{' (' + why + ')' if why else ''}")
    return out


def _is_spatial(name: str, data: bytes) -> bool:
    lower = name.lower().removesuffix(".gz")
    if lower.endswith(SPATIAL_SUFFIXES):
        return True
    head = data[:200].lstrip()
    return head.startswith(b"{") or head.startswith(b"SQLite format 3")


def _spatial(name: str, data: bytes) -> tuple[pd.DataFrame, np.ndarray]:
    """A spatial file's attribute columns and geometry (WGS84); lines are feature numbers."""
    import pyogrio

    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    ext = ".zip" if data[:4] == b"PK\x03\x04" else (
        ".gpkg" if data.startswith(b"SQLite format 3") else ".geojson")
    try:
        if ext == ".geojson":
            gdf = pyogrio.read_dataframe(io.BytesIO(data))
        else:  # zip and GeoPackage are read from a file named for their driver
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"sites{ext}"
                path.write_bytes(data)
                gdf = pyogrio.read_dataframe(str(path))
    except Exception as exc:  # noqa: BLE001 - any failure to open means "not a spatial file"
        raise InputError(f"{name}: could not be read as sites ({exc}): give GeoJSON, GeoPackage"
                         " or a zipped shapefile (plain or .gz), or a CSV/XLSX table") from None
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    frame = pd.DataFrame({c: gdf[c] for c in gdf.columns if c != "geometry"})
    frame["__geometry"] = gdf.geometry.to_numpy(object)
    return frame, np.arange(1, len(frame) + 1, dtype=np.int64)


def _tabular_rows(name: str, data: bytes, max_bytes: int) -> tuple[pd.DataFrame, np.ndarray]:
    def find(rows: list[list[str]]) -> int | None:
        for i, cells in enumerate(rows):
            found = {match_asset_field(c) for c in cells}
            if found & {"postcode", "lat", "geometry"} and found & {"name", "status", "anchor"}:
                return i
        return None

    def missing(name: str, rows: list[list[str]]) -> InputError:
        first = next((r for r in rows if any(r)), [])
        shown = ", ".join(f"'{c}'" for c in first if c) or "none"
        return InputError(f"{name}: no header row with a site name (or status) and a location "
                          "(Postcode, Latitude/Longitude or Geometry) in its first "
                          f"{_tabular.HEADER_SCAN_ROWS} rows. Headers found: {shown}.")

    table = _tabular.read_table(name, data, find, missing, max_bytes)
    frame = pd.DataFrame({h or f"column {i + 1}": c.to_numpy(object)
                          for i, (h, c) in enumerate(zip(table.header, table.columns))})
    return frame, table.lines


def _convert(name: str, raw: pd.DataFrame, lines: np.ndarray, anchor_name: str | None
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    import shapely

    fields: dict[str, str] = {}
    for col in raw.columns:
        if col == "__geometry":
            continue
        fld = match_asset_field(col)
        if fld and fld not in fields:
            fields[fld] = col
    n = len(raw)
    if anchor_name is None and "anchor" not in fields:
        raise InputError(f"{name}: has no anchor column (Organisation, Owner ...): give the "
                         "anchor's name for this file (--assets-anchor NAME)")

    def col(fld: str) -> list[object]:
        return raw[fields[fld]].tolist() if fld in fields else [None] * n

    reasons: list[list[str]] = [[] for _ in range(n)]
    notes: list[list[str]] = [[] for _ in range(n)]
    anchors = [anchor_name or _tabular.cell_text(v) for v in col("anchor")]
    geoms = raw["__geometry"].tolist() if "__geometry" in raw else [None] * n
    for i, text in enumerate(col("geometry")):
        if geoms[i] is None and _tabular.cell_text(text):
            try:
                geoms[i] = shapely.geometry.shape(json.loads(_tabular.cell_text(text)))
            except (ValueError, TypeError, KeyError, AttributeError):
                reasons[i].append("the geometry is not GeoJSON")
    postcodes = [normalise_postcode(_tabular.cell_text(v)) for v in col("postcode")]
    lat = np.array([_number(v) for v in col("lat")], float)
    lon = np.array([_number(v) for v in col("lon")], float)
    for i in range(n):
        g = geoms[i]
        if g is not None and not g.is_empty:
            point = g if g.geom_type == "Point" else g.representative_point()
            lat[i], lon[i] = point.y, point.x
            if g.geom_type == "Point":
                geoms[i] = None
        has_point = np.isfinite(lat[i]) and np.isfinite(lon[i])
        if has_point and not (49 <= lat[i] <= 61 and -9 <= lon[i] <= 2.5):
            reasons[i].append("the coordinates are outside the UK (latitude 49-61, longitude "
                              "-9 to 2.5): are latitude and longitude swapped?")
        if not has_point and postcodes[i] is None:
            reasons[i].append("no location: give a postcode, latitude/longitude or a polygon")
        if not anchors[i]:
            reasons[i].append("no anchor name")
    status = []
    for i, v in enumerate(col("status")):
        s = status_of(v)
        if s is None:
            notes[i].append(f"status '{_tabular.cell_text(v)[:30]}' is not one of "
                            f"{', '.join(STATUSES[:-1])}: counted as unknown")
            s = "unknown"
        status.append(s)
    floor = np.array([_area(v, "floor area", notes[i]) for i, v in enumerate(col("floor_area"))])
    site = np.array([_area(v, "site area", notes[i]) for i, v in enumerate(col("site_area"))])
    community = np.array([_yes_no(v) for v in col("community_use")], np.int8)
    names = [_tabular.cell_text(v) for v in col("name")]
    keep = np.array([not r for r in reasons], bool)
    sites = pd.DataFrame({
        "anchor": np.asarray(anchors, object), "name": np.asarray(names, object),
        "postcode": np.asarray(postcodes, object), "lat": lat, "lon": lon,
        "geometry": np.asarray(geoms + [None], object)[:-1],
        "tenure": np.asarray([tenure_of(v) for v in col("tenure")], object),
        "use": np.asarray([_tabular.cell_text(v) for v in col("use")], object),
        "floor_area_m2": floor.astype(float), "site_area_ha": site.astype(float),
        "status": np.asarray(status, object), "community_use": community,
        "source_file": name, "source_line": lines,
    })[keep].reset_index(drop=True)
    return sites, _notes(name, lines, reasons), _notes(name, lines, notes)


def _notes(name: str, lines: np.ndarray, reasons: list[list[str]]) -> pd.DataFrame:
    pos = [i for i, r in enumerate(reasons) if r]
    return pd.DataFrame({"source_file": [name] * len(pos),
                         "line": np.asarray(lines)[pos].astype(np.int64) if pos else
                         np.zeros(0, np.int64),
                         "reason": ["; ".join(reasons[i]) for i in pos]})


def _number(value: object) -> float:
    text = _tabular.cell_text(value).replace(",", "")
    try:
        return float(text) if text else float("nan")
    except ValueError:
        return float("nan")


def _area(value: object, what: str, notes: list[str]) -> float:
    text = _tabular.cell_text(value).replace(",", "")
    if not text:
        return float("nan")
    try:
        x = float(re.sub(r"\s*(m2|m²|sq ?m|ha|hectares?)$", "", text, flags=re.I))
    except ValueError:
        notes.append(f"the {what} is not a number: counted as unknown")
        return float("nan")
    if x < 0 or not np.isfinite(x):
        notes.append(f"the {what} is negative: counted as unknown")
        return float("nan")
    return x


def _yes_no(value: object) -> int:
    t = _tabular.cell_text(value).strip().lower()
    return 1 if t in ("yes", "y", "true", "1") else 0 if t in ("no", "n", "false", "0") else -1


def _concat(frames: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    return pd.concat(frames, ignore_index=True)[list(columns)]
