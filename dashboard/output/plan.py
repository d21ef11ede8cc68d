"""The action plan as it leaves the server: the command line's JSON and tables (`plan`, `whatif`,
`leakage`), the action-plan workbook (XLSX, through `cells`) and the meeting report's section.

Money in JSON is pounds rounded to 2 decimals from exact pence, shares are fractions or null
(`plan.md`); on paper and in tables money and shares are written by `dashboard.fmt`, as on the page.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard import fmt
from dashboard.engine import metrics as m
from dashboard.engine.groups import GROUP_LABELS
from dashboard.engine.leakage import Leakage, leakage
from dashboard.engine.model import Dataset
from dashboard.engine.periods import fy_label
from dashboard.engine.plan import STATUSES
from dashboard.engine.whatif import WhatIf
from dashboard.ingest.planstore import PlanStore
from dashboard.output.cells import to_xlsx_book
from dashboard.view.plan import Grid, plan_document


# --------------------------------------------------------------------------- JSON
def whatif_json(r: WhatIf) -> dict:
    """plan.md's `whatif` JSON."""
    return {
        "group": r.group,
        "share_before": r.network.share_before, "share_after": r.network.share_after,
        "moved": m.pounds(r.network.moved), "movable": m.pounds(r.network.movable),
        "suppliers_in_group": r.suppliers_in_group,
        "by_anchor": [{"anchor": a, "share_before": mv.share_before,
                       "share_after": mv.share_after, "moved": m.pounds(mv.moved),
                       "movable": m.pounds(mv.movable)} for a, mv in r.by_anchor],
    }


def leakage_json(lk: Leakage) -> dict:
    """plan.md's `leakage` JSON, and the per-anchor opportunities beside it."""
    cats = [{"category": r.category, "located": m.pounds(r.located),
             "outside": m.pounds(r.outside), "leak_share": r.leak_share,
             "deprived": m.pounds(r.deprived), "deprived_share": r.deprived_share,
             "unlocated": m.pounds(r.unlocated),
             "local_deprived_suppliers": int(r.local_deprived_suppliers)}
            for r in lk.categories.itertuples()]
    opp = [{"anchor": r.anchor, "category": r.category, "suppliers": list(r.suppliers)}
           for r in lk.opportunities.itertuples()]
    return {"categories": cats, "opportunities": opp}


def plan_json(ds: Dataset, store: PlanStore, year: int | None = None) -> dict:
    """The plan of a saved data set: targets with progress, scenarios, assessments."""
    doc = plan_document(ds, store, year)
    targets = []
    for t in doc["targets"]:
        row = {k: v for k, v in t.items() if k not in ("gap_pence", "progress")}
        row["gap"] = m.pounds(t["gap_pence"])
        row["progress"] = [{"year": p["year"], "actual": p["actual"],
                            "trajectory": p["trajectory"], "status": p["status"],
                            "gap": m.pounds(p["gap_pence"])} for p in t["progress"]]
        targets.append(row)
    scenarios = [{**{k: v for k, v in s.items() if k not in ("moved", "movable",
                                                            "amount_pence")},
                  "amount": m.pounds(s["amount_pence"]), "moved": m.pounds(s["moved"]),
                  "movable": m.pounds(s["movable"])} for s in doc["scenarios"]]
    grid: Grid = doc["grid"]
    return {"data_set": str(ds.meta.get("title") or ds.name),
            "year": fy_label(doc["year"]) if doc["year"] is not None else None,
            "targets": targets, "scenarios": scenarios,
            "assessments": {"framework": grid.framework.name, "cells": grid.rows(),
                            "median": {d.name: grid.medians[d.key]
                                       for d in grid.framework.dimensions}}}


# --------------------------------------------------------------------------- tables
def _line(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c[:w].ljust(w) if i == 0 else c[:w].rjust(w)
                     for i, (c, w) in enumerate(zip(cells, widths))).rstrip()


def plan_text(result: dict) -> str:
    """The `plan` table: one line per target, then the scenarios and the assessments' medians."""
    out = [f"Action plan: {result['data_set']} (year {result['year'] or '—'})", ""]
    widths = [64, 9, 11, 9, 11, 13]
    out.append(_line(["Target", "actual", "trajectory", "target", "status", "gap"], widths))
    for t in result["targets"]:
        out.append(_line([f"{t['scope']}: {t['metric']} by {t['target_year']}",
                          fmt.share(t["actual"]), fmt.share(t["trajectory"]),
                          fmt.share(t["target_value"]), t["status"],
                          fmt.money(None if t["gap"] is None else round(t["gap"] * 100))],
                         widths))
    if not result["targets"]:
        out.append("(no targets set)")
    out += ["", "Scenarios:"]
    for s in result["scenarios"]:
        out.append(f"  {s['name']}: {fmt.money(round(s['moved'] * 100))} to "
                   f"{GROUP_LABELS[s['group']]}: {fmt.share(s['share_before'])} -> "
                   f"{fmt.share(s['share_after'])}")
    if not result["scenarios"]:
        out.append("  (none saved)")
    a = result["assessments"]
    out += ["", f"Self-assessment ({a['framework']}), network median level:"]
    out += [f"  {name}: {'—' if v is None else f'{v:g}'}" for name, v in a["median"].items()]
    return "\n".join(out) + "\n"


def whatif_text(r: dict) -> str:
    """The `whatif` table."""
    out = [f"What if spend moved to {GROUP_LABELS[r['group']]}:",
           f"  moved {fmt.money(round(r['moved'] * 100))} of "
           f"{fmt.money(round(r['movable'] * 100))} movable",
           f"  share {fmt.share(r['share_before'])} -> {fmt.share(r['share_after'])}",
           f"  suppliers already in the group in these categories: {r['suppliers_in_group']:,}",
           ""]
    widths = [44, 9, 9, 14, 14]
    out.append(_line(["Anchor", "before", "after", "moved", "movable"], widths))
    for a in r["by_anchor"]:
        out.append(_line([a["anchor"], fmt.share(a["share_before"]), fmt.share(a["share_after"]),
                          fmt.money(round(a["moved"] * 100)),
                          fmt.money(round(a["movable"] * 100))], widths))
    return "\n".join(out) + "\n"


def leakage_text(r: dict) -> str:
    """The `leakage` table: categories by spend outside the local area, largest first."""
    widths = [30, 14, 14, 7, 9, 14, 9]
    out = [_line(["Category", "located", "outside", "leak", "deprived", "unlocated",
                  "suppliers"], widths)]
    for c in r["categories"]:
        out.append(_line([c["category"], fmt.money(round(c["located"] * 100)),
                          fmt.money(round(c["outside"] * 100)), fmt.share(c["leak_share"]),
                          fmt.share(c["deprived_share"]), fmt.money(round(c["unlocated"] * 100)),
                          str(c["local_deprived_suppliers"])], widths))
    if r["opportunities"]:
        out += ["", "Local suppliers in deprived areas that other anchors already use:"]
        for o in r["opportunities"]:
            out.append(f"  {o['anchor']} / {o['category']}: {', '.join(o['suppliers'][:5])}"
                       + (f" and {len(o['suppliers']) - 5} more" if len(o["suppliers"]) > 5
                          else ""))
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- the workbook
def action_plan_frames(ds: Dataset, store: PlanStore, filters: m.Filters, options: m.Options,
                       year: int | None = None) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """The workbook's sheets: Targets, Progress, Scenarios, Leakage, Opportunities, Assessments."""
    doc = plan_document(ds, store, year)
    title = str(ds.meta.get("title") or ds.name)
    made = f"{title}: action plan, made {date.today().isoformat()}"
    targets = pd.DataFrame([{
        "Scope": t["scope"], "Metric": t["metric_label"],
        "Most deprived": f"{t['most_deprived']}% {t['reference']}",
        "Baseline year": t["baseline_year"], "Baseline": t["baseline_value"],
        "Target year": t["target_year"], "Target": t["target_value"],
        "Year": t["year"], "Actual": t["actual"], "Trajectory": t["trajectory"],
        "Status": t["status"], "Gap £": _pounds(t["gap_pence"]),
        "Change since last year (points)": None if t["change"] is None else t["change"] * 100,
        "Owner": t["owner"], "Note": t["note"], "Set by": t["set_by"], "Set at": t["set_at"],
        "Versions": t["versions"]} for t in doc["targets"]], columns=_TARGET_COLUMNS)
    progress = pd.DataFrame([{
        "Scope": t["scope"], "Metric": t["metric_label"], "Year": p["year"],
        "Actual": p["actual"], "Trajectory": p["trajectory"], "Status": p["status"],
        "Gap £": _pounds(p["gap_pence"])} for t in doc["targets"] for p in t["progress"]],
        columns=["Scope", "Metric", "Year", "Actual", "Trajectory", "Status", "Gap £"])
    scenarios = pd.DataFrame([{
        "Scenario": s["name"], "Group": GROUP_LABELS[s["group"]],
        "Categories": ", ".join(s["categories"]) or "all",
        "Anchors": ", ".join(s["anchors"]) or "all", "Years": ", ".join(s["years"]) or "all",
        "Fraction": s["fraction"], "Amount £": _pounds(s["amount_pence"]),
        "Share before": s["share_before"], "Share after": s["share_after"],
        "Moved £": _pounds(s["moved"]), "Movable £": _pounds(s["movable"]),
        "Suppliers already in the group": s["suppliers_in_group"], "Saved by": s["saved_by"],
        "Saved at": s["saved_at"]} for s in doc["scenarios"]])
    lk = leakage(ds, filters, options)
    leak = lk.categories.rename(columns={
        "category": "Category", "located": "Located £", "outside": "Outside the local area £",
        "leak_share": "Share outside", "deprived": "Most deprived £",
        "deprived_share": "Share most deprived", "unlocated": "Not located £",
        "local_deprived_suppliers": "Local suppliers in deprived areas"})
    for col in ("Located £", "Outside the local area £", "Most deprived £", "Not located £"):
        leak[col] = leak[col] / 100
    opp = pd.DataFrame({"Anchor": lk.opportunities["anchor"],
                        "Category": lk.opportunities["category"],
                        "Suppliers other anchors use": [", ".join(s) for s in
                                                        lk.opportunities["suppliers"]]})
    grid: Grid = doc["grid"]
    assess = pd.DataFrame(grid.rows()).rename(columns={
        "anchor": "Anchor", "dimension": "Dimension", "level": "Level",
        "level_name": "Level (words)", "previous_level": "Previous level",
        "change": "Change", "assessed": "Assessed"})
    medians = pd.DataFrame({"Dimension": [d.name for d in grid.framework.dimensions],
                            "Network median level": [grid.medians[d.key]
                                                     for d in grid.framework.dimensions]})
    filt = f"Leakage under: {m.most_deprived_label(options)}"
    return [("Targets", targets, [made, "Shares are fractions (0.25 = 25%)"]),
            ("Progress", progress, [made]),
            ("Scenarios", scenarios, [made]),
            ("Leakage", leak, [made, filt, "Ranked by spend outside the local area"]),
            ("Opportunities", opp, [made, filt]),
            ("Assessments", assess, [made, grid.framework.name]),
            ("Median levels", medians, [made, grid.framework.name])]


_TARGET_COLUMNS = ["Scope", "Metric", "Most deprived", "Baseline year", "Baseline", "Target year",
                   "Target", "Year", "Actual", "Trajectory", "Status", "Gap £",
                   "Change since last year (points)", "Owner", "Note", "Set by", "Set at",
                   "Versions"]


def _pounds(pence: int | None) -> float | None:
    return None if pence is None else pence / 100


def action_plan_xlsx(ds: Dataset, store: PlanStore, filters: m.Filters = m.Filters(),
                     options: m.Options = m.Options(), year: int | None = None) -> bytes:
    """The action-plan workbook (see `action_plan_frames`)."""
    return to_xlsx_book(action_plan_frames(ds, store, filters, options, year))


# --------------------------------------------------------------------------- the report
def report_section(ds: Dataset, store: PlanStore, esc, year: int | None = None) -> str:
    """The meeting report's "Action plan" section (HTML; `esc` escapes text): each target's
    status this year in words, the saved scenarios and the network's median levels. Empty when
    the data set has no plan."""
    doc = plan_document(ds, store, year)
    if not doc["targets"] and not doc["scenarios"] and not any(
            c.level for c in doc["grid"].cells.values()):
        return ""
    # the report is one A4 page with a few millimetres to spare: the plan is one short
    # paragraph (the workbook has it in full)
    year_label = fy_label(doc["year"]) if doc["year"] is not None else "—"
    counts = {st: sum(t["status"] == st for t in doc["targets"]) for st in STATUSES}
    said = ", ".join(f"{n} {st}" for st, n in counts.items() if n)
    parts = [f"<section class='plan'><p class='note'><strong>Action plan, {esc(year_label)}"
             f"</strong> ({len(doc['targets'])} target{'' if len(doc['targets']) == 1 else 's'}"
             f"{': ' + esc(said) if said else ''})."]
    behind = [t for t in doc["targets"] if t["status"] == "off track"]
    if behind:
        parts.append(" Off track: " + "; ".join(
            f"{esc(t['scope'])} {esc(t['metric'])} {esc(fmt.share(t['actual']))} vs "
            f"{esc(fmt.share(t['trajectory']))}, gap "
            f"{esc(fmt.money(t['gap_pence'], compact=True))}" for t in behind) + ".")
    if doc["scenarios"]:
        parts.append(" What if: " + "; ".join(
            f"{esc(s['name'])}, {esc(fmt.share(s['share_before']))} to "
            f"{esc(fmt.share(s['share_after']))}" for s in doc["scenarios"]) + ".")
    grid: Grid = doc["grid"]
    if any(c.level for c in grid.cells.values()):
        top = grid.framework.dimensions[0].levels[-1].level
        parts.append(f" Self-assessment, network median (1 to {top}): " + ", ".join(
            f"{esc(d.key)} {'—' if grid.medians[d.key] is None else f'{grid.medians[d.key]:g}'}"
            for d in grid.framework.dimensions) + ".")
    parts.append("</p>")
    parts.append("</section>")
    return "".join(parts)


def _points(change: float | None) -> str:
    """A change of share in percentage points ("+1.5 pts"), "—" when undefined."""
    return "—" if change is None else fmt.points(change)


def _median_words(dimension, median: float | None) -> str:
    if median is None:
        return "not assessed"
    if float(median).is_integer():
        return dimension.level_name(int(median))
    return f"{median:g} (between {dimension.level_name(int(median))} and "\
           f"{dimension.level_name(int(median) + 1)})"
