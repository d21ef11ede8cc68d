"""Run the benchmark suite and print one table.

    python -m benchmarks            # full scales (~25 minutes on a 2-core machine)
    python -m benchmarks --quick    # smaller scales (~10 minutes)
    python -m benchmarks --parts 1 6 --readme
    python -m benchmarks --parts 3 --scales district region --readme --section issue16

Parts (see benchmarks/README.md): 1 recompute, 2 bytes per filter change, 3 end to end in the
browser, 4 geometry and first load, 5 memory, 6 import, 7 what-if against a filter change,
8 Lighthouse on the demo (skipped when the Lighthouse CLI is absent: benchmarks/bench_lighthouse.py). Generated inputs go to the cache folder
($ANCHOR_BENCH_CACHE or ~/.cache/anchor-spend-map/benchmarks), never into the repository.
`--readme` writes the table, with the date and the machine, into benchmarks/README.md: into the
results block, or with `--section NAME` into a block of its own (made after the results block
the first time), so that a run of some parts at some scales replaces no other run's rows.
`--scales` keeps only the named geographies (district, region, england).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from benchmarks._util import Row, cache_dir, machine, table

README = Path(__file__).with_name("README.md")
START, END = "<!-- results:start -->", "<!-- results:end -->"


def plan(quick: bool) -> dict:
    """What runs at which scale."""
    if quick:
        return {"engine": [(g, n) for g in ("district", "england") for n in (100_000, 1_000_000)],
                "page": [("district", 100_000), ("england", 1_000_000)],
                "browser": {"changes": 7, "default_changes": 3},
                "memory": ("england", 1_000_000), "repeat": 7,
                "import": (270_000, 100_000)}
    return {"engine": [(g, n) for g in ("district", "region", "england")
                       for n in (100_000, 1_000_000, 10_000_000)],
            "page": [("district", 100_000), ("region", 1_000_000), ("england", 10_000_000)],
            "browser": {"changes": None, "default_changes": 7},
            "memory": ("england", 10_000_000), "repeat": 9,
            "import": (2_700_000, 1_000_000)}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def guarded(part: str, scale: str, fn, *args, **kwargs) -> list[Row]:
    """Run `fn(*args, **kwargs)`; a failure becomes a NOT MET row saying what broke, not a
    crash."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        traceback.print_exc(file=sys.stderr)
        return [Row(part, scale, "benchmark failed", None, "", met=False,
                    fix=f"{type(exc).__name__}: {str(exc)[:200]}")]


def run(parts: set[str], quick: bool, scales: set[str] | None = None) -> list[Row]:
    from benchmarks import _page, synth
    from benchmarks.geography import geography

    p = plan(quick)
    if scales:
        p = {**p, "engine": [(g, n) for g, n in p["engine"] if g in scales],
             "page": [(g, n) for g, n in p["page"] if g in scales]}
    rows: list[Row] = []
    page_missing = _page.page_available()
    if "4" in parts:
        from benchmarks import bench_geometry

        log("part 4: England ward geometry")
        rows += guarded("4 geometry", "England", bench_geometry.run)
    page_scales = set(p["page"])
    want_page = parts & {"2", "3", "4"}
    browser = playwright = None
    try:
        for geo_key in ("district", "region", "england"):
            sizes = sorted(({n for g, n in p["engine"] if g == geo_key}   # parts 1 and 7 only
                            if parts & {"1", "7"} else set())
                           | ({n for g, n in page_scales if g == geo_key} if want_page else set()))
            if not sizes:
                continue
            geo = geography(geo_key)
            for n in sizes:
                label = f"{n:,} tx, {geo.label}"
                log(f"building {label}")
                ds = synth.network(n, geo)
                if "1" in parts and (geo_key, n) in p["engine"]:
                    log(f"part 1: recompute, {label}")
                    rows += guarded("1 recompute", label, _engine_rows, ds, label, p["repeat"])
                if "7" in parts and (geo_key, n) in p["engine"]:
                    log(f"part 7: what-if, {label}")
                    rows += guarded("7 what-if", label, _whatif_rows, ds, label, p["repeat"])
                if want_page and (geo_key, n) in page_scales:
                    if page_missing:
                        rows.append(Row("2-4 page", label, "skipped", None, "",
                                        note=page_missing))
                    elif not geo.real:
                        rows.append(Row("2-4 page", label, "skipped", None, "",
                                        note="../shared/data is absent: no ward geometry"))
                    else:
                        from benchmarks.bench_geometry import chosen_drawing

                        dsg = _page.with_geometry(ds, chosen_drawing(geo)[0])
                        if "2" in parts:
                            log(f"part 2: bytes per filter change, {label}")
                            rows += guarded("2 bytes", label, _bytes_rows, dsg, label)
                        if parts & {"3", "4"}:
                            if browser is None:
                                from playwright.sync_api import sync_playwright

                                from benchmarks import bench_browser

                                playwright = sync_playwright().start()
                                browser = bench_browser.launch(playwright)
                            log(f"parts 3-4: browser, {label}")
                            rows += guarded("3 browser", label, _browser_rows, browser, dsg,
                                            label, p["browser"])
                        del dsg
                del ds
                gc.collect()
    finally:
        if browser is not None:
            browser.close()
            playwright.stop()
    if "5" in parts:
        from benchmarks import bench_memory

        scale, n = p["memory"]
        log(f"part 5: memory, {n:,} tx, {scale}")
        rows += guarded("5 memory", f"{n:,} tx, {scale}", bench_memory.run, n, scale)
    if "8" in parts:
        from benchmarks import bench_lighthouse

        log("part 8: Lighthouse on the demo, both modes")
        rows += guarded("8 lighthouse", "demo", bench_lighthouse.run)
    if "6" in parts:
        from benchmarks import bench_import

        nspl, spend = p["import"]
        log(f"part 6: import, {nspl:,}-row NSPL, {spend:,}-row spend")
        rows += guarded("6 import", "import", bench_import.run, nspl, spend)
    return sorted(rows, key=lambda r: r.part)


def _engine_rows(ds, label: str, repeat: int) -> list[Row]:
    from benchmarks import bench_engine

    return bench_engine.rows_for(label, bench_engine.measure(ds, repeat))


def _whatif_rows(ds, label: str, repeat: int) -> list[Row]:
    from benchmarks import bench_plan

    return bench_plan.rows_for(label, bench_plan.measure(ds, repeat))


def _bytes_rows(ds, label: str) -> list[Row]:
    from benchmarks import bench_bytes

    return bench_bytes.rows_for(label, bench_bytes.measure(ds))


def _browser_rows(browser, ds, label: str, options: dict) -> list[Row]:
    from benchmarks import bench_browser

    return bench_browser.measure_scale(browser, ds, label, **options)[0]


def write_readme(text: str, section: str | None = None) -> None:
    """Write `text` between the results markers, or those of `section` (a block made after the
    results block when the README has none yet)."""
    body = README.read_text() if README.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in body:
        body += f"\n{START}\n{END}\n"
    start, end = START, END
    if section:
        start, end = f"<!-- results:{section}:start -->", f"<!-- results:{section}:end -->"
        if start not in body:
            head, tail = body.split(END, 1)
            body = f"{head}{END}\n\n{start}\n{end}{tail}"
    head, rest = body.split(start, 1)
    _, tail = rest.split(end, 1)
    README.write_text(f"{head}{start}\n{text}\n{end}{tail}")


def code_version() -> str:
    """The commit measured: $ANCHOR_BENCH_COMMIT (a snapshot made with git archive), else HEAD
    of the repository, marked "+ local changes" when the working tree differs."""
    import subprocess

    if os.environ.get("ANCHOR_BENCH_COMMIT"):
        return os.environ["ANCHOR_BENCH_COMMIT"][:10]
    root = Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=root, check=True,
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + (" + local changes" if dirty.strip() else "")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Anchor Spend Map benchmark suite: one table.")
    ap.add_argument("--quick", action="store_true", help="smaller scales (~10 minutes)")
    ap.add_argument("--parts", nargs="+", default=["1", "2", "3", "4", "5", "6", "7", "8"],
                    choices=["1", "2", "3", "4", "5", "6", "7", "8"])
    ap.add_argument("--readme", action="store_true",
                    help="write the table into benchmarks/README.md")
    ap.add_argument("--section", default=None,
                    help="with --readme: write into this named block instead of the results")
    ap.add_argument("--scales", nargs="+", default=None,
                    choices=["district", "region", "england"],
                    help="only these geographies (default: every one)")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    started = datetime.now(UTC)
    load = os.getloadavg()
    rows = run(set(args.parts), args.quick, set(args.scales or ()))
    minutes = (time.monotonic() - t0) / 60
    header = (f"Run {started:%Y-%m-%d %H:%M} UTC, `python -m benchmarks"
              f"{' --quick' if args.quick else ''}` (parts {' '.join(args.parts)}"
              f"{', scales ' + ' '.join(args.scales) if args.scales else ''}), "
              f"{minutes:.0f} min, code at {code_version()}. Machine: {machine()}. Load average "
              "at start "
              f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (shared with other work: "
              "absolute times are noisy, ratios compare runs made in the same pass).")
    text = header + "\n\n" + table(rows)
    print(text)
    out = cache_dir() / f"results-{started:%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps({"header": header, "rows": [r.as_dict() for r in rows]},
                              indent=1, default=str))
    log(f"raw results: {out}")
    if args.readme:
        write_readme(text, args.section)
        log(f"table written into {README}")


if __name__ == "__main__":
    main()
