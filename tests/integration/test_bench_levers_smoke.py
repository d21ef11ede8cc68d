"""The levers' benchmark (benchmarks/bench_levers.py) at a tiny scale, so that its code cannot rot."""
from __future__ import annotations

from benchmarks.bench_levers import TINY, run


def test_bench_levers_runs_at_a_tiny_scale():
    rows = dict(run(TINY))
    assert rows["workforce saved: count rows"] != "0"
    assert any(k.startswith("disclosure control") for k in rows)
    assert all(v for v in rows.values())
