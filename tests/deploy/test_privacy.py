"""Privacy: individuals among the suppliers are never shown by name or as a point, in any
callback answer (map, cards, table, drill-down of every ward and anchor, trend) or download."""
from __future__ import annotations

import base64

import numpy as np
import pytest

from dashboard.engine.model import YES
from dashboard.serve.app import create_app
from dashboard.settings import load_settings
from tests.synthetic import synthetic_dataset

MARK = "Privatus Person"


@pytest.fixture(scope="module")
def world():
    ds = synthetic_dataset()
    sup = ds.suppliers
    ind = np.flatnonzero(sup["individual"].to_numpy() == YES)
    assert len(ind) >= 5
    names = sup["name"].to_numpy(object).copy()
    for k, i in enumerate(ind):
        names[i] = f"{MARK} {k:03d}"     # a name that must never leave the server
    sup["name"] = names
    def spots(frame):
        frame = frame[frame["lat"].notna()]
        return {(round(float(a), 4), round(float(b), 4)) for a, b in zip(frame["lat"],
                                                                         frame["lon"])}

    is_person = sup["individual"].to_numpy() == YES
    # places where only individuals are (a shared placeholder location is not theirs alone)
    points = spots(sup[is_person]) - spots(sup[~is_person])
    app = create_app(ds, load_settings(env={}))
    return ds, app.server.test_client(), points


def call(client, deps, output_part: str, values: dict, changed: list[str]):
    dep = next(d for d in deps if output_part in d["output"])
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1)))
               for o in dep["output"].strip(".").split("...")]

    def item(spec):
        key = f"{spec['id']}.{spec['property']}"
        return {"id": spec["id"], "property": spec["property"],
                **({"value": values[key]} if key in values else {})}

    r = client.post("/_dash-update-component", json={
        "output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [item(i) for i in dep["inputs"]], "state": [item(s) for s in dep["state"]],
        "changedPropIds": changed})
    assert r.status_code in (200, 204), r.text[:300]
    return r


def coordinates(obj) -> set[tuple[float, float]]:
    """Every (lat, lon) pair in the traces of a figure found anywhere in `obj`."""
    found = set()
    if isinstance(obj, dict):
        if isinstance(obj.get("lat"), list) and isinstance(obj.get("lon"), list):
            found |= {(round(float(a), 4), round(float(b), 4))
                      for a, b in zip(obj["lat"], obj["lon"]) if a is not None and b is not None}
        for v in obj.values():
            found |= coordinates(v)
    elif isinstance(obj, list):
        for v in obj:
            found |= coordinates(v)
    return found


def test_prv001_individuals_never_named_or_drawn_anywhere(world):
    ds, client, private_points = world
    deps = client.get("/_dash-dependencies").json
    states = ["", "show=suppliers,anchors", "layer=ward_rank&show=suppliers", "x=30&ref=local"]
    states += [f"ward={w}&show=suppliers" for w in ds.wards["code"]]
    states += [f"detail={a}" for a in ds.anchors["name"]]
    bodies, drawn = [], set()
    for state in states:
        for part in ("map.figure", "map-legend.children", "cards.children", "drilldown.children",
                     "grid-values.data", "trend.figure"):
            if part == "map.figure":   # drawn by the state callback, from the URL
                r = call(client, deps, part, {"url.search": state}, ["url.search"])
            else:
                r = call(client, deps, part, {"view-state.data": state}, ["view-state.data"])
            bodies.append(r.get_data(as_text=True))
            if part == "map.figure" and r.status_code == 200:
                drawn |= coordinates(r.json)
        for button in ("download-table", "download-suppliers"):
            r = call(client, deps, "download.data", {f"{button}.n_clicks": 1,
                                                     "view-state.data": state},
                     [f"{button}.n_clicks"])
            data = r.json["response"]["download"]["data"]
            content = data["content"]
            bodies.append(base64.b64decode(content).decode("utf-8-sig")
                          if data.get("base64") else content)
    text = "\n".join(bodies)
    assert MARK not in text, "an individual's name left the server"
    assert drawn, "the supplier overlay drew no point at all: the check would be empty"
    assert not (drawn & private_points), "an individual was drawn as a point"
    assert "Supplier 010 Ltd" in text      # other suppliers are named
