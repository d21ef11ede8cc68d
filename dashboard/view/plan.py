"""The action plan as rows: what the Plan tab, the command line (`plan`, `whatif`, `leakage`), the
action-plan workbook and the meeting report all show, made once here so they show the same.

Rows are plain dicts: money in integer pence, shares as floats or None, statuses in words. Each
caller only formats them (the page with `dashboard.fmt`, JSON in pounds, the workbook as numbers).
"""
from __future__ import annotations

from dataclasses import dataclass

from dashboard import fmt
from dashboard.engine import metrics as m
from dashboard.engine.assessment import Assessment, Framework, network_view
from dashboard.engine.groups import GROUP_LABELS
from dashboard.engine.leakage import Leakage
from dashboard.engine.model import Dataset
from dashboard.engine.periods import fy_label
from dashboard.engine.plan import (
    METRIC_LABELS,
    NO_DATA,
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



# --------------------------------------------------------------------------- the page
#: A mark beside each status word, so that status is never told by colour alone.
STATUS_MARKS = {"on track": "✓", "close": "≈", "off track": "✗", "no data": "–"}


def status_text(status: str) -> str:
    """A status as the page writes it: mark and words ("✗ off track")."""
    return f"{STATUS_MARKS.get(status, '')} {status}".strip()


def target_cells(row: dict) -> dict:
    """One target row of the plan panel, written out (see `target_rows`)."""
    change = row["change"]
    return {
        "id": row["id"], "scope": row["scope"], "metric": row["metric_label"],
        "target": f"{fmt.share(row['target_value'])} by {row['target_year']}",
        "baseline": f"{fmt.share(row['baseline_value'])} in {row['baseline_year']}",
        "year": row["year"] or "—", "actual": fmt.share(row["actual"]),
        "trajectory": fmt.share(row["trajectory"]), "status": status_text(row["status"]),
        "status_key": row["status"].replace(" ", "-"),
        "gap": fmt.money(row["gap_pence"], compact=True),
        "change": "—" if change is None else fmt.points(change),
        "owner": row["owner"] or "—", "set": f"{row['set_by']}, {row['set_at'][:10]}"
        + (f" (version {row['versions']})" if row["versions"] > 1 else ""),
    }


def progress_cells(row: dict) -> list[dict]:
    """A target's year-by-year progress, written out."""
    return [{"year": p["year"], "actual": fmt.share(p["actual"]),
             "trajectory": fmt.share(p["trajectory"]), "status": status_text(p["status"]),
             "status_key": p["status"].replace(" ", "-"), "gap": fmt.money(p["gap_pence"])}
            for p in row["progress"]]


def whatif_view(r: WhatIf) -> dict:
    """A what-if's answer, written out: the headline before and after, what moved, the suppliers
    already in the group, and one row per anchor."""
    n = r.network
    change = (None if n.share_before is None or n.share_after is None
              else n.share_after - n.share_before)
    group = GROUP_LABELS[r.group]
    return {
        "before": fmt.share(n.share_before), "after": fmt.share(n.share_after),
        "change": "—" if change is None else fmt.points(change),
        "sentence": (f"Moving {fmt.money(n.moved)} of {fmt.money(n.movable)} that could move "
                     f"takes the share of spend with {group} from {fmt.share(n.share_before)} "
                     f"to {fmt.share(n.share_after)}."),
        "suppliers": (f"{r.suppliers_in_group:,} {group} already supply these categories to "
                      "the network" + (f", the largest: {', '.join(r.top_suppliers)}."
                                       if r.top_suppliers else ".")),
        "rows": [{"anchor": a, "before": fmt.share(mv.share_before),
                  "after": fmt.share(mv.share_after), "moved": fmt.money(mv.moved),
                  "movable": fmt.money(mv.movable)} for a, mv in r.by_anchor],
    }


def leakage_cells(lk: Leakage, n: int | None = 15) -> list[dict]:
    """The leakage table's rows (largest outside first), written out."""
    t = lk.categories if n is None else lk.categories.head(n)
    return [{"category": r.category, "located": fmt.money(r.located, compact=True),
             "outside": fmt.money(r.outside, compact=True), "leak": fmt.share(r.leak_share),
             "deprived": fmt.share(r.deprived_share),
             "unlocated": fmt.money(r.unlocated, compact=True),
             "suppliers": f"{int(r.local_deprived_suppliers):,}"} for r in t.itertuples()]


def opportunities_for(lk: Leakage, anchor: str | None, limit: int = 8) -> list[dict]:
    """For one anchor: per category, the local suppliers in deprived areas other anchors use."""
    if not anchor:
        return []
    t = lk.opportunities[lk.opportunities["anchor"] == anchor]
    return [{"category": r.category, "suppliers": list(r.suppliers[:limit]),
             "more": max(0, len(r.suppliers) - limit)} for r in t.itertuples()]


def grid_cells(grid: Grid) -> dict:
    """The heat map, written out: headings, one row per anchor of cells (level in words and
    number, the change since the anchor's previous assessment), and the median row."""
    dims = grid.framework.dimensions
    rows = []
    for a in grid.anchors:
        cells = []
        for d in dims:
            c = grid.cells[(a, d.key)]
            change = "" if c.change is None else (
                "no change" if c.change == 0 else f"{c.change:+d} since last")
            cells.append({"text": d.level_name(c.level) if c.level else "not assessed",
                          "level": c.level or 0, "change": change})
        when = grid.dates.get(a)
        rows.append({"anchor": a, "date": when.isoformat() if when else "—", "cells": cells})
    medians = [("—" if grid.medians[d.key] is None else f"{grid.medians[d.key]:g}") for d in dims]
    return {"headings": [d.name for d in dims], "rows": rows, "medians": medians}


def scenario_words(s: dict) -> str:
    """What a saved scenario moves, in words ("10% of what could move in Catering, to SMEs,
    2024/25")."""
    how = (fmt.share(s["fraction"], 0) + " of what could move" if s["fraction"] is not None
           else fmt.money(s["amount_pence"], places=0))
    where = f" in {', '.join(s['categories'])}" if s["categories"] else ""
    who = f" by {', '.join(s['anchors'])}" if s["anchors"] else ""
    when = f", {', '.join(s['years'])}" if s["years"] else ", all years"
    return f"{how}{where}{who} to {GROUP_LABELS[s['group']]}{when}"
