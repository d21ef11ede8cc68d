"""The map changed in place (assets/map_recolour.js): a filter change that moves only the base
layer's values and the point overlays' values is drawn without plotly recalculating, and must
look and read exactly as if plotly had drawn it: the same colours, circles, hover figures and
colour bar."""
from __future__ import annotations

import pytest

from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters
from tests.browser.conftest import FALLBACK, assert_clean
from tests.browser.helpers import goto, map_point, settle, tick, ward_centre

pytestmark = pytest.mark.browser

#: What the map shows: each drawn ward's colour (feature state first, as the fill layer reads it,
#: else plotly's own), the values plotly's hover reads, the classes' colour scale and range
#: (plotly's own record, which it draws from; the page's key shows the classes, no colour bar).
SHOWN_JS = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const t = gd._fullData[0], m = gd._fullLayout.map._subplot.map, src = 'source-' + t.uid;
  const own = {};
  m.getStyle().sources[src].data.features.forEach(f => { own[f.id] = f.properties.fc; });
  const paint = JSON.stringify(m.getPaintProperty('plotly-trace-layer-' + t.uid + '-fill',
                                                  'fill-color'));
  const readsState = paint.indexOf('feature-state') >= 0;
  const colours = {};
  gd.calcdata[0].forEach(p => {
    if (p.z === undefined) { return; }
    const state = m.getFeatureState({source: src, id: Number(p.loc)}).fc;
    colours[p.loc] = readsState && state ? state : own[p.loc];
  });
  return {colours: colours, hover: gd.calcdata[0].map(p => p.z === undefined ? null : p.z),
          scale: JSON.stringify([t.colorscale, t.zmin, t.zmax]),
          readsState: readsState, sameCalc: gd.calcdata[0] === window.__calcMark};
}"""

MARK_JS = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  window.__calcMark = gd.calcdata[0];
}"""

SHOWS_FIGURE_JS = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  return gd.__anchorRecolourHooked && !window.anchorMapRecolour.stale(gd);
}"""

#: Let plotly draw the figure's values itself (a new data revision forces its recalculation).
PLOTLY_DRAWS_JS = """async () => {
  const gd = document.querySelector('#map .js-plotly-plot');
  await window.Plotly.react(gd, gd.data, Object.assign({}, gd.layout, {datarevision: 'test'}));
}"""


def _shown(page) -> dict:
    page.wait_for_function(SHOWS_FIGURE_JS, timeout=15000)
    page.wait_for_timeout(150)
    return page.evaluate(SHOWN_JS)


def _recoloured(page, live, year: str) -> dict:
    """Open the choropleth alone, tick one year, and return what the map then shows."""
    goto(page, live.url + "/?show=")
    page.wait_for_function(SHOWS_FIGURE_JS, timeout=15000)
    tick(page, "f-years", year)
    settle(page)
    return _shown(page)


#: The supplier circles as drawn (MapLibre's source) and as plotly's hover reads them (calcdata).
POINTS_JS = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const t = gd._fullData[3], m = gd._fullLayout.map._subplot.map;
  const features = m.getStyle().sources['source-' + t.uid + '-circle'].data.features;
  return {features: features.map(f => [f.id, f.geometry.coordinates, f.properties]),
          hover: gd.calcdata[3].map(p => [p.lonlat[0] === undefined ? null : p.lonlat,
                                          p.lonlat[0] === undefined ? null : p.mrc, p.data]),
          sameCalc: gd.calcdata[3] === window.__pointsMark};
}"""

MARK_POINTS_JS = """() => {
  window.__pointsMark = document.querySelector('#map .js-plotly-plot').calcdata[3];
}"""


def _hover_label(page, x: float, y: float) -> str:
    """The map's hover label with the mouse at page point (x, y)."""
    for d in (-3, 0):                    # MapLibre reports hover on movement over the canvas
        page.mouse.move(x + d, y + d)
        page.wait_for_timeout(150)
    page.wait_for_function("() => document.querySelector('#map .hoverlayer') && "
                           "document.querySelector('#map .hoverlayer').textContent.length > 0",
                           timeout=5000)
    return page.evaluate("() => document.querySelector('#map .hoverlayer').textContent")


def _spend(live, filters: Filters) -> list[float]:
    return [v / 100 for v in m.summarise(live.ds, filters).by_ward["spend"].tolist()]


def test_year_change_recolours_in_place_exactly_as_plotly_would(page, live):
    goto(page, live.url + "/?show=")
    page.wait_for_function(SHOWS_FIGURE_JS, timeout=15000)
    page.evaluate(MARK_JS)
    before = page.evaluate(SHOWN_JS)
    tick(page, "f-years", "2022/23")
    settle(page)
    ours = _shown(page)
    assert ours["sameCalc"] and ours["readsState"]    # drawn in place: plotly did not recompute
    assert ours["hover"] == pytest.approx(_spend(live, Filters(years=(2022,))))
    assert ours["colours"] != before["colours"]
    page.evaluate(PLOTLY_DRAWS_JS)
    theirs = _shown(page)
    assert not theirs["sameCalc"]
    assert ours["colours"] == theirs["colours"]       # colour for colour, as plotly draws them
    assert ours["hover"] == theirs["hover"]
    assert ours["scale"] == theirs["scale"] != before["scale"]   # the classes follow the values
    assert_clean(page)


def test_hover_reads_the_new_figures_after_an_in_place_recolour(page, live):
    shown = _recoloured(page, live, "2023/24")
    code = str(live.ds.wards["code"].iloc[0])
    spend = _spend(live, Filters(years=(2023,)))[0]
    assert shown["hover"][0] == pytest.approx(spend)
    page.locator("#map").scroll_into_view_if_needed()
    x, y = map_point(page, *ward_centre(live.ds, code))
    label = _hover_label(page, x, y)
    assert f"£{spend:,.2f}" in label
    assert_clean(page)


def test_plotly_redraws_take_over_from_an_in_place_recolour(page, live):
    """A selection after a recolour is plotly's to draw: its colours then show, none left over."""
    assert _recoloured(page, live, "2022/23")["readsState"]
    code = str(live.ds.wards["code"].iloc[1])
    page.evaluate(MARK_JS)
    page.locator("#map").scroll_into_view_if_needed()
    page.mouse.click(*map_point(page, *ward_centre(live.ds, code)))
    page.wait_for_url(f"**ward={code}**", timeout=15000)
    settle(page)
    shown = _shown(page)
    assert not shown["sameCalc"] and not shown["readsState"]
    assert shown["hover"] == pytest.approx(_spend(live, Filters(years=(2022,))))
    assert_clean(page)


def test_a_change_in_which_wards_are_drawn_falls_back_to_plotly(page, live):
    """In-place recolouring cannot add or remove a ward: the map is redrawn by plotly instead."""
    goto(page, live.url + "/?show=")
    page.wait_for_function(SHOWS_FIGURE_JS, timeout=15000)
    page.evaluate(MARK_JS)
    page.evaluate("""() => {
      const gd = document.querySelector('#map .js-plotly-plot');
      const z = [null].concat(gd.data[0].z.slice(1));     // the first ward loses its value
      window.dash_clientside.anchorMap.recolour({z: z});
    }""")
    shown = _shown(page)
    assert not shown["sameCalc"] and shown["hover"][0] is None
    assert "0" not in shown["colours"]


#: The shown supplier circle farthest from any other (its hover cannot be another's), as
#: [x, y on the page, name, amount].
LONELY_POINT_JS = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const m = gd._fullLayout.map._subplot.map, r = m.getCanvas().getBoundingClientRect();
  const shown = gd.calcdata[3].map((p, i) => [i, p.lonlat]).filter(q => q[1][0] !== undefined)
    .map(q => [q[0], m.project(q[1])]).filter(q => q[1].x > 20 && q[1].y > 20 &&
                                                   q[1].x < r.width - 20 && q[1].y < r.height - 20);
  let best = null, far = -1;
  shown.forEach(a => {
    let near = Infinity;
    shown.forEach(b => { if (a !== b) { near = Math.min(near, Math.hypot(a[1].x - b[1].x,
                                                                         a[1].y - b[1].y)); } });
    if (near > far) { far = near; best = a; }
  });
  const t = gd._fullData[3];
  return [r.left + best[1].x, r.top + best[1].y, t.hovertext[best[0]], t.customdata[best[0]]];
}"""


def test_year_change_moves_the_supplier_circles_in_place_exactly_as_plotly_would(page, live):
    goto(page, live.url + "/")
    page.wait_for_function(SHOWS_FIGURE_JS, timeout=15000)
    page.evaluate(MARK_POINTS_JS)
    page.evaluate(MARK_JS)
    before = page.evaluate(POINTS_JS)
    tick(page, "f-years", "2023/24")
    settle(page)
    ours = _shown(page)
    points = page.evaluate(POINTS_JS)
    assert ours["sameCalc"] and ours["readsState"] and points["sameCalc"]   # all in place
    assert points["features"] != before["features"]
    hidden = sum(h[0] is None for h in points["hover"])
    assert hidden > 0 and hidden == len(points["hover"]) - len(points["features"])
    page.evaluate(PLOTLY_DRAWS_JS)
    _shown(page)
    theirs = page.evaluate(POINTS_JS)
    assert not theirs["sameCalc"]
    assert points["features"] == theirs["features"]    # circle for circle, as plotly builds them
    assert points["hover"] == theirs["hover"]          # shown, radius and amount of every point
    assert_clean(page)


def test_hover_on_a_moved_supplier_circle_reads_its_new_amount(page, live):
    goto(page, live.url + "/")
    page.evaluate(MARK_POINTS_JS)
    tick(page, "f-years", "2023/24")
    settle(page)
    _shown(page)
    assert page.evaluate(POINTS_JS)["sameCalc"]       # moved in place
    page.locator("#map").scroll_into_view_if_needed()
    x, y, name, amount = page.evaluate(LONELY_POINT_JS)
    label = _hover_label(page, x, y)
    summary = m.summarise(live.ds, Filters(years=(2023,)))
    row = live.ds.suppliers["display_name"].tolist().index(name)
    assert amount == round(summary.sup_spend[row] / 100)
    assert name in label and f"£{amount:,}" in label
    assert_clean(page)


def test_points_that_cannot_move_in_place_are_drawn_by_plotly(page, live):
    """If plotly's circle source is not where the page expects it (plotly internals changed),
    the new point values are handed to plotly, and the map still shows them."""
    goto(page, live.url + "/")
    page.wait_for_function(SHOWS_FIGURE_JS, timeout=15000)
    page.evaluate(MARK_POINTS_JS)
    page.evaluate("""() => {
      const gd = document.querySelector('#map .js-plotly-plot');
      const m = gd._fullLayout.map._subplot.map, own = m.getSource.bind(m);
      m.getSource = id => id.endsWith('-circle') ? undefined : own(id);   // a renamed source
      const lat = gd.data[3].lat.map((y, i) => i === 0 ? null : y);      // hide the first
      window.dash_clientside.anchorMap.recolour({points: {'3': {lat: lat}}});
      delete m.getSource;             // plotly's own redraw (a moment later) finds its sources
    }""")
    page.wait_for_function("() => document.querySelector('#map .js-plotly-plot').calcdata[3] "
                           "!== window.__pointsMark", timeout=15000)
    page.wait_for_timeout(300)
    points = page.evaluate(POINTS_JS)
    assert points["hover"][0][0] is None                 # plotly redrew it: the first is hidden
    assert 1 not in [f[0] for f in points["features"]]
    fell_back = [e for e in page.watch.errors if FALLBACK in e]
    assert fell_back, "the fallback was not reported (tests/browser/conftest.py counts it)"
    page.watch.errors[:] = [e for e in page.watch.errors if FALLBACK not in e]   # expected here
    assert_clean(page)
