"""Get results out: tables as CSV or XLSX with the filters written above them, and map images.

Every export states what it shows: the filters (and "most deprived X%" with its reference) are
written as lines above the table, so a file forwarded by e-mail still says what it is. Files are
written by `dashboard.output.cells` (the one CSV/XLSX writer, whose cells are made safe for
spreadsheets: formula-like text gets a leading quote; numbers stay numbers). Individuals are never
named: their rows say ``metrics.WITHHELD`` and carry no postcode. Map images draw the page's own
map figure (`dashboard.view.mapfig`).

No Dash import: the page, the command line and the printable report all call these functions.
"""
from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.engine import metrics as m
from dashboard.engine.model import CAPREV_LABELS, YES, Dataset
from dashboard.engine.periods import fy_label
from dashboard.errors import InputError
from dashboard.fmt import plot_text
from dashboard.output import imaging
from dashboard.output.cells import (
    FORMULA_START,
    XLSX_MAX_ROWS,
    safe_cell,
    safe_frame,
    to_csv_bytes,
    to_xlsx_bytes,
)
from dashboard.view.mapfig import FIRST_OVERLAY, MapConfig, build_figure, fit_bounds, initial_view
from dashboard.view.places import district_label, district_name
from dashboard.view.state import ViewState
from layers import ward_spend
from layers._common import served_geometry

__all__ = ["FORMULA_START", "XLSX_MAX_ROWS", "safe_cell", "safe_frame", "to_csv_bytes",
           "to_xlsx_bytes"]  # the one CSV/XLSX writer and neutraliser (output.cells), re-exported

DEFAULT_ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right; Contains National Statistics data © "
    "Crown copyright and database right; Indices of Deprivation: Ministry of Housing, Communities "
    "and Local Government. Open Government Licence v3.0."
)
CHROMIUM_HINT = ("map images need Chromium installed: apt-get install chromium "
                 "(or set BROWSER_PATH to a Chrome or Chromium executable)")
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
INDIVIDUALS_ROW = "Individuals (names withheld)"


# --------------------------------------------------------------------------- what the filters say
def filters_text(ds: Dataset, filters: m.Filters, options: m.Options, *,
                 now: datetime | None = None) -> list[str]:
    """Human-readable lines saying which data, filters and deprivation reference a result uses."""
    title = ds.meta.get("title") or ds.name
    saved = str(ds.meta.get("saved") or "")[:10]
    lines = [f"Data set: {title}" + (f" (saved {saved})" if saved else "")]
    lines.append("Anchors: " + (", ".join(filters.anchors) if filters.anchors else "all"))
    lines.append(_period_text(filters))
    lines.append("Categories: " + (", ".join(filters.categories) if filters.categories
                                   else "all"))
    caprev = set(filters.capital_revenue)
    lines.append("Capital/revenue: " + (", ".join(c for c in CAPREV_LABELS if c in caprev)
                                        if caprev and caprev != set(CAPREV_LABELS) else "all"))
    if filters.supplier_flags:
        lines.append("Suppliers: flagged " + " or ".join(f.upper() for f in filters.supplier_flags))
    lines.append("Influenceable spend only" if filters.influenceable_only
                 else "All spend (influenceable or not)")
    lines.append(deprivation_text(ds, options))
    lines.append(f"Exported: {(now or datetime.now()).strftime('%Y-%m-%d %H:%M')}")
    return lines


def _period_text(f: m.Filters) -> str:
    if f.years:
        return "Financial years: " + ", ".join(fy_label(y) for y in sorted(f.years))
    if f.date_from or f.date_to:
        start = f.date_from.isoformat() if f.date_from else "the start"
        end = f.date_to.isoformat() if f.date_to else "the end"
        return f"Dates: {start} to {end} (inclusive)"
    return "Period: all dates"


def deprivation_text(ds: Dataset, options: m.Options) -> str:
    """E.g. "Most deprived 10% (national reference)" with the domain and local area when relevant."""
    domain = "" if options.domain == "imd" else f", {options.domain.replace('_', ' ')} domain"
    if options.reference == "national":
        return f"Most deprived {options.most_deprived}% (national reference{domain})"
    area = ", ".join(district_label(c, ds.meta) for c in m.local_area(ds, options)) or "none"
    return f"Most deprived {options.most_deprived}% (local reference: {area}{domain})"


# --------------------------------------------------------------------------- tables
def transactions_table(ds: Dataset, filters: m.Filters) -> pd.DataFrame:
    """The filtered transactions, one row each, oldest first; individuals never named, and their
    rows carry no postcode, ward, reference or source line (any of them would identify the person).

    Reference, source file and line come from the saved data set's ``details.parquet`` (blank for
    a data set held only in memory).
    """
    mask = m.filter_mask(ds, filters)
    idx = np.arange(len(ds.tx)) if mask is None else np.flatnonzero(mask)
    tx = ds.tx
    sup = tx.supplier[idx]
    individual = ds.suppliers["individual"].to_numpy() == YES
    names = ds.suppliers["display_name"].astype(object).to_numpy(object)
    names = np.where(individual | pd.isna(names), m.WITHHELD, names)
    postcodes = ds.suppliers["postcode"].astype(object).to_numpy(object)
    postcodes = np.where(individual | pd.isna(postcodes), "", postcodes)
    person = individual[sup]   # an individual's row: no place, no line of a source file
    ward_pos = np.where(person, -1, ds.sup_ward[sup])
    ward_names = ds.wards["name"].to_numpy(object) if len(ds.wards) else np.array([""], object)
    ward_codes = ds.wards["code"].to_numpy(object) if len(ds.wards) else np.array([""], object)
    has_ward = ward_pos >= 0
    details = _details(ds, idx)
    out = pd.DataFrame({
        "Anchor": ds.anchors["name"].to_numpy(object)[tx.anchor[idx]],
        "Date": pd.to_datetime(tx.day[idx].astype("datetime64[D]")),
        "Supplier": names[sup],
        "Postcode": postcodes[sup],
        "Ward": np.where(has_ward, ward_names[np.maximum(ward_pos, 0)], ""),
        "Ward code": np.where(has_ward, ward_codes[np.maximum(ward_pos, 0)], ""),
        "Category": np.asarray(ds.categories or ("",), object)[tx.category[idx]],
        "Service": np.asarray(ds.services or ("",), object)[tx.service[idx]],
        "Capital/revenue": np.asarray(CAPREV_LABELS, object)[tx.caprev[idx]],
        "Amount £": tx.amount[idx] / 100.0,
        "Reference": np.where(person, "", details["reference"]),
        "Source file": np.where(person, "", details["source_file"]),
        "Source line": _blank_where(details["source_line"], person),
    })
    return out.sort_values(["Date", "Anchor"], kind="stable").reset_index(drop=True)


def _details(ds: Dataset, idx: np.ndarray) -> dict[str, np.ndarray]:
    """Reference, source file and line of the transactions at `idx` (blank when not saved)."""
    folder = ds.meta.get("folder")
    path = Path(folder) / "details.parquet" if folder else None
    blank = np.full(len(idx), "", object)
    if path is None or not path.exists():
        return {"reference": blank, "source_file": blank,
                "source_line": pd.array([pd.NA] * len(idx), dtype="Int64")}
    frame = pd.read_parquet(path)
    if len(frame) != len(ds.tx):
        raise InputError(f"{path} does not match the data set's transactions: import it again")
    return {"reference": frame["reference"].fillna("").to_numpy(object)[idx],
            "source_file": frame["source_file"].fillna("").to_numpy(object)[idx],
            "source_line": pd.array(frame["source_line"].to_numpy()[idx], dtype="Int64")}


def _blank_where(lines: pd.api.extensions.ExtensionArray, blank: np.ndarray
                 ) -> pd.api.extensions.ExtensionArray:
    """Line numbers (Int64) with those at `blank` missing: an empty cell, still a number column."""
    out = lines.copy()
    out[blank] = pd.NA
    return out


def ward_table_export(ds: Dataset, summary: m.Summary, options: m.Options) -> pd.DataFrame:
    """Per ward of the loaded boundaries: spend, suppliers and (with population) deprivation."""
    wards = summary.by_ward
    located = max(int(summary.headline["located_spend"]), 0)
    out = pd.DataFrame({
        "Ward code": wards["ward_code"].to_numpy(object),
        "Ward": wards["ward_name"].to_numpy(object),
        "Spend £": wards["spend"].to_numpy(np.int64) / 100.0,
        "Share of located spend": [m.ratio(s, located) for s in wards["spend"]],
        "Suppliers": wards["suppliers"].to_numpy(np.int64),
    })
    if "population" in ds.lsoas and int(ds.lsoas["population"].sum()) > 0:
        dep = m.ward_deprivation_table(ds, options)
        label = f"Population share in most deprived {options.most_deprived}% ({options.reference})"
        out["Population"] = dep["population"].to_numpy(np.int64)
        out["Average deprivation rank (population-weighted)"] = dep["imd_avg_rank"].to_numpy(object)
        out[label] = dep["pop_share_most_deprived"].to_numpy(object)
    return out.sort_values("Spend £", ascending=False, kind="stable").reset_index(drop=True)


def ward_table_file(ds: Dataset, summary: m.Summary, ext: str = "csv", *,
                    now: datetime | None = None) -> bytes:
    """The ward table as a file (CSV or XLSX): the filter lines, then `ward_table_export`.

    The one ward table download: the export panel's and the table panel's button give this file.
    """
    lines = filters_text(ds, summary.filters, summary.options, now=now)
    frame = ward_table_export(ds, summary, summary.options)
    if ext == "xlsx":
        return to_xlsx_bytes(frame, lines, sheet="Wards")
    return to_csv_bytes(frame, lines)


def supplier_table_export(summary: m.Summary) -> pd.DataFrame:
    """Suppliers by filtered spend; all individuals folded into one unnamed row with no place."""
    t = m.supplier_table(summary)
    individual = individual_rows(summary, len(t))
    label = f"In most deprived {summary.options.most_deprived}% ({summary.options.reference})"
    named = t[~individual]
    out = pd.DataFrame({
        "Supplier": named["supplier"].to_numpy(object),
        "Postcode": named["postcode"].fillna("").to_numpy(object),
        "Ward": named["ward"].fillna("").to_numpy(object),
        "Spend £": named["spend"].to_numpy(np.int64) / 100.0,
        "Transactions": named["transactions"].to_numpy(np.int64),
        label: np.where(named["most_deprived"].to_numpy(bool), "yes", "no"),
        "Local": np.where(named["local"].to_numpy(bool), "yes", "no"),
        "Located": np.where(named["located"].to_numpy(bool), "yes", "no"),
    })
    if individual.any():
        ind = t[individual]
        out.loc[len(out)] = [INDIVIDUALS_ROW, "", "", int(ind["spend"].sum()) / 100.0,
                             int(ind["transactions"].sum()), "", "", ""]
    return out


def individual_rows(summary: m.Summary, n: int) -> np.ndarray:
    """Which rows of `metrics.supplier_table(summary)` (same order, first `n`) are individuals."""
    spend, count = summary.sup_spend, summary.sup_count
    idx = np.flatnonzero(count > 0)
    idx = idx[np.argsort(-spend[idx], kind="stable")][:n]
    return summary.ds.suppliers["individual"].to_numpy()[idx] == YES


# --------------------------------------------------------------------------- map images
def browser_path() -> str | None:
    """The Chrome/Chromium kaleido will drive: $BROWSER_PATH, Debian's chromium, or PATH."""
    given = os.environ.get("BROWSER_PATH")
    if given:
        return given if os.access(given, os.X_OK) else None
    for path in CHROMIUM_PATHS:
        if os.access(path, os.X_OK):
            return path
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return None
    return Chromium.find_browser(skip_local=False)


def ensure_browser() -> str:
    """Point kaleido at a browser (BROWSER_PATH) or raise InputError saying how to install one."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise InputError("map images need the kaleido package: pip install kaleido") from None
    path = browser_path()
    if not path:
        raise InputError(CHROMIUM_HINT)
    os.environ.setdefault("BROWSER_PATH", path)
    return path


def map_image(fig, fmt: str = "png", *, title: str = "", lines: list[str] | tuple = (),
              attribution: str = DEFAULT_ATTRIBUTION, width: int = 1100, height: int = 850,
              scale: float = 1.0, now: datetime | None = None, annotate: bool = True) -> bytes:
    """The map as PNG or SVG bytes, with title, filter lines, date and attribution drawn on it
    (``annotate=False``: the figure as it is, for a page that states those itself).

    Raises InputError (never crashes the caller) when no browser is installed or drawing fails.
    """
    if fmt not in ("png", "svg"):
        raise InputError(f"map image format {fmt!r}: choose png or svg")
    if fig is None or not len(getattr(fig, "data", None) or fig.get("data", [])):
        raise InputError("there is no map to draw (the data set has no ward boundaries)")
    ensure_browser()
    out = annotated(fig, title=title, lines=lines, attribution=attribution, now=now) if (
        annotate) else fig
    try:   # one warm browser per process: only the first image pays for starting it
        return imaging.render(out, fmt, width=width, height=height, scale=scale)
    except Exception as exc:  # kaleido raises its own types; the page shows a message instead
        if "Chrome" in type(exc).__name__ or "browser" in str(exc).lower():
            raise InputError(CHROMIUM_HINT) from None
        raise InputError(f"could not draw the map image ({type(exc).__name__}: {exc}); "
                         "try again, or export the table instead") from None


def annotated(fig, *, title: str = "", lines: list[str] | tuple = (),
              attribution: str = DEFAULT_ATTRIBUTION, now: datetime | None = None):
    """A copy of `fig` with a title above and the filters, date and attribution below the map."""
    import plotly.graph_objects as go

    out = go.Figure(fig)
    dated = any(str(x).startswith(("Exported", "Drawn")) for x in lines)
    drawn = [] if dated else [f"Drawn: {(now or datetime.now()).strftime('%Y-%m-%d %H:%M')}"]
    footer = [*lines, *drawn, *_wrap(attribution, 150)]
    bottom = 30 + 15 * len(footer)
    out.update_layout(
        title={"text": plot_text(title), "x": 0.01, "xanchor": "left", "font": {"size": 20}},
        margin={"t": 60, "l": 10, "r": 10, "b": bottom},
        paper_bgcolor="white",
    )
    out.add_annotation(text="<br>".join(plot_text(x) for x in footer), xref="paper", yref="paper",
                       x=0, y=0, yshift=-bottom + 8, xanchor="left", yanchor="bottom",
                       align="left", showarrow=False, font={"size": 11, "color": "#222"})
    return out


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = str(text).split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return lines + ([line] if line else [])


def ward_map_figure(ds: Dataset, summary: m.Summary, *, width_px: int = 900,
                    height_px: int = 540, view: ViewState | None = None):
    """The page's map as a plotly figure, for images (export, command line, printable report):
    `dashboard.view.mapfig.build_figure` on the data set's own geometry, no tiles, fitted by the
    page's `initial_view` to a map of about `width_px` x `height_px`. With `view` (the page's
    view state) it shows what is on screen: the base layer, the overlays and the selected ward's
    outline; without, spend by ward alone. The image sets its own size, margins and title on
    top (`map_image`, `annotated`).

    Returns None when the data set has no ward geometry.
    """
    import plotly.graph_objects as go

    if not (ds.meta.get("geometry") or {}).get("wards") or not len(ds.wards):
        return None
    cfg = MapConfig(geojson_urls=served_geometry(ds, lambda c: district_name(c, ds.meta)),
                    view=initial_view(ds, width_px, height_px), bounds=fit_bounds(ds))
    state = ViewState(filters=summary.filters, options=summary.options, layer=ward_spend.KEY,
                      overlays=()) if view is None else replace(
        view, filters=summary.filters, options=summary.options)
    fig, _legend = build_figure(ds, summary, state, cfg)
    if not state.ward:
        # no selection to outline: leave out the (empty) halo traces and their geometry copies
        fig["data"] = fig["data"][:1] + fig["data"][FIRST_OVERLAY:]
    return go.Figure(fig)


def export_filename(what: str, ext: str, *, when: date | None = None) -> str:
    """E.g. ``anchor-spend-transactions-2026-05-01.csv``: safe characters only."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", what).strip("-") or "export"
    return f"anchor-spend-{stem}-{(when or date.today()).isoformat()}.{ext}"
