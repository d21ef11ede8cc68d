"""The action plan's commands: `python -m dashboard whatif | leakage | plan` (`plan.md`).

`whatif` and `leakage` read the same files as `metrics` (all of its options, same meaning) or a
saved data set (`--data NAME`); `plan` reads a saved data set's plan. Each prints JSON or a table,
made by `dashboard.output.plan` from the same rows the Plan tab shows. Registered by `cli.py`
(`add_plan_parsers`), which passes its own input options and file loader so both stay one.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from dashboard.cli_common import emit, iso_date
from dashboard.engine import metrics as m
from dashboard.engine.groups import GROUPS
from dashboard.engine.leakage import leakage
from dashboard.engine.model import Dataset
from dashboard.engine.periods import parse_fy
from dashboard.engine.whatif import check_anchors, whatif
from dashboard.errors import InputError
from dashboard.ingest.catalog import DEFAULT_ROOT, open_dataset
from dashboard.ingest.parse import parse_money
from dashboard.ingest.pipeline import build_from_files
from dashboard.ingest.planstore import PlanStore
from dashboard.ingest.store import load_dataset
from dashboard.output.plan import (
    action_plan_xlsx,
    leakage_json,
    leakage_text,
    plan_json,
    plan_text,
    whatif_json,
    whatif_text,
)


def add_plan_parsers(sub, source_arguments: Callable[..., None],
                     sources: Callable[[argparse.Namespace], object]) -> None:
    """Add `whatif`, `leakage` and `plan` to the command line's subparsers. `source_arguments`
    and `sources` are `metrics`' own input options and their reading into pipeline Sources."""
    w = sub.add_parser("whatif", help="what if spend moved to a group (plan.md)")
    _inputs(w, source_arguments, sources)
    w.add_argument("--group", required=True, choices=GROUPS)
    w.add_argument("--categories", nargs="+", default=[], metavar="NAME",
                   help="categories whose spend may move (all when not given; not a filter)")
    how = w.add_mutually_exclusive_group(required=True)
    how.add_argument("--fraction", type=float, metavar="P", help="share of the movable spend, 0-1")
    how.add_argument("--amount", metavar="POUNDS", help="an amount in pounds, e.g. 250000")
    w.set_defaults(run=_run_whatif)
    lk = sub.add_parser("leakage", help="categories by spend leaving the local area (plan.md)")
    _inputs(lk, source_arguments, sources)
    lk.set_defaults(run=_run_leakage)
    p = sub.add_parser("plan", help="a saved data set's targets, progress, scenarios and "
                                    "self-assessments")
    p.add_argument("--data", required=True, metavar="NAME",
                   help="a saved data set: its name, or its folder such as data/demo")
    p.add_argument("--root", type=Path, default=DEFAULT_ROOT, metavar="DIR")
    p.add_argument("--year", metavar="YYYY/YY", help="the year to report (default: the latest)")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.add_argument("--xlsx", type=Path, metavar="FILE",
                   help="also write the action-plan workbook (targets, progress, scenarios, "
                        "leakage, assessments) to FILE")
    p.set_defaults(run=_run_plan)


def _inputs(p: argparse.ArgumentParser, source_arguments, sources) -> None:
    source_arguments(p, required=False)
    p.add_argument("--data", metavar="NAME", help="a saved data set (its name, or its folder such as data/demo) instead of"
                        " the files")
    p.add_argument("--root", type=Path, default=DEFAULT_ROOT, metavar="DIR")
    p.add_argument("--most-deprived", type=int, choices=(10, 20, 30), default=10)
    p.add_argument("--reference", choices=("national", "local"), default="national")
    p.add_argument("--local-area", metavar="CODE[,CODE...]")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    p.add_argument("--year", nargs="+", default=[], metavar="YYYY/YY",
                   help="financial years, e.g. 2023/24")
    p.add_argument("--anchor", nargs="+", default=[], metavar="NAME")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.set_defaults(sources=sources)


def _dataset(args: argparse.Namespace) -> Dataset:
    """The saved data set (--data), else the files, as `metrics` reads them."""
    if args.data:
        return open_saved(args.data, args.root)
    missing = [o for o, v in (("--spend", args.spend), ("--postcodes", args.postcodes),
                              ("--imd", args.imd)) if not v]
    if missing:
        raise InputError(f"give {', '.join(missing)} (the files, as for `metrics`), or --data "
                         "NAME for a saved data set")
    return build_from_files(args.sources(args), name="command line").dataset


def open_saved(name: str, root: Path) -> Dataset:
    """A saved data set by name under `root`, or by its folder (``data/demo``, the demo)."""
    folder = Path(name)
    if "/" in name and (folder / "manifest.json").exists():
        return load_dataset(folder)
    return open_dataset(name, root)


def _state(args: argparse.Namespace, ds: Dataset) -> tuple[m.Filters, m.Options]:
    check_anchors(ds, args.anchor)
    try:
        years = tuple(parse_fy(y) for y in args.year)
    except ValueError as exc:
        raise InputError(f"--year: {exc}: write financial years as 2023/24") from None
    local = tuple(c.strip() for c in (args.local_area or "").split(",") if c.strip())
    return (m.Filters(anchors=tuple(args.anchor), years=years,
                      date_from=iso_date(args.date_from, "--from"),
                      date_to=iso_date(args.date_to, "--to")),
            m.Options(most_deprived=args.most_deprived, reference=args.reference,
                      local_area=local))


def _amount(text: str | None) -> int | None:
    """--amount in pounds as whole pence (the spend files' money rules)."""
    if text is None:
        return None
    try:
        return parse_money(text)
    except ValueError as exc:
        raise InputError(f"--amount {text!r} is not an amount of money ({exc}): write pounds, "
                         "e.g. 250000 or 1,250.50") from None


def _run_whatif(args: argparse.Namespace) -> int:
    ds = _dataset(args)
    filters, options = _state(args, ds)
    r = whatif(ds, filters, options, args.group, categories=tuple(args.categories),
               fraction=args.fraction, amount=_amount(args.amount))
    return emit(whatif_json(r), args.format, whatif_text)


def _run_leakage(args: argparse.Namespace) -> int:
    ds = _dataset(args)
    filters, options = _state(args, ds)
    return emit(leakage_json(leakage(ds, filters, options)), args.format, leakage_text)


def _run_plan(args: argparse.Namespace) -> int:
    ds = open_saved(args.data, args.root)
    try:
        year = parse_fy(args.year) if args.year else None
    except ValueError as exc:
        raise InputError(f"--year: {exc}: write the financial year as 2023/24") from None
    store = PlanStore.for_dataset(ds)
    if args.xlsx is not None:
        args.xlsx.write_bytes(action_plan_xlsx(ds, store, year=year))
        print(f"action plan written to {args.xlsx}", file=sys.stderr)
    return emit(plan_json(ds, store, year), args.format, plan_text)
