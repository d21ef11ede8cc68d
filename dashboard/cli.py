"""The command line: `python -m dashboard metrics|demo|import|datasets|export|report|reference
...` (`reference`: see dashboard/cli_reference.py).

`metrics` reproduces any figure of the page from the raw files, with no server and no saved state.
Errors go to stderr with exit status 2 and say what to do.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from dashboard.cli_common import emit, iso_date
from dashboard.cli_levers import (
    add_assets_arguments,
    add_lever_parsers,
    add_workforce_arguments,
    apply_lever_arguments,
    levers_report_lines,
)
from dashboard.cli_plan import add_plan_parsers
from dashboard.cli_reference import add_reference_parser
from dashboard.engine import metrics as m
from dashboard.engine.periods import fy_label, parse_fy
from dashboard.errors import InputError
from dashboard.ingest.anchors import read_anchor_table
from dashboard.ingest.catalog import DEFAULT_ROOT, list_datasets, open_dataset, read_manifest
from dashboard.ingest.demo import build_demo
from dashboard.ingest.file_options import read_manifest as read_import_manifest
from dashboard.ingest.importer import import_dataset
from dashboard.ingest.io.spend import checked_order
from dashboard.ingest.parse import FIELDS
from dashboard.ingest.pipeline import Sources, build_from_files
from dashboard.ingest.reading import reading_notes
from dashboard.ingest.store import read_rejected
from dashboard.ingest.unlocated import unlocated_register
from dashboard.output import exports as e
from dashboard.output.exports import export_filename
from dashboard.output.figures import metrics_json, metrics_text
from dashboard.output.levers import LEVER_TABLES, lever_table
from dashboard.output.printable import report_html, report_map_svg

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
    _import_parsers(sub)
    add_plan_parsers(sub, _source_arguments, _sources)
    add_lever_parsers(sub, _source_arguments, _sources)
    add_reference_parser(sub)
    return parser


def _source_arguments(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    """The input files and per-file choices, shared by `metrics` and `import`."""
    p.add_argument("--spend", nargs="+", required=required, type=Path, metavar="FILE")
    p.add_argument("--postcodes", nargs="+", required=required, type=Path, metavar="FILE")
    p.add_argument("--imd", required=required, type=Path, metavar="FILE")
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
    p.add_argument("--date-order", choices=("day-first", "month-first"),
                   help="the order of a/b/yyyy dates (default: decided per file from its dates)")
    p.add_argument("--manifest", type=Path, metavar="FILE",
                   help="per-file settings (TOML or CSV): each file's anchor, columns, period "
                        "and date order; files it does not name take the options above")


def _metrics_parser(p: argparse.ArgumentParser) -> None:
    _source_arguments(p)
    p.add_argument("--most-deprived", type=int, choices=(10, 20, 30), default=10)
    p.add_argument("--reference", choices=("national", "local"), default="national")
    p.add_argument("--local-area", metavar="CODE[,CODE...]")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    p.add_argument("--anchor", nargs="+", default=[], metavar="NAME")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.set_defaults(run=_run_metrics)


def _sources(args: argparse.Namespace):
    """The pipeline's Sources from the options of `_source_arguments`."""

    return Sources(spend=args.spend, postcodes=args.postcodes, imd=args.imd, wards=args.wards,
                   lsoa_lookup=args.lsoa_lookup, lsoas=args.lsoas, population=args.population,
                   suppliers=args.suppliers, columns=_columns(args.columns),
                   anchor_name=args.anchor_name, period=_period(args.period),
                   date_order=checked_order(args.date_order),
                   file_options=read_import_manifest(args.manifest) if args.manifest else None)


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
    d0, d1 = iso_date(start, "--period start"), iso_date(end, "--period end") if sep else None
    if d1 is None or d1 < d0:
        raise InputError(f"--period {value!r}: write FROM:TO as YYYY-MM-DD:YYYY-MM-DD, FROM first")
    return d0, d1


def _run_metrics(args: argparse.Namespace) -> int:

    src = _sources(args)
    filters = m.Filters(anchors=tuple(args.anchor), date_from=iso_date(args.date_from, "--from"),
                        date_to=iso_date(args.date_to, "--to"))
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
    return emit(result, args.format, metrics_text)


def _run_demo(args: argparse.Namespace) -> int:

    folder = build_demo(shared=args.shared, out=args.out, seed=args.seed)
    print(f"demo data set written to {folder}")
    return 0


# --------------------------------------------------------------------------- saved data sets
EXPORTS = ("transactions", "wards", "suppliers", "rejected", "unlocated", "map", "staff_wards",
           "sites")


def _import_parsers(sub) -> None:
    """`import`, `datasets`, `export` and `report`: named data sets saved under --root."""

    imp = sub.add_parser("import", help="import a network's files into a saved data set")
    imp.add_argument("name", metavar="NAME", help="data set name: letters, digits, - and _")
    _source_arguments(imp, required=False)
    imp.add_argument("--anchors", type=Path, metavar="FILE",
                     help="CSV of anchors: name,type,home_area,site_postcode")
    imp.add_argument("--add", action="store_true",
                     help="add the spend files to data set NAME (files already in it are refused;"
                          " reference files not given are reused)")
    imp.add_argument("--title", help="a title for the data set (default: NAME)")
    imp.add_argument("--format", choices=("text", "json"), default="text")
    add_workforce_arguments(imp)
    add_assets_arguments(imp)
    imp.set_defaults(run=_run_import)
    listing = sub.add_parser("datasets", help="list the saved data sets")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(run=_run_datasets)
    exp = sub.add_parser("export", help="export a table or the map of a saved data set")
    exp.add_argument("name", metavar="NAME")
    exp.add_argument("--what", choices=EXPORTS, default="transactions")
    exp.add_argument("--format", choices=("csv", "xlsx", "png", "svg"), default=None,
                     help="csv or xlsx for tables (default csv), png or svg for the map")
    exp.add_argument("--out", type=Path, metavar="FILE", help="default: a dated name in .")
    _filter_arguments(exp)
    exp.set_defaults(run=_run_export)
    rep = sub.add_parser("report", help="write the one-page printable HTML report")
    rep.add_argument("name", metavar="NAME")
    rep.add_argument("--out", type=Path, metavar="FILE", help="default: a dated name in .")
    rep.add_argument("--no-map", action="store_true", help="leave the map out")
    _filter_arguments(rep)
    rep.set_defaults(run=_run_report)
    for p in (imp, listing, exp, rep):
        p.add_argument("--root", type=Path, default=DEFAULT_ROOT, metavar="DIR",
                       help=f"folder of saved data sets (default {DEFAULT_ROOT})")


def _filter_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--anchor", nargs="+", default=[], metavar="NAME")
    p.add_argument("--year", nargs="+", default=[], metavar="YYYY/YY",
                   help="financial years, e.g. 2023/24")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    p.add_argument("--influenceable", action="store_true", help="influenceable spend only")
    p.add_argument("--most-deprived", type=int, choices=(10, 20, 30), default=10)
    p.add_argument("--reference", choices=("national", "local"), default="national")
    p.add_argument("--local-area", metavar="CODE[,CODE...]")


def _filters_of(args: argparse.Namespace, ds):
    """Filters and Options from `_filter_arguments`, checked against the data set."""

    unknown = sorted(set(args.anchor) - set(ds.anchors["name"]))
    if unknown:
        raise InputError(f"--anchor {', '.join(unknown)}: no such anchor; anchors are: "
                         f"{', '.join(ds.anchors['name'])}")
    try:
        years = tuple(parse_fy(y) for y in args.year)
    except ValueError as exc:
        raise InputError(f"--year: {exc}: write financial years as 2023/24") from None
    filters = m.Filters(anchors=tuple(args.anchor), years=years,
                        date_from=iso_date(args.date_from, "--from"),
                        date_to=iso_date(args.date_to, "--to"),
                        influenceable_only=args.influenceable)
    local = tuple(c.strip() for c in (args.local_area or "").split(",") if c.strip())
    return filters, m.Options(most_deprived=args.most_deprived, reference=args.reference,
                              local_area=local)


def _run_import(args: argparse.Namespace) -> int:

    if not args.add and not args.spend:
        raise InputError("give the spend files (--spend FILE ...), or --add to add to NAME")
    src = _sources(args)
    if args.anchors is not None:
        src.anchors = read_anchor_table(args.anchors)
    src.spend = list(args.spend or [])
    src.postcodes = list(args.postcodes or [])
    apply_lever_arguments(args, src)

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    folder = import_dataset(args.name, src, root=args.root, progress=progress, add_to=args.add,
                            title=args.title)
    manifest = read_manifest(folder)
    if args.format == "json":
        meta = manifest["meta"]
        out = {"name": args.name, "folder": str(folder), "saved": manifest.get("saved"),
               **{k: meta.get(k) for k in ("title", "import", "vintages", "counts", "sources")}}
        json.dump(out, sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(import_report_text(args.name, folder, manifest))
    return 0


def import_report_text(name: str, folder: Path, manifest: dict) -> str:
    """The import report as the command line prints it."""
    meta = manifest.get("meta", {})
    report = meta.get("import", {})
    lines = [f"Data set {name!r} ({meta.get('title', name)}) saved in {folder}", "",
             f"{'File':<48}{'read':>9}{'accepted':>10}{'rejected':>10}"]
    files = [f for f in report.get("files", []) if not f.get("duplicate_of")]
    for f in files:
        lines.append(f"{f['name'][:47]:<48}{f['rows_read']:>9,}{f['rows_accepted']:>10,}"
                     f"{f['rows_rejected']:>10,}")
    lines.append(f"{'total':<48}{sum(f['rows_read'] for f in files):>9,}"
                 f"{sum(f['rows_accepted'] for f in files):>10,}"
                 f"{sum(f['rows_rejected'] for f in files):>10,}")
    read_as = [(f["name"], reading_notes(f)) for f in files]
    if any(notes for _, notes in read_as):
        lines += ["", "How each file was read:"]
        lines += [f"  {n}: {'; '.join(notes)}" for n, notes in read_as if notes]
    reasons = report.get("rejected_reasons", [])
    if reasons:
        lines += ["", "Rejected rows by reason:"]
        lines += [f"  {r['rows']:>7,}  {r['reason']} (e.g. {r['example']})" for r in reasons]
    for d in report.get("duplicates_refused", []):
        lines.append(f"Refused: {d['message']}")
    s = report.get("suppliers", {})
    if s:
        unlocated = s.get("total", 0) - s.get("located", 0)
        lines += ["", f"Suppliers: {s.get('total', 0):,}; located {s.get('located', 0):,}; "
                      f"not located {unlocated:,} ({s.get('no_postcode', 0):,} with no postcode, "
                      f"{s.get('postcode_not_found', 0):,} with a postcode not in the directory)"
                      f"; in a loaded ward {s.get('in_a_ward', 0):,}; individuals "
                      f"{s.get('individuals', 0):,}"]
    bridge = report.get("lsoa_bridge")
    if bridge:
        counts = ", ".join(f"{k} {v:,}" for k, v in bridge.items() if isinstance(v, int))
        lines.append(f"LSOA {bridge.get('from')} to {bridge.get('to')}: {counts}")
    if report.get("unlocated_listed"):
        lines.append(f"{report['unlocated_listed']:,} suppliers to locate: `python -m dashboard "
                     f"export {name} --what unlocated` gives a register to fill in and import "
                     "again with --suppliers")
    lines += levers_report_lines(report)
    return "\n".join(lines) + "\n"


def _run_datasets(args: argparse.Namespace) -> int:

    found = list_datasets(args.root)
    if args.format == "json":
        json.dump(found, sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
        return 0
    if not found:
        print(f"no data sets in {args.root}: import one with `python -m dashboard import`")
        return 0
    for d in found:
        years = ", ".join(fy_label(y) for y in d["years"]) or "—"
        print(f"{d['name']:<24} {d['title'][:40]:<40} saved {str(d['saved'])[:19]}  "
              f"{d['transactions'] or 0:>10,} transactions  {years}")
    return 0


def _run_export(args: argparse.Namespace) -> int:

    ds = open_dataset(args.name, args.root)
    filters, options = _filters_of(args, ds)
    fmt = args.format or ("png" if args.what == "map" else "csv")
    if (args.what == "map") != (fmt in ("png", "svg")):
        raise InputError(f"--format {fmt} does not fit --what {args.what}: use png or svg for the"
                         " map, csv or xlsx for tables")
    lines = e.filters_text(ds, filters, options)
    if args.what in ("rejected", "unlocated"):   # not filtered; the register is re-imported
        lines = [] if args.what == "unlocated" else [
            lines[0], "Rows the import rejected: in no total", lines[-1]]
    if args.what == "map":
        summary = m.summarise(ds, filters, options)
        fig = e.ward_map_figure(ds, summary)
        if fig is None:
            raise InputError(f"data set {args.name!r} has no ward boundaries to draw")
        data = e.map_image(fig, fmt, title=f"Spend by ward: {ds.meta.get('title', ds.name)}",
                           lines=lines, attribution=ds.meta.get("attribution",
                                                                e.DEFAULT_ATTRIBUTION))
    elif args.what == "wards":                  # the same file as the page's ward downloads
        data = e.ward_table_file(ds, m.summarise(ds, filters, options), fmt)
    else:
        frame = _export_frame(args.what, ds, filters, options, unlocated_register)
        data = e.to_xlsx_bytes(frame, lines) if fmt == "xlsx" else e.to_csv_bytes(frame, lines)
    out = args.out or Path(e.export_filename(f"{args.name}-{args.what}", fmt))
    out.write_bytes(data)
    print(f"{args.what} written to {out} ({len(data):,} bytes)")
    return 0


def _export_frame(what: str, ds, filters, options, unlocated_register):

    if what == "transactions":
        return e.transactions_table(ds, filters)
    if what == "rejected":
        return read_rejected(ds.meta["folder"])
    if what in LEVER_TABLES:
        return lever_table(ds, what, filters.anchors, options)
    if what == "unlocated":
        return unlocated_register(ds)
    return e.supplier_table_export(m.summarise(ds, filters, options))


def _run_report(args: argparse.Namespace) -> int:

    ds = open_dataset(args.name, args.root)
    filters, options = _filters_of(args, ds)
    svg = None if args.no_map else report_map_svg(ds, filters, options)
    out = args.out or Path(export_filename(f"{args.name}-report", "html"))
    out.write_text(report_html(ds, filters, options, svg), encoding="utf-8")
    note = "" if svg or args.no_map else " (no map: Chromium is needed to draw it)"
    print(f"report written to {out}{note}")
    return 0
