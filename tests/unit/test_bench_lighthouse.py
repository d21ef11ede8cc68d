"""Part 8 of the benchmarks: Lighthouse scores against the bars, and a plain skip without the CLI."""
from __future__ import annotations

from benchmarks import bench_lighthouse as bl


def report(perf: float, a11y: float = 1.0) -> dict:
    audits = {"total-blocking-time": 4500, "largest-contentful-paint": 2100, "speed-index": 3000,
              "cumulative-layout-shift": 0.02, "total-byte-weight": 2.0e6,
              "mainthread-work-breakdown": 6000}
    return {"categories": {"performance": {"score": perf}, "accessibility": {"score": a11y}},
            "audits": {**{k: {"numericValue": v} for k, v in audits.items()},
                       "network-requests": {"details": {"items": [
                           {"resourceType": "Script", "transferSize": 900_000},
                           {"resourceType": "Stylesheet", "transferSize": 50_000}]}}}}


def test_rows_take_the_median_of_the_runs_against_the_bars():
    runs = [bl.summary(report(p), load=2.0) for p in (0.95, 0.88, 0.91)]
    perf, a11y = bl.rows_for("desk", runs)
    assert perf.value == 91 and perf.met is True and perf.bar == ">= 90"
    assert a11y.value == 100 and a11y.met is True
    assert "TBT 4,500 ms" in perf.note and "0.90 MB script" in perf.note


def test_a_score_under_the_bar_is_not_met():
    runs = [bl.summary(report(0.5, 0.98), load=9.0) for _ in range(3)]
    perf, a11y = bl.rows_for("presentation", runs)
    assert perf.met is False and a11y.met is False and "?present=1" in perf.scale


def test_without_the_cli_the_part_is_skipped_with_the_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("ANCHOR_LIGHTHOUSE", str(tmp_path / "absent"))
    monkeypatch.setenv("ANCHOR_BENCH_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    [row] = bl.run()
    assert row.measure == "skipped" and "Lighthouse CLI not found" in row.note
