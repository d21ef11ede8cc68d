"""Part 7, what-if: a what-if answer against a filter change's engine time (issue 17).

    python -m benchmarks.bench_plan [--sizes 1000000] [--geos district england]

For each of part 1's four filter changes, interleaved, medians of `repeat` runs:

- engine: what a filter change costs the map and the cards (`bench_engine.engine`: `summarise`,
  the headline figures, the per-ward values);
- what-if: the whole answer as the command line computes it, from nothing cached but the data
  set's per-option supplier codes (which part 1's engine uses too): `whatif_base` (its own
  filter mask, one pass) then `apply` (most deprived, the three first categories, 10%).

Bar: the what-if within 1.25x the engine at every scale. The page does less on a filter change
(it reuses the Summary's mask) and, for a move of the slider, only `apply` (reported beside).
"""
from __future__ import annotations

import time
from functools import partial

from benchmarks._util import Row, bar_at_most, interleaved_medians
from benchmarks.bench_engine import engine, scenarios, standalone
from dashboard.engine.whatif import apply, whatif_base

BAR = 1.25
FIX = ("gather the filtered rows once by position (take), one bincount by (anchor, in the "
       "categories, supplier code); keep the base per filter state so the slider is arithmetic")


def whatif(ds, f, o, categories) -> None:
    apply(whatif_base(ds, f, o, categories, ()), "most_deprived", fraction=0.1)


def measure(ds, repeat: int) -> list[dict]:
    """Per scenario: engine and what-if medians (seconds), and one slider move (apply alone)."""
    categories = tuple(c for c in ds.categories if c)[:3]
    out = []
    for name, f, o in scenarios(ds):
        t = interleaved_medians({"engine": partial(engine, ds, f, o),
                                 "whatif": partial(whatif, ds, f, o, categories)}, repeat)
        base = whatif_base(ds, f, o, categories, ())
        t0 = time.perf_counter()
        for p in range(1, 11):
            apply(base, "most_deprived", fraction=p / 10)
        out.append({"scenario": name, **t, "slider": (time.perf_counter() - t0) / 10})
    return out


def rows_for(scale: str, results: list[dict]) -> list[Row]:
    worst = max(results, key=lambda r: r["whatif"] / r["engine"])
    ratio, met = bar_at_most(worst["whatif"], worst["engine"], BAR)
    per = "; ".join(f"{r['scenario']}: {r['whatif'] * 1e3:.1f}/{r['engine'] * 1e3:.1f} ms"
                    for r in results)
    slider = max(r["slider"] for r in results)
    return [Row("7 what-if", scale, f"what-if answer vs a filter change's engine time "
                f"(worst: {worst['scenario']})", worst["whatif"], "s", worst["engine"],
                "engine: summarise + headline + ward values", ratio, f"<= {BAR:g}x engine",
                met, FIX, f"what-if/engine per change: {per}; a slider move (apply alone): "
                f"{slider * 1e6:.0f} µs")]


def main() -> None:
    standalone(__doc__, measure, rows_for, repeat=9)


if __name__ == "__main__":
    main()
