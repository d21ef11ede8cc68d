"""The plan and data sections folded until asked for (layout/folds.py, callbacks/folds.py): the
first layout holds their headings and buttons only, the button brings the body once, the header's
link opens the data sets too, and every callback of the bodies still validates."""
from __future__ import annotations

import json

import pytest

from dashboard.serve.app import create_app
from dashboard.settings import load_settings
from tests.synthetic import synthetic_dataset
from tests.unit.test_plan_page import call, text


@pytest.fixture(scope="module")
def app():
    return create_app(synthetic_dataset(n_suppliers=40, n_tx=300), load_settings(env={}))


def _layout_ids(app) -> set[str]:
    out: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("props", {}).get("id"), str):
                out.add(node["props"]["id"])
            for v in node.get("props", {}).values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    layout = app.server.test_client().get("/_dash-layout").get_data(as_text=True)
    walk(json.loads(layout))
    return out


def test_the_first_layout_holds_the_folds_headings_and_buttons_not_their_bodies(app):
    ids = _layout_ids(app)
    assert {"plan", "plan-h", "plan-open", "plan-body", "data", "data-h", "data-open",
            "data-body", "data-link"} <= ids
    assert not ids & {"plan-tabs", "plan-targets", "upload-spend", "data-sets", "import-h"}


def test_the_button_brings_the_whole_body_and_hides_itself(app):
    client = app.server.test_client()
    out = call(app, client, "plan-body.children", {"plan-open.n_clicks": 1}, "plan-open.n_clicks",
               auth=None)
    assert out["plan-open.hidden"] is True and out["plan-open.aria-expanded"] == "true"
    body = json.dumps(out["plan-body.children"])
    assert '"plan-tabs"' in body and "Self-assessment" in body
    assert "Action plan" not in text(out["plan-body.children"])   # the heading stays outside


def test_the_header_link_opens_the_data_sets_once(app):
    client = app.server.test_client()
    out = call(app, client, "data-body.children", {"data-link.n_clicks": 1}, "data-link.n_clicks",
               auth=None)
    assert '"upload-spend"' in json.dumps(out["data-body.children"])
    again = call(app, client, "data-body.children",
                 {"data-link.n_clicks": 2, "data-open.hidden": True}, "data-link.n_clicks",
                 auth=None)
    assert again == {}      # already open: nothing resent, the forms keep what was typed


def test_callbacks_of_folded_bodies_validate_against_the_validation_layout(app):
    deps = json.loads(app.server.test_client().get("/_dash-dependencies").get_data(as_text=True))
    outputs = " ".join(d["output"] for d in deps)
    assert "plan-targets.children" in outputs and "data-sets.children" in outputs
    validation = json.dumps(app.validation_layout.to_plotly_json(),
                            default=lambda c: c.to_plotly_json())
    assert '"plan-tabs"' in validation and '"upload-spend"' in validation
