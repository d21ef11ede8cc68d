"""`python -m dashboard whatif | leakage | plan` on a saved tiny network (in process)."""
from __future__ import annotations

import json

import pytest

from dashboard.cli import main
from dashboard.engine.model import build_dataset
from dashboard.engine.plan import Target
from dashboard.ingest.planstore import PlanStore, Scenario
from dashboard.ingest.store import load_dataset, save_dataset
from tests import tiny


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("networks")
    ds = build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS,
                       name="tiny", meta={"title": "Tiny network"})
    save_dataset(ds, root / "tiny")
    saved = load_dataset(root / "tiny")
    store = PlanStore.for_dataset(saved)
    store.add_target(saved, Target("share_most_deprived", 2022, 2025, 0.5, owner="Group"), "alice")
    store.save_scenario(saved, Scenario("Works", "most_deprived", fraction=0.5,
                                        categories=("Works",)), "alice")
    return root


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_whatif_json(root, capsys):
    code, out, _ = run(capsys, "whatif", "--data", "tiny", "--root", str(root), "--group",
                       "most_deprived", "--amount", "100.01", "--format", "json")
    assert code == 0
    r = json.loads(out)
    assert (r["moved"], r["movable"], r["suppliers_in_group"]) == (100.01, 2250.50, 1)
    assert r["share_before"] == pytest.approx(1400 / 3650.50)
    assert r["share_after"] == pytest.approx((1400 + 100.01) / 3650.50)
    assert [(a["anchor"], a["moved"]) for a in r["by_anchor"]] == [("Council", 77.79),
                                                                   ("Trust", 22.22)]


def test_whatif_anchor_limits_who_moves_and_table_output(root, capsys):
    code, out, _ = run(capsys, "whatif", "--data", "tiny", "--root", str(root), "--group",
                       "most_deprived", "--fraction", "1", "--anchor", "Trust")
    assert code == 0
    # --anchor is the filter: the shares are of Trust's spend alone (Dep Two 400, Jane Doe 100)
    assert "moved £500.00 of £500.00 movable" in out and "share 0.0% -> 100.0%" in out
    assert "Trust" in out and "Council" not in out


def test_leakage_json(root, capsys):
    code, out, _ = run(capsys, "leakage", "--data", "tiny", "--root", str(root), "--format",
                       "json", "--most-deprived", "20")
    assert code == 0
    r = json.loads(out)
    assert [c["category"] for c in r["categories"]] == ["IT", "Care", "Works"]
    assert r["categories"][0] == {"category": "IT", "located": 250.5, "outside": 250.5,
                                  "leak_share": 1.0, "deprived": 0.0, "deprived_share": 0.0,
                                  "unlocated": 0.0, "local_deprived_suppliers": 0}
    assert r["opportunities"][0] == {"anchor": "Council", "category": "Care",
                                     "suppliers": ["Dep Two CIC"]}


def test_plan_json_and_table(root, capsys):
    code, out, _ = run(capsys, "plan", "--data", "tiny", "--root", str(root), "--format", "json")
    assert code == 0
    r = json.loads(out)
    (t,) = r["targets"]
    assert (r["year"], t["status"], t["gap"], t["set_by"]) == ("2023/24", "off track", 54.38,
                                                              "alice")
    assert t["trajectory"] == pytest.approx(5 / 12)
    assert [p["status"] for p in t["progress"]] == ["on track", "off track", "no data",
                                                    "no data"]
    (s,) = r["scenarios"]
    assert (s["name"], s["moved"], s["movable"]) == ("Works", 750.0, 1500.0)
    assert r["assessments"]["median"]["Progressive procurement"] is None
    code, out, _ = run(capsys, "plan", "--data", "tiny", "--root", str(root), "--year",
                       "2022/23")
    assert code == 0 and "on track" in out and "Works: £750.00" in out


@pytest.mark.parametrize("argv, message", [
    (["whatif", "--group", "local", "--fraction", "1.5"], "between 0 and 1"),
    (["whatif", "--group", "local", "--fraction", "0.1", "--categories", "Cakes"], "'Cakes'"),
    (["whatif", "--group", "local", "--amount", "lots"], "not an amount of money"),
    (["leakage", "--anchor", "Nobody"], "'Nobody'"),
    (["plan", "--year", "2023"], "like 2023/24"),
])
def test_bad_input_exits_2_with_a_message(root, capsys, argv, message):
    code, _, err = run(capsys, *argv, "--data", "tiny", "--root", str(root))
    assert code == 2 and message in err


def test_files_or_data_are_needed(capsys):
    code, _, err = run(capsys, "leakage")
    assert code == 2 and "--spend, --postcodes, --imd" in err


def test_plan_writes_the_workbook(root, capsys, tmp_path):
    out = tmp_path / "plan.xlsx"
    code, _, err = run(capsys, "plan", "--data", "tiny", "--root", str(root), "--xlsx", str(out))
    assert code == 0 and "action plan written" in err
    assert out.read_bytes()[:2] == b"PK"
