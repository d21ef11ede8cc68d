"""The action plan as rows: what the Plan tab, the command line (`plan`, `whatif`, `leakage`), the
action-plan workbook and the meeting report all show, made once here so they show the same.

Rows are plain dicts: money in integer pence, shares as floats or None, statuses in words. Each
caller only formats them (the page with `dashboard.fmt`, JSON in pounds, the workbook as numbers).
"""
from __future__ import annotations

from dataclasses import dataclass

from dashboard.engine import metrics as m
from dashboard.engine.assessment import Assessment, Framework, network_view
from dashboard.engine.model import Dataset
from dashboard.engine.periods import fy_label
from dashboard.engine.plan import (
    METRIC_LABELS,
    NO_DATA,
    SPEND_METRICS,
    as_float,
    current_year,
    progress,
)
from dashboard.engine.whatif import WhatIf, whatif
from dashboard.ingest.planstore import PlanStore, Scenario, TargetRecord

NETWORK = "Network"


def scope_name(scope: str | None) -> str:
    """How a target's scope is written: the anchor's name, or "Network"."""
    return NETWORK if scope is None else scope


def target_rows(ds: Dataset, records: list[TargetRecord], year: int | None = None) -> list[dict]:
    """One row per target for the plan panel: this year's actual, trajectory, status and gap,
    the change in the actual since the year before, and the year-by-year progress."""
    year = current_year(ds, year)
    rows = []
    for rec in records:
        t = rec.target
        pr = progress(ds, t)
        now = pr.at(year) if year is not None else None
        before = pr.at(year - 1) if year is not None else None
        actual, previous = (as_float(now.actual) if now else None,
                            as_float(before.actual) if before else None)
        rows.append({
            "id": t.id, "metric": t.metric, "metric_label": METRIC_LABELS[t.metric],
            "scope": scope_name(t.scope), "most_deprived": t.most_deprived,
            "reference": t.reference,
            "baseline_year": fy_label(t.baseline_year), "baseline_value": as_float(
                pr.baseline_value),
            "target_year": fy_label(t.target_year), "target_value": t.target_value,
            "owner": t.owner, "note": t.note,
            "year": fy_label(year) if year is not None else None,
            "actual": actual,
            "trajectory": as_float(now.trajectory) if now else None,
            "goal": as_float(now.goal) if now else None,
            "status": now.status if now else NO_DATA,
            "gap_pence": now.gap_pence if now else None,
            "previous_actual": previous,
            "change": None if actual is None or previous is None else actual - previous,
            "set_by": rec.by, "set_at": rec.at, "versions": len(rec.history) + 1,
            "progress": [{"year": r.label, "actual": as_float(r.actual),
                          "trajectory": as_float(r.trajectory), "status": r.status,
                          "gap_pence": r.gap_pence, "numerator": r.numerator,
                          "denominator": r.denominator} for r in pr.years],
        })
    return rows


def scenario_result(ds: Dataset, s: Scenario) -> WhatIf:
    """A saved scenario run on the data: its period and options, every category and anchor it
    names (all when none)."""
    return whatif(ds, m.Filters(years=s.years), m.Options(most_deprived=s.most_deprived,
                                                           reference=s.reference),
                  s.group, categories=s.categories, anchors=s.anchors, fraction=s.fraction,
                  amount=s.amount)


def scenario_rows(ds: Dataset, scenarios: list[Scenario]) -> list[dict]:
    """One row per saved scenario: what it moves and the network's share before and after."""
    rows = []
    for s in scenarios:
        r = scenario_result(ds, s)
        rows.append({
            "id": s.id, "name": s.name, "group": s.group,
            "categories": list(s.categories), "anchors": list(s.anchors),
            "years": [fy_label(y) for y in s.years], "fraction": s.fraction,
            "amount_pence": s.amount, "most_deprived": s.most_deprived,
            "reference": s.reference,
            "share_before": r.network.share_before, "share_after": r.network.share_after,
            "moved": r.network.moved, "movable": r.network.movable,
            "suppliers_in_group": r.suppliers_in_group, "saved_by": s.by, "saved_at": s.at,
        })
    return rows


@dataclass(frozen=True)
class Grid:
    """The anchors x dimensions heat map: per cell the latest level (number and words), the change
    since the anchor's previous assessment; the network median per dimension."""

    framework: Framework
    anchors: tuple[str, ...]
    cells: dict
    medians: dict
    dates: dict

    def rows(self) -> list[dict]:
        """One row per anchor and dimension (for JSON and the workbook)."""
        out = []
        for a in self.anchors:
            for d in self.framework.dimensions:
                c = self.cells[(a, d.key)]
                out.append({"anchor": a, "dimension": d.name, "level": c.level,
                            "level_name": d.level_name(c.level) if c.level else "not assessed",
                            "previous_level": c.previous, "change": c.change,
                            "assessed": c.date.isoformat() if c.date else None})
        return out


def assessment_grid(framework: Framework, assessments: list[Assessment], anchors) -> Grid:
    """The network view of the self-assessments (see `Grid`)."""
    anchors = tuple(anchors)
    cells, medians = network_view(framework, assessments, anchors)
    dates = {a: next((c.date for (x, _), c in cells.items() if x == a and c.date), None)
             for a in anchors}
    return Grid(framework, anchors, cells, medians, dates)


def plan_document(ds: Dataset, store: PlanStore, year: int | None = None) -> dict:
    """Everything of the plan at once (targets, scenarios, assessments), as rows."""
    doc = store.read()
    anchors = list(ds.anchors["name"])
    grid = assessment_grid(store.framework(doc), store.assessments(doc), anchors)
    return {"year": current_year(ds, year),
            "targets": target_rows(ds, store.targets(doc), year),
            "scenarios": scenario_rows(ds, store.scenarios(doc)),
            "grid": grid}


__all__ = ["NETWORK", "SPEND_METRICS", "Grid", "assessment_grid", "plan_document",
           "scenario_result", "scenario_rows", "scope_name", "target_rows"]
