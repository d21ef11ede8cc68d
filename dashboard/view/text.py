"""Sentences: the one-line written summary of the map and the strip of filters in force."""
from __future__ import annotations

from dashboard import fmt
from dashboard.engine import metrics as m
from dashboard.engine.metrics import Summary
from dashboard.engine.model import Dataset
from dashboard.view.places import district_names
from dashboard.view.state import ViewState

CAPREV_NAMES = {"revenue": "Revenue", "capital": "Capital", "unknown": "Capital/revenue unknown"}
FLAG_NAMES = {"sme": "SMEs", "vcse": "VCSEs"}


def map_sentence(s: Summary) -> str:
    """One line saying what the map shows, e.g. "South received the most spend, £1,600; ..."."""
    h = s.headline
    if h["transactions"] == 0:
        return "No payments match these filters: widen the period or clear a filter."
    wards = s.by_ward
    parts = []
    if len(wards) and wards["spend"].max() > 0:
        top = wards.loc[wards["spend"].idxmax()]
        parts.append(f"{top['ward_name']} received the most spend, "
                     f"{fmt.money(int(top['spend']), compact=True)}")
    label = m.most_deprived_label(s.options)
    if h["share_most_deprived"] is None:
        parts.append(f"no located spend, so no share to the {label}")
    else:
        parts.append(f"{fmt.share(h['share_most_deprived'])} of located spend went to suppliers "
                     f"in the {label}")
    sentence = "; ".join(parts)
    sentence = sentence[0].upper() + sentence[1:] + "."
    if h["coverage"] is not None and h["coverage"] < 0.9995:
        sentence += (f" {fmt.share(1 - h['coverage'])} of spend "
                     f"({fmt.money(h['unlocated_spend'], compact=True)}) could not be located.")
    return sentence


def filter_strip(state: ViewState, ds: Dataset) -> list[str]:
    """Short phrases naming every filter in force (for the collapsed strip in presentation mode)."""
    f, o = state.filters, state.options
    out = [", ".join(f.anchors) if f.anchors else "All anchors"]
    if f.years:
        out.append(", ".join(m.fy_label(y) for y in f.years))
    elif f.date_from or f.date_to:
        out.append(f"{f.date_from or 'start'} to {f.date_to or 'end'}")
    else:
        years = ds.years
        out.append(f"All years ({m.fy_label(years[0])} to {m.fy_label(years[-1])})"
                   if len(years) > 1 else "All years")
    if f.categories:
        out.append(", ".join(f.categories))
    if f.capital_revenue:
        out.append(", ".join(CAPREV_NAMES.get(c, c) for c in f.capital_revenue))
    if f.supplier_flags:
        out.append(" or ".join(FLAG_NAMES.get(c, c) for c in f.supplier_flags) + " only")
    if f.influenceable_only:
        out.append("Influenceable spend only")
    out.append(m.most_deprived_label(o).capitalize())
    if o.local_area:
        # said explicitly: choosing districts replaces the anchors' home areas, not adds to them
        home = district_names(ds.home_area(), ds.meta)
        chosen = district_names(o.local_area, ds.meta)
        out.append(f"Local area: {chosen}" + (f" (instead of the home areas: {home})"
                                                if home and set(o.local_area) != set(
                                                    ds.home_area()) else ""))
    return out
