"""Map images after the first reuse one warm browser (issue 16, item 5): kaleido starts Chromium
once per process, and later images only pay for drawing.

Integration, not unit: it starts Chromium."""
from __future__ import annotations

import time

import pytest

from dashboard.engine import metrics as m
from dashboard.output import exports as e
from dashboard.output import imaging
from tests.unit.test_exports import tiny_ds


@pytest.mark.browser
def test_the_second_map_image_reuses_the_browser_and_is_quicker():
    if not e.browser_path():
        pytest.skip("map images need Chromium: apt-get install chromium")
    imaging.shutdown()
    ds = tiny_ds(title="Tiny network")
    fig = e.ward_map_figure(ds, m.summarise(ds))
    times = []
    try:
        for fmt in ("png", "svg", "png"):
            t = time.perf_counter()
            data = e.map_image(fig, fmt, title="Spend by ward")
            times.append(time.perf_counter() - t)
            assert data[:4] == b"\x89PNG" if fmt == "png" else b"<svg" in data[:200]
            assert imaging.is_warm()
        warm = imaging._warm
        e.map_image(fig, "png")
        assert imaging._warm is warm          # still the same browser
    finally:
        imaging.shutdown()
    assert not imaging.is_warm()
    # the first image starts Chromium as well as drawing: later ones are clearly quicker
    assert max(times[1:]) < times[0], times
