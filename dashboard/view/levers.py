"""The other two levers on the page: workforce and estate cards, their drill-down rows, the map
key's lines, and the workforce JSON that `python -m dashboard workforce` prints (through
`dashboard/output/levers.py`), so the page and the command line show the same figures.

Nothing here is shown when the data set has neither lever. Workforce counts are
disclosure-controlled (counts of 1-4 read "<5"; shares that would reveal one read "—").
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import fmt
from dashboard.engine import assets as a
from dashboard.engine.deprivation import local_area, most_deprived_label
from dashboard.engine.disclosure import (
    SMALL,
    WARD_WITHHELD,
    safe_share,
    show_count,
    shown,
    ward_headcounts,
)
from dashboard.engine.filters import Options
from dashboard.engine.model import Dataset
from dashboard.engine.workforce import WorkforceFigures, has_workforce, workforce_figures
from dashboard.view.cards import Card
from dashboard.view.state import ViewState
from layers import workforce_wards

WITHHELD = "withheld"
#: How a secondarily withheld count is written in tables and text.
WITHHELD_MARK = "—"


def _within(part: int, whole: int) -> int | str | None:
    """A count shown beside its whole: withheld (None) where whole - part would be 1-4."""
    return None if 1 <= whole - part <= 4 else show_count(part)


def workforce_json(ds: Dataset, opts: Options = Options(), anchors: tuple[str, ...] = (),
                   snapshot: str | None = None, *, wards: bool = True) -> dict:
    """``plan.md``'s workforce JSON, disclosure-controlled: ``workforce``, ``workforce_located``,
    ``pay_known`` (int, "<5" or null), ``workforce_share_most_deprived``,
    ``workforce_local_share``, ``living_wage_share``, ``new_starters_share_most_deprived``
    (fractions or null) and ``by_ward`` (``{"ward_code", "headcount"}`` per ward with staff:
    an integer of at least 5, "<5", or null where secondarily withheld). ``wards=False`` leaves
    ``by_ward`` empty (the cards need no ward counts, whose protection is made once per data
    set and snapshot, about 2.6 s for 30 anchors across England's wards)."""
    f = workforce_figures(ds, opts, anchors, snapshot)
    counts, codes, whose = ward_headcounts(ds, anchors, snapshot) if wards else (
        np.zeros(0, np.int64), np.zeros(0, np.int8), None)
    codes_of = ds.wards["code"].to_numpy(object)
    return {
        "workforce": show_count(f.workforce),
        "workforce_located": _within(f.workforce_located, f.workforce),
        "pay_known": _within(f.pay_known, f.workforce),
        "workforce_share_most_deprived": safe_share(f.most_deprived, f.workforce_located),
        "workforce_local_share": safe_share(f.local, f.workforce_located),
        "living_wage_share": safe_share(f.living_wage, f.pay_known),
        "new_starters_share_most_deprived": safe_share(f.new_starters_most_deprived,
                                                       f.new_starters_located),
        "most_deprived": opts.most_deprived,
        "reference": opts.reference,
        "local_area": list(local_area(ds, opts)),
        "anchors": list(anchors),
        "snapshots": f.snapshots,
        "by_ward_anchor": whose,
        "by_ward": [{"ward_code": str(codes_of[i]), "headcount": shown(counts[i], codes[i])}
                    for i in np.flatnonzero((counts > 0) | (codes == WARD_WITHHELD))],
    }


def count_text(value: int | str | None) -> str:
    """A protected count as written: "1,234", "<5", or "—" where withheld."""
    return WITHHELD_MARK if value is None else (
        value if isinstance(value, str) else fmt.count(value))


def figures_rows(f: WorkforceFigures, opts: Options) -> list[tuple[str, str]]:
    """(label, value as shown) of each workforce headline, for cards and the drill-down."""
    label = most_deprived_label(opts)
    return [
        ("Staff (headcount)", count_text(show_count(f.workforce))),
        ("Staff living in the " + label,
         fmt.share(safe_share(f.most_deprived, f.workforce_located))),
        ("Staff living in the local area", fmt.share(safe_share(f.local, f.workforce_located))),
        ("New starters from the " + label,
         fmt.share(safe_share(f.new_starters_most_deprived, f.new_starters_located))),
        ("Paid at least the real Living Wage", fmt.share(safe_share(f.living_wage, f.pay_known))),
    ]


def candidate_records(c: pd.DataFrame) -> list[dict]:
    """The candidate sites as JSON records (areas None where unknown)."""
    def num(x):
        return None if pd.isna(x) else round(float(x), 2)

    return [{"anchor": r.anchor, "name": r.name, "status": r.status, "tenure": r.tenure,
             "use": r.use, "floor_area_m2": num(r.floor_area_m2),
             "site_area_ha": num(r.site_area_ha),
             "community_use": {1: "yes", 0: "no"}.get(int(r.community_use), "unknown"),
             "lsoa": r.lsoa, "ward_code": r.ward, "ward_name": r.ward_name,
             "imd_decile": None if pd.isna(r.imd_decile) else int(r.imd_decile)}
            for r in c.itertuples()]


def lever_cards(ds, state: ViewState) -> list[Card]:
    """Cards for the workforce (headcount, share living in the most deprived areas, living-wage
    share) and the estate (candidate sites), for the anchors the filter keeps. They depend on
    the anchors and options only (not the period or categories), so they are made once per
    choice of those and kept in the data set's bounded options cache."""
    key = (state.filters.anchors, state.options)
    return list(ds.derived.for_options("levers.cards", key, lambda: _cards(ds, *key)))


def _cards(ds, anchors: tuple[str, ...], opts: Options) -> tuple[Card, ...]:
    cards: list[Card] = []
    if has_workforce(ds):
        j = workforce_json(ds, opts, anchors, wards=False)
        count = j["workforce"]
        snaps = sorted(set(j["snapshots"].values()))
        when = f"snapshot {snaps[-1]}" if len(snaps) == 1 else (
            f"latest snapshots {snaps[0]} to {snaps[-1]}" if snaps else "no snapshot")
        cards += [
            Card("staff", "Staff", count if isinstance(count, str) else fmt.count(count),
                 when),
            Card("staff_deprived", f"Staff living in most deprived {opts.most_deprived}%",
                 fmt.share(j["workforce_share_most_deprived"]),
                 f"of staff whose home area is known ({fmt.share(j['workforce_local_share'])} "
                 "live in the local area)",
                 explain=_why(j["workforce_share_most_deprived"])),
            Card("living_wage", "Paid at least the real Living Wage",
                 fmt.share(j["living_wage_share"]), "of staff whose pay is known",
                 explain=_why(j["living_wage_share"])),
        ]
    if a.has_assets(ds):
        c = a.candidates(ds, opts, anchors)
        cards.append(Card("sites", f"Vacant or surplus sites in most deprived {opts.most_deprived}%",
                          fmt.count(len(c)), f"of {fmt.count(len(a.sites(ds, anchors)))} sites "
                          "(vacant, surplus or disposal planned)"))
    return tuple(cards)


def _why(value: float | None) -> str:
    return "" if value is not None else (
        "Not shown: no staff to divide by, or it would reveal a count under 5.")


def lever_drill(ds, state: ViewState) -> pd.DataFrame | None:
    """Rows ("Figure", "Value") for the drill-down of the selected ward and/or anchor: staff
    living in the ward (as protected), the anchor's workforce figures, and sites by status with
    the candidate sites named. None when the data set has neither lever or nothing is selected."""
    if not (has_workforce(ds) or a.has_assets(ds)) or not (state.ward or state.detail_anchor):
        return None
    rows: list[tuple[str, str]] = []
    anchor = state.detail_anchor
    anchors = (anchor,) if anchor else state.filters.anchors
    if has_workforce(ds):
        if state.ward:
            counts, codes, whose = ward_headcounts(ds, anchors)
            pos = [i for i, c in enumerate(ds.wards["code"]) if c == state.ward]
            if pos:
                v = shown(counts[pos[0]], codes[pos[0]])
                text = WITHHELD if v is None else (v if v == SMALL else fmt.count(v))
                rows.append((f"Staff living here ({whose or 'all anchors'})", text))
        if anchor:
            f = workforce_figures(ds, state.options, (anchor,))
            rows += [(f"{anchor}: {label}", value)
                     for label, value in figures_rows(f, state.options)]
    if a.has_assets(ds):
        s = a.sites(ds, anchors)
        if state.ward:
            s = s[s["ward"] == state.ward]
        counts = s["status"].value_counts() if len(s) else pd.Series(dtype=int)
        rows.append(("Sites" + (" in this ward" if state.ward else ""),
                     ", ".join(f"{int(counts[st])} {st}" for st in a.STATUSES
                               if st in counts) or "none"))
        cands = candidate_records(a.candidates(ds, state.options, anchors))
        if state.ward:
            cands = [c for c in cands if c["ward_code"] == state.ward]
        for c in cands[:10]:
            rows.append((f"Candidate site ({c['status']})", f"{c['name']} ({c['anchor']})"))
    return pd.DataFrame(rows, columns=["Figure", "Value"]) if rows else None


def staff_bars(ds, summary) -> list[tuple[str, float]]:
    """The ranked chart of the workforce layer: wards with a shown count of 5 or more."""
    return workforce_wards.ranked(ds, summary)
