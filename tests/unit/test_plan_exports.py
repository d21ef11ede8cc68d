"""The action-plan workbook and the report's plan section."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from dashboard.engine import metrics as m
from dashboard.engine.assessment import Assessment, Entry
from dashboard.engine.model import build_dataset
from dashboard.engine.plan import Target
from dashboard.ingest.planstore import PlanStore, Scenario
from dashboard.output.plan import action_plan_xlsx, report_section
from dashboard.output.printable import esc, report_html
from tests import tiny


@pytest.fixture()
def planned(tmp_path):
    ds = build_dataset(tiny.transactions(), tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS,
                       name="tiny", meta={"folder": str(tmp_path / ".tiny.v20260101T000000-1")})
    store = PlanStore.for_dataset(ds)
    store.add_target(ds, Target("share_most_deprived", 2022, 2025, 0.5, owner="=cmd|evil"),
                     "alice")
    store.save_scenario(ds, Scenario("<b>Works</b>", "most_deprived", fraction=0.5,
                                     categories=("Works",)), "alice")
    store.add_assessment(ds, Assessment("Council", date(2025, 1, 1), {
        "procurement": Entry(3, "strategy", "targets", "Head")}), "alice")
    store.add_assessment(ds, Assessment("Trust", date(2025, 1, 1), {
        "procurement": Entry(2)}), "bob")
    return ds, store


def test_workbook_has_every_part_with_numbers_as_numbers(planned):
    ds, store = planned
    wb = load_workbook(io.BytesIO(action_plan_xlsx(ds, store)))
    assert wb.sheetnames == ["Targets", "Progress", "Scenarios", "Leakage", "Opportunities",
                             "Assessments", "Median levels"]
    rows = list(wb["Targets"].values)
    head = rows.index(next(r for r in rows if r and r[0] == "Scope"))
    t = dict(zip(rows[head], rows[head + 1]))
    assert (t["Scope"], t["Status"], t["Gap £"], t["Owner"]) == ("Network", "off track", 54.38,
                                                                 "'=cmd|evil")
    assert t["Trajectory"] == pytest.approx(5 / 12)
    leak = list(wb["Leakage"].values)
    assert [r[0] for r in leak[leak.index(next(r for r in leak if r and r[0] == "Category")) + 1:]
            ] == ["IT", "Care", "Works"]
    med = list(wb["Median levels"].values)
    assert ("Progressive procurement", 2.5) in med
    sc = list(wb["Scenarios"].values)
    assert any(r and r[0] == "<b>Works</b>" and r[9] == 750.0 for r in sc)


def test_report_section_states_status_in_words_and_escapes_names(planned):
    ds, store = planned
    html = report_section(ds, store, esc)
    assert "<strong>Action plan, 2023/24</strong> (1 target: 1 off track)" in html
    assert "Off track: Network share_most_deprived 39.0% vs 41.7%, gap £54" in html
    assert "&lt;b&gt;Works&lt;/b&gt;, 38.4% to 58.9%" in html and "<b>Works" not in html
    assert "network median (1 to 4): procurement 2.5, employment —" in html
    assert "Action plan" in report_html(ds, m.Filters(), m.Options())


def test_no_plan_no_section():
    ds = tiny.tiny_dataset()
    assert report_section(ds, PlanStore.for_dataset(ds), esc) == ""
    assert "Action plan" not in report_html(ds, m.Filters(), m.Options())
