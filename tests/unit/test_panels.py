"""The panels beside the map (`dashboard.view.panels`, `dashboard.view.grid`) as plain functions:
what each shows, and what is left out because the page already holds it. No Dash."""
from __future__ import annotations

import json

import pytest

from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters
from dashboard.settings import load_settings
from dashboard.view.cards import headline_cards
from dashboard.view.context import build_context
from dashboard.view.grid import GridUpdate, grid_update
from dashboard.view.panels import CONTENTS, DrillView, Panels, details_panel, panels

URLS = {kind: f"/geometry/{kind}.geojson" for kind in ("wards", "lsoas")}


def context(ds):
    return build_context(ds, load_settings(env={}), URLS)


@pytest.fixture()
def ctx(gds):
    return context(gds)


def show(ctx, query: str, held=None) -> Panels:
    return panels(ctx, ctx.state(query), held)


# --------------------------------------------------------------------------- contents
def cards(ctx, query: str):
    return headline_cards(ctx.summary(ctx.state(query)), ctx.summarise, ctx.ds)


def test_cards(ctx):
    p = show(ctx, "")
    shown, compare = cards(ctx, "")
    assert len(shown) == 7 and p.status == ""
    assert shown[0].value == "£3,951"
    assert compare.startswith("Change: 2023/24")
    assert p.strip[0] == "All anchors"
    assert p.transactions == m.summarise(ctx.ds, Filters()).headline["transactions"]


def test_cards_when_nothing_matches(ctx):
    p = show(ctx, "?cat=Care&flag=sme&caprev=capital")
    assert cards(ctx, "?cat=Care&flag=sme&caprev=capital")[0][0].value == "—"
    assert p.status.startswith("No payments match")


def test_the_panels_compute_no_cards_and_no_details(ctx):
    """Issue 16: the cards and the details have callbacks of their own; the panels callback
    does not make them a second time."""
    assert not {"cards", "compare", "drill"} & set(CONTENTS)


def test_map_words(ctx):
    p = show(ctx, "?layer=ward_rank")
    assert p.ranked_height == p.ranked["layout"]["height"]
    assert "MOST deprived" in json.dumps([p.legend.legend.dark, p.legend.legend.light])
    assert p.sentence.startswith("North received the most spend")
    assert "most deprived first" in p.ranked_heading and p.ranked["data"][0]["type"] == "bar"
    assert [kind for kind, _ in p.legend.extras] == ["supplier", "anchor"]
    assert show(ctx, "?show=").legend.extras == ()


def test_legend_says_when_only_the_largest_suppliers_are_drawn(gds, monkeypatch):
    from layers import supplier_points

    monkeypatch.setattr(supplier_points, "MAX_POINTS", 2)
    ctx = context(gds)
    notes = [text for kind, text in show(ctx, "").legend.extras if kind == "note"]
    assert notes == ["Only the 2 suppliers with the most spend overall are drawn, of 4; the "
                     "suppliers download lists every one."]
    assert show(ctx, "?show=anchors").legend.extras == (("anchor", "Anchor site"),)


def details(ctx, query: str) -> DrillView:
    return details_panel(ctx, ctx.state(query))


def test_drill_down(ctx, hostile_ds):
    assert details(ctx, "") == DrillView()              # nothing selected
    d = details(context(hostile_ds), "?ward=W1")
    assert d.title == "<b>North</b>" and d.total.startswith("£")
    assert d.suppliers.columns == ("Supplier", "Spend (£)", "Payments")
    assert d.suppliers.numeric == (False, True, True)
    names = [row[0] for row in d.suppliers.rows]
    assert "<img src=x onerror=alert(1)>Dep One" in names   # plain text, rendered as text
    assert all(row[1].startswith("£") for row in d.suppliers.rows)
    assert d.years.columns[0] == "Year" and d.years_figure["data"]
    anchor = details(ctx, "?detail=Council")
    assert anchor.suppliers.columns == ("Supplier", "Ward", "Spend (£)", "Payments")
    # a selection with nothing under the filters: its title alone
    assert details(ctx, "?ward=W1&cat=Care&flag=sme&caprev=capital").suppliers is None


def test_trend_covers_every_year(ctx):
    assert show(ctx, "?fy=2023").trend["data"][0]["x"] == ["2022/23", "2023/24"]


def test_summary_is_computed_once_per_filter_state(ctx):
    ctx.summarise.cache_clear()
    for _ in range(3):
        show(ctx, "?fy=2023")
    info = ctx.summarise.cache_info()
    assert info.misses == 2 and info.hits >= 4  # current and all years (the cards: their own)


# --------------------------------------------------------------------------- only what changed
def test_what_the_page_holds_is_not_sent_again(ctx):
    first = show(ctx, "")
    assert all(getattr(first, name) is not None for name in CONTENTS)
    assert first.held["table"] == first.grid.held and set(first.held["panels"]) == set(CONTENTS)
    # a year: the trend (every year) stays; figures move
    year = show(ctx, "?fy=2023", first.held)
    assert year.trend is None and year.ranked_heading is None
    assert year.sentence is not None and year.strip is not None
    assert year.grid.rows is None and year.grid.columns        # only the moved columns
    assert show(ctx, "?fy=2023", year.held) == Panels(transactions=year.transactions)
    # an anchor: the trend moves too
    assert show(ctx, "?fy=2023&anchor=Trust", year.held).trend is not None
    # a record that is not the page's: everything
    for junk in ("x", {"panels": "x"}, {"table": 1, "panels": {}}):
        again = show(ctx, "?fy=2023", junk)
        assert all(getattr(again, name) is not None for name in CONTENTS)
        assert again.grid.rows is not None


def test_presentation_mode_redraws_the_charts(ctx):
    held = show(ctx, "").held
    present = show(ctx, "?present=1", held)
    assert present.trend is not None and present.ranked is not None and present.legend is None


def test_choosing_a_ward_or_an_anchor_recomputes_no_panel(ctx):
    """The selection is the details' business: the same filters with a ward or an anchor chosen
    send nothing from the panels (the links alone, which carry the view), and compute nothing."""
    first = show(ctx, "?fy=2023")
    ctx.summarise.cache_clear()
    for query in ("?fy=2023&ward=W1", "?fy=2023&detail=Council", "?fy=2023&ward=W2&detail=Trust"):
        assert show(ctx, query, first.held) == Panels(transactions=first.transactions)
    assert ctx.summarise.cache_info().misses == 1          # the filter state's own summary
    # a filter change with a ward chosen still moves the panels
    assert show(ctx, "?fy=2022&ward=W1", first.held).sentence is not None


# --------------------------------------------------------------------------- the table
def whole_grid(ctx, query: str) -> tuple[list[dict], list[dict], str]:
    """(rowData, columnDefs, title) the grid gets when it holds nothing yet."""
    g = grid_update(ctx, ctx.state(query), None)
    return g.rows, g.defs, g.title


def test_grid_rows_and_plain_text_columns(hostile_ds):
    ctx = context(hostile_ds)
    rows, defs, title = whole_grid(ctx, "")
    assert title.endswith("wards") and len(rows) == 3
    assert rows[0]["c0"] == "<b>North</b>"
    assert not any("cellRenderer" in d or "dangerously_allow_code" in d for d in defs)
    assert rows[2]["c4"] is None  # undefined average rank is null, not NaN
    lrows, ldefs, ltitle = whole_grid(ctx, "?layer=lsoa_decile")
    assert ltitle.endswith("LSOAs") and len(lrows) == 5
    # a field that is text in one table and money in the other is another column to ag-grid
    assert defs[2]["colId"] == "c2-money" and ldefs[2]["colId"] == "c2-text"


def test_grid_sends_whole_rows_first_then_only_the_columns_a_filter_moved(ctx, gds):
    first = grid_update(ctx, ctx.state(""), None)
    assert first.title.endswith("wards") and first.columns is None
    spend, suppliers = [d["field"] for d in first.defs
                        if d["headerName"] in ("Spend (£)", "Suppliers")]
    g = grid_update(ctx, ctx.state("?fy=2023"), first.held)
    assert g.rows is None and g.defs is None and g.title is None
    assert set(g.columns) <= {spend, suppliers}         # names, codes, deprivation stay
    expected = m.summarise(gds, Filters(years=(2023,))).by_ward["spend"].tolist()
    assert [round(v * 100) for v in g.columns[spend]] == expected
    # written into the rows the page holds, they are the rows a whole answer would send
    merged = [{**row, **{f: cells[i] for f, cells in g.columns.items()}}
              for i, row in enumerate(first.rows)]
    assert merged == whole_grid(ctx, "?fy=2023")[0]
    # the same state again: nothing to send
    assert grid_update(ctx, ctx.state("?fy=2023"), g.held) == GridUpdate()


def test_grid_sends_whole_rows_for_a_new_table(ctx):
    held = grid_update(ctx, ctx.state(""), None).held
    g = grid_update(ctx, ctx.state("?layer=lsoa_decile"), held)
    assert isinstance(g.rows, list) and g.columns is None and g.title.endswith("LSOAs")
    assert g.defs[0]["headerName"] == "LSOA"
    # the LSOA table does not move with the filters: a filter change sends nothing
    assert grid_update(ctx, ctx.state("?layer=lsoa_decile&fy=2023"), g.held) == GridUpdate()
    # a held record that is not the page's (garbage, or another shape) gets whole rows
    for junk in ("x", None, {"shape": "other"}, {"shape": g.held["shape"], "columns": {}}):
        again = grid_update(ctx, ctx.state("?fy=2023"), junk)
        assert isinstance(again.rows, list) and isinstance(again.defs, list)
        assert again.columns is None
    # the right shape with a broken column record: every column is sent
    broken = grid_update(ctx, ctx.state("?fy=2023"), {"shape": held["shape"], "columns": "x"})
    assert set(broken.columns) == set(held["columns"])
