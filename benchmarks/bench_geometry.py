"""Part 4 (size): England's ward geometry simplified for drawing, gzipped as the page serves it.

    python -m benchmarks.bench_geometry

All 7,681 wards of the 2013 set (326 files) go through `dashboard.ingest.io.boundaries.drawing_geojson`
(GEOS coverage simplification in British National Grid metres, so neighbours keep identical shared
edges, then coordinates rounded) and `dashboard.serve.routes.serialise` (compact JSON, gzip level 6), the
bytes the browser downloads once. Bar: at most 3 MB gzipped. The settings are tried from the
mildest; the first that meets the bar is the one the browser benchmarks draw.
"""
from __future__ import annotations

import gzip
import json
import time

from benchmarks._util import Row, table

BAR_BYTES = 3_000_000
#: (tolerance in metres, decimals), mildest first.
GRID = ((50, 5), (50, 4), (75, 4), (100, 4))
#: What a district's import is drawn with (dashboard.ingest.io.boundaries.drawing_settings).
DISTRICT = (15, 5)


def served_sizes(fc: dict) -> tuple[int, int]:
    """(raw, gzip) bytes of a FeatureCollection as the page serves it."""
    try:
        from dashboard.serve.routes import serialise

        f = serialise(fc)
        return len(f.raw), len(f.gz)
    except ImportError:  # the page's routes are not there: the same encoding by hand
        raw = json.dumps(fc, separators=(",", ":"), ensure_ascii=False).encode()
        return len(raw), len(gzip.compress(raw, 6, mtime=0))


def vertices(fc: dict) -> int:
    import shapely

    geoms = [shapely.geometry.shape(f["geometry"]) for f in fc["features"]]
    return int(shapely.get_num_coordinates(geoms).sum())


def chosen_drawing(geo) -> tuple[dict, tuple[int, int]]:
    """The drawing GeoJSON of `geo` at the mildest setting that keeps England within the bar."""
    from benchmarks.geography import geography

    if not geo.real:  # synthetic squares: nothing to choose
        return geo.drawing(*GRID[0]), GRID[0]
    england = geo if geo.key == "england" else geography("england")
    for tol, prec in GRID:
        if served_sizes(england.drawing(tol, prec))[1] <= BAR_BYTES:
            return geo.drawing(tol, prec), (tol, prec)
    tol, prec = GRID[-1]
    return geo.drawing(tol, prec), (tol, prec)


def run() -> list[Row]:
    from benchmarks.geography import geography

    geo = geography("england")
    if not geo.real:
        return [Row("4 geometry", "England", "ward geometry gzip", None, "B",
                    note="skipped: ../shared/data is absent")]
    from dashboard.ingest.io.boundaries import drawing_settings

    importer = tuple(drawing_settings(len(geo.wards_gdf())))
    measured = {}
    for tol, prec in dict.fromkeys((DISTRICT, importer, *GRID)):
        t0 = time.perf_counter()
        fc = geo.drawing(tol, prec)
        seconds = time.perf_counter() - t0
        raw, gz = served_sizes(fc)
        measured[(tol, prec)] = (raw, gz, vertices(fc), seconds, len(fc["features"]))
    _, (tol, prec) = chosen_drawing(geo)
    raw, gz, nv, _, nf = measured[(tol, prec)]
    others = "; ".join(f"{t:g} m/{p} dp: {g / 1e6:.2f} MB gz, {v:,} vertices"
                       for (t, p), (_, g, v, _, _) in measured.items())
    rows = [Row("4 geometry", f"England, {nf:,} wards", f"ward geometry for drawing, {tol} m / "
                f"{prec} dp, gzip as served", gz, "B", BAR_BYTES, "bar", gz / BAR_BYTES,
                "<= 3 MB gzip", gz <= BAR_BYTES, "a coarser tolerance or fewer decimals",
                f"{raw / 1e6:.1f} MB raw, {nv:,} vertices. Tried: {others}")]
    raw, gz, nv, _, _ = measured[importer]
    rows.append(Row("4 geometry", f"England, {nf:,} wards", f"as the importer draws a set this "
                    f"size ({importer[0]:g} m / {importer[1]} dp, boundaries.drawing_settings), "
                    "gzip", gz, "B", BAR_BYTES, "bar", gz / BAR_BYTES, "<= 3 MB gzip",
                    gz <= BAR_BYTES, "a larger tolerance for national sets in "
                    "dashboard.ingest.io.boundaries.drawing_settings", f"{raw / 1e6:.1f} MB raw, "
                    f"{nv:,} vertices"))
    return rows


def main() -> None:
    print(table(run()))


if __name__ == "__main__":
    main()
