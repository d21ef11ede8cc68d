"""The workforce and estate figures as they leave the dashboard: the JSON of `python -m dashboard
workforce | assets`, their tables, and the export files. The page's cards and drill-down read the
same functions, so the command line prints the figures exactly as the page shows them.

Every workforce count goes through disclosure control (`engine/disclosure.py`): "<5" for 1-4,
null where secondarily withheld, shares withheld where they would give a small count away. The
JSON itself is made by `dashboard/view/levers.py` (the page's cards read it too).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import fmt
from dashboard.engine import assets as a
from dashboard.engine.deprivation import most_deprived_label
from dashboard.engine.disclosure import SMALL, WARD_WITHHELD, shown, ward_headcounts
from dashboard.engine.filters import Options
from dashboard.engine.model import Dataset
from dashboard.engine.workforce import has_workforce
from dashboard.view.levers import (
    WITHHELD_MARK as WITHHELD,
)
from dashboard.view.levers import (
    candidate_records,
    count_text,
)


def workforce_text(result: dict, ds: Dataset) -> str:
    """The workforce JSON as a readable table."""
    opts = Options(most_deprived=result["most_deprived"], reference=result["reference"])
    label = most_deprived_label(opts)
    lines = [
        f"Workforce ({', '.join(result['anchors']) or 'all anchors'}; snapshots: "
        f"{', '.join(f'{k} {v}' for k, v in result['snapshots'].items()) or 'none'})",
        f"  {'Headcount':<44}{count_text(result['workforce']):>12}",
        f"  {'Located (home LSOA known)':<44}{count_text(result['workforce_located']):>12}",
        f"  {'Pay known':<44}{count_text(result['pay_known']):>12}",
        f"  {'Living in the ' + label:<44}{fmt.share(result['workforce_share_most_deprived']):>12}",
        f"  {'Living in the local area':<44}{fmt.share(result['workforce_local_share']):>12}",
        f"  {'New starters from the ' + label:<44}"
        f"{fmt.share(result['new_starters_share_most_deprived']):>12}",
        f"  {'Paid at least the real Living Wage':<44}"
        f"{fmt.share(result['living_wage_share']):>12}",
        "",
        f"Where staff live, by ward ({result['by_ward_anchor'] or 'the whole network'}; "
        f"{SMALL} = 1 to 4, {WITHHELD} = withheld so that no small count can be worked out):",
    ]
    names = dict(zip(ds.wards["code"], ds.wards["name"]))
    for r in result["by_ward"]:
        lines.append(f"  {r['ward_code']:<12}{str(names.get(r['ward_code'], ''))[:32]:<34}"
                     f"{count_text(r['headcount']):>8}")
    if not result["by_ward"]:
        lines.append("  (no staff located in the mapped wards)")
    return "\n".join(lines) + "\n"


def workforce_ward_frame(ds: Dataset, anchors: tuple[str, ...] = (),
                         snapshot: str | None = None) -> pd.DataFrame:
    """The ward table of where staff live for exports: every ward with staff, headcount as
    shown ("<5", "—" where withheld). Never finer than a ward."""
    counts, codes, whose = ward_headcounts(ds, anchors, snapshot)
    rows = np.flatnonzero((counts > 0) | (codes == WARD_WITHHELD))   # a withheld ward: all
    return pd.DataFrame({
        "Ward code": ds.wards["code"].to_numpy(object)[rows],
        "Ward": ds.wards["name"].to_numpy(object)[rows],
        "Staff living here": [count_text(shown(counts[i], codes[i])) for i in rows],
        "Anchor": whose or "All anchors",
    })


# --------------------------------------------------------------------------- assets
def _area(x: float) -> float:
    return round(float(x), 2)


def assets_json(ds: Dataset, opts: Options = Options(), anchors: tuple[str, ...] = ()) -> dict:
    """The estate's figures: ``sites``, ``sites_located``, ``by_status`` (sites, floor area m²,
    site area ha, in community use), ``by_ward`` (per ward and status) and
    ``vacant_or_surplus_in_most_deprived`` (the candidate sites, listed)."""
    s = a.sites(ds, anchors)
    st = a.by_status(ds, anchors)
    w = a.by_ward(ds, anchors)
    c = a.candidates(ds, opts, anchors)
    return {
        "sites": int(len(s)),
        "sites_located": int(s["lat"].notna().sum()) if len(s) else 0,
        "most_deprived": opts.most_deprived,
        "reference": opts.reference,
        "anchors": list(anchors),
        "by_status": [{"status": r.status, "sites": int(r.sites),
                       "floor_area_m2": _area(r.floor_area_m2),
                       "site_area_ha": _area(r.site_area_ha),
                       "community_use": int(r.community_use)} for r in st.itertuples()],
        "by_ward": [{"ward_code": r.ward_code, "ward_name": r.ward_name, "status": r.status,
                     "sites": int(r.sites), "floor_area_m2": _area(r.floor_area_m2),
                     "site_area_ha": _area(r.site_area_ha)} for r in w.itertuples()],
        "vacant_or_surplus_in_most_deprived": candidate_records(c),
    }


def candidates_frame(ds: Dataset, opts: Options = Options(), anchors: tuple[str, ...] = ()
                     ) -> pd.DataFrame:
    """The candidate sites as an export table (the CSV/XLSX of the list)."""
    recs = candidate_records(a.candidates(ds, opts, anchors))
    cols = {"anchor": "Anchor", "name": "Site", "status": "Status", "tenure": "Tenure",
            "use": "Use", "floor_area_m2": "Floor area (m²)", "site_area_ha": "Site area (ha)",
            "community_use": "Community use", "ward_code": "Ward code", "ward_name": "Ward",
            "lsoa": "LSOA", "imd_decile": "IMD decile (national)"}
    frame = pd.DataFrame(recs, columns=list(cols))
    return frame.rename(columns=cols)


def assets_text(result: dict) -> str:
    """The estate JSON as a readable table."""
    opts = Options(most_deprived=result["most_deprived"], reference=result["reference"])
    lines = [f"Estate ({', '.join(result['anchors']) or 'all anchors'}): {result['sites']:,} "
             f"sites, {result['sites_located']:,} placed on the map", "",
             f"  {'Status':<20}{'sites':>8}{'floor m²':>14}{'site ha':>10}{'community':>11}"]
    for r in result["by_status"]:
        lines.append(f"  {r['status']:<20}{r['sites']:>8,}{r['floor_area_m2']:>14,.0f}"
                     f"{r['site_area_ha']:>10,.2f}{r['community_use']:>11,}")
    cands = result["vacant_or_surplus_in_most_deprived"]
    lines += ["", f"Vacant, surplus or disposal-planned sites in the {most_deprived_label(opts)}"
                  f" ({len(cands)}):"]
    for r in cands:
        lines.append(f"  {r['name'][:30]:<32}{r['anchor'][:24]:<26}{r['status']:<18}"
                     f"{str(r['ward_name'] or '')[:24]:<26}decile {r['imd_decile']}")
    if not cands:
        lines.append("  (none)")
    return "\n".join(lines) + "\n"


def has_levers(ds: Dataset) -> bool:
    """Whether the data set holds a workforce or an estate."""
    return has_workforce(ds) or a.has_assets(ds)


#: The levers' table exports: file stem -> what it holds.
LEVER_TABLES = {"staff_wards": "Where staff live, by ward (counts under 5 shown as <5)",
                "sites": "Vacant, surplus or disposal-planned sites in the most deprived areas"}


def lever_table(ds: Dataset, what: str, anchors: tuple[str, ...] = (),
                opts: Options = Options()) -> pd.DataFrame:
    """The export table ``what`` (a key of ``LEVER_TABLES``) for the anchors and options: the
    protected ward counts of where staff live, or the candidate sites. Empty (with its columns)
    when the data set has no such lever."""
    if what == "staff_wards":
        return workforce_ward_frame(ds, anchors)
    if what == "sites":
        return candidates_frame(ds, opts, anchors)
    raise KeyError(what)
