"""Claims of catalogue additions that an audit's completion never needs: dominance with a count bound.

A not-met audit's completion model may hold a thousand catalogue groups that
differ only in which limits' filters they match (free electives open to a
whole catalogue). Most of them are interchangeable at a given leaf, and the
solver's root search spends seconds telling symmetric completions apart.
:func:`dominated_claims` leaves out claims that some optimal choice provably
does without; the audit keeps every level of section 16's order exact.

Claim ``(b, L)`` of addition ``b`` at leaf ``L`` is *dominated* by addition
``d`` when ``d`` may fill ``L`` with the same credit, is a record exactly when
``b`` is, has the same competencies, grade points and value of each
``min_distinct`` attribute counted above ``L``, and for every other limit on
``L`` or an ancestor matches each ``min_*`` filter ``b`` matches and no
``max_*`` filter ``b`` does not. ``d`` must be freely exchangeable: no
incompatibility, no repeat bound, no credit-rule source, and sharing is off.

Let ``R`` bound the least ``remaining`` (credit of additions) and ``c > 0``
be ``b``'s credit: a choice with ``remaining <= R`` takes at most ``R // c``
copies of credit-``c`` additions. When the copies of kept dominators of
``(b, L)`` number more than that, one of them is unused in any such choice,
and moving ``b``'s claim at ``L`` onto it keeps every row (leaf need, limits,
totals, distinct values) and every level of the order (``remaining``,
records, the learner's own progress, holdings, grants, applications, claims
in alternatives are unchanged). Repeating the move ends with none of the
left-out claims used, so the left-out model has the same optimum on every
level as the full one. Kept dominators are counted in an order where a
strict dominator comes first, so no claim is left out in favour of one that
is itself left out.

One distinct-values attribute above ``L`` (``min_distinct: {of: subject}``)
may also differ, by a second count. Let ``k_j`` be the counts its limits above
``L`` need and ``K`` the sum of ``k_j - 1``. In a choice ``C`` within the bound,
a limit ``j`` whose counted values ``V_j`` number more than ``k_j`` stays met
whatever one claim moves; one that holds exactly ``k_j`` stays met when the
moved claim lands on a value outside ``V_j`` other than ``b``'s own value
``v``: at most ``k_j - 1`` values to avoid, ``K`` over all of them. And at
most ``R // c`` values of the kept dominators have every copy used in ``C``.
So when the kept dominators of ``(b, L)`` carry more than ``K + R // c``
values, one of them has an unused dominator and lies outside every ``V_j``
but for ``v``; moving ``b``'s claim onto it keeps every limit met (a value
other than ``v`` is counted, ``v`` at most lost: ``V_j`` stays at least
``k_j``), and nothing else changes, as above. A missing value (None) counts for
nothing and a list of one value (tags) counts that value; a list of two or
more is not one of the values a claim may land on, and a claim of ``b`` whose
list holds two or more values (each counted) is never moved by this count.

The bound ``R`` comes from the caller (decide/solve.py): the LP relaxation's
least ``remaining`` as a guess, checked after the solve, or a ``remaining``
a feasible choice reached.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from ..compile.tree import CLimit, CNode
from . import semantics
from .problem import Problem


def dominated_claims(p: Problem, bound: Fraction) -> frozenset[tuple[int, int]]:
    """``(item, leaf)`` claims of additions no completion with ``remaining <= bound`` needs (see the module)."""
    if semantics.sharing_pairs(p.top):
        return frozenset()
    items = p.items
    tied: set[int] = {i for pair in p.incompatible for i in pair}
    tied |= {i for group in p.same_credential for i in group}
    tied |= {i for lst in p.source_eligible.values() for i in lst}
    added = [it for it in items if it.origin == "addition"]
    free = {it.index for it in added if it.index not in tied and it.credits > 0 and p.rb.credentials[it.credential].repeat_max is None}
    copies = [it.multiplicity for it in items]
    out: set[tuple[int, int]] = set()
    for leaf in p.top.leaves():
        cands = [i for i in p.eligible.get(leaf.index, []) if i in free]
        if len(cands) < 2:
            continue
        above = _limits_above(leaf)
        # the one distinct-values attribute whose value may differ, and how many values a moved claim must avoid
        loose = next((lim.of for _, _, lim in above if lim.kind == "min_distinct"), None)
        avoid = sum(math.ceil(lim.bound) - 1 for _, _, lim in above if lim.kind == "min_distinct" and lim.of == loose)
        # class key (what must be equal) -> flag vector (the better side of each min / max limit) -> members
        classes: dict[tuple[object, ...], dict[tuple[bool, ...], list[int]]] = {}
        for i in cands:
            it = items[i]
            # what must be equal: credit, record-ness, grade points, competencies, and for a distinct-values or
            # grade-average limit both whether its filter admits the item and the value it counts
            key: list[object] = [it.credits, it.attrs.type == "record", it.points]
            if leaf.kind == "competencies":
                key.append(tuple(sorted(it.attrs.competencies)))
            flags: list[bool] = []
            for n, number, lim in above:
                hit = p.in_limit(n, number, i)
                if lim.kind == "min_distinct":
                    assert lim.of is not None
                    key += [hit] if lim.of == loose else [hit, getattr(it.attrs, lim.of)]
                elif lim.kind == "min_gpa":
                    key.append(hit)
                else:
                    # the better side: matching a minimum's filter, not matching a maximum's
                    flags.append(hit if lim.kind.startswith("min_") else not hit)
            classes.setdefault(tuple(key), {}).setdefault(tuple(flags), []).append(i)
        for signature, by_flags in classes.items():
            credit = signature[0]
            assert isinstance(credit, Fraction)
            most = math.floor(bound / credit)  # copies of credit `credit` a choice within the bound takes
            values = {i: getattr(items[i].attrs, loose) if loose is not None else None for f in by_flags.values() for i in f}
            out |= {(i, leaf.index) for i in _left_out(by_flags, most, copies, values, avoid if loose is not None else None)}
    return frozenset(out)


def _single(v: object) -> object:
    """The one value ``v`` makes a distinct limit count, or None: a missing value (None) and an empty list count
    nothing, a list of one value (tags) counts that value, and a list of two or more is never one value."""
    if isinstance(v, tuple):
        return v[0] if len(v) == 1 else None
    return v


def _left_out(by_flags: dict[tuple[bool, ...], list[int]], most: int, multiplicity: Sequence[int], value: dict[int, object], avoid: int | None) -> list[int]:
    """Members some optimal choice does without at this leaf, by the module's argument.

    A member is left out when its kept dominators (flags at least its own, counted first) with its value have
    more than ``most`` copies, or (``avoid`` is not None: the distinct-values relaxation) when they carry more
    than ``avoid + most`` values: one of those values is then outside what the limits must keep and has a
    dominator no choice within the bound uses.
    """
    # a strict dominator has more true flags: processing by that count, then index, counts it first
    order = sorted(by_flags, key=lambda f: (-sum(f), f))
    kept: list[tuple[tuple[bool, ...], dict[object, int]]] = []  # flag vector -> value -> copies kept
    dropped: list[int] = []
    for flags in order:
        above = [c for g, c in kept if all(a or not b for a, b in zip(g, flags, strict=True))]
        mine: dict[object, int] = {}
        above.append(mine)
        values: set[object] = set()
        if avoid is not None:
            values = {_single(v) for c in above for v in c} - {None}
        for i in by_flags[flags]:
            v = value[i]
            # the second count moves b's claim off b's value: sound when b counts at most one value there
            one = not isinstance(v, tuple) or len(v) <= 1
            if sum(c.get(v, 0) for c in above) > most or (avoid is not None and one and len(values) > avoid + most):
                dropped.append(i)
                continue
            mine[v] = mine.get(v, 0) + multiplicity[i]
            if avoid is not None and _single(v) is not None:
                values.add(_single(v))
        kept.append((flags, mine))
    return dropped


def _limits_above(leaf: CNode) -> list[tuple[CNode, int, CLimit]]:
    """The limits on ``leaf`` and its ancestors, each with its node and its place among the node's limits."""
    out: list[tuple[CNode, int, CLimit]] = []
    n: CNode | None = leaf
    while n is not None:
        out += [(n, k, lim) for k, lim in enumerate(n.limits)]
        n = n.parent
    return out
