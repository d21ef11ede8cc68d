"""The Plan section in a real browser, signed in as an editor: set a target and read its status
in words, run a what-if that moves live with the slider, record an assessment and see it in the
heat map. One test (the page, an app and a sign-in are set up once)."""
from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

from tests.browser.conftest import assert_clean, open_page, serve
from tests.browser.helpers import choose, goto, open_fold

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def editor_app(tmp_path_factory):
    from dashboard.ingest.store import load_dataset, save_dataset
    from dashboard.serve.app import create_app
    from dashboard.settings import load_settings
    from tests.unit.conftest import tiny_with_geometry

    folder = tmp_path_factory.mktemp("plan")
    save_dataset(tiny_with_geometry(title="Tiny network", fictional=True), folder / "tiny")
    (folder / "users").write_text(f"ed:{generate_password_hash('plan-words')} editor\n")
    settings = load_settings(env={"ANCHOR_AUTH": "basic",
                                  "ANCHOR_AUTH_FILE": str(folder / "users")})
    url, stop = serve(create_app(load_dataset(folder / "tiny"), settings))
    yield url
    stop()


def test_plan001_target_whatif_and_assessment(browser, editor_app):
    page = open_page(browser)
    page.context.set_extra_http_headers(
        {"Authorization": "Basic " + base64.b64encode(b"ed:plan-words").decode()})
    goto(page, editor_app)
    open_fold(page, "plan")
    page.locator("#plan").scroll_into_view_if_needed()
    expect(page.locator("#plan-edit-note")).to_contain_text("record who made them")
    # a target: 50% of located spend in the most deprived areas by 2025/26
    page.fill("#plan-t-value", "50")
    page.click("#plan-t-save")
    expect(page.locator("#plan-t-message")).to_contain_text("Target saved")
    expect(page.locator("#plan-targets")).to_contain_text("✗ off track")
    # baseline 2022/23 (3/8), target year 2026/27 (the form's default): trajectory 2023/24 is
    # 3/8 + 1/8 x 1/4 = 40.6%; the gap is ceil(13/32 x 205050) - 80000 pence
    expect(page.locator("#plan-targets")).to_contain_text("50.0% by 2026/27")
    expect(page.locator("#plan-progress")).to_contain_text("£33.02")
    expect(page.locator("#plan-progress")).to_contain_text("✓ on track")   # the baseline year
    # what if: 10% then more of what could move, live
    page.get_by_role("tab", name="What if").click()
    expect(page.locator("#plan-before")).to_have_text("38.4%")
    expect(page.locator("#plan-after")).to_have_text("44.5%")
    page.locator("#plan-w-fraction .rc-slider-handle, #plan-w-fraction [role=slider]"
                 ).first.focus()
    page.keyboard.press("End")
    expect(page.locator("#plan-after")).to_have_text("100.0%")
    # an assessment, seen in the heat map in words and numbers
    page.get_by_role("tab", name="Self-assessment").click()
    choose(page, "plan-a-anchor", "Council")
    page.fill("#plan-a-date", "2025-03-31")
    page.locator("select").first.select_option(label="3 embedding")
    page.click("#plan-a-save")
    expect(page.locator("#plan-a-message")).to_contain_text("saved")
    expect(page.locator("#plan-grid")).to_contain_text("3 embedding")
    assert_clean(page)
    page.context.close()
