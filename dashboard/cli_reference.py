"""`python -m dashboard reference`: install the server's reference data from the files as published.

The administrator of a server downloads the postcode directory (the NSPL or ONSPD zip from ONS)
and File 1 of the English Indices of Deprivation (XLSX or CSV from MHCLG), and runs, once per
release::

    python -m dashboard reference --postcodes NSPL_FEB_2025_UK.zip \\
        --imd File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx \\
        [--population File_6...] [--wards WD24....geojson] [--lsoas ...] [--lsoa-lookup ...] \\
        [--dir DIR] [--no-cache]

The work is done by ``dashboard.ingest.reference``; this module parses the options, draws the
progress bar on stderr and prints what was installed. Errors go to stderr with exit status 2 (the
caller, ``dashboard.cli.main``, turns InputError into that).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from dashboard.errors import InputError
from dashboard.ingest.reference import ReferenceSources, install_reference
from dashboard.settings import load_settings


def add_reference_parser(sub: argparse._SubParsersAction) -> None:
    """Add the `reference` subcommand to the command line's subparsers."""
    p = sub.add_parser(
        "reference",
        help="install the reference data (postcode directory, deprivation, boundaries) that "
             "imports made in the page use, from the files as ONS and MHCLG publish them",
        description="Validate and install the server's reference data in one step. Each run "
                    "installs a whole set: give every file each time (a kind not given is not "
                    "kept). The previous set stays in use until the new one is complete.")
    p.add_argument("--postcodes", nargs="+", required=True, type=Path, metavar="ZIP_OR_CSV",
                   help="the NSPL or ONSPD zip as downloaded, or its data CSV (plain or .gz)")
    p.add_argument("--imd", required=True, type=Path, metavar="FILE",
                   help="IoD File 1 (index of multiple deprivation), XLSX or CSV as downloaded")
    p.add_argument("--population", type=Path, metavar="FILE",
                   help="IoD File 6 (population denominators) of the same release")
    p.add_argument("--wards", type=Path, metavar="FILE",
                   help="ward boundaries: GeoJSON (plain or .gz), GeoPackage or zipped shapefile")
    p.add_argument("--lsoas", type=Path, metavar="FILE", help="LSOA boundaries, same formats")
    p.add_argument("--lsoa-lookup", type=Path, metavar="FILE",
                   help="LSOA 2011 to 2021 lookup CSV (a postcode directory on 2011 LSOAs with "
                        "IoD2025)")
    p.add_argument("--dir", type=Path, metavar="DIR", default=None,
                   help="the reference folder (default: the reference_dir setting, from "
                        "ANCHOR_REFERENCE_DIR or the ANCHOR_CONFIG file)")
    p.add_argument("--no-cache", action="store_true",
                   help="do not write the postcode directory's Parquet cache (page imports then "
                        "parse the CSV each time)")
    p.set_defaults(run=run_reference)


def run_reference(args: argparse.Namespace) -> int:
    """Install the files of `args`; print the summary on stdout. 0 on success."""
    try:
        settings = load_settings()
    except (ValueError, OSError) as exc:
        raise InputError(f"the settings cannot be read: {exc}") from None
    sources = ReferenceSources(postcodes=list(args.postcodes), imd=args.imd,
                               population=args.population, wards=args.wards, lsoas=args.lsoas,
                               lsoa_lookup=args.lsoa_lookup)
    bar = ProgressBar(sys.stderr)
    try:
        done = install_reference(sources, settings, reference_dir=args.dir,
                                 warm_cache=not args.no_cache, progress=bar)
    finally:
        bar.finish()
    for line in done.summary_lines():
        print(line)
    print("Imports made in the page use these files from now on; reload the dashboard "
          "(systemctl reload anchor-spend-map, or restart it) so its import panel lists them.")
    return 0


class ProgressBar:
    """A plain-text progress bar: redrawn in place on a terminal (at most ten times a second),
    one line per tenth when stderr is a file or a pipe (logs stay short)."""

    WIDTH = 30

    def __init__(self, out: TextIO, *, interval_s: float = 0.1) -> None:
        self.out = out
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self.interval_s = interval_s
        self.what = ""
        self.shown = -1
        self.drawn_at = 0.0
        self.open_line = False

    def __call__(self, what: str, done: int, total: int) -> None:
        """Report `done` of `total` bytes of step `what`; total 0 = a step of unknown size."""
        if what != self.what:
            self.finish()
            self.what, self.shown = what, -1
            if total <= 0:
                print(f"{what} ...", file=self.out, flush=True)
                return
        if total <= 0:
            return
        pct = min(100, int(done * 100 / total))
        now = time.monotonic()
        if self.tty:
            if pct != self.shown and (now - self.drawn_at >= self.interval_s or pct == 100):
                filled = pct * self.WIDTH // 100
                bar = "#" * filled + "." * (self.WIDTH - filled)
                self.out.write(f"\r{what} [{bar}] {pct:3d}% {_size(done)} of {_size(total)}")
                self.out.flush()
                self.shown, self.drawn_at, self.open_line = pct, now, True
        elif pct // 10 != self.shown // 10 or (pct == 100 and self.shown != 100):
            print(f"{what}: {pct}% ({_size(done)} of {_size(total)})", file=self.out, flush=True)
            self.shown = pct

    def finish(self) -> None:
        """End the line being redrawn."""
        if self.open_line:
            self.out.write("\n")
            self.out.flush()
            self.open_line = False


def _size(n: int) -> str:
    if n >= 2**30:
        return f"{n / 2**30:.2f} GB"
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"
