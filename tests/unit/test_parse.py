"""The cell parsers of dashboard/ingest/parse.py against the spec's formats (shared/spec/metrics.md)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from dashboard.engine.periods import financial_year, fy_label, parse_fy
from dashboard.ingest.parse import (
    FIELDS,
    SYNONYMS,
    NoDateError,
    match_field,
    normalise_postcode,
    normalise_supplier_name,
    parse_date,
    parse_money,
)

# --- money ---------------------------------------------------------------------------------------

MONEY_OK = [
    ("1234.5", 123450), ("1,234.50", 123450), ("£1,234.50", 123450), ("-75", -7500),
    ("-£75.00", -7500), ("£-75.00", -7500), ("(250.00)", -25000), ("(£250.00)", -25000),
    ("  1234.56  ", 123456), ("\t£12\t", 1200), ("0", 0), ("-0.01", -1), ("0.01", 1),
    ("1,000,000.00", 100000000), ("500.00", 50000), ("8310.6", 831060), (".5", 50),
    ("12.345", 1235), ("12.344", 1234), ("-12.345", -1235), ("£ 5", 500), ("( £1,000 )", -100000),
    (1234, 123400), (-75, -7500), (1234.5, 123450), (0.1 + 0.2, 30), (1.005, 101),
    (2.675, 268), (-2.675, -268), (Decimal("10.125"), 1013), (0, 0),
]


@pytest.mark.parametrize(("text", "pence"), MONEY_OK)
def test_parse_money_accepts_the_spec_formats(text, pence):
    assert parse_money(text) == pence
    assert type(parse_money(text)) is int


MONEY_BAD = [
    ("abc", "'abc' is not a number"), ("", "no amount"), ("   ", "no amount"),
    (None, "no amount"), ("1,23", "not a number"), ("1,2345.00", "not a number"),
    ("--5", "not a number"), ("(-5)", "not a number"), ("(5", "not a number"),
    ("-(5)", "not a number"), ("£", "not a number"), ("1e3", "not a number"),
    ("12abc", "not a number"), ("$12", "not a number"), ("12 34", "not a number"),
    ("=1+1", "formula"), ("=SUM(A1:A3)", "formula"), ("٣", "not a number"),
    ("1.2.3", "not a number"), ("NaN", "not a number"), ("inf", "not a number"),
    (float("nan"), "NaN"), (float("inf"), "infinite"), (float("-inf"), "infinite"),
    (True, "not a number"), (Decimal("NaN"), "not a number"),
    ("1" * 20, "too large"), (1e300, "too large"),
]


@pytest.mark.parametrize(("value", "reason"), MONEY_BAD)
def test_parse_money_rejects_with_a_reason(value, reason):
    with pytest.raises(ValueError) as err:
        parse_money(value)
    assert reason in str(err.value)
    assert len(str(err.value)) < 90


def _money_styles(pence: int) -> list[str]:
    """Every accepted way of writing ``pence``."""
    sign = "-" if pence < 0 else ""
    pounds, pp = divmod(abs(pence), 100)
    plain = f"{pounds}.{pp:02d}"
    grouped = f"{pounds:,}.{pp:02d}"
    styles = [sign + plain, sign + grouped, f"{sign}£{grouped}", f"  {sign}{plain} "]
    if pence < 0:
        styles += [f"£-{grouped}", f"({plain})", f"(£{grouped})"]
    if pp == 0:
        styles += [f"{sign}{pounds}", f"{sign}{pounds:,}"]
    if pp % 10 == 0:
        styles.append(f"{sign}{pounds}.{pp // 10}")
    return styles


@given(st.integers(min_value=-10**13, max_value=10**13))
@example(-1)
@example(0)
@example(100000000)
def test_money_round_trip_in_every_style(pence):
    for text in _money_styles(pence):
        assert parse_money(text) == pence, text


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_money_from_numeric_cells_is_exact(pence):
    assert parse_money(float(Decimal(pence) / 100)) == pence
    if pence % 100 == 0:
        assert parse_money(pence // 100) == pence


@given(st.decimals(min_value=-10**9, max_value=10**9, places=3, allow_nan=False))
def test_numeric_cells_round_half_up_to_the_penny(value):
    expected = int((value * 100).to_integral_value(rounding="ROUND_HALF_UP"))
    assert parse_money(value) == expected
    assert parse_money(str(value)) == expected


# --- dates ---------------------------------------------------------------------------------------

D = date(2024, 3, 31)
DATES_OK = [
    ("31/03/2024", D), ("31/03/24", D), ("2024-03-31", D), ("31-Mar-2024", D),
    ("31 March 2024", D), ("31-Mar-24", D), ("31/03/2024 00:00:00", D), ("31/03/2024 14:05", D),
    ("2024-03-31T12:30:00", D), ("2024-03-31 00:00:00.000", D), (" 31/3/2024 ", D),
    ("31.03.2024", D), ("31-03-2024", D), ("31 mar 2024", D), ("31-MAR-2024", D),
    ("31st March 2024", D), ("1/4/2023", date(2023, 4, 1)), ("01/02/2016", date(2016, 2, 1)),
    ("30 Sept 2015", date(2015, 9, 30)), ("45382", D), (45382, D), (45382.999, D),
    (datetime(2024, 3, 31, 17, 45), D), (D, D), ("29/02/2024", date(2024, 2, 29)),
    ("12/01/99", date(1999, 1, 12)), ("12/01/69", date(2069, 1, 12)),
]


@pytest.mark.parametrize(("value", "expected"), DATES_OK)
def test_parse_date_accepts_the_spec_formats(value, expected):
    assert parse_date(value) == expected


DATES_BAD = [
    ("00:00:00", NoDateError, "no date (the cell holds '00:00:00')"),
    ("", NoDateError, "no date"), ("  ", NoDateError, "no date"), (None, NoDateError, "no date"),
    (float("nan"), NoDateError, "no date"), ("12:30", NoDateError, "no date"),
    ("31/02/2024", ValueError, "does not exist"), ("03/31/2024", ValueError, "does not exist"),
    ("31 Foo 2024", ValueError, "unknown month"), ("abc", ValueError, "not a date"),
    ("2024", ValueError, "not a date"), ("31/03", ValueError, "not a date"),
    (100, ValueError, "Excel date range"), (10**7, ValueError, "Excel date range"),
    ("01/01/1850", ValueError, "out of range"), (True, ValueError, "not a date"),
    (float("inf"), ValueError, "not a date"),
]


@pytest.mark.parametrize(("value", "kind", "reason"), DATES_BAD)
def test_parse_date_rejects_with_a_reason(value, kind, reason):
    with pytest.raises(kind) as err:
        parse_date(value)
    assert reason in str(err.value)


def test_a_bad_date_is_not_a_no_date():
    """Only an empty cell may be dated by the file's period; a wrong date stays an error."""
    with pytest.raises(ValueError) as err:
        parse_date("31/02/2024")
    assert not isinstance(err.value, NoDateError)


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def _date_styles(d: date) -> list[object]:
    mon = MONTHS[d.month - 1]
    out: list[object] = [
        f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day}/{d.month}/{d.year}", d.isoformat(),
        f"{d.day:02d}-{mon[:3]}-{d.year}", f"{d.day} {mon} {d.year}",
        f"{d.day:02d}/{d.month:02d}/{d.year} 00:00:00", datetime(d.year, d.month, d.day, 23, 59),
        (d - date(1899, 12, 30)).days, float((d - date(1899, 12, 30)).days) + 0.5,
    ]
    if 1970 <= d.year <= 2069:
        out += [f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}",
                f"{d.day:02d}-{mon[:3]}-{d.year % 100:02d}"]
    return out


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
@example(date(2024, 2, 29))
@example(date(1950, 1, 1))
def test_date_round_trip_in_every_format(d):
    for value in _date_styles(d):
        assert parse_date(value) == d, value


def test_excel_serial_matches_excel():
    # Excel shows 1 for 1900-01-01 and counts the fictional 29 Feb 1900: 45382 is 31 March 2024.
    assert parse_date(45382) == date(2024, 3, 31)
    assert parse_date(18264) == date(1950, 1, 1)
    with pytest.raises(ValueError):
        parse_date(18263)


# --- financial years -----------------------------------------------------------------------------

@pytest.mark.parametrize(("d", "fy"), [(date(2023, 4, 1), 2023), (date(2024, 3, 31), 2023),
                                       (date(2024, 1, 15), 2023), (date(2023, 3, 31), 2022)])
def test_financial_year_runs_april_to_march(d, fy):
    assert financial_year(d) == fy


@given(st.integers(min_value=1950, max_value=2098))
def test_fy_label_round_trip(year):
    assert parse_fy(fy_label(year)) == year
    start = date(year, 4, 1)
    assert financial_year(start) == year and financial_year(start - timedelta(days=1)) == year - 1


@pytest.mark.parametrize("label", ["2023/24", "2023-24", "2023/2024", "FY2023/24", " 2023 / 24 "])
def test_parse_fy_forms(label):
    assert parse_fy(label) == 2023
    assert fy_label(2023) == "2023/24"


@pytest.mark.parametrize("label", ["2023/25", "2023", "23/24", "abc", "2023/2025"])
def test_parse_fy_rejects(label):
    with pytest.raises(ValueError):
        parse_fy(label)


# --- postcodes -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("sr1 1aa", "SR1 1AA"), ("SR11AA", "SR1 1AA"), ("  sr1   1aa ", "SR1 1AA"),
    ("w1a0ax", "W1A 0AX"), ("EC1A 1BB", "EC1A 1BB"), ("m1 1ae", "M1 1AE"), ("b33 8th", "B33 8TH"),
    ("cr2 6xh", "CR2 6XH"), ("dn55 1pt", "DN55 1PT"), ("OX1\u00a01AA", "OX1 1AA"),
    ("gir 0aa", "GIR 0AA"), ("", None), ("   ", None), (None, None), ("n/a", None),
    ("OX1", None), ("12345", None), ("OX1 1AAA", None), ("SR1-1AA", None), (float("nan"), None),
])
def test_normalise_postcode(text, expected):
    assert normalise_postcode(text) == expected


POSTCODES = st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", fullmatch=True)


@given(POSTCODES, st.lists(st.sampled_from([" ", "  ", "\t", ""]), min_size=8, max_size=8),
       st.lists(st.booleans(), min_size=8, max_size=8))
def test_postcode_normalisation_ignores_case_and_whitespace(code, spaces, lower):
    messy = "".join(sp + (ch.lower() if lw else ch) for ch, sp, lw in zip(code, spaces, lower))
    canonical = f"{code[:-3]} {code[-3:]}"
    assert normalise_postcode(messy) == canonical
    assert normalise_postcode(canonical) == canonical


@given(st.text(max_size=12))
def test_postcode_normalisation_is_idempotent(text):
    once = normalise_postcode(text)
    assert once is None or normalise_postcode(once) == once


# --- supplier names ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("Acme Ltd", "ACME"), ("ACME LIMITED", "ACME"), ("acme ltd.", "ACME"), ("Acme plc", "ACME"),
    ("Acme LLP", "ACME"), ("  Acme   Widgets  Ltd ", "ACME WIDGETS"), ("CgMs Ltd. ", "CGMS"),
    ("THE CHILTERNS MANAGEMENT CO LTD", "THE CHILTERNS MANAGEMENT"), ("Smith & Co Ltd", "SMITH"),
    ("Smith and Co", "SMITH"), ("Smith & Sons", "SMITH AND SONS"), ("O'Neil Ltd", "ONEIL"),
    ("A.B.C. Limited", "ABC"), ("Smith-Jones (Oxford) Ltd", "SMITH JONES OXFORD"),
    ("Ltd", "LTD"), ("Limited Editions Ltd", "LIMITED EDITIONS"), ("Oxford CIC", "OXFORD"),
    ("Acme Inc.", "ACME"), ("Acme LLC", "ACME"), ("Co-operative Group", "CO OPERATIVE GROUP"),
    ("", ""), (None, ""), ("<b>Acme</b> Ltd", "B ACME B"), ("ACME_WIDGETS", "ACME WIDGETS"),
])
def test_normalise_supplier_name(text, expected):
    assert normalise_supplier_name(text) == expected


@given(st.text(max_size=40))
@example("ǰ Ltd")
@example("ß ltd")
def test_name_normalisation_is_idempotent(text):
    once = normalise_supplier_name(text)
    assert normalise_supplier_name(once) == once


WORDS = st.lists(st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True), min_size=1, max_size=4)


@given(WORDS, st.sampled_from(["Ltd", "LTD.", "Limited", "limited", "PLC", "plc", "LLP"]))
def test_names_match_across_case_spacing_and_legal_suffix(words, suffix):
    assume(words[-1].upper() not in {"LTD", "LIMITED", "PLC", "LLP", "CIC", "LLC", "INC", "CO",
                                     "CYF", "CYFYNGEDIG", "AND"})
    plain = " ".join(words)
    variant = "  ".join(w.lower() for w in words) + f" {suffix}"
    assert normalise_supplier_name(variant) == normalise_supplier_name(plain)


# --- headers -------------------------------------------------------------------------------------

SPEC_TABLE = {
    "anchor": ["Body Name", "Body", "Organisation", "Organisation Name", "Entity", "Client"],
    "date": ["Paid Date", "Payment Date", "Date Paid", "Date", "Transaction Date", "Invoice Date"],
    "amount": ["Amount", "Amount (£)", "Net Amount", "Value", "Total", "Amount Paid"],
    "supplier": ["Supplier Name", "Supplier", "Vendor", "Vendor Name", "Payee", "Merchant Name"],
    "supplier_id": ["Supplier ID", "Vendor ID", "Supplier Number"],
    "postcode": ["Supplier Postcode", "Postcode", "Post Code", "Supplier Post Code"],
    "category": ["Expenditure Category", "Expenditure Catergory", "Expense Type", "Category",
                 "Purpose", "Expenditure Unit"],
    "service": ["Service Area", "Organisational Unit", "Organisatonal Unit", "Department",
                "Expense Area", "Directorate"],
    "capital_revenue": ["Type", "Capital or Revenue", "caporrev", "Type of Expenditure"],
    "reference": ["Trans No", "Transaction Number", "Transaction ID", "Invoice Number"],
}


@pytest.mark.parametrize(("field", "header"),
                         [(f, h) for f, hs in SPEC_TABLE.items() for h in hs])
def test_match_field_knows_every_header_of_the_spec(field, header):
    assert match_field(header) == field
    assert match_field(header.upper()) == field
    assert match_field(header.lower().replace(" ", "_")) == field
    assert match_field(f"  {header} ") == field


@pytest.mark.parametrize(("header", "field"), [
    ("AMOUNT (£)", "amount"), ("amount_£", "amount"), ("\ufeffBody Name", "anchor"),
    ("Supplier Name ", "supplier"), ("paid_date", "date"), ("Organisatonal Unit", "service"),
    ("Expenditure Code", None), ("Notes", None), ("", None), ("Amount VAT", None),
])
def test_match_field_variants(header, field):
    assert match_field(header) == field


def test_fields_and_synonyms_agree():
    assert FIELDS == tuple(SYNONYMS)
    assert set(SPEC_TABLE) == set(FIELDS)


def test_no_float_accumulation_in_money():
    """0.1 + 0.2 summed as floats drifts; the parsed pence add exactly."""
    values = ["0.10", "0.20"] * 5000
    assert sum(parse_money(v) for v in values) == 150000
