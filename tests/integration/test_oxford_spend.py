"""read_spend on the 13 real Oxford City Council quarterly files (../shared/data; skipped without).

How each file's headers map (checked by test_every_file_is_mapped). In every file amount,
supplier, supplier_id and reference come from "Amount", "Supplier Name", "Supplier ID", "Trans No"
(or their snake_case forms); the other fields vary:

    file          date       category               service              capital_revenue
    apr-jun-2014  Paid Date  Expenditure Category   Organisational Unit  Type
    apr-jun-2015  Paid Date  Expenditure Category   Organisatonal Unit   Type
    apr-jun-2016  paid_date  expenditure_category   organisational_unit  type
    jan-mar-2014  paid_date  expenditure_category   organisational_unit  caporrev
    jan-mar-2015  Paid Date  Expenditure Unit       Service Area         caporrev
    jan-mar-2016  paid_date  expenditure_category   organisational_unit  caporrev
    jan-mar-2017  Paid Date  Expenditure Catergory  Service Area         Type of Expenditure
    jul-sep-2014  Paid Date  Expenditure Category   Organisational Unit  Type
    jul-sep-2015  Paid Date  Expenditure Category   Organisational Unit  Capital or Revenue
    jul-sep-2016  Paid Date  Expenditure Catergory  Service Area         Type of Expenditure
    oct-dec-2014  paid_date  expenditure_category   organisational_unit  Type
    oct-dec-2015  Paid Date  Expenditure Category   Organisational Unit  Capital or Revenue
    oct-dec-2016  Paid Date  Expenditure Catergory  Service Area         Type of Expenditure

The anchor column is "Body Name"/"body_name"/"Body_Name"/"Organisation"/"Client" (the last holds
"OCC"), and jan-mar-2017 has none, hence anchor_name="Oxford City Council" for the whole set.
"""
from __future__ import annotations

import csv
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from dashboard.errors import InputError
from dashboard.ingest.io.spend import read_spend

pytestmark = pytest.mark.shared

OCC = "Oxford City Council"
UNDATED = "expenditure-over-500-apr-jun-2014.csv"


@pytest.fixture(scope="module")
def oxford_files(shared_data):
    files = sorted((shared_data / "spend" / "oxford_city_council").glob("*.csv"))
    assert len(files) == 13
    return files


@pytest.fixture(scope="module")
def everything(oxford_files):
    return read_spend(oxford_files, anchor_name=OCC)


def _by_hand(path):
    """An independent count and sum in pence: csv module, Decimal, no code from the reader."""
    count, total, rows = 0, 0, []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = [h.strip().lower() for h in next(reader)]
        amount_at = header.index("amount")
        for row in reader:
            amount = row[amount_at].strip()
            assert re.fullmatch(r"-?\d+(\.\d{1,2})?", amount), amount  # plain in this file
            pence = int(Decimal(amount) * 100)
            count, total = count + 1, total + pence
            rows.append(pence)
    return count, total, rows


def test_all_thirteen_files_import(everything, oxford_files):
    assert [f["name"] for f in everything.files] == [p.name for p in oxford_files]
    assert all(f["duplicate_of"] is None and f["encoding"] == "utf-8" for f in everything.files)
    for f, path in zip(everything.files, oxford_files):
        with open(path, newline="", encoding="utf-8") as fh:
            records = sum(1 for _ in csv.reader(fh)) - 1  # no quoted line breaks in these files
        assert f["rows_read"] + f["rows_blank"] == records, f["name"]
    assert len(everything.transactions) == 45306
    assert set(everything.transactions["anchor"]) == {OCC}
    assert everything.transactions["date"].notna().all()
    dates = everything.transactions["date"].dt.date
    assert dates.min() >= date(2014, 1, 1) and dates.max() <= date(2017, 3, 31)


def test_undated_quarter_is_rejected_with_a_reason(everything):
    rej = everything.rejected[everything.rejected["source_file"] == UNDATED]
    assert len(rej) == 3836  # every data row: the Paid Date column holds 00:00:00
    assert rej["line"].tolist() == list(range(2, 3838))
    reasons = set(rej["reason"])
    assert len(reasons) == 1
    reason = reasons.pop()
    assert "no date" in reason and "00:00:00" in reason and "period" in reason
    assert rej["raw"].iloc[0].startswith("Oxford City Council,Policy, Culture and Communication,")
    assert not (everything.transactions["source_file"] == UNDATED).any()


def test_undated_quarter_with_its_period(oxford_files):
    path = next(p for p in oxford_files if p.name == UNDATED)
    res = read_spend(path, anchor_name=OCC, period=(date(2014, 4, 1), date(2014, 6, 30)))
    assert len(res.transactions) == 3836 and res.rejected.empty
    assert set(res.transactions["date"].dt.date) == {date(2014, 4, 1)}
    count, total, _ = _by_hand(path)
    assert (len(res.transactions), int(res.transactions["amount_pence"].sum())) == (count, total)


def test_undated_quarter_alone_without_period_says_what_to_do(oxford_files):
    path = next(p for p in oxford_files if p.name == UNDATED)
    with pytest.raises(InputError) as err:
        read_spend(path, anchor_name=OCC)
    assert "00:00:00" in str(err.value) and "period" in str(err.value)


@pytest.mark.parametrize("name", ["expenditure-over-500-oct-dec-2016.csv",
                                  "expenditure-over-500-jan-mar-2015.csv"])
def test_count_and_sum_agree_with_a_hand_computation(oxford_files, name):
    path = next(p for p in oxford_files if p.name == name)
    count, total, rows = _by_hand(path)
    res = read_spend(path, anchor_name=OCC)
    tx = res.transactions
    assert len(tx) == count and res.rejected.empty
    assert int(tx["amount_pence"].sum()) == total
    assert tx["amount_pence"].tolist() == rows


def test_minus_a_penny_and_blank_suppliers(everything):
    tx = everything.transactions
    penny = tx[tx["amount_pence"] == -1]
    # six "-0.01" rows are published; the apr-jun-2014 one is in the undated (rejected) quarter
    assert sorted(zip(penny["source_file"].str[21:-4], penny["source_line"])) == [
        ("apr-jun-2015", 2117), ("jan-mar-2014", 217), ("jul-sep-2014", 139),
        ("jul-sep-2014", 292), ("oct-dec-2016", 2)]
    last = penny[penny["source_file"].str.contains("oct-dec-2016")].iloc[0]
    assert (last["supplier"], last["supplier_id"], last["category"]) == ("", "", "Difference A/c")
    blank = tx[tx["supplier"] == ""]
    assert len(blank) > 50  # blank supplier names are kept (with their id, where published)
    assert (blank["supplier_id"] != "").sum() >= len(blank) - 5
    # credit notes: 49 negative amounts outside the undated quarter (counted with the csv module)
    assert (tx["amount_pence"] < 0).sum() == 49


def test_trailer_row_is_rejected_not_dropped(everything):
    rej = everything.rejected
    trailer = rej[rej["source_file"] == "expenditure-over-500-jan-mar-2014.csv"]
    assert trailer["line"].tolist() == [3861]
    assert trailer["raw"].iloc[0] == ",,xxx,,,,,,,"
    assert "no amount" in trailer["reason"].iloc[0]


def test_redacted_and_stray_whitespace(everything):
    names = set(everything.transactions["supplier"])
    assert {"Redacted personal data", "Redacted, personal data", "CgMs Ltd."} <= names
    assert not any(n != n.strip() for n in names)


EXPECTED = {
    "apr-jun-2014": ("Paid Date", "Expenditure Category", "Organisational Unit", "Type"),
    "apr-jun-2015": ("Paid Date", "Expenditure Category", "Organisatonal Unit", "Type"),
    "apr-jun-2016": ("paid_date", "expenditure_category", "organisational_unit", "type"),
    "jan-mar-2014": ("paid_date", "expenditure_category", "organisational_unit", "caporrev"),
    "jan-mar-2015": ("Paid Date", "Expenditure Unit", "Service Area", "caporrev"),
    "jan-mar-2016": ("paid_date", "expenditure_category", "organisational_unit", "caporrev"),
    "jan-mar-2017": ("Paid Date", "Expenditure Catergory", "Service Area", "Type of Expenditure"),
    "jul-sep-2014": ("Paid Date", "Expenditure Category", "Organisational Unit", "Type"),
    "jul-sep-2015": ("Paid Date", "Expenditure Category", "Organisational Unit",
                     "Capital or Revenue"),
    "jul-sep-2016": ("Paid Date", "Expenditure Catergory", "Service Area", "Type of Expenditure"),
    "oct-dec-2014": ("paid_date", "expenditure_category", "organisational_unit", "Type"),
    "oct-dec-2015": ("Paid Date", "Expenditure Category", "Organisational Unit",
                     "Capital or Revenue"),
    "oct-dec-2016": ("Paid Date", "Expenditure Catergory", "Service Area", "Type of Expenditure"),
}


def test_every_file_is_mapped(everything):
    for f in everything.files:
        quarter = f["name"].removeprefix("expenditure-over-500-").removesuffix(".csv")
        mapping = f["mapping"]
        assert (mapping["date"], mapping["category"], mapping["service"],
                mapping["capital_revenue"]) == EXPECTED[quarter], quarter
        assert mapping["amount"].lower() == "amount"
        assert mapping["supplier"].lower().replace("_", " ") == "supplier name"
        assert mapping["supplier_id"].lower().replace("_", " ") == "supplier id"
        assert mapping["reference"].lower().replace("_", " ") == "trans no"
        assert "anchor" not in mapping  # anchor_name overrides the column


def test_anchor_columns_without_anchor_name(oxford_files):
    by_name = {p.name: p for p in oxford_files}
    occ = read_spend(by_name["expenditure-over-500-jul-sep-2016.csv"])
    assert set(occ.transactions["anchor"]) == {"OCC"}  # the "Client" column, as published
    assert occ.files[0]["mapping"]["anchor"] == "Client"
    with pytest.raises(InputError, match="has no column naming the organisation.*--anchor-name"):
        read_spend(by_name["expenditure-over-500-jan-mar-2017.csv"])


def test_duplicate_real_file_counts_once(oxford_files, tmp_path):
    copy = tmp_path / "copy.csv"
    copy.write_bytes(oxford_files[1].read_bytes())
    res = read_spend([oxford_files[1], copy], anchor_name=OCC)
    assert res.files[1]["duplicate_of"] == oxford_files[1].name
    assert len(res.transactions) == res.files[0]["rows_accepted"]


def test_fast_enough(oxford_files):
    started = datetime.now()
    read_spend(oxford_files, anchor_name=OCC)
    assert (datetime.now() - started).total_seconds() < 10
