"""Parts 3 and 4 in the browser (Playwright, Debian chromium, software GL).

Part 3, end to end: from ticking a financial-year box to the map showing the new values, through
the real page: the state callback's answer, then either the in-place change (its
`anchor_recoloured` event: wards recoloured, point overlays moved) or, when anything else changed,
plotly's redraw (`plotly_afterplot`); either way, plotly's hover values must be the new ones. Two
references in the same browser session: the floor, plotly.js itself recolouring the same map in the page
(`Plotly.restyle` of z alone, no server, the same z values), and the baseline, a naive page whose
callback rebuilds the whole figure with its GeoJSON inline. Each change visits a new filter state
(a Gray-code walk over the years), medians of the changes. Bars: at most 1.25x the floor at every
scale; at least 2.5x faster than naive for all of England.

Part 3 also times, for each change, the headline card (the first change of the cards' text)
and every panel settled (the last change of the page's text outside the map), both against the
map's own time in the same change (bars: the card <= 1.1x the map, every panel <= 2x, issue 16);
and, on the page as it opens, a ward chosen (its Ward list value set, as a choice from the list
sets it) to its details shown (its name and its spend by anchor in the details panel; bar 0.5 s).

Part 4, first load: time from navigation to a usable page (map drawn with its geometry, headline
cards filled, no callback pending), and the bytes it transferred; the ward geometry must be fetched
once per browser (a cacheable URL, never inside a figure): counted on the server during the first
load, the filter changes, and a second visit.

    python -m benchmarks.bench_browser [--scale district] [--tx 100000]
"""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from benchmarks import _page
from benchmarks._util import Row, bar_at_most, table
from dashboard.engine.metrics import Filters

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1366, "height": 900}
FLOOR_BAR, NAIVE_BAR = 1.25, 2.5
#: Issue 16: the headline card no later than 1.1x the map, every panel within 2x; a ward's details
#: within half a second of choosing it.
CARD_BAR, SETTLED_BAR, DETAILS_BAR = 1.1, 2.0, 0.5
#: Wards chosen in turn for the details' time (those with the most spend, distinct names).
DETAIL_WARDS = 5
#: ms without a new map draw before the page counts as settled (the smoke test shortens it).
QUIET_MS = 500
GRAPH = "#map .js-plotly-plot"

#: Installed in every page: records plotly_afterplot times of the map graph from the start.
_HOOK_JS = """
window.__afterplots = [];
(function hook() {
  const gd = document.querySelector('#map .js-plotly-plot');
  if (gd && typeof gd.on === 'function' && !gd.__benchHooked) {
    gd.__benchHooked = true;
    gd.on('plotly_afterplot', () => window.__afterplots.push(performance.now()));
  }
  if (!gd || !gd.__benchHooked) { setTimeout(hook, 5); }
})();
"""

SETTLED_JS = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const cards = document.querySelector('#cards');
  return window.__afterplots.length > 0 && gd && gd.data && gd.data.length > 0
      && cards && cards.textContent.trim().length > 0
      && document.querySelectorAll('[data-dash-is-loading="true"]').length === 0;
}"""

#: True when the map shows the figure's values: plotly drew them (its calcdata holds them), or
#: the page recoloured the drawn wards in place (assets/map_recolour.js, which updates calcdata
#: too). A page without that script (the naive one) counts every afterplot with new data.
DRAWN_JS = """
window.__mapShows = function (gd) {
  const r = window.anchorMapRecolour;
  return !r || !r.stale(gd);
};
"""

INIT_JS = DRAWN_JS + _HOOK_JS

#: Tick the box labelled `label` in the group `group`; resolve with ms from the click to the first
#: moment the map shows the new values: a plotly_afterplot that drew them (Patch, new figure or
#: restyle alike) or the page's in-place recolour (`anchor_recoloured`); when its answer was in
#: hand and when its request left.
CHANGE_JS = """async ([group, label]) => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const labels = Array.from(document.querySelectorAll('#' + group + ' label'));
  const found = labels.find(l => l.textContent.trim() === label);
  if (!found) {
    throw new Error('no box ' + label + ' in #' + group + ': ' + labels.map(l => l.textContent));
  }
  const box = found.querySelector('input');
  const before = gd.data[0].z;
  performance.clearResourceTimings();
  return await new Promise(resolve => {
    const t0 = window.__changeT0 = performance.now();
    const done = () => {
      if (gd.data[0].z === before || !__mapShows(gd)) { return; }
      const t1 = performance.now();
      gd.removeListener('plotly_afterplot', done);
      gd.removeListener('anchor_recoloured', done);
      // the map's request is the first callback request after the click (the other panels'
      // follow its answer); Resource Timing gives when its answer arrived, however busy the
      // main thread was then
      const calls = performance.getEntriesByType('resource')
        .filter(e => e.name.indexOf('_dash-update-component') >= 0 && e.startTime >= t0)
        .sort((a, b) => a.startTime - b.startTime);
      resolve([t1 - t0, calls.length ? calls[0].responseEnd - t0 : null,
               calls.length ? calls[0].startTime - t0 : null]);
    };
    gd.on('plotly_afterplot', done);
    gd.on('anchor_recoloured', done);
    box.click();
  });
}"""

#: Before a change: watch the headline cards and every panel outside the map. Records when the
#: cards' text first differs from before (`__cardAt`) and the last change of text or elements
#: outside the map (`__lastPanel`), in performance.now() ms.
WATCH_JS = """() => {
  const cards = document.querySelector('#cards');
  const map = document.querySelector('#map');
  const before = cards ? cards.textContent : '';
  window.__cardAt = null;
  window.__lastPanel = null;
  if (window.__panelObs) { window.__panelObs.disconnect(); }
  window.__panelObs = new MutationObserver(records => {
    const now = performance.now();
    for (const r of records) {
      const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (!node || (map && map.contains(node))) { continue; }
      window.__lastPanel = now;
      if (window.__cardAt === null && cards && cards.contains(node)
          && cards.textContent !== before) { window.__cardAt = now; }
    }
  });
  window.__panelObs.observe(document.body, {childList: true, subtree: true,
                                            characterData: true});
}"""

#: After the change has settled: [ms to the cards changed, ms to the last panel change] since the
#: click (null when nothing changed).
WATCHED_JS = """() => {
  if (window.__panelObs) { window.__panelObs.disconnect(); window.__panelObs = null; }
  const t0 = window.__changeT0;
  return [window.__cardAt === null ? null : window.__cardAt - t0,
          window.__lastPanel === null ? null : window.__lastPanel - t0];
}"""

#: Choose ward [code, name] as a choice from the Ward list does (its value set through Dash's
#: own set_props); resolve with ms until the details panel shows that ward (its name as the
#: title) with its spend by anchor, and ms until the state callback's answer was in hand.
DETAILS_JS = """async ([code, name]) => {
  const drill = document.querySelector('#drilldown');
  const shown = () => {
    const title = drill.querySelector('h3');
    return title && title.textContent.trim() === name
        && drill.textContent.indexOf('Spend by anchor') >= 0;
  };
  performance.clearResourceTimings();
  return await new Promise(resolve => {
    const t0 = window.__changeT0 = performance.now();
    const done = () => {
      if (!shown()) { return; }
      const t1 = performance.now();
      obs.disconnect();
      const calls = performance.getEntriesByType('resource')
        .filter(e => e.name.indexOf('_dash-update-component') >= 0 && e.startTime >= t0)
        .sort((a, b) => a.startTime - b.startTime);
      resolve([t1 - t0, calls.length ? calls[0].responseEnd - t0 : null]);
    };
    const obs = new MutationObserver(done);
    obs.observe(drill, {childList: true, subtree: true, characterData: true});
    window.dash_clientside.set_props('ward-select', {value: code});
  });
}"""

#: The floor: plotly.js recolouring the same map with new z, no server involved. Resolves with
#: ms to its plotly_afterplot.
RESTYLE_JS = """async (z) => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const before = gd.data[0].z;
  return await new Promise(resolve => {
    const t0 = window.__changeT0 = performance.now();
    const done = () => {
      if (gd.data[0].z === before) { return; }
      const t1 = performance.now();
      gd.removeListener('plotly_afterplot', done);
      resolve(t1 - t0);
    };
    gd.on('plotly_afterplot', done);
    window.Plotly.restyle(gd, {z: [z]}, [0]);
  });
}"""

#: True once the map has drawn nothing new for `quiet` ms: no plotly_afterplot, and no MapLibre
#: frame (plotly_afterplot fires before MapLibre has tiled and painted the new data, and in
#: software GL one frame of England takes about half a second: without this wait, one change's
#: leftover painting would be counted in the next measurement, page and floor alike).
QUIET_JS = """(quiet) => {
  const a = window.__afterplots;
  const gd = document.querySelector('#map .js-plotly-plot');
  const fl = gd && gd._fullLayout;
  const m = fl && fl.map && fl.map._subplot && fl.map._subplot.map;
  const now = performance.now();
  if (m && !m.__benchHooked) {
    m.__benchHooked = true;
    m.on('render', () => { window.__lastFrame = performance.now(); });
  }
  if (m && !(m.loaded() && m.areTilesLoaded())) {
    window.__lastFrame = now;
    return false;
  }
  const since = Math.max(a.length ? a[a.length - 1] : 0, window.__lastFrame || 0);
  return a.length > 0 && now - since > quiet;
}"""


#: ms from the last change to the map's last frame before it went quiet (read once settled).
PAINTED_JS = "() => Math.max(0, (window.__lastFrame || 0) - window.__changeT0)"


def launch(p):
    return p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)


def gray_flips(n: int) -> list[int]:
    """Which of n boxes to click, one at a time, to visit every on/off combination once from
    all-off (a Gray code): 0, 1, 0, 2, 0, 1, 0 for n = 3."""
    return [((i ^ (i >> 1)) ^ ((i - 1) ^ ((i - 1) >> 1))).bit_length() - 1
            for i in range(1, 2 ** n)]


def click_walk(years: tuple[int, ...], extra: tuple[str, str]) -> list[tuple[str, str]]:
    """(group id, label) clicks: every year combination, then `extra` on, then every year
    combination again: each click a filter state not seen before."""
    walk = [("f-years", _year_label(years[i])) for i in gray_flips(len(years))]
    return walk + [extra] + walk


def _settle(page, timeout: float = 300_000) -> None:
    """Every callback answered, cards and map drawn, and the map quiet for half a second."""
    page.wait_for_function(SETTLED_JS, timeout=timeout, polling=50)
    page.wait_for_function(QUIET_JS, arg=QUIET_MS, timeout=timeout, polling=50)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0",
        timeout=timeout, polling=50)


def _year_label(y: int) -> str:
    from dashboard.engine.periods import fy_label

    return fy_label(y)


def _ward_z(ds, filters) -> list:
    """The z values the page's spend layer shows for `filters`."""
    from dashboard.engine import metrics as m
    from layers import ward_spend

    s = m.summarise(ds, filters)
    return ward_spend.values(ds, s, s.options)["z"]


class Counter:
    """Requests the server saw for the geometry files, and callback response sizes."""

    def __init__(self, app) -> None:
        from flask import request

        self.geometry = 0
        self.callbacks: list[int] = []

        @app.server.before_request
        def _count():
            if "/geometry/" in request.path:
                self.geometry += 1

        @app.server.after_request
        def _size(resp):
            if request.path.endswith("_dash-update-component"):
                self.callbacks.append(len(resp.get_data()))
            return resp


def first_load(browser, url: str, query: str = "") -> dict:
    """Open the page in a fresh context: ms to usable, bytes transferred (as served)."""
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(INIT_JS)
    page = ctx.new_page()
    finished = []
    page.on("requestfinished", lambda r: finished.append(r))
    page.goto(url + "/" + query)
    _settle(page)
    usable_ms = page.evaluate("() => window.__afterplots[0]")
    settled_ms = page.evaluate("() => performance.now()")
    sizes, encodings = [], set()
    for r in finished:
        try:
            s = r.sizes()
            sizes.append((r.url, s["responseBodySize"] + s["responseHeadersSize"]))
            if ".js" in r.url.split("?")[0][-12:]:
                encodings.add(r.response().headers.get("content-encoding") or "uncompressed")
        except Exception:  # noqa: BLE001 - a request without sizes counts as zero
            sizes.append((r.url, 0))
    total = sum(b for _, b in sizes)
    geo = sum(b for u, b in sizes if "/geometry/" in u)
    js = sum(b for u, b in sizes if u.split("?")[0].endswith(".js"))
    return {"ctx": ctx, "page": page, "map_ms": usable_ms, "usable_ms": settled_ms - 300,
            "bytes": total, "geometry_bytes": geo, "requests": len(sizes), "js_bytes": js,
            "js_encoding": ", ".join(sorted(encodings))}


def measure_scale(browser, ds, label: str, *, changes: int | None = None,
                  default_changes: int | None = None, choropleth: bool = True,
                  naive: bool = True, details: int = DETAIL_WARDS) -> tuple[list[Row], dict]:
    """Parts 3 and 4 for one data set (which carries its ward drawing geometry).

    `changes` caps the filter changes per view (15 by default with three years);
    `default_changes` caps those of the default view (its point overlays make each change slow at
    national scale); `details` is how many wards are chosen in turn for the details' time; `choropleth=False` skips the choropleth-only view and the second visit,
    `naive=False` the naive page (the smoke test)."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = _page.create(ds)
    count = Counter(app)
    url, stop = _page.serve(app)
    naive_app = _page.naive_app(ds, ds.meta["geometry"]["wards"]) if naive else None
    naive_url, naive_stop = _page.serve(naive_app) if naive else ("", lambda: None)
    years = tuple(ds.years)
    results: dict = {}
    try:
        # the page as it opens (point overlays on): first load, then filter changes, each
        # followed by the floor (plotly.js recolouring the same map with the same z) in turn
        load = first_load(browser, url)
        results["first_load"] = {k: v for k, v in load.items() if k not in ("ctx", "page")}
        results["geometry_first"] = count.geometry
        walk = click_walk(years, ("f-flags", "SMEs"))[:changes]
        _keep(results, "default", _changes(load["page"], ds, walk[:default_changes]))
        results["details"], results["details_state"] = _details(load["page"], ds, details)
        load["ctx"].close()
        if choropleth:
            # the choropleth alone (no overlays), on states not visited before (influenceable)
            only = first_load(browser, url, "?infl=1&show=")
            _keep(results, "choropleth",
                  _changes(only["page"], ds, walk, start=Filters(influenceable_only=True)))
            results["geometry_after_changes"] = count.geometry
            # a second visit in the same browser: the geometry comes from the HTTP cache
            before = count.geometry
            only["page"].goto(url + "/?show=")
            _settle(only["page"])
            results["geometry_second_visit"] = count.geometry - before
            only["ctx"].close()
        # the naive page in the same browser session, same year clicks
        if not naive:
            return rows_for(label, results), results
        try:
            results["naive"] = _naive_changes(browser, naive_url, walk)
        except Exception as exc:  # noqa: BLE001 - keep the page's own results
            results["naive_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        stop()
        naive_stop()
    return rows_for(label, results), results


def _keep(results: dict, view: str, measured: dict[str, list[float]]) -> None:
    """Store one view's lists as results["<measure>_<view>"]."""
    for key, values in measured.items():
        results[f"{key}_{view}"] = values


def _naive_changes(browser, url: str, walk) -> list[float]:
    """The naive page: the same year clicks, each a full figure rebuild."""
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        ctx.add_init_script(INIT_JS)
        page = ctx.new_page()
        page.goto(url + "/")
        ready = ("() => { const gd = document.querySelector('#map .js-plotly-plot');"
                 " return gd && gd.data && gd.data.length > 0 && gd.data[0].z; }")
        page.wait_for_function(ready, timeout=600_000, polling=50)
        page.wait_for_function(QUIET_JS, arg=2 * QUIET_MS, timeout=600_000, polling=50)
        out = []
        for group, text in walk:
            if group != "f-years":
                continue
            out.append(page.evaluate(CHANGE_JS, ["years", text])[0])
            page.wait_for_function(QUIET_JS, arg=QUIET_MS, timeout=600_000, polling=50)
        return out
    finally:
        ctx.close()


def _changes(page, ds, walk, start=None) -> dict[str, list[float]]:
    """Click through `walk`, then time the floor on the same map for the same states in turn.

    The two run as blocks, not alternately: the floor (plotly's own recolour) resets the fill
    layer the page recolours through, so alternating would make every page change pay the
    one-off cost of a user's first change. Returns lists of ms: "page" and "floor" to the new
    values shown, "page_painted" and "floor_painted" to the map's last frame once quiet, and
    when each change's map request left ("sent") and its answer was in hand ("response"); "card"
    to the headline cards changed and "settled" to every panel settled (at least the map's
    time), with each change's ratio to its own map time ("card_ratio", "settled_ratio")."""
    from dashboard.engine.metrics import Filters as F

    state = start or F()
    out: dict[str, list[float]] = {k: [] for k in (
        "page", "floor", "page_painted", "floor_painted", "response", "sent", "card",
        "card_ratio", "settled", "settled_ratio")}
    states = []
    for group, text in walk:
        page.evaluate(WATCH_JS)
        total, response, sent = page.evaluate(CHANGE_JS, [group, text])
        out["page"].append(total)
        for key, value in (("response", response), ("sent", sent)):
            if value is not None:
                out[key].append(value)
        _settle(page)
        out["page_painted"].append(page.evaluate(PAINTED_JS))
        card, last = page.evaluate(WATCHED_JS)
        if card is not None:   # a change that moves no card figure is left out
            out["card"].append(card)
            out["card_ratio"].append(card / total)
        out["settled"].append(max(total, last or 0.0))
        out["settled_ratio"].append(max(total, last or 0.0) / total)
        state = _after_click(state, ds, group, text)
        states.append(state)
    for state in states[1:] + states[:1]:   # each restyle a change from the map before it
        out["floor"].append(page.evaluate(RESTYLE_JS, _ward_z(ds, state)))
        page.wait_for_function(QUIET_JS, arg=QUIET_MS * 3 // 5, timeout=300_000, polling=50)
        out["floor_painted"].append(page.evaluate(PAINTED_JS))
    return out


def detail_wards(ds, n: int) -> list[tuple[str, str]]:
    """(code, name) of the `n` wards with the most spend whose names no other ward shares."""
    from dashboard.engine import metrics as m

    by_ward = m.summarise(ds).by_ward
    names = by_ward["ward_name"].astype(str)
    unique = ~names.duplicated(keep=False)
    top = by_ward[unique].sort_values("spend", ascending=False).head(n)
    return list(zip(top["ward_code"].astype(str), top["ward_name"].astype(str)))


def _details(page, ds, n: int) -> tuple[list[float], list[float]]:
    """Choose `n` wards in turn (each once the page has settled from the one before): ms from
    the choice to its details shown, and to the state callback's answer in hand."""
    shown, state = [], []
    for code, name in detail_wards(ds, n):
        took, answer = page.evaluate(DETAILS_JS, [code, name])
        shown.append(took)
        if answer is not None:
            state.append(answer)
        _settle(page)
    return shown, state


def _after_click(f, ds, group: str, text: str):
    """The filters after clicking box `text` of `group` (mirrors the page's controls)."""
    from dataclasses import replace

    if group == "f-years":
        year = next(y for y in ds.years if _year_label(y) == text)
        chosen = set(f.years) ^ {year}
        return replace(f, years=tuple(y for y in ds.years if y in chosen))
    if group == "f-flags":
        flag = {"SMEs": "sme", "VCSEs": "vcse"}[text]
        return replace(f, supplier_flags=tuple(sorted(set(f.supplier_flags) ^ {flag})))
    raise ValueError(group)


def rows_for(label: str, r: dict) -> list[Row]:
    med = {k: statistics.median(v) / 1000 for k, v in r.items()
           if isinstance(v, list) and v}
    rows = []
    for key, view, fix in (
            ("choropleth", "choropleth only", FIX_CHOROPLETH),
            ("default", "page as it opens (point overlays on)", FIX_DEFAULT)):
        if f"page_{key}" not in med:
            continue
        ratio, met = bar_at_most(med[f"page_{key}"], med[f"floor_{key}"], FLOOR_BAR)
        rows.append(Row("3 browser", label, f"filter change to new values on the map, {view}",
                        med[f"page_{key}"], "s", med[f"floor_{key}"],
                        "floor: Plotly.restyle z in the page", ratio,
                        f"<= {FLOOR_BAR}x floor", met, fix,
                        f"median of {len(r[f'page_{key}'])} changes"
                        + (f"; the map's request left after {med[f'sent_{key}']:.2f} s, its "
                           f"answer was in hand after {med[f'response_{key}']:.2f} s (one "
                           "callback), the rest is the browser drawing"
                           if f"response_{key}" in med and f"sent_{key}" in med else "")
                        + (f"; naive full rebuild {med['naive']:.2f} s" if "naive" in med
                           else "")))
        if f"page_painted_{key}" in med and f"floor_painted_{key}" in med:
            ratio, _ = bar_at_most(med[f"page_painted_{key}"], med[f"floor_painted_{key}"],
                                   FLOOR_BAR)
            rows.append(Row("3 browser", label, f"filter change to map painted, {view}",
                            med[f"page_painted_{key}"], "s", med[f"floor_painted_{key}"],
                            "floor: Plotly.restyle z, to painted", ratio, "reference", None,
                            "", "to the map's last frame before it went quiet (new colours "
                            "painted, tiles loaded, any repaint the other panels caused), "
                            f"median of {len(r[f'page_painted_{key}'])} changes"))
    rows += panel_rows(label, r, med)
    if "naive_error" in r:
        rows.append(Row("3 browser", label, "naive full rebuild", None, "s", met=False,
                        fix="the naive page did not answer: " + r["naive_error"]))
    if "naive" in med:
        page_key = "page_choropleth" if "page_choropleth" in med else "page_default"
        speed = med["naive"] / med[page_key]
        england = "England" in label
        rows.append(Row(
            "3 browser", label, "naive full rebuild vs page "
            f"({'choropleth only' if page_key == 'page_choropleth' else 'as it opens'})",
            med["naive"], "s", med[page_key], "page", speed,
            f">= {NAIVE_BAR}x (England)" if england else "—",
            (speed >= NAIVE_BAR) if england else None, FIX_NAIVE,
            f"page is {speed:.2f}x faster than naive ({len(r['naive'])} changes); as it opens "
            f"{med['naive'] / med['page_default']:.2f}x"))
    fl = r["first_load"]
    rows.append(Row("4 first load", label, "time to usable page (map drawn, cards filled)",
                    fl["usable_ms"] / 1000, "s", note=f"first map draw at "
                    f"{fl['map_ms'] / 1000:.2f} s; {fl['requests']} requests"))
    rows.append(Row("4 first load", label, "bytes transferred on first load (as served)",
                    fl["bytes"], "B", note=f"of which ward geometry {fl['geometry_bytes'] / 1e6:.2f}"
                    f" MB (gzip) and JavaScript {fl.get('js_bytes', 0) / 1e6:.2f} MB "
                    f"({fl.get('js_encoding') or 'encoding not seen'}; 8.7 MB uncompressed)"))
    if "geometry_second_visit" in r:
        once = (r["geometry_first"] == 1 and r["geometry_after_changes"] == 2
                and r["geometry_second_visit"] == 0)
        rows.append(Row("4 first load", label, "ward geometry: requests on a 2nd visit (fetched "
                        "once per browser, none per change)", r["geometry_second_visit"], "",
                        bar="fetched once, cached", met=once,
                        fix="serve geometry by URL with Cache-Control, never inside a figure",
                        note=f"server saw {r['geometry_first']} on first load, "
                        f"{r['geometry_after_changes']} after {len(r['page_default'])}+"
                        f"{len(r['page_choropleth'])} changes in two fresh browser contexts, "
                        f"{r['geometry_second_visit']} on a 2nd visit"))
    return rows


def panel_rows(label: str, r: dict, med: dict) -> list[Row]:
    """Issue 16's rows: the headline card and every panel against the map's time, per view, and
    a ward chosen to its details shown."""
    rows = []
    for key, view in (("choropleth", "choropleth only"),
                      ("default", "page as it opens (point overlays on)")):
        for what, bar, fix, words in (
                ("card", CARD_BAR, FIX_CARD, "headline card updated"),
                ("settled", SETTLED_BAR, FIX_SETTLED, "every panel settled")):
            if f"{what}_{key}" not in med or f"page_{key}" not in med:
                continue
            ratio, met = bar_at_most(med[f"{what}_{key}"], med[f"page_{key}"], bar)
            per_change = r[f"{what}_ratio_{key}"]
            rows.append(Row("3 browser", label, f"filter change to {words}, {view}",
                            med[f"{what}_{key}"], "s", med[f"page_{key}"],
                            "map: new values shown, same changes", ratio, f"<= {bar}x map", met,
                            fix, f"median of {len(r[f'{what}_{key}'])} changes; per change "
                            f"{min(per_change):.2f}x-{max(per_change):.2f}x the map's own time"))
    if "details" in med:
        d = r["details"]
        rows.append(Row("3 browser", label, "ward chosen to its details shown, page as it opens",
                        med["details"], "s", bar=f"<= {DETAILS_BAR} s",
                        met=med["details"] <= DETAILS_BAR, fix=FIX_DETAILS,
                        note=f"median of {len(d)} wards (most spend), {min(d) / 1000:.2f}-"
                        f"{max(d) / 1000:.2f} s; the state callback's answer (URL, map halo) "
                        f"was in hand after {med.get('details_state', 0):.2f} s, the details "
                        "ask after it (their own callback, on the view state)"))
    return rows


FIX_CARD = (
    "the cards ask the server once the state callback has answered (a second round trip), and "
    "their change lines need the comparison periods' summaries (one more pass over the "
    "transactions each, when not cached): compute the cards in the state callback's answer, or "
    "the current figures first and the change lines after")
FIX_SETTLED = (
    "the panels callback runs after the map's in-place recolour and redraws the ranked chart, "
    "trend and table; what is left is their rendering in the browser")
FIX_DETAILS = (
    "the details ask after the state callback's answer; at England the map's halo redraw "
    "(a plotly redraw of 7,681 wards in software GL) holds the browser's main thread: draw the "
    "halo in place as the recolour does")

FIX_CHOROPLETH = (
    "a change is one round trip (the state callback answers with the URL, the view state and the "
    "base layer's values) and the in-place recolour (assets/map_recolour.js: MapLibre feature "
    "state, hover values, colour bar); the other panels ask after it. What is left is Dash's "
    "handling of the answer and the colour bar's redraw")
FIX_DEFAULT = (
    "as for the choropleth; the point overlays are moved in place too (their circle sources "
    "rebuilt as plotly builds them, plotly's calcdata updated for hover). What is left is the "
    "circles' re-tiling in MapLibre; draw fewer (layers.supplier_points.MAX_POINTS)")
FIX_NAIVE = (
    "plotly.js's own recolour (the floor) is already most of a naive rebuild in software GL: it "
    "re-tiles every polygon on a z change; the page avoids it by recolouring in place")


def main() -> None:
    from playwright.sync_api import sync_playwright

    from benchmarks import synth
    from benchmarks.bench_geometry import chosen_drawing
    from benchmarks.geography import geography

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", default="district")
    p.add_argument("--tx", type=int, default=100_000)
    p.add_argument("--changes", type=int, default=None)
    args = p.parse_args()
    geo = geography(args.scale)
    ds = _page.with_geometry(synth.network(args.tx, geo), chosen_drawing(geo)[0])
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            rows, raw = measure_scale(browser, ds, f"{args.tx:,} tx, {geo.label}",
                                      changes=args.changes)
        finally:
            browser.close()
    print({k: v for k, v in raw.items()})
    print(table(rows))


if __name__ == "__main__":
    main()
