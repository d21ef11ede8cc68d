"""The map image (PNG/SVG) drawn by kaleido on Debian's Chromium: title, legend, attribution.

Integration, not unit: it starts Chromium (7-10 s per image)."""
from __future__ import annotations

import struct
from pathlib import Path

import pytest

from dashboard.engine import metrics as m
from dashboard.output import exports as e
from tests.unit.test_exports import tiny_ds

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.browser
def test_png_map_export_has_title_legend_and_attribution():
    if not e.browser_path():
        pytest.skip("map images need Chromium: apt-get install chromium")
    ds = tiny_ds(title="Tiny network")
    s = m.summarise(ds)
    fig = e.ward_map_figure(ds, s)
    assert fig is not None and fig.data[0].type == "choroplethmap"
    data = e.map_image(fig, "png", title="Spend by ward: Tiny network",
                       lines=e.filters_text(ds, s.filters, s.options),
                       attribution="Contains OS data © Crown copyright; Tiny test data")
    width, height = png_size(data)
    assert (width, height) == (1100, 850) and len(data) > 20_000
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "map-export.png").write_bytes(data)
    svg = e.map_image(fig, "svg", title="Spend by ward <b>&", lines=["Anchors: all"])
    text = svg.decode("utf-8")
    assert text.lstrip().startswith("<svg") and "Spend by ward" in text
    assert "Anchors: all" in text and "Contains OS data" in text
    assert "Spend by ward &#60;b&#62;&amp;" in text    # the title's markup is text, not markup
    (ARTIFACTS / "map-export.svg").write_bytes(svg)

