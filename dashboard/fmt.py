"""Numbers as people read them: pounds from integer pence, shares as percentages, "—" for undefined.

>>> money(395050)
'£3,950.50'
>>> money(123_456_789_00, compact=True)
'£123m'
>>> share(0.12345)
'12.3%'
>>> share(None)
'—'
"""
from __future__ import annotations

import html
from decimal import ROUND_HALF_UP, Decimal
from numbers import Integral

DASH = "—"
MINUS = "-"


def money(pence: int | float | None, *, compact: bool = False, places: int = 2) -> str:
    """Pounds from pence, rounded half up (away from zero) to the precision shown: exact
    ("£1,234.50"), in whole pounds with ``places=0`` ("£1,235"), or compact ("£1,235", "£456k",
    "£12.3m", "£1.23bn"). Every money figure a person reads goes through here.

    >>> money(250, places=0), money(249, places=0), money(-250, compact=True)
    ('£3', '£2', '-£3')
    >>> money(99_999_950), money(99_999_950, compact=True)
    ('£999,999.50', '£1.00m')
    """
    if pence is None or pence != pence:  # None or NaN
        return DASH
    whole = _whole_pence(pence)
    shown = _pounds(Decimal(abs(whole)), compact, places)
    negative = whole < 0 and any(c in "123456789" for c in shown)  # no "-£0"
    return f"{MINUS if negative else ''}£{shown}"


def _pounds(p: Decimal, compact: bool, places: int) -> str:
    """The figure after the "£" for `p` pence (not negative)."""
    if not compact:
        return f"{_half_up(p.scaleb(-2), places):,.{places}f}"
    pounds = _half_up(p.scaleb(-2), 0)
    if pounds < 100_000:
        return f"{pounds:,.0f}"
    thousands = _half_up(p.scaleb(-5), 0)
    if thousands < 1000:
        return f"{thousands:,.0f}k"
    millions = _sig3(p.scaleb(-8))
    if millions is not None:
        return f"{millions}m"
    return f"{_sig3(p.scaleb(-11), last=True)}bn"


def _whole_pence(pence: int | float) -> int:
    """Whole pence: integers as they are, fractions of a penny rounded half up (away from zero)."""
    if isinstance(pence, Integral):
        return int(pence)
    return int(_half_up(Decimal(str(float(pence))), 0))


def _half_up(x: Decimal, places: int) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _sig3(x: Decimal, *, last: bool = False) -> str | None:
    """Three significant figures, half up ("1.23", "12.3", "123"); None when that rounds to 1000
    or more (the next unit up), unless this is the `last` unit ("1,234")."""
    for places, limit in ((2, 10), (1, 100), (0, 1000)):
        q = _half_up(x, places)
        if q < limit:
            return f"{q:,.{places}f}"
    return f"{_half_up(x, 0):,.0f}" if last else None


def share(fraction: float | None, digits: int = 1) -> str:
    """A fraction as a percentage ("12.3%"), "—" when undefined."""
    if fraction is None or fraction != fraction:  # None or NaN
        return DASH
    return percent(fraction * 100, digits)


def percent(value: float | None, digits: int = 1) -> str:
    """A value already in percent as text ("12.3%"), "—" when undefined."""
    if value is None or value != value:
        return DASH
    return f"{value:.{digits}f}%"


def count(n: int | None) -> str:
    """A whole number with thousands separators."""
    return DASH if n is None else f"{int(n):,}"


def signed_money(pence: int) -> str:
    """A change in money with its sign: "+£1,200", "-£35"."""
    return ("+" if pence > 0 else "") + money(pence, compact=True) if pence else "no change"


def points(delta: float, unit: str = "pts") -> str:
    """A change in a share, in percentage points: "+1.2 pts" (or another `unit`: "points")."""
    pts = delta * 100
    if abs(pts) < 0.05:
        return "no change"
    return f"{pts:+.1f} {unit}"


def pct_change(now: int, before: int) -> str | None:
    """Relative change ("+12.3%") or None when the earlier value is zero or negative."""
    if before <= 0:
        return None
    return f"{(now - before) / before * 100:+.1f}%"


def plot_text(text: object) -> str:
    """Text for plotly labels and hover: HTML-escaped, because plotly renders a subset of tags.

    A supplier called "<b>x</b>" must show those characters, not bold text.
    """
    return html.escape("" if text is None else str(text), quote=False)
