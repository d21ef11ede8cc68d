"""read_spend on tiny files built in tmp_path: encodings, formats, mappings, rejects, bad input."""
from __future__ import annotations

import gzip
import random
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.errors import InputError
from dashboard.ingest.io.spend import COLUMNS, SpendImport, detect_mapping, money_column, read_spend
from dashboard.ingest.parse import parse_date, parse_money

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HEADER = "Body Name,Paid Date,Amount,Supplier Name,Supplier ID"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n",
          bom: bool = False) -> Path:
    path = tmp_path / name
    data = text.replace("\n", newline).encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


ROWS = ("Oxford City Council,07/04/2015,1054.11,Acme Ltd,S1",
        "Oxford City Council,08/04/2015,500,Bodgers,S2")


# --- encodings, line endings, compression --------------------------------------------------------

def test_utf8_with_bom(tmp_path):
    res = read_spend(write(tmp_path, "bom.csv", csv_text(*ROWS), bom=True))
    assert res.files[0]["encoding"] == "utf-8-sig"
    assert res.files[0]["mapping"]["anchor"] == "Body Name"  # the BOM is not part of the header
    assert res.transactions["anchor"].tolist() == ["Oxford City Council"] * 2
    assert res.transactions["amount_pence"].tolist() == [105411, 50000]


def test_cp1252_with_pound_sign(tmp_path):
    text = csv_text('Oxford City Council,07/04/2015,"£1,234.50",Café Ltd,S1',
                    "Oxford City Council,07/04/2015,£75.00,Ñandú,S2")
    res = read_spend(write(tmp_path, "win.csv", text, encoding="cp1252"))
    assert res.files[0]["encoding"] == "cp1252"
    assert res.transactions["amount_pence"].tolist() == [123450, 7500]
    assert res.transactions["supplier"].tolist() == ["Café Ltd", "Ñandú"]


def test_a_file_neither_utf8_nor_windows_1252_is_refused_with_its_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(csv_text("Oxford City Council,07/04/2015,10,X\x81Y,S1").encode("latin-1"))
    with pytest.raises(InputError, match=r"latin\.csv: line 2 .*neither UTF-8 nor Windows-1252"):
        read_spend(path)


def test_one_bad_byte_in_a_utf8_file_spoils_only_its_own_line(tmp_path):
    """A stray Windows byte on line 3 must not turn every "£" of the file into "Â£"."""
    good = "Oxford City Council,07/04/2015,£10.00,Café Nero,S1"
    bad = "Oxford City Council,08/04/2015,£20.00,Bad\x96Dash,S2"
    path = tmp_path / "mixed.csv"
    path.write_bytes(csv_text(good, good).encode("utf-8")
                     + bad.encode("utf-8").replace(b"\xc2\x96", b"\x96") + b"\n")
    res = read_spend(path)
    assert res.files[0]["encoding"] == "utf-8 (line 4 read as Windows-1252)"
    assert res.transactions["supplier"].tolist() == ["Café Nero", "Café Nero", "Bad–Dash"]
    assert res.transactions["amount_pence"].tolist() == [1000, 1000, 2000]


def test_utf16_with_bom(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes(csv_text(*ROWS).encode("utf-16"))
    res = read_spend(path)
    assert res.files[0]["encoding"] == "utf-16"
    assert res.transactions["amount_pence"].sum() == 155411


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings_and_line_numbers(tmp_path, newline):
    text = csv_text(ROWS[0], "Oxford City Council,00:00:00,12,Acme,S1", ROWS[1])
    res = read_spend(write(tmp_path, "le.csv", text, newline=newline))
    assert res.transactions["source_line"].tolist() == [2, 4]
    assert res.rejected["line"].tolist() == [3]
    assert res.transactions["supplier"].tolist() == ["Acme Ltd", "Bodgers"]  # no stray \r


def test_gzip_gives_the_same_rows_as_plain(tmp_path):
    plain = write(tmp_path, "q.csv", csv_text(*ROWS))
    gz = tmp_path / "q.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    a, b = read_spend(plain), read_spend(gz)
    assert b.files[0]["name"] == "q.csv.gz"
    pd.testing.assert_frame_equal(a.transactions.drop(columns="source_file"),
                                  b.transactions.drop(columns="source_file"))


def test_uploaded_name_and_bytes_pairs(tmp_path):
    data = csv_text(*ROWS).encode()
    res = read_spend([("upload.csv", data), ("up2.csv.gz", gzip.compress(data + b"\n"))])
    assert [f["name"] for f in res.files] == ["upload.csv", "up2.csv.gz"]
    assert len(res.transactions) == 4
    one = read_spend(("../../etc/x.csv", data))  # a single pair; the name loses any path
    assert one.files[0]["name"] == "x.csv"


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semi.csv"), ("\t", "tabs.tsv"),
                                                 ("|", "pipes.txt")])
def test_other_delimiters(tmp_path, delimiter, name):
    text = csv_text(*ROWS).replace(",", delimiter)
    res = read_spend(write(tmp_path, name, text))
    assert res.transactions["amount_pence"].tolist() == [105411, 50000]


def test_committed_fixture_with_title_rows(tmp_path):
    """tests/fixtures/spend_cp1252_titles.csv: cp1252, CRLF, two title rows, a blank line."""
    res = read_spend(FIXTURES / "spend_cp1252_titles.csv", anchor_name="Test Council")
    info = res.files[0]
    assert (info["encoding"], info["header_line"]) == ("cp1252", 4)
    assert res.transactions["source_line"].tolist() == [5, 6, 8]
    assert res.transactions["amount_pence"].tolist() == [123450, -25000, 99]
    assert info["rows_blank"] == 1


# --- XLSX ----------------------------------------------------------------------------------------

def _xlsx(tmp_path: Path, rows: list[list[object]], name: str = "s.xlsx",
          sheets: dict[str, list[list[object]]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Spend"
    for r in rows:
        ws.append(r)
    for title, other in (sheets or {}).items():
        extra = wb.create_sheet(title, 0)
        for r in other:
            extra.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


def test_xlsx_numeric_and_datetime_cells(tmp_path):
    path = _xlsx(tmp_path, [
        ["Expenditure over £500, Q1"],
        [],
        ["Organisation", "Payment Date", "Amount (£)", "Vendor Name", "Vendor ID"],
        ["NHS Trust", datetime(2024, 3, 31, 0, 0), 1234.565, "Acme Ltd", 20013684],
        ["NHS Trust", 45382, -75, "Bodgers", 20013685.0],
        ["NHS Trust", "31/03/2024", "£1,000.00", "  Text Cells  ", "S3"],
        ["NHS Trust", date(2024, 3, 30), 0.1, "=HYPERLINK(\"http://x\",\"Evil\")", ""],
        ["NHS Trust", datetime(2024, 3, 31), "=1+1", "Formula Amount", "S5"],
    ])
    res = read_spend(path)
    tx = res.transactions
    assert res.files[0]["encoding"] == "xlsx" and res.files[0]["sheet"] == "Spend"
    assert res.files[0]["header_line"] == 3
    assert tx["amount_pence"].tolist() == [123457, -7500, 100000, 10]  # half-up to the penny
    assert tx["date"].dt.date.tolist() == [date(2024, 3, 31)] * 3 + [date(2024, 3, 30)]
    assert tx["supplier_id"].tolist() == ["20013684", "20013685", "S3", ""]
    assert tx["supplier"].tolist()[2:] == ["Text Cells", '=HYPERLINK("http://x","Evil")']
    assert tx["source_line"].tolist() == [4, 5, 6, 7]
    rej = res.rejected
    assert rej["line"].tolist() == [8]
    assert "formula" in rej["reason"].iloc[0] and "=1+1" in rej["raw"].iloc[0]


def test_xlsx_header_found_on_a_later_sheet(tmp_path):
    path = _xlsx(tmp_path, [["Paid Date", "Amount", "Supplier"], ["01/04/2023", 12, "Acme"]],
                 sheets={"Notes": [["This workbook lists payments"], ["See the next sheet"]]})
    res = read_spend(path, anchor_name="College")
    assert res.files[0]["sheet"] == "Spend"
    assert res.transactions["amount_pence"].tolist() == [1200]
    assert res.transactions["source_line"].tolist() == [2]


def test_xlsx_disguised_as_csv_and_old_xls(tmp_path):
    path = _xlsx(tmp_path, [["Paid Date", "Amount", "Supplier"], ["01/04/2023", 12, "Acme"]],
                 name="really-xlsx.csv")
    assert read_spend(path, anchor_name="A").transactions["amount_pence"].tolist() == [1200]
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(InputError, match=r"old\.xls: is not a CSV or spreadsheet file.*CSV or XLSX"):
        read_spend(old, anchor_name="A")     # a damaged .xls: a real one reads (calamine)


# --- headers and mapping -------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "field"), [
    ("Organisation Name,Payment Date,Net Amount,Vendor,Vendor ID", None),
    ("entity,date_paid,amount_paid,payee,supplier_number", None),
    ("Client,Transaction Date,Value,Merchant Name,Supplier ID", None),
    ("BODY,INVOICE DATE,TOTAL,SUPPLIER,SUPPLIER ID", None),
])
def test_header_synonyms(tmp_path, header, field):
    text = csv_text("Council,01/04/2023,10.5,Acme,S1", header=header)
    res = read_spend(write(tmp_path, "syn.csv", text))
    assert set(res.files[0]["mapping"]) == {"anchor", "date", "amount", "supplier", "supplier_id"}
    assert res.transactions[["anchor", "supplier", "supplier_id"]].iloc[0].tolist() == [
        "Council", "Acme", "S1"]
    assert res.transactions["amount_pence"].iloc[0] == 1050


def test_most_specific_synonym_wins(tmp_path):
    header = "Invoice Date,Paid Date,Amount,Supplier,Body"
    text = csv_text("01/03/2023,15/04/2023,10,Acme,Council", header=header)
    res = read_spend(write(tmp_path, "two-dates.csv", text))
    assert res.files[0]["mapping"]["date"] == "Paid Date"
    assert res.transactions["date"].dt.date.iloc[0] == date(2023, 4, 15)


def test_all_optional_fields_and_unknown_columns(tmp_path):
    header = ("Body Name,Paid Date,Amount,Supplier Name,Supplier ID,Supplier Postcode,"
              "Expenditure Category,Service Area,Capital or Revenue,Trans No,Notes,"
              "Expenditure Code")
    text = csv_text("Council , 01/04/2023 , 10 , Acme Ltd ,S1, ox1  1aa ,Grants,Housing,Revenue,"
                    "T-1,ignored,Z1", "Council,01/04/2023,10,Acme,S1,not a postcode,,,,,,",
                    header=header)
    tx = read_spend(write(tmp_path, "full.csv", text)).transactions
    assert list(tx.columns) == list(COLUMNS)
    first = tx.iloc[0]
    assert (first["anchor"], first["supplier"], first["postcode"]) == ("Council", "Acme Ltd",
                                                                      "OX1 1AA")
    assert (first["category"], first["service"], first["capital_revenue"], first["reference"]) == (
        "Grants", "Housing", "Revenue", "T-1")
    assert pd.isna(tx["postcode"].iloc[1])
    assert "Notes" not in tx.columns


def test_explicit_mapping_overrides_detection(tmp_path):
    header = "Org,Posted On,Gross,Payee Nm,Amount"
    text = csv_text("Council,01/04/2023,120.00,Acme,100.00", header=header)
    path = write(tmp_path, "custom.csv", text)
    res = read_spend(path, columns={"anchor": "Org", "date": "Posted On", "amount": "Gross",
                                    "supplier": "payee nm"})
    assert res.files[0]["mapping"]["amount"] == "Gross"
    assert res.transactions["amount_pence"].tolist() == [12000]
    assert res.transactions["supplier"].tolist() == ["Acme"]


def test_explicit_mapping_with_an_unknown_header_names_the_headers(tmp_path):
    path = write(tmp_path, "custom.csv", csv_text(*ROWS))
    with pytest.raises(InputError) as err:
        read_spend(path, columns={"amount": "Gross Value"})
    msg = str(err.value)
    assert "custom.csv" in msg and "'Gross Value'" in msg
    assert "'Paid Date'" in msg and "'Supplier Name'" in msg and "--columns" in msg


#: Two date columns (the payment date wins), net amounts before a plain one (the leftmost of the
#: net ones wins), two spellings of "Net Amount" and no supplier column at all.
MAPPING_HEADER = ["Organisation", "Invoice Date", "Paid Date", "Net_Amount", "Amount", "amount",
                  "net amount", "Notes"]


@pytest.mark.parametrize("strict", [True, False])
def test_detect_mapping_resolves_ambiguous_headers_the_same_in_both_modes(strict):
    found = detect_mapping(MAPPING_HEADER, {}, None, strict=strict)
    assert found == {"anchor": 0, "date": 2, "amount": 3}        # no supplier: not an error here
    assert detect_mapping(MAPPING_HEADER, {}, "Test Council", strict=strict) == {"date": 2,
                                                                                "amount": 3}
    exact = detect_mapping(MAPPING_HEADER, {"amount": "NET AMOUNT"}, None, strict=strict)
    assert exact["amount"] == 6                      # the exact header before the loose one (3)
    taken = detect_mapping(MAPPING_HEADER, {"amount": "Amount", "reference": "Net_Amount"}, None,
                           strict=strict)
    assert taken["reference"] == 3 and taken["amount"] == 4   # an explicit column is not reused


def test_detect_mapping_with_a_missing_explicit_header():
    columns = {"supplier": "Payee Nm", "date": "Invoice Date"}
    with pytest.raises(InputError, match="'Payee Nm'.*'Paid Date'"):
        detect_mapping(MAPPING_HEADER, columns, None, strict=True)
    assert detect_mapping(MAPPING_HEADER, columns, None, strict=False) == {
        "anchor": 0, "date": 1, "amount": 3}         # the rest as found, for the page's preview


def test_unknown_field_in_mapping(tmp_path):
    path = write(tmp_path, "a.csv", csv_text(*ROWS))
    with pytest.raises(InputError, match="Unknown field 'colour'.*anchor, date, amount"):
        read_spend(path, columns={"colour": "Amount"})


def test_wrong_columns_say_what_is_missing_and_what_to_do(tmp_path):
    path = write(tmp_path, "wrong.csv", "Name,Age,Town\nAnn,30,Oxford\n")
    with pytest.raises(InputError) as err:
        read_spend(path)
    msg = str(err.value)
    assert "wrong.csv" in msg and "amount" in msg and "'Name', 'Age', 'Town'" in msg
    assert "--columns FIELD=HEADER" in msg


def test_missing_date_column_without_period(tmp_path):
    path = write(tmp_path, "nodate.csv", csv_text("Council,10,Acme", header="Body,Amount,Supplier"))
    with pytest.raises(InputError, match=r"nodate\.csv: no date column found.*period"):
        read_spend(path)
    res = read_spend(path, period=("2023-04-01", "2023-06-30"))
    assert res.transactions["date"].dt.date.tolist() == [date(2023, 4, 1)]


# --- anchors -------------------------------------------------------------------------------------

def test_anchor_column_and_anchor_name(tmp_path):
    path = write(tmp_path, "a.csv", csv_text(*ROWS))
    assert read_spend(path).transactions["anchor"].unique().tolist() == ["Oxford City Council"]
    named = read_spend(path, anchor_name=" OCC ")
    assert named.transactions["anchor"].unique().tolist() == ["OCC"]
    assert "anchor" not in named.files[0]["mapping"]


def test_no_anchor_column_needs_anchor_name(tmp_path):
    text = csv_text("07/04/2015,10,Acme", header="Paid Date,Amount,Supplier Name")
    path = write(tmp_path, "noanchor.csv", text)
    with pytest.raises(InputError, match=r"noanchor\.csv: has no column naming the organisation"
                                         r".*--anchor-name"):
        read_spend(path)
    assert read_spend(path, anchor_name="Trust").transactions["anchor"].tolist() == ["Trust"]


def test_blank_anchor_cell_is_rejected(tmp_path):
    path = write(tmp_path, "a.csv", csv_text(ROWS[0], ",07/04/2015,10,Acme,S1"))
    res = read_spend(path)
    assert len(res.transactions) == 1
    assert "no anchor" in res.rejected["reason"].iloc[0]


# --- dates and the period ------------------------------------------------------------------------

def test_undated_rows_need_the_period(tmp_path):
    text = csv_text("Council,00:00:00,10,Acme,S1", "Council,,20,Bodgers,S2",
                    "Council,15/05/2014,30,Cogs,S3", "Council,31/02/2014,40,Dodgy,S4")
    path = write(tmp_path, "q1.csv", text)
    res = read_spend(path)
    assert res.transactions["amount_pence"].tolist() == [3000]
    reasons = res.rejected["reason"].tolist()
    assert "no date (the cell holds '00:00:00')" in reasons[0] and "period" in reasons[0]
    assert "no date (the cell is blank)" in reasons[1] and "period" in reasons[1]
    assert "does not exist" in reasons[2]

    dated = read_spend(path, period=(date(2014, 4, 1), date(2014, 6, 30)))
    assert dated.transactions["date"].dt.date.tolist() == [date(2014, 4, 1), date(2014, 4, 1),
                                                            date(2014, 5, 15)]
    assert dated.rejected["line"].tolist() == [5]  # a wrong date is an error, not a missing one


@pytest.mark.parametrize("period", [("2014-06-30", "2014-04-01"), ("soon", "later"), (1, 2)])
def test_bad_period(tmp_path, period):
    with pytest.raises(InputError, match="period"):
        read_spend(write(tmp_path, "a.csv", csv_text(*ROWS)), period=period)


def test_date_formats_in_one_column(tmp_path):
    text = csv_text("C,31/03/2024,1,A,1", "C,31/03/24,1,A,1", "C,2024-03-31,1,A,1",
                    "C,31-Mar-2024,1,A,1", "C,31 March 2024,1,A,1", "C,31/03/2024 00:00:00,1,A,1",
                    "C,45382,1,A,1")
    tx = read_spend(write(tmp_path, "d.csv", text)).transactions
    assert tx["date"].dtype == "datetime64[s]"
    assert set(tx["date"].dt.date) == {date(2024, 3, 31)} and len(tx) == 7


# --- rejected rows, credits, duplicates ----------------------------------------------------------

def test_rejected_rows_keep_file_line_reason_and_raw(tmp_path):
    text = csv_text(ROWS[0], "Council,07/04/2015,abc,Acme,S1", "Council,07/04/2015,,Acme,S1",
                    '"Council","bad date",12,"Smith, J",S9')
    res = read_spend(write(tmp_path, "rej.csv", text))
    rej = res.rejected
    assert list(rej.columns) == ["source_file", "line", "reason", "raw"]
    assert rej["source_file"].unique().tolist() == ["rej.csv"]
    assert rej["line"].tolist() == [3, 4, 5]
    assert rej["reason"].tolist()[:2] == ["amount 'abc' is not a number",
                                          "no amount (the cell is blank)"]
    assert "'bad date' is not a date" in rej["reason"].iloc[2]
    assert rej["raw"].tolist() == ["Council,07/04/2015,abc,Acme,S1", "Council,07/04/2015,,Acme,S1",
                                   "Council,bad date,12,Smith, J,S9"]
    info = res.files[0]
    assert (info["rows_read"], info["rows_accepted"], info["rows_rejected"]) == (4, 1, 3)
    assert res.transactions["amount_pence"].sum() == 105411  # rejected rows are in no total


def test_credit_notes_are_negative_and_sums_exact(tmp_path):
    text = csv_text("C,01/04/2023,-75,A,1", "C,01/04/2023,(250.00),A,1", "C,01/04/2023,-0.01,,",
                    'C,01/04/2023,"(£1,000.10)",A,1', "C,01/04/2023,£-5.5,A,1",
                    "C,01/04/2023,0.1,A,1", "C,01/04/2023,0.2,A,1")
    res = read_spend(write(tmp_path, "cr.csv", text))
    assert res.transactions["amount_pence"].tolist() == [-7500, -25000, -1, -100010, -550, 10, 20]
    assert res.transactions["amount_pence"].sum() == -133031
    assert res.transactions["supplier"].iloc[2] == ""  # blank supplier kept as ""


def test_duplicate_file_is_listed_but_not_counted(tmp_path):
    a = write(tmp_path, "a.csv", csv_text(*ROWS))
    b = tmp_path / "copy-of-a.csv.gz"
    b.write_bytes(gzip.compress(a.read_bytes()))
    c = write(tmp_path, "c.csv", csv_text(ROWS[0]))
    res = read_spend([a, b, c])
    assert len(res.transactions) == 3
    assert [f["duplicate_of"] for f in res.files] == [None, "a.csv", None]
    assert res.files[1]["rows_read"] == 0 and res.files[1]["sha256"] == res.files[0]["sha256"]


def test_distinct_files_with_the_same_name_stay_distinct(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a = write(tmp_path / "x", "spend.csv", csv_text(ROWS[0]))
    b = write(tmp_path / "y", "spend.csv", csv_text(ROWS[1]))
    res = read_spend([a, b])
    assert res.transactions["source_file"].tolist() == ["spend.csv", "spend.csv (2)"]


def test_blank_rows_are_counted_not_rejected(tmp_path):
    text = csv_text(ROWS[0], ",,,,", "", ROWS[1], ",,,,")
    res = read_spend(write(tmp_path, "b.csv", text))
    assert res.transactions["source_line"].tolist() == [2, 5]
    assert res.rejected.empty and res.files[0]["rows_blank"] == 3


def test_quoted_line_breaks_keep_physical_line_numbers(tmp_path):
    text = csv_text('Council,01/04/2023,10,"Acme\nTrading",S1', "Council,01/04/2023,x,B,S2",
                    ROWS[1])
    res = read_spend(write(tmp_path, "ml.csv", text))
    assert res.transactions["source_line"].tolist() == [2, 5]
    assert res.transactions["supplier"].iloc[0] == "Acme\nTrading"
    assert res.rejected["line"].tolist() == [4]


def test_ragged_rows(tmp_path):
    text = csv_text(ROWS[0], "Council,01/04/2023,10,Smith, John,S1", "Council,01/04/2023,12",
                    "Council,01/04/2023,13,Acme,S1,,")
    res = read_spend(write(tmp_path, "rag.csv", text))
    assert res.transactions["amount_pence"].tolist() == [105411, 1200, 1300]
    assert res.rejected["line"].tolist() == [3]
    assert "6 cells but the header has 5" in res.rejected["reason"].iloc[0]
    assert res.rejected["raw"].iloc[0] == "Council,01/04/2023,10,Smith, John,S1"


def test_text_is_kept_verbatim_never_evaluated(tmp_path):
    names = ['<script>alert("x")</script>', "Smith &amp; Sons", "=HYPERLINK(\"http://e\",\"x\")",
             "+SUM(1)", "@cmd", "Ünïcödé ✓"]
    rows = [f'Council,01/04/2023,10,"{n.replace(chr(34), chr(34) * 2)}",S{i}'
            for i, n in enumerate(names)]
    rows.append("Council,01/04/2023,=1+1,Formula,S9")
    res = read_spend(write(tmp_path, "html.csv", csv_text(*rows)))
    assert res.transactions["supplier"].tolist() == names
    assert "formula" in res.rejected["reason"].iloc[0]


def test_contract_dtypes(tmp_path):
    res = read_spend(write(tmp_path, "a.csv", csv_text(*ROWS)))
    assert isinstance(res, SpendImport)
    tx = res.transactions
    assert list(tx.columns) == list(COLUMNS)
    assert tx["date"].dtype == "datetime64[s]" and not tx["date"].isna().any()
    assert tx["amount_pence"].dtype == "int64" and tx["source_line"].dtype == "int64"
    for col in ("anchor", "supplier", "supplier_id", "category", "service", "capital_revenue",
                "reference", "source_file", "postcode"):
        assert tx[col].dtype == "str", col
    assert tx["category"].tolist() == ["", ""]
    assert set(res.files[0]) >= {"name", "sha256", "encoding", "rows_read", "rows_accepted",
                                 "rows_rejected", "mapping", "duplicate_of"}


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"empty\.csv: the file is empty"):
        read_spend(path)


RANDOM = random.Random(20240331)


@pytest.mark.parametrize("content", [
    RANDOM.randbytes(4096), RANDOM.randbytes(60), RANDOM.randbytes(60), RANDOM.randbytes(60),
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + RANDOM.randbytes(200),
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<\x01\x02\x03\x04\x05\x06\x07\x08>>\x0b\x0e\x0f",
    b"PK\x03\x04" + RANDOM.randbytes(100),
])
def test_binary_file_is_not_a_table(tmp_path, content):
    path = tmp_path / "picture.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"picture\.csv: is not a CSV or spreadsheet file"):
        read_spend(path)


def test_header_only_and_all_rejected(tmp_path):
    with pytest.raises(InputError, match="no data rows"):
        read_spend(write(tmp_path, "h.csv", csv_text()))
    with pytest.raises(InputError) as err:
        read_spend(write(tmp_path, "nd.csv", csv_text("Council,00:00:00,10,A,S1")))
    assert "all 1 rows were rejected" in str(err.value) and "period" in str(err.value)
    assert err.value.spend_import.rejected["line"].tolist() == [2]


def test_missing_file_and_no_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_spend(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="No spend file"):
        read_spend([])
    with pytest.raises(InputError, match="not a file"):
        read_spend(tmp_path)


def test_damaged_gzip(tmp_path):
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(gzip.compress(csv_text(*ROWS).encode())[:-12])
    with pytest.raises(InputError, match="damaged gzip"):
        read_spend(path)


def test_size_limit_small(tmp_path):
    path = write(tmp_path, "big.csv", csv_text(*ROWS * 50))
    with pytest.raises(InputError) as err:
        read_spend(path, max_bytes=1000)
    assert "big.csv" in str(err.value) and "limit" in str(err.value)
    assert "max_bytes" in str(err.value)
    gz = tmp_path / "big.csv.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert gz.stat().st_size < 1000
    with pytest.raises(InputError, match="unpacks to more than"):
        read_spend(gz, max_bytes=1000)
    with pytest.raises(InputError, match="limit"):
        read_spend(("up.csv", path.read_bytes()), max_bytes=1000)
    assert len(read_spend(path, max_bytes=10**6).transactions) == 100


def test_size_limit_default_on_a_sparse_200mb_file(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.write(csv_text(*ROWS).encode())
        fh.truncate(201 * 1024 * 1024)  # sparse: costs no disk and no time
    started = time.perf_counter()
    with pytest.raises(InputError, match="200 MB limit"):
        read_spend(path)
    assert time.perf_counter() - started < 2


def test_gzip_bomb_stops_at_the_limit(tmp_path):
    path = tmp_path / "bomb.csv.gz"
    zeros = b"0" * (1 << 20)
    with gzip.open(path, "wb", compresslevel=1) as gz:
        gz.write(csv_text(*ROWS).encode())
        for _ in range(64):
            gz.write(zeros)
    assert path.stat().st_size < 1 << 20
    started = time.perf_counter()
    with pytest.raises(InputError, match="unpacks to more than the 32 MB limit"):
        read_spend(path, max_bytes=32 * 1024 * 1024)
    assert time.perf_counter() - started < 5


# --- the vectorised path equals the per-cell parsers --------------------------------------------

MONEYISH = st.one_of(
    st.from_regex(r"[ \t]?-?£?-?\(?[0-9]{1,14}(,[0-9]{3}){0,4}(\.[0-9]{0,4})?\)?[ \t]?",
                  fullmatch=True),
    st.text(alphabet="0123456789,.-£()+e ", max_size=12),
    st.integers(-10**15, 10**15).map(str),
)


@settings(suppress_health_check=[HealthCheck.too_slow])   # examples: tests/conftest.py
@given(st.lists(MONEYISH, min_size=1, max_size=40))
def test_vectorised_money_equals_parse_money(cells):
    pence, reasons = money_column(pd.Series(cells, dtype="str"))
    for cell, p, why in zip(cells, pence.tolist(), reasons.tolist()):
        try:
            expected = parse_money(cell)
        except ValueError as exc:
            assert why == str(exc), cell
        else:
            assert (p, why) == (expected, None), cell


DATEISH = st.one_of(
    st.dates(min_value=date(1890, 1, 1), max_value=date(2110, 1, 1)).flatmap(
        lambda d: st.sampled_from([d.strftime("%d/%m/%Y"), d.strftime("%d-%b-%y"),
                                   d.isoformat(), d.strftime("%d %B %Y 00:00:00")])),
    st.from_regex(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}", fullmatch=True),
    st.sampled_from(["00:00:00", "", "abc", "45382", "31/02/2024"]),
)


@settings(max_examples=max(10, settings().max_examples // 2))   # each writes and reads a file
@given(st.lists(DATEISH, min_size=1, max_size=20))
def test_read_spend_dates_equal_parse_date(tmp_path_factory, cells):
    rows = [f"C,{c},1,A,S" for c in cells] + ["C,01/01/2020,1,A,S"]
    path = tmp_path_factory.mktemp("d") / "d.csv"
    path.write_text(csv_text(*rows))
    res = read_spend(path)
    got = dict(zip(res.transactions["source_line"], res.transactions["date"].dt.date))
    why = dict(zip(res.rejected["line"], res.rejected["reason"]))
    month_first = (res.files[0]["date_order"] or "").startswith("month")  # decided per file
    for line, cell in enumerate(cells, start=2):
        try:
            expected = parse_date(cell, month_first=month_first)
        except ValueError as exc:
            assert str(exc) in why[line]
        else:
            assert got[line] == expected


def test_million_row_scale_is_fast(tmp_path):
    """100k rows (a tenth of the benchmark) in a few seconds, exact sum."""
    rng = np.random.default_rng(1)
    pence = rng.integers(-10**6, 10**8, size=100_000)
    lines = [f"C,{1 + i % 28:02d}/{1 + i % 12:02d}/2023,{p / 100:.2f},S{i % 500},{i}"
             for i, p in enumerate(pence)]
    path = write(tmp_path, "big.csv", csv_text(*lines))
    started = time.perf_counter()
    res = read_spend(path)
    assert time.perf_counter() - started < 10
    assert res.transactions["amount_pence"].sum() == int(pence.sum())
    assert res.transactions["source_line"].iloc[-1] == 100_001


def _with_saved_values(path, cells: dict[str, tuple[str, str | None]]):
    """The workbook at `path` with the values Excel would save beside the named formula cells
    ({"B3": ("12.5", None), "C3": ("ACME", "str")}): openpyxl writes formulas without them."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, (value, kind) in cells.items():
        typed = f' t="{kind}"' if kind else ""
        xml, n = re.subn(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v ?/>(</v>)?</c>',
                         rf'<c r="{ref}"\1{typed}><f>\2</f><v>{value}</v></c>', xml)
        assert n == 1, ref
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_xlsx_formula_cells_read_as_the_values_excel_saved(tmp_path):
    path = _with_saved_values(_xlsx(tmp_path, [
        ["Organisation", "Payment Date", "Amount (£)", "Vendor Name", "Vendor ID"],
        ["NHS Trust", datetime(2024, 3, 31), "=SUM(1000,234.5)", "Acme Ltd", "S1"],
        ["NHS Trust", datetime(2024, 3, 31), 20, '=UPPER("bodgers")', "S2"],
        ["NHS Trust", datetime(2024, 3, 31), "=1+1", "No Saved Value", "S3"],
    ]), {"C2": ("1234.5", None), "D3": ("BODGERS", "str")})
    res = read_spend(path)
    assert res.transactions["amount_pence"].tolist() == [123450, 2000]
    assert res.transactions["supplier"].tolist() == ["Acme Ltd", "BODGERS"]
    # a formula with no saved value is still its text: rejected, never evaluated
    assert res.rejected["line"].tolist() == [4]
    assert "formula" in res.rejected["reason"].iloc[0] and "=1+1" in res.rejected["raw"].iloc[0]
