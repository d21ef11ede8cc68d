"""Part 5, memory: one worker at national scale, and two workers sharing the data.

    python -m benchmarks.bench_memory [--tx 10000000] [--scale england]

The synthetic network is saved once with `dashboard.ingest.store.save_dataset` into the cache folder, then
served the way it is deployed: `gunicorn -w 2 app:server` with ANCHOR_DATA_DIR pointing at it. Both
workers load it (`store.load_dataset`: transactions memory-mapped, read-only) and answer a run of
filter changes (every callback the page fires, over HTTP, two clients at once so both workers
work). Then, per worker: peak resident memory (VmHWM), USS, PSS (psutil), and the transactions
file's resident and proportional share from /proc/<pid>/smaps. Bars: peak RSS of a worker under
2 GB; the transaction data counted once across the two workers (PSS of the mapped file summed over
both at most 0.6x its RSS summed, i.e. shared, not doubled). Without the page, plain python
processes load the data set and run the engine instead.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks._util import HWM_SNIPPET, ROOT, Row, cache_dir, run_probe, table

PEAK_BAR = 2e9
SHARE_BAR = 0.6
DATASET_VERSION = "1"


def saved_dataset(n_tx: int, scale: str, *, real: bool | None = None) -> Path:
    """The synthetic network of `n_tx` transactions in `scale`, saved once (with geometry)."""
    from dashboard.ingest.store import save_dataset

    kind = "" if real is not False else "-synthetic-geo"
    folder = cache_dir() / f"dataset-v{DATASET_VERSION}-{scale}{kind}-{n_tx}"
    if (folder / "manifest.json").exists():
        return folder
    from benchmarks import _page, synth
    from benchmarks.bench_geometry import chosen_drawing
    from benchmarks.geography import geography

    geo = geography(scale, real=real)
    ds = _page.with_geometry(synth.network(n_tx, geo), chosen_drawing(geo)[0])
    save_dataset(ds, folder)
    return folder


# --------------------------------------------------------------------------- process memory
def smaps_of(pid: int, needle: str) -> dict[str, int]:
    """Rss and Pss (bytes) of the mappings of `pid` whose path contains `needle`."""
    out = {"rss": 0, "pss": 0}
    current = False
    with open(f"/proc/{pid}/smaps") as fh:
        for line in fh:
            head = line.split()
            if not head:
                continue
            if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                current = len(head) >= 6 and needle in head[-1]
            elif current and head[0] == "Rss:":
                out["rss"] += int(head[1]) * 1024
            elif current and head[0] == "Pss:":
                out["pss"] += int(head[1]) * 1024
    return out


def memory_of(pid: int, needle: str) -> dict:
    import psutil

    p = psutil.Process(pid)
    full = p.memory_full_info()
    with open(f"/proc/{pid}/status") as fh:
        hwm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))
    return {"pid": pid, "peak": hwm, "rss": full.rss, "uss": full.uss, "pss": full.pss,
            "file": smaps_of(pid, needle)}


# --------------------------------------------------------------------------- gunicorn
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, payload: dict) -> int:
    req = urllib.request.Request(url + "/_dash-update-component",
                                 data=json.dumps(payload).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as resp:
        return len(resp.read())


def gunicorn_workers(folder: Path, n_states: int = 72) -> list[dict]:
    """Serve `folder` with two gunicorn workers, fire filter changes, measure both workers.

    Every callback of the page for the first few states, then the map and the cards for
    `n_states` distinct states from each of two clients at once, so that each worker's Summary
    cache (64 entries) fills up: the long-running worker's worst case."""
    from types import SimpleNamespace

    import psutil

    from benchmarks import _page, synth

    # The callbacks and states are read without mapping the data set in this process (its pages
    # would count in the workers' PSS): callbacks from a tiny app, states from the manifest.
    tiny_app = _page.create(synth.synthetic_dataset(500))
    callbacks = list(_page.state_callbacks(tiny_app).values())
    map_cb = _page.map_callback(tiny_app)
    manifest = json.loads((folder / "manifest.json").read_text())
    states = _page.many_states(SimpleNamespace(years=tuple(manifest["years"]),
                                               categories=tuple(manifest["categories"])),
                               n_states)
    busy = [cb for cb in callbacks if cb.output.startswith("..cards.")]
    port = _free_port()
    env = {**os.environ, "ANCHOR_DATA_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b",
                             f"127.0.0.1:{port}", "--timeout", "600", "app:server"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc)
        errors: list[str] = []

        def client(offset: int) -> None:
            previous = None
            for i in range(len(states)):
                q = states[(i + offset) % len(states)]
                # the map as a page load (the URL), so the server parses the query itself
                requests = [map_cb.payload({"url.search": q, f"{_page.STATE_ID}.data": previous},
                                           ["url.search"])]
                requests += [cb.payload({f"{_page.STATE_ID}.data": q})
                             for cb in (callbacks if i < 4 else busy)]
                previous = q
                for payload in requests:
                    try:
                        _post(url, payload)
                    except Exception as exc:  # noqa: BLE001 - reported below
                        errors.append(str(exc))

        threads = [threading.Thread(target=client, args=(k * len(states) // 2,))
                   for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError(f"{len(errors)} callback requests failed: {errors[:2]}")
        workers = psutil.Process(proc.pid).children()
        return [memory_of(w.pid, "transactions.arrow") for w in workers]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_ready(url: str, proc, timeout: float = 600) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as resp:
                if resp.status == 200:
                    # both workers must have loaded: ask a few times
                    for _ in range(4):
                        urllib.request.urlopen(url + "/", timeout=60).read()
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError("gunicorn did not start")


# --------------------------------------------------------------------------- engine only
_ENGINE_PROBE = HWM_SNIPPET + r'''
import json, sys, time
from dashboard.ingest.store import load_dataset
from dashboard.engine import metrics as m
ds = load_dataset(sys.argv[1])
for f in (m.Filters(), m.Filters(years=(ds.years[-1],)), m.Filters(influenceable_only=True),
          m.Filters(supplier_flags=("sme",))):
    s = m.summarise(ds, f)
    s.headline, s.by_ward, s.by_anchor, s.by_year
print(json.dumps({"pid": 0, "peak": hwm_mb() * 2**20}))
'''


def run(n_tx: int, scale: str, *, real: bool | None = None, n_states: int = 72) -> list[Row]:
    from benchmarks._page import page_available

    folder = saved_dataset(n_tx, scale, real=real)
    size = (folder / "transactions.arrow").stat().st_size
    label = f"{n_tx:,} tx, {scale}"
    why = page_available()
    if why is not None:
        got = run_probe(_ENGINE_PROBE, str(folder))
        return [Row("5 memory", label, "peak RSS, one process (engine only: " + why + ")",
                    got["peak"], "B", PEAK_BAR, "2 GB target", got["peak"] / PEAK_BAR,
                    "< 2 GB", got["peak"] < PEAK_BAR, "see the engine notes")]
    workers = gunicorn_workers(folder, n_states)
    peak = max(w["peak"] for w in workers)
    file_rss = sum(w["file"]["rss"] for w in workers)
    file_pss = sum(w["file"]["pss"] for w in workers)
    rows = [Row("5 memory", label, f"peak RSS of one gunicorn worker after {n_states} distinct "
                "filter changes (Summary cache of 64 full)",
                peak, "B", PEAK_BAR, "2 GB target", peak / PEAK_BAR, "< 2 GB", peak < PEAK_BAR,
                "keep per-change temporaries to one pass (no dense cube); release Summary caches",
                "workers: " + "; ".join(
                    f"peak {w['peak'] / 1e9:.2f} GB, now RSS {w['rss'] / 1e9:.2f} GB, "
                    f"USS {w['uss'] / 1e9:.2f} GB, PSS {w['pss'] / 1e9:.2f} GB" for w in workers))]
    ratio = file_pss / file_rss if file_rss else None
    rows.append(Row("5 memory", label, "transactions file in 2 workers: PSS summed / RSS summed "
                    "(0.5 = one shared copy)", file_pss, "B", file_rss,
                    "RSS summed (a copy each)", ratio, f"<= {SHARE_BAR}x (shared)",
                    None if ratio is None else ratio <= SHARE_BAR,
                    "save one record batch and load zero-copy (dashboard/ingest/store.py)",
                    f"file {size / 1e6:,.0f} MB; resident per worker "
                    + ", ".join(f"{w['file']['rss'] / 1e6:,.0f} MB" for w in workers)))
    total_pss = sum(w["pss"] for w in workers)
    total_rss = sum(w["rss"] for w in workers)
    rows.append(Row("5 memory", label, "two workers together: PSS vs the sum of their RSS",
                    total_pss, "B", total_rss, "RSS summed", total_pss / total_rss,
                    note="what the second worker really adds is its USS: "
                    + ", ".join(f"{w['uss'] / 1e9:.2f} GB" for w in workers)))
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tx", type=int, default=10_000_000)
    p.add_argument("--scale", default="england")
    args = p.parse_args()
    print(table(run(args.tx, args.scale)))


if __name__ == "__main__":
    main()
