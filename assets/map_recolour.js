/* Show a filter change on the drawn map in place, without plotly redrawing it.

   A filter change usually changes two things on the map: the base layer's values (`z`) and the
   point overlays' values (which circles show, their sizes and hover amounts). The server then
   leaves the figure alone and sends those values to the `map-values` store; this script, run as
   a clientside callback of that store, brings the drawn map in step without plotly, which would
   remove and re-add every layer and re-tile every polygon of the geometry to change colours:
     - each ward's new colour goes to MapLibre as feature state, which the fill layer reads first
       (MapLibre repaints from it without touching the geometry; features are numbered, see
       layers/_common.numbered);
     - each point overlay's circles are rebuilt as plotly builds them (its own source, a feature
       per shown point, numbered as plotly numbers them, radius in `mrc`): a few hundred points,
       cheap, where a plotly redraw redoes every layer;
     - plotly's own record of the values (its data and calcdata) is updated, so hover labels say
       the new figures, hidden points do not hover, and a later redraw starts from them;
     - when the colour range follows the values (zauto), the colour bar is redrawn for the new
       range, by itself;
     - a classed layer (spend by ward: its classes follow the values) sends its new colour
       scale and range with the values (`scale`); they are set on the trace first.
   Colours are interpolated in RGB along the trace's colour scale, as plotly does. When the set of
   drawn wards would change (a value appearing or vanishing), or anything is not as expected, the
   values are handed to plotly to draw (Plotly.restyle). Emits `anchor_recoloured` on the graph.
   After any redraw of plotly's own, the colours left in feature state are dropped. */
(function () {
  "use strict";
  var FILL = ["coalesce", ["feature-state", "fc"], ["get", "fc"]];

  function isNum(v) { return typeof v === "number" && isFinite(v); }

  function rgbOf(colour) {
    var s = String(colour).trim();
    var m = /^#([0-9a-f]{6})$/i.exec(s);
    if (m) {
      var n = parseInt(m[1], 16);
      return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    }
    m = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/i.exec(s);
    if (m) { return [+m[1], +m[2], +m[3]]; }
    throw new Error("colour not understood: " + s);
  }

  /* value -> "rgb(r, g, b)" along `scale` ([[position 0..1, colour], ...]) over [lo, hi]. */
  function colourScale(scale, lo, hi) {
    var pos = scale.map(function (s) { return lo + s[0] * (hi - lo); });
    var rgb = scale.map(function (s) { return rgbOf(s[1]); });
    var last = pos.length - 1;
    return function (v) {
      var i = 0;
      if (v <= pos[0]) { i = 0; v = pos[0]; } else if (v >= pos[last]) { i = last - 1; v = pos[last]; }
      else { while (i < last - 1 && v > pos[i + 1]) { i++; } }
      var span = pos[i + 1] - pos[i];
      var t = span > 0 ? (v - pos[i]) / span : 0;
      var a = rgb[i], b = rgb[i + 1];
      return "rgb(" + Math.round(a[0] + (b[0] - a[0]) * t) + ", " +
        Math.round(a[1] + (b[1] - a[1]) * t) + ", " + Math.round(a[2] + (b[2] - a[2]) * t) + ")";
    };
  }

  /* The colour range plotly would use: the trace's own, or the values' extent (widened by half
     either way when all values are equal, as plotly does). */
  function range(trace, z) {
    if (trace.zauto === false && isNum(trace.zmin) && isNum(trace.zmax)) {
      return [trace.zmin, trace.zmax];
    }
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < z.length; i++) {
      if (isNum(z[i])) { if (z[i] < lo) { lo = z[i]; } if (z[i] > hi) { hi = z[i]; } }
    }
    if (!isFinite(lo)) { return null; }
    return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
  }

  /* True when plotly drew other values than the figure holds (it was told nothing changed). */
  function stale(gd) {
    var cd = gd.calcdata && gd.calcdata[0];
    var z = gd.data && gd.data[0] && gd.data[0].z;
    if (!cd || !z || gd.data[0].type !== "choroplethmap") { return false; }
    if (cd.length !== z.length) { return true; }
    for (var i = 0; i < cd.length; i++) {
      if (isNum(z[i]) ? cd[i].z !== z[i] : isNum(cd[i].z)) { return true; }
    }
    return false;
  }

  function recolour(gd) {
    var cd = gd.calcdata[0];
    var z = gd.data[0].z;
    var trace = gd._fullData[0];
    var map = gd._fullLayout.map._subplot.map;
    if (cd.length !== z.length) { throw new Error("values do not match the drawn wards"); }
    for (var i = 0; i < cd.length; i++) {
      if (isNum(z[i]) !== isNum(cd[i].z)) { throw new Error("the drawn wards change"); }
    }
    var r = range(trace, z);
    if (!r) { throw new Error("no values"); }
    var colour = colourScale(trace.colorscale, r[0], r[1]);
    var layer = "plotly-trace-layer-" + trace.uid + "-fill";
    var source = "source-" + trace.uid;
    if (!map.getLayer(layer) || !map.getSource(source)) { throw new Error("no fill layer"); }
    if (JSON.stringify(map.getPaintProperty(layer, "fill-color")) !== JSON.stringify(FILL)) {
      map.setPaintProperty(layer, "fill-color", FILL);
    }
    gd.__anchorRecoloured = {cd: cd, source: source};
    for (i = 0; i < cd.length; i++) {
      if (!isNum(z[i])) { continue; }
      map.setFeatureState({source: source, id: Number(cd[i].loc)}, {fc: colour(z[i])});
      cd[i].z = z[i];
    }
    if (trace.zauto !== false && (trace.zmin !== r[0] || trace.zmax !== r[1])) {
      trace.zmin = trace._zmin = r[0];
      trace.zmax = trace._zmax = r[1];
      // a colour-bar-only restyle: plotly redraws the bar from the range above, nothing else
      return function () {
        return window.Plotly.restyle(gd, {"colorbar.len": trace.colorbar.len}, [0]);
      };
    }
    return null;
  }

  /* Radius in pixels of a marker size, as plotly's bubble size function computes it. */
  function radiusOf(marker) {
    var ref = marker.sizeref || 1, least = marker.sizemin || 0;
    return function (size) {
      var r = marker.sizemode === "area" ? Math.sqrt(size / 2 / ref) : size / 2 / ref;
      return isNum(r) && r > 0 ? Math.max(r, least) : 0;
    };
  }

  /* Move point trace `k` to `props` ({lat, "marker.size", customdata}, any absent unchanged):
     its circle source rebuilt, plotly's data and calcdata updated. Checks everything first. */
  function movePoints(gd, k, props) {
    var trace = gd._fullData[k], input = gd.data[k], cd = gd.calcdata[k];
    if (!trace || !input || !cd || trace.type !== "scattermap" || trace.mode !== "markers") {
      throw new Error("trace " + k + " is not a point overlay");
    }
    var marker = trace.marker;
    if (marker.symbol !== "circle" || Array.isArray(marker.color) ||
        Array.isArray(marker.opacity) || trace.selectedpoints ||
        (trace.cluster && trace.cluster.enabled)) {
      throw new Error("trace " + k + " is not plain circles");
    }
    var lat = props.lat || trace.lat, lon = trace.lon;
    var size = props["marker.size"] || marker.size, custom = props.customdata || trace.customdata;
    var sized = Array.isArray(size);
    if (lat.length !== cd.length || lon.length !== cd.length || (sized && size.length !== cd.length)
        || (custom && custom.length !== cd.length) || sized !== Array.isArray(marker.size)) {
      throw new Error("values do not match the drawn points");
    }
    var map = gd._fullLayout.map._subplot.map;
    var source = map.getSource("source-" + trace.uid + "-circle");
    if (!source) { throw new Error("no circle source"); }
    var radius = radiusOf(marker), features = [];
    for (var i = 0; i < cd.length; i++) {
      var p = cd[i], on = isNum(lon[i]) && isNum(lat[i]);
      p.lonlat = on ? [lon[i], lat[i]] : [undefined, undefined];   // plotly's BADNUM: not hovered
      if (sized) { p.ms = size[i]; p.mrc = radius(size[i]); }
      if (custom) { p.data = custom[i]; }
      if (on) {
        features.push({type: "Feature", id: i + 1, geometry: {type: "Point", coordinates: p.lonlat},
                       properties: sized ? {mrc: p.mrc} : {}});
      }
    }
    input.lat = trace.lat = lat;
    if (sized) { input.marker.size = marker.size = size; }
    if (props.customdata) { input.customdata = trace.customdata = custom; }
    source.setData({type: "FeatureCollection", features: features});
  }

  function warn(err) {
    if (window.console) { window.console.warn("map in place: " + err.message + "; redrawing"); }
  }

  /* Set a classed layer's new colour scale and range ({colorscale, zmin, zmax}) on the trace,
     in the figure Dash holds and in plotly's full data (which the colours are read from). */
  function setScale(gd, scale) {
    var input = gd.data[0], full = gd._fullData && gd._fullData[0];
    if (!full) { throw new Error("no base trace"); }
    ["colorscale", "zmin", "zmax"].forEach(function (k) {
      if (k in scale) { input[k] = full[k] = scale[k]; }
    });
    if ("zmin" in scale) { full._zmin = scale.zmin; }
    if ("zmax" in scale) { full._zmax = scale.zmax; }
    input.zauto = full.zauto = false;
  }

  /* Show `values` ({z, scale, points}) on the map graph `gd`: in place where possible, else
     through plotly (whose own redraw then ends the change). */
  function show(gd, values) {
    var redraw = [], bar = null;
    Object.keys(values.points || {}).forEach(function (key) {
      var props = values.points[key];
      try {
        movePoints(gd, Number(key), props);
      } catch (err) {
        warn(err);
        var update = {};
        Object.keys(props).forEach(function (name) { update[name] = [props[name]]; });
        redraw.push([Number(key), update]);
      }
    });
    if (Array.isArray(values.z)) {
      gd.data[0].z = values.z;
      try {
        if (values.scale) { setScale(gd, values.scale); }
        bar = recolour(gd);
      } catch (err) {
        warn(err);
        var base = {z: [values.z]};
        if (values.scale) {
          Object.keys(values.scale).forEach(function (k) {
            base[k] = k === "colorscale" ? [values.scale[k]] : values.scale[k];
          });
        }
        redraw.push([0, base]);
      }
    }
    if (redraw.length) {
      redraw.reduce(function (done, r) {
        return done.then(function () { return window.Plotly.restyle(gd, r[1], [r[0]]); });
      }, Promise.resolve());
      return;
    }
    // outside the try: an error in another listener of the colour bar's redraw is not ours
    Promise.resolve(bar && bar()).then(function () { gd.emit("anchor_recoloured"); });
  }

  /* After plotly has redrawn the values itself, colours left in feature state are stale. */
  function forget(gd) {
    var mark = gd.__anchorRecoloured;
    if (!mark || (gd.calcdata && gd.calcdata[0] === mark.cd)) { return; }
    gd.__anchorRecoloured = null;
    var sub = gd._fullLayout.map && gd._fullLayout.map._subplot;
    if (sub && sub.map && sub.map.getSource(mark.source)) {
      sub.map.removeFeatureState({source: mark.source});
    }
  }

  function hook() {
    document.querySelectorAll(".map-graph .js-plotly-plot").forEach(function (gd) {
      if (gd.__anchorRecolourHooked || typeof gd.on !== "function") { return; }
      gd.__anchorRecolourHooked = true;
      gd.on("plotly_afterplot", function () { forget(gd); });
    });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.anchorMap = {
    /* Clientside callback: `values` ({z, points}) from the server. Setting the values plotly
       holds also keeps the figure Dash holds in step (the same objects); a later Patch always
       carries them. */
    recolour: function (values) {
      var none = window.dash_clientside.no_update;
      var gd = document.querySelector(".map-graph .js-plotly-plot");
      if (!values || typeof values !== "object" || !gd || !gd.calcdata || !gd.data) { return none; }
      show(gd, values);
      return none;
    }
  };
  window.anchorMapRecolour = {stale: stale};   // read by the benchmark and the tests
  window.setInterval(hook, 200);
})();
