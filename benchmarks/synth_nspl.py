"""Synthetic NSPL-shaped postcode directory, for benchmarks of the postcode reader.

The real UK-wide NSPL has ~2.7 million rows and 41 columns (>1 GB); it cannot be committed, so
benchmarks write a file of the same shape: the real header, every string field quoted as ONS
does, numbers (lat, long, imd) bare, some terminated postcodes, some without a grid reference
(lat 99.999999, long 0). Values are plausible, not real.

    python benchmarks/synth_nspl.py /tmp/nspl.csv --rows 2700000 --compare

writes the file and measures, each in a fresh subprocess, the time and peak resident memory of
``read_postcodes`` (cold, then with its Parquet cache) and of ``pandas.read_csv`` of all columns.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

#: The 41 columns of the NSPL (November 2021 release), in file order.
NSPL_COLUMNS = (  # noqa: SIM905 - the header line as ONS writes it
    "pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa11,cty,ced,laua,ward,"
    "hlthau,nhser,ctry,rgn,pcon,eer,teclec,ttwa,pct,itl,park,lsoa11,msoa11,wz11,ccg,bua11,"
    "buasd11,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,stp"
).split(",")
_AREAS = ["AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "CA", "CB", "CF",
          "CH", "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DH", "DL", "DN", "DT"]
#: (prefix, number of distinct codes) for the code columns; the rest are derived below.
_CODES = {
    "oa11": ("E00", 180_000), "cty": ("E10", 30), "ced": ("E58", 1_000), "laua": ("E06", 330),
    "ward": ("E05", 7_000), "hlthau": ("E18", 10), "nhser": ("E40", 7), "ctry": ("E92", 1),
    "rgn": ("E12", 9), "pcon": ("E14", 533), "eer": ("E15", 9), "teclec": ("E24", 50),
    "ttwa": ("E30", 200), "pct": ("E16", 150), "itl": ("E08", 180), "park": ("E99", 1),
    "lsoa11": ("E01", 32_844), "msoa11": ("E02", 6_791), "wz11": ("E33", 50_000),
    "ccg": ("E38", 106), "bua11": ("E34", 5_000), "buasd11": ("E35", 2_000),
    "lep1": ("E37", 38), "lep2": ("E37", 38), "pfa": ("E23", 39), "calncv": ("E56", 40),
    "stp": ("E54", 42),
}


def write_synthetic_nspl(
    path: str | Path,
    rows: int = 2_700_000,
    *,
    seed: int = 0,
    chunk_rows: int = 500_000,
    terminated_share: float = 0.2,
    missing_grid_share: float = 0.002,
    gzip: bool = False,
) -> Path:
    """Write an NSPL-shaped CSV of ``rows`` unique postcodes to ``path`` (gzip when asked);
    returns the path. Deterministic for a given ``seed``. Memory stays bounded (chunks)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sink = pa.CompressedOutputStream(str(path), "gzip") if gzip else pa.OSFile(str(path), "wb")
    options = pcsv.WriteOptions(include_header=True, quoting_style="needed")
    writer = None
    with sink:
        for start in range(0, rows, chunk_rows):
            table = _chunk(start, min(chunk_rows, rows - start), rng,
                           terminated_share, missing_grid_share)
            if writer is None:
                writer = pcsv.CSVWriter(sink, table.schema, write_options=options)
            writer.write_table(table)
        if writer is not None:
            writer.close()
    return path


def _chunk(start: int, n: int, rng, terminated_share: float, missing_share: float):
    """One block of rows as an Arrow table in NSPL column order."""
    import numpy as np
    import pyarrow as pa

    i = np.arange(start, start + n)
    outward, inward = _postcode_parts(i)
    pcds = _join(outward, inward, " ")
    cols: dict[str, pa.Array] = {
        "pcd": pa.array(np.char.add(np.char.ljust(outward, 4), inward)),
        "pcd2": pa.array(np.char.add(np.char.ljust(outward, 5), inward)),
        "pcds": pcds,
        "dointr": _dates(rng, n, 1980, 2021),
        "doterm": _blank_unless(rng.random(n) < terminated_share, _dates(rng, n, 1990, 2021)),
        "usertype": pa.array(rng.integers(0, 2, n).astype(str)),
        "oseast1m": pa.array(rng.integers(100_000, 650_000, n).astype(str)),
        "osnrth1m": pa.array(np.char.zfill(rng.integers(10_000, 1_200_000, n).astype(str), 7)),
        "osgrdind": pa.array(np.full(n, "1")),
    }
    for name in NSPL_COLUMNS:
        if name in _CODES:
            prefix, distinct = _CODES[name]
            cols[name] = _codes(rng, n, prefix, distinct)
    no_grid = rng.random(n) < missing_share
    cols["ru11ind"] = pa.array(rng.choice(["A1", "B1", "C1", "D1", "E1"], n))
    cols["oac11"] = pa.array(rng.choice(["1A1", "2B1", "3C2", "4D3", "7A1"], n))
    cols["lat"] = pa.array(np.round(np.where(no_grid, 99.999999, rng.uniform(50, 55.8, n)), 6))
    cols["long"] = pa.array(np.round(np.where(no_grid, 0.0, rng.uniform(-5.5, 1.7, n)), 6))
    cols["imd"] = pa.array(rng.integers(1, 32_845, n))
    return pa.table({name: cols[name] for name in NSPL_COLUMNS})


def _postcode_parts(i):
    """Unique (outward, inward) codes for row numbers ``i``: area, district, sector, unit."""
    import numpy as np

    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    unit = i % 400
    sector = (i // 400) % 10
    district = (i // 4_000) % 99 + 1
    area = np.array(_AREAS)[(i // 396_000) % len(_AREAS)]
    outward = np.char.add(area, district.astype(str))
    inward = np.char.add(np.char.add(sector.astype(str), letters[unit // 20]), letters[unit % 20])
    return outward, inward


def _join(a, b, sep: str):
    """Element-wise a + sep + b as an Arrow string array."""
    import numpy as np
    import pyarrow as pa

    return pa.array(np.char.add(np.char.add(a, sep), b))


def _codes(rng, n: int, prefix: str, distinct: int):
    """GSS-like codes: prefix + 6 digits, ``distinct`` different values."""
    import numpy as np
    import pyarrow as pa

    return pa.array(np.char.add(prefix, np.char.zfill(rng.integers(0, distinct, n).astype(str),
                                                      6)))


def _dates(rng, n: int, first: int, last: int):
    """yyyymm strings."""
    import numpy as np
    import pyarrow as pa

    year = rng.integers(first, last + 1, n).astype(str)
    month = np.char.zfill(rng.integers(1, 13, n).astype(str), 2)
    return pa.array(np.char.add(year, month))


def _blank_unless(mask, values):
    """Empty string where ``mask`` is False (ONS writes "" for live postcodes)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(pa.array(mask), values, "")


# --- measuring -----------------------------------------------------------------------------------

_PROBE = r"""
import json, sys, time
mode, path, cache = sys.argv[1], sys.argv[2], sys.argv[3]


def hwm_mb():
    # Peak RSS of this process image (VmHWM is reset by exec, unlike ru_maxrss after fork).
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024


import pandas as pd
import pyarrow
from dashboard.ingest.io.postcodes import read_postcodes
base = hwm_mb()
t = time.perf_counter()
if mode == "read_postcodes":
    df = read_postcodes(path)
elif mode == "read_postcodes_cached":
    df = read_postcodes(path, cache_dir=cache)
else:
    df = pd.read_csv(path)
seconds = time.perf_counter() - t
print(json.dumps({"mode": mode, "rows": len(df), "columns": df.shape[1], "seconds": seconds,
                  "peak_rss_mb": hwm_mb(), "rss_after_imports_mb": base,
                  "frame_mb": df.memory_usage(deep=True).sum() / 2**20}))
"""


def measure(path: str | Path, mode: str, cache_dir: str | Path = "/tmp/nspl-cache") -> dict:
    """Time and peak RSS (VmHWM) of one read of ``path`` in a fresh interpreter. ``mode``:
    "read_postcodes", "read_postcodes_cached" (run twice: the second hits the cache) or
    "pandas_read_csv" (all columns, default options)."""
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-c", _PROBE, mode, str(path), str(cache_dir)]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Write the synthetic file; with --compare, print the measurements as JSON lines."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("path", type=Path)
    p.add_argument("--rows", type=int, default=2_700_000)
    p.add_argument("--gzip", action="store_true")
    p.add_argument("--compare", action="store_true")
    args = p.parse_args(argv)
    if not args.path.exists():
        write_synthetic_nspl(args.path, args.rows, gzip=args.gzip)
    print(json.dumps({"file": str(args.path), "mb": args.path.stat().st_size / 2**20}))
    if args.compare:
        cache = args.path.parent / "nspl-cache"
        for mode in ("read_postcodes", "read_postcodes_cached", "read_postcodes_cached",
                     "pandas_read_csv"):
            print(json.dumps(measure(args.path, mode, cache)), flush=True)


if __name__ == "__main__":
    main()
