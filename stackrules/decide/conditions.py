"""`holds` conditions a completion leaves as they stand (docs/language.md, "Learner facts and conditional nodes").

A `when: {holds: ...}` or `unless: {holds: ...}` condition is a test of the
learner's holdings. Study a completion adds could make a false one true (a
`holds` test only gains from more holdings): a node that stood aside would
then apply, or one that applied would stand aside, and the completion would
not be one the learner could carry out as the audit says. So a completion
(an audit's, a plan's) keeps every such condition false
(``Problem.unflipped``), and ``remaining`` is the least study among the
completions that do.

:func:`keep_false` writes that as rows of the completion model, exactly: a
column ``t >= [the tree is met by the holdings and the additions]`` for each
node of the condition's tree, built from the additions' use columns, and the
root's ``t`` fixed at 0. The checker's side is its own (decide/checker.py,
``flipped``): the tree tested again, by
:func:`~stackrules.decide.semantics.holds`, on the holdings and the additions
a completion takes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from ..compile.tree import group_kind, need
from ..language.models import Requirement
from ..rulebase.filters import Matcher, resolve_facts
from ..rulebase.index import RuleBase
from . import semantics
from .items import Item

if TYPE_CHECKING:
    from .milp import Model


def keep_false(
    m: Model,
    rb: RuleBase,
    tree: Requirement,
    held: Sequence[semantics.HeldLike],
    added: Sequence[tuple[Item, int, float]],
    facts: Mapping[str, object],
    as_of: dt.date,
) -> None:
    """Rows that keep ``tree`` unmet by ``held`` plus the additions taken (``added``: item, its use column, its
    upper bound). Nothing is written when no addition could meet it."""
    matcher = Matcher(rb)

    def truth(r: Requirement, held: Sequence[semantics.HeldLike], min_grade: str | None, within: Fraction | None) -> bool | int:
        """True / False when the additions cannot change the answer, else a column ``t >= met``."""
        min_grade = r.min_grade if r.min_grade is not None else min_grade
        within = r.within_years if r.within_years is not None else within
        if r.min_grade is not None or r.within_years is not None:
            held = [h for h in held if semantics.grade_and_years(rb, min_grade, within, h.attrs, as_of)]
        if r.credential is not None:
            names = {r.credential, *rb.equivalents.get(r.credential, ())}
            if any(h.attrs.id in names for h in held):
                return True
            mine = [(j, ub) for it, j, ub in added if it.attrs.id in names]
            if not mine:
                return False
            t = m.var(f"holds[{r.credential}]")
            for j, ub in mine:
                m.row({t: ub, j: -1.0}, lo=0)  # t = 1 once any copy is taken
            return t
        if r.credits is not None or r.count is not None or r.competencies is not None:
            where = r.where if r.where is None else resolve_facts(r.where, facts)
            inside_held = [h for h in held if where is None or matcher.match(where, h.attrs)]
            inside = [(it, j, ub) for it, j, ub in added if where is None or matcher.match(where, it.attrs)]
            if r.competencies is not None:
                missing = set(r.competencies) - {c for h in inside_held for c in h.attrs.competencies}
                if not missing:
                    return True
                covers = []
                for comp in sorted(missing):
                    with_it = [(j, ub) for it, j, ub in inside if comp in it.attrs.competencies]
                    if not with_it:
                        return False
                    cov = m.var(f"holds-covers[{comp}]")
                    for j, ub in with_it:
                        m.row({cov: ub, j: -1.0}, lo=0)
                    covers.append(cov)
                t = m.var("holds[competencies]")
                m.row({t: 1.0, **{c: -1.0 for c in covers}}, lo=1.0 - len(covers))  # every one covered: t = 1
                return t
            if r.credits is not None:
                system = r.credits.system
                short = r.credits.value - sum((semantics.worth(rb, h.attrs, system) for h in inside_held), Fraction(0))
                weights = [(j, ub, semantics.worth(rb, it.attrs, system)) for it, j, ub in inside]
            else:
                assert r.count is not None
                short = Fraction(r.count - len(inside_held))
                weights = [(j, ub, Fraction(1)) for _, j, ub in inside]
            if short <= 0:
                return True
            weights = [(j, ub, w) for j, ub, w in weights if w > 0]
            if sum(w * Fraction(ub) for _, ub, w in weights) < short:
                return False  # everything the completion could take does not reach it
            # whole numbers on one scale: met exactly when the taken weight reaches `short`, so t = 0 keeps it at
            # most one step below
            scale = math.lcm(short.denominator, *(w.denominator for _, _, w in weights))
            big = sum(w * scale * Fraction(ub) for _, ub, w in weights)
            t = m.var("holds[pool]")
            m.row({**{j: float(w * scale) for j, _, w in weights}, t: -float(big)}, hi=float(short * scale - 1))
            return t
        kids = [truth(c, held, min_grade, within) for c in r.children()]
        if not kids:
            return False
        k = need(group_kind(r), len(kids), r.at_least or 1) - sum(1 for x in kids if x is True)
        open_ = [x for x in kids if not isinstance(x, bool)]
        if k <= 0:
            return True
        if len(open_) < k:
            return False
        t = m.var("holds[group]")
        # met when at least k of the open parts are: t >= (sum - k + 1) / (parts - k + 1)
        m.row({t: float(len(open_) - k + 1), **{c: -1.0 for c in open_}}, lo=1.0 - k)
        return t

    root = truth(tree, held, None, None)
    if root is True:
        raise AssertionError("a condition recorded as false holds on the learner's holdings alone")
    if root is not False:
        m.fix(root, 0.0)
