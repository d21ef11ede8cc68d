"""Financial years: the UK public sector's year runs 1 April to 31 March, labelled "2023/24"."""
from __future__ import annotations

import re
from datetime import date

_FY = re.compile(r"(?:FY\s*)?(?P<a>\d{4})\s*[/-]\s*(?P<b>\d{4}|\d{2})", re.IGNORECASE)


def financial_year(d: date) -> int:
    """The start year of the UK financial year (1 April to 31 March) holding ``d``.

    >>> financial_year(date(2024, 3, 31)), financial_year(date(2024, 4, 1))
    (2023, 2024)
    """
    return d.year if d.month >= 4 else d.year - 1


def fy_label(start_year: int) -> str:
    """The label of a financial year: ``fy_label(2023) == "2023/24"``.

    >>> fy_label(2023), fy_label(1999)
    ('2023/24', '1999/00')
    """
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def parse_fy(label: str) -> int:
    """The start year of a financial year label (``2023/24``, ``2023-24``, ``2023/2024``).

    >>> parse_fy("2023/24"), parse_fy("FY 2023-2024")
    (2023, 2023)
    """
    m = _FY.fullmatch(str(label).strip())
    if m:
        start, end = int(m["a"]), m["b"]
        if int(end) == ((start + 1) % 100 if len(end) == 2 else start + 1):
            return start
    raise ValueError(f"financial year {_show(label)} is not like 2023/24")


def _show(value: object, limit: int = 40) -> str:
    """A value quoted for an error message, shortened to one short line."""
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
