"""Reduced-cost exclusion (Model.excluded_above): a column it excludes is 0 in every solution within the limit.

Plans lean on it to leave additions out of their models (docs/design.md, "Plans"), so a wrong
exclusion would make a plan that is not optimal say "optimal". Checked against brute force on
small random integer programs, including rows with one side unbounded and columns with wide bounds.
"""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackrules.decide.milp import Model

from .test_milp import watch_fixing


def _deadline() -> float:
    return time.monotonic() + 10


@st.composite
def _programs(draw: st.DrawFn) -> tuple[Model, list[int], list[list[int]], list[tuple[float, float]], int]:
    n = draw(st.integers(2, 4))
    m = Model()
    ubs = [draw(st.integers(1, 2)) for _ in range(n)]
    for j in range(n):
        m.var(f"v{j}", 0, float(ubs[j]))
    rows: list[list[int]] = []
    sides: list[tuple[float, float]] = []
    for _ in range(draw(st.integers(1, 4))):
        coefs = [draw(st.integers(-3, 3)) for _ in range(n)]
        lo = draw(st.one_of(st.none(), st.integers(-3, 4)))
        hi = draw(st.one_of(st.none(), st.integers(-3, 6)))
        lo_f = float("-inf") if lo is None else float(lo)
        hi_f = float("inf") if hi is None else float(hi)
        if lo_f > hi_f:
            lo_f, hi_f = hi_f, lo_f
        m.row({j: float(c) for j, c in enumerate(coefs) if c}, lo=lo_f, hi=hi_f)
        rows.append(coefs)
        sides.append((lo_f, hi_f))
    weights = [draw(st.integers(0, 9)) for _ in range(n)]
    limit = draw(st.integers(0, 20))
    return m, ubs, rows, sides, limit, weights  # type: ignore[return-value]


@settings(max_examples=300, deadline=None)
@given(_programs())
def test_no_excluded_column_is_used_by_a_solution_within_the_limit(program) -> None:  # type: ignore[no-untyped-def]
    m, ubs, rows, sides, limit, weights = program
    n = len(ubs)
    found = m.excluded_above({j: w for j, w in enumerate(weights) if w}, limit, list(range(n)), _deadline())
    if found is None:
        return
    for x in itertools.product(*(range(u + 1) for u in ubs)):
        feasible = all(lo <= sum(c * v for c, v in zip(coefs, x, strict=True)) <= hi for coefs, (lo, hi) in zip(rows, sides, strict=True))
        if feasible and sum(w * v for w, v in zip(weights, x, strict=True)) <= limit:
            assert not any(x[j] for j in found), (x, found)


def test_a_dear_column_is_excluded_and_a_cheap_one_is_not() -> None:
    # pick one of three to cover a need of 1: costs 1, 2 and 7; within a limit of 2 the dear one is never used
    m = Model()
    xs = [m.var(f"x{j}") for j in range(3)]
    m.row(dict.fromkeys(xs, 1.0), lo=1)
    found = m.excluded_above({xs[0]: 1, xs[1]: 2, xs[2]: 7}, 2, xs, _deadline())
    assert found == {xs[2]}


def test_nothing_within_the_limit_excludes_every_column() -> None:
    m = Model()
    xs = [m.var(f"x{j}") for j in range(2)]
    m.row(dict.fromkeys(xs, 1.0), lo=2)
    assert m.excluded_above({xs[0]: 3, xs[1]: 3}, 5, xs, _deadline()) == set(xs)


@settings(max_examples=200, deadline=None)
@given(_programs())
def test_a_solve_from_a_known_solution_finds_the_brute_force_optimum(program) -> None:  # type: ignore[no-untyped-def]
    # Model.solve(known=...) fixes what the LP proves above the known solution's value before its MIP:
    # the optimum must be the one brute force finds, for every feasible solution handed in
    m, ubs, rows, sides, _, weights = program
    feasible = [
        x
        for x in itertools.product(*(range(u + 1) for u in ubs))
        if all(lo <= sum(c * v for c, v in zip(coefs, x, strict=True)) <= hi for coefs, (lo, hi) in zip(rows, sides, strict=True))
    ]
    if not feasible:
        return
    worth = [sum(w * v for w, v in zip(weights, x, strict=True)) for x in feasible]
    # the best (the tightest limit: the most fixed) and the worst (the loosest)
    for known in (feasible[worth.index(min(worth))], feasible[worth.index(max(worth))]):
        sol = m.solve([{j: w for j, w in enumerate(weights) if w}], _deadline(), known=[float(v) for v in known])
        assert sol.status == "optimal"
        assert round(sum(w * v for w, v in zip(weights, sol.values, strict=True))) == min(worth)


@settings(max_examples=200, deadline=None)
@given(_programs(), st.lists(st.integers(-3, 9), min_size=4, max_size=4), st.integers(0, 1000))
def test_a_solve_within_a_bound_on_its_first_level_finds_the_brute_force_optimum(program, second: list[int], pick: int) -> None:  # type: ignore[no-untyped-def]
    # Model.solve(first_at_most=...) bounds the first folded group by the first level's bound and the most the
    # other levels can be worth, and fixes what the LP proves above that: the lexicographic optimum must be
    # brute force's, whichever solution's first-level value is handed in
    m, ubs, rows, sides, _, weights = program
    n = len(ubs)
    second = second[:n]
    feasible = [
        x
        for x in itertools.product(*(range(u + 1) for u in ubs))
        if all(lo <= sum(c * v for c, v in zip(coefs, x, strict=True)) <= hi for coefs, (lo, hi) in zip(rows, sides, strict=True))
    ]
    if not feasible or not any(weights):
        return

    def worth(level: list[int], x: tuple[int, ...] | list[float]) -> int:
        return round(sum(w * v for w, v in zip(level, x, strict=True)))

    best = min((worth(weights, x), worth(second, x)) for x in feasible)
    at_most = worth(weights, feasible[pick % len(feasible)])
    levels = [{j: w for j, w in enumerate(weights) if w}, {j: w for j, w in enumerate(second) if w}]
    sol = m.solve(levels, _deadline(), first_at_most=at_most)
    assert sol.status == "optimal"
    assert (worth(weights, sol.values), worth(second, sol.values)) == best


def test_a_bound_on_the_first_level_fixes_what_the_lp_proves_above_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # cover 3 credits with 2-credit items costing 1, 1, 9 and 20 (the LP: 1.5, with a dual of 1/2 a credit);
    # a second level worth at most 1 folds in below the first (factor 2). Within a first level of at most 10,
    # the group is worth at most 2 * 10 + 1 = 21 and the item of 20 at least 2 * (1.5 + 19) = 41: fixed at 0
    fixed = watch_fixing(monkeypatch)
    m = Model()
    xs = [m.var(f"x{j}") for j in range(4)]
    m.row(dict.fromkeys(xs, 2.0), lo=3)
    sol = m.solve([dict(zip(xs, [1, 1, 9, 20], strict=True)), {xs[2]: 1}], _deadline(), first_at_most=10)
    assert fixed == [[xs[3]]]
    assert sol.status == "optimal" and [round(v) for v in sol.values] == [1, 1, 0, 0]
