"""What a requirement node means, written once (LANGUAGE.md sections 6 and 7).

The MILP builder (``model.py``), the fast path, the plan's prerequisite rows
and the independent checker all ask the same three questions of a node; they
read the answers here rather than each writing them out:

- **threshold**: how many children of an ``all`` / ``any`` / ``at_least``
  group must be met (the count itself is ``compile.tree.need``, which
  prerequisite trees share), and when a pool or a competencies leaf is met;
- **leaf acceptance**: may a leaf claim an item (its credential, its
  ``where``, its competencies, and the leaf's ``min_grade`` / ``within_years``
  conditions on the day);
- **sharing**: which pairs of leaves may claim the same item (``shares_with``,
  declared on either node, covers both whole subtrees).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from fractions import Fraction

from ..compile.target import leaf_accepts_static
from ..compile.tree import CNode, need
from ..rulebase.filters import Attrs, Matcher
from ..rulebase.index import RuleBase

# ---------------------------------------------------------------- thresholds


def threshold(n: CNode) -> int:
    """How many of ``n``'s children must be met (``n`` a group: all, any, at_least)."""
    return need(n.kind, len(n.children), n.k)


def group_met(n: CNode, kids: Iterable[bool]) -> bool:
    """Is the group ``n`` met, given which of its children are?"""
    return sum(kids) >= threshold(n)


def pool_met(n: CNode, credit: Fraction, count: int) -> bool:
    """Is the pool ``n`` met by claims totalling ``credit`` over ``count`` credentials?"""
    if n.credits is not None:
        return credit >= n.credits
    return count >= (n.count or 0)


def competencies_met(n: CNode, have: Iterable[str]) -> bool:
    """Do the claimed credentials' competencies ``have`` cover every competency ``n`` lists?"""
    return set(n.competencies) <= set(have)


# ---------------------------------------------------------------- leaf acceptance


def conditions(rb: RuleBase, leaf: CNode, a: Attrs, as_of: dt.date) -> bool:
    """The leaf's ``min_grade`` and ``within_years`` (counted back from ``as_of``) on an item's attributes.

    Granted credit always passes: recency and grades are judged on its
    sources, by the credit rule's ``when``.
    """
    if a.source == "credit":
        return True
    if leaf.min_grade is not None and a.id is not None and a.grade is not None:
        prov = rb.providers.get(a.provider)
        mine = prov.grade_rank(a.grade) if prov else None
        floor = prov.grade_rank(leaf.min_grade) if prov else None
        if mine is None or floor is None or mine < floor:
            return False
    elif leaf.min_grade is not None and a.grade is None and a.awarded is not None:
        return False
    if leaf.within_years is not None:
        if a.awarded is not None and a.awarded < years_before(as_of, leaf.within_years):
            return False
    return True


def leaf_accepts(rb: RuleBase, leaf: CNode, a: Attrs, credential: str, as_of: dt.date, matcher: Matcher) -> bool:
    """May ``leaf`` claim an item (``credential`` with attributes ``a``) on ``as_of``?

    ``matcher`` reads filters for the leaf's qualification (its fields of
    education, for ``related_field``). Exceptions that let a leaf claim more
    are the problem's, not the node's.
    """
    return leaf_accepts_static(rb, leaf, a, matcher, credential) and conditions(rb, leaf, a, as_of)


def years_before(day: dt.date, years: Fraction) -> dt.date:
    """``years`` (possibly fractional) before ``day``; 29 February falls back to the 28th."""
    whole = int(years)
    rest = years - whole
    try:
        base = day.replace(year=day.year - whole)
    except ValueError:
        base = day.replace(year=day.year - whole, day=28)
    return base - dt.timedelta(days=int(rest * 365))


# ---------------------------------------------------------------- repeats


def repeat_bound(rb: RuleBase, credential: str) -> int:
    """How many holdings (and additions) of one credential may count: its `repeatable` bound, else once (section 16)."""
    info = rb.credentials.get(credential)
    return info.repeat_max if info is not None and info.repeat_max is not None else 1


# ---------------------------------------------------------------- sharing


def sharing_pairs(top: CNode) -> set[tuple[int, int]]:
    """Pairs ``(a, b)``, ``a < b``, of leaves under ``top`` that may claim the same item (``shares_with``)."""
    by_id = {n.id: n for n in top.walk() if n.id}
    pairs: set[tuple[int, int]] = set()
    for n in top.walk():
        for other in n.shares_with:
            o = by_id.get(other)
            if o is None:
                continue
            for l1 in n.leaves():
                for l2 in o.leaves():
                    if l1.index != l2.index:
                        pairs.add((min(l1.index, l2.index), max(l1.index, l2.index)))
    return pairs
