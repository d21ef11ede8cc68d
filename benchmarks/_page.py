"""The page under benchmark: build it on a benchmark data set, and fire filter changes at it.

Everything here goes through the page's public entry points only:
`dashboard.serve.app.create_app`, its Flask server (`/_dash-update-component`, as the browser posts
it) and the view-state query the page keeps in the URL. The naive baseline of parts 2 and 3 lives
here too: a callback that rebuilds the whole choropleth figure, GeoJSON inline, on every filter
change.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from typing import Any

STATE_ID = "view-state"      # the page's dcc.Store holding the canonical query (dashboard.web.ids)
MAP_ID = "map"
AFTER_MAP_ID = "map-recoloured"   # the panels' second input (dashboard.web.callbacks.map.AFTER_MAP)


def page_available() -> str | None:
    """None when the page can be built, else why not (the benchmark parts 2-5 are skipped)."""
    try:
        from dashboard.serve.app import create_app  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means "no page yet"
        return f"the page is not available ({type(exc).__name__}: {exc})"
    return None


def create(ds, **settings: Any):
    """`dashboard.serve.app.create_app(ds, settings)` with default settings (environment ignored)."""
    from dashboard.serve.app import create_app
    from dashboard.settings import load_settings

    return create_app(ds, load_settings(env={}, **settings))


def with_geometry(ds, wards_geojson: dict):
    """The data set with `wards_geojson` as its drawing geometry (no LSOA layer geometry)."""
    meta = dict(ds.meta)
    meta["geometry"] = {"wards": wards_geojson}
    return replace(ds, meta=meta)


# --------------------------------------------------------------------------- filter changes
def filter_states(ds, overlays: tuple[str, ...] | None = None) -> list[str]:
    """Canonical view-state queries of a sequence of filter changes (each differs from the one
    before it), for the page's default view or with the given overlays."""
    from dashboard.engine.metrics import Filters
    from dashboard.view.state import ViewState, to_query

    years = ds.years
    anchors = tuple(ds.anchors["name"][: max(1, ds.n_anchors // 3)])
    filters = [
        Filters(),
        Filters(years=(years[-1],)),
        Filters(years=(years[-1],), anchors=anchors),
        Filters(years=(years[-2],) if len(years) > 1 else ()),
        Filters(categories=ds.categories[:3]),
        Filters(supplier_flags=("sme",)),
        Filters(influenceable_only=True),
        Filters(years=years[:2]),
    ]
    base = ViewState() if overlays is None else ViewState(overlays=overlays)
    return [to_query(replace(base, filters=f)) or "?" for f in filters]


def many_states(ds, n: int = 72) -> list[str]:
    """`n` distinct filter states (view-state queries), enough to fill the page's Summary cache."""
    from itertools import combinations, product

    from dashboard.engine.metrics import Filters
    from dashboard.view.state import ViewState, to_query

    years = [c for k in range(len(ds.years) + 1) for c in combinations(ds.years, k)]
    flags = [(), ("sme",), ("vcse",), ("sme", "vcse")]
    cats = [()] + [(c,) for c in ds.categories[:4]]
    out = []
    for cat, flag, infl, yrs in product(cats, flags, (False, True), years):
        out.append(to_query(ViewState(filters=Filters(years=yrs, supplier_flags=flag,
                                                      influenceable_only=infl,
                                                      categories=cat))) or "?")
        if len(out) == n:
            break
    return out


@dataclass
class Callback:
    """One callback of the page, as the browser posts it."""

    output: str
    outputs: Any
    inputs: list[dict]
    state: list[dict]

    def payload(self, values: dict[str, Any], changed: list[str] | None = None) -> dict:
        """The request body, with `values` {"id.prop": value} for inputs and state, and the
        inputs that changed (by default the view-state store)."""
        def fill(items):
            return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

        return {"output": self.output, "outputs": self.outputs, "inputs": fill(self.inputs),
                "state": fill(self.state),
                "changedPropIds": changed if changed is not None else [f"{STATE_ID}.data"]}


def _callback(key: str, cb: dict) -> Callback:
    inputs = [{"id": str(i["id"]), "property": i["property"]} for i in cb["inputs"]]
    state = [{"id": str(i["id"]), "property": i["property"]} for i in cb["state"]]
    parts = [p for p in key.strip(".").split("...")]
    outs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]
    return Callback(key, outs if key.startswith("..") else outs[0], inputs, state)


def state_callbacks(app) -> dict[str, Callback]:
    """Every callback that runs when the view state changes, keyed by output string (the map is
    drawn by the state callback itself: `map_callback`)."""
    out = {}
    for key, cb in app.callback_map.items():
        if "callback" not in cb:  # a clientside callback (e.g. the share link): runs in the browser
            continue
        inputs = [{"id": str(i["id"]), "property": i["property"]} for i in cb["inputs"]]
        if not any(i["id"] == STATE_ID and i["property"] == "data" for i in inputs):
            continue
        others = [i for i in inputs if (i["id"], i["property"]) != (STATE_ID, "data")
                  and i["id"] != AFTER_MAP_ID]   # "after the map": never changes
        if others:                # e.g. a download button: needs a click, not a filter change
            continue
        out[key] = _callback(key, cb)
    return out


def map_callback(app) -> Callback:
    """The callback that draws the map: the page's state callback, so that a control change,
    the URL and the map take one round trip."""
    for key, cb in app.callback_map.items():
        if "callback" in cb and f"..{MAP_ID}.figure..." in key:
            return _callback(key, cb)
    raise LookupError("no callback draws the map")


def map_change(app, query: str, previous: str | None, built: Any
               ) -> tuple[dict[str, Any], list[str]]:
    """(values, changed inputs) the browser posts to the map callback when a filter control
    moves the view from `previous` to `query`; a page load (the URL) when `previous` is None."""
    from dashboard.serve.app import context_of
    from dashboard.view.state import controls_from_state
    from dashboard.web.ids import CONTROLS

    base = {"url.search": previous, f"{STATE_ID}.data": previous, "map-built-key.data": built}
    if previous is None:
        return {**base, "url.search": query}, ["url.search"]
    controls = controls_from_state(context_of(app).state(query))
    values = {f"{CONTROLS[k]}.value": v for k, v in controls.items()}
    return {**values, **base}, [f"{CONTROLS['years']}.value"]


def response_of(body: bytes, component: str, prop: str) -> Any:
    """One output's value in a callback's response body (None when absent)."""
    return outputs_of(body).get(f"{component}.{prop}")


def outputs_of(body: bytes) -> dict[str, Any]:
    """{"id.prop": value} of every output in a callback's response body (what the browser then
    holds, and sends back where a callback takes it as State)."""
    try:
        response = json.loads(body)["response"]
    except (KeyError, ValueError, TypeError):
        return {}
    return {f"{component}.{prop}": value for component, props in response.items()
            for prop, value in props.items()}


def post(client, cb: Callback, values: dict[str, Any], changed: list[str] | None = None
         ) -> bytes:
    """POST one callback through the Flask test client; the response body as served."""
    resp = client.post("/_dash-update-component", data=json.dumps(cb.payload(values, changed)),
                       content_type="application/json")
    if resp.status_code not in (200, 204):
        raise RuntimeError(f"{cb.output}: HTTP {resp.status_code} {resp.data[:300]!r}")
    return resp.data


def built_key(body: bytes) -> Any:
    """What the map callback says the browser now draws (its MAP_KEY output), or None."""
    return response_of(body, "map-built-key", "data")


# --------------------------------------------------------------------------- naive baseline
def naive_figure(ds, summary, geojson: dict):
    """The whole choropleth, GeoJSON inline, built as plotly's documentation shows (a
    `go.Figure` of a `go.Choroplethmap`), as a naive callback would return it every time."""
    import numpy as np
    import plotly.graph_objects as go

    fig = go.Figure(go.Choroplethmap(
        geojson=geojson, featureidkey="id", locations=[str(c) for c in ds.wards["code"]],
        z=(summary.by_ward["spend"].to_numpy(np.int64) / 100).tolist(),
        text=[str(n) for n in ds.wards["name"]], colorscale="Cividis_r",
        marker={"line": {"color": "#1f1f1f", "width": 0.8}, "opacity": 0.9},
        hovertemplate="<b>%{text}</b><br>Spend £%{z:,.2f}<extra></extra>",
        colorbar={"title": {"text": "Spend (£)"}, "tickprefix": "£"}))
    fig.update_layout(map={"style": "white-bg", "center": {"lat": 52.8, "lon": -1.6},
                           "zoom": 5.2}, margin={"l": 0, "r": 0, "t": 0, "b": 0},
                      uirevision="naive")
    return fig


def naive_response(ds, summary, geojson: dict) -> bytes:
    """The body Dash serves for the naive callback (plotly's JSON encoder, as Dash uses)."""
    from plotly.io.json import to_json_plotly

    body = {"multi": True, "response": {MAP_ID: {"figure": naive_figure(ds, summary, geojson)}}}
    return to_json_plotly(body).encode()


def naive_app(ds, geojson: dict):
    """A minimal Dash page: year check boxes and the map, fully rebuilt on every change."""
    from dash import Dash, Input, Output, dcc, html

    from dashboard.engine import metrics as m
    app = Dash(__name__, serve_locally=True, compress=False, update_title=None)
    from dashboard.engine.periods import fy_label

    years = [{"label": fy_label(y), "value": y} for y in ds.years]
    app.layout = html.Div([
        dcc.Checklist(id="years", options=years, value=[]),
        dcc.Graph(id=MAP_ID, style={"height": "640px"}, config={"displayModeBar": False}),
    ])

    @app.callback(Output(MAP_ID, "figure"), Input("years", "value"))
    def _map(chosen):
        s = m.summarise(ds, m.Filters(years=tuple(chosen or ())))
        return naive_figure(ds, s, geojson)

    return app


# --------------------------------------------------------------------------- serving
def serve(app) -> tuple[str, Any]:
    """Serve a Dash app's Flask server on a free local port in a daemon thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown
