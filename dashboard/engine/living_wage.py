"""The real Living Wage rate table (``data/living_wage.csv``) and the rate in force on a date.

The table is data, not code (``../shared/spec/plan.md``, "Workforce"): a user extends it by adding
a row, or passes a file of their own. A rate applies from its deadline (1 May after its
announcement) until the next rate's deadline; before the first deadline no rate is known. London
has its own rate, used where the anchor's workplace district is a London borough (``E09...``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.errors import InputError

DEFAULT_RATES = Path(__file__).resolve().parent / "data" / "living_wage.csv"
#: District codes of the London boroughs (and the City of London) start with this.
LONDON_PREFIX = "E09"


@dataclass(frozen=True)
class Rates:
    """Rates sorted by the day they apply from: ``start`` (days since 1970), pence per hour."""

    start: np.ndarray      # int64 day numbers, ascending
    uk: np.ndarray         # int64 pence
    london: np.ndarray     # int64 pence

    def rate(self, day: date, london: bool) -> int | None:
        """Pence per hour in force on ``day`` (None before the first rate applies).

        >>> r = read_rates()
        >>> r.rate(date(2024, 4, 30), False), r.rate(date(2024, 5, 1), False)
        (1090, 1200)
        >>> r.rate(date(2024, 5, 1), True), r.rate(date(2020, 4, 30), False)
        (1315, None)
        """
        out = self.rates(np.array([_day(day)], np.int64), np.array([london]))[0]
        return None if out < 0 else int(out)

    def rates(self, days: np.ndarray, london: np.ndarray) -> np.ndarray:
        """Pence per hour per (day number, London?) pair; -1 where no rate applies yet."""
        pos = np.searchsorted(self.start, np.asarray(days, np.int64), side="right") - 1
        known = pos >= 0
        safe = np.maximum(pos, 0)
        value = np.where(np.asarray(london, bool), self.london[safe], self.uk[safe])
        return np.where(known, value, -1).astype(np.int64)


def _day(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def is_london(district: str | None) -> bool:
    """Whether a district code is a London borough.

    >>> is_london("E09000033"), is_london("E08000024"), is_london(None)
    (True, False, False)
    """
    return bool(district) and str(district).upper().startswith(LONDON_PREFIX)


def read_rates(path: str | os.PathLike | None = None) -> Rates:
    """Read a rate table: columns ``uk_rate``, ``london_rate`` (pounds) and ``applies_from``
    (YYYY-MM-DD); lines starting with ``#`` are comments. InputError names a bad row."""
    path = Path(path or DEFAULT_RATES)
    try:
        raw = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path.name}: cannot read the living wage rate table ({exc}): give a "
                         "CSV with columns announced,uk_rate,london_rate,applies_from") from None
    need = {"uk_rate", "london_rate", "applies_from"}
    if not need <= set(raw.columns):
        raise InputError(f"{path.name}: the living wage rate table needs the columns "
                         f"{', '.join(sorted(need))}; it has {', '.join(raw.columns)}")
    rows = []
    for i, r in enumerate(raw.itertuples(index=False), start=2):
        try:
            start = date.fromisoformat(r.applies_from.strip())
            uk, ldn = (_pence(r.uk_rate), _pence(r.london_rate))
        except (ValueError, InvalidOperation):
            raise InputError(f"{path.name}: row {i} of the living wage rate table is not "
                             "'announced,uk_rate,london_rate,applies_from' with rates in pounds "
                             "and a YYYY-MM-DD date") from None
        rows.append((_day(start), uk, ldn))
    if not rows:
        raise InputError(f"{path.name}: the living wage rate table has no rates")
    rows.sort()
    start, uk, ldn = (np.array(c, np.int64) for c in zip(*rows))
    return Rates(start, uk, ldn)


def _pence(text: str) -> int:
    value = Decimal(text.strip().lstrip("£")) * 100
    if value <= 0 or value != value.to_integral_value():
        raise ValueError(text)
    return int(value)
