"""The embedded demo carries a plausible plan: targets in every status, two scenarios, an
assessment for each anchor; the shipped file is what `demo_plan` makes."""
from __future__ import annotations

from dashboard.engine.plan import progress
from dashboard.ingest.demo import DEFAULT_OUT, demo_plan
from dashboard.ingest.planstore import SHIPPED, PlanStore
from dashboard.ingest.store import load_dataset
from dashboard.view.plan import assessment_grid


def test_demo_plan_is_shipped_and_shows_every_status(tmp_path):
    ds = load_dataset(DEFAULT_OUT)
    store = PlanStore(None, DEFAULT_OUT / SHIPPED)
    targets = store.targets()
    assert len(targets) == 5
    latest = ds.years[-1]
    statuses = {progress(ds, r.target).at(latest).status for r in targets}
    assert statuses == {"on track", "close", "off track"}
    assert len(store.scenarios()) == 2
    grid = assessment_grid(store.framework(), store.assessments(), ds.anchors["name"])
    assert all(grid.dates[a] is not None for a in grid.anchors)
    assert any(c.change for c in grid.cells.values())        # some anchors assessed twice
    again = demo_plan(ds, tmp_path / "plan.json")
    assert again.read_bytes() == (DEFAULT_OUT / SHIPPED).read_bytes()
