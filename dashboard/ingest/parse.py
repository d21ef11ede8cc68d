"""Pure parsers for the cells of published spend files: money, dates, postcodes, names, headers.

Every function here works on one value and needs no pandas, so that it can be tested exhaustively
and used as the reference that the vectorised readers (``dashboard/ingest/io/spend.py``) must agree with.
Parsers raise ``ValueError`` with a short reason a user can read ("amount 'abc' is not a number");
they never turn bad input into a silent zero (see ``shared/spec/metrics.md``, "Money and dates").
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

#: The fields a spend import knows, in the order of the spec's synonym table.
FIELDS: tuple[str, ...] = ("anchor", "date", "amount", "supplier", "supplier_id", "postcode",
                           "category", "service", "capital_revenue", "reference")

#: Amounts at or beyond this many pence (10 trillion pounds) are refused: they are typing or
#: export errors, and they would overflow the int64 totals.
MAX_PENCE = 10**15

# --- money ---------------------------------------------------------------------------------------

_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+"
_MONEY = re.compile(rf"(?P<s1>-)?(?P<cur>£)?\s*(?P<s2>-)?(?P<num>{_NUMBER})")
_PENNY = Decimal("0.01")
#: A lone dash (accounting format for zero), with or without a pound sign: ``-``, ``£ -``.
_DASH_ZERO = re.compile(r"£?\s*-\s*")
_CR_DR = re.compile(r"(?P<body>.*?\S)\s*(?P<mark>CR|DR)\.?", re.IGNORECASE)


class NoDateError(ValueError):
    """The cell holds no date at all (blank, or a time such as ``00:00:00`` alone)."""


def parse_money(value: str | float | int | Decimal) -> int:
    """Parse a published amount into integer pence (negative for credit notes).

    Text may carry a pound sign, thousands separators, a leading minus before or after the sign,
    accounting brackets, a trailing minus or a CR suffix for credits (DR is a debit), and a lone
    ``-`` for zero; numbers (XLSX cells) are rounded half-up to the penny through ``Decimal`` so
    that no binary float error reaches the totals.

    >>> [parse_money(x) for x in ("1234.5", "£1,234.50", "-£75.00", "£-75.00", "(£250.00)", 12)]
    [123450, 123450, -7500, -7500, -25000, 1200]
    >>> [parse_money(x) for x in ("£313.90-", "1,234.56 CR", "10 DR", "£ -", " -   ", "287.255")]
    [-31390, -123456, 1000, 0, 0, 28726]
    >>> parse_money("abc")
    Traceback (most recent call last):
    ...
    ValueError: amount 'abc' is not a number
    """
    if isinstance(value, bool):
        raise ValueError(f"amount '{value}' is not a number")
    if isinstance(value, (int, float, Decimal)):
        return _pence(_number_decimal(value))
    if value is None:
        raise ValueError("no amount (the cell is blank)")
    if not isinstance(value, str):
        raise ValueError(f"amount {_show(value)} is not a number")
    return _pence(_text_decimal(value))


def _number_decimal(value: int | float | Decimal) -> Decimal:
    """A numeric cell as an exact Decimal; NaN and infinity are refused."""
    if isinstance(value, float):
        if math.isnan(value):
            raise ValueError("amount is not a number (NaN)")
        if math.isinf(value):
            raise ValueError("amount is infinite")
        return Decimal(repr(value))  # the shortest text that round-trips: what Excel shows
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"amount '{value}' is not a number")
    return Decimal(value)


def _text_decimal(text: str) -> Decimal:
    """A money string as an exact Decimal, or ValueError naming what is wrong."""
    s = text.strip()
    if not s:
        raise ValueError("no amount (the cell is blank)")
    if s.startswith("="):
        raise ValueError(f"amount {_show(s)} is a formula, not a number")
    if _DASH_ZERO.fullmatch(s):
        return Decimal(0)
    negative, s = _credit_marks(s)
    m = _MONEY.fullmatch(s)
    if not m or (m["s1"] and m["s2"]) or (negative and (m["s1"] or m["s2"])):
        raise ValueError(f"amount {_show(text)} is not a number")
    try:
        number = Decimal(m["num"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise ValueError(f"amount {_show(text)} is not a number") from None
    return -number if (negative or m["s1"] or m["s2"]) else number


def _credit_marks(s: str) -> tuple[bool, str]:
    """(negative, rest) after taking off one credit mark: accounting brackets, a trailing minus
    (``£313.90-``) or a CR / DR suffix (``1,234.56 CR``; DR is a debit). Two marks: not a number."""
    marks, negative = 0, False
    suffix = _CR_DR.fullmatch(s)
    if suffix:
        marks, negative, s = 1, suffix["mark"].upper() == "CR", suffix["body"]
    if s.startswith("(") and s.endswith(")"):
        marks, negative, s = marks + 1, True, s[1:-1].strip()
    if len(s) > 1 and s.endswith("-") and not s.startswith("-"):
        marks, negative, s = marks + 1, True, s[:-1].rstrip()
    if marks > 1:
        return False, "(" + s  # makes the caller refuse it
    return negative, s


def _pence(pounds: Decimal) -> int:
    """Decimal pounds -> int pence, half-up; refuses absurd magnitudes."""
    if abs(pounds) >= MAX_PENCE // 100:
        raise ValueError(f"amount {_show(pounds)} is too large to be a payment")
    pence = int((pounds.quantize(_PENNY, rounding=ROUND_HALF_UP) * 100).to_integral_value())
    if abs(pence) >= MAX_PENCE:
        raise ValueError(f"amount {_show(pounds)} is too large to be a payment")
    return pence


def _show(value: object, limit: int = 40) -> str:
    """A cell quoted for an error message, shortened so that a reason stays one short line."""
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# --- dates ---------------------------------------------------------------------------------------

_MONTHS = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}
_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?"
_TIME_ONLY = re.compile(rf"{_TIME}")
_WITH_TIME = re.compile(rf"(?P<date>.*?\S)(?:[ T]+{_TIME}(?:Z|[+-]\d{{2}}:?\d{{2}})?)?")
_DMY = re.compile(r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})")
_YMD = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
_D_MON_Y = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s/-]+(?P<mon>[A-Za-z]+)\.?[\s/-]+"
                      r"(?P<y>\d{4}|\d{2})")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_YYYYMMDD = re.compile(r"(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])")
_MDY = re.compile(r"(?P<m>\d{1,2})[/.-](?P<d>\d{1,2})[/.-](?P<y>\d{4}|\d{2})")
_MON_D_Y = re.compile(r"(?P<mon>[A-Za-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})")
_MON_Y = re.compile(r"(?P<mon>[A-Za-z]+)\.?[\s/-]+(?P<y>\d{4}|\d{2})(?P<d>)")
_YYYYMM = re.compile(r"(?P<y>(?:19|20)\d{2})[-/]?(?P<m>0[1-9]|1[0-2])(?P<d>)")
#: Cells that stand for "no date" in real files (a date column's "Various", a pivot's "(blank)").
NO_DATE_WORDS = frozenset({"various", "(blank)", "blank", "n/a", "na", "none", "tbc", "-",
                           "unknown", "null"})
#: Excel serial numbers accepted: 1 January 1950 to 31 December 2099 (1900 date system).
SERIAL_RANGE = (18264, 73050)
_EXCEL_EPOCH = date(1899, 12, 30)
#: Years accepted in text dates: anything outside is a typing error, not a payment date.
YEAR_RANGE = (1900, 2100)


def parse_date(value: str | datetime | date | float | int, *, month_first: bool = False) -> date:
    """Parse a payment date, day first (UK), ignoring any time part.

    Accepts ``31/03/2024``, ``31/03/24``, ``2024-03-31``, ``20240331``, ``31-Mar-2024``,
    ``31 March 2024``, ``31-Mar-24``, Excel serial numbers (1900 system, 1950-2099) and
    date/datetime objects. ``month_first`` reads ``4/30/2020`` style files (the reader decides it
    per file, from the file's unambiguous dates). A blank cell, a time alone (``00:00:00``, as
    some real files hold) or a word standing for no date ("Various", "(blank)") raises
    ``NoDateError``.

    >>> parse_date("31/03/2024 00:00:00"), parse_date("31-Mar-24"), parse_date(45382)
    (datetime.date(2024, 3, 31), datetime.date(2024, 3, 31), datetime.date(2024, 3, 31))
    >>> try:
    ...     parse_date("00:00:00")
    ... except NoDateError as e:
    ...     print(e)
    no date (the cell holds '00:00:00')
    """
    if value is None or value != value:  # None, NaN, NaT: an empty cell
        raise NoDateError("no date (the cell is blank)")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"date '{value}' is not a date")
    if isinstance(value, (int, float)):
        return _serial_date(value, value)
    if not isinstance(value, str):
        raise ValueError(f"date {_show(value)} is not a date")
    return _text_date(value, month_first)


def _text_date(text: str, month_first: bool = False) -> date:
    """A date string (see ``parse_date``) -> date."""
    s = text.strip()
    if not s:
        raise NoDateError("no date (the cell is blank)")
    if _TIME_ONLY.fullmatch(s) or s.lower() in NO_DATE_WORDS:
        raise NoDateError(f"no date (the cell holds {_show(s)})")
    if _SERIAL.fullmatch(s):
        return _serial_date(float(s), text)
    if _YYYYMMDD.fullmatch(s):
        return _ymd(_YYYYMMDD.fullmatch(s), text)  # type: ignore[arg-type]
    m = _WITH_TIME.fullmatch(s)
    core = m["date"] if m else s
    for pattern in (_MDY if month_first else _DMY, _YMD, _D_MON_Y, _MON_D_Y):
        found = pattern.fullmatch(core)
        if found:
            return _ymd(found, text)
    order = "month/day/year" if month_first else "day/month/year"
    raise ValueError(f"date {_show(text)} is not a date (expected {order})")


def slash_date_order(values: list[str]) -> str | None:
    """What a file's ``a/b/yyyy`` dates say of their order: "day" where some first part is over
    12 and no second part is, "month" where only second parts are, "mixed" where both happen,
    and None when every such date is ambiguous (or there are none).

    >>> slash_date_order(["4/30/2020", "4/6/2020"]), slash_date_order(["13/04/2023"])
    ('month', 'day')
    """
    day = month = False
    for value in values:
        found = _DMY.fullmatch(_WITH_TIME.fullmatch(value.strip()).group("date")
                               if _WITH_TIME.fullmatch(value.strip()) else value.strip())
        if found:
            day |= int(found["d"]) > 12
            month |= int(found["m"]) > 12
    return "mixed" if day and month else "day" if day else "month" if month else None


def parse_period(value: object) -> date:
    """The first day of a period cell: ``Apr-23``, ``April 2023``, ``202304``, ``2023-04``.

    >>> parse_period("Apr-23"), parse_period(202304), parse_period("April 2023")
    (datetime.date(2023, 4, 1), datetime.date(2023, 4, 1), datetime.date(2023, 4, 1))
    """
    if isinstance(value, (datetime, date)):
        return date(value.year, value.month, 1)
    text = _cell(value).strip()
    if not text:
        raise NoDateError("no period (the cell is blank)")
    found = _MON_Y.fullmatch(text) or _YYYYMM.fullmatch(text)
    if not found:
        raise ValueError(f"period {_show(text)} is not a month (expected e.g. Apr-23 or 202304)")
    return _ymd(found, text)


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _ymd(found: re.Match[str], text: str) -> date:
    """Year, month and day groups of a matched pattern -> a real calendar date."""
    parts = found.groupdict()
    if "mon" in parts:
        month = _MONTHS.get(parts["mon"].lower())
        if month is None:
            raise ValueError(f"date {_show(text)} has an unknown month name")
    else:
        month = int(parts["m"])
    year = int(parts["y"])
    day = int(parts["d"]) if parts.get("d") else 1
    if len(parts["y"]) == 2:
        year += 2000 if year < 70 else 1900
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise ValueError(f"date {_show(text)} is out of range (year {year})")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"date {_show(text)} does not exist") from None


def _serial_date(serial: float, shown: object) -> date:
    """An Excel serial day number (1900 system; the fraction is the time) -> date."""
    if math.isnan(serial) or not SERIAL_RANGE[0] <= serial < SERIAL_RANGE[1] + 1:
        raise ValueError(f"date {_show(shown)} is not a date (a number outside the Excel "
                         "date range 1950-2099)")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


# --- postcodes and names -------------------------------------------------------------------------

_POSTCODE = re.compile(r"(?:[A-Z]{1,2}[0-9][A-Z0-9]?|GIR)[0-9][A-Z]{2}")
_SPACE = re.compile(r"\s+")


def normalise_postcode(text: object) -> str | None:
    """Upper-case, drop all whitespace, put one space before the last three characters.

    None for a blank cell or one that cannot be a UK postcode.

    >>> normalise_postcode(" sr1  1aa"), normalise_postcode("W1A0AX"), normalise_postcode("n/a")
    ('SR1 1AA', 'W1A 0AX', None)
    """
    if not isinstance(text, str):
        return None
    compact = _SPACE.sub("", text).upper()
    if not _POSTCODE.fullmatch(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


#: Legal-form words removed from the end of a supplier's name ("& CO LTD" included).
LEGAL_SUFFIXES = frozenset({"LTD", "LIMITED", "PLC", "LLP", "CIC", "LLC", "INC", "CO", "CYF",
                            "CYFYNGEDIG"})
_APOSTROPHES = re.compile(r"['’‘`.]")
_PUNCT = re.compile(r"[\W_]+")


def normalise_supplier_name(text: object) -> str:
    """The key that makes one supplier of the same firm's spellings across anchors.

    Upper-case; "&" read as AND; apostrophes and full stops dropped ("O'Neil", "A.B.C."); other
    punctuation read as a space; legal suffixes (LTD, LIMITED, PLC, LLP, CIC, LLC, INC, CO) removed
    from the end; whitespace collapsed. A name made only of a suffix keeps it.

    >>> normalise_supplier_name("  Smith & Sons (Oxford) Ltd. ")
    'SMITH AND SONS OXFORD'
    >>> normalise_supplier_name("The Chilterns Management Co Ltd")
    'THE CHILTERNS MANAGEMENT'
    """
    if not isinstance(text, str):
        return ""
    upper = text.upper().replace("&", " AND ")
    words = _PUNCT.sub(" ", _APOSTROPHES.sub("", upper)).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
        if len(words) > 1 and words[-1] == "AND":  # "SMITH AND CO" -> "SMITH"
            words.pop()
    return " ".join(words)


# --- headers -------------------------------------------------------------------------------------

#: Header synonyms per field, most specific first (the spec's table plus a few seen elsewhere).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "anchor": ("Body Name", "Body", "Organisation", "Organisation Name", "Organization",
               "Organization Name", "Entity", "Client", "Authority", "Authority Name"),
    "date": ("Paid Date", "Payment Date", "Date Paid", "Date", "Transaction Date",
             "Invoice Date"),
    "amount": ("Amount", "Amount (£)", "Net Amount", "Value", "Total", "Amount Paid",
               "Amount GBP", "Amount excl VAT", "Amount Excluding VAT"),
    "supplier": ("Supplier Name", "Supplier", "Vendor", "Vendor Name", "Payee", "Payee Name",
                 "Merchant Name", "Beneficiary", "Beneficiary Name"),
    "supplier_id": ("Supplier ID", "Vendor ID", "Supplier Number", "Supplier No",
                    "Vendor Number", "Supplier Code"),
    "postcode": ("Supplier Postcode", "Postcode", "Post Code", "Supplier Post Code"),
    "category": ("Expenditure Category", "Expenditure Catergory", "Expense Type", "Category",
                 "Purpose", "Expenditure Unit", "Expense Category"),
    "service": ("Service Area", "Organisational Unit", "Organisatonal Unit", "Department",
                "Expense Area", "Directorate", "Service"),
    "capital_revenue": ("Type", "Capital or Revenue", "caporrev", "Type of Expenditure",
                        "Capital Revenue", "Cap Rev"),
    "reference": ("Trans No", "Transaction Number", "Transaction ID", "Invoice Number",
                  "Transaction No", "Transaction Reference", "Reference"),
}


def header_key(header: object) -> str:
    """A header reduced for matching: lower-case letters and digits only.

    >>> header_key("Amount (£)"), header_key(" supplier_name "), header_key("\\ufeffBody Name")
    ('amount', 'suppliername', 'bodyname')
    """
    return re.sub(r"[^a-z0-9]", "", str(header).lower())


def _by_key() -> dict[str, tuple[str, int]]:
    """Reduced header -> (field, rank); the first synonym to reduce to a key wins it."""
    table: dict[str, tuple[str, int]] = {}
    for field, names in SYNONYMS.items():
        for rank, name in enumerate(names):
            table.setdefault(header_key(name), (field, rank))
    return table


_BY_KEY = _by_key()


def match_field(header: object) -> str | None:
    """The field a column header stands for, ignoring case, spaces, underscores and punctuation.

    >>> match_field("Expenditure Catergory"), match_field("paid_date"), match_field("Notes")
    ('category', 'date', None)
    """
    hit = _BY_KEY.get(header_key(header))
    return hit[0] if hit else None


def field_rank(header: object) -> int:
    """How specific a header is for its field (0 = the first synonym): ties between two columns
    that both match a field go to the lower rank, e.g. "Paid Date" beats "Invoice Date"."""
    hit = _BY_KEY.get(header_key(header))
    return hit[1] if hit else len(_BY_KEY)


# --- redaction markers ---------------------------------------------------------------------------

#: Words a redaction marker is made of ("REDACTED - PAYMENT TO INDIVIDUAL", "Supplier Name
#: Redacted", "REDACTED UNDER DP ACT", "****REDACTED PERSONAL INFO****").
_MARKER_WORDS = frozenset({
    "REDACTED", "REDACT", "REDACTION", "PERSONAL", "DATA", "WITHHELD", "INFORMATION", "INFO",
    "DETAILS", "NAME", "PRIVATE", "INDIVIDUAL", "INDIVIDUALS", "PROTECTION", "PROTECTED", "GDPR",
    "SUPPRESSED", "ACT", "DP", "DPA", "FOR", "REASONS", "REASON", "DUE", "TO", "OF", "UNDER",
    "PAYEE", "SUPPLIER", "PAYMENT", "PAYMENTS", "AN", "A", "THE", "COMMERCIAL", "CONFIDENTIAL",
    "CONFIDENTIALITY", "SENSITIVE", "STATEMENT", "NOT", "DISCLOSED", "PUBLISHED", "PERSON"})
#: A marker needs one of these: "Personal Data Solutions Ltd" has a word outside the markers.
_MARKER_CORE = frozenset({"REDACTED", "REDACT", "REDACTION", "WITHHELD", "PERSONAL", "PRIVATE",
                          "SUPPRESSED", "GDPR", "PROTECTION", "INDIVIDUAL", "INDIVIDUALS"})
#: A word beginning "redact" anywhere in a name ("Oak Tree Day Nursery_Redacted", "t/a
#: Redacted"): the name as published is incomplete, so it is withheld like a marker. The corpus's
#: rule (shared/spend/publishers: "redact...") withholds "Redactive Events" too: a firm's name
#: withheld is the safe side of the error, a person's name shown is not.
_REDACT_WORD = re.compile(r"(?<![A-Z])REDACT")


def is_redaction_marker(name: object) -> bool:
    """Whether a supplier name is (or carries) a redaction marker instead of a name.

    Such a payee is treated as a private individual: never named, never drawn on the map.

    >>> [is_redaction_marker(n) for n in ("*Redact - Personal Information", "REDACTED UNDER DP ACT",
    ...  "****REDACTED PERSONAL INFO****", "Oak Tree Day Nursery_Redacted", "Withheld")]
    [True, True, True, True, True]
    >>> [is_redaction_marker(n) for n in ("Personal Data Solutions Ltd", "Tax Withheld", "")]
    [False, False, False]
    """
    if not isinstance(name, str):
        return False
    upper = name.upper()
    if _REDACT_WORD.search(upper.replace("_", " ")):
        return True
    words = set(re.sub(r"[\W_\d]+", " ", upper).split())
    return bool(words) and words <= _MARKER_WORDS and bool(words & _MARKER_CORE)
