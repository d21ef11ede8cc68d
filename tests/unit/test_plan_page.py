"""The Plan section's callbacks as the browser posts them (no browser): targets set and shown,
the what-if under the page's filters, leakage, the heat map, and editing refused without sign-in."""
from __future__ import annotations

import base64
import json

import pytest
from werkzeug.security import generate_password_hash

from dashboard.ingest.store import load_dataset, save_dataset
from dashboard.serve.app import create_app
from dashboard.settings import load_settings
from tests.unit.conftest import tiny_with_geometry

AUTH = "Basic " + base64.b64encode(b"alice:secret-words").decode()
VIEWER = "Basic " + base64.b64encode(b"bob:other-words").decode()


def _ids(key: str) -> list[dict]:
    parts = key.strip(".").split("...")
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1].split("@")[0]}
            for p in parts]


def call(app, client, output: str, values: dict, changed: str, *, auth: str | None = AUTH,
         pattern: list | None = None) -> dict:
    """Post the callback whose outputs include `output` with `values` ({"id.prop": value});
    `pattern`: the [values, ids] of a pattern-matching State (the assessment form)."""
    key = next(k for k in app.callback_map if output in k)
    cb = app.callback_map[key]
    outs = _ids(key)

    def fill(items):
        out = []
        for i in items:
            if isinstance(i["id"], dict) or str(i["id"]).startswith("{"):
                prop = i["property"]
                out.append([{"id": json.loads(pid) if isinstance(pid, str) else pid,
                             "property": prop, "value": v}
                            for pid, v in zip(pattern[1], pattern[0 if prop == "value" else 1])])
            else:
                out.append({"id": i["id"], "property": i["property"],
                            "value": values.get(f"{i['id']}.{i['property']}")})
        return out

    payload = {"output": key, "outputs": outs if key.startswith("..") else outs[0],
               "inputs": fill(cb["inputs"]), "state": fill(cb["state"]),
               "changedPropIds": [changed]}
    headers = {"Authorization": auth} if auth else {}
    resp = client.post("/_dash-update-component", data=json.dumps(payload),
                       content_type="application/json", headers=headers)
    assert resp.status_code in (200, 204), resp.data[:300]
    if resp.status_code == 204:
        return {}
    return {f"{c}.{p}": v for c, props in json.loads(resp.data)["response"].items()
            for p, v in props.items()}


def text(component) -> str:
    """All the text in a rendered component tree (JSON form), spaces collapsed."""
    return " ".join(_text(component).split())


def _text(component) -> str:
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list):
        return " ".join(_text(c) for c in component)
    if isinstance(component, dict):
        return _text(component.get("props", {}).get("children") or "")
    return ""


@pytest.fixture()
def app(tmp_path):
    save_dataset(tiny_with_geometry(title="Tiny"), tmp_path / "tiny")
    users = tmp_path / "users"
    # alice is an editor; bob signs in as a viewer (the default role): he may not edit
    users.write_text(f"alice:{generate_password_hash('secret-words')} editor\n"
                     f"bob:{generate_password_hash('other-words')}\n")
    settings = load_settings(env={"ANCHOR_AUTH": "basic", "ANCHOR_AUTH_FILE": str(users)})
    return create_app(load_dataset(tmp_path / "tiny"), settings)


TARGET_FORM = {"plan-target-pick.value": "", "plan-t-metric.value": "share_most_deprived",
               "plan-t-scope.value": "Network", "plan-t-most-deprived.value": 10,
               "plan-t-reference.value": "national", "plan-t-baseline.value": 2022,
               "plan-t-target-year.value": 2025, "plan-t-value.value": 50,
               "plan-t-owner.value": "Procurement group", "plan-t-note.value": "",
               "plan-version.data": 0}


def test_set_a_target_and_see_its_status_in_words(app):
    client = app.server.test_client()
    saved = call(app, client, "plan-t-message.children", TARGET_FORM, "plan-t-save.n_clicks")
    assert "Target saved" in text(saved["plan-t-message.children"])
    assert saved["plan-version.data"] == 1
    new_id = saved["plan-target-pick.value"]
    shown = call(app, client, "plan-targets.children",
                 {"plan-version.data": 1, "plan-target-pick.value": new_id},
                 "plan-version.data")
    table = text(shown["plan-targets.children"])
    assert "✗ off track" in table and "50.0% by 2025/26" in table and "£54" in table
    assert "alice" in table
    progress = text(shown["plan-progress.children"])
    assert "✓ on track" in progress and "– no data" in progress and "£54.38" in progress


def test_bad_target_is_refused_and_nothing_saved(app):
    client = app.server.test_client()
    out = call(app, client, "plan-t-message.children",
               {**TARGET_FORM, "plan-t-target-year.value": 2021}, "plan-t-save.n_clicks")
    assert "is not after the baseline" in text(out["plan-t-message.children"])
    assert "plan-version.data" not in out
    shown = call(app, client, "plan-targets.children", {"plan-version.data": 0},
                 "plan-version.data")
    assert "none yet" in text(shown["plan-targets.children"])


def test_editing_needs_sign_in(tmp_path):
    save_dataset(tiny_with_geometry(title="Tiny"), tmp_path / "tiny")
    app = create_app(load_dataset(tmp_path / "tiny"), load_settings(env={}))
    out = call(app, app.server.test_client(), "plan-t-message.children", TARGET_FORM,
               "plan-t-save.n_clicks", auth=None)
    assert "sign in as an editor" in text(out["plan-t-message.children"])
    assert not (tmp_path / ".tiny.plan.json").exists()


def test_a_viewer_may_not_edit(app):
    out = call(app, app.server.test_client(), "plan-t-message.children", TARGET_FORM,
               "plan-t-save.n_clicks", auth=VIEWER)
    assert "sign in as an editor" in text(out["plan-t-message.children"])
    assert "plan-version.data" not in out


def test_whatif_follows_the_page_filters_and_moves_live(app):
    client = app.server.test_client()
    values = {"view-state.data": "", "plan-w-group.value": "most_deprived",
              "plan-w-categories.value": [], "plan-w-anchors.value": [],
              "plan-w-mode.value": "fraction", "plan-w-fraction.value": 10,
              "plan-w-amount.value": 100000, "plan-tabs.active_tab": "plan-tab-whatif"}
    out = text(call(app, client, "plan-w-result.children", values, "plan-w-fraction.value")[
        "plan-w-result.children"])
    # 1400 of 3650.50 located is 38.4%; moving 10% of 2250.50 -> 1625.05 of 3650.50 = 44.5%
    assert "Before 38.4% after 44.5%" in out and "£225.05 of £2,250.50" in out
    assert "the largest: Dep One Ltd." in out
    amount = text(call(app, client, "plan-w-result.children",
                       {**values, "plan-w-mode.value": "amount", "plan-w-amount.value": 100.01},
                       "plan-w-mode.value")["plan-w-result.children"])
    assert "Moving £100.01" in amount
    bad = text(call(app, client, "plan-w-result.children",
                    {**values, "plan-w-mode.value": "amount", "plan-w-amount.value": -5},
                    "plan-w-amount.value")["plan-w-result.children"])
    assert "zero or more" in bad


def test_hidden_tabs_cost_nothing_on_a_filter_change(app):
    client = app.server.test_client()
    values = {"view-state.data": "?fy=2023", "plan-w-group.value": "most_deprived",
              "plan-w-categories.value": [], "plan-w-anchors.value": [],
              "plan-w-mode.value": "fraction", "plan-w-fraction.value": 10,
              "plan-w-amount.value": 0, "plan-tabs.active_tab": "plan-tab-targets"}
    assert call(app, client, "plan-w-result.children", values, "view-state.data") == {}
    assert call(app, client, "plan-leakage.children",
                {"view-state.data": "?fy=2023", "plan-tabs.active_tab": "plan-tab-targets"},
                "view-state.data") == {}


def test_scenario_saved_and_listed(app):
    client = app.server.test_client()
    values = {"view-state.data": "?fy=2023", "plan-w-name.value": "Works to deprived",
              "plan-w-group.value": "most_deprived", "plan-w-categories.value": ["Works"],
              "plan-w-anchors.value": [], "plan-w-mode.value": "fraction",
              "plan-w-fraction.value": 50, "plan-w-amount.value": None, "plan-version.data": 0}
    out = call(app, client, "plan-w-message.children", values, "plan-w-save.n_clicks")
    assert "saved" in text(out["plan-w-message.children"])
    listed = text(call(app, client, "plan-w-scenarios.children", {"plan-version.data": 1},
                       "plan-version.data")["plan-w-scenarios.children"])
    assert "Works to deprived" in listed and "50% of what could move in Works" in listed
    assert "2023/24" in listed and "alice" in listed
    shown = call(app, client, "plan-w-scenarios.children", {"plan-version.data": 1},
                 "plan-version.data")
    (option,) = shown["plan-w-pick.options"]
    gone = call(app, client, "plan-w-message.children@",  # the delete callback
                {"plan-w-pick.value": option["value"], "plan-version.data": 1},
                "plan-w-delete.n_clicks")
    assert "deleted" in text(gone["plan-w-message.children"])
    assert "none yet" in text(call(app, client, "plan-w-scenarios.children",
                                   {"plan-version.data": 2}, "plan-version.data")[
        "plan-w-scenarios.children"])


def test_leakage_and_opportunities(app):
    out = call(app, app.server.test_client(), "plan-leakage.children",
               {"view-state.data": "?x=20", "plan-l-anchor.value": "Council",
                "plan-tabs.active_tab": "plan-tab-leakage"},
               "plan-l-anchor.value")
    assert text(out["plan-leakage.children"]).index("IT") < text(
        out["plan-leakage.children"]).index("Care")
    assert "Dep Two CIC" in text(out["plan-opportunities.children"])


def test_record_an_assessment_and_see_the_heat_map(app):
    client = app.server.test_client()
    form = call(app, client, "plan-grid.children", {"plan-version.data": 0}, "plan-version.data")
    assert "not assessed" in text(form["plan-grid.children"])
    ids = [{"type": "plan-a-field", "dim": "procurement", "part": p}
           for p in ("level", "evidence", "action", "owner")]
    values = ["3", "A strategy with targets", "Report in June", "Head of procurement"]
    out = call(app, client, "plan-a-message.children",
               {"plan-a-anchor.value": "Council", "plan-a-date.value": "2025-03-31",
                "plan-version.data": 0}, "plan-a-save.n_clicks", pattern=[values, ids])
    assert "saved" in text(out["plan-a-message.children"])
    grid = text(call(app, client, "plan-grid.children", {"plan-version.data": 1},
                     "plan-version.data")["plan-grid.children"])
    assert "3 embedding" in grid and "2025-03-31" in grid
    bad = call(app, client, "plan-a-message.children",
               {"plan-a-anchor.value": "Council", "plan-a-date.value": "31/03/2025",
                "plan-version.data": 1}, "plan-a-save.n_clicks", pattern=[values, ids])
    assert "YYYY-MM-DD" in text(bad["plan-a-message.children"])


def test_the_workbook_downloads(app):
    out = call(app, app.server.test_client(), "plan-download.data",
               {"view-state.data": "", "plan-download-btn.n_clicks": 1},
               "plan-download-btn.n_clicks")
    sent = out["plan-download.data"]
    assert sent["filename"].startswith("anchor-spend-action-plan-") and sent["base64"]
    assert base64.b64decode(sent["content"])[:2] == b"PK"          # an XLSX (zip)


def test_an_amount_that_is_not_money_is_said_so():
    from dashboard.errors import InputError
    from dashboard.web.callbacks.plan import _move

    assert _move("amount", None, 1250.5) == {"amount": 125050}
    assert _move("fraction", 25, None) == {"fraction": 0.25}
    with pytest.raises(InputError, match="not an amount of money"):
        _move("amount", None, 1e20)


def test_load_the_networks_own_framework_or_be_told_what_is_wrong(app):
    client = app.server.test_client()

    def upload(doc) -> dict:
        data = "data:application/json;base64," + base64.b64encode(
            json.dumps(doc).encode()).decode()
        return call(app, client, "plan-a-framework-message.children",
                    {"plan-a-framework.contents": data, "plan-a-framework.filename": "city.json",
                     "plan-version.data": 0}, "plan-a-framework.contents")

    levels = [{"level": 1, "name": "starting"}, {"level": 3, "name": "leading"}]
    bad = upload({"name": "City", "dimensions": [{"name": "Pay", "levels": levels}]})
    assert "city.json: dimension 'Pay' has levels [1, 3]: level 2 is missing" in text(
        bad["plan-a-framework-message.children"]) and "plan-version.data" not in bad
    levels.insert(1, {"level": 2, "name": "growing"})
    good = upload({"name": "City", "dimensions": [{"name": "Pay", "levels": levels}]})
    assert "Framework 'City' loaded: 1 dimension." in text(
        good["plan-a-framework-message.children"])
    grid = text(call(app, client, "plan-grid.children", {"plan-version.data": 1},
                     "plan-version.data")["plan-grid.children"])
    assert "Self-assessment: City" in grid and "Pay" in grid
