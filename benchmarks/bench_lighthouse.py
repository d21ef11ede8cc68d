"""Part 8: Lighthouse on the demo (issue 16, item 6): performance >= 90 and accessibility 100,
desktop preset, in both modes (`/` and `/?present=1`).

Starts the demo (`python app.py`, on a free port), runs the Lighthouse CLI (12) against Debian's
chromium three times per mode and reports the medians. Lighthouse is found as
`$ANCHOR_LIGHTHOUSE`, else `lighthouse` on PATH, else the documented install under the cache
folder:

    npm install --prefix ~/.cache/anchor-spend-map/benchmarks/lighthouse lighthouse@12

Without it (or without chromium) the part is skipped with the reason. Lighthouse throttles by
simulation, but the main thread's work is timed for real: on a shared machine the load average
moves the performance score, so it is reported beside every row.

    python -m benchmarks.bench_lighthouse            # prints the rows
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks._util import ROOT, Row, cache_dir

PART = "8 lighthouse"
MODES = {"desk": "/", "presentation": "/?present=1"}
RUNS = 3
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")


def lighthouse_cli() -> str | None:
    """The Lighthouse executable: $ANCHOR_LIGHTHOUSE, PATH, or the cache folder's install."""
    for candidate in (os.environ.get("ANCHOR_LIGHTHOUSE"), shutil.which("lighthouse"),
                      str(cache_dir() / "lighthouse" / "node_modules" / ".bin" / "lighthouse")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def missing() -> str | None:
    """Why part 8 cannot run here, or None."""
    if lighthouse_cli() is None:
        return ("Lighthouse CLI not found: set ANCHOR_LIGHTHOUSE or run `npm install --prefix "
                f"{cache_dir() / 'lighthouse'} lighthouse@12`")
    if not Path(CHROME).is_file():
        return f"no chromium at {CHROME} (apt-get install -y chromium, or set CHROME_PATH)"
    return None


def run(runs: int = RUNS) -> list[Row]:
    """Rows for both modes; one skipped row when Lighthouse or chromium is missing."""
    why = missing()
    if why:
        return [Row(PART, "demo", "skipped", None, "", note=why)]
    with demo_server() as base:
        reports = {mode: [audit(base + path) for _ in range(runs)]
                   for mode, path in MODES.items()}
    return [row for mode, rs in reports.items() for row in rows_for(mode, rs)]


def rows_for(mode: str, reports: list[dict]) -> list[Row]:
    """Median performance and accessibility scores of one mode's reports, against the bars."""
    perf = statistics.median(r["performance"] for r in reports)
    a11y = statistics.median(r["accessibility"] for r in reports)
    mid = sorted(reports, key=lambda r: r["performance"])[len(reports) // 2]
    note = (f"median of {len(reports)} (performance {', '.join(str(r['performance']) for r in reports)}); "
            f"median run: TBT {mid['tbt_ms']:,.0f} ms, LCP {mid['lcp_ms'] / 1000:.1f} s, "
            f"speed index {mid['si_ms'] / 1000:.1f} s, CLS {mid['cls']:.3f}, "
            f"{mid['bytes'] / 1e6:.2f} MB transferred ({mid['js_bytes'] / 1e6:.2f} MB script), "
            f"main thread {mid['main_thread_ms'] / 1000:.1f} s; load average "
            f"{min(r['load'] for r in reports):.1f}-{max(r['load'] for r in reports):.1f}")
    scale = f"demo, {mode} ({MODES[mode]})"
    return [Row(PART, scale, "performance score (desktop preset)", perf, "points", bar=">= 90",
                met=perf >= 90, note=note,
                fix="main-thread work on load (TBT): Dash's renderer and component libraries"),
            Row(PART, scale, "accessibility score", a11y, "points", bar="= 100",
                met=a11y >= 100, fix="see the report's failing accessibility audits")]


def audit(url: str) -> dict:
    """One Lighthouse run (desktop preset, headless chromium): the figures the rows use."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [lighthouse_cli(), url, "--preset=desktop", "--output=json",
               f"--output-path={out}", "--quiet", "--only-categories=performance,accessibility",
               "--chrome-flags=--headless --no-sandbox"]
        load = os.getloadavg()[0]
        done = subprocess.run(cmd, env={**os.environ, "CHROME_PATH": CHROME},
                              capture_output=True, text=True, timeout=600, check=False)
        if not out.exists():
            raise RuntimeError(f"lighthouse failed ({done.returncode}): {done.stderr[-500:]}")
        return summary(json.loads(out.read_text()), load)


def summary(report: dict, load: float) -> dict:
    """Scores (0-100) and the main costs from a Lighthouse JSON report."""
    a = report["audits"]
    items = a["network-requests"]["details"]["items"]
    return {"performance": round(report["categories"]["performance"]["score"] * 100),
            "accessibility": round(report["categories"]["accessibility"]["score"] * 100),
            "tbt_ms": a["total-blocking-time"]["numericValue"],
            "lcp_ms": a["largest-contentful-paint"]["numericValue"],
            "si_ms": a["speed-index"]["numericValue"],
            "cls": a["cumulative-layout-shift"]["numericValue"],
            "bytes": a["total-byte-weight"]["numericValue"],
            "js_bytes": sum(i.get("transferSize", 0) for i in items
                            if i.get("resourceType") == "Script"),
            "main_thread_ms": a["mainthread-work-breakdown"]["numericValue"],
            "load": load}


class demo_server:
    """`python app.py` on a free loopback port for the length of a `with` block."""

    def __enter__(self) -> str:
        port = free_port()
        env = {**os.environ, "ANCHOR_PORT": str(port), "ANCHOR_HOST": "127.0.0.1"}
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/", timeout=5).read()
                return base
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("the demo did not start (python app.py exited)") from None
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError("the demo did not answer within 120 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    from benchmarks._util import table

    print(table(run()))
