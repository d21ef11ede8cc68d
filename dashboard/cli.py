"""The command line: `python -m dashboard metrics|demo ...`.

`metrics` reproduces any figure of the page from the raw files, with no server and no saved state.
Errors go to stderr with exit status 2 and say what to do.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from dashboard.errors import InputError
from dashboard.parse import FIELDS

EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (InputError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"error: {_message(exc)}", file=sys.stderr)
        return EXIT_USAGE


def _message(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {exc.filename or exc}. Check the path and try again."
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename} is a folder: give the file inside it."
    if isinstance(exc, PermissionError):
        return f"cannot read {exc.filename}: check the file's permissions."
    return str(exc)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard",
                                     description="Anchor Spend Map: data engine and tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    _metrics_parser(sub.add_parser(
        "metrics", help="print every figure for spend files (no server, no saved state)"))
    demo = sub.add_parser("demo", help="regenerate the embedded demo data set from ../shared/data")
    demo.add_argument("--shared", type=Path, default=None,
                      help="folder of the real public data (default ../shared/data)")
    demo.add_argument("--out", type=Path, default=None, help="output folder (default data/demo)")
    demo.add_argument("--seed", type=int, default=2026)
    demo.set_defaults(run=_run_demo)
    return parser


def _metrics_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spend", nargs="+", required=True, type=Path, metavar="FILE")
    p.add_argument("--postcodes", nargs="+", required=True, type=Path, metavar="FILE")
    p.add_argument("--imd", required=True, type=Path, metavar="FILE")
    p.add_argument("--wards", type=Path, metavar="FILE")
    p.add_argument("--lsoa-lookup", type=Path, metavar="FILE")
    p.add_argument("--lsoas", type=Path, metavar="FILE")
    p.add_argument("--population", type=Path, metavar="FILE")
    p.add_argument("--suppliers", type=Path, metavar="FILE")
    p.add_argument("--columns", nargs="+", default=[], metavar="FIELD=HEADER",
                   help=f"explicit mapping; FIELD one of: {' '.join(FIELDS)}")
    p.add_argument("--anchor-name", metavar="NAME", help="anchor for files with no anchor column")
    p.add_argument("--period", metavar="FROM:TO",
                   help="the files' period (YYYY-MM-DD:YYYY-MM-DD), for rows with no date")
    p.add_argument("--most-deprived", type=int, choices=(10, 20, 30), default=10)
    p.add_argument("--reference", choices=("national", "local"), default="national")
    p.add_argument("--local-area", metavar="CODE[,CODE...]")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    p.add_argument("--anchor", nargs="+", default=[], metavar="NAME")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.set_defaults(run=_run_metrics)


def _iso(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date: write it as YYYY-MM-DD") from None


def _columns(pairs: list[str]) -> dict[str, str] | None:
    out = {}
    for pair in pairs:
        field, sep, header = pair.partition("=")
        field = field.strip().lower()
        if not sep or field not in FIELDS or not header.strip():
            raise InputError(f"--columns {pair!r}: write FIELD=HEADER with FIELD one of "
                             f"{', '.join(FIELDS)}")
        out[field] = header.strip()
    return out or None


def _period(value: str | None) -> tuple[date, date] | None:
    if value is None:
        return None
    start, sep, end = value.partition(":")
    d0, d1 = _iso(start, "--period start"), _iso(end, "--period end") if sep else None
    if d1 is None or d1 < d0:
        raise InputError(f"--period {value!r}: write FROM:TO as YYYY-MM-DD:YYYY-MM-DD, FROM first")
    return d0, d1


def _run_metrics(args: argparse.Namespace) -> int:
    from dashboard import metrics as m
    from dashboard.pipeline import Sources, build_from_files
    from dashboard.report import metrics_json, metrics_text

    src = Sources(spend=args.spend, postcodes=args.postcodes, imd=args.imd, wards=args.wards,
                  lsoa_lookup=args.lsoa_lookup, lsoas=args.lsoas, population=args.population,
                  suppliers=args.suppliers, columns=_columns(args.columns),
                  anchor_name=args.anchor_name, period=_period(args.period))
    filters = m.Filters(anchors=tuple(args.anchor), date_from=_iso(args.date_from, "--from"),
                        date_to=_iso(args.date_to, "--to"))
    local = tuple(c.strip() for c in (args.local_area or "").split(",") if c.strip())
    options = m.Options(most_deprived=args.most_deprived, reference=args.reference,
                        local_area=local)
    built = build_from_files(src, name="command line")
    unknown = sorted(set(args.anchor) - set(built.dataset.anchors["name"]))
    if unknown:
        raise InputError(f"--anchor {', '.join(unknown)}: no such anchor in the spend files; "
                         f"anchors are: {', '.join(built.dataset.anchors['name'])}")
    with_wards = args.population is not None and args.lsoas is not None and args.wards is not None
    result = metrics_json(built, filters, options, ward_deprivation=with_wards)
    if args.format == "json":
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(metrics_text(result))
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    from dashboard.demo import build_demo

    folder = build_demo(shared=args.shared, out=args.out, seed=args.seed)
    print(f"demo data set written to {folder}")
    return 0
