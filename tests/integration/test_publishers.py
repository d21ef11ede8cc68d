"""Real published spend files (shared/spend/publishers): each imports with no option beyond
``--anchor-name`` (files with no organisation column) and ``--period`` (files with no dates), and
gives exactly the figures worked out by hand in its ``expected.json``.

The files are the publishers' own bytes: councils, NHS trusts, police and crime commissioners, the
GLA family; CSV in three encodings, XLSX, XLS and ODS; title rows, two-row headers, footer totals,
monthly sheets, credits printed ``£313.90-``, dates ``4/30/2020``. Skipped where the folder is absent.
"""
from __future__ import annotations

import collections
import json
import warnings
from pathlib import Path

import pytest

from dashboard.ingest.io.spend import NOT_PAYMENT, read_spend
from dashboard.ingest.parse import is_redaction_marker

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT.parent / "shared" / "data" / "spend" / "publishers"
EXPECTED = FOLDER / "expected.json"

pytestmark = pytest.mark.skipif(not EXPECTED.is_file(),
                                reason=f"real publishers' files not found at {FOLDER}")


def _files() -> list[dict]:
    if not EXPECTED.is_file():
        return []
    return json.loads(EXPECTED.read_text(encoding="utf-8"))["files"]


def _read(f: dict):
    options: dict = {}
    if not f["anchor_in_file"]:
        options["anchor_name"] = f["publisher"]
    if f["period"]:
        options["period"] = (f["period"]["from"], f["period"]["to"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # openpyxl on odd print headers
        return read_spend(FOLDER / f["file"], **options)


@pytest.mark.parametrize("f", _files(), ids=lambda f: f["file"][:40])
def test_publisher_file_gives_the_hand_worked_figures(f):
    res = _read(f)
    tx = res.transactions
    assert len(tx) == f["n_payment_rows"]
    assert int(tx["amount_pence"].sum()) == f["total_pence"]
    assert int((tx["amount_pence"] < 0).sum()) == f["n_credit_rows"]
    if f["date_min"]:
        assert str(tx["date"].min().date()) == f["date_min"]
        assert str(tx["date"].max().date()) == f["date_max"]
    if f["anchor_in_file"]:
        assert tx["anchor"].value_counts().index[0] == f["anchor_values"][0]
    names = tx["supplier"].str.upper().str.split().str.join(" ")
    assert names[names != ""].nunique() == f["distinct_suppliers"]
    assert int(tx["supplier"].map(is_redaction_marker).sum()) == f["redacted_rows"]
    assert res.files[0]["gross"] == f["gross_only"]
    not_payments = sum(v for k, v in f["non_payment_rows"].items() if k != "blank")
    assert len(res.rejected) == not_payments


def test_footer_totals_are_rejected_as_totals_and_never_dated_by_a_period():
    """With --period (which the reader's own message suggests), a footer total must not become a
    payment: three councils' totals would double their spend."""
    files = {f["file"]: f for f in _files()}
    f = files["hackney__2023_04.csv"]
    res = read_spend(FOLDER / f["file"], anchor_name="Hackney", period=("2023-04-01", "2023-04-30"))
    assert int(res.transactions["amount_pence"].sum()) == f["total_pence"]
    kinds = collections.Counter(res.rejected["reason"])
    assert kinds[NOT_PAYMENT["total_word"]] + kinds[NOT_PAYMENT["total"]] == 1


def test_workbook_sheets_are_all_read_and_working_copies_reported():
    files = {f["file"]: f for f in _files()}
    police = _read(files["derbyshire_pcc__Jan-to-Dec-2024-expenditure.xlsx"])
    read = [s["sheet"] for s in police.files[0]["sheets"]]
    assert read == files["derbyshire_pcc__Jan-to-Dec-2024-expenditure.xlsx"]["sheets"]
    assert {s["mapping"]["amount"] for s in police.files[0]["sheets"][6:]} == {
        "column F (no header)"}                        # July on: taken by the previous layout
    council = _read(files["worcestershire__Over500SpendReportJan2024.xlsx"])
    assert [s["sheet"] for s in council.files[0]["sheets"]] == ["Over £500 Spend January 2024"]
    assert "purchase-card" in council.files[0]["sheets_skipped"][0]["why"]


def test_month_first_file_is_detected_and_said():
    files = {f["file"]: f for f in _files()}
    res = _read(files["epsom_st_helier__EPSH 01 - April.csv"])
    assert res.files[0]["date_order"].startswith("month-first")


def test_gross_only_files_say_so():
    files = {f["file"]: f for f in _files()}
    res = _read(files["spelthorne__spending_2024_07_july.csv"])
    assert res.files[0]["gross"] and any("gross" in w for w in res.files[0]["warnings"])
    assert res.files[0]["mapping"]["amount"] == "Total"
