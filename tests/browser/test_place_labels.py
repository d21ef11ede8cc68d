"""Place names on the map (issue 16, item 2), in a real browser at 1366x768: ticked under "Show",
the ward names are drawn (MapLibre symbol layers, letters drawn by the browser: no request
leaves the test server), kept through a filter change, and off again when unticked.

The screenshot is saved under test-artifacts/screenshots/ to be looked at."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, assert_clean
from tests.browser.helpers import GRAPH, goto, settle, tick

pytestmark = pytest.mark.browser
OUT = ARTIFACTS / "screenshots"

#: The names MapLibre has placed on screen now (rendered features of the name layers).
NAMES_DRAWN = f"""() => {{
    const sub = document.querySelector('{GRAPH}')._fullLayout.map._subplot;
    const ids = sub.map.getStyle().layers.map(l => l.id)
        .filter(id => id.startsWith('place-labels'));
    if (!ids.length) return [];
    return sub.map.queryRenderedFeatures({{layers: ids}}).map(f => f.properties.n);
}}"""


def names_drawn(page) -> list[str]:
    page.wait_for_function(
        f"() => document.querySelector('{GRAPH}')._fullLayout.map._subplot.map.loaded()")
    page.wait_for_timeout(500)
    return page.evaluate(NAMES_DRAWN)


def test_lab001_place_names_are_drawn_when_ticked_and_stay_through_a_filter_change(page, live):
    goto(page, live.url)
    assert names_drawn(page) == []                          # off by default
    tick(page, "map-overlays", "Place names")
    page.wait_for_function(f"""() => {{
        const s = document.querySelector('{GRAPH}')._fullLayout.map.style;
        return s && s.id === 'anchor-place-labels'; }}""")
    page.wait_for_function(f"() => ({NAMES_DRAWN})().length > 0", timeout=15000)
    drawn = names_drawn(page)
    wards = set(live.ds.wards["name"].astype(str))
    assert drawn and set(drawn) <= wards, drawn
    assert "show=" in page.url and "labels" in page.url     # in the URL state
    OUT.mkdir(parents=True, exist_ok=True)
    page.locator("#map").screenshot(path=str(OUT / "place-labels-1366.png"))
    # a filter change recolours the map; the names stay, nothing is re-sent
    tick(page, "f-years", "2022/23")
    settle(page)
    assert set(names_drawn(page)) == set(drawn)
    tick(page, "map-overlays", "Place names")
    page.wait_for_function(f"() => ({NAMES_DRAWN})().length === 0", timeout=15000)
    expect(page.locator("#map-overlays input[value='labels']")).not_to_be_checked()
    assert_clean(page)                  # no console errors, no request off the test server
