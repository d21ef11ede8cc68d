"""Part 7 of the benchmarks (what-if vs a filter change) runs at a tiny scale, so it cannot rot."""
from __future__ import annotations

from benchmarks import bench_plan, synth
from benchmarks.geography import geography


def test_whatif_benchmark_rows():
    ds = synth.network(5_000, geography("district", real=False), seed=3)
    results = bench_plan.measure(ds, repeat=1)
    assert len(results) == 4 and all(r["whatif"] > 0 and r["slider"] > 0 for r in results)
    (row,) = bench_plan.rows_for("tiny", results)
    assert row.part == "7 what-if" and row.ratio == row.value / row.reference
