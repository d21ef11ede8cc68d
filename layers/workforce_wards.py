"""Where staff live: a ward choropleth of the anchors' headcount, disclosure-controlled.

Counts come from the one protected anchors x wards table (`engine/disclosure.ward_headcounts`):
the whole network's, or one anchor's when exactly one anchor is chosen. A count of 1-4 is drawn
in one fixed shade (`SMALL_Z`, the same for every such ward, so the colour says no more than
"<5") and a secondarily withheld count is left unshaded; the hover text says "<5" or "withheld",
never a number below 5. Nothing finer than a ward is ever drawn.
"""
from __future__ import annotations

from dashboard.engine.disclosure import PRIMARY, SHOWN, SMALL, ward_headcounts
from dashboard.engine.metrics import Options, Summary
from dashboard.engine.model import Dataset
from dashboard.engine.workforce import has_workforce
from dashboard.fmt import plot_text
from layers._common import DARK_HIGH, LayerOutput, Legend, choropleth

KEY = "ward_staff"
LABEL = "Where staff live"
GEOMETRY = "wards"
TRACES = 1
#: The value drawn for every ward whose count is 1-4 (between 0 and 5: the lightest shades).
SMALL_Z = 2.5
WITHHELD = "withheld"


def shown_counts(ds: Dataset, summary: Summary) -> tuple[list, list[str], str | None]:
    """(z per ward, hover text per ward, whose counts: an anchor or None for the network)."""
    counts, codes, whose = ward_headcounts(ds, summary.filters.anchors)
    z: list = []
    text: list[str] = []
    for value, code in zip(counts.tolist(), codes.tolist()):
        if code == SHOWN:
            z.append(float(value))
            text.append(f"{int(value):,}")
        elif code == PRIMARY:
            z.append(SMALL_Z)
            text.append(SMALL)
        else:
            z.append(None)
            text.append(WITHHELD)
    return z, text, whose


def values(ds: Dataset, summary: Summary, options: Options) -> dict[str, list]:
    """`z` (counts as drawn) and `customdata` (counts as written), one per ward."""
    z, text, _ = shown_counts(ds, summary)
    return {"z": z, "customdata": text}


def build(ds: Dataset, summary: Summary, options: Options, geojson_url: str) -> LayerOutput:
    """The choropleth trace and its legend."""
    vals = values(ds, summary, options)
    trace = choropleth(
        geojson_url, list(range(len(ds.wards))), vals["z"],
        [plot_text(n) for n in ds.wards["name"]], colorscale=DARK_HIGH, zmin=0,
        zmax=max([v for v in vals["z"] if v is not None] + [5.0]),
        colorbar={"title": {"text": "Staff", "side": "top"}, "tickformat": "~s"},
        hovertemplate="<b>%{text}</b><br>Staff living here: %{customdata}<extra></extra>",
        name=LABEL,
    )
    trace["customdata"] = vals["customdata"]
    whose = shown_counts(ds, summary)[2]
    notes = [f"{SMALL}: 1 to 4 staff, all drawn in one light shade. Unshaded: withheld so that "
             "no count under 5 can be worked out from the totals.",
             "Counts are for the whole network, or for one anchor when exactly one is chosen."]
    if not has_workforce(ds):
        notes.insert(0, "This data set has no workforce: import one with --workforce FILE.")
    legend = Legend(
        title=f"Staff living in each ward ({whose or 'all anchors'}; latest snapshot)",
        dark="Darker: more staff live here", light="Lighter: fewer staff live here",
        notes=tuple(notes))
    return LayerOutput([trace], legend)


def ranked(ds: Dataset, summary: Summary) -> list[tuple[str, float]]:
    """(ward name, count) of the wards whose count is shown (5 or more), largest first: the
    ranked chart never draws a bar for "<5" or a withheld count."""
    z, text, _ = shown_counts(ds, summary)
    names = ds.wards["name"].to_numpy(object)
    pairs = [(str(names[i]), float(v)) for i, v in enumerate(z)
             if v is not None and text[i] not in (SMALL, WITHHELD) and v > 0]
    return sorted(pairs, key=lambda p: (-p[1], p[0]))

