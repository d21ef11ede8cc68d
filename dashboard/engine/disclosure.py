"""Disclosure control for workforce counts (``../shared/spec/plan.md``, "Workforce").

Nothing below ward level is shown; a count from 1 to 4 is shown as "<5" (primary suppression);
and where the totals would let a reader work a suppressed count out, further counts are withheld
(secondary suppression, shown as null / "—").

The protected table is the one the page can show: anchors (rows) x wards plus "outside the mapped
wards" and "not located" (columns), with its margins: each anchor's headcount (row totals), the
network's count per ward (column totals) and the network's headcount. One suppression pattern is
made for the whole table, so that the network's ward counts and each anchor's cannot be played
against each other.

How: primary cells are 1-4. Then, repeatedly, every row and column of the table with its margin
is one equation ``sum of its cells = its total``; a reader who knows the rule knows each primary
cell is 1-4 and each secondary cell at least 5 (zeros are shown: they are never withheld). Where
those bounds and the equation pin a withheld cell to one value, the smallest shown non-zero count
of the line is withheld too. Last, where scipy is installed and the table is small enough, an
exact audit (`exposed`: the least and greatest value of every withheld cell over all tables
consistent with what is shown, by linear programming) withholds more until no withheld cell has
only one possible value. Tests attack the result with the same audit.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from dashboard.engine.model import Dataset
from dashboard.engine.workforce import anchor_ward_counts

SMALL = "<5"
LOW, HIGH = 1, 4
SHOWN, PRIMARY, SECONDARY = 0, 1, 2
#: A cell of a row whose ward counts are not shown at all (not even which wards have staff):
#: the last resort where every count of the row is small and its totals would pin them (four
#: wards of "<5" under a total of "<5" are four 1s). A reader knows nothing of such a cell.
ROW_WITHHELD = 3
#: A cell of a ward withheld for every row, zeros included (the column's counts are all small
#: under a small total and nothing else can be withheld): shown as withheld for everyone.
WARD_WITHHELD = 4
#: The exact audit runs on tables with at most this many withheld cells (it solves two small
#: linear programmes per withheld cell); bigger tables rely on the line rule alone.
AUDIT_LIMIT = 400
#: Solves in random directions that clear most cells before each remaining one gets its own.
AUDIT_PROBES = 8
#: The upper bound a reader has for a secondarily withheld count: none (a large number).
UNBOUNDED = 10**12


def with_margins(table: np.ndarray) -> np.ndarray:
    """The table with a last column of row totals and a last row of column totals.

    >>> with_margins(np.array([[1, 2], [3, 4]])).tolist()
    [[1, 2, 3], [3, 4, 7], [4, 6, 10]]
    """
    t = np.asarray(table, np.int64)
    rows = np.column_stack([t, t.sum(axis=1)]) if t.size else np.zeros((t.shape[0], 1), np.int64)
    return np.vstack([rows, rows.sum(axis=0, keepdims=True)])


def protect(table: np.ndarray, *, audit: bool = True, fixed_columns: tuple[int, ...] = ()
            ) -> np.ndarray:
    """Codes (SHOWN, PRIMARY, SECONDARY, ROW_WITHHELD, WARD_WITHHELD) for every cell of
    ``with_margins(table)``. ``fixed_columns`` (columns of the table with margins, -1 = the row
    totals) are published elsewhere (a headcount on a card): never withheld, only "<5"."""
    full = with_margins(table)
    code = np.where((full >= LOW) & (full <= HIGH), PRIMARY, SHOWN).astype(np.int8)
    fixed = np.zeros(full.shape, bool)
    fixed[:, list(fixed_columns)] = True
    while True:
        _line_rule(full, code, fixed)
        if not audit or int((code > 0).sum()) > AUDIT_LIMIT:
            return code
        found = exposed(full, code)
        if not found:
            return code
        if not (_withhold_beside(full, code, found, fixed) or _withhold_any(full, code, fixed)):
            before = code.copy()
            _withhold_rows(code, {i for i, _ in found}, fixed)
            if (code == before).all():   # nothing more can be withheld: as safe as it gets
                return code


def _withhold_line(code: np.ndarray, kind: str, n: int, fixed: np.ndarray
                   ) -> list[tuple[str, int]]:
    """The last resort of the line rule: a row not shown by ward, or a ward withheld for every
    row (zeros included); returns the lines to look at again."""
    r, c = code.shape
    if kind == "row":
        if (code[n, :-1][~fixed[n, :-1]] == ROW_WITHHELD).all():
            return []
        _withhold_rows(code, {n}, fixed)
        return [("col", j) for j in range(c)]
    if fixed[:, n].any() or (code[:, n] == WARD_WITHHELD).all():
        return []
    code[:, n] = WARD_WITHHELD
    return [("row", i) for i in range(r)]


def _withhold_rows(code: np.ndarray, rows: set[int], fixed: np.ndarray) -> None:
    """Show nothing by ward for these rows (their totals and cells published elsewhere stay as
    they were): the last resort. The margin row is the network's: then no row is shown by ward."""
    last = code.shape[0] - 1
    for i in (range(code.shape[0]) if last in rows else rows):
        cells = ~fixed[i]
        cells[-1] = False
        code[i, cells] = ROW_WITHHELD


def _lines(full: np.ndarray):
    """(index arrays of one line's cells, position of its total in them) for every row and
    column of a table with margins."""
    r, c = full.shape
    for i in range(r):
        yield (np.full(c, i), np.arange(c)), c - 1
    for j in range(c):
        yield (np.arange(r), np.full(r, j)), r - 1


def _bounds(full: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What a reader knows of each withheld cell: 1-4 for primary, at least 5 for secondary
    (no upper bound but the shown totals, which the equations carry)."""
    lo = np.where(code == PRIMARY, LOW, np.where(code == SECONDARY, HIGH + 1,
                                                  np.where(code >= ROW_WITHHELD, 0, full)))
    hi = np.where(code == PRIMARY, HIGH, np.where(code >= SECONDARY, UNBOUNDED, full))
    return lo.astype(np.int64), hi.astype(np.int64)


def _line(full: np.ndarray, kind: str, n: int) -> tuple[tuple[np.ndarray, np.ndarray], int]:
    """(index arrays of row or column ``n``'s cells, position of its total in them)."""
    r, c = full.shape
    if kind == "row":
        return (np.full(c, n), np.arange(c)), c - 1
    return (np.arange(r), np.full(r, n)), r - 1


def _line_rule(full: np.ndarray, code: np.ndarray, fixed: np.ndarray) -> None:
    """Withhold more until no line's equation and bounds pin a withheld cell of it. A work list
    of lines: after a cell is withheld only its row and column are looked at again."""
    rows, cols = np.nonzero(code)
    todo = deque([("row", int(i)) for i in np.unique(rows)] +
                 [("col", int(j)) for j in np.unique(cols)])
    waiting = set(todo)
    while todo:
        line = todo.popleft()
        waiting.discard(line)
        (ri, ci), total = _line(full, *line)
        c = code[ri, ci]
        if not c.any() or not _pinned(full[ri, ci], c, total):
            continue
        cell = _withhold_unpinning(full, code, ri, ci, total, fixed[ri, ci])
        if cell is None:   # nothing left in the line: withhold the row or the ward whole
            again_lines = _withhold_line(code, *line, fixed)
            for again in again_lines:
                if again not in waiting:
                    waiting.add(again)
                    todo.append(again)
            continue
        for again in (line, ("row", cell[0]), ("col", cell[1])):
            if again not in waiting:
                waiting.add(again)
                todo.append(again)


def _line_bounds(values: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo = np.where(c == PRIMARY, LOW, np.where(c == SECONDARY, HIGH + 1,
                                               np.where(c >= ROW_WITHHELD, 0, values)))
    hi = np.where(c == PRIMARY, HIGH, np.where(c >= SECONDARY, UNBOUNDED, values))
    return lo.astype(np.int64), hi.astype(np.int64)


def _pinned(values: np.ndarray, c: np.ndarray, total: int) -> bool:
    """Whether ``sum(cells) = total`` with the bounds leaves some withheld cell one value."""
    lo, hi = _line_bounds(values, c)
    sign = np.ones(len(values), np.int64)
    sign[total] = -1                                 # cells - total = 0
    hidden = c > 0
    b = -int((sign * values)[~hidden].sum())         # sum over hidden of sign * x = b
    sh = sign[hidden]
    smin = np.where(sh > 0, lo[hidden], -hi[hidden])
    smax = np.where(sh > 0, hi[hidden], -lo[hidden])
    rest_min, rest_max = smin.sum() - smin, smax.sum() - smax
    low = np.where(sh > 0, b - rest_max, rest_min - b)
    high = np.where(sh > 0, b - rest_min, rest_max - b)
    return bool((np.maximum(low, lo[hidden]) >= np.minimum(high, hi[hidden])).any())


#: Candidates tried, smallest first, for one that unpins a line before taking the smallest.
TRIALS = 12


def _withhold_unpinning(full: np.ndarray, code: np.ndarray, ri: np.ndarray, ci: np.ndarray,
                        total: int, fixed: np.ndarray) -> tuple[int, int] | None:
    """Withhold the smallest shown non-zero cell of a line whose withholding leaves no cell of
    the line pinned (withholding a 5 beside two "<5" that add up to 2 would not help), else the
    smallest; the cell withheld, None when nothing is left to withhold."""
    values, c = full[ri, ci], code[ri, ci]
    candidates = np.flatnonzero((c == SHOWN) & (values > 0) & ~fixed)
    candidates = sorted(candidates, key=lambda k: (k == total, values[k]))[:TRIALS]
    for k in candidates:
        trial = c.copy()
        trial[k] = SECONDARY
        if not _pinned(values, trial, total):
            code[ri[k], ci[k]] = SECONDARY
            return int(ri[k]), int(ci[k])
    return _withhold_smallest(full, code, ri, ci, total, fixed)


def _withhold_smallest(full: np.ndarray, code: np.ndarray, ri: np.ndarray, ci: np.ndarray,
                       total: int, fixed: np.ndarray) -> tuple[int, int] | None:
    """Withhold the smallest shown non-zero cell of a line (its total only when no other cell
    is left); the cell withheld, None when nothing is left to withhold."""
    values, c = full[ri, ci], code[ri, ci]
    open_ = (c == SHOWN) & (values > 0) & ~fixed
    inner = open_.copy()
    inner[total] = False
    pick = inner if inner.any() else open_
    if not pick.any():
        return None
    k = np.flatnonzero(pick)[np.argmin(np.where(pick, values, np.iinfo(np.int64).max)[pick])]
    code[ri[k], ci[k]] = SECONDARY
    return int(ri[k]), int(ci[k])


def _withhold_any(full: np.ndarray, code: np.ndarray, fixed: np.ndarray) -> bool:
    """Withhold the smallest shown non-zero cell of the whole table (when the rows and columns of
    the exposed cells have nothing left: a total elsewhere can still give them away); False when
    every non-zero cell is withheld."""
    open_ = (code == SHOWN) & (full > 0) & ~fixed
    if not open_.any():
        return False
    i, j = np.argwhere(open_)[np.argmin(full[open_])]
    code[i, j] = SECONDARY
    return True


def _withhold_beside(full: np.ndarray, code: np.ndarray, cells: list[tuple[int, int]],
                     fixed: np.ndarray) -> bool:
    """For each exposed cell, withhold the smallest shown count of its row (else its column)."""
    done = False
    for i, j in cells:
        r, c = full.shape
        row = (np.full(c, i), np.arange(c))
        col = (np.arange(r), np.full(r, j))
        done = _withhold_smallest(full, code, *row, c - 1, fixed[i]) is not None or \
            _withhold_smallest(full, code, *col, r - 1, fixed[:, j]) is not None or done
    return done


def exposed(full: np.ndarray, code: np.ndarray) -> list[tuple[int, int]] | None:
    """Withheld counts of 1-4 in a table with margins that have exactly one possible whole value
    given the shown cells, the equations of every row and column and the bounds a reader knows
    ("<5" is 1-4, a withheld cell at least 5, a cell of a row not shown by ward anything). A
    withheld count of 5 or more that can be worked out reveals nothing the rule protects, so only
    counts of 1-4 are the adversary's targets.

    Exact: each target's least and greatest value by linear programming (scipy's HiGHS). Most
    targets are cleared first by a few solves in random directions (any two feasible tables in
    which a cell differs prove it is not pinned); only the rest get their own two solves. None
    when scipy is not installed (the audit cannot run). This is the adversary of the tests.
    """
    try:
        from scipy.optimize import linprog
    except ImportError:  # pragma: no cover - scipy is in requirements
        return None
    hidden = np.argwhere(code > 0)
    targets = [k for k, (i, j) in enumerate(hidden) if LOW <= full[i, j] <= HIGH]
    if not targets:
        return []
    a_eq, b_eq = _equations(full, code > 0)
    lo, hi = _bounds(full, code)
    bounds = np.column_stack([lo[code > 0], hi[code > 0]]).astype(float)

    def solve(cost: np.ndarray) -> np.ndarray | None:
        r = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        return r.x if r.success else None

    def open_range(low: float, high: float) -> bool:
        return np.ceil(low - 1e-6) < np.floor(high + 1e-6)

    seen_lo = np.full(len(hidden), np.inf)
    seen_hi = np.full(len(hidden), -np.inf)
    rng = np.random.default_rng(0)
    for _ in range(AUDIT_PROBES):
        cost = np.zeros(len(hidden))
        cost[targets] = rng.standard_normal(len(targets))
        for x in (solve(cost), solve(-cost)):
            if x is not None:
                seen_lo, seen_hi = np.minimum(seen_lo, x), np.maximum(seen_hi, x)
    out = []
    for k in targets:
        if open_range(seen_lo[k], seen_hi[k]):
            continue
        cost = np.zeros(len(hidden))
        cost[k] = 1.0
        low, high = solve(cost), solve(-cost)
        if low is None or high is None:
            continue
        if not open_range(low[k], high[k]):
            i, j = hidden[k]
            out.append((int(i), int(j)))
    return out


def _equations(full: np.ndarray, hidden: np.ndarray):
    """Every row's and column's ``sum of cells - total = 0`` over the hidden cells (in
    ``np.argwhere`` order), with the shown cells moved to the right: a sparse matrix and its
    right-hand side; lines with no hidden cell are left out."""
    from scipy.sparse import coo_matrix

    r, c = full.shape
    sign_row = np.ones((r, c))
    sign_row[:, -1] = -1
    sign_col = np.ones((r, c))
    sign_col[-1, :] = -1
    known = np.where(hidden, 0, full).astype(float)
    b = np.concatenate([-(sign_row * known).sum(axis=1), -(sign_col * known).sum(axis=0)])
    ii, jj = np.nonzero(hidden)
    k = np.arange(len(ii))
    a = coo_matrix((np.concatenate([sign_row[ii, jj], sign_col[ii, jj]]),
                    (np.concatenate([ii, r + jj]), np.concatenate([k, k]))),
                   shape=(r + c, len(ii))).tocsr()
    used = np.diff(a.indptr) > 0
    return a[used], b[used]


def show_count(value: int) -> int | str:
    """A count as it may be shown on its own: "<5" for 1-4.

    >>> [show_count(v) for v in (0, 1, 4, 5)]
    [0, '<5', '<5', 5]
    """
    return SMALL if LOW <= int(value) <= HIGH else int(value)


def shown(value: int, c: int) -> int | str | None:
    """A protected cell as shown: the count, "<5" (primary) or None (withheld)."""
    return int(value) if c == SHOWN else (SMALL if c == PRIMARY else None)


def safe_share(numerator: int, denominator: int) -> float | None:
    """A share, unless it would let a reader work out a count of 1-4 (the numerator, the
    denominator or their difference): then None. None too for a zero denominator.

    >>> safe_share(10, 40), safe_share(3, 40), safe_share(38, 40), safe_share(0, 0)
    (0.25, None, None, None)
    """
    parts = (numerator, denominator, denominator - numerator)
    if denominator <= 0 or any(LOW <= int(p) <= HIGH for p in parts):
        return None
    return numerator / denominator


def workforce_protection(ds: Dataset, snapshot: str | None = None) -> tuple[list[str], np.ndarray,
                                                                     np.ndarray]:
    """(anchor names, table with margins, codes) of the anchors x wards table (plus outside the
    mapped wards and not located), made once per data set and snapshot."""
    def build():
        names, table = anchor_ward_counts(ds, snapshot)
        full = with_margins(table.reshape(len(names), -1) if len(names) else
                            np.zeros((0, len(ds.wards) + 2), np.int64))
        # headcounts (row totals) and "not located" (headcount minus located) are published
        # on their own: never withheld, so the table's pattern is what a reader can really see
        code = protect(table, fixed_columns=(-1, -2)) if len(names) else np.zeros(full.shape,
                                                                                  np.int8)
        return names, full, code

    return ds.derived.for_options("workforce-disclosure", snapshot, build)


def ward_headcounts(ds: Dataset, anchors: tuple[str, ...] = (), snapshot: str | None = None
                    ) -> tuple[np.ndarray, np.ndarray, str | None]:
    """(counts, codes, anchor) per ward of ``ds.wards`` as the page may show them: one anchor's
    row when exactly one anchor is chosen, else the network's (any other selection could be
    played against the network's counts, so it is not offered); ``anchor`` says whose."""
    names, full, code = workforce_protection(ds, snapshot)
    n = len(ds.wards)
    if not names:
        return np.zeros(n, np.int64), np.zeros(n, np.int8), None
    row, who = len(names), None
    if len(anchors) == 1 and anchors[0] in names:
        row, who = names.index(anchors[0]), anchors[0]
    if (code[row, :n] == ROW_WITHHELD).any():   # nothing by ward, not even where staff live
        return np.zeros(n, np.int64), np.full(n, ROW_WITHHELD, np.int8), who
    return full[row, :n], code[row, :n], who
