"""Shared helpers of the benchmark suite: cache folder, timing, peak memory, the results table."""
from __future__ import annotations

import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cache_dir() -> Path:
    """Where generated inputs go (never inside the repository): $ANCHOR_BENCH_CACHE, else
    $XDG_CACHE_HOME/anchor-spend-map/benchmarks (~/.cache/... by default)."""
    env = os.environ.get("ANCHOR_BENCH_CACHE")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / (
        "anchor-spend-map") / "benchmarks"
    base.mkdir(parents=True, exist_ok=True)
    return base


def shared_data() -> Path | None:
    """../shared/data beside the project ($ANCHOR_SHARED_DATA overrides), or None when absent."""
    path = Path(os.environ.get("ANCHOR_SHARED_DATA", ROOT.parent / "shared" / "data"))
    return path if (path / "ons" / "wards_2013_by_lad").is_dir() else None


@dataclass
class Row:
    """One line of the results table.

    `value` and `reference` are in `unit`; `ratio` = value / reference (None when there is no
    reference); `bar` says what the ratio must be; `met` is True, False or None (no bar)."""

    part: str
    scale: str
    measure: str
    value: float | None
    unit: str
    reference: float | None = None
    reference_name: str = ""
    ratio: float | None = None
    bar: str = ""
    met: bool | None = None
    fix: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def bar_at_most(value: float | None, reference: float | None, limit: float) -> tuple[
        float | None, bool | None]:
    """(ratio, met) for a bar "value at most limit x reference"."""
    if value is None or not reference:
        return None, None
    r = value / reference
    return r, r <= limit


def interleaved_medians(fns: dict[str, Callable[[], object]], repeat: int,
                        warmup: int = 1) -> dict[str, float]:
    """Median seconds of each function, runs interleaved (a, b, a, b ...) so that a slow patch of
    the shared machine hits every contender alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def gzip_size(data: bytes, level: int = 6) -> int:
    """Size of `data` gzipped as a server would (level 6, the usual default)."""
    return len(gzip.compress(data, compresslevel=level))


def run_probe(code: str, *args: str, env: dict | None = None, timeout: float = 1800) -> dict:
    """Run `code` in a fresh interpreter (cwd = project root) and parse the last line of its
    stdout as JSON. A fresh process gives a clean peak-RSS (VmHWM) reading.

    With ANCHOR_BENCH_IN_PROCESS=1 the code runs in this process instead (the smoke tests: fast,
    but the memory figures are then this process's)."""
    if os.environ.get("ANCHOR_BENCH_IN_PROCESS") == "1":
        import contextlib
        import io

        out, argv = io.StringIO(), sys.argv
        try:
            sys.argv = ["probe", *args]
            with contextlib.redirect_stdout(out):
                exec(compile(code, "<probe>", "exec"), {"__name__": "__probe__"})  # noqa: S102
        finally:
            sys.argv = argv
        return json.loads(out.getvalue().strip().splitlines()[-1])
    full_env = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": os.environ.get("HOME", "/tmp")}
    full_env.update(env or {})
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True,
                          text=True, env=full_env, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"probe failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


#: Reads VmHWM (peak resident set of this process image; exec resets it) in a probe.
HWM_SNIPPET = r'''
def hwm_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
'''


def machine() -> str:
    """One line describing the machine the numbers come from."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import psutil

        mem = f"{psutil.virtual_memory().total / 2**30:.0f} GB RAM"
    except ImportError:  # pragma: no cover
        mem = ""
    return (f"{cpu}, {os.cpu_count()} cores, {mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def fmt_value(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "s":
        return f"{v:.2f} s" if v >= 1 else f"{v * 1000:.1f} ms"
    if unit == "ms":
        return f"{v:.1f} ms"
    if unit == "B":  # decimal units: 1 MB = 1,000,000 bytes
        if v >= 1e9:
            return f"{v / 1e9:.2f} GB"
        if v >= 1e6:
            return f"{v / 1e6:.2f} MB"
        if v >= 1e3:
            return f"{v / 1e3:.1f} KB"
        return f"{v:.0f} B"
    if unit == "x":
        return f"{v:.2f}x"
    return f"{v:,.4g} {unit}".strip()


def table(rows: list[Row], markdown: bool = True) -> str:
    """The one results table (Markdown, readable as plain text too)."""
    head = ["part", "scale", "measure", "value", "reference", "ratio", "bar", "result",
            "what would fix it / note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        ref = "—" if r.reference is None else f"{fmt_value(r.reference, r.unit)} ({r.reference_name})"
        ratio = "—" if r.ratio is None else f"{r.ratio:.3g}x"
        result = {True: "met", False: "NOT MET", None: "—"}[r.met]
        note = " ".join(x for x in (r.fix if r.met is False else "", r.note) if x)
        cells = [r.part, r.scale, r.measure, fmt_value(r.value, r.unit), ref, ratio, r.bar or "—",
                 result, note]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)
