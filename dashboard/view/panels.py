"""The panels that follow a filter change, as plain data: one call per view state.

`panels(app_ctx, state, held)` computes the summary once and gives what the page shows beside
the map that follows the filters (the filter strip, the legend, the map's written summary and
ranked chart, the trend chart and the table) as a `Panels` of plain values. `held` is the record
the page keeps of what it holds (the GRID_KEY store: the table's shape and column digests, a
digest of each panel, and the view they were made for): whatever the page already holds is None,
so it is not sent again (a change of year leaves the trend, which shows every year, and usually
the legend as they are), and a change of the selection alone (a ward or an anchor chosen)
computes nothing. The page's callback only renders the values into components.

Two things are not here, each with its own callback so that nothing waits for the rest (issue
16): the headline cards (`dashboard.view.cards`) and the details of the selected ward or anchor
(`details_panel`, one pass over the selection's own transactions).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import pandas as pd

from dashboard import fmt
from dashboard.engine import details
from dashboard.engine import metrics as m
from dashboard.engine.metrics import Summary
from dashboard.view import mapfig
from dashboard.view.charts import ranked_figure, trend_figure, years_figure
from dashboard.view.context import AppContext
from dashboard.view.digest import digest
from dashboard.view.drill import all_years, drill, trend_series
from dashboard.view.grid import GridUpdate, grid_update
from dashboard.view.levers import lever_drill
from dashboard.view.places import district_names
from dashboard.view.state import ViewState, to_query
from dashboard.view.text import filter_strip, map_sentence
from layers import Legend, asset_sites, supplier_points

NO_MATCH = "No payments match these filters. Widen the period or clear a filter."


@dataclass(frozen=True)
class LegendView:
    """The legend of the base layer, and one line per point overlay shown: (kind, text), kind
    "supplier" or "anchor" for a line with that overlay's swatch, "note" for a note."""

    legend: Legend
    extras: tuple[tuple[str, str], ...] = ()
    sizes: tuple[tuple[str, float], ...] = ()   # supplier circles: (amount, diameter in px)


@dataclass(frozen=True)
class TableView:
    """A small table as shown: headings, which columns are numbers, and each row's cell texts."""

    caption: str
    columns: tuple[str, ...]
    numeric: tuple[bool, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class DrillView:
    """The drill-down: nothing selected (no title), nothing matching (a title alone), or the
    selection's total, top suppliers, categories and spend by year."""

    title: str | None = None
    total: str | None = None
    suppliers: TableView | None = None
    categories: TableView | None = None
    years: TableView | None = None
    years_figure: dict[str, Any] | None = None
    anchors: TableView | None = None    # a ward's spend by anchor
    wards: TableView | None = None      # an anchor's wards
    profile: TableView | None = None    # a ward's LSOAs by decile
    compare: TableView | None = None    # the ward beside its local area and England
    levers: TableView | None = None   # staff and sites of the selection (`view/levers.py`)


@dataclass(frozen=True)
class Panels:
    """Every panel's contents for one view state; None where the page already holds it.

    `grid` is the table's update, `held` the record of what the page then holds (None when it
    is unchanged), `transactions` the number of payments under the filters (for the links)."""

    status: str | None = None
    strip: tuple[str, ...] | None = None
    legend: LegendView | None = None
    sentence: str | None = None
    ranked_heading: str | None = None
    ranked: dict[str, Any] | None = None
    ranked_height: int | None = None
    trend: dict[str, Any] | None = None
    grid: GridUpdate = field(default_factory=GridUpdate)
    held: dict[str, Any] | None = None
    transactions: int = 0


#: The Panels fields that are recorded by digest (the table keeps its own record).
CONTENTS = tuple(f.name for f in fields(Panels) if f.name not in ("grid", "held", "transactions"))


def panels(app_ctx: AppContext, state: ViewState, held: Any = None) -> Panels:
    """The panels for `state`, leaving out what `held` (the record a previous call returned:
    {"table": ..., "panels": {field: digest}, "view": ...}; anything else: nothing held) says
    the page has. The same view but for the selection is answered at once, with nothing."""
    held = held if isinstance(held, dict) else {}
    summary = app_ctx.summary(state)
    transactions = int(summary.headline["transactions"])
    view = panels_view(state)
    if held.get("view") == view and isinstance(held.get("panels"), dict):
        return Panels(transactions=transactions)
    ds = app_ctx.ds
    every_year = app_ctx.summarise(all_years(state.filters), state.options)
    heading, ranked = ranked_figure(summary, state)
    contents: dict[str, Any] = {
        "status": NO_MATCH if transactions == 0 else "",
        "strip": tuple(filter_strip(state, ds)),
        "legend": legend_view(app_ctx, summary, state),
        "sentence": map_sentence(summary), "ranked_heading": heading, "ranked": ranked,
        "ranked_height": ranked["layout"]["height"],
        "trend": trend_figure(trend_series(every_year), state.options.most_deprived,
                              state.present),
    }
    before = held.get("panels") if isinstance(held.get("panels"), dict) else {}
    record = {name: digest(_plain(value)) for name, value in contents.items()}
    grid = grid_update(app_ctx, state, held.get("table"), summary)
    now = {"table": grid.held if grid.held is not None else held.get("table"), "panels": record,
           "view": view}
    return Panels(**{name: value for name, value in contents.items()
                     if before.get(name) != record[name]},
                  grid=grid, held=now if now != held else None, transactions=transactions)


def panels_view(state: ViewState) -> str:
    """The view state the panels follow: everything but the selection (the details' own)."""
    return to_query(replace(state, ward=None, detail_anchor=None))


def details_panel(app_ctx: AppContext, state: ViewState) -> DrillView:
    """The details of the selected ward and/or anchor under the filters (with their staff and
    sites): nothing but the selection's own transactions is read (`view.drill`), on the
    summaries the map and the trend already made (cached per filter state)."""
    if not state.ward and not state.detail_anchor:
        return DrillView()
    every_year = app_ctx.summarise(all_years(state.filters), state.options)
    return _with_levers(drill_view(app_ctx.summary(state), state, every_year), app_ctx.ds, state)


def _plain(value: Any) -> Any:
    """A JSON-able form of a panel's contents (dataclasses as dicts)."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return asdict(value) if hasattr(value, "__dataclass_fields__") else value


def legend_view(app_ctx: AppContext, summary: Summary, state: ViewState) -> LegendView:
    """The base layer's legend, and a line for each point overlay shown; a note when only the
    largest suppliers are drawn (more are drawable than `supplier_points.MAX_POINTS`)."""
    extras: list[tuple[str, str]] = []
    sizes: tuple[tuple[str, float], ...] = ()
    if "suppliers" in state.overlays:
        sizes = tuple((fmt.money(amount, compact=True), d)
                      for amount, d in supplier_points.size_key(app_ctx.ds, summary))
        extras.append(("supplier", "Supplier: circle area = spend (individuals never shown)"))
        drawable = supplier_points.drawable_count(app_ctx.ds)
        if drawable > supplier_points.MAX_POINTS:
            extras.append(("note", f"Only the {supplier_points.MAX_POINTS:,} suppliers with the "
                                   f"most spend overall are drawn, of {drawable:,}; the "
                                   "suppliers download lists every one."))
    if "anchors" in state.overlays:
        extras.append(("anchor", "Anchor site"))
    if "assets" in state.overlays:
        extras += [("note", line) for line in asset_sites.key_lines(app_ctx.ds)]
    return LegendView(mapfig.legend_for(app_ctx.ds, summary, state), tuple(extras), sizes)


MONEY_COLUMNS = frozenset({"Spend (£)"})


def drill_view(summary: Summary, state: ViewState, every_year: Summary) -> DrillView:
    """The drill-down of the selected ward and/or anchor (the years from `every_year`)."""
    d = drill(summary, state.ward, state.detail_anchor, every_year)
    if d is None:
        return DrillView()
    if d.suppliers.empty:
        return DrillView(title=d.title)
    cols = ["Supplier", "Spend (£)", "Payments"] if state.ward else [
        "Supplier", "Ward", "Spend (£)", "Payments"]
    cats = pd.DataFrame({"Category": d.categories["category"].replace("", "(none)"),
                         "Spend (£)": d.categories["spend"] / 100,
                         "Payments": d.categories["transactions"]})
    years = pd.DataFrame({"Year": d.years["year"], "Spend (£)": d.years["spend"] / 100,
                          "Share to most deprived": [fmt.share(v) for v in d.years["share"]]})
    return DrillView(
        title=d.title, total=fmt.money(d.total),
        suppliers=table_view(d.suppliers[cols], "Top suppliers"),
        categories=table_view(cats.head(10), "Categories"),
        years=table_view(years, "Spend by financial year"),
        years_figure=years_figure(list(d.years["year"]), [int(v) for v in d.years["spend"]],
                                  state.present),
        **details_view(summary, state))


def details_view(summary: Summary, state: ViewState) -> dict[str, TableView]:
    """The details beside the drill-down's tables: for a ward, its spend by anchor, its LSOAs by
    decile and its deprivation beside its local area's and England's; for an anchor alone, the
    wards receiving most of its spend."""
    out: dict[str, TableView] = {}
    ds = summary.ds
    if state.ward:
        by_anchor = details.ward_by_anchor(summary, state.ward)
        out["anchors"] = table_view(pd.DataFrame({
            "Anchor": by_anchor["anchor"], "Spend (£)": by_anchor["spend"] / 100,
            "Payments": by_anchor["transactions"]}), "Spend by anchor")
        p = details.ward_profile(ds, state.ward, summary.options)
        out["profile"] = table_view(pd.DataFrame({
            "Decile (1 = most deprived)": [str(d) for d in range(1, 11)],
            "LSOAs": p["deciles"]})[lambda t: t["LSOAs"] > 0], "LSOAs by national IMD decile")
        x = summary.options.most_deprived
        area = district_names(m.local_area(ds, summary.options), ds.meta) or "local area"
        rows = [("This ward", p["ward"]), (f"Local area ({area})", p["local_area"]),
                ("England (every LSOA in the deprivation file)", p["england"])]
        out["compare"] = table_view(pd.DataFrame({
            "Area": [name for name, _ in rows],
            "Average IMD rank (1 = most deprived)": [
                fmt.DASH if r is None else f"{r:,.0f}" for _, (r, _d, _n) in rows],
            f"Residents in the most deprived {x}%": [fmt.share(d) for _, (_r, d, _n) in rows],
            "LSOAs": [f"{n:,}" for _, (_r, _d, n) in rows]}), "Compared with")
    elif state.detail_anchor:
        wards = details.anchor_by_ward(summary, state.detail_anchor)
        out["wards"] = table_view(pd.DataFrame({
            "Ward": wards["ward_name"], "Spend (£)": wards["spend"] / 100,
            "Share of its spend in wards": [fmt.share(v) for v in wards["share"]]}),
            "Wards receiving most of its spend")
    return out


def _with_levers(view: DrillView, ds, state: ViewState) -> DrillView:
    """The drill-down with the selection's workforce and estate rows, where there are any."""
    rows = lever_drill(ds, state)
    if rows is None:
        return view
    title = view.title or " — ".join(x for x in (
        details.ward_name(ds, state.ward) if state.ward else None, state.detail_anchor) if x)
    return replace(view, title=title, levers=table_view(rows, "Staff and sites"))


def table_view(df: pd.DataFrame, caption: str) -> TableView:
    """The cells of a small table as text: money (pounds) to the penny, a dash for missing."""
    columns = tuple(str(c) for c in df.columns)
    rows = tuple(tuple(_cell(v, col in MONEY_COLUMNS) for col, v in zip(columns, rec))
                 for rec in df.itertuples(index=False))
    numeric = tuple(c in MONEY_COLUMNS or c == "Payments" for c in columns)
    return TableView(caption, columns, numeric, rows)


def _cell(v: Any, money: bool) -> str:
    if money and v == v:
        return fmt.money(round(v * 100))
    return fmt.DASH if v is None or v != v else str(v)
