"""Targets and progress (`../shared/spec/plan.md`, "Targets and progress").

A `Target` names a metric, a scope (the network or one anchor), the options it is judged with, a
baseline and a target financial year and a target value. Everything else is computed from the data:
the baseline value, `actual(y)` for each financial year (the metric for that year alone, no other
filter), the straight-line `trajectory(y)`, the `status(y)` in words and the `gap_pence(y)`.

Comparisons are exact: a share is kept as a `Fraction` of integer pence and the target value as the
decimal it was typed as, so "on track" at exactly the trajectory and "off track" at exactly one
percentage point below it do not depend on float rounding. Shares leave this module as floats.

Where `plan.md` is silent (written down in docs/plan.md): a year after the target year is judged
against the target value itself (the target is to be kept); a year before the baseline is not
judged; with no baseline value there is no trajectory and every status is "no data".
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import numpy as np

from dashboard.engine.disclosure import safe_share
from dashboard.engine.filters import MOST_DEPRIVED_CHOICES, REFERENCES, Options
from dashboard.engine.groups import coded_bins, denominator_codes, numerator_codes
from dashboard.engine.model import Dataset
from dashboard.engine.periods import fy_label
from dashboard.engine.workforce import TARGET_METRICS, has_workforce, workforce_parts
from dashboard.errors import InputError

#: Metrics that can carry a target now, with the what-if group whose share each one is.
SPEND_METRICS = {"share_most_deprived": "most_deprived", "local_share": "local",
                 "sme_share": "sme", "vcse_share": "vcse"}
#: Workforce metrics of plan.md (headcounts from the workforce lever, `engine.workforce`):
#: accepted when the data set has a workforce.
WORKFORCE_METRICS = tuple(TARGET_METRICS)
METRIC_LABELS = {"share_most_deprived": "Share of located spend in the most deprived areas",
                 "local_share": "Share of located spend with local suppliers",
                 "sme_share": "Share of spend with SMEs",
                 "vcse_share": "Share of spend with VCSE organisations",
                 "workforce_share_most_deprived": "Share of staff living in the most deprived "
                                                  "areas",
                 "workforce_local_share": "Share of staff living in the local area",
                 "living_wage_share": "Share of staff paid at least the real Living Wage"}
ON_TRACK, CLOSE, OFF_TRACK, NO_DATA = "on track", "close", "off track", "no data"
STATUSES = (ON_TRACK, CLOSE, OFF_TRACK, NO_DATA)
#: "close" = below the trajectory by less than one percentage point.
CLOSE_BY = Fraction(1, 100)
#: Financial years a target may name.
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Target:
    """One target of the plan. `scope` None = the whole network, else an anchor's name.
    `target_value` is a fraction (0.25 = 25%)."""

    metric: str
    baseline_year: int
    target_year: int
    target_value: float
    scope: str | None = None
    most_deprived: int = 10
    reference: str = "national"
    owner: str = ""
    note: str = ""
    id: str = ""

    @property
    def options(self) -> Options:
        """The options the target is judged with (the local area is always the network's)."""
        return Options(most_deprived=self.most_deprived, reference=self.reference)

    def as_dict(self) -> dict:
        return asdict(self)


def check_target(ds: Dataset | None, t: Target) -> Target:
    """`t` when it is a target this data set can judge; InputError saying what is wrong otherwise.

    With `ds` None only what needs no data is checked (used when reading a saved plan)."""
    if t.metric in WORKFORCE_METRICS and ds is not None and not has_workforce(ds):
        raise InputError(f"metric {t.metric!r} needs workforce figures, which this data set does "
                         f"not have: import a workforce file, or choose one of "
                         f"{', '.join(SPEND_METRICS)}")
    if t.metric not in SPEND_METRICS and t.metric not in WORKFORCE_METRICS:
        raise InputError(f"metric {t.metric!r} is not known: choose one of "
                         f"{', '.join((*SPEND_METRICS, *WORKFORCE_METRICS))}")
    for name in ("baseline_year", "target_year"):
        year = getattr(t, name)
        if not isinstance(year, int | np.integer) or isinstance(year, bool) or not (
                FIRST_YEAR <= year <= LAST_YEAR):
            raise InputError(f"{name.replace('_', ' ')} {year!r} is not a financial year: give the"
                             " start year, e.g. 2024 for 2024/25")
    if t.target_year <= t.baseline_year:
        raise InputError(f"target year {fy_label(t.target_year)} is not after the baseline year "
                         f"{fy_label(t.baseline_year)}: the target year must be later")
    value = t.target_value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not 0 <= value <= 1:
        raise InputError(f"target value {value!r} is not a share between 0 and 1 (0.25 = 25%)")
    if t.most_deprived not in MOST_DEPRIVED_CHOICES:
        raise InputError(f"most deprived {t.most_deprived!r}% must be one of "
                         f"{', '.join(map(str, MOST_DEPRIVED_CHOICES))}")
    if t.reference not in REFERENCES:
        raise InputError(f"reference {t.reference!r} must be one of {', '.join(REFERENCES)}")
    if ds is not None and t.scope is not None and t.scope not in set(ds.anchors["name"]):
        raise InputError(f"anchor {t.scope!r} is not in this data set: anchors are "
                         f"{', '.join(ds.anchors['name'])}")
    return t


# --------------------------------------------------------------------------- the sums
def year_anchor_bins(ds: Dataset, options: Options) -> np.ndarray:
    """Spend (pence) by (financial year, anchor, headline code) with no filter, shape
    (years, anchors, 128): every target's actual(y) is a sum over it. Made once per option set."""
    def build() -> np.ndarray:
        n_years, n_anchors = max(len(ds.years), 1), max(ds.n_anchors, 1)
        bins = coded_bins(ds, None, options, ds.tx.group, n_years * n_anchors)
        out = bins.reshape(n_years, n_anchors, -1)
        out.flags.writeable = False
        return out

    return ds.derived.for_options("plan.year_anchor_bins", options, build)


def parts(ds: Dataset, metric: str, scope: str | None, year: int, options: Options
          ) -> tuple[int, int]:
    """(numerator, denominator) in pence of `metric` for financial year `year` alone, for the
    network (`scope` None) or one anchor; (0, 0) for a year with no spend. A workforce metric's
    are headcounts (each anchor's latest snapshot in the year, `workforce.workforce_parts`)."""
    if metric in WORKFORCE_METRICS:
        return workforce_parts(ds, metric, scope, year, options) if has_workforce(ds) else (0, 0)
    group = SPEND_METRICS[metric]
    if year not in ds.years:
        return 0, 0
    grid = year_anchor_bins(ds, options)[ds.years.index(year)]
    if scope is not None:
        pos = np.flatnonzero(ds.anchors["name"].to_numpy(object) == scope)
        if not len(pos):
            return 0, 0
        grid = grid[int(pos[0]):int(pos[0]) + 1]
    row = grid.sum(axis=0)
    return int(row[numerator_codes(group)].sum()), int(row[denominator_codes(group)].sum())


def share(numerator: int, denominator: int, metric: str | None = None) -> Fraction | None:
    """The exact share, None when the denominator is zero or negative (plan.md, metrics.md).
    A workforce share is None too where it would let a reader work out a headcount of 1 to 4
    (`disclosure.safe_share`: the privacy rule of plan.md's workforce lever)."""
    if metric in WORKFORCE_METRICS and safe_share(int(numerator), int(denominator)) is None:
        return None
    return None if denominator <= 0 else Fraction(int(numerator), int(denominator))


# --------------------------------------------------------------------------- the definitions
def trajectory(baseline_value: Fraction, target_value: Fraction, baseline_year: int,
               target_year: int, year: int) -> Fraction | None:
    """plan.md's straight line from the baseline to the target; None outside its years.

    >>> trajectory(Fraction(1, 10), Fraction(3, 10), 2022, 2026, 2024)
    Fraction(1, 5)
    >>> trajectory(Fraction(1, 10), Fraction(3, 10), 2022, 2026, 2027) is None
    True
    """
    if not baseline_year <= year <= target_year:
        return None
    return baseline_value + (target_value - baseline_value) * Fraction(
        year - baseline_year, target_year - baseline_year)


def goal(baseline_value: Fraction | None, target_value: Fraction, baseline_year: int,
         target_year: int, year: int) -> Fraction | None:
    """What year `year` is judged against: the trajectory in its years, the target value itself
    after the target year (the project's choice), None before the baseline or with no baseline."""
    if baseline_value is None or year < baseline_year:
        return None
    if year > target_year:
        return target_value
    return trajectory(baseline_value, target_value, baseline_year, target_year, year)


def status(actual: Fraction | None, goal_value: Fraction | None) -> str:
    """plan.md's status in words: on track at or above the goal, close below it by less than one
    percentage point, off track otherwise, no data when either is undefined.

    >>> status(Fraction(30, 100), Fraction(30, 100)), status(Fraction(2901, 10000), Fraction(3, 10))
    ('on track', 'close')
    >>> status(Fraction(29, 100), Fraction(3, 10)), status(None, Fraction(3, 10))
    ('off track', 'no data')
    """
    if actual is None or goal_value is None:
        return NO_DATA
    if actual >= goal_value:
        return ON_TRACK
    return CLOSE if goal_value - actual < CLOSE_BY else OFF_TRACK


def gap_pence(goal_value: Fraction | None, numerator: int, denominator: int) -> int | None:
    """plan.md's gap: max(0, ceil(goal x denominator) - numerator), the extra spend that would have
    had to reach the group to be on the trajectory; None when undefined.

    >>> gap_pence(Fraction(1, 3), 0, 100)     # ceil(33.33...) = 34
    34
    >>> gap_pence(Fraction(1, 4), 30, 100), gap_pence(None, 0, 100), gap_pence(Fraction(1, 4), 0, 0)
    (0, None, None)
    """
    if goal_value is None or denominator <= 0:
        return None
    return max(0, math.ceil(goal_value * denominator) - int(numerator))


def value_fraction(value: float) -> Fraction:
    """A typed share as the exact decimal it was written as (0.3 is 3/10, not the float's binary).

    >>> value_fraction(0.3)
    Fraction(3, 10)
    """
    return Fraction(repr(float(value)))


@dataclass(frozen=True)
class YearProgress:
    """One financial year of a target's progress. Money in pence; shares as exact fractions."""

    year: int
    numerator: int
    denominator: int
    actual: Fraction | None
    trajectory: Fraction | None
    goal: Fraction | None
    status: str
    gap_pence: int | None

    @property
    def label(self) -> str:
        return fy_label(self.year)


@dataclass(frozen=True)
class Progress:
    """A target judged against the data: its baseline and one row per financial year from the
    baseline year to the later of the target year and the data's last year."""

    target: Target
    baseline_value: Fraction | None
    years: tuple[YearProgress, ...] = field(default_factory=tuple)

    def at(self, year: int) -> YearProgress | None:
        """The row of financial year `year` (None outside the rows)."""
        return next((r for r in self.years if r.year == year), None)


def progress(ds: Dataset, target: Target) -> Progress:
    """Judge `target` against the data, year by year (see the module docstring)."""
    check_target(ds, target)
    opts = target.options
    tv = value_fraction(target.target_value)
    b_num, b_den = parts(ds, target.metric, target.scope, target.baseline_year, opts)
    baseline = share(b_num, b_den, target.metric)
    spend = target.metric in SPEND_METRICS
    last = max([target.target_year, *(ds.years or ())])
    rows = []
    for year in range(target.baseline_year, last + 1):
        num, den = parts(ds, target.metric, target.scope, year, opts)
        actual = share(num, den, target.metric)
        g = goal(baseline, tv, target.baseline_year, target.target_year, year)
        traj = (None if baseline is None else
                trajectory(baseline, tv, target.baseline_year, target.target_year, year))
        rows.append(YearProgress(year, num, den, actual, traj, g, status(actual, g),
                                 gap_pence(g, num, den) if spend else None))
    return Progress(target, baseline, tuple(rows))


def current_year(ds: Dataset, year: int | None = None) -> int | None:
    """The year a plan is reported for: `year`, else the data's latest financial year."""
    if year is not None:
        return year
    return ds.years[-1] if ds.years else None


def as_float(x: Fraction | None) -> float | None:
    """An exact share as a float for JSON and display (None stays None)."""
    return None if x is None else float(x)
