"""Get results out: tables as CSV or XLSX with the filters written above them, and map images.

Every export states what it shows: the filters (and "most deprived X%" with its reference) are
written as lines above the table, so a file forwarded by e-mail still says what it is. Cells are
made safe for spreadsheets: a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with a single quote, so that Excel or LibreOffice shows it as text
instead of running it as a formula ("CSV injection"); numbers stay numbers. Individuals are never
named: their rows say ``metrics.WITHHELD`` and carry no postcode.

No Dash import: the page, the command line and the printable report all call these functions.
"""
from __future__ import annotations

import csv
import io
import os
import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.engine import metrics as m
from dashboard.errors import InputError
from dashboard.engine.model import CAPREV_LABELS, YES, Dataset
from dashboard.engine.periods import fy_label

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Characters XML 1.0 (and so XLSX) cannot hold; dropped from text cells of XLSX exports.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DEFAULT_ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right; Contains National Statistics data © "
    "Crown copyright and database right; Indices of Deprivation: Ministry of Housing, Communities "
    "and Local Government. Open Government Licence v3.0."
)
CHROMIUM_HINT = ("map images need Chromium installed: apt-get install chromium "
                 "(or set BROWSER_PATH to a Chrome or Chromium executable)")
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
INDIVIDUALS_ROW = "Individuals (names withheld)"
XLSX_MAX_ROWS = 1_048_576


# --------------------------------------------------------------------------- safe cells
def neutralise(value: object) -> object:
    """A cell value safe to open in a spreadsheet: formula-like text gets a leading quote.

    Only text is changed; numbers (negative ones included), dates and missing values pass
    through, so that sums still work in the spreadsheet.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell neutralised (numeric columns untouched)."""
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
                or pd.api.types.is_datetime64_any_dtype(values)):
            continue
        if pd.api.types.is_string_dtype(values) and values.dtype != object:
            risky = values.str.startswith(FORMULA_START).fillna(False).to_numpy(bool)
            if risky.any():
                values = values.astype(object)
                values[risky] = "'" + values[risky].astype(str)
            out[col] = values
        else:
            out[col] = values.astype(object).map(neutralise)
    return out


# --------------------------------------------------------------------------- files
def to_csv_bytes(frame: pd.DataFrame, filters_text: list[str]) -> bytes:
    """CSV (UTF-8 with BOM, for Excel) with the filters as ``# `` lines, a blank line, the table
    (no lines and no blank line when `filters_text` is empty).

    Read it back with ``pd.read_csv(buf, skiprows=len(filters_text) + 1, encoding="utf-8-sig")``.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for line in filters_text:
        writer.writerow([f"# {line}"])
    if filters_text:
        writer.writerow([])
    _safe_frame(frame).to_csv(buf, index=False, lineterminator="\r\n", date_format="%Y-%m-%d")
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, filters_text: list[str], *, sheet: str = "Data") -> bytes:
    """XLSX: the filters in the first rows of column A, a blank row, then the table.

    Numbers stay numbers (money columns, named "... £", get a £ number format), dates are dates,
    text is neutralised and stripped of characters XLSX cannot hold.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    room = XLSX_MAX_ROWS - len(filters_text) - 2
    if len(frame) > room:
        raise InputError(f"{len(frame):,} rows are more than a spreadsheet holds ({room:,} "
                         "here): export CSV instead, or narrow the filters")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(sheet))
    for line in filters_text:
        ws.append([_xlsx_text(line)])
    if filters_text:
        ws.append([])
    bold = Font(bold=True)
    header = []
    for col in frame.columns:
        cell = WriteOnlyCell(ws, value=_xlsx_text(str(col)))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    formats = [_number_format(str(c), frame[c]) for c in frame.columns]
    for row in _safe_frame(frame).itertuples(index=False, name=None):
        ws.append([_xlsx_cell(ws, v, f) for v, f in zip(row, formats)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_title(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Data"


def _xlsx_text(value: str) -> str:
    return _XML_ILLEGAL.sub("", value)


def _number_format(name: str, column: pd.Series) -> str | None:
    if name.endswith("£"):
        return "£#,##0.00;-£#,##0.00"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "yyyy-mm-dd"
    return None


def _xlsx_cell(ws, value: object, number_format: str | None):
    from openpyxl.cell import WriteOnlyCell

    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        value = value.date() if isinstance(value, pd.Timestamp) else value
    elif isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, str):
        value = _xlsx_text(value)
    if number_format is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


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
    area = ", ".join(m.local_area(ds, options)) or "none"
    return f"Most deprived {options.most_deprived}% (local reference: {area}{domain})"


# --------------------------------------------------------------------------- tables
def transactions_table(ds: Dataset, filters: m.Filters) -> pd.DataFrame:
    """The filtered transactions, one row each, oldest first; individuals never named.

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
    ward_pos = ds.sup_ward[sup]
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
        "Reference": details["reference"],
        "Source file": details["source_file"],
        "Source line": details["source_line"],
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
    try:
        return out.to_image(format=fmt, width=width, height=height, scale=scale)
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
        title={"text": _plain(title), "x": 0.01, "xanchor": "left", "font": {"size": 20}},
        margin={"t": 60, "l": 10, "r": 10, "b": bottom},
        paper_bgcolor="white",
    )
    out.add_annotation(text="<br>".join(_plain(x) for x in footer), xref="paper", yref="paper",
                       x=0, y=0, yshift=-bottom + 8, xanchor="left", yanchor="bottom",
                       align="left", showarrow=False, font={"size": 11, "color": "#222"})
    return out


def _plain(text: str) -> str:
    """Text for a plotly label: its HTML-like markup characters escaped."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
                    height_px: int = 540):
    """A plain choropleth of spend per ward (pounds) on the data set's drawing geometry.

    For the command line and the printable report; the page draws its own layered map.
    Returns None when the data set has no ward geometry.
    """
    import plotly.graph_objects as go

    geometry = ds.meta.get("geometry", {}).get("wards")
    if not geometry or not len(ds.wards):
        return None
    wards = summary.by_ward
    key = _feature_key(geometry)
    fig = go.Figure(go.Choroplethmap(
        geojson=geometry, featureidkey=f"properties.{key}",
        locations=wards["ward_code"].to_numpy(object), z=wards["spend"].to_numpy() / 100.0,
        text=wards["ward_name"].to_numpy(object), colorscale="Cividis", reversescale=True,
        marker={"line": {"width": 0.6, "color": "#333"}},
        colorbar={"title": {"text": "Spend £"}, "tickprefix": "£", "tickformat": ",.0f"},
        hovertemplate="%{text}<br>£%{z:,.0f}<extra></extra>"))
    fig.update_layout(map={"style": "white-bg", **fit_view(geometry, width_px, height_px)})
    return fig


def _feature_key(geojson: dict) -> str:
    """The property holding ward codes: "code" (our drawing files), else a WDnnCD column."""
    props = (geojson.get("features") or [{}])[0].get("properties", {})
    if "code" in props:
        return "code"
    return next((k for k in props if re.fullmatch(r"WD\d\dCD", k)), "code")


def fit_view(geojson: dict, width_px: int = 900, height_px: int = 650) -> dict:
    """Map centre and zoom that fit every feature of `geojson` into about width x height pixels."""
    xs, ys = [], []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for f in geojson.get("features", []):
        walk((f.get("geometry") or {}).get("coordinates", []))
    if not xs:
        return {"center": {"lon": -1.5, "lat": 53.0}, "zoom": 5}
    lon0, lon1, lat0, lat1 = min(xs), max(xs), min(ys), max(ys)
    y0, y1 = _mercator_y(lat0), _mercator_y(lat1)
    zoom_x = np.log2(width_px * 360 / (512 * max(lon1 - lon0, 1e-6)))
    zoom_y = np.log2(height_px * 2 * np.pi / (512 * max(y1 - y0, 1e-9)))
    centre_lat = float(np.degrees(np.arctan(np.sinh((y0 + y1) / 2))))
    return {"center": {"lon": (lon0 + lon1) / 2, "lat": centre_lat},
            "zoom": float(min(zoom_x, zoom_y, 16) - 0.15)}


def _mercator_y(lat: float) -> float:
    return float(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))


def export_filename(what: str, ext: str, *, when: date | None = None) -> str:
    """E.g. ``anchor-spend-transactions-2026-05-01.csv``: safe characters only."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", what).strip("-") or "export"
    return f"anchor-spend-{stem}-{(when or date.today()).isoformat()}.{ext}"
