/* Zoom the map to a ward chosen from the Ward list or the search box: the state callback sends
   its bounds ([west, south, east, north]) to the map-zoom store. MapLibre computes the camera that
   fits them at the map's real size (as assets/map_fit.js does for the first view) and plotly moves
   there (Plotly.relayout of the map's centre and zoom only: the traces, which the same answer may
   have just patched, are not touched). Plotly records the move as the user's view, so later
   updates keep it (layout.uirevision). */
(function () {
  "use strict";
  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.anchorZoom = {
    zoomTo: function (bounds) {
      var none = window.dash_clientside.no_update;
      var gd = document.querySelector(".map-graph .js-plotly-plot");
      var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
      if (!Array.isArray(bounds) || bounds.length !== 4 || !sub || !sub.map || !window.Plotly) {
        return none;
      }
      var cam = sub.map.cameraForBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]],
                                        {padding: 40});
      if (!cam || !cam.center) { return none; }
      window.Plotly.relayout(gd, {
        "map.center": {lat: +cam.center.lat.toFixed(6), lon: +cam.center.lng.toFixed(6)},
        "map.zoom": +Math.min(cam.zoom, 15).toFixed(3)
      });
      return bounds;
    }
  };
})();
