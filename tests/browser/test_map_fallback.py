"""The in-place map path is guarded: when plotly's internals are not what assets/map_recolour.js
expects (as after a dash or plotly.js upgrade), the change still reaches the map through plotly,
and every browser test fails (tests/browser/conftest.py turns the script's warning into an error),
so an upgrade that breaks the fast path cannot pass unnoticed."""
from __future__ import annotations

import pytest

from tests.browser.conftest import FALLBACK, assert_clean
from tests.browser.helpers import goto, map_z, settle, tick

pytestmark = pytest.mark.browser

#: Make the MapLibre fill layer unfindable, as a renamed plotly.js layer would be.
HIDE_FILL_LAYER_JS = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  map.getLayer = () => undefined;
}"""

DRAWN_JS = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  return !window.anchorMapRecolour.stale(gd);
}"""


def test_map002_a_fallback_still_draws_the_change_and_is_reported(page, live):
    goto(page, live.url + "/?show=")
    before = map_z(page)
    page.evaluate(HIDE_FILL_LAYER_JS)
    tick(page, "f-years", "2023/24")
    settle(page)
    page.wait_for_function(DRAWN_JS, timeout=15000)
    assert map_z(page) != before, "the year change did not reach the map"
    fallbacks = [e for e in page.watch.errors if FALLBACK in e]
    assert fallbacks, "the fallback to plotly was not reported: the guard in conftest is blind"
    page.watch.errors[:] = [e for e in page.watch.errors if FALLBACK not in e]   # expected here
    assert_clean(page)

