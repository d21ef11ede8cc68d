/* Fit the map to the area's bounds at its real on-screen size, once per page load.
   The server cannot know the map's pixel size, so it sends a guessed centre/zoom plus the area's
   bounds in layout.meta ({fit: [w, s, e, n], view: [lat, lon, zoom]}). After plotly draws, this asks
   MapLibre for the camera that fits the bounds and writes it back into the Dash figure with
   dash_clientside.set_props (no server round trip), so later Patches keep the fitted view.
   A view the user has moved (plotly keeps it through layout.uirevision) is never overridden. */
(function () {
  "use strict";
  var EPS = 1e-6;

  function near(a, b) { return typeof a === "number" && Math.abs(a - b) < EPS; }

  function fit(gd) {
    var layout = gd.layout || {};
    var meta = layout.meta || {};
    var map = layout.map || {};
    var sub = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    if (!meta.fit || !meta.view || !sub || !sub.map || !window.dash_clientside) { return; }
    var c = map.center || {};
    if (!(near(c.lat, meta.view[0]) && near(c.lon, meta.view[1]) && near(map.zoom, meta.view[2]))) {
      return;  // already fitted, or the user's own view
    }
    var b = meta.fit;
    var cam = sub.map.cameraForBounds([[b[0], b[1]], [b[2], b[3]]], {padding: 16});
    if (!cam || !cam.center) { return; }
    var centre = {lat: +cam.center.lat.toFixed(6), lon: +cam.center.lng.toFixed(6)};
    var zoom = +Math.min(cam.zoom, 16).toFixed(3);
    var newMap = Object.assign({}, map, {center: centre, zoom: zoom});
    var graph = gd.closest(".dash-graph");
    if (!graph || !graph.id) { return; }
    window.dash_clientside.set_props(graph.id, {
      figure: {data: gd.data, layout: Object.assign({}, layout, {map: newMap})}
    });
  }

  function hook() {
    document.querySelectorAll(".map-graph .js-plotly-plot").forEach(function (gd) {
      if (gd.__anchorFitHooked || typeof gd.on !== "function") { return; }
      gd.__anchorFitHooked = true;
      gd.on("plotly_afterplot", function () { fit(gd); });
      fit(gd);
    });
  }

  window.setInterval(hook, 400);
})();
