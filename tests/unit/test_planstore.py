"""The plan saved with its data set: versions kept, who and when, survives re-imports, bad input
changes nothing."""
from __future__ import annotations

import json
from datetime import date

import pytest

from dashboard.engine.assessment import Assessment, Entry
from dashboard.engine.model import build_dataset
from dashboard.engine.plan import Target
from dashboard.errors import InputError
from dashboard.ingest.planstore import PlanStore, Scenario, default_framework, side_path
from dashboard.ingest.store import load_dataset, save_dataset
from tests import tiny

T = Target("share_most_deprived", 2022, 2025, 0.3, owner="Procurement group")


@pytest.fixture()
def ds(tmp_path):
    return build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS,
                         tiny.WARDS, name="tiny",
                         meta={"folder": str(tmp_path / ".tiny.v20260101T000000-1")})


def test_plan_lives_beside_the_version_folder(ds, tmp_path):
    store = PlanStore.for_dataset(ds)
    assert store.path == tmp_path / ".tiny.plan.json"
    assert store.read()["targets"] == []


def test_targets_keep_every_version_with_who_and_when(ds):
    store = PlanStore.for_dataset(ds)
    tid = store.add_target(ds, T, "alice")
    store.edit_target(ds, tid, Target("share_most_deprived", 2022, 2026, 0.35), "bob")
    (rec,) = store.targets()
    assert (rec.target.id, rec.target.target_year, rec.target.target_value, rec.by) == (
        tid, 2026, 0.35, "bob")
    assert [v["by"] for v in rec.history] == ["alice"]
    assert rec.history[0]["target_value"] == 0.3 and rec.at.endswith("+00:00")
    store.delete_target(tid, "carol")
    assert store.targets() == []
    saved = json.loads(store.path.read_text())["targets"][0]
    assert saved["deleted"]["by"] == "carol" and len(saved["versions"]) == 2


@pytest.mark.parametrize("edit, message", [
    (lambda s, ds: s.add_target(ds, Target("share_most_deprived", 2025, 2022, 0.3), "a"),
     "not after the baseline"),
    (lambda s, ds: s.add_target(ds, Target("share_most_deprived", 2022, 2025, 0.3,
                                           scope="Nobody"), "a"), "'Nobody'"),
    (lambda s, ds: s.add_target(ds, T, ""), "sign in"),
    (lambda s, ds: s.save_scenario(ds, Scenario("x", "local", fraction=1.5), "a"), "between 0"),
    (lambda s, ds: s.save_scenario(ds, Scenario("x", "local", fraction=0.1,
                                                categories=("Cakes",)), "a"), "'Cakes'"),
    (lambda s, ds: s.set_framework({"dimensions": [{"name": "P", "levels": [
        {"level": 1, "name": "a"}, {"level": 3, "name": "c"}]}]}, "a"), "level 2 is missing"),
    (lambda s, ds: s.add_assessment(ds, Assessment("Nobody", date(2025, 1, 1), {
        "procurement": Entry(2)}), "a"), "'Nobody'"),
    (lambda s, ds: s.add_assessment(ds, Assessment("Council", date(2025, 1, 1), {
        "procurement": Entry(9)}), "a"), "not one of 1 to 4"),
    (lambda s, ds: s.edit_target(ds, "t-nope", T, "a"), "no target with id"),
])
def test_bad_input_changes_nothing(ds, edit, message):
    store = PlanStore.for_dataset(ds)
    store.add_target(ds, T, "alice")
    before = store.path.read_bytes()
    with pytest.raises(InputError, match=message):
        edit(store, ds)
    assert store.path.read_bytes() == before


def test_scenarios_framework_and_assessments_round_trip(ds):
    store = PlanStore.for_dataset(ds)
    sid = store.save_scenario(ds, Scenario("Care local", "local", fraction=0.1,
                                           categories=("Care",), years=(2023,)), "alice")
    store.save_scenario(ds, Scenario("Care local", "local", amount=5000), "bob")   # replaces
    (s,) = store.scenarios()
    assert (s.name, s.amount, s.fraction, s.by) == ("Care local", 5000, None, "bob")
    assert s.id != sid
    assert store.framework() == default_framework()
    assert [d.name for d in default_framework().dimensions] == [
        "Progressive procurement", "Fair employment and just labour markets",
        "Socially productive use of land and property",
        "Making financial power work for local places", "Plural ownership of the economy"]
    store.add_assessment(ds, Assessment("Council", date(2025, 3, 1), {
        "procurement": Entry(2, "spend analysed", "set a target", "Head of procurement")}),
        "alice")
    (a,) = store.assessments()
    assert (a.anchor, a.entries["procurement"].level, a.entries["procurement"].owner) == (
        "Council", 2, "Head of procurement")
    own = store.set_framework({"name": "City", "dimensions": [{"key": "p", "name": "Pay",
                               "levels": [{"level": 1, "name": "low"},
                                          {"level": 2, "name": "high"}]}]}, "alice")
    assert store.framework() == own and len(store.read()["frameworks"]) == 1


def test_plan_survives_a_re_import(tmp_path):
    folder = tmp_path / "net"
    ds = build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS,
                       tiny.WARDS, name="tiny")
    save_dataset(ds, folder)
    loaded = load_dataset(folder)
    PlanStore.for_dataset(loaded).add_target(loaded, T, "alice")
    save_dataset(ds, folder)                      # the import swaps the folder
    again = load_dataset(folder)
    assert [r.target.metric for r in PlanStore.for_dataset(again).targets()] == [
        "share_most_deprived"]
    assert side_path(folder) == tmp_path / ".net.plan.json"


def test_a_shipped_plan_is_read_until_the_first_edit(ds, tmp_path):
    folder = tmp_path / ".tiny.v20260101T000000-1"
    folder.mkdir()
    PlanStore(folder / "plan.json").add_target(ds, T, "demo")
    store = PlanStore.for_dataset(ds)
    assert [r.by for r in store.targets()] == ["demo"]
    assert not store.path.exists()
    store.add_target(ds, T, "alice")
    assert [r.by for r in store.targets()] == ["demo", "alice"]
    assert len(json.loads((folder / "plan.json").read_text())["targets"]) == 1


def test_a_data_set_with_no_folder_cannot_be_edited():
    ds = tiny.tiny_dataset()
    store = PlanStore.for_dataset(ds)
    assert not store.editable and store.read()["targets"] == []
    with pytest.raises(InputError, match="not saved"):
        store.add_target(ds, T, "alice")
