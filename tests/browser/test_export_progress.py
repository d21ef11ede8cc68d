"""Progress while the map image is made (issue 16, item 5: 9-10 s with no cue): the export panel's
status line (role=status, aria-live) says "Making the map image… N s" from the click until the
file arrives, then the page saves it under the server's name and says so; an error is shown in
the server's words on the page instead of a bare text page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.output.exports import browser_path
from tests.browser.conftest import assert_clean
from tests.browser.helpers import goto

pytestmark = pytest.mark.browser
PNG = "#export-links a[aria-label='Map image as PNG']"


@pytest.mark.skipif(browser_path() is None, reason="map images need Chromium for kaleido")
def test_prg001_the_map_image_shows_progress_until_it_is_saved(page, live):
    goto(page, live.url + "?flag=sme")
    status = page.locator("#export-progress")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")
    with page.expect_download(timeout=90_000) as dl:
        page.click(PNG)
        expect(status).to_contain_text("Making the map image…", timeout=2_000)
        # the seconds count up while it is made (shown, not announced)
        expect(status.locator(".export-progress-secs")).to_have_attribute("aria-hidden", "true")
    assert dl.value.suggested_filename.endswith(".png")
    data = open(dl.value.path(), "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    expect(status).to_contain_text("Map image ready")
    expect(status).to_contain_text(dl.value.suggested_filename)
    assert_clean(page)


def test_prg002_a_refused_image_says_why_on_the_page(page, live):
    goto(page, live.url)
    # a link the server refuses (no such download): its words, not a text page
    page.evaluate("""() => {
        const a = document.querySelector("#export-links a[aria-label='Map image as PNG']")
            || document.createElement('a');
        a.setAttribute('data-progress', 'Making the map image');
        a.href = '/export/nothing.png';
        a.textContent = 'broken';
        if (!a.isConnected) document.querySelector('#export-links').appendChild(a);
        a.click();
    }""")
    status = page.locator("#export-progress")
    expect(status).to_contain_text("could not be made: No such download.", timeout=15_000)
    assert page.url.startswith(live.url)      # still on the page
    # the page's own 404 fetch is the one expected error
    page.watch.errors[:] = [e for e in page.watch.errors if "404" not in e]
    assert_clean(page)
