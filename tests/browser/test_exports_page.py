"""Results out, from the page in a real browser: the download links follow the filters, CSV files
carry the filters at the top, the map image (kaleido) has its title, legend, filters and
attribution, the one-page report opens in a new tab, and the share link reopens the same view.

The exported PNG and the report are saved under test-artifacts/screenshots/ to be looked at.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.output.exports import browser_path
from tests.browser.conftest import ARTIFACTS, assert_clean
from tests.browser.helpers import goto, settle, tick

pytestmark = pytest.mark.browser
OUT = ARTIFACTS / "screenshots"


def test_exp001_links_follow_the_view_and_the_files_state_the_filters(page, live):
    goto(page, live.url)
    tick(page, "f-years", "2022/23")
    expect(page.locator("#export-links a", has_text="CSV").first).to_have_attribute(
        "href", "/export/transactions.csv?fy=2022")
    settle(page)
    # the share link is the browser's own address with the view's query
    share = page.input_value("#share-link")
    assert share == page.url and share.endswith("/?fy=2022")
    page.click("#share-copy")
    expect(page.locator("#share-status")).not_to_be_empty()
    # a table as CSV: a real download, filters on top, then the table
    with page.expect_download() as dl:
        page.click("#export-links a[aria-label='Wards as CSV']")
    path = dl.value.path()
    text = open(path, encoding="utf-8-sig", newline="").read()
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    assert "# Financial years: 2022/23" in head and head[0].startswith("# Data set: ")
    assert dl.value.suggested_filename.endswith(".csv")
    # the shared link reopens the same view in a fresh page
    other = page.context.new_page()
    other.goto(share)
    settle(other)
    expect(other.locator("#f-years input[value='2022']")).to_be_checked()
    other.close()
    assert_clean(page)


@pytest.mark.skipif(browser_path() is None, reason="map images need Chromium for kaleido")
def test_exp002_map_image_has_its_legend_and_the_report_opens(page, live):
    goto(page, live.url + "?flag=sme")
    OUT.mkdir(parents=True, exist_ok=True)
    with page.expect_download(timeout=60_000) as dl:
        page.click("#export-links a[aria-label='Map image as PNG']")
    png = OUT / "export-map.png"
    dl.value.save_as(png)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 850)
    assert page.get_attribute("#export-links a[aria-label='Map image as SVG']", "href") == (
        "/export/map.svg?flag=sme")
    # the one-page report: a new tab, the view's filters, printable
    with page.expect_popup(timeout=60_000) as popup:
        page.click("#export-links a[aria-label='Open the one-page report in a new tab']")
    report = popup.value
    report.wait_for_load_state()
    expect(report.locator("h1")).to_contain_text("where the spend goes")
    expect(report.locator("body")).to_contain_text("SME")
    report.screenshot(path=str(OUT / "export-report.png"), full_page=True)
    report.close()
    assert_clean(page)
