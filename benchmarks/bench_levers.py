"""The other two levers at England scale (issue 18): a workforce of 100,000 employees and an estate of
10,000 sites across England's 32,844 LSOAs and 7,681 wards, 30 anchors.

Run on its own (`python -m benchmarks.bench_levers`, about a minute); not yet a part of
`python -m benchmarks`. Synthetic geography of England's size (codes, deciles and wards drawn at
random with a fixed seed): the costs measured depend on sizes, not on where places are.

Measured: the workforce import (reading a 100,000-row CSV and reducing it to counts; locating is
a dictionary look-up here, the postcode directory's cost is the spend import's), the workforce
figures per filter change, the disclosure control of the anchors x wards table (once per data set
and snapshot), and per filter change the ward layer's and the estate overlay's values and their
JSON bytes (what the page sends).
"""
from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from dashboard.engine.disclosure import workforce_protection
from dashboard.engine.filters import Filters, Options
from dashboard.engine.living_wage import read_rates
from dashboard.engine.metrics import summarise
from dashboard.engine.model import build_dataset
from dashboard.engine.workforce import workforce_figures
from dashboard.ingest.io.workforce import read_workforce
from dashboard.ingest.levers import workforce_counts
from layers import asset_sites, workforce_wards


@dataclass(frozen=True)
class Scale:
    """How big: LSOAs, wards, anchors, employees, sites."""

    lsoas: int = 32_844
    wards: int = 7_681
    anchors: int = 30
    staff: int = 100_000
    sites: int = 10_000


ENGLAND = Scale()
#: For the smoke test: the same code on a few hundred rows.
TINY = Scale(lsoas=400, wards=60, anchors=4, staff=600, sites=80)


def england(rng: np.random.Generator, sc: Scale):
    """A data set of England's size with one payment (the levers need no spend)."""
    lsoas = pd.DataFrame({"lsoa": [f"E01{i:06d}" for i in range(sc.lsoas)],
                          "lad": [f"E08{i % 326:06d}" for i in range(sc.lsoas)],
                          "imd_rank": rng.permutation(sc.lsoas) + 1,
                          "population": 1500,
                          "ward": [f"E05{i % sc.wards:06d}" for i in range(sc.lsoas)]})
    lsoas["imd_decile"] = (lsoas["imd_rank"] - 1) * 10 // sc.lsoas + 1
    wards = pd.DataFrame({"code": [f"E05{i:06d}" for i in range(sc.wards)],
                          "name": [f"Ward {i}" for i in range(sc.wards)]})
    anchors = pd.DataFrame({"name": [f"Anchor {i:02d}" for i in range(sc.anchors)],
                            "type": "council",
                            "home_area": [(f"E08{i * 10:06d}",) for i in range(sc.anchors)]})
    suppliers = pd.DataFrame({"key": ["A|"], "name": ["A"], "display_name": ["A"],
                              "postcode": [None], "lat": [np.nan], "lon": [np.nan],
                              "lsoa": [None], "lad": [None], "ward": [None], "sme": [-1],
                              "vcse": [-1], "individual": [0], "located": [False]})
    tx = pd.DataFrame({"anchor": ["Anchor 00"], "supplier_idx": [0], "amount_pence": [100],
                       "date": pd.to_datetime(["2024-05-01"])})
    return build_dataset(tx, suppliers, anchors, lsoas, wards, name="england levers")


def staff_csv(rng: np.random.Generator, ds, sc: Scale) -> tuple[bytes, dict]:
    """A 100,000-row workforce file (one row per employee) and its postcode -> LSOA lookup."""
    home = rng.integers(0, sc.lsoas, sc.anchors)
    anchor = rng.integers(0, sc.anchors, sc.staff)
    lsoa = (home[anchor] + rng.normal(0, 150, sc.staff).astype(int)) % sc.lsoas
    postcodes = [f"AB{i % 99 + 1} {i % 9}{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}"
                 for i in lsoa]
    pay = np.round(np.exp(rng.normal(np.log(15.5), 0.3, sc.staff)), 2)
    frame = pd.DataFrame({"Organisation": ds.anchors["name"].to_numpy()[anchor],
                          "Home Postcode": postcodes, "Hourly Pay": pay,
                          "Start Date": "01/06/2020", "Snapshot Date": "2025-03-31"})
    lookup = dict(zip(postcodes, ds.lsoas["lsoa"].to_numpy()[lsoa]))
    return frame.to_csv(index=False).encode(), lookup


def estate(rng: np.random.Generator, ds, sc: Scale) -> pd.DataFrame:
    status = rng.choice(list(asset_sites.STYLES), sc.sites)
    return pd.DataFrame({
        "anchor": ds.anchors["name"].to_numpy()[rng.integers(0, sc.anchors, sc.sites)],
        "name": [f"Site {i}" for i in range(sc.sites)], "tenure": "owned", "use": "Office",
        "floor_area_m2": 500.0, "site_area_ha": 0.5, "status": status, "community_use": 0,
        "lat": rng.uniform(50.5, 55.5, sc.sites), "lon": rng.uniform(-5, 1.5, sc.sites),
        "shape": "point", "lsoa": ds.lsoas["lsoa"].to_numpy()[rng.integers(0, sc.lsoas, sc.sites)],
        "ward": None, "source_file": "sites.csv", "source_line": np.arange(sc.sites)})


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def gz(obj) -> int:
    return len(gzip.compress(json.dumps(obj, separators=(",", ":")).encode(), 6))


def run(sc: Scale = ENGLAND) -> list[tuple[str, str]]:
    """(measure, value) rows."""
    rng = np.random.default_rng(18)
    ds = england(rng, sc)
    data, lookup = staff_csv(rng, ds, sc)
    rows = []
    t_read, imp = timed(lambda: read_workforce(("staff.csv", data)))
    locate = lambda pcs: pd.DataFrame({"postcode": pcs, "lsoa": [lookup.get(p) for p in pcs]})  # noqa: E731
    t_count, (counts, _) = timed(lambda: workforce_counts(imp, locate, ds.anchors, read_rates()))
    rows += [(f"workforce import: read {sc.staff:,} rows", f"{t_read:.2f} s"),
             ("workforce import: locate and reduce to counts", f"{t_count:.2f} s"),
             ("workforce saved: count rows", f"{len(counts):,}")]
    ds = replace(ds, workforce=counts, assets=estate(rng, ds, sc))
    t_fig, _ = timed(lambda: workforce_figures(ds, Options(), ("Anchor 01", "Anchor 02")), 5)
    rows.append(("workforce figures per filter change", f"{t_fig * 1000:.0f} ms"))
    t_prot, (_, full, code) = timed(lambda: workforce_protection(ds))
    rows.append((f"disclosure control, {sc.anchors} anchors x {sc.wards:,} wards (once)",
                 f"{t_prot:.2f} s, {int((code > 0).sum()):,} cells withheld"))
    s_all = summarise(ds, Filters(), Options())
    s_one = summarise(ds, Filters(anchors=("Anchor 01",)), Options())
    t_ward, vals = timed(lambda: workforce_wards.values(ds, s_one, Options()), 5)
    rows.append(("ward layer values per filter change",
                 f"{t_ward * 1000:.0f} ms, {gz(vals) / 1024:.0f} KB gzipped"))
    asset_sites.values(ds, s_all, Options())
    t_sites, svals = timed(lambda: asset_sites.values(ds, s_one, Options()), 5)
    rows.append((f"estate overlay values per filter change ({sc.sites:,} sites)",
                 f"{t_sites * 1000:.0f} ms, {gz(svals) / 1024:.0f} KB gzipped"))
    t_build, out = timed(lambda: asset_sites.build(ds, s_all, Options()))
    rows.append(("estate overlay built (structure change)",
                 f"{t_build:.2f} s, {gz(out.traces) / 1024:.0f} KB gzipped"))
    return rows


if __name__ == "__main__":  # python -m benchmarks.bench_levers [--tiny]
    import sys

    scale = TINY if "--tiny" in sys.argv else ENGLAND
    print(f"levers at {'tiny' if scale is TINY else 'England'} scale, {date.today()}")
    for measure, value in run(scale):
        print(f"  {measure:<58}{value}")
