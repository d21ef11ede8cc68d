"""Which column of a published spend file holds which field: header patterns, ranked, then checked
against the cells.

Real files name the same thing a hundred ways ("Gross Amount £", "Expenditure Amount (exc VAT)",
"4. DATE PAID", "Supplier(T)", "Entuty"), so a header is read as words and matched by patterns,
not looked up in a list. Where several columns could hold a field the ranking below decides, and
a column is taken only if its cells look like that field (a "Supplier" column of numbers is a
supplier id; a "Body" column of URIs is not the organisation's name). Every choice carries the
reason shown in the import report.

Rankings (``shared/spec/metrics.md``: prefer line over invoice level, net over gross, never VAT
alone):

- amount: line-level ("Line", "Sub", "Detail") > plain > invoice-level ("Invoice Amount"); then
  net ("Net", "exc VAT", "Exclusive") > plain > gross; a VAT-only column is never an amount;
- date: payment ("Paid", "Payment", "Clearing") > transaction / posting / plain "Date" > invoice;
- supplier: an amended or redacted name > "... Name" > "Supplier" > the text twin of a code
  column ("Supplier(T)") > a column headed just "Name";
- anchor: a name of the organisation ("Body Name", "Authority", "Entity"), never a code or URI.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dashboard.ingest.parse import (
    SYNONYMS,
    NoDateError,
    header_key,
    parse_date,
    parse_money,
    parse_period,
)

#: Fields in the order they choose columns: the required ones first.
ORDER = ("amount", "date", "supplier", "supplier_id", "anchor", "postcode", "reference",
         "category", "service", "capital_revenue")
_WORD = re.compile(r"[a-z]+|\d+")
_TEXT_TWIN = re.compile(r"\(\s*t\s*\)\s*$", re.IGNORECASE)
_ENUMERATOR = re.compile(r"^\s*(?:\d+\s*[.)]|\*+)\s*")


@dataclass(frozen=True)
class Pick:
    """A column chosen for a field, with its rank and the reason given in the import report."""

    column: int
    why: str


def words(header: object) -> list[str]:
    """A header as lower-case words, with a leading "4." or "*" dropped and "£" as "gbp".

    >>> words(" 4. DATE PAID"), words("Amount £ (Excl VAT)"), words("Trans.date")
    (['date', 'paid'], ['amount', 'gbp', 'excl', 'vat'], ['trans', 'date'])
    """
    text = _ENUMERATOR.sub("", str(header)).replace("£", " gbp ").lower()
    return _WORD.findall(text)


def _near(word: str, targets: Sequence[str]) -> bool:
    """One letter changed, added or dropped in a word of five letters or more ("Entuty")."""
    if len(word) < 5:
        return False
    for t in targets:
        if abs(len(t) - len(word)) > 1:
            continue
        if len(t) == len(word) and sum(a != b for a, b in zip(t, word)) == 1:
            return True
        short, long_ = sorted((word, t), key=len)
        if len(long_) == len(short) + 1 and any(long_[:i] + long_[i + 1:] == short
                                                for i in range(len(long_))):
            return True
    return False


# --- per-field header rules: None, or (rank tuple, reason) -------------------------------------

_AMOUNT = {"amount", "amounts", "amt", "value", "total", "spend", "gross", "net", "invoiced",
           "sum", "cost", "gbp"}
_NOT_AMOUNT = {"no", "number", "num", "id", "code", "ref", "reference", "date", "count", "qty",
               "quantity", "period", "year", "month", "type", "description", "desc", "category",
               "name", "account", "centre", "center", "narrative", "percentage", "percent",
               "rate", "flag", "status", "supplier", "vendor"}
_NET = {"exc", "excl", "excluding", "exclusive", "ex", "net", "without", "less", "before"}
_GROSS = {"gross", "inc", "incl", "including", "inclusive"}
_VAT = {"vat", "tax"}
_NON_RECOVERABLE = {"non", "irrecoverable", "nonrecoverable", "unrecoverable"}


def vat_only(w: Sequence[str]) -> bool:
    """A column of VAT alone ("Vat", "VAT Amount"), not an amount net or gross of it; a
    "Non Recoverable VAT" column is a cost, also never the amount."""
    s = set(w)
    return bool(s & _VAT) and not (s & _NET) and not (s & (_GROSS - {"inc"}) and "amount" in s)


def plain_vat(w: Sequence[str]) -> bool:
    """A VAT column beside the amount: its presence says a plain "Total" is gross."""
    return vat_only(w) and not set(w) & _NON_RECOVERABLE


def amount_rule(w: Sequence[str], raw: str) -> tuple[tuple, str] | None:
    s = set(w)
    if not (s & _AMOUNT) or s & _NOT_AMOUNT or vat_only(w):
        return None
    level = 2 if s & {"line", "lines", "sub", "detail", "item"} else (
        0 if s & {"invoice", "inv"} else 1)
    vat = 2 if s & _NET else 0 if s & _GROSS else 1
    paid = 1 if s & {"paid", "payment", "spend"} else 0
    why = ("line-level" if level == 2 else "invoice-level" if level == 0 else "amount") + (
        ", net of VAT" if vat == 2 else ", gross (VAT included)" if vat == 0 else "")
    return (level, vat, paid), why


_DATE_NOT = {"due", "birth", "created", "period", "year", "month", "week", "start", "end",
             "from", "until", "number", "no", "ref", "amount"}


def date_rule(w: Sequence[str], raw: str) -> tuple[tuple, str] | None:
    s = set(w)
    if s & _DATE_NOT:
        return None
    if not (s & {"date", "dated"} or w in (["payment"], ["paid"], ["pay"])):
        return None
    if s & {"paid", "payment", "pay", "clearing", "clearance", "cleared"}:
        return (4,), "payment date"
    if s & {"transaction", "trans", "posting", "posted", "entry", "value"} or w == ["date"]:
        return (3,), "transaction date"
    if s & {"invoice", "invoiced", "incurred", "received", "order"}:
        return (1,), "invoice date (no payment date in the file)"
    return (2,), "date"


_PAYEE = {"supplier", "vendor", "beneficiary", "creditor", "payee", "recipient", "vend",
          "party", "contractor", "suppliers"}
_NOT_PAYEE = {"category", "type", "postcode", "post", "address", "vat", "site", "account",
              "comment", "comments", "note", "notes", "publish", "status", "group", "class",
              "classification", "town", "city", "country", "email", "phone", "amount", "date",
              "description"}
_ID = {"id", "no", "number", "code", "ref", "num", "reference", "coded", "nos"}


def supplier_rule(w: Sequence[str], raw: str) -> tuple[tuple, str] | None:
    s = set(w)
    merchant = "merchant" in s and "name" in s
    if not (s & _PAYEE or merchant or w == ["name"]) or s & _NOT_PAYEE:
        return None
    twin = bool(_TEXT_TWIN.search(raw))
    if s & _ID and not twin:
        return None
    if s & {"amended", "updated", "redacted", "redactions", "redaction", "published"}:
        return (4,), "the amended (published) name"
    if w == ["name"]:
        return (0,), "a column headed only 'Name'"
    if twin:
        return (1,), "the text of a code column (its names)"
    return ((3,), "supplier name") if "name" in s else ((2,), "supplier")


def supplier_id_rule(w: Sequence[str], raw: str) -> tuple[tuple, str] | None:
    s = set(w)
    if not (s & _PAYEE) or not (s & _ID) or _TEXT_TWIN.search(raw):
        return None
    return (1,), "supplier id"


_ORG = ("body", "organisation", "organization", "entity", "authority", "auth", "council",
        "client", "trust")
_NOT_ORG = {"code", "id", "uri", "url", "type", "dept", "department", "unit", "service",
            "number", "no", "reference", "ref", "family", "category", "division", "directorate",
            "organisational", "organizational", "sub"}


def anchor_rule(w: Sequence[str], raw: str) -> tuple[tuple, str] | None:
    s = set(w)
    if s & _NOT_ORG:
        return None
    if not (s & set(_ORG) or any(_near(x, ("entity", "organisation", "authority"))
                                  for x in w)):
        return None
    return (1 if "name" in s else 0,), "the organisation's name"


def postcode_rule(w: Sequence[str], raw: str) -> tuple[tuple, str] | None:
    s = set(w)
    joined = "".join(w)
    if "postcode" in joined or ("post" in s and "code" in s) or "zip" in s:
        return ((1,), "postcode") if not s & {"district", "sector", "area"} else None
    return None


def _synonym_rule(fld: str, extra: Callable[[set[str]], bool]):
    keys = {header_key(n): len(SYNONYMS[fld]) - i for i, n in enumerate(SYNONYMS[fld])}

    def rule(w: Sequence[str], raw: str) -> tuple[tuple, str] | None:
        key = header_key(" ".join(w))
        if key in keys:
            return (1, keys[key]), fld.replace("_", " ")
        if extra(set(w)):
            return (0, 0), fld.replace("_", " ")
        return None
    return rule


RULES: dict[str, Callable[[Sequence[str], str], tuple[tuple, str] | None]] = {
    "amount": amount_rule,
    "date": date_rule,
    "supplier": supplier_rule,
    "supplier_id": supplier_id_rule,
    "anchor": anchor_rule,
    "postcode": postcode_rule,
    "reference": _synonym_rule("reference", lambda s: bool(
        s & {"transaction", "trans", "document", "payment", "invoice", "transno"}
        and s & {"no", "number", "ref", "reference", "id", "num"} or s & {"transno"})),
    "category": _synonym_rule("category", lambda s: bool(
        s & {"category", "catergory", "purpose", "subjective", "proclass", "classification",
             "nominal"} and not s & {"code", "id", "no", "supplier"}
        or ({"expense", "expenses", "expenditure"} & s and s & {"type", "description"}))),
    "service": _synonym_rule("service", lambda s: bool(
        s & {"service", "directorate", "department", "dept", "division"}
        and not s & {"code", "id", "no", "category"})),
    "capital_revenue": _synonym_rule("capital_revenue", lambda s: bool(
        {"capital", "revenue"} <= s or s == {"caporrev"})),
}


def header_fields(header: object) -> dict[str, tuple[tuple, str]]:
    """Every field a header could stand for, with its rank and the reason."""
    raw = str(header)
    w = words(raw)
    if not w:
        return {}
    out = {}
    for fld, rule in RULES.items():
        hit = rule(w, raw)
        if hit is not None:
            out[fld] = hit
    return out


def best_field(header: object) -> str | None:
    """The field a header most likely stands for, by its words alone (for finding the header
    row and for the page's preview).

    >>> [best_field(h) for h in ("Gross Amount £", "Pay Date", "5. BENEFICIARY", "Vat", "Notes")]
    ['amount', 'date', 'supplier', None, None]
    """
    found = header_fields(header)
    for fld in ORDER:
        if fld in found:
            return fld
    return None


# --- what the cells say ---------------------------------------------------------------------------

_URI = re.compile(r"^(?:https?://|www\.)", re.IGNORECASE)
_CODE = re.compile(r"^[A-Z0-9]*\d[A-Z0-9]*$")
_LETTER = re.compile(r"[A-Za-z]")
_CAPREV = {"capital", "revenue", "cap", "rev", "c", "r", "capital expenditure",
           "revenue expenditure", "capex", "opex"}


def _share(values: list[object], test: Callable[[object], bool]) -> float:
    if not values:
        return 0.0
    return sum(1 for v in values if test(v)) / len(values)


def _is_money(v: object) -> bool:
    try:
        parse_money(v)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False
    return True


def _is_date(v: object, *, loose: bool = False) -> bool:
    """A date in either day/month order. `loose` also admits what a date column may hold
    instead ("Various", a blank, a serial number); strict, a number is never a date (serials
    look like amounts), so only a header can make a column of numbers a date column."""
    if not loose and isinstance(v, (int, float)) and not isinstance(v, bool):
        return False
    for month_first in (False, True):
        try:
            parse_date(v, month_first=month_first)  # type: ignore[arg-type]
            return True
        except NoDateError:
            return loose
        except ValueError:
            continue
    return False


def _is_dateish(v: object) -> bool:
    return _is_date(v, loose=True)


def _is_period(v: object) -> bool:
    try:
        parse_period(v)
    except ValueError:
        return False
    return True


def _is_name(v: object) -> bool:
    text = str(v).strip()
    return bool(_LETTER.search(text)) and not _URI.match(text) and not _CODE.match(text.upper())


CONTENT: dict[str, Callable[[list[object]], bool]] = {
    "amount": lambda vs: _share(vs, _is_money) >= 0.5,
    "date": lambda vs: _share(vs, _is_dateish) >= 0.5,
    "supplier": lambda vs: _share(vs, lambda v: bool(_LETTER.search(str(v)))) >= 0.5,
    "anchor": lambda vs: _share(vs, _is_name) >= 0.5,
    "capital_revenue": lambda vs: _share(vs, lambda v: str(v).strip().lower() in _CAPREV) >= 0.8,
}
#: What the cells of a column with no usable header must look like to be taken for a field.
BY_CONTENT: dict[str, Callable[[list[object]], bool]] = {
    "date": lambda vs: _share(vs, _is_date) >= 0.8,
    "amount": lambda vs: _share(vs, lambda v: _is_money(v) and not _is_date(v)) >= 0.9,
    "supplier": lambda vs: _share(vs, lambda v: bool(_LETTER.search(str(v)))) >= 0.8,
}


def is_period_column(header: object, values: list[object]) -> bool:
    """A column of months ("Period" of ``Apr-23`` or ``202304``), used when there is no date."""
    return bool(set(words(header)) & {"period", "month"}) and _share(values, _is_period) >= 0.8


# --- choosing --------------------------------------------------------------------------------------

def choose(header: list[str], samples: list[list[object]], *,
           taken: dict[str, int] | None = None,
           inherit: dict[str, int] | None = None) -> tuple[dict[str, int], dict[str, str]]:
    """FIELD -> column, and FIELD -> why, for a header and a sample of each column's cells.

    ``taken`` are fields already fixed (an explicit mapping); ``inherit`` is the mapping of the
    previous sheet of the same workbook: a field this sheet's header lacks is taken at the same
    position when that column's header is blank or means nothing and its cells fit.
    """
    mapping = dict(taken or {})
    why = {f: "named in the column mapping" for f in mapping}
    used = set(mapping.values())
    found = [header_fields(h) for h in header]
    twins = {_TEXT_TWIN.sub("", h).strip().casefold() for h in header if _TEXT_TWIN.search(h)}
    for i, h in enumerate(header):   # "Supplier" beside "Supplier(T)": the code of the pair
        if h.strip().casefold() in twins and "supplier" in found[i]:
            found[i] = {**{k: v for k, v in found[i].items() if k != "supplier"},
                        "supplier_id": ((1,), "the code of a code/text pair")}
    for fld in ORDER:
        if fld in mapping:
            continue
        ranked = sorted((i for i in range(len(header)) if fld in found[i] and i not in used),
                        key=lambda i: (found[i][fld][0], -i), reverse=True)
        for i in ranked:
            check = CONTENT.get(fld)
            if check is None or not samples[i] or check(samples[i]):
                mapping[fld], why[fld] = i, found[i][fld][1]
                used.add(i)
                break
        else:
            if ranked and fld in ("amount", "date"):   # cells unlike the field: the rows are
                i = ranked[0]                          # rejected with reasons, not the column
                mapping[fld], why[fld] = i, found[i][fld][1]
                used.add(i)
        if fld == "supplier" and "supplier" not in mapping:
            _supplier_from_id(header, samples, found, mapping, why, used)
            for i in ranked:          # a "Supplier" column of codes: the supplier's id
                found[i].setdefault("supplier_id", ((0,), "the supplier column holds codes"))
    _by_content(header, samples, found, mapping, why, used, inherit or {})
    return mapping, why


def _supplier_from_id(header, samples, found, mapping, why, used) -> None:
    """No name column: a supplier-id column holding names ("Supplier ID(T)" style) is one."""
    for i in range(len(header)):
        if i in used or "supplier_id" not in found[i] or not samples[i]:
            continue
        if CONTENT["supplier"](samples[i]):
            mapping["supplier"], why["supplier"] = i, "the supplier column holds names"
            used.add(i)
            return


def _by_content(header, samples, found, mapping, why, used, inherit) -> None:
    """Required fields the headers did not give: by the previous sheet's positions, then by the
    one unheaded column whose cells fit (supplier, amount), then (date) by a column of dates."""
    for fld in ("amount", "date", "supplier"):
        if fld in mapping:
            continue
        i = inherit.get(fld)
        if (i is not None and i < len(header) and i not in used and not found[i]
                and samples[i] and BY_CONTENT[fld](samples[i])):
            mapping[fld], why[fld] = i, "same position as on the workbook's previous sheet"
            used.add(i)
    for fld in ("supplier", "amount"):     # a blank-header column, the only one whose cells fit
        if fld not in mapping:
            fits = [i for i, h in enumerate(header) if not str(h).strip() and i not in used
                    and samples[i] and BY_CONTENT[fld](samples[i])]
            if len(fits) == 1:
                mapping[fld], why[fld] = fits[0], "the only unheaded column whose cells fit"
                used.add(fits[0])
    if "date" not in mapping:
        for i in range(len(header)):
            if i not in used and samples[i] and not found[i].keys() - {"reference"} \
                    and BY_CONTENT["date"](samples[i]):
                mapping["date"], why["date"] = i, f"the only column of dates ('{header[i]}')"
                used.add(i)
                return


def gross_note(header: list[str], mapping: dict[str, int]) -> bool:
    """Whether the chosen amount includes VAT: its header says gross, or it is a plain amount
    beside a VAT column with no net amount in the file."""
    if "amount" not in mapping:
        return False
    w = set(words(header[mapping["amount"]]))
    if w & _GROSS:
        return True
    if w & _NET:
        return False
    return any(plain_vat(words(h)) for h in header)
