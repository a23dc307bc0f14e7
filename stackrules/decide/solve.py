"""Deciding an audit exactly: the :class:`~stackrules.decide.model.AuditModel`, smallest model first.

:func:`solve` tries the learner's own items, then catalogue additions, then
most progress (docs/language.md sections 11 and 16); :func:`might_complete` is the
optimistic count that decides whether the first is worth trying.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from fractions import Fraction

from ..compile.tree import CNode
from ..language.quantity import total
from . import semantics
from .choice import Choice
from .dominance import dominated_claims
from .milp import Solution
from .model import AuditModel
from .problem import Problem


def solve(p: Problem, time_limit: float, might: bool | None = None) -> Choice:
    """The best choice by docs/language.md section 11, proven optimal (or the best found by the deadline).

    Three models, smallest first: the learner's own items must complete the
    target (tried only when an optimistic count says they might; if so,
    ``remaining`` is 0 and no catalogue credential is needed); else the
    catalogue may be added (least ``remaining``); else, when nothing completes
    the target, the most progress.
    """
    deadline = time.monotonic() + time_limit
    modes: list[tuple[bool, bool]] = []
    if p.with_additions:
        if might_complete(p) if might is None else might:
            modes.append((True, False))
        modes.append((True, True))
    modes.append((False, False))
    for completion, additions in modes:
        if additions:
            p.add_catalogue()
        b = AuditModel(p)
        b.build(completion, additions)
        if not completion:
            # nothing completes the target: the most progress, every claim being the learner's own
            b.add_progress()
        if additions and p.plan is None:
            b, sol = _completion(b, deadline)
        else:
            sol = b.milp.solve(b.objectives(completion), deadline)
        if sol.status == "infeasible":
            continue
        if not sol.values:
            # stopped before any solution: nothing is claimed, nothing is completed
            return Choice(sol.status, completion=False, bound=sol.bound[0] if sol.bound else None)
        if additions and sol.status == "optimal" and not b.own_met:
            # the learner's own items do not complete the target: not met, and section 16's most progress
            # comes right after least remaining (unless the model solved already had the progress levels)
            sol = _most_progress(b, sol, deadline)
        choice = b.read(sol.status, sol.values, completion)
        choice.bound = sol.bound[0] if sol.bound else None
        return choice
    return Choice("infeasible", completion=False)


def _completion(full: AuditModel, deadline: float) -> tuple[AuditModel, Solution]:
    """The completion model's optimum on the whole order, without the additions' claims dominance leaves out.

    The bound :func:`~stackrules.decide.dominance.dominated_claims` needs is an
    upper bound on the least ``remaining``. The LP relaxation gives a lower
    bound ``lb``, and the smaller model for ``lb`` is solved with
    ``remaining <= lb`` as a row (:func:`_within`). If that is feasible, the
    least ``remaining`` is ``lb`` in the full model too, so every choice within
    the row is one the argument covers, and its optimum is the full model's on
    every level. If not, the smaller model without the row gives a
    ``remaining`` some choice reaches, a proven bound, and the model within it
    decides. The full model, solved as it is, is the fallback when the LP or
    that search gives nothing. A completion model runs only when the learner's
    own items do not complete the target, so the model solved carries section
    16's progress levels (:meth:`AuditModel.add_progress`).
    """
    p = full.p
    least = full.objectives(True)[0]
    solved = full.milp._lp(least, deadline) if least else None
    if solved is None:
        return full, full.milp.solve(full.objectives(True), deadline)
    lb = math.ceil(solved[0].getInfo().objective_function_value - 1e-6)
    out = _left_out(p, full.scale, lb)
    # with nothing left out the model already built is the one to hold at the bound (not built a second time)
    b, sol = _within(_model(p, out) if out is not None else full, lb, True, deadline)
    if sol.status != "infeasible":
        return b, sol
    # the least remaining is above the LP's bound. The model solved now holds a row: a fresh one is built
    if out is None:
        fresh = _model(p, None)
        return fresh, fresh.milp.solve(fresh.objectives(True), deadline)
    # the smaller model without the row finds a remaining some choice reaches, a proven bound, and the
    # model within it decides (or, if that search gives nothing, the full model, untouched on this path)
    loose = _model(p, out)
    first = loose.milp.solve(loose.objectives(True)[:1], deadline)
    if first.status != "optimal":
        return full, full.milp.solve(full.objectives(True), deadline)
    bound = _value(loose.objectives(True)[0], first.values)
    within = _left_out(p, full.scale, bound)
    b, sol = _within(_model(p, within) if within is not None else full, bound, False, deadline)
    if sol.status == "infeasible":
        raise AssertionError("the completion model without dominated claims is infeasible within a proven bound")
    return b, sol


def _left_out(p: Problem, scale: int, bound: int) -> tuple[frozenset[tuple[int, int]], frozenset[int]] | None:
    """The claims dominance leaves out for ``remaining <= bound`` (scaled), and the additions left with no claim;
    None when nothing is left out."""
    drop = dominated_claims(p, Fraction(bound, scale))
    if not drop:
        return None
    # an addition none of whose claims is left is never taken (nothing but a claim makes it worth its credit)
    claimed = {i for leaf, lst in p.eligible.items() for i in lst if (i, leaf) not in drop}
    gone = frozenset(it.index for it in p.items if it.origin == "addition" and it.index not in claimed and not _source(p, it.index))
    return drop, gone


def _model(p: Problem, out: tuple[frozenset[tuple[int, int]], frozenset[int]] | None) -> AuditModel:
    """The completion model, without what ``out`` (from :func:`_left_out`) leaves out."""
    b = AuditModel(p, drop=out[0], exclude=out[1]) if out is not None else AuditModel(p)
    b.build(True, True)
    return b


def _within(b: AuditModel, bound: int, lowest: bool, deadline: float) -> tuple[AuditModel, Solution]:
    """Completion model ``b`` with ``remaining <= bound`` as a row, solved on the whole order; ``infeasible`` if the bound is too low.

    Within the bound an addition of credit ``c`` is taken at most ``bound // c`` times (its columns' upper
    bounds say so). With ``lowest`` (``bound`` is a lower bound of ``remaining`` too: the LP's) the first
    level is constant and left out of the objective: a smaller range for the folded levels, often one solve
    fewer. ``b`` gains the row and the progress rows: it is not solved again without them.
    """
    p, m = b.p, b.milp
    for i, u in b.u.items():
        if p.items[i].origin == "addition" and b.cred[i] > 0:
            m.ub[u] = min(m.ub[u], float(bound // round(b.cred[i])))  # credit is scaled to whole numbers
    for (i, _), x in b.x.items():
        if i in b.u and p.items[i].origin == "addition":
            m.ub[x] = min(m.ub[x], m.ub[b.u[i]])
    m.row({j: float(w) for j, w in b.objectives(True)[0].items()}, hi=bound + 0.5)
    # this model only runs when the learner's own items do not complete the target: not met, so section
    # 16's progress levels come right after least remaining, in the same solve
    b.add_progress()
    m.light_presolve = True
    levels = b.objectives(True)
    return b, m.solve([{}, *levels[1:]] if lowest else levels, deadline)


def _source(p: Problem, i: int) -> bool:
    return any(i in lst for lst in p.source_eligible.values())


def _most_progress(b: AuditModel, first: Solution, deadline: float) -> Solution:
    """Section 16's reported choice for a not-met audit with a completion, ``remaining`` first.

    ``first`` is the completion model's optimum on section 16's order without
    the progress levels: it gives the least ``remaining``. Then ``remaining``
    is held at that least and the model, with the progress levels added
    (:meth:`AuditModel.add_progress`), is solved again on the rest of the
    order. It runs on the fallbacks of :func:`_completion`, which solve the
    full model as it is; :func:`_within` adds the progress rows itself.
    Progress rows are only ever added for audits that are not met: met audits
    and plans never pay for them.
    """
    least = b.objectives(True)[0]
    b.milp.row({j: float(w) for j, w in least.items()}, hi=_value(least, first.values) + 0.5)
    b.add_progress()
    if b.progress_is_fixed():
        return first  # every choice makes the same (no) progress: the later levels already decided
    b.milp.light_presolve = True
    sol = b.milp.solve(b.objectives(True)[1:], deadline)
    if sol.values:
        return sol
    # stopped before the progress levels found any choice: the first, proven on least remaining only
    return Solution("time_limit", first.values, sol.bound)


def _value(level: dict[int, int], values: list[float]) -> int:
    return round(sum(w * values[j] for j, w in level.items()))


def completes_alone(p: Problem, node: CNode, deadline: float, skip: frozenset[tuple[int, int]] = frozenset()) -> tuple[Problem, Choice] | bool | None:
    """Whether ``node`` by itself (its own subtree, limits and totals; nothing above it) can be completed with the
    learner's items and the catalogue's: solved exactly, not counted.

    False when it cannot (the optimistic :func:`might_complete` answers first: when it says no, nothing can);
    None when not decided by ``deadline``; else the problem of the subtree alone and a completion of it, for the
    caller's checker to verify. ``skip``: limits (and totals, -1) left out, to ask which of them rules a completion
    out (:class:`AuditModel`'s ``skip``; a completion found then breaks one, and is no decision).
    """
    if not skip and not might_complete(p, node, additions=True):  # (the count reads totals, which `skip` may leave out)
        return False
    p.add_catalogue()
    sub = replace(p, top=node)
    b = AuditModel(sub, skip=skip)
    b.build(True, True)
    sol = b.milp.solve([{}], deadline)
    if sol.status == "infeasible":
        return False
    if sol.status != "optimal" or not sol.values:
        return None
    return sub, b.read("optimal", sol.values, True)


def might_complete(p: Problem, node: CNode | None = None, additions: bool = False) -> bool:
    """An optimistic test (claims may overlap): could the learner's items alone (with ``additions``, and the catalogue's
    too) complete ``node`` (default: the target)?"""
    own = {leaf: [i for i in lst if additions or p.items[i].origin != "addition"] for leaf, lst in p.eligible.items()}
    exemptable = {n for app in p.apps for n in app.exempt}

    def ok(n: CNode) -> bool:
        if n.index in p.waived or n.index in exemptable:
            return True
        if n.index in p.settled:
            return p.settled[n.index][1 if additions else 0]  # with additions, as a completion counts it (a sign-off to come)
        its = [p.items[i] for i in own.get(n.index, [])]
        if n.kind == "credential":
            good = bool(its)
        elif n.kind == "pool":
            good = semantics.pool_met(n, total(it.credits * it.multiplicity for it in its), sum(it.multiplicity for it in its))
        elif n.kind == "competencies":
            good = semantics.competencies_met(n, (c for it in its for c in it.attrs.competencies))
        else:
            good = semantics.group_met(n, [ok(c) for c in n.children])
        if good and n.min_total is not None:
            reach = {i for leaf in n.leaves() for i in own.get(leaf.index, [])}
            good = total(p.items[i].credits * p.items[i].multiplicity for i in reach) >= n.min_total
        return good

    return ok(p.top if node is None else node)
