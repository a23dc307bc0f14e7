"""The MILP layer: lexicographic levels, LP-first, and a HiGHS quirk it must not fall into."""

from __future__ import annotations

import gzip
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from highspy import _core

from stackrules.decide import milp
from stackrules.decide.milp import Model


def _deadline() -> float:
    return time.monotonic() + 10


def watch_runs(monkeypatch: pytest.MonkeyPatch, each: Any = None) -> list[str]:
    """Record every HiGHS run (its presolve option); ``each(h)`` is called before the run."""
    runs: list[str] = []
    execute = milp._execute

    def spy(h: Any) -> None:
        runs.append(str(milp._option(h, "presolve")))
        if each is not None:
            each(h)
        execute(h)

    monkeypatch.setattr(milp, "_execute", spy)
    return runs


def watch_fixing(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Record the columns each solve's bound fixes at 0 (Model._above), one list per fixing."""
    fixed: list[list[int]] = []
    above = Model._above

    def spy(self: Model, h: Any, cost: Any, limit: float) -> Any:
        got = above(self, h, cost, limit)
        fixed.append([int(j) for j in got] if got is not None else [])
        return got

    monkeypatch.setattr(Model, "_above", spy)
    return fixed


def test_fractional_lp_then_mip_gives_the_true_optimum() -> None:
    # an `any` of a 3-credit credential or a pool filled by a 6-credit item: the LP relaxation
    # takes half of the 6-credit item (cost 8.5 when weighted), the integer optimum is the 3-credit one
    m = Model()
    a, big = m.var("a"), m.var("big")
    xa, xbig = m.var("xa"), m.var("xbig")
    met_a, met_pool, met_any = m.var("met_a"), m.var("met_pool"), m.var("met_any")
    m.row({xa: 1, a: -1}, hi=0)
    m.row({xbig: 1, big: -1}, hi=0)
    m.row({xa: 1, met_a: -1}, lo=0)
    m.row({xbig: 6, met_pool: -3}, lo=0)
    m.row({met_any: 1, met_a: -1, met_pool: -1}, hi=0)
    m.fix(met_any, 1)
    sol = m.solve([{a: 3, big: 6}, {xa: 1, xbig: 1}], _deadline())
    assert sol.status == "optimal"
    assert round(sol.values[a]) == 1 and round(sol.values[big]) == 0


def test_levels_are_lexicographic() -> None:
    m = Model()
    x, y = m.var("x"), m.var("y")
    m.row({x: 1, y: 1}, lo=1)
    # first level: prefer nothing between x and y; second: y is cheaper
    sol = m.solve([{x: 1, y: 1}, {x: 5, y: 1}], _deadline())
    assert [round(v) for v in sol.values] == [0, 1]


def test_infeasible_is_reported() -> None:
    m = Model()
    x = m.var("x")
    m.row({x: 1}, lo=2)
    assert m.solve([{x: 1}], _deadline()).status == "infeasible"


def test_regression_any_with_a_fractional_relaxation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Found by Hypothesis: HiGHS, asked for the MIP on the instance that had just solved the
    LP relaxation, reported a wrong optimum (6 instead of 3) unless its solver state is cleared."""
    from .test_oracle import AS_OF, Cred, Group, Instance, Leaf, engine_for, oracle

    inst = Instance(
        creds=(Cred("t:K0", 3, 1, ()), Cred("t:K1", 3, 1, ()), Cred("t:K2", 3, 1, ()), Cred("t:K3", 3, 1, ()), Cred("t:K4", 6, 1, ())),
        tree=Group("any", (Leaf("credential", credential="t:K0"), Leaf("credits", amount=3), Leaf("credential", credential="t:K1"))),
        total=0,
        max_level1=None,
        held=frozenset(),
    )
    import stackrules

    engine = engine_for(inst, tmp_path)
    decision = engine.audit(stackrules.load_learner({"id": "L"}), "t:Q", AS_OF)
    assert oracle(inst) == 3
    assert decision.remaining == 3


def _model_from_mps(path: Path) -> tuple[Model, dict[int, int]]:
    """A :class:`Model` holding the MPS file's rows, bounds and integrality, and its (integral) objective as a level."""
    h = _core._Highs()  # the public class prints a banner
    h.setOptionValue("output_flag", False)
    with gzip.open(path, "rb") as src, tempfile.NamedTemporaryFile(suffix=".mps") as tmp:
        tmp.write(src.read())
        tmp.flush()
        h.readModel(tmp.name)
    lp = h.getLp()
    m = Model()
    for j in range(lp.num_col_):
        m.var(f"c{j}", lp.col_lower_[j], lp.col_upper_[j], integer=int(lp.integrality_[j]) == 1 if len(lp.integrality_) else False)
    starts, index, value = lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_
    rows: list[dict[int, float]] = [{} for _ in range(lp.num_row_)]
    for j in range(lp.num_col_):  # HiGHS gives the matrix column by column
        for k in range(starts[j], starts[j + 1]):
            rows[index[k]][j] = value[k]
    for r, terms in enumerate(rows):
        m.row(terms, lo=lp.row_lower_[r], hi=lp.row_upper_[r])
    return m, {j: round(c) for j, c in enumerate(lp.col_cost_) if c}


def test_an_infeasible_answer_from_a_presolved_mip_is_checked_without_presolve(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS 1.16's full MIP presolve called this feasible model (an institution audit's completion model, with
    the progress rows, saved as MPS) infeasible; the answer is re-checked without presolve, and is optimal."""
    case = Path(__file__).parent / "cases" / "highs-presolve-infeasible.mps.gz"
    m, level = _model_from_mps(case)
    assert m.integer.count(True) > 500 and len(m.lb) < milp.SMALL_MODEL  # small: no presolve unless asked for
    runs: list[str] = []
    real = milp._execute

    def counting(h: Any) -> None:
        runs.append(str(milp._option(h, "presolve")))
        real(h)

    monkeypatch.setattr(milp, "_execute", counting)
    monkeypatch.setattr(milp, "SMALL_MODEL", 0)  # so that this model gets HiGHS's full presolve
    sol = m.solve([level], _deadline())
    assert sol.status == "optimal"
    # the path under test: the presolved MIP said infeasible and the re-check without presolve ran (when HiGHS
    # no longer errs, only the LP and the presolved MIP run, and this line says the case no longer shows it)
    assert runs == ["choose", "choose", "off"], runs


def _cover(costs: list[int]) -> tuple[Model, list[int]]:
    """Pick items of 2 credits each (at most one of each) to cover 3 credits: the LP takes one and a half."""
    m = Model()
    xs = [m.var(f"x{j}") for j in range(len(costs))]
    m.row(dict.fromkeys(xs, 2.0), lo=3)
    return m, xs


def test_a_known_solution_fixes_what_the_lp_proves_dearer_and_the_optimum_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    costs = [1, 1, 9, 20]
    fixed = watch_fixing(monkeypatch)
    m, xs = _cover(costs)
    level = {x: c for x, c in zip(xs, costs, strict=True)}
    plain = m.solve([level], _deadline())
    m2, xs2 = _cover(costs)
    # a solution worth 10; the LP is worth 1.5 with a dual of 1/2 a credit, so an item costing c is worth at
    # least 1.5 + (c - 1): 20 is above 10 (fixed at 0), 9 is not
    known = [1.0, 0.0, 1.0, 0.0]
    sol = m2.solve([level], _deadline(), known=known)
    assert fixed == [[xs2[3]]]  # the fixing path was taken, and fixed the dearest item only
    assert sol.status == plain.status == "optimal"
    assert [round(v) for v in sol.values] == [round(v) for v in plain.values] == [1, 1, 0, 0]


def test_a_known_solution_that_does_not_hold_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(Model, "_above", lambda self, h, cost, limit: calls.append(1))
    m, xs = _cover([1, 1, 9, 9])
    assert not m.holds([1.0, 0.0, 0.0, 0.0])  # covers 2 of 3
    sol = m.solve([dict.fromkeys(xs, 1)], _deadline(), known=[1.0, 0.0, 0.0, 0.0])
    assert sol.status == "optimal" and calls == []


def test_the_next_lp_of_a_model_starts_from_the_last_basis(monkeypatch: pytest.MonkeyPatch) -> None:
    iterations: list[int] = []
    execute = milp._execute

    def spy(h: Any) -> None:
        execute(h)
        iterations.append(int(h.getInfo().simplex_iteration_count))

    monkeypatch.setattr(milp, "_execute", spy)
    m = Model()
    xs = [m.var(f"x{j}", 0, 3, integer=False) for j in range(6)]
    for j in range(5):
        m.row({xs[j]: 1.0, xs[j + 1]: 1.0}, lo=2)
    level = {x: j + 1 for j, x in enumerate(xs)}
    first = m.solve([level], _deadline())
    assert m.basis is not None and iterations[0] > 0
    m.row({xs[0]: 1.0}, hi=3)  # a row added since: basic in the start
    again = m.solve([level], _deadline())
    assert iterations[1] == 0  # the optimal basis was handed over: nothing left to pivot
    assert again.values == first.values


def test_the_mip_gets_the_time_the_lp_left(monkeypatch: pytest.MonkeyPatch) -> None:
    limits: list[float] = []
    clock = [1000.0]

    def each(h: Any) -> None:
        limits.append(float(milp._option(h, "time_limit")))  # type: ignore[arg-type]
        clock[0] += 3.0  # each run takes 3 seconds of the clock

    watch_runs(monkeypatch, each)
    monkeypatch.setattr(milp.time, "monotonic", lambda: clock[0])
    m, xs = _cover([1, 2, 3])
    m.solve([{x: c for x, c in zip(xs, [1, 2, 3], strict=True)}], clock[0] + 10)
    assert limits == [10.0, 7.0]  # the LP, then the MIP with what is left


def test_a_continuous_column_is_never_fixed_by_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # 3x - 2y = -1 with x continuous in [0, 1] and y whole: y = 1, x = 1/3 is the only solution. The LP prices x
    # above the bound, but "a column at 1 or more" is no argument for a column that can be 1/3: fixing it at 0 made
    # the model infeasible (found by an adversarial review)
    def build() -> tuple[Model, int, int]:
        m = Model()
        x, y = m.var("x", 0, 1, integer=False), m.var("y")
        m.row({x: 3.0, y: -2.0}, lo=-1, hi=-1)
        return m, x, y

    runs = watch_runs(monkeypatch)
    m, x, y = build()
    plain = m.solve([{y: 1}], _deadline())
    assert plain.status == "optimal" and round(plain.values[y]) == 1
    for kwargs in ({"known": plain.values}, {"first_at_most": 1}):
        runs.clear()
        m, x, y = build()
        got = m.solve([{y: 1}], _deadline(), **kwargs)  # type: ignore[arg-type]
        assert got.status == "optimal" and round(got.values[y]) == 1 and abs(got.values[x] - 1 / 3) < 1e-6, kwargs
        assert len(runs) == 2, kwargs  # the LP and one MIP: nothing fixed wrongly, so nothing run again


def test_no_bound_is_used_when_the_objective_weighs_a_continuous_column(monkeypatch: pytest.MonkeyPatch) -> None:
    # the fixing's slack of 0.5 rests on an integral objective; with a continuous column weighed it is not
    calls: list[int] = []
    monkeypatch.setattr(Model, "_above", lambda self, h, cost, limit: calls.append(1))
    m = Model()
    x, y = m.var("x", 0, 1, integer=False), m.var("y")
    m.row({x: 3.0, y: -2.0}, lo=-1, hi=-1)
    got = m.solve([{x: 3, y: 1}], _deadline(), known=[1 / 3, 1.0], first_at_most=2)
    assert got.status == "optimal" and calls == []


def test_a_first_level_of_zero_weights_gives_no_bound() -> None:
    m = Model()
    a = m.var("a")
    m.row({a: 1.0}, lo=1)
    assert m.solve([{a: 0}, {a: 1}], _deadline(), first_at_most=0).status == "optimal"


def test_a_wrong_bound_is_caught_and_the_search_runs_again_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # the caller claims a first level of at most 0 where the optimum is 2 (cover 3 credits with 2-credit items of
    # cost 1): the fixing rests on that claim, finds nothing within it, and the MIP is run again without the fixing
    runs = watch_runs(monkeypatch)
    m, xs = _cover([1, 1, 9, 20])
    sol = m.solve([dict(zip(xs, [1, 1, 9, 20], strict=True))], _deadline(), first_at_most=0)
    assert sol.status == "optimal" and [round(v) for v in sol.values] == [1, 1, 0, 0]
    assert len(runs) == 3  # the LP, the MIP with the fixing, the MIP without it


@pytest.mark.parametrize(("columns", "presolve", "mode"), [(1_000, "off", None), (milp.PROGRESS_PRESOLVE, "choose", 2), (500, "off", None)])
def test_a_completion_model_with_progress_rows_is_presolved_only_from_its_own_size(columns: int, presolve: str, mode: int | None) -> None:
    """Measured on the institution's audits (decide/milp.py, Model.light_presolve): a model with most-progress rows
    solves faster without presolve below PROGRESS_PRESOLVE columns, above the threshold for other models."""
    m = Model()
    for j in range(columns):
        m.var(f"c{j}")
    m.light_presolve = True
    h = m._highs()
    assert milp._option(h, "presolve") == presolve
    if mode is not None:
        assert milp._option(h, "presolve_mode") == mode
    plain = Model()
    for j in range(1_000):
        plain.var(f"c{j}")
    assert milp._option(plain._highs(), "presolve") == "choose"  # other models of that size keep HiGHS's presolve
