"""Part 2, bytes per filter change: the map callback's response, gzipped as a server would send it.

    python -m benchmarks.bench_bytes [--scale england] [--tx 1000000]

The callback that draws the map (the page's state callback: control values in, URL, view state and
map out, in one round trip) is posted through the Flask test client exactly as the browser posts
it after a filter control changes (`/_dash-update-component`, the controls as inputs, the previous
view state and what the map draws as state) for a sequence of filter changes; after the first
full figure every change sends only the values that changed (the base layer's `z` and the point
overlays' values, which the page shows in place). The
baseline is a naive callback that rebuilds the whole choropleth figure with its GeoJSON inline
(`_page.naive_figure`). Sizes are gzip level 6 of the body (what the page's compression, or a
reverse proxy, serves; raw sizes are in the note). Bar: the page's response
at most 1/50 of the naive one, for the page as it opens (point overlays on) and for the choropleth
alone. Also reported: every callback a filter change fires, together (cards, table, charts ...).
"""
from __future__ import annotations

import argparse
import statistics

from benchmarks import _page
from benchmarks._util import Row, bar_at_most, gzip_size, table

BAR = 1 / 50


def measure(ds) -> dict:
    """Median gzip and raw bytes per filter change: page map callback (two views), all state
    callbacks together, and the naive full figure."""
    from dashboard.engine import metrics as m
    app = _page.create(ds)
    client = app.server.test_client()
    cbs = _page.state_callbacks(app)
    map_cb = _page.map_callback(app)
    out: dict = {}
    for view, overlays in (("default", None), ("choropleth", ())):
        states = _page.filter_states(ds, overlays)
        first = _page.post(client, map_cb, *_page.map_change(app, states[0], None, None))
        key, previous = _page.built_key(first), states[0]
        out[f"{view}_first"] = (gzip_size(first), len(first))
        sizes, totals, each = [], [], {}
        held: dict = {}      # what the browser holds from the panels' answers (their State)
        if view == "default":
            for cb in cbs.values():
                held |= _page.outputs_of(_page.post(client, cb, {f"{_page.STATE_ID}.data":
                                                                 states[0]}))
        for q in states[1:]:
            body = _page.post(client, map_cb, *_page.map_change(app, q, previous, key))
            key, previous = _page.built_key(body) or key, q
            sizes.append((gzip_size(body), len(body)))
            if view == "default":
                values = {**held, f"{_page.STATE_ID}.data": q}
                bodies = {k: _page.post(client, cb, values) for k, cb in cbs.items()}
                for b in bodies.values():
                    held |= _page.outputs_of(b)
                bodies[map_cb.output] = body
                totals.append((sum(gzip_size(b) for b in bodies.values()),
                               sum(len(b) for b in bodies.values())))
                for k, b in bodies.items():
                    each.setdefault(_short(k), []).append(gzip_size(b))
        out[view] = _medians(sizes)
        if totals:
            out["all_callbacks"] = _medians(totals)
            out["each"] = {k: statistics.median(v) for k, v in each.items()}
    geojson = ds.meta["geometry"]["wards"]
    naive = _page.naive_response(ds, m.summarise(ds, m.Filters(years=(ds.years[-1],))), geojson)
    out["naive"] = (gzip_size(naive), len(naive))
    return out


def _short(output: str) -> str:
    """A callback's name: its first output id ("..grid.rowData@1f...x.y.." -> "grid"), "map"
    for the callback that draws the map, "panels" for the one that fills every other panel."""
    if f"..{_page.MAP_ID}.figure..." in output:
        return _page.MAP_ID
    if "...grid-held.data..." in output:
        return "panels"
    return output.strip(".").split("...")[0].rsplit(".", 1)[0]


def _medians(pairs: list[tuple[int, int]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def rows_for(label: str, r: dict) -> list[Row]:
    naive_gz, naive_raw = r["naive"]
    rows = []
    for view, name, fix in (
            ("choropleth", "map callback per filter change, choropleth only",
             "send z only (rounded to whole pounds), not the halo traces' unchanged values"),
            ("default", "map callback per filter change, page as it opens (point overlays)",
             ("the supplier-points overlay (the 1,000 largest suppliers at most) sends each "
              "circle's visibility, size and amount on every change: more than 1/50 of a naive "
              "choropleth of a few hundred wards. The choropleth alone meets the bar; turn the "
              "overlay off (?show=) or lower layers.supplier_points.MAX_POINTS"))):
        gz, raw = r[view]
        ratio, met = bar_at_most(gz, naive_gz, BAR)
        if view == "choropleth" and naive_gz * BAR < 500:
            fix = (f"not reachable at this size: 1/50 of a {naive_gz / 1e3:.1f} KB naive response "
                   f"is {naive_gz * BAR:.0f} B, less than Dash's response envelope; "
                   "immaterial for a few dozen wards")
        rows.append(Row("2 bytes", label, name, gz, "B", naive_gz, "naive full figure + GeoJSON",
                        ratio, "<= 1/50 naive", met, fix,
                        f"raw {raw / 1e3:,.1f} KB vs naive raw {naive_raw / 1e6:.2f} MB; first "
                        f"(full) map figure {r[view + '_first'][0] / 1e3:,.1f} KB gz"))
    gz, raw = r["all_callbacks"]
    rows.append(Row("2 bytes", label, "every callback of one filter change (map, cards, table, "
                    "charts, drill-down), page as it opens", gz, "B", naive_gz,
                    "naive full figure + GeoJSON", gz / naive_gz,
                    note=f"raw {raw / 1e3:,.1f} KB; largest: " + ", ".join(
                        f"{k} {v / 1e3:,.1f} KB" for k, v in sorted(
                            r["each"].items(), key=lambda kv: -kv[1])[:3])))
    return rows


def main() -> None:
    from benchmarks import synth
    from benchmarks.bench_geometry import chosen_drawing
    from benchmarks.geography import geography

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", default="england")
    p.add_argument("--tx", type=int, default=1_000_000)
    args = p.parse_args()
    geo = geography(args.scale)
    ds = _page.with_geometry(synth.network(args.tx, geo), chosen_drawing(geo)[0])
    print(table(rows_for(f"{args.tx:,} tx, {geo.label}", measure(ds))))


if __name__ == "__main__":
    main()
