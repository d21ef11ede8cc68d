"""The table of the map's figures in a real browser: after a filter change it shows the new
figures, though only the columns that moved were sent (assets/grid_values.js); after another
table, its own columns, formatted as its own."""
from __future__ import annotations

import json

import pytest

from dashboard.engine import metrics as m
from dashboard.engine.metrics import Filters
from tests.browser.conftest import assert_clean
from tests.browser.helpers import goto, settle, tick

pytestmark = pytest.mark.browser

#: {column heading: [cell text of each row, in the grid's row order]} of the rows the grid holds.
TABLE_JS = """() => {
  const heads = {};
  document.querySelectorAll('#grid .ag-header-cell').forEach(h => {
    heads[h.getAttribute('col-id')] = h.textContent.trim();
  });
  const rows = Array.from(document.querySelectorAll('#grid .ag-center-cols-container .ag-row'))
    .sort((a, b) => Number(a.getAttribute('row-index')) - Number(b.getAttribute('row-index')));
  const out = {};
  Object.keys(heads).forEach(id => {
    out[heads[id]] = rows.map(r => {
      const c = r.querySelector('[col-id="' + id + '"]');
      return c ? c.textContent.trim() : null;
    });
  });
  return out;
}"""


def _table(page) -> dict[str, list[str]]:
    return page.evaluate(TABLE_JS)


def _grid_answers(page) -> list[str]:
    """What the grid callback's answers seen from now on carried: "rows" (the whole table, with
    its columns) or "columns" (only the columns that moved)."""
    seen: list[str] = []

    def on_response(resp):
        if "_dash-update-component" not in resp.url:
            return
        try:
            answer = json.loads(resp.body()).get("response", {})
        except Exception:  # noqa: BLE001 - a 204 has no body
            return
        if any(prop.startswith("rowData") for prop in answer.get("grid", {})):
            seen.append("rows")
        if answer.get("grid-values", {}).get("data"):
            seen.append("columns")

    page.on("response", on_response)
    return seen


def _wait_for(page, answers: list, count: int) -> None:
    """Let the response listener catch up (it reads bodies after the page has used them)."""
    for _ in range(50):
        if len(answers) >= count:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)        # and nothing more arrives


def _spend_by_code(live, filters: Filters) -> dict[str, str]:
    s = m.summarise(live.ds, filters)
    return {code: f"£{v / 100:,.2f}" for code, v in zip(s.by_ward["ward_code"], s.by_ward["spend"])}


def _table_when(page, expected: dict[str, str], timeout_ms: int = 10000) -> dict[str, list[str]]:
    """The table once its spend column shows `expected` ({code: cell}); ag-grid draws new rows
    a moment after Dash has them, later on a busy machine. The last table read if it never
    does (the caller's assertion then says how it differs)."""
    table = _table(page)
    for _ in range(timeout_ms // 100):
        if "Code" in table and dict(zip(table["Code"], table["Spend (£)"])) == {
                c: expected.get(c) for c in table["Code"]}:
            break
        page.wait_for_timeout(100)
        table = _table(page)
    return table


def test_a_year_change_shows_new_figures_from_the_columns_that_moved(page, live):
    answers = _grid_answers(page)
    goto(page, live.url + "/")
    before = _table(page)
    tick(page, "f-years", "2023/24")
    settle(page)
    expected = _spend_by_code(live, Filters(years=(2023,)))
    after = _table_when(page, expected)
    _wait_for(page, answers, 2)
    assert answers == ["rows", "columns"]          # whole first, then the columns that moved
    assert after["Ward"] == before["Ward"] and after["Code"] == before["Code"]
    shown = dict(zip(after["Code"], after["Spend (£)"]))
    assert shown == {code: expected[code] for code in after["Code"]}
    assert after["Spend (£)"] != before["Spend (£)"]
    assert_clean(page)


def test_another_layer_brings_a_whole_table_and_back(page, live):
    answers = _grid_answers(page)
    goto(page, live.url + "/?layer=lsoa_decile")
    assert "LSOA" in _table(page)
    tick(page, "f-years", "2023/24")            # the LSOA table does not move with the years
    settle(page)
    tick(page, "map-layer", "Spend by ward")
    settle(page)
    expected = _spend_by_code(live, Filters(years=(2023,)))
    table = _table_when(page, expected)
    _wait_for(page, answers, 2)
    assert dict(zip(table["Code"], table["Spend (£)"])) == {c: expected[c] for c in table["Code"]}
    assert answers == ["rows", "rows"]
    assert_clean(page)
