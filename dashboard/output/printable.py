"""A one-page report: the current view of the map as a self-contained HTML page that prints to A4.

What a procurement lead takes to a board meeting: the data set and filters, the headline figures with
"most deprived X%" and its reference stated, the change from the previous year, the map, the trend by
financial year, the ten largest suppliers in and outside the most deprived areas, and how much of the
spend could be placed at all (coverage) with the sources and their attribution; and, when the
data set has an action plan, each target's status this year in words, the saved what-if scenarios
and the self-assessment's network medians (`output/plan.report_section`).

Self-contained: no script, no external file; the map is an SVG embedded as a data URI image (an SVG
shown through ``<img>`` cannot run scripts). Every piece of text from the data (supplier, anchor,
category names) is HTML-escaped. Individuals are never named: they are left out of the supplier
lists and their total is given in a note.
"""
from __future__ import annotations

import base64
import html
from datetime import datetime

import numpy as np
import pandas as pd

from dashboard import fmt
from dashboard.engine import metrics as m
from dashboard.engine.model import YES, Dataset
from dashboard.engine.periods import fy_label
from dashboard.errors import InputError
from dashboard.ingest.planstore import PlanStore
from dashboard.output.exports import (
    DEFAULT_ATTRIBUTION,
    deprivation_text,
    filters_text,
    individual_rows,
    map_image,
    ward_map_figure,
)
from dashboard.output.plan import report_section as plan_report_section
from dashboard.view.cards import definition
from dashboard.view.places import district_names
from dashboard.view.state import ViewState

TOP_N = 10
CSS = """
@page { size: A4 portrait; margin: 10mm; }
* { box-sizing: border-box; }
body { font: 8.5pt/1.25 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 0 auto;
       max-width: 190mm; padding: 4mm; }
h1 { font-size: 14pt; margin: 0 0 0.5mm; }
h2 { font-size: 10pt; margin: 2mm 0 1mm; border-bottom: 1px solid #777; }
p { margin: 0.5mm 0; }
.meta { color: #333; font-size: 8pt; }
.filters { columns: 2; column-gap: 6mm; font-size: 8pt; margin: 1mm 0; padding: 0;
           list-style: none; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 2mm; }
.card { border: 1px solid #999; padding: 1mm 1.5mm; break-inside: avoid; }
.card .v { font-size: 12pt; font-weight: bold; }
.card .l, .card .s { font-size: 7pt; color: #333; }
.defs { font-size: 6pt; line-height: 1.2; color: #222; margin: 1mm 0 0; }
.defs dt { display: inline; font-weight: bold; }
.defs dd { display: inline; margin: 0 1.5mm 0 0.5mm; }
.map { text-align: center; margin: 1mm 0; }
.map img { max-width: 100%; max-height: 66mm; }
body:has(section.plan) .map img { max-height: 56mm; }  /* room for the plan's lines */
/* room for the cards' definitions (the page's tooltips, in the same words) */
.map img { max-height: 40mm; }
body:has(section.plan) .map img { max-height: 34mm; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 4mm; }
table { border-collapse: collapse; width: 100%; font-size: 7pt; break-inside: avoid; }
th, td { border-bottom: 1px solid #ccc; padding: 0.3mm 1mm; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.note, .sources { font-size: 7pt; color: #333; }
@media print { body { padding: 0; } a { color: inherit; text-decoration: none; } }
"""


def esc(value: object) -> str:
    """Text for HTML content or attributes, escaped (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def report_html(ds: Dataset, filters: m.Filters, options: m.Options,
                map_svg: str | None = None, *, now: datetime | None = None,
                map_label: str = "spend by ward") -> str:
    """The whole report as one HTML document (see the module docstring for what it holds);
    `map_label` names what the map image shows (the page's layer, when it follows the page)."""
    now = now or datetime.now()
    s = m.summarise(ds, filters, options)
    title = ds.meta.get("title") or ds.name
    parts = [
        f"<header><h1>{esc(title)}: where the spend goes</h1>",
        f"<p class='meta'>Report of {esc(now.strftime('%d %B %Y, %H:%M'))} · data set "
        f"{esc(ds.name)}{esc(_saved(ds))} · {esc(deprivation_text(ds, options))}</p>",
        _filters(ds, filters, options, now), "</header>",
        _cards(ds, s, filters, options),
        _map(map_svg, map_label),
        "<div class='two'>", _trend(s), _coverage(ds, s), "</div>",
        "<div class='two'>", _top(s, True), _top(s, False), "</div>",
        _individuals_note(s),
        plan_report_section(ds, PlanStore.for_dataset(ds), esc),
        _sources(ds),
    ]
    return _document(f"Anchor spend report: {title}", "\n".join(parts))


def report_map_svg(ds: Dataset, filters: m.Filters, options: m.Options, *,
                   view: ViewState | None = None) -> str | None:
    """A compact SVG of the map for the report (spend by ward, or what `view`, the page's view
    state, shows), or None when it cannot be drawn (no ward geometry, or no browser for
    kaleido: the report then says so in words)."""
    fig = ward_map_figure(ds, m.summarise(ds, filters, options), width_px=560, height_px=380,
                          view=view)
    if fig is None:
        return None
    fig.update_layout(margin={"t": 4, "l": 4, "r": 4, "b": 4})
    try:
        svg = map_image(fig, "svg", width=760, height=400, annotate=False)
    except InputError:
        return None
    return svg.decode("utf-8")


def _document(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{CSS}</style></head>\n"
            f"<body>\n{body}\n</body></html>\n")


def _saved(ds: Dataset) -> str:
    saved = str(ds.meta.get("saved") or "")[:10]
    return f" (saved {saved})" if saved else ""


def _filters(ds: Dataset, filters: m.Filters, options: m.Options, now: datetime) -> str:
    lines = [x for x in filters_text(ds, filters, options, now=now)
             if not x.startswith(("Exported", "Most deprived", "Data set"))]
    return "<ul class='filters'>" + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>"


# --------------------------------------------------------------------------- headline
def _cards(ds: Dataset, s: m.Summary, filters: m.Filters, options: m.Options) -> str:
    h = s.headline
    change = _change(ds, filters, options)
    x = f"most deprived {options.most_deprived}% ({options.reference} reference)"
    cards = [
        ("Total spend", fmt.money(h["total_spend"], places=0),
         f"{fmt.count(h['transactions'])} payments"),
        (f"Share to the {x}", fmt.share(h["share_most_deprived"]),
         f"{fmt.money(h['deprived_spend'], places=0)} of located spend. {change}"),
        ("Local share", fmt.share(h["local_share"]),
         "local area: " + (district_names(m.local_area(ds, options), ds.meta) or fmt.DASH)),
        ("Located (coverage)", fmt.share(h["coverage"]),
         f"{fmt.money(h['unlocated_spend'], places=0)} could not be placed"),
        ("Suppliers", fmt.count(h["suppliers"]), "paid under these filters"),
        ("SME share", fmt.share(h["sme_share"]),
         f"{fmt.share(h['sme_unknown_share'])} unknown"),
        ("VCSE share", fmt.share(h["vcse_share"]),
         f"{fmt.share(h['vcse_unknown_share'])} unknown"),
        ("Local spend", fmt.money(h["local_spend"], places=0),
         "with suppliers in the local area"),
    ]
    body = "".join(f"<div class='card'><div class='l'>{esc(label)}</div>"
                   f"<div class='v'>{esc(value)}</div><div class='s'>{esc(sub)}</div></div>"
                   for label, value, sub in cards)
    # the same words as the page's card tooltips (dashboard.view.cards.DEFINITIONS)
    names = [("Total spend", "total"), ("Share to the most deprived areas", "deprived"),
             ("Local share", "local"), ("Located (coverage)", "coverage"),
             ("Suppliers", "suppliers"), ("SME share", "sme"), ("VCSE share", "vcse")]
    defs = "".join(f"<dt>{esc(name)}</dt><dd>{esc(definition(key, options.most_deprived))}</dd>"
                   for name, key in names)
    return (f"<h2>Headline figures</h2><div class='cards'>{body}</div>"
            f"<dl class='defs'>{defs}</dl>")


def _change(ds: Dataset, filters: m.Filters, options: m.Options) -> str:
    """E.g. "Change from 2022/23: +1.2 points" (the project's rule for the previous period)."""
    current = m.latest_year_filters(filters, ds)
    previous = m.previous_period(current, ds)
    if previous is None:
        return "No earlier year to compare with."
    now_share = m.summarise(ds, current, options).headline["share_most_deprived"]
    then_share = m.summarise(ds, previous, options).headline["share_most_deprived"]
    what = _period_name(previous)
    if now_share is None or then_share is None:
        return f"Change from {what}: {fmt.DASH}"
    since = "" if current == filters else f" ({_period_name(current)})"
    return f"Change from {what}{since}: {fmt.points(now_share - then_share, 'points')}"


def _period_name(f: m.Filters) -> str:
    if f.years:
        return ", ".join(fy_label(y) for y in sorted(f.years))
    start = f.date_from.isoformat() if f.date_from else "start"
    end = f.date_to.isoformat() if f.date_to else "end"
    return f"{start} to {end}"


# --------------------------------------------------------------------------- map and tables
def _map(map_svg: str | None, label: str = "spend by ward") -> str:
    if not map_svg:
        return ("<h2>Map</h2><p class='note'>No map image in this report (drawing maps needs "
                "Chromium on the server). The tables below give the figures.</p>")
    data = base64.b64encode(map_svg.encode("utf-8")).decode("ascii")
    return (f"<h2>Map: {esc(label)}</h2><div class='map'>"
            f"<img alt='Map of {esc(label)}; the figures are in the tables below' "
            f"src='data:image/svg+xml;base64,{data}'></div>")


def _table(frame: pd.DataFrame, numeric: set[str]) -> str:
    head = "".join(f"<th{' class=n' if c in numeric else ''}>{esc(c)}</th>"
                   for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td{' class=n' if c in numeric else ''}>{esc(v)}</td>"
                         for c, v in zip(frame.columns, row)) + "</tr>"
        for row in frame.itertuples(index=False, name=None))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _trend(s: m.Summary) -> str:
    t = s.by_year
    t = t[t["transactions"] > 0]
    if t.empty:
        return "<section><h2>By financial year</h2><p>No payments.</p></section>"
    frame = pd.DataFrame({
        "Year": t["year"].to_numpy(object),
        "Spend": [fmt.money(v, places=0) for v in t["total_spend"]],
        "Most deprived": [fmt.share(v) for v in t["share_most_deprived"]],
        "Local": [fmt.share(v) for v in t["local_share"]],
        "Payments": [fmt.count(v) for v in t["transactions"]],
    })
    return ("<section><h2>By financial year</h2>"
            + _table(frame, {"Spend", "Most deprived", "Local", "Payments"}) + "</section>")


def _top(s: m.Summary, deprived: bool) -> str:
    t = m.supplier_table(s)
    keep = _not_individual(s, t) & (t["most_deprived"].to_numpy(bool) == deprived)
    if not deprived:
        keep &= t["located"].to_numpy(bool)
    t = t[keep].head(TOP_N)
    where = "in" if deprived else "outside"
    title = f"Top {TOP_N} suppliers {where} most deprived {s.options.most_deprived}%"
    if t.empty:
        return f"<section><h2>{esc(title)}</h2><p>None under these filters.</p></section>"
    frame = pd.DataFrame({
        "Supplier": t["supplier"].to_numpy(object),
        "Ward": t["ward"].fillna(fmt.DASH).to_numpy(object),
        "Spend": [fmt.money(v, places=0) for v in t["spend"]],
    })
    return f"<section><h2>{esc(title)}</h2>{_table(frame, {'Spend'})}</section>"


def _not_individual(s: m.Summary, t: pd.DataFrame) -> np.ndarray:
    """Rows of `supplier_table` that are not individuals (their names are withheld)."""
    return ~individual_rows(s, len(t))


def _individuals_note(s: m.Summary) -> str:
    individual = s.ds.suppliers["individual"].to_numpy() == YES
    total = int(s.sup_spend[individual].sum())
    if not total:
        return ""
    return (f"<p class='note'>Payments to individuals ({esc(fmt.money(total, places=0))}) "
            "count in every figure; their names are withheld and they are not listed.</p>")


# --------------------------------------------------------------------------- coverage, sources
def _coverage(ds: Dataset, s: m.Summary) -> str:
    h = s.headline
    present = s.sup_count > 0
    located = int((present & ds.sup_located).sum())
    report = ds.meta.get("import", {}) or {}
    rejected = report.get("rows_rejected", ds.meta.get("rows_rejected"))
    rows = [
        ("Spend placed on the map",
         f"{fmt.share(h['coverage'])} ({fmt.money(h['located_spend'], places=0)})"),
        ("Spend not placed", fmt.money(h["unlocated_spend"], places=0)),
        ("Suppliers located", f"{fmt.count(located)} of {fmt.count(int(present.sum()))}"),
        ("Rows rejected at import", fmt.count(rejected)),
    ]
    body = "".join(f"<tr><th>{esc(k)}</th><td class=n>{esc(v)}</td></tr>" for k, v in rows)
    return ("<section><h2>Data coverage</h2><table><tbody>" + body + "</tbody></table>"
            "<p class='note'>Suppliers are placed by postcode; spend with no known postcode is "
            "in the totals, not on the map or in the shares by area.</p></section>")


def _sources(ds: Dataset) -> str:
    src = ds.meta.get("sources", {}) or {}
    lines = []
    spend = src.get("spend") or []
    if spend:
        names = ", ".join(str(f.get("name")) for f in spend[:6])
        more = f" and {len(spend) - 6} more" if len(spend) > 6 else ""
        lines.append(f"Spend files: {names}{more}.")
    for key, label in (("imd", "Deprivation"), ("wards", "Ward boundaries"),
                       ("postcodes", "Postcodes"), ("suppliers", "Supplier register")):
        value = src.get(key)
        if value:
            lines.append(f"{label}: {_source_name(value)}{_vintage(src, key)}.")
    attribution = ds.meta.get("attribution") or DEFAULT_ATTRIBUTION
    body = "".join(f"<p>{esc(x)}</p>" for x in lines)
    return (f"<footer class='sources'><h2>Sources</h2>{body}<p>{esc(attribution)}</p>"
            "</footer>")


def _source_name(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("name", ""))
    if isinstance(value, list):
        return ", ".join(_source_name(v) for v in value)
    return str(value)


def _vintage(src: dict, key: str) -> str:
    vintage = {"imd": src.get("imd_lsoa_vintage"), "wards": src.get("ward_vintage")}.get(key)
    if isinstance(src.get(key), dict):
        vintage = src[key].get("vintage") or vintage
    return f" ({'LSOA ' if key == 'imd' else ''}{vintage})" if vintage else ""
