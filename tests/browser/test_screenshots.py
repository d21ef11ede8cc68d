"""Screenshots at two screen sizes, desk and presentation mode, saved for people to look at.

test-artifacts/screenshots/<data>-<mode>-<width>x<height>.png (full page) and ...-top.png (what
fits on the screen without scrolling). The synthetic network always; the embedded demo too when
`data/demo` loads.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, assert_clean, open_page, serve
from tests.browser.helpers import goto, settle

pytestmark = pytest.mark.browser
SIZES = [(1920, 1080), (1366, 768)]
MODES = {"desk": "/?ward=E05000012", "present": "/?present=1&ward=E05000012"}
OUT = ARTIFACTS / "screenshots"


def shoot(browser, base: str, query: str, name: str, width: int, height: int) -> None:
    page = open_page(browser, width, height)
    try:
        goto(page, base + query)
        page.wait_for_timeout(700)  # the map fit (assets/map_fit.js) and tile-free redraw
        settle(page)
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / f"{name}-{width}x{height}-top.png"))
        page.screenshot(path=str(OUT / f"{name}-{width}x{height}.png"), full_page=True)
        assert_clean(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("width, height", SIZES)
@pytest.mark.parametrize("mode", list(MODES))
def test_shot001_synthetic(browser, live, mode, width, height):
    shoot(browser, live.url, MODES[mode], f"synthetic-{mode}", width, height)


@pytest.fixture(scope="module")
def demo_url():
    from dashboard.serve.app import create_app
    from dashboard.settings import ROOT, load_settings

    try:
        from dashboard.ingest.store import load_dataset

        ds = load_dataset(ROOT / "data" / "demo")
    except Exception as exc:  # noqa: BLE001 - any failure means "no demo to show"
        pytest.skip(f"the embedded demo data set does not load: {exc}")
    url, stop = serve(create_app(ds, load_settings(env={})))
    yield url, ds
    stop()


@pytest.mark.parametrize("width, height", SIZES)
@pytest.mark.parametrize("mode", list(MODES))
def test_shot002_demo(browser, demo_url, mode, width, height):
    url, ds = demo_url
    ward = ds.wards["code"].iloc[0]
    query = MODES[mode].replace("E05000012", str(ward))
    shoot(browser, url, query, f"demo-{mode}", width, height)
