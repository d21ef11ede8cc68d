"""The one-page report prints on one A4 page in Debian's Chromium (headless print to PDF).

Integration, not unit: it starts Chromium and kaleido."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from dashboard.engine import metrics as m
from dashboard.ingest.store import load_dataset
from dashboard.output import printable as p
from dashboard.output.exports import browser_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.browser
def test_the_demo_report_prints_on_one_a4_page(tmp_path):
    chromium = browser_path()
    if not chromium:
        pytest.skip("printing needs Chromium: apt-get install chromium")
    ds = load_dataset(ROOT / "data" / "demo")
    filters, options = m.Filters(), m.Options()
    svg = p.report_map_svg(ds, filters, options)
    assert svg and svg.lstrip().startswith("<svg")
    page = tmp_path / "report.html"
    page.write_text(p.report_html(ds, filters, options, svg), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes())
    assert len(pages) == 1
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "report-demo.html").write_text(page.read_text(), encoding="utf-8")

