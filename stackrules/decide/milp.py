"""A small builder for mixed-integer programs, solved exactly with HiGHS.

Variables and rows are collected in Python lists and handed to HiGHS in one
go. Objectives are lexicographic: levels are folded into one weighted sum
while the weights stay exact in floating point (all coefficients are
integers), otherwise solved one after another, each fixing the previous
optimum. The relative MIP gap is 0, so an ``optimal`` answer is proven.

Every solve runs HiGHS on one thread and leaves no HiGHS scheduler behind on
the calling thread (docs/design.md, "Processes"): a process that has decided
can fork, and code sharing the thread with its own HiGHS settings is not
disturbed.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from highspy import Highs, HighsBasis, HighsBasisStatus, HighsLp, HighsModelStatus, HighsStatus, HighsVarType, MatrixFormat, _core

INF = math.inf


SMALL_MODEL = 800  # columns; below this, solve without HiGHS presolve
LARGE_MIP = 5000  # integer columns; from this, a MIP gets HiGHS's light presolve
PROGRESS_PRESOLVE = 2000  # columns; from this, a model with most-progress rows gets HiGHS's light presolve


_EXACT = 1e11  # a folded objective's range: far inside the 2**53 of exact doubles (docs/design.md)


@dataclass
class Solution:
    status: str  # optimal | infeasible | time_limit
    values: list[float]
    bound: list[float] = field(default_factory=list)  # the best bound of the level that stopped


@dataclass
class Model:
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    rows_lo: list[float] = field(default_factory=list)
    rows_hi: list[float] = field(default_factory=list)
    row_start: list[int] = field(default_factory=lambda: [0])
    row_index: list[int] = field(default_factory=list)
    row_value: list[float] = field(default_factory=list)
    # a model with most-progress rows gets HiGHS's light presolve (no probing) at PROGRESS_PRESOLVE columns or
    # more, none below. Measured on the institution's audits (load_bench.py --institution; their completion
    # models have 800-1,300 columns): with none below 2,000 columns, p99 170-173 ms and 6.1-6.2 s for all 200,
    # against 186-191 ms and 6.8-7.2 s with the light presolve from 800 (its slowest audit, 0.95 s, took 0.38 s);
    # the light presolve had in turn beaten the full one there (median of the nine slowest 217 ms against 370 ms).
    # On the 40 not-met 60-requirement audits of audit_bench.py (500-700 columns) the slowest took 202 ms with
    # none, 164 ms with the full presolve and 487 ms with the light one; the full presolve was seen to call a
    # feasible model of this kind infeasible (see _run) and is not used where it cannot be checked.
    light_presolve: bool = False
    # the basis of the last LP relaxation solved for this model, with the number of rows it had: the next solve's
    # LP starts from it (rows added since are basic, i.e. their slack is free), not from scratch
    basis: tuple[HighsBasis, int] | None = None

    def var(self, name: str, lb: float = 0.0, ub: float = 1.0, integer: bool = True) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(integer)
        self.names.append(name)
        return len(self.lb) - 1

    def row(self, terms: dict[int, float] | list[tuple[int, float]], lo: float = -INF, hi: float = INF) -> None:
        if isinstance(terms, dict):
            merged = terms  # one coefficient per column already
        else:
            merged = {}
            for j, c in terms:
                merged[j] = merged.get(j, 0.0) + c
        index, value = self.row_index, self.row_value
        for j, c in merged.items():
            if c != 0.0:
                index.append(j)
                value.append(float(c))
        self.row_start.append(len(self.row_index))
        self.rows_lo.append(lo)
        self.rows_hi.append(hi)

    def fix(self, j: int, value: float) -> None:
        self.lb[j] = value
        self.ub[j] = value

    def _lp(self, weights: dict[int, int], deadline: float) -> tuple[_core._Highs, np.ndarray] | None:
        """The LP relaxation solved for one objective: the solver and the objective's costs; None unless optimal."""
        h = self._highs()
        n = len(self.lb)
        cost = np.zeros(n)
        for j, w in weights.items():
            cost[j] = float(w)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        h.setOptionValue("time_limit", max(deadline - time.monotonic(), 0.01))
        with _one_thread():
            _execute(h)
        if h.getModelStatus() != HighsModelStatus.kOptimal:
            return None
        return h, cost

    def excluded_above(self, weights: dict[int, int], limit: int, columns: list[int], deadline: float) -> set[int] | None:
        """Columns among ``columns`` (each with lower bound 0) that are 0 in every solution whose objective is at most ``limit``.

        Reduced-cost fixing on the LP relaxation solved for ``weights`` (:meth:`_above` says what is
        proven). None when the LP gives no usable duals.
        """
        solved = self._lp(weights, deadline)
        if solved is None:
            return None
        h, cost = solved
        above = self._above(h, cost, limit)
        if above is None:
            return None
        wanted = np.zeros(len(self.lb), dtype=bool)
        wanted[np.asarray(columns, dtype=np.int64)] = True
        return {int(j) for j in above if wanted[j]}

    def _above(self, h: _core._Highs, cost: np.ndarray, limit: float) -> np.ndarray | None:
        """The integer columns with lower bound 0 that are 0 in every solution of this model whose objective ``cost`` is at most ``limit``.

        ``cost`` must be integral on every solution (integer weights on integer columns only): the slack of 0.5
        below rests on it.

        ``h`` holds this model (its rows, no others) with its LP relaxation just solved to optimality.
        Reduced-cost fixing, proven without trusting the LP solver's accuracy: the LP's row duals ``y``
        are only a guess; for any ``y``, weak (Lagrangian) duality gives the bound
        ``sum_r y_r * b_r + sum_j min(d_j * lb_j, d_j * ub_j)`` with ``d = c - A^T y``, where ``b_r`` is the
        row's lower bound when ``y_r > 0`` and its upper bound when ``y_r < 0`` (a ``y_r`` whose side is
        unbounded is taken as 0). A solution with column ``j`` at 1 or more is then worth at least that
        bound plus ``d_j`` (for ``d_j > 0``), so when that exceeds ``limit`` (the objective is integral)
        the column is 0 in every solution within ``limit``; when the bound itself exceeds ``limit`` no
        solution is within it and every column is. None when the LP gives no usable duals.
        """
        n = len(self.lb)
        sol = h.getSolution()
        if not sol.dual_valid or len(sol.row_dual) != len(self.rows_lo):
            return None
        y = np.asarray(sol.row_dual, dtype=float)
        lo = np.asarray(self.rows_lo, dtype=float)
        hi = np.asarray(self.rows_hi, dtype=float)
        y[((y > 0) & ~np.isfinite(lo)) | ((y < 0) & ~np.isfinite(hi))] = 0.0
        starts = np.asarray(self.row_start, dtype=np.int64)
        index = np.asarray(self.row_index, dtype=np.int64)
        value = np.asarray(self.row_value, dtype=float)
        rows_of = np.repeat(np.arange(len(self.rows_lo)), np.diff(starts))
        d = cost - np.bincount(index, weights=value * y[rows_of], minlength=n)
        lb = np.asarray(self.lb, dtype=float)
        ub = np.asarray(self.ub, dtype=float)
        if np.any((d < 0) & ~np.isfinite(ub)) or np.any((d > 0) & ~np.isfinite(lb)):
            return None
        side = np.zeros(len(y))
        side[y > 0] = lo[y > 0]
        side[y < 0] = hi[y < 0]
        least = np.zeros(n)  # each column's least contribution d_j * x_j over its bounds
        least[d > 0] = d[d > 0] * lb[d > 0]
        least[d < 0] = d[d < 0] * ub[d < 0]
        bound = float(np.dot(y, side)) + float(np.sum(least))
        slack = 0.5 + 1e-9 * max(1.0, abs(limit), abs(bound))  # the objective is integral; floating error is far below this
        # with column j at 1 or more a solution is worth at least bound + d_j (d_j > 0), and never less than bound
        whole = np.asarray(self.integer, dtype=bool)  # "at 1 or more" holds only of an integer column that is not 0
        return np.flatnonzero(whole & (lb == 0.0) & (ub > 0.0) & (bound + np.maximum(d, 0.0) > limit + slack))

    def _start(self, h: _core._Highs) -> HighsBasis | None:
        """The last LP's basis, extended to the rows added since (each basic), for ``h`` holding this model now."""
        if self.basis is None:
            return None
        basis, rows = self.basis
        if len(basis.col_status) != len(self.lb) or rows > len(self.rows_lo):
            return None
        start = HighsBasis()
        start.col_status = list(basis.col_status)
        start.row_status = list(basis.row_status) + [HighsBasisStatus.kBasic] * (len(self.rows_lo) - rows)
        start.valid = True
        return start

    def holds(self, values: list[float]) -> bool:
        """Whether ``values`` is a solution of this model: within every bound and row, whole where integer."""
        if len(values) != len(self.lb):
            return False
        x = np.asarray(values, dtype=float)
        tol = 1e-6
        if np.any(x < np.asarray(self.lb) - tol) or np.any(x > np.asarray(self.ub) + tol):
            return False
        whole = np.asarray(self.integer, dtype=bool)
        if np.any(np.abs(x[whole] - np.round(x[whole])) > tol):
            return False
        starts = np.asarray(self.row_start, dtype=np.int64)
        rows_of = np.repeat(np.arange(len(self.rows_lo)), np.diff(starts))
        act = np.bincount(rows_of, weights=np.asarray(self.row_value, dtype=float) * x[np.asarray(self.row_index, dtype=np.int64)], minlength=len(self.rows_lo))
        return bool(np.all(act >= np.asarray(self.rows_lo) - tol) and np.all(act <= np.asarray(self.rows_hi) + tol))

    def _highs(self) -> _core._Highs:
        """A HiGHS instance holding this model, all columns continuous.

        The instance is highspy's core class: its public subclass ``highspy.Highs``
        writes HiGHS's banner to standard output when constructed (highspy 1.16),
        before any option can silence it, which would corrupt JSON on stdout.
        """
        h = _core._Highs()
        h.setOptionValue("output_flag", False)
        # one thread per solve: HiGHS's worker threads do not survive fork(), and a forked child
        # that inherited a multi-threaded scheduler waits for them for ever (docs/design.md, "Processes")
        h.setOptionValue("threads", 1)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.5)
        h.setOptionValue("random_seed", 0)
        # measured: the feasibility-jump heuristic took half of each audit MIP's time (median 9.1 -> 4.3 ms
        # on 24-requirement audits); it only looks for a first solution, so optimality proofs are unchanged
        h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
        n = len(self.lb)
        if self.light_presolve and n >= PROGRESS_PRESOLVE:
            h.setOptionValue("presolve_mode", 2)
        elif n < (PROGRESS_PRESOLVE if self.light_presolve else SMALL_MODEL):
            # measured: on audit-sized models HiGHS's presolve costs more than it saves
            # (24-requirement audits, median solve 10.9 ms with it, 4.0 ms without)
            h.setOptionValue("presolve", "off")
        lp = HighsLp()
        lp.num_col_ = n
        lp.num_row_ = len(self.rows_lo)
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.array(self.lb, dtype=float)
        lp.col_upper_ = np.array(self.ub, dtype=float)
        lp.row_lower_ = np.array(self.rows_lo, dtype=float)
        lp.row_upper_ = np.array(self.rows_hi, dtype=float)
        lp.a_matrix_.format_ = MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(self.row_start, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(self.row_index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(self.row_value, dtype=float)
        h.passModel(lp)
        return h

    def solve(
        self, levels: list[dict[int, int]], deadline: float, node_limit: int | None = None, known: list[float] | None = None, first_at_most: int | None = None
    ) -> Solution:
        """Minimise the levels lexicographically (each a map var -> integer cost).

        ``node_limit`` bounds the branch-and-bound nodes of each MIP solve: a limit on work, not
        on time, so that an answer cut short is the same answer on every machine and every run.
        ``known``: a solution of this model (checked here; ignored unless it holds). Its value on the
        first folded group bounds that group's optimum, so before the first MIP the columns its LP
        relaxation proves above it are fixed at 0 (:meth:`_above`): the same optimum, a smaller
        search, and no LP beyond the one the solve makes anyway.
        ``first_at_most``: the caller's proof that some solution of this model is worth at most this on
        ``levels[0]``; the first group's value is then bounded by it and by the most the group's other
        levels can be worth, and the same fixing is made within that bound.
        """
        with _one_thread():
            return self._solve(levels, deadline, node_limit, known if known is not None and self.holds(known) else None, first_at_most)

    def _first_limit(
        self, levels: list[dict[int, int]], weights: dict[int, int], parts: list[dict[int, int]], factors: list[int], at_most: int | None
    ) -> int | None:
        """A bound on the first folded group's optimum when some solution is worth at most ``at_most`` on ``levels[0]``."""
        if at_most is None or not levels or not levels[0] or not parts:
            return None
        g = 0
        for w in levels[0].values():
            g = math.gcd(g, abs(w))
        if g == 0:
            return None  # a first level of zero weights bounds nothing
        # levels[0] is not empty, so it is the first group's first part (levels are folded in order), divided by g
        limit = factors[0] * math.floor(Fraction(at_most, g))
        for j, w in weights.items():
            rest = w - factors[0] * parts[0].get(j, 0)  # the other levels' weight on column j
            most = max(rest * self.lb[j], rest * self.ub[j])
            if not math.isfinite(most):
                return None
            limit += round(most)  # bounds of columns with weight are whole numbers
        return limit

    def _solve(
        self, levels: list[dict[int, int]], deadline: float, node_limit: int | None = None, known: list[float] | None = None, first_at_most: int | None = None
    ) -> Solution:
        groups = _fold_with_parts(levels, self)
        h = self._highs()  # continuous first: see _run
        if node_limit is not None:
            h.setOptionValue("mip_max_nodes", node_limit)
        n = len(self.lb)
        ints = np.array([j for j, t in enumerate(self.integer) if t], dtype=np.int32)
        values: list[float] = []
        k = 0
        while k < len(groups):
            weights, parts, factors = groups[k]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Solution("time_limit", values, [])
            h.setOptionValue("time_limit", max(remaining, 0.01))
            cost = np.zeros(n)
            for j, w in weights.items():
                cost[j] = float(w)
            h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
            fixing: Callable[[_core._Highs], _Fixed | None] | None = None
            # the bound holds on solutions only when the objective is integral (whole weights on integer columns)
            integral = all(self.integer[j] for j in weights)
            limit = self._first_limit(levels, weights, parts, factors, first_at_most) if k == 0 and integral else None
            if k == 0 and integral and known is not None:
                worth = round(sum(w * known[j] for j, w in weights.items()))
                limit = worth if limit is None else min(limit, worth)
            if limit is not None:

                def fixing(solved: _core._Highs, cost: np.ndarray = cost, limit: int = limit) -> _Fixed | None:
                    above = self._above(solved, cost, limit)
                    if above is None or not len(above):
                        return None
                    columns = above.astype(np.int32)
                    zero = np.zeros(len(above))
                    solved.changeColsBounds(len(above), columns, zero, zero)
                    return _Fixed(columns, np.asarray(self.ub, dtype=float)[above], limit)

            start = self._start(h) if k == 0 else None

            def keep(done: _core._Highs) -> None:
                basis = done.getBasis()
                if basis.valid:
                    self.basis = (basis, len(self.rows_lo))

            try:
                status = _run(h, ints, deadline, fixing, start, keep if k == 0 else None)
            except SolverError:
                if len(parts) < 2:
                    raise
                # HiGHS gave up on the folded costs (seen at 1.7e9: "excessive dual values", tests/test_completion.py):
                # the group's levels are solved one after another instead, each with its own small costs
                groups[k : k + 1] = [(part, [part], [1]) for part in parts]
                continue
            if status == HighsModelStatus.kInfeasible:
                return Solution("infeasible", [], [])
            sol = list(h.getSolution().col_value)
            if status != HighsModelStatus.kOptimal:
                info = h.getInfo()
                has = info.primal_solution_status == 2 if hasattr(info, "primal_solution_status") else bool(sol)
                return Solution("time_limit", sol if has else values, [float(info.mip_dual_bound)])
            values = sol
            if k + 1 < len(groups):
                # fix each level of this group at its optimum before the next group: one row per level
                # keeps the coefficients small (a row of folded weights is numerically hard for HiGHS)
                for level in parts:
                    best = round(sum(w * values[j] for j, w in level.items()))
                    h.addRow(-INF, best + 0.5, len(level), np.array(list(level), dtype=np.int32), np.array([float(w) for w in level.values()]))
            k += 1
        return Solution("optimal", values, [])


@dataclass(frozen=True)
class _Fixed:
    """Columns a solve fixed at 0 before its MIP (their upper bounds before), on the word of a bound ``limit``."""

    columns: np.ndarray
    upper: np.ndarray
    limit: int


def _run(
    h: _core._Highs,
    ints: np.ndarray,
    deadline: float,
    fixing: Callable[[_core._Highs], _Fixed | None] | None = None,
    start: HighsBasis | None = None,
    solved: Callable[[_core._Highs], None] | None = None,
) -> HighsModelStatus:
    """Solve the LP relaxation; when its optimum is integral it is the integer optimum too.

    Otherwise (a fractional vertex) solve the MIP with a zero gap, after ``fixing`` (given the solved
    LP: it fixes columns proven 0 in every optimum, :meth:`Model.solve`'s ``known``). An infeasible
    relaxation proves the MIP infeasible. No warm start is given to the MIP:
    HiGHS 1.16 was seen to stop at a non-optimal point and report it optimal
    when handed the previous level's solution (tests/cases/ guard against it).
    The LP may start from ``start`` (a basis of this model's LP under another objective: only a
    starting point, the LP's optimum is the same); ``solved`` is handed the LP once it is optimal.
    """
    kind = HighsVarType
    h.clearSolver()
    h.changeColsIntegrality(len(ints), ints, np.array([kind.kContinuous] * len(ints)))
    if start is not None:
        h.setBasis(start)
    h.setOptionValue("time_limit", max(deadline - time.monotonic(), 0.01))
    _execute(h)
    status = h.getModelStatus()
    if status == HighsModelStatus.kInfeasible:
        return status
    bound = -INF
    if status == HighsModelStatus.kOptimal:
        if solved is not None:
            solved(h)
        bound = float(h.getInfo().objective_function_value)
        vals = np.asarray(h.getSolution().col_value)
        if len(ints) == 0 or float(np.max(np.abs(vals[ints] - np.round(vals[ints])))) < 1e-9:
            return status
    fixed = fixing(h) if fixing is not None and status == HighsModelStatus.kOptimal else None
    # HiGHS 1.16 keeps state from the LP solve that makes a following MIP solve on the
    # same instance report a wrong optimum; clearing the solver avoids it (tests/test_milp.py)
    h.clearSolver()
    h.changeColsIntegrality(len(ints), ints, np.array([kind.kInteger] * len(ints)))
    if len(ints) >= LARGE_MIP and _option(h, "presolve") != "off":
        h.setOptionValue("presolve_mode", 2)
    h.setOptionValue("time_limit", max(deadline - time.monotonic(), 0.01))  # what the LP left
    _execute(h)
    status = h.getModelStatus()
    if status == HighsModelStatus.kInfeasible and _option(h, "presolve") != "off":
        # HiGHS 1.16's MIP presolve was seen to call a feasible model infeasible (tests/cases/highs-presolve-
        # infeasible.mps.gz, tests/test_milp.py): an infeasible answer after a feasible relaxation is only
        # believed when the search without presolve agrees
        h.setOptionValue("presolve", "off")
        h.clearSolver()
        _execute(h)
        status = h.getModelStatus()
    if fixed is not None and (
        status == HighsModelStatus.kInfeasible or (status == HighsModelStatus.kOptimal and h.getInfo().objective_function_value > fixed.limit + 0.5)
    ):
        # no solution within the bound the fixing rested on: the bound was wrong (a caller's mistake), and the
        # columns fixed may be in the optimum. The search is run again without the fixing, never trusted
        h.changeColsBounds(len(fixed.columns), fixed.columns, np.zeros(len(fixed.columns)), fixed.upper)
        h.clearSolver()
        h.setOptionValue("time_limit", max(deadline - time.monotonic(), 0.01))
        _execute(h)
        status = h.getModelStatus()
    if status == HighsModelStatus.kOptimal and float(h.getInfo().objective_function_value) < bound - 1e-6 * max(1.0, abs(bound)):
        raise SolverError(f"HiGHS reported an optimum {h.getInfo().objective_function_value} below the LP bound {bound}")
    return status


def _option(h: _core._Highs, name: str) -> object:
    """An option's value (highspy's core class returns it with a status)."""
    got = h.getOptionValue(name)
    return got[1] if isinstance(got, tuple) else got


class SolverError(RuntimeError):
    """HiGHS gave an answer that contradicts itself, or refused to run; never returned as a decision."""


def _execute(h: _core._Highs) -> None:
    """Run HiGHS on one thread; an error is raised, never read as a time limit.

    HiGHS keeps one task scheduler per calling thread, created by the first run
    on that thread with the run's ``threads`` option, and refuses (an error
    status, nothing logged with output off) a run whose ``threads`` differs from
    it. Ours are always 1 and :func:`_one_thread` removes the scheduler after
    each solve, so a refusal means other code on this thread started HiGHS with
    another count and is in the middle of nothing (its runs have returned):
    its scheduler is shut down, to be re-created by its next run, and ours runs.
    """
    if h.run() != HighsStatus.kError:
        return
    Highs.resetGlobalScheduler(True)
    if h.run() == HighsStatus.kError:
        raise SolverError("HiGHS refused to run the model")


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Leave no HiGHS scheduler on the calling thread once a solve is done.

    Our solves make a single-threaded scheduler (no worker threads, so nothing a
    forked child could wait for); shutting it down afterwards means code that
    later runs HiGHS on this thread with its own ``threads`` setting starts its
    own, as if stackrules had never run. It costs microseconds per solve. HiGHS
    keeps the scheduler per OS thread, so this touches no other thread's state.
    """
    try:
        yield
    finally:
        Highs.resetGlobalScheduler(True)


def _fold_with_parts(levels: list[dict[int, int]], model: Model) -> list[tuple[dict[int, int], list[dict[int, int]], list[int]]]:
    """The folded groups, each with the (normalised) levels it is made of and the factor of each in the group."""

    def span(level: dict[int, int]) -> int:
        total = 0
        for j, w in level.items():
            total += abs(w) * int(max(abs(model.lb[j]), abs(model.ub[j]), 1))
        return total

    groups: list[tuple[dict[int, int], list[dict[int, int]], list[int]]] = []
    current: dict[int, int] = {}
    parts: list[dict[int, int]] = []
    factors: list[int] = []
    current_span = 0
    for raw in reversed([lv for lv in levels if lv]):
        g = 0
        for w in raw.values():
            g = math.gcd(g, abs(w))
        level = {j: w // g for j, w in raw.items()} if g > 1 else raw
        s = span(level)
        factor = current_span + 1
        if current and (s + 1) * factor >= _EXACT:
            groups.append((current, parts, factors))
            current, parts, factors, current_span, factor = {}, [], [], 0, 1
        merged = {j: w * factor for j, w in level.items()}
        for j, w in current.items():
            merged[j] = merged.get(j, 0) + w
        current = merged
        parts = [level, *parts]
        factors = [factor, *factors]
        current_span = s * factor + current_span
    if current:
        groups.append((current, parts, factors))
    groups.reverse()
    return groups or [({}, [], [])]
