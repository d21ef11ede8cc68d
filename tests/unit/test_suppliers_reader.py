"""read_suppliers, is_personal and supplier_key: synonyms, three-valued flags, duplicates."""
from __future__ import annotations

import gzip
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dashboard.errors import InputError
from dashboard.ingest.io.suppliers import is_personal, parse_flag, read_suppliers, supplier_key

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OUT_COLUMNS = ["supplier_id", "name", "postcode", "sme", "vcse", "individual", "type"]


def test_fixture_register():
    """tests/fixtures/supplier_register.csv: a title row, duplicates by id and by name+postcode."""
    df = read_suppliers(FIXTURES / "supplier_register.csv")
    assert list(df.columns) == OUT_COLUMNS
    assert df["name"].tolist() == ["Atkins Limited", "Oxford Homeless Pathways", "ROY LEACH",
                                   "Acme Widgets Ltd"]
    assert df["supplier_id"].tolist() == ["20013684", "20013685", "20013686", ""]
    assert df["postcode"].tolist() == ["SW1P 1AA", "OX1 1HA", "OX4 2AB", "OX2 6QY"]
    assert df["sme"].tolist() == [False, pd.NA, True, True]
    assert df["vcse"].tolist() == [False, True, False, False]
    # Acme's "individual" was blank in its first row and 0 in its duplicate: filled from it
    assert df["individual"].tolist() == [False, False, True, False]
    assert df["type"].tolist() == ["Company", "Charity", "Individual", "Company"]
    assert df.attrs["duplicates"] == 2


def test_dtypes(tmp_path):
    df = read_suppliers(FIXTURES / "supplier_register.csv")
    for col in ("sme", "vcse", "individual"):
        assert df[col].dtype == "boolean"
    for col in ("supplier_id", "name", "postcode", "type"):
        assert df[col].dtype == "str"


@pytest.mark.parametrize("header", [
    "Name,Postcode,Is SME,Voluntary,Individual,Type",
    "Vendor,Supplier Postcode,Small or Medium,Third Sector,Is Individual,Supplier Type",
    "Payee,post_code,sme,Social Enterprise,sole trader,type",
    "Supplier,POSTCODE,SME,Charity,Individual,TYPE",
])
def test_header_synonyms(tmp_path, header):
    path = tmp_path / "reg.csv"
    path.write_text(f"{header}\nAcme,ox1 1aa,yes,no,,Company\n")
    df = read_suppliers(path)
    row = df.iloc[0]
    assert (row["name"], row["postcode"], row["sme"], row["vcse"]) == ("Acme", "OX1 1AA", True,
                                                                      False)
    assert pd.isna(row["individual"]) and row["supplier_id"] == ""


def test_ids_only_register(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("Vendor ID,SME\n1,Y\n2,N\n1,\n")
    df = read_suppliers(path)
    assert df["supplier_id"].tolist() == ["1", "2"] and df["sme"].tolist() == [True, False]
    assert df["name"].tolist() == ["", ""]


@pytest.mark.parametrize(("value", "flag"), [
    ("yes", True), ("Y", True), ("TRUE", True), ("true", True), ("1", True), (1, True),
    (True, True), ("Small", True), ("no", False), ("N", False), ("False", False), ("0", False),
    (0, False), (0.0, False), (False, False), ("Large", False), ("", None), (None, None),
    ("unknown", None), ("maybe", None), (2, None), (float("nan"), None), (" yes ", True),
])
def test_parse_flag(value, flag):
    assert parse_flag(value) is flag


def test_xlsx_register_with_bool_and_numeric_cells(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Supplier ID", "Supplier Name", "Postcode", "SME", "VCSE"])
    ws.append([20013684, "Atkins Limited", "SW1P1AA", True, 0])
    ws.append([20013685.0, "Oxford Homeless Pathways", None, None, "Yes"])
    path = tmp_path / "reg.xlsx"
    wb.save(path)
    df = read_suppliers(path)
    assert df["supplier_id"].tolist() == ["20013684", "20013685"]
    assert df["postcode"].iloc[0] == "SW1P 1AA" and pd.isna(df["postcode"].iloc[1])
    assert df["sme"].tolist() == [True, pd.NA] and df["vcse"].tolist() == [False, True]


def test_gzip_and_upload(tmp_path):
    data = (FIXTURES / "supplier_register.csv").read_bytes()
    path = tmp_path / "reg.csv.gz"
    path.write_bytes(gzip.compress(data))
    assert len(read_suppliers(path)) == 4
    assert len(read_suppliers(("reg.csv", data))) == 4


def test_rows_without_name_or_id_are_dropped(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_text("Supplier Name,Postcode\nAcme,OX1 1AA\n,OX1 1AB\n")
    assert read_suppliers(path)["name"].tolist() == ["Acme"]


def test_same_name_different_postcode_are_two_suppliers(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_text("Supplier Name,Postcode\nAcme Ltd,OX1 1AA\nACME LIMITED,SR1 1AA\n"
                    "Acme,ox11aa\n")
    df = read_suppliers(path)
    assert df["postcode"].tolist() == ["OX1 1AA", "SR1 1AA"]


def test_not_a_register(tmp_path):
    path = tmp_path / "spend.csv"
    path.write_text("Date,Amount\n01/01/2024,10\n")
    with pytest.raises(InputError, match=r"spend\.csv: no supplier register header.*'Date'"):
        read_suppliers(path)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_suppliers(empty)


@pytest.mark.parametrize("name", [
    "Redacted personal data", "Redacted, personal data", "REDACTED", "Personal data",
    "Withheld", "Redacted Personal Data", "Name withheld", "Personal Information",
    "Withheld - data protection", "Private individual", "redacted - personal data", "GDPR",
])
def test_is_personal(name):
    assert is_personal(name)


@pytest.mark.parametrize("name", [
    "Personal Data Solutions Ltd", "Acme Ltd", "ROY LEACH", "", None, "Data", "Oxford Pride Group",
    "The Personal Touch Cleaning",
])
def test_is_not_personal(name):
    assert not is_personal(name)


@pytest.mark.parametrize(("a", "b"), [
    (("Acme Widgets Ltd", "ox1 1aa"), ("ACME WIDGETS LIMITED", "OX11AA")),
    (("Smith & Co.", None), ("SMITH AND CO", "")),
    (("  acme   widgets ", "OX1  1AA"), ("Acme Widgets PLC", "ox1 1aa")),
])
def test_supplier_key_matches_spellings(a, b):
    assert supplier_key(*a) == supplier_key(*b)


def test_supplier_key_separates_postcodes_and_names():
    assert supplier_key("Acme", "OX1 1AA") == "ACME|OX1 1AA"
    assert supplier_key("Acme", None) == "ACME|"
    assert supplier_key("Acme", "not a postcode") == "ACME|"
    assert supplier_key("Acme", "OX1 1AA") != supplier_key("Acme", "OX1 1AB")
    assert supplier_key("Acme", "OX1 1AA") != supplier_key("Acme Two", "OX1 1AA")
