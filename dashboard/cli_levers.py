"""The other two levers' commands: `python -m dashboard workforce | assets` (`plan.md`).

Each reads a saved data set (`--data NAME`, or its folder such as data/demo) or the same files as
`metrics` plus the workforce (`--workforce FILE ...`) or estate (`--assets FILE ...`) files, and
prints the figures as the page shows them (disclosure-controlled for the workforce), as JSON or a
table. `assets --export FILE.csv|.xlsx` also writes the list of vacant, surplus and
disposal-planned sites in the most deprived areas. Registered by `cli.py` (`add_lever_parsers`),
which passes its own input options and file loader so both stay one.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from dashboard.cli_common import emit, iso_date
from dashboard.cli_plan import open_saved
from dashboard.engine.assets import has_assets
from dashboard.engine.filters import Options
from dashboard.engine.model import Dataset
from dashboard.engine.workforce import has_workforce, snapshots
from dashboard.errors import InputError
from dashboard.ingest.anchors import read_anchor_table
from dashboard.ingest.catalog import DEFAULT_ROOT
from dashboard.ingest.pipeline import build_from_files
from dashboard.output.cells import to_csv_bytes, to_xlsx_bytes
from dashboard.output.levers import assets_json, assets_text, candidates_frame, workforce_text
from dashboard.view.levers import workforce_json


def add_lever_parsers(sub, source_arguments: Callable[..., None],
                      sources: Callable[[argparse.Namespace], object]) -> None:
    """Add `workforce` and `assets` to the command line's subparsers."""
    w = sub.add_parser("workforce", help="where the anchors' staff live and living-wage pay "
                                         "(plan.md; counts 1-4 shown as <5)")
    _inputs(w, source_arguments, sources)
    add_workforce_arguments(w)
    w.add_argument("--as-at", metavar="YYYY-MM-DD",
                   help="the snapshot to show (default: each anchor's latest)")
    w.set_defaults(run=_run_workforce)
    a = sub.add_parser("assets", help="the anchors' land and buildings; vacant, surplus and "
                                      "disposal-planned sites in the most deprived areas")
    _inputs(a, source_arguments, sources)
    add_assets_arguments(a)
    a.add_argument("--export", type=Path, metavar="FILE.csv|FILE.xlsx",
                   help="also write the vacant/surplus/disposal-planned sites in the most "
                        "deprived areas to this file")
    a.set_defaults(run=_run_assets)


def add_workforce_arguments(p: argparse.ArgumentParser) -> None:
    """The workforce input options (also offered by `import`)."""
    p.add_argument("--workforce", nargs="+", type=Path, default=[], metavar="FILE",
                   help="workforce files: CSV/XLSX, one row per employee or a Count column")
    p.add_argument("--snapshot", metavar="YYYY-MM-DD",
                   help="snapshot date of workforce files with no snapshot column")
    p.add_argument("--workforce-anchor", metavar="NAME",
                   help="the anchor of workforce files with no anchor column")
    p.add_argument("--living-wage-rates", type=Path, metavar="FILE",
                   help="a real Living Wage rate table of your own (default: the shipped one)")


def add_assets_arguments(p: argparse.ArgumentParser) -> None:
    """The estate input options (also offered by `import`)."""
    p.add_argument("--assets", nargs="+", type=Path, default=[], metavar="FILE",
                   help="estate files: CSV/XLSX, GeoJSON, GeoPackage or zipped shapefile")
    p.add_argument("--assets-anchor", metavar="NAME",
                   help="the anchor of estate files with no anchor column")


def _inputs(p: argparse.ArgumentParser, source_arguments, sources) -> None:
    source_arguments(p, required=False)
    p.add_argument("--data", metavar="NAME",
                   help="a saved data set (its name, or its folder such as data/demo)")
    p.add_argument("--root", type=Path, default=DEFAULT_ROOT, metavar="DIR")
    if not any(a.dest == "anchors" for a in p._actions):
        p.add_argument("--anchors", type=Path, metavar="FILE",
                       help="CSV of anchors: name,type,home_area,site_postcode (home areas "
                            "decide the local area and the London living wage)")
    p.add_argument("--most-deprived", type=int, choices=(10, 20, 30), default=10)
    p.add_argument("--reference", choices=("national", "local"), default="national")
    p.add_argument("--local-area", metavar="CODE[,CODE...]")
    p.add_argument("--anchor", nargs="+", default=[], metavar="NAME")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.set_defaults(sources=sources)


def apply_lever_arguments(args: argparse.Namespace, src) -> None:
    """Copy the workforce and estate options of `args` into pipeline Sources."""
    src.workforce = list(getattr(args, "workforce", None) or [])
    src.workforce_snapshot = iso_date(getattr(args, "snapshot", None), "--snapshot")
    src.workforce_anchor = getattr(args, "workforce_anchor", None)
    src.living_wage_rates = getattr(args, "living_wage_rates", None)
    src.assets = list(getattr(args, "assets", None) or [])
    src.assets_anchor = getattr(args, "assets_anchor", None)


def _dataset(args: argparse.Namespace, lever: str) -> Dataset:
    """The saved data set (--data), else the files as `metrics` reads them plus the lever's."""
    if args.data:
        ds = open_saved(args.data, args.root)
    else:
        missing = [o for o, v in (("--spend", args.spend), ("--postcodes", args.postcodes),
                                  ("--imd", args.imd), (f"--{lever}", getattr(args, lever)))
                   if not v]
        if missing:
            raise InputError(f"give {', '.join(missing)} (the files, as for `metrics`), or "
                             "--data NAME for a saved data set")
        src = args.sources(args)
        if args.anchors is not None:
            src.anchors = read_anchor_table(args.anchors)
        apply_lever_arguments(args, src)
        ds = build_from_files(src, name="command line").dataset
    unknown = sorted(set(args.anchor) - set(ds.anchors["name"]))
    if unknown:
        raise InputError(f"--anchor {', '.join(unknown)}: no such anchor; anchors are: "
                         f"{', '.join(ds.anchors['name'])}")
    return ds


def _options(args: argparse.Namespace) -> Options:
    local = tuple(c.strip() for c in (args.local_area or "").split(",") if c.strip())
    return Options(most_deprived=args.most_deprived, reference=args.reference, local_area=local)


def _run_workforce(args: argparse.Namespace) -> int:
    ds = _dataset(args, "workforce")
    if not has_workforce(ds):
        raise InputError("this data set has no workforce: import one with --workforce FILE")
    as_at = args.as_at
    if as_at is not None:
        iso_date(as_at, "--as-at")
        if as_at not in snapshots(ds):
            raise InputError(f"--as-at {as_at}: no snapshot on that date; snapshots are: "
                             f"{', '.join(snapshots(ds))}")
    result = workforce_json(ds, _options(args), tuple(args.anchor), as_at)
    emit(result, args.format, lambda r: workforce_text(r, ds))
    return 0


def _run_assets(args: argparse.Namespace) -> int:
    ds = _dataset(args, "assets")
    if not has_assets(ds):
        raise InputError("this data set has no estate: import one with --assets FILE")
    opts = _options(args)
    result = assets_json(ds, opts, tuple(args.anchor))
    emit(result, args.format, assets_text)
    if args.export is not None:
        frame = candidates_frame(ds, opts, tuple(args.anchor))
        ext = args.export.suffix.lower()
        if ext not in (".csv", ".xlsx"):
            raise InputError(f"--export {args.export}: give a .csv or .xlsx file name")
        data = to_xlsx_bytes(frame) if ext == ".xlsx" else to_csv_bytes(frame)
        args.export.write_bytes(data)
        print(f"{len(frame)} sites written to {args.export}", file=sys.stderr)
    return 0


def levers_report_lines(report: dict) -> list[str]:
    """The import report's workforce and estate lines (counts and reasons only)."""
    lines = []
    w = report.get("workforce")
    if w:
        lines += ["", f"Workforce: {w['headcount']:,} staff; located {w['located']:,}; not "
                      f"located {w['headcount'] - w['located']:,} ({w['no_postcode_or_lsoa']:,}"
                      f" with no home postcode or LSOA, {w['postcode_not_found']:,} with a "
                      f"postcode not in the postcode directory); pay known {w['pay_known']:,}"]
        if w.get("pay_before_first_rate"):
            lines.append(f"  {w['pay_before_first_rate']:,} staff have pay dated before the "
                         "first living wage rate in the table: living wage unknown")
    a = report.get("assets")
    if a:
        lines += ["", f"Estate: {a['sites']:,} sites; placed {a['located']:,} "
                      f"({a['postcode_not_found']:,} with a postcode not in the directory); "
                      f"in a loaded ward {a['in_a_ward']:,}; polygons {a['polygons']:,}"]
    for what, r in (("Workforce", w), ("Estate", a)):
        for kind in ("rejected", "flagged"):
            for item in (r or {}).get(f"{kind}_reasons", []):
                lines.append(f"  {what} rows {kind}: {item['rows']:>6,}  {item['reason']}")
    return lines
