"""Part 1, recompute: a filter change to new headline figures and per-ward values, against a floor.

    python -m benchmarks.bench_engine [--sizes 1000000 10000000] [--geos district england]

The floor applies the same filter predicates (`metrics.filter_mask`) to the same transaction
arrays and does one `bincount` of spend per ward, with a per-transaction ward index and float64
weights prepared for it outside the timing: the least any implementation must do to redraw the
map. The engine does what a filter change costs the page: `summarise`, the headline figures and the
per-ward values. Both are timed in the same run, interleaved, medians of `repeat` runs; the ratio is
reported for the worst of four typical filter changes (bar: at most 2x at every scale). The time
for the per-anchor and per-year tables as well is reported beside it (no bar).
"""
from __future__ import annotations

import argparse
from functools import partial

import numpy as np

from benchmarks._util import Row, bar_at_most, interleaved_medians, table
from dashboard.engine import metrics as m

BAR = 2.0
FIX = ("keep the hot path to one masked pass over per-transaction arrays; cache per-option "
       "supplier classes; avoid building the (year x anchor x supplier) cube per change")


def scenarios(ds) -> list[tuple[str, m.Filters, m.Options]]:
    """Typical filter changes: each applies a different predicate to every transaction."""
    anchors = tuple(ds.anchors["name"][: max(1, ds.n_anchors // 3)])
    return [
        ("one year, a third of anchors", m.Filters(years=(ds.years[-1],), anchors=anchors),
         m.Options()),
        ("categories + influenceable, X=30", m.Filters(categories=ds.categories[:4],
                                                       influenceable_only=True),
         m.Options(most_deprived=30)),
        ("SME/VCSE, local reference", m.Filters(supplier_flags=("sme", "vcse")),
         m.Options(reference="local")),
        ("date range (two years)", m.Filters(date_from=_fy_start(ds.years[0]),
                                             date_to=_fy_start(ds.years[-1])), m.Options()),
    ]


def _fy_start(year: int):
    from datetime import date

    return date(year, 4, 1)


def engine(ds, f: m.Filters, o: m.Options) -> None:
    """What a filter change costs the map and the cards: headline figures and per-ward values."""
    s = m.summarise(ds, f, o)
    s.headline, s.by_ward  # noqa: B018


def engine_all_tables(ds, f: m.Filters, o: m.Options) -> None:
    """The same plus the per-anchor and per-year tables (the trend and drill-down panels)."""
    s = m.summarise(ds, f, o)
    s.headline, s.by_ward, s.by_anchor, s.by_year  # noqa: B018


def floor(ds, f: m.Filters, tx_ward: np.ndarray, weights: np.ndarray) -> np.ndarray:
    mask = m.filter_mask(ds, f)
    w = tx_ward if mask is None else tx_ward[mask]
    a = weights if mask is None else weights[mask]
    return np.bincount(w, weights=a, minlength=len(ds.wards) + 1)


def measure(ds, repeat: int) -> list[dict]:
    """Per scenario: floor, engine and engine-with-tables medians (seconds)."""
    tx_ward = (ds.sup_ward[ds.tx.supplier] + 1).astype(np.int64)  # 0 = no ward
    weights = ds.tx.amount.astype(np.float64)
    out = []
    for name, f, o in scenarios(ds):
        t = interleaved_medians({
            "floor": partial(floor, ds, f, tx_ward, weights),
            "engine": partial(engine, ds, f, o),
            "all": partial(engine_all_tables, ds, f, o),
        }, repeat)
        out.append({"scenario": name, **t})
    return out


def rows_for(scale: str, results: list[dict]) -> list[Row]:
    worst = max(results, key=lambda r: r["engine"] / r["floor"])
    ratio, met = bar_at_most(worst["engine"], worst["floor"], BAR)
    per = "; ".join(f"{r['scenario']}: {r['engine'] * 1e3:.1f}/{r['floor'] * 1e3:.1f} ms"
                    for r in results)
    worst_all = max(r["all"] for r in results)
    return [Row("1 recompute", scale, f"filter change -> headline + ward values "
                f"(worst: {worst['scenario']})", worst["engine"], "s", worst["floor"],
                "numpy mask+bincount floor", ratio, f"<= {BAR:g}x floor", met, FIX,
                f"engine/floor per change: {per}; with anchor+year tables too: up to "
                f"{worst_all * 1e3:.1f} ms")]


def standalone(doc: str, measure_fn, rows_fn, repeat: int) -> None:
    """Run one engine-scale part on its own: the sizes and geographies from the command line,
    a synthetic network for each, its rows printed as a table (this part and part 7 share it)."""
    from benchmarks import synth
    from benchmarks.geography import geography

    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    p.add_argument("--geos", nargs="+", default=["district", "england"])
    p.add_argument("--repeat", type=int, default=repeat)
    args = p.parse_args()
    rows = []
    for g in args.geos:
        geo = geography(g)
        for n in args.sizes:
            ds = synth.network(n, geo)
            rows += rows_fn(f"{n:,} tx, {geo.label}", measure_fn(ds, args.repeat))
    print(table(rows))


def main() -> None:
    standalone(__doc__, measure, rows_for, repeat=7)


if __name__ == "__main__":
    main()
