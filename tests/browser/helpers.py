"""Helpers for driving the page: wait for Dash to settle, read cards, pick from Dash 4 dropdowns."""
from __future__ import annotations

import json

GRAPH = "#map .js-plotly-plot"


def goto(page, url: str) -> None:
    """Open a URL and wait until every callback has answered and the map is drawn."""
    page.goto(url)
    settle(page)


def settle(page, timeout: float = 30000) -> None:
    """Wait until no Dash component is loading and the cards and map have content."""
    page.wait_for_function(
        """() => {
            const gd = document.querySelector('#map .js-plotly-plot');
            const card = document.querySelector('#card-total .card-value');
            return gd && gd.data && gd.data.length > 0 && card && card.textContent.length > 0
                && document.querySelectorAll('[data-dash-is-loading="true"]').length === 0;
        }""", timeout=timeout)
    page.wait_for_timeout(250)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0",
        timeout=timeout)


def card(page, key: str, part: str = "value") -> str:
    """Text of a headline card's value or detail line."""
    return page.inner_text(f"#card-{key} .card-{part}").strip()


def map_z(page) -> list:
    """The z values of the map's base trace, as the browser holds them."""
    return page.evaluate(f"() => Array.from(document.querySelector('{GRAPH}').data[0].z)")


def choose(page, dropdown_id: str, text: str) -> None:
    """Pick an option in a Dash 4 dropdown with the keyboard: open, search, arrow down, enter."""
    page.click(f"#{dropdown_id}")
    page.locator(".dash-dropdown-search").wait_for(state="visible")
    page.wait_for_function(
        "() => document.activeElement.classList.contains('dash-dropdown-search')")
    page.keyboard.type(text, delay=20)
    page.wait_for_timeout(200)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def tick(page, group_id: str, label: str) -> None:
    """Click the checkbox or radio labelled `label` inside a Checklist/RadioItems group."""
    page.locator(f"#{group_id} label", has_text=label).first.click()


def map_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Page coordinates of a lon/lat on the map canvas (MapLibre's own projection)."""
    return tuple(page.evaluate(
        """([lon, lat]) => {
            const gd = document.querySelector('#map .js-plotly-plot');
            const m = gd._fullLayout.map._subplot.map;
            const p = m.project([lon, lat]);
            const r = m.getCanvas().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", [lon, lat]))


def ward_centre(ds, code: str) -> tuple[float, float]:
    """Centre of a ward's drawing geometry (the synthetic wards are squares)."""
    for f in ds.meta["geometry"]["wards"]["features"]:
        if f["id"] == code:
            ring = f["geometry"]["coordinates"][0]
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    raise KeyError(code)


def update_sizes(page) -> list[int]:
    """Sizes (bytes) of the callback responses seen so far."""
    return [size for url, size in page.watch.responses if "_dash-update-component" in url]


def dump(obj) -> str:
    return json.dumps(obj, indent=2, default=str)


def open_fold(page, name: str) -> None:
    """Open a folded section ("plan" or "data", dashboard/web/layout/folds.py) with its button,
    and wait until its body is there and Dash has settled."""
    page.click(f"#{name}-open")
    page.locator(f"#{name}-body > *").first.wait_for(state="attached", timeout=30_000)
    settle(page)
