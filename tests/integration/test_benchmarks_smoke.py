"""Every benchmark runs at a tiny scale, so the suite cannot rot between full runs.

Synthetic geography (no ../shared/data needed), a temporary cache folder, a few thousand
transactions. The numbers are not checked against the bars here (tiny inputs are all overhead);
what is checked is that each part runs end to end and reports sensible rows. The browser part
is skipped, with the reason, where Debian's chromium is absent.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from benchmarks import _page, bench_bytes, bench_engine, bench_geometry, bench_import, synth
from benchmarks._util import Row, table
from benchmarks.geography import geography

N = 20_000


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_BENCH_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def ds():
    geo = geography("district", real=False)
    return _page.with_geometry(synth.network(N, geo), bench_geometry.chosen_drawing(geo)[0])


def _sane(rows: list[Row]) -> None:
    assert rows
    for r in rows:
        assert r.measure != "benchmark failed", r.fix
        assert r.value is None or r.value >= 0
        if r.reference:
            assert r.ratio == pytest.approx(r.value / r.reference)
    assert "|" in table(rows)


def test_array_built_network_is_what_build_dataset_makes():
    from dashboard.engine.model import build_dataset

    geo = geography("district", real=False)
    arrays, sup, anchors, lsoas, wards = synth.network_parts(5_000, geo, seed=3)
    fast = synth.dataset_from_arrays(arrays, sup, anchors, lsoas, wards, name="x")
    slow = build_dataset(synth.dataset_frame(arrays, anchors), sup, anchors, lsoas, wards,
                         name="x")
    for name in fast.tx.__dataclass_fields__:
        a, b = getattr(fast.tx, name), getattr(slow.tx, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert (fast.years, fast.categories, fast.services) == (
        slow.years, slow.categories, slow.services)


def test_spend_is_skewed_to_a_few_suppliers(ds):
    from dashboard.engine import metrics as m
    spend = np.sort(m.summarise(ds).sup_spend)[::-1]
    assert spend[: len(spend) // 10].sum() > 0.5 * spend.sum()


def test_engine_benchmark(ds):
    results = bench_engine.measure(ds, repeat=1)
    assert len(results) == len(bench_engine.scenarios(ds))
    _sane(bench_engine.rows_for("tiny", results))


def test_bytes_benchmark(ds):
    r = bench_bytes.measure(ds)
    assert r["choropleth"][0] < r["naive"][0]
    _sane(bench_bytes.rows_for("tiny", r))


def test_naive_baseline_rebuilds_the_whole_figure(ds):
    import json

    app = _page.naive_app(ds, ds.meta["geometry"]["wards"])
    client = app.server.test_client()
    body = {"output": "map.figure", "outputs": {"id": "map", "property": "figure"},
            "inputs": [{"id": "years", "property": "value", "value": [ds.years[-1]]}],
            "changedPropIds": ["years.value"]}
    resp = client.post("/_dash-update-component", json=body)
    fig = json.loads(resp.data)["response"]["map"]["figure"]
    assert fig["data"][0]["geojson"]["type"] == "FeatureCollection"
    assert len(fig["data"][0]["z"]) == len(ds.wards)


def test_geometry_sizes(ds):
    fc = ds.meta["geometry"]["wards"]
    raw, gz = bench_geometry.served_sizes(fc)
    assert 0 < gz < raw and bench_geometry.vertices(fc) == 5 * len(fc["features"])


def test_probe_runs_in_a_fresh_interpreter():
    from benchmarks._util import HWM_SNIPPET, run_probe

    got = run_probe(HWM_SNIPPET + "import json, os, sys\n"
                    "print(json.dumps({'pid': os.getpid(), 'arg': sys.argv[1], 'mb': hwm_mb()}))",
                    "x")
    assert got["pid"] != os.getpid() and got["arg"] == "x" and got["mb"] > 0


def test_import_benchmark(monkeypatch):
    monkeypatch.setenv("ANCHOR_BENCH_IN_PROCESS", "1")   # the probes' code, without 4 start-ups
    rows = bench_import.run(2_000, 2_000, warm_cache=False, real=False)
    _sane(rows)
    assert any("read_spend" in r.measure for r in rows)


def test_saved_dataset_is_memory_mapped_not_copied():
    from benchmarks.bench_memory import saved_dataset
    from dashboard.ingest.store import load_dataset

    back = load_dataset(saved_dataset(N, "district", real=False))
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("no /proc/self/maps on this system")
    addr = back.tx.amount.__array_interface__["data"][0]
    for line in maps.read_text().splitlines():
        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
        if lo <= addr < hi:
            assert line.endswith("transactions.arrow"), line
            return
    pytest.fail("transaction amounts not found in any mapping")


def test_memory_benchmark_two_workers():
    from benchmarks import bench_memory

    rows = bench_memory.run(N, "district", real=False, n_states=2)
    _sane(rows)
    shared = next(r for r in rows if "PSS summed" in r.measure)
    assert shared.met, shared  # the second worker maps the same pages


@pytest.mark.browser
def test_browser_benchmark(ds, monkeypatch):
    from benchmarks import bench_browser

    monkeypatch.setattr(bench_browser, "QUIET_MS", 100)
    if not bench_browser.CHROMIUM.exists():
        pytest.skip(f"{bench_browser.CHROMIUM} is absent: install Debian's chromium")
    from playwright.sync_api import sync_playwright

    def measure() -> tuple:
        with sync_playwright() as p:
            browser = bench_browser.launch(p)
            try:
                return bench_browser.measure_scale(browser, ds, "tiny", changes=1,
                                                   choropleth=False, naive=False)
            finally:
                browser.close()

    # A thread of its own: when browser tests ran earlier in this worker, their session-wide
    # Playwright keeps an event loop running in this thread, and a second sync Playwright here
    # would refuse to start.
    with ThreadPoolExecutor(1) as pool:
        rows, raw = pool.submit(measure).result(timeout=600)
    assert raw["geometry_first"] == 1 and len(raw["page_default"]) == 1
    _sane(rows)


def test_suite_runs_and_writes_the_readme_table(tmp_path, monkeypatch):
    import benchmarks.__main__ as suite
    import benchmarks.geography as g

    monkeypatch.setattr(g, "shared_data", lambda: None)     # synthetic geography everywhere
    monkeypatch.setattr(suite, "plan", lambda quick: {
        "engine": [("district", 5_000)], "page": [], "browser": {}, "repeat": 1,
        "memory": ("district", 5_000), "import": (1_000, 1_000)})
    readme = tmp_path / "README.md"
    readme.write_text(f"# B\n\n{suite.START}\nold\n{suite.END}\nafter\n")
    monkeypatch.setattr(suite, "README", readme)
    suite.main(["--parts", "1", "4", "--readme"])
    text = readme.read_text()
    assert "old" not in text and "1 recompute" in text and text.endswith("after\n")
    assert os.environ["ANCHOR_BENCH_CACHE"] in str(suite.cache_dir())


def test_a_run_written_into_its_own_section_leaves_the_results_block(tmp_path, monkeypatch):
    """`--readme --section NAME`: a run of some parts at some scales gets a block of its own
    (made after the results block the first time, replaced the next), the full run's rows stay."""
    import benchmarks.__main__ as suite

    readme = tmp_path / "README.md"
    readme.write_text(f"# B\n\n{suite.START}\nfull run\n{suite.END}\nafter\n")
    monkeypatch.setattr(suite, "README", readme)
    suite.write_readme("first", "issue16")
    suite.write_readme("second", "issue16")
    text = readme.read_text()
    assert "full run" in text and "first" not in text and text.endswith("after\n")
    assert text.index(suite.END) < text.index("<!-- results:issue16:start -->\nsecond\n")
