"""Postcode directory reader (ONS NSPL / ONSPD): postcode -> point, LSOA, district.

The full UK directory has ~2.7 million rows and ~40 columns (>1 GB as CSV). Only six columns are
needed, so the header line is read first, the wanted columns are detected by pattern (names change
between releases: ``lsoa11`` / ``lsoa21`` / ``lsoa21cd``, ``laua`` / ``lad25cd`` ...), and pyarrow
parses just those columns. The result can be cached as Parquet, keyed by the source files' path,
size and modification time, so a second start-up costs a fraction of a second.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa

#: Bump when the output of the reader changes, so that old cache files are not reused.
CACHE_VERSION = "1"
OUTPUT_COLUMNS = ["postcode", "lat", "lon", "lsoa", "lad", "terminated"]
#: NSPL/ONSPD put this latitude (with longitude 0) on postcodes that have no grid reference.
MISSING_LAT = 99.999999

_POSTCODE_NAMES = ("pcds", "pcd2", "pcd8", "pcd", "pcd7", "postcode")
_LAT_NAMES = ("lat", "latitude")
_LON_NAMES = ("long", "lon", "longitude")
#: A UK postcode without its space (the same shape dashboard.ingest.parse.normalise_postcode accepts).
_POSTCODE_SHAPE = r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?|GIR)[0-9][A-Z]{2}$"
#: Python's idea of whitespace (str.split) in RE2 syntax: no-break spaces from spreadsheets too.
_WHITESPACE = r"[\s\pZ\x{0B}\x{1C}-\x{1F}\x{85}]+"
_LSOA_RE = re.compile(r"^lsoa(\d\d)(cd)?$", re.IGNORECASE)
_LAD_RE = re.compile(r"^lad(\d\d)cd$", re.IGNORECASE)


def read_postcodes(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    cache_dir: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Read one or more NSPL/ONSPD CSV files (plain or .gz) into one postcode table.

    Columns: ``postcode`` (normalised "SR1 1AA"), ``lat``, ``lon`` (float64, NaN where the
    directory has no grid reference), ``lsoa``, ``lad`` (str, missing where blank) and
    ``terminated`` (bool; terminated postcodes are kept and still locate, since old invoices use
    them). ``attrs["lsoa_vintage"]`` is "2011" or "2021", from the LSOA column's name.
    Welsh, Scottish and Northern Irish postcodes are kept. A postcode present in several files is
    kept once (first file wins). With ``cache_dir`` the result is cached as Parquet.
    """
    files = _as_paths(paths)
    cache = _cache_path(files, cache_dir) if cache_dir is not None else None
    if cache is not None and cache.exists():
        try:
            return _table_to_frame(_read_cache(cache))
        except Exception:  # a corrupt or partial cache file: rebuild it
            cache.unlink(missing_ok=True)
    table = _read_all(files)
    if cache is not None:
        _write_cache(table, cache)
    return _table_to_frame(table)


def normalise_postcodes(values: Iterable[object]) -> pd.Series:
    """Vectorised postcode normalisation: upper-case, whitespace removed, one space before the last
    three characters ("sr11aa" -> "SR1 1AA"); missing where blank or not shaped like a UK
    postcode. Same result as ``dashboard.ingest.parse.normalise_postcode``, for a whole column at once.

    >>> normalise_postcodes([" sr1  1aa", "w1a0ax", "", None, "X"]).tolist()
    ['SR1 1AA', 'W1A 0AX', nan, nan, nan]
    """
    import pandas as pd
    import pyarrow as pa

    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    text = series.astype("str")
    out = _normalise_arrow(pa.array(text)).to_pandas()
    return pd.Series(out.to_numpy(), index=series.index, dtype="str", name=series.name)


# --- reading -------------------------------------------------------------------------------------

def _as_paths(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """One path or many -> a list of existing Paths (InputError for a missing one)."""
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not items:
        raise InputError("No postcode directory given: pass an NSPL or ONSPD CSV file.")
    files = [Path(p) for p in items]
    for f in files:
        if not f.is_file():
            raise InputError(f"Postcode directory {f} not found: check the path.")
    return files


def _read_all(files: list[Path]) -> pa.Table:
    """Read every file, check they share one LSOA vintage, concatenate, de-duplicate."""
    import pyarrow as pa
    import pyarrow.compute as pc

    tables, vintages = [], set()
    for f in files:
        table, vintage = _read_one(f)
        tables.append(table)
        vintages.add(vintage)
    if len(vintages) > 1:
        raise InputError(
            f"The postcode directory files mix LSOA vintages ({', '.join(sorted(vintages))}): "
            "load files of one release (all lsoa11 or all lsoa21)."
        )
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    table = table.filter(pc.is_valid(table.column("postcode")))
    if len(tables) > 1:
        table = _drop_duplicate_postcodes(table)
    return table.replace_schema_metadata({b"lsoa_vintage": vintages.pop().encode()})


def _drop_duplicate_postcodes(table: pa.Table) -> pa.Table:
    """Keep the first row of each postcode (only needed when several files are combined)."""
    import numpy as np
    import pandas as pd

    codes = pd.Series(table.column("postcode").to_pandas())
    keep = ~codes.duplicated(keep="first").to_numpy()
    return table if keep.all() else table.filter(np.asarray(keep))


def _read_one(path: Path) -> tuple[pa.Table, str]:
    """Read the needed columns of one directory file -> (table in output layout, lsoa vintage)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    header = _header(path)
    cols, vintage = _detect_columns(header, path)
    wanted = [c for c in cols.values() if c is not None]
    types = {c: pa.string() for c in wanted}
    types[cols["lat"]] = pa.float64()
    types[cols["lon"]] = pa.float64()
    convert = pcsv.ConvertOptions(include_columns=wanted, column_types=types,
                                  strings_can_be_null=True)
    read = pcsv.ReadOptions(block_size=4 << 20)
    try:
        compression = "gzip" if _is_gzip(path) else None
        with pa.input_stream(str(path), compression=compression) as stream:
            raw = pcsv.read_csv(stream, read_options=read, convert_options=convert)
    except (pa.ArrowInvalid, OSError, EOFError) as exc:
        raise InputError(f"Postcode directory {path.name} could not be read ({exc}): "
                         "is it a complete NSPL/ONSPD CSV file?") from exc
    return _to_output(raw, cols), vintage


def _header(path: Path) -> list[str]:
    """The header line of a CSV file, plain or gzip, without a byte-order mark."""
    opener = gzip.open if _is_gzip(path) else open
    try:
        with opener(path, "rb") as fh:
            line = fh.readline(1 << 16)
    except (OSError, EOFError) as exc:
        raise InputError(f"Postcode directory {path.name} could not be read ({exc}).") from exc
    text = line.decode("utf-8-sig", errors="replace")
    return next(csv.reader(io.StringIO(text)), [])


def _is_gzip(path: Path) -> bool:
    """True when the file starts with the gzip magic bytes (whatever its name)."""
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _detect_columns(header: list[str], path: Path) -> tuple[dict[str, str | None], str]:
    """Map output fields to header names by pattern; InputError naming what is missing."""
    lower = {h.strip().lower(): h for h in header}
    cols: dict[str, str | None] = {
        "postcode": _first(lower, _POSTCODE_NAMES),
        "lat": _first(lower, _LAT_NAMES),
        "lon": _first(lower, _LON_NAMES),
        "lsoa": None,
        "lad": _first(lower, ("laua",)) or _newest(header, _LAD_RE)[0] or _first(lower, ("lad",)),
        "terminated": _first(lower, ("doterm",)),
    }
    cols["lsoa"], vintage = _newest(header, _LSOA_RE)
    missing = [k for k in ("postcode", "lat", "lon", "lsoa", "lad") if cols[k] is None]
    if missing:
        shown = ", ".join(header[:45]) + (" ..." if len(header) > 45 else "")
        raise InputError(
            f"{path.name} does not look like a postcode directory: no column for "
            f"{', '.join(missing)} (expected e.g. pcds, lat, long, lsoa11/lsoa21, laua). "
            f"Columns found: {shown or 'none'}. Load an ONS NSPL or ONSPD CSV file."
        )
    return cols, vintage or ""


def _first(lower: dict[str, str], names: tuple[str, ...]) -> str | None:
    """The original header of the first of ``names`` present (case-insensitive)."""
    return next((lower[n] for n in names if n in lower), None)


def _newest(header: list[str], pattern: re.Pattern[str]) -> tuple[str | None, str | None]:
    """The header matching ``pattern`` with the newest two-digit year -> (header, "20yy")."""
    found = [(int(m.group(1)), h) for h in header if (m := pattern.match(h.strip()))]
    if not found:
        return None, None
    year, name = max(found)
    return name, f"20{year:02d}"


def _to_output(raw: pa.Table, cols: dict[str, str | None]) -> pa.Table:
    """Raw directory columns -> output layout (normalised postcode, NaN for missing points)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lat = raw.column(cols["lat"])
    no_point = pc.fill_null(pc.greater(pc.abs(lat), 90.0), True)
    nan = pa.scalar(float("nan"))
    lat = pc.if_else(no_point, nan, lat)
    lon = pc.if_else(no_point, nan, pc.fill_null(raw.column(cols["lon"]), float("nan")))
    if cols["terminated"] is not None:
        term = pc.utf8_trim_whitespace(raw.column(cols["terminated"]))
        terminated = pc.fill_null(pc.greater(pc.utf8_length(term), 0), False)
    else:
        terminated = pa.array([False] * raw.num_rows, pa.bool_())
    return pa.table({
        "postcode": _normalise_arrow(raw.column(cols["postcode"])),
        "lat": lat,
        "lon": lon,
        "lsoa": _blank_to_null(raw.column(cols["lsoa"])),
        "lad": _blank_to_null(raw.column(cols["lad"])),
        "terminated": terminated,
    })


def _blank_to_null(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trim codes; an empty code becomes null."""
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(trimmed, ""), None, trimmed)


def _normalise_arrow(arr: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """Arrow strings -> normalised postcodes (null where blank or implausible length)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    compact = pc.replace_substring_regex(pc.utf8_upper(arr), _WHITESPACE, "")
    ok = pc.match_substring_regex(compact, _POSTCODE_SHAPE)
    spaced = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(compact, 0, -3), pc.utf8_slice_codeunits(compact, -3),
        pa.scalar(" ", compact.type),
    )
    return pc.if_else(pc.fill_null(ok, False), spaced, None)


def _table_to_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow table -> DataFrame in the contract's dtypes, vintage in attrs."""
    import pandas as pd

    meta = table.schema.metadata or {}
    df = table.select(OUTPUT_COLUMNS).to_pandas(split_blocks=True, self_destruct=True)
    for col in ("postcode", "lsoa", "lad"):
        df[col] = df[col].astype("str")
    df["terminated"] = df["terminated"].astype(bool)
    df = pd.DataFrame(df)
    df.attrs["lsoa_vintage"] = meta.get(b"lsoa_vintage", b"").decode()
    return df


# --- cache ---------------------------------------------------------------------------------------

def _cache_path(files: list[Path], cache_dir: str | os.PathLike) -> Path:
    """Cache file name from each source's resolved path, size and mtime (any change -> new key)."""
    h = hashlib.sha256(CACHE_VERSION.encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return Path(cache_dir) / f"postcodes-{h.hexdigest()[:24]}.parquet"


def _read_cache(cache: Path) -> pa.Table:
    """Read a cached table (its schema metadata carries the LSOA vintage)."""
    import pyarrow.parquet as pq

    return pq.read_table(cache)


def _write_cache(table: pa.Table, cache: Path) -> None:
    """Write the cache atomically (temporary file, then rename) so readers never see half a file."""
    import pyarrow.parquet as pq

    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, cache)
    except OSError:  # a read-only cache folder must not stop the import
        tmp.unlink(missing_ok=True)
