// Builds ../assets/vendor/plotly-maps.min.js: plotly.js (the version plotly.py and Dash ship,
// pinned in package.json) with only the trace types the page draws, from plotly.js's own lib/
// modules (plotly-maps.js), bundled as plotly.js bundles itself (esbuild, IIFE, global Plotly).
//
//   cd assets-src && npm ci && npm run build
//
// The server hands this file to dcc.Graph in place of the full plotly.min.js
// (dashboard/serve/plotly_bundle.py). Reproducible: same package-lock.json, same bytes.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'assets', 'vendor', 'plotly-maps.min.js');
const version = JSON.parse(readFileSync(join(here, 'node_modules', 'plotly.js', 'package.json'))).version;

// maplibre-gl's stylesheet, which plotly.js's registry imports: injected as a <style> when the
// bundle runs, as plotly.js's own build does (esbuild-plugin-inline-css), so no extra file.
const inlineCss = {
    name: 'inline-css',
    setup(b) {
        b.onLoad({ filter: /\.css$/ }, (args) => ({
            loader: 'js',
            contents: `(function(){if(typeof document==='undefined')return;` +
                `var s=document.createElement('style');s.textContent=` +
                `${JSON.stringify(readFileSync(args.path, 'utf8'))};` +
                `document.head.appendChild(s);})();`,
        }));
    },
};

const result = await build({
    entryPoints: [join(here, 'plotly-maps.js')],
    bundle: true,
    format: 'iife',
    globalName: 'Plotly',
    minify: true,
    target: 'es2016',
    define: { global: 'window', 'define.amd': 'false' },
    plugins: [inlineCss],
    banner: { js: `/* plotly.js v${version} (MIT, Plotly, Inc.): partial bundle of bar, ` +
        'choroplethmap and scattermap (scatter is in the core), built by assets-src/build-plotly.mjs */' },
    write: false,
    logLevel: 'warning',
});
const code = result.outputFiles[0].contents;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, code);
const sha = createHash('sha256').update(code).digest('hex').slice(0, 16);
console.log(`${out}: ${code.length} bytes, sha256 ${sha}`);
