"""Header recognition by patterns and ranking, on the headers real publishers use."""
from __future__ import annotations

import pytest

from dashboard.ingest.headers import best_field, choose, gross_note

from .test_spend_reader import write


@pytest.mark.parametrize("header, field", [
    ("Gross Amount £", "amount"), ("Expenditure Amount (exc VAT)", "amount"),
    (" Invoice Amount (Excluding VAT) ", "amount"), ("AMT LINE", "amount"),
    ("Amount in £", "amount"), ("Amounts", "amount"), ("£ SPEND (EXCLUDING VAT)", "amount"),
    ("Pay Date", "date"), ("Clearing Date", "date"), ("4. DATE PAID", "date"),
    ("* Date", "date"), ("Trans.date", "date"), ("Date of payment", "date"),
    ("Creditor Name", "supplier"), ("5. BENEFICIARY", "supplier"), ("NAME VEND", "supplier"),
    ("Supplier or Party Name", "supplier"), ("Supplier name (Amended)", "supplier"),
    ("Supplier(T)", "supplier"), ("Entuty", "anchor"), ("Authority Name", "anchor"),
    ("Vat", None), ("VAT Amount", None), ("Non Recoverable VAT", None), ("Line Number", None),
    ("Supplier Category", None), ("Notes", None),
])
def test_a_header_is_read_by_its_words(header, field):
    assert best_field(header) == field


def _pick(header: list[str], samples: list[list] | None = None) -> dict[str, str]:
    mapping, _ = choose(header, samples or [[] for _ in header])
    return {f: header[i] for f, i in mapping.items()}


@pytest.mark.parametrize("header, amount", [
    (["Line Amount", "Invoice Amount", "Net Amount"], "Line Amount"),      # line first
    (["Sub Amount", "Invoice Amount"], "Sub Amount"),
    (["Gross", "VAT", "Net"], "Net"),                                      # net before gross
    (["Net value", "VAT Value", "Gross"], "Net value"),
    (["Gross", "Vat"], "Gross"),                                           # gross when alone
    (["Amount", "Non Recoverable VAT"], "Amount"),
])
def test_amount_ranking_line_then_net_never_vat(header, amount):
    assert _pick(header + ["Supplier"])["amount"] == amount


def test_payment_date_beats_invoice_and_incurred_dates():
    got = _pick(["3. DATE INCURRED", "4. DATE PAID", "Amount", "Supplier"])
    assert got["date"] == "4. DATE PAID"


def test_the_text_twin_of_a_code_column_is_the_supplier_and_the_code_its_id():
    got = _pick(["Supplier", "Supplier(T)", "Amount", "Trans.date"])
    assert got["supplier"] == "Supplier(T)" and got["supplier_id"] == "Supplier"


def test_an_anchor_column_of_uris_is_not_the_organisations_name():
    header = ["Body Name", "Body", "Net Amount", "Creditor Name", "Date"]
    samples = [["Brighton & Hove City Council"] * 3,
               ["http://statistics.data.gov.uk/id/local-authority/00ML"] * 3,
               ["685.00"] * 3, ["1env Solutions Ltd"] * 3, ["11/08/2023"] * 3]
    assert _pick(header, samples)["anchor"] == "Body Name"
    reversed_ = ["BODY", "BODY NAME", "AMOUNT", "SUPPLIER NAME", "DATE"]
    samples[0], samples[1] = (["WARRINGTON BOROUGH COUNCIL"] * 3,
                              ["http://opendatacommunities.org/id/unitary-authority/w"] * 3)
    assert _pick(reversed_, samples)["anchor"] == "BODY"


def test_a_column_of_only_dates_is_the_date_when_no_header_says_so():
    header = ["Period", "Supplier ID(T)", "Amount", "Updated"]
    samples = [["202301"] * 3, ["Barclaycard"] * 3, ["63.00"] * 3, ["26/04/2023"] * 3]
    got = _pick(header, samples)
    assert got["date"] == "Updated" and got["supplier"] == "Supplier ID(T)"


def test_gross_is_said_for_a_plain_total_beside_a_vat_column():
    assert gross_note(["Total", "Vat", "Supplier"], {"amount": 0})
    assert not gross_note(["Amount", "Non Recoverable VAT"], {"amount": 0})
    assert not gross_note(["Net", "VAT", "Gross"], {"amount": 0})


# --- the reader on small files with real files' shapes -------------------------------------------
def test_two_row_header_total_rows_and_credits(tmp_path):
    from dashboard.ingest.io.spend import NOT_PAYMENT, read_spend
    text = ("Cost Centre,Supplier,Supplier Name,Payment,Amount\n"
            ",ID,,Date,excl vat\n"
            "CC1,10002,Serfis Ltd,09/08/2023,\"£1,341.60-\"\n"
            "CC1,10003,Acme Ltd,10/08/2023,\"1,234.56 CR\"\n"
            "CC2,10004,Bodgers,11/08/2023,£ -\n"
            ",,,,\"11,191,504.61\"\n"
            "Grand Total,,,,5\n")
    res = read_spend(write(tmp_path, "wmca.csv", text), anchor_name="WMCA",
                     period=("2023-08-01", "2023-08-31"))
    assert res.transactions["amount_pence"].tolist() == [-134160, -123456, 0]
    assert res.files[0]["mapping"]["date"] == "Payment Date"
    assert res.files[0]["mapping"]["supplier"] == "Supplier Name"
    assert sorted(res.rejected["reason"]) == sorted([NOT_PAYMENT["continuation"],
                                                     NOT_PAYMENT["total"],
                                                     NOT_PAYMENT["total"]])


def test_month_first_file_is_read_month_first_and_said(tmp_path):
    from dashboard.ingest.io.spend import read_spend
    text = ("Entity,Date,Supplier,amount\n"
            "Trust,4/30/2020,A Ltd,10\n"
            "Trust,4/6/2020,B Ltd,5\n")
    res = read_spend(write(tmp_path, "nhs.csv", text))
    assert [d.isoformat() for d in res.transactions["date"].dt.date] == ["2020-04-30",
                                                                        "2020-04-06"]
    assert res.files[0]["date_order"].startswith("month-first")


def test_period_column_dates_a_file_with_no_dates(tmp_path):
    from dashboard.ingest.io.spend import read_spend
    text = "Body Name,Vendor Name,Amount,Period\nSlough BC,A Ltd,10.00,Apr-23\n"
    res = read_spend(write(tmp_path, "slough.csv", text))
    assert res.transactions["date"].dt.date.tolist()[0].isoformat() == "2023-04-01"
    assert res.files[0]["dated_by"] == "period column 'Period'"


def test_a_blank_header_supplier_column_is_taken_when_it_is_the_only_one_of_names():
    header = ["Payment Date", "", "Amount", ""]
    samples = [["01/04/2023"] * 3, ["Acme Ltd", "Bodgers", "Café Nero"], ["10.00"] * 3,
               ["1", "2", "3"]]
    assert _pick(header, samples)["supplier"] == ""
    mapping, why = choose(header, samples)
    assert mapping["supplier"] == 1 and "unheaded" in why["supplier"]


def test_a_supplier_column_of_codes_is_the_supplier_id_never_a_name():
    header = ["Date", "Supplier", "Amount"]
    samples = [["01/04/2023"] * 3, ["10000063", "10000064", "10000063"], ["10.00"] * 3]
    mapping, why = choose(header, samples)
    assert "supplier" not in mapping and mapping["supplier_id"] == 1
