"""Deciding an audit exactly: the :class:`~stackrules.decide.model.AuditModel`, smallest model first.

:func:`solve` tries the learner's own items, then catalogue additions, then
most progress (LANGUAGE.md sections 11 and 16); :func:`might_complete` is the
optimistic count that decides whether the first is worth trying.
"""

from __future__ import annotations

import time

from ..compile.tree import CNode
from ..language.quantity import total
from . import semantics
from .choice import Choice
from .model import AuditModel
from .problem import Problem


def solve(p: Problem, time_limit: float, might: bool | None = None) -> Choice:
    """The best choice by LANGUAGE.md section 11, proven optimal (or the best found by the deadline).

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
        sol = b.milp.solve(b.objectives(completion), deadline)
        if sol.status == "infeasible":
            continue
        if not sol.values:
            # stopped before any solution: nothing is claimed, nothing is completed
            return Choice(sol.status, completion=False, bound=sol.bound[0] if sol.bound else None)
        choice = b.read(sol.status, sol.values, completion)
        choice.bound = sol.bound[0] if sol.bound else None
        return choice
    return Choice("infeasible", completion=False)


def might_complete(p: Problem) -> bool:
    """An optimistic test (claims may overlap): could the learner's items alone complete the target?"""
    own = {leaf: [i for i in lst if p.items[i].origin != "addition"] for leaf, lst in p.eligible.items()}
    exemptable = {n for app in p.apps for n in app.exempt}

    def ok(n: CNode) -> bool:
        if n.index in p.waived or n.index in exemptable:
            return True
        if n.index in p.settled:
            return p.settled[n.index][0]
        its = [p.items[i] for i in own.get(n.index, [])]
        if n.kind == "credential":
            good = bool(its)
        elif n.kind == "pool":
            good = semantics.pool_met(n, total(it.credits for it in its), len(its))
        elif n.kind == "competencies":
            good = semantics.competencies_met(n, (c for it in its for c in it.attrs.competencies))
        else:
            good = semantics.group_met(n, [ok(c) for c in n.children])
        if good and n.min_total is not None:
            reach = {i for leaf in n.leaves() for i in own.get(leaf.index, [])}
            good = total(p.items[i].credits for i in reach) >= n.min_total
        return good

    return ok(p.top)
