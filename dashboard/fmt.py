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

DASH = "—"
MINUS = "-"


def money(pence: int | float | None, *, compact: bool = False) -> str:
    """Pounds from pence: exact ("£1,234.50") or compact ("£1,235", "£456k", "£12.3m")."""
    if pence is None:
        return DASH
    sign = MINUS if pence < 0 else ""
    pounds = abs(int(pence)) / 100
    if not compact:
        return f"{sign}£{pounds:,.2f}"
    if pounds < 100_000:
        return f"{sign}£{(abs(int(pence)) + 50) // 100:,}"  # whole pounds, half up
    if pounds < 1_000_000:
        return f"{sign}£{pounds / 1000:,.0f}k"
    if pounds < 1_000_000_000:
        return f"{sign}£{_sig3(pounds / 1e6)}m"
    return f"{sign}£{_sig3(pounds / 1e9)}bn"


def _sig3(x: float) -> str:
    """Three significant figures, no trailing ".0" for big values (12.3, 123, 1.23)."""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def share(fraction: float | None, digits: int = 1) -> str:
    """A fraction as a percentage ("12.3%"), "—" when undefined."""
    if fraction is None or fraction != fraction:  # None or NaN
        return DASH
    return f"{fraction * 100:.{digits}f}%"


def count(n: int | None) -> str:
    """A whole number with thousands separators."""
    return DASH if n is None else f"{int(n):,}"


def signed_money(pence: int) -> str:
    """A change in money with its sign: "+£1,200", "-£35"."""
    return ("+" if pence > 0 else "") + money(pence, compact=True) if pence else "no change"


def points(delta: float) -> str:
    """A change in a share, in percentage points: "+1.2 pts"."""
    pts = delta * 100
    if abs(pts) < 0.05:
        return "no change"
    return f"{pts:+.1f} pts"


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
