"""One money formatter (`dashboard.fmt`): pence rounded half up to the precision shown, the same in
the page, the printable report and the command line's table."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from dashboard import fmt
from dashboard.engine import metrics as m
from dashboard.engine.model import build_dataset
from dashboard.output import printable as p
from dashboard.output.figures import metrics_text
from dashboard.view.cards import headline_cards
from tests import tiny

NOW = datetime(2026, 5, 2, 9, 30)


# pence, exact, whole pounds, compact
@pytest.mark.parametrize("pence, exact, whole, compact", [
    (None, "—", "—", "—"),
    (float("nan"), "—", "—", "—"),
    (0, "£0.00", "£0", "£0"),
    (1, "£0.01", "£0", "£0"),
    (49, "£0.49", "£0", "£0"),
    (50, "£0.50", "£1", "£1"),                    # half up, not to even
    (149, "£1.49", "£1", "£1"),
    (150, "£1.50", "£2", "£2"),
    (250, "£2.50", "£3", "£3"),                   # round() would say £2
    (350, "£3.50", "£4", "£4"),
    (-1, "-£0.01", "£0", "£0"),                   # no "-£0"
    (-50, "-£0.50", "-£1", "-£1"),                # half away from zero
    (-250, "-£2.50", "-£3", "-£3"),
    (-20_000, "-£200.00", "-£200", "-£200"),
    (395_050, "£3,950.50", "£3,951", "£3,951"),
    (9_999_949, "£99,999.49", "£99,999", "£99,999"),
    (9_999_950, "£99,999.50", "£100,000", "£100k"),
    (12_345_678, "£123,456.78", "£123,457", "£123k"),
    (25_050_000, "£250,500.00", "£250,500", "£251k"),     # 250.5k: half up
    (99_999_950, "£999,999.50", "£1,000,000", "£1.00m"),  # not "£1,000k"
    (1_240_000_00, "£1,240,000.00", "£1,240,000", "£1.24m"),
    (1_235_000_00, "£1,235,000.00", "£1,235,000", "£1.24m"),
    (12_350_000_00, "£12,350,000.00", "£12,350,000", "£12.4m"),
    (12_345_678_90, "£12,345,678.90", "£12,345,679", "£12.3m"),
    (4_071_935_000, "£40,719,350.00", "£40,719,350", "£40.7m"),
    (99_950_000_000, "£999,500,000.00", "£999,500,000", "£1.00bn"),
    (123_456_789_012, "£1,234,567,890.12", "£1,234,567,890", "£1.23bn"),
    (-12_350_000_00, "-£12,350,000.00", "-£12,350,000", "-£12.4m"),
    (np.int64(250), "£2.50", "£3", "£3"),
    (249.5, "£2.50", "£3", "£3"),                 # fractions of a penny: half up first
    (249.49, "£2.49", "£2", "£2"),
])
def test_money(pence, exact, whole, compact):
    assert fmt.money(pence) == exact
    assert fmt.money(pence, places=0) == whole
    assert fmt.money(pence, compact=True) == compact


def test_signed_money_and_points_use_the_same_rounding():
    assert fmt.signed_money(250) == "+£3" and fmt.signed_money(-250) == "-£3"
    assert fmt.points(0.015) == "+1.5 pts" and fmt.points(0.015, "points") == "+1.5 points"
    assert fmt.percent(12.25, 1) == fmt.share(0.1225)


def _one_payment(pence: int):
    """The tiny network's places, with one payment of `pence`."""
    tx = pd.DataFrame({"anchor": ["Council"], "supplier_idx": [0], "amount_pence": [pence],
                       "date": pd.to_datetime(["2023-05-01"]), "category": ["Care"],
                       "capital_revenue": ["Revenue"], "influenceable": [True]})
    return build_dataset(tx, tiny.SUPPLIERS, tiny.ANCHORS, tiny.LSOAS, tiny.WARDS, name="one")


def test_250_pence_shows_the_same_in_the_report_and_on_the_page():
    ds = _one_payment(250)
    s = m.summarise(ds)
    assert s.headline["total_spend"] == 250
    cards, _ = headline_cards(s, lambda f, o: m.summarise(ds, f, o), ds)
    page = next(c for c in cards if c.key == "total").value
    html = p.report_html(ds, m.Filters(), m.Options(), None, now=NOW)
    assert page == "£3"
    assert "<div class='v'>£3</div>" in html and "£2<" not in html


def test_the_command_lines_table_formats_money_like_the_page():
    result = {"most_deprived": 10, "reference": "national", "local_area": [],
              "total_spend": -2.5, "located_spend": 999999.5, "unlocated_spend": 0.0,
              "coverage": 0.5, "deprived_spend": 0.0, "share_most_deprived": None,
              "local_spend": 0.0, "local_share": 0.1235, "sme_share": 0.0, "vcse_share": 0.0,
              "suppliers": 1234, "transactions": 5, "rejected_rows": 0,
              "by_anchor": [], "by_ward": []}
    lines = {line.split()[0]: line.split()[-1] for line in metrics_text(result).splitlines()
             if line.startswith("  ")}
    assert lines["total_spend"] == "-£2.50" and lines["located_spend"] == "£999,999.50"
    assert lines["share_most_deprived"] == fmt.DASH and lines["local_share"] == "12.3%"
    assert lines["suppliers"] == "1,234"
