"""Recompute after a filter change vs the floor: a bare numpy mask-and-bincount over the same arrays.

    python -m benchmarks.bench_engine [--sizes 1000000 10000000] [--repeat 7]

The floor applies the same filter predicates to the same transaction arrays and does one
`bincount` of spend per ward: the least any implementation must do to redraw the map. The engine
does the whole recompute the page needs: headline figures, per-ward values, per-anchor and per-year
tables. Both are timed in the same run, medians of `--repeat` runs, and reported as a ratio
(bar: at most 2x).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from benchmarks.synth import synthetic_dataset
from dashboard import metrics as m

BAR = 2.0


def scenarios(ds) -> list[tuple[str, m.Filters, m.Options]]:
    anchors = tuple(ds.anchors["name"][:3])
    return [
        ("no filter", m.Filters(), m.Options()),
        ("one year, 3 anchors", m.Filters(years=(ds.years[-1],), anchors=anchors), m.Options()),
        ("categories + influenceable, X=30", m.Filters(categories=ds.categories[:4],
                                                       influenceable_only=True),
         m.Options(most_deprived=30)),
        ("SME/VCSE, local reference", m.Filters(supplier_flags=("sme", "vcse")),
         m.Options(reference="local")),
    ]


def engine(ds, f: m.Filters, o: m.Options) -> None:
    """What a filter change costs the map and the cards: headline figures and per-ward values."""
    s = m.summarise(ds, f, o)
    s.headline, s.by_ward  # noqa: B018


def engine_all_tables(ds, f: m.Filters, o: m.Options) -> None:
    """The same plus the per-anchor and per-year tables (the trend and drill-down panels)."""
    s = m.summarise(ds, f, o)
    s.headline, s.by_ward, s.by_anchor, s.by_year  # noqa: B018


def floor(ds, f: m.Filters, tx_ward: np.ndarray) -> np.ndarray:
    mask = m.filter_mask(ds, f)
    w = tx_ward if mask is None else tx_ward[mask]
    a = ds.tx.amount if mask is None else ds.tx.amount[mask]
    return np.bincount(w, weights=a, minlength=len(ds.wards) + 1)


def median_time(fn, repeat: int) -> float:
    fn()  # warm caches (lazy arrays) outside the timing
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(sizes: list[int], repeat: int) -> list[dict]:
    rows = []
    for n in sizes:
        ds = synthetic_dataset(n)
        tx_ward = (ds.sup_ward[ds.tx.supplier] + 1).astype(np.int64)  # 0 = no ward
        for name, f, o in scenarios(ds):
            t_floor = median_time(lambda: floor(ds, f, tx_ward), repeat)
            t_engine = median_time(lambda: engine(ds, f, o), repeat)
            t_all = median_time(lambda: engine_all_tables(ds, f, o), repeat)
            rows.append({"transactions": n, "scenario": name, "floor_ms": 1000 * t_floor,
                         "engine_ms": 1000 * t_engine, "ratio": t_engine / t_floor,
                         "all_tables_ms": 1000 * t_all})
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()
    rows = run(args.sizes, args.repeat)
    print(f"{'transactions':>13} {'scenario':<34} {'floor ms':>9} {'engine ms':>10} {'ratio':>6}"
          f"  bar {BAR}x  {'+tables ms':>10}")
    for r in rows:
        met = "met" if r["ratio"] <= BAR else "NOT MET"
        print(f"{r['transactions']:>13,} {r['scenario']:<34} {r['floor_ms']:>9.1f} "
              f"{r['engine_ms']:>10.1f} {r['ratio']:>6.2f}  {met:<7}  {r['all_tables_ms']:>10.1f}")


if __name__ == "__main__":
    main()
