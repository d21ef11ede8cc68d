"""Map images and the report: the first against later ones (issue 16, item 5).

Through the export process's own functions (`exports_routes.export_file`, `report_bytes`), for
each data set: one PNG the old way (plotly's `to_image`: a new Chromium for every image), then,
with this process's warm browser stopped, the first PNG (starts it), a second PNG, an SVG and the
report (whose map is an SVG). Wall seconds, and the CPU seconds of this process and its browser
(`psutil`, children included): on a shared machine the CPU figure is the steadier one.
Bar: images after the first start in under 2 s.

    python -m benchmarks.bench_images [--data data/demo PATH ...] [--query "?show=labels"]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks._util import Row, cache_dir, table

QUERY = "?show=suppliers,anchors,labels"
BAR_S = 2.0


def cpu_now() -> float:
    """CPU seconds so far of this process and every process under it (the browser): running
    ones by `psutil`, ended ones (plotly's one-image browsers) by getrusage."""
    import resource

    import psutil

    me = psutil.Process()
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = sum(me.cpu_times()[:2]) + ended.ru_utime + ended.ru_stime
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def timed(fn) -> tuple[float | None, float]:
    """(wall seconds, CPU seconds of this process and its children) of `fn()`; wall None when
    it failed (e.g. timed out on a loaded machine): said in the table, never hidden."""
    c, t = cpu_now(), time.perf_counter()
    try:
        fn()
    except Exception as exc:   # noqa: BLE001 - a failed step is a result too
        print(f"  failed after {time.perf_counter() - t:.1f} s: {type(exc).__name__}: {exc}")
        return None, cpu_now() - c
    return time.perf_counter() - t, cpu_now() - c


def measure(folder: str, query: str = QUERY) -> dict[str, tuple[float, float]]:
    """{step: (wall s, CPU s)} for one saved data set."""
    from dashboard.output import exports as ex
    from dashboard.output import imaging
    from dashboard.serve.exports_routes import export_file, report_bytes
    from dashboard.serve.health import load_checked
    from dashboard.settings import load_settings
    from dashboard.view.context import build_context

    ctx = build_context(load_checked(folder), load_settings(env={}), {})
    state = ctx.state(query)
    fig = ex.ward_map_figure(ctx.ds, ctx.summary(state), view=state)   # summary, label points
    ex.ensure_browser()
    out = {"plotly to_image, new browser (PNG)": timed(
        lambda: ex.annotated(fig, title="x").to_image(format="png", width=1100, height=850))}
    imaging.shutdown()
    out["first map PNG (starts the browser)"] = timed(lambda: export_file(ctx, "map.png", query))
    out["second map PNG"] = timed(lambda: export_file(ctx, "map.png", query))
    out["map SVG"] = timed(lambda: export_file(ctx, "map.svg", query))
    out["report (map as SVG)"] = timed(lambda: report_bytes(ctx, query))
    imaging.shutdown()
    return out


def rows_for(scale: str, got: dict[str, tuple[float | None, float]]) -> list[Row]:
    base_wall, base_cpu = got["plotly to_image, new browser (PNG)"]
    rows = []
    for step, (wall, cpu) in got.items():
        later = step not in ("plotly to_image, new browser (PNG)",
                             "first map PNG (starts the browser)")
        rows.append(Row("images", scale, step, None if wall is None else round(wall, 2), "s",
                        None if base_wall is None else round(base_wall, 2), "plotly to_image",
                        round(wall / base_wall, 2) if wall and base_wall else None,
                        f"< {BAR_S:.0f} s" if later else "",
                        (wall is not None and wall < BAR_S) if later else None,
                        note=f"CPU {cpu:.2f} s (reference {base_cpu:.2f} s)"
                             + ("" if wall is not None else "; failed")))
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    england = cache_dir() / "dataset-v1-england-10000000"
    p.add_argument("--data", nargs="+", default=["data/demo"] + (
        [str(england)] if (england / "manifest.json").exists() else []))
    p.add_argument("--query", default=QUERY)
    args = p.parse_args()
    rows = []
    for folder in args.data:
        got = rows_for(Path(folder).name, measure(folder, args.query))
        print(table(got), flush=True)
        rows += got
    print(table(rows))


if __name__ == "__main__":
    main()
