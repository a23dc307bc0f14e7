"""Process pools and threads with an engine that has already decided (docs/design.md, "Processes").

HiGHS keeps a task scheduler per OS thread; with more than one thread its
workers do not survive fork(), and a forked child that inherited them waited
for them for ever, past every time limit. Each pool here is bounded by a
timeout, so a hang fails the test instead of blocking the run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from highspy import HighsLp, HighsModelStatus, HighsStatus, HighsVarType, MatrixFormat, _core

import stackrules
from stackrules.decide import milp

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 11, 28)
# priya's audit and tariq's plan reach HiGHS's MIP (a fractional LP relaxation), not only the LP
JOBS = [("audit", "priya"), ("plan", "tariq"), ("audit", "ben"), ("plan", "sam")]
POOL_TIMEOUT = 120.0

_ENGINE: stackrules.Engine | None = None


def _init(engine: stackrules.Engine) -> None:
    global _ENGINE
    _ENGINE = engine


def _decide(job: tuple[str, str]) -> str:
    assert _ENGINE is not None
    kind, name = job
    learner = stackrules.load_learner(ROOT / "examples" / "learners" / f"{name}.yaml")
    decision = _ENGINE.audit(learner, "exu:BIT", DAY) if kind == "audit" else _ENGINE.plan(learner, "exu:BIT", DAY)
    return decision.dumps()


@contextlib.contextmanager
def _integer_runs() -> Iterator[list[int]]:
    """Count the HiGHS runs with integer columns (the MIP solver, not only the LP) inside the block."""
    count = [0]
    real = milp._execute

    def spy(h: _core._Highs) -> None:
        count[0] += any(v == HighsVarType.kInteger for v in h.getLp().integrality_)
        real(h)

    milp._execute = spy
    try:
        yield count
    finally:
        milp._execute = real


@pytest.fixture(scope="module")
def decided() -> tuple[stackrules.Engine, list[str]]:
    """An engine that has run integer programs in this process, and its answers."""
    with _integer_runs() as runs:
        engine = stackrules.load()
        _init(engine)
        answers = [_decide(job) for job in JOBS]
    assert runs[0] > 0, "the parent must have solved a MIP, or the pools below prove nothing"
    return engine, answers


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_a_process_pool_decides_after_the_parent_has(method: str, decided: tuple[stackrules.Engine, list[str]]) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available on this platform")
    engine, answers = decided
    pool = multiprocessing.get_context(method).Pool(2, initializer=_init, initargs=(engine,))
    try:
        got = pool.map_async(_decide, JOBS).get(timeout=POOL_TIMEOUT)
    except multiprocessing.TimeoutError:
        pytest.fail(f"a {method} pool did not answer within {POOL_TIMEOUT} s: HiGHS hangs in the children")
    finally:
        pool.terminate()
        pool.join()
    assert got == answers


def _fractional_mip() -> tuple[milp.Model, list[dict[int, int]]]:
    """A model whose LP relaxation is fractional, so the MIP solver must run (tests/test_milp.py)."""
    m = milp.Model()
    a, big = m.var("a"), m.var("big")
    xa, xbig = m.var("xa"), m.var("xbig")
    met_a, met_pool, met_any = m.var("met_a"), m.var("met_pool"), m.var("met_any")
    m.row({xa: 1, a: -1}, hi=0)
    m.row({xbig: 1, big: -1}, hi=0)
    m.row({xa: 1, met_a: -1}, lo=0)
    m.row({xbig: 6, met_pool: -3}, lo=0)
    m.row({met_any: 1, met_a: -1, met_pool: -1}, hi=0)
    m.fix(met_any, 1)
    return m, [{a: 3, big: 6}, {xa: 1, xbig: 1}]


def _their_highs(threads: int) -> _core._Highs:
    """Other code's HiGHS model on the same thread, with its own thread count (a knapsack)."""
    h = _core._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    n = 12
    lp = HighsLp()
    lp.num_col_, lp.num_row_ = n, 1
    lp.col_cost_ = -np.arange(1.0, n + 1)
    lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = np.array([-np.inf]), np.array([17.5])
    lp.a_matrix_.format_ = MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array([0, n], dtype=np.int32)
    lp.a_matrix_.index_ = np.arange(n, dtype=np.int32)
    lp.a_matrix_.value_ = np.arange(2.0, n + 2)
    lp.integrality_ = [HighsVarType.kInteger] * n
    h.passModel(lp)
    return h


def test_other_highs_code_on_the_same_thread_neither_breaks_nor_is_broken() -> None:
    """Before: HiGHS refused a run whose `threads` differed from the thread's scheduler, silently."""
    m, levels = _fractional_mip()
    outcome: dict[str, object] = {}

    def run() -> None:  # a fresh OS thread: a fresh HiGHS scheduler
        theirs = _their_highs(2)
        outcome["theirs before"] = theirs.run()
        with _integer_runs() as runs:
            outcome["ours"] = m.solve(levels, time.monotonic() + 10)
        outcome["our integer runs"] = runs[0]
        again = _their_highs(2)
        outcome["theirs after"] = again.run()
        outcome["their status"] = again.getModelStatus()

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert not t.is_alive()
    assert outcome["theirs before"] == HighsStatus.kOk
    assert outcome["our integer runs"] == 1
    ours = outcome["ours"]
    assert isinstance(ours, milp.Solution) and ours.status == "optimal"
    assert round(ours.values[0]) == 1 and round(ours.values[1]) == 0
    assert outcome["theirs after"] == HighsStatus.kOk and outcome["their status"] == HighsModelStatus.kOptimal


def test_solves_on_many_threads_at_once_agree() -> None:
    m, levels = _fractional_mip()
    results: list[list[int]] = []
    lock = threading.Lock()

    def run() -> None:
        for _ in range(5):
            sol = m.solve(levels, time.monotonic() + 10)
            with lock:
                results.append([round(v) for v in sol.values])

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 20 and all(r == results[0] for r in results)
