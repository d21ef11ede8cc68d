"""XLSX cells formatted as the page shows them (issue 16): shares held as fractions shown as
percentages, ranks as whole numbers, money in pounds; the values themselves unchanged."""
from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook

from dashboard.output.cells import to_xlsx_bytes


def _cells(frame: pd.DataFrame) -> dict[str, tuple[object, str]]:
    ws = load_workbook(io.BytesIO(to_xlsx_bytes(frame, ["Data set: test"]))).active
    rows = list(ws.iter_rows(values_only=False))
    head = [c.value for c in rows[2]]
    return {h: (c.value, c.number_format) for h, c in zip(head, rows[3])}


def test_shares_percent_ranks_whole_money_pounds():
    frame = pd.DataFrame({
        "Ward": ["North"], "Spend £": [1234.5], "Share of located spend": [0.1430513],
        "Population share in most deprived 10% (national)": [0.25],
        "Average deprivation rank (population-weighted)": [7126.045160362433],
        "IMD rank (1 = most deprived)": [17], "Suppliers": [14],
        "Share to most deprived (%)": [14.3],                # already in percent: left alone
        "Shared with": ["text"],                             # words: left alone
    })
    cells = _cells(frame)
    assert cells["Share of located spend"] == (0.1430513, "0.0%")       # the value kept
    assert cells["Population share in most deprived 10% (national)"][1] == "0.0%"
    assert cells["Average deprivation rank (population-weighted)"] == (7126.045160362433,
                                                                       "#,##0")
    assert cells["IMD rank (1 = most deprived)"][1] == "#,##0"
    assert cells["Spend £"][1].startswith("£#,##0.00")
    assert cells["Suppliers"][1] == "General"
    assert cells["Share to most deprived (%)"][1] == "General"
    assert cells["Shared with"][1] == "General"
