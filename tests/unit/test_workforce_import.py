"""Workforce import: header synonyms, encodings and XLSX, rejected and flagged rows, refusal of files
with names or NI numbers, and the privacy rule: no postcode or pay survives in a saved data set.

Postcodes of the NSPL fixture: SR1 1AB (LSOA E01008703, decile 1), SR2 7XY (E01008750, decile 4);
ZZ9 9ZZ is in no directory. The anchor of the tiny sources is "Test Council" (district E08000024).
"""
from __future__ import annotations

import io
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest

from dashboard.engine.living_wage import read_rates
from dashboard.errors import InputError
from dashboard.ingest.catalog import open_dataset
from dashboard.ingest.importer import import_dataset
from dashboard.ingest.io.workforce import WorkforceFile, match_workforce_field, read_workforce
from dashboard.ingest.levers import WORKFORCE_COLUMNS, workforce_counts
from tests.unit.test_importer import write_sources

ANCHORS = pd.DataFrame({"name": ["Test Council", "London Trust"], "type": ["council", "nhs"],
                        "home_area": [("E08000024",), ("E09000001",)]})
LOCATED = {"SR1 1AB": "E01008703", "SR2 7XY": "E01008750"}


def locate(postcodes: np.ndarray) -> pd.DataFrame:
    """The NSPL fixture as a locator: LSOA per postcode, None when not in it."""
    return pd.DataFrame({"postcode": postcodes,
                         "lsoa": [LOCATED.get(p) for p in postcodes]})


def read(text: str, **kw):
    return read_workforce(("staff.csv", text.encode(kw.pop("encoding", "utf-8"))), **kw)


@pytest.mark.parametrize("header,field", [
    ("Home Postcode", "postcode"), ("home_post_code", "postcode"), ("Post Code", "postcode"),
    ("LSOA11CD", "lsoa"), ("lsoa21", "lsoa"), ("LSOA Code", "lsoa"), ("Headcount", "count"),
    ("Hourly Rate (£)", "hourly_pay"), ("Paid at least the real Living Wage", "living_wage"),
    ("Employment Start Date", "start_date"), ("As At", "snapshot"), ("Employer", "anchor"),
    ("Contract Type", "contract"), ("Notes", None), ("Annual Salary", None),
])
def test_header_synonyms(header, field):
    assert match_workforce_field(header) == field


def test_rows_with_synonym_headers_and_title_rows():
    text = ("Staff extract for the network\n\n"
            "Employer,Home Post Code,Hourly Rate,As At,Date Started\n"
            "Test Council,sr1 1ab,£12.50,31/03/2025,01/06/2024\n"
            "Test Council,SR2 7XY,11.00,31/03/2025,01/01/2010\n")
    imp = read(text)
    rows = imp.rows
    assert rows["postcode"].tolist() == ["SR1 1AB", "SR2 7XY"]
    assert rows["pay_pence"].tolist() == [1250, 1100]
    assert rows["new_starter"].tolist() == [True, False]
    assert rows["source_line"].tolist() == [4, 5]
    assert imp.files[0]["headcount"] == 2


def test_cp1252_and_aggregated_counts():
    text = ("Organisation;Postcode;Count;Hourly pay;Snapshot date\r\n"
            "Test Council;SR1 1AB;7;£9.00;2025-03-31\r\n")
    imp = read(text, encoding="cp1252")
    assert imp.files[0]["encoding"] == "cp1252"
    assert imp.rows["count"].tolist() == [7]
    assert imp.rows["pay_pence"].tolist() == [900]


def test_xlsx_with_dates_as_cells():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Home Postcode", "Paid Living Wage", "Snapshot Date"])
    ws.append(["SR1 1AB", "Yes", date(2025, 3, 31)])
    ws.append(["SR2 7XY", "no", date(2025, 3, 31)])
    buf = io.BytesIO()
    wb.save(buf)
    imp = read_workforce(("staff.xlsx", buf.getvalue()), anchor_name="Test Council")
    assert imp.rows["living_wage_given"].tolist() == [1, 0]
    assert imp.rows["anchor"].tolist() == ["Test Council"] * 2


def test_per_file_settings_override_the_call():
    a = WorkforceFile(("a.csv", b"Postcode\nSR1 1AB\n"), anchor_name="Test Council",
                      snapshot=date(2024, 5, 1))
    b = WorkforceFile(("b.csv", b"Postcode\nSR2 7XY\n"), anchor_name="London Trust")
    imp = read_workforce([a, b], snapshot=date(2025, 1, 1))
    assert imp.rows["anchor"].tolist() == ["Test Council", "London Trust"]
    days = imp.rows["snapshot_day"].astype("datetime64[D]").astype(str).tolist()
    assert days == ["2024-05-01", "2025-01-01"]


def test_rejected_rows_have_reasons_and_no_cells():
    text = ("Anchor,Home Postcode,Count,Snapshot Date,Start Date\n"
            "Test Council,SR1 1AB,two,31/03/2025,\n"
            "Test Council,SR1 1AB,0,31/03/2025,\n"
            "Test Council,SR1 1AB,1,,\n"
            "Test Council,SR2 7XY,1,31/03/2025,01/04/2025\n"
            ",SR2 7XY,1,31/03/2025,\n"
            "Test Council,SR2 7XY,3,31/03/2025,\n")
    imp = read(text)
    assert imp.rows["count"].tolist() == [3]
    reasons = dict(zip(imp.rejected["line"], imp.rejected["reason"]))
    assert reasons == {
        2: "the count is not a whole number",
        3: "the count is not a whole number of at least 1",
        4: "no snapshot date: give the file's snapshot date (--snapshot)",
        5: "the start date is after the snapshot date",
        6: "no anchor name",
    }
    assert list(imp.rejected.columns) == ["source_file", "line", "reason"]


@pytest.mark.parametrize("pay,why", [("0.00", "£0 or less"), ("£1,000.00", "£250 an hour or more"),
                                     ("abc", "not an amount")])
def test_implausible_pay_is_flagged_and_counted_as_unknown(pay, why):
    imp = read(f"Home Postcode,Hourly Pay\nSR1 1AB,\"{pay}\"\nSR2 7XY,12.00\n",
               anchor_name="Test Council", snapshot=date(2025, 3, 31))
    assert imp.rows["pay_pence"].tolist() == [-1, 1200]
    assert len(imp.flagged) == 1 and imp.flagged["line"].tolist() == [2]
    assert why in imp.flagged["reason"].iloc[0]
    assert pay not in imp.flagged["reason"].iloc[0]   # the value itself is never repeated


@pytest.mark.parametrize("header", ["Employee Name", "Surname", "First Name", "NI Number",
                                    "National Insurance No", "NINO", "full_name"])
def test_files_with_names_or_ni_numbers_are_refused(header):
    text = f"Home Postcode,{header}\nSR1 1AB,x\n"
    with pytest.raises(InputError, match="refused.*no names or National Insurance numbers"):
        read(text, anchor_name="Test Council", snapshot=date(2025, 3, 31))


def test_ni_numbers_under_another_header_are_refused():
    text = "Home Postcode,Ref\nSR1 1AB,AB123456C\nSR2 7XY,17\n"
    with pytest.raises(InputError, match="National Insurance numbers \\('Ref'\\)"):
        read(text, anchor_name="Test Council", snapshot=date(2025, 3, 31))


def test_no_postcode_column_is_a_clear_error():
    with pytest.raises(InputError, match="no header row with a home postcode or LSOA column"):
        read("Anchor,Pay\nTest Council,12\n")


def test_no_anchor_column_asks_for_the_anchor():
    with pytest.raises(InputError, match="no anchor column"):
        read("Home Postcode\nSR1 1AB\n", snapshot=date(2025, 3, 31))


def test_counts_keep_only_the_allowed_columns_and_locate():
    text = ("Anchor,Home Postcode,LSOA,Hourly Pay,Snapshot Date,New Starter\n"
            "Test Council,SR1 1AB,,12.60,2025-05-01,yes\n"     # = the UK rate from 1 May 2025
            "Test Council,SR1 1AB,,12.59,2025-05-01,no\n"
            "Test Council,ZZ9 9ZZ,,13.00,2025-05-01,no\n"      # not in the directory
            "Test Council,,E01008750,,2025-05-01,no\n"        # LSOA given, pay unknown
            "London Trust,SR2 7XY,,13.00,2025-05-01,no\n"     # below London's £13.85
            "Nobody,SR2 7XY,,13.00,2025-05-01,no\n")          # not an anchor of the network
    counts, report = workforce_counts(read(text), locate, ANCHORS, read_rates())
    assert tuple(counts.columns) == WORKFORCE_COLUMNS
    got = sorted(counts.itertuples(index=False, name=None))
    assert got == sorted([
        ("London Trust", "E01008750", 0, False, "2025-05-01", 1),
        ("Test Council", "", 1, False, "2025-05-01", 1),
        ("Test Council", "E01008703", 0, False, "2025-05-01", 1),
        ("Test Council", "E01008703", 1, True, "2025-05-01", 1),
        ("Test Council", "E01008750", -1, False, "2025-05-01", 1),
    ])
    assert report["headcount"] == 5 and report["located"] == 4
    assert report["postcode_not_found"] == 1 and report["pay_known"] == 4
    assert report["rejected_reasons"] == [
        {"reason": "anchor 'Nobody' is not one of the network's anchors", "rows": 1}]


def test_no_postcode_or_pay_survives_in_the_saved_data_set(tmp_path):
    """Build, save and reload a data set with a workforce: no file of it holds a home postcode,
    an hourly pay, or the text of any workforce cell."""
    src = write_sources(tmp_path / "in")
    staff = tmp_path / "in" / "staff.csv"
    staff.write_text("Anchor,Home Postcode,Hourly Pay,Snapshot Date,Start Date\n"
                     "Test Council,SR1 1AB,£13.37,2025-03-31,2024-09-09\n"
                     "Test Council,SR2 7XY,£17.77,2025-03-31,2001-01-01\n"
                     "Test Council,ZZ9 9ZZ,£0,2025-03-31,2001-01-01\n"
                     "Test Council,SR2 7XY,£11.11,31/02/2025,2001-01-01\n")
    src.workforce = [staff]
    root = tmp_path / "networks"
    ds = open_dataset(import_dataset("t", src, root=root).name, root)
    assert int(ds.workforce["count"].sum()) == 3
    assert set(ds.workforce.columns) == set(WORKFORCE_COLUMNS)
    secrets = [b"ZZ9 9ZZ", b"ZZ99ZZ", b"13.37", b"1337", b"17.77", b"1777", b"11.11", b"1111",
               b"2024-09-09", b"09/09/2024"]
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret not in data, (path.name, secret)
    # SR1 1AB / SR2 7XY are also supplier postcodes in the spend: check the workforce table
    for col in ds.workforce.columns:
        values = ds.workforce[col].astype(str)
        assert not values.str.contains(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$").any()
    report = ds.meta["import"]["workforce"]
    assert report["headcount"] == 3 and report["postcode_not_found"] == 1
    assert report["flagged_reasons"][0]["rows"] == 1


def test_adding_spend_keeps_the_workforce_and_estate(tmp_path):
    """`import --add` with new spend files only keeps the saved counts and sites as they were
    (the workforce files themselves were never kept)."""
    from dataclasses import replace

    src = write_sources(tmp_path / "in")
    staff = tmp_path / "in" / "staff.csv"
    staff.write_text("Anchor,Home Postcode,Snapshot Date\n" + "Test Council,SR1 1AB,2025-03-31\n" * 6)
    estate = tmp_path / "in" / "estate.csv"
    estate.write_text("Organisation,Site Name,Postcode,Status\nTest Council,Depot,SR1 1AB,vacant\n")
    root = tmp_path / "networks"
    first = open_dataset(import_dataset("t", replace(src, workforce=[staff], assets=[estate]),
                                        root=root).name, root)
    more = replace(src, spend=[tmp_path / "in" / "spend2.csv"])
    again = open_dataset(import_dataset("t", more, root=root, add_to=True).name, root)
    assert len(again.tx) > len(first.tx)
    pd.testing.assert_frame_equal(again.workforce, first.workforce)
    assert again.assets["name"].tolist() == ["Depot"]
