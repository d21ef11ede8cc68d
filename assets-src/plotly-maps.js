// plotly.js with only the trace types the page draws (the map's choroplethmap and scattermap,
// the charts' bar and scatter): see build-plotly.mjs.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/choroplethmap'),
    require('plotly.js/lib/scattermap'),
]);

module.exports = Plotly;
