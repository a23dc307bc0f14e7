"""What a requirement node means, written once (docs/language.md sections 6 and 7).

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
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Protocol

from ..compile.target import leaf_accepts_static
from ..compile.tree import CNode, group_kind, need
from ..decisions.base import q
from ..language.models import Condition, Requirement, iso_day
from ..rulebase.filters import Attrs, Matcher, resolve_facts
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
    return grade_and_years(rb, leaf.min_grade, leaf.within_years, a, as_of)


def grade_and_years(rb: RuleBase, min_grade: str | None, within_years: Fraction | None, a: Attrs, as_of: dt.date) -> bool:
    """An item's grade at least ``min_grade`` (on its provider's scale) and its award within ``within_years`` of ``as_of``."""
    if min_grade is not None and a.id is not None and a.grade is not None:
        prov = rb.providers.get(a.provider)
        mine = prov.grade_rank(a.grade) if prov else None
        floor = prov.grade_rank(min_grade) if prov else None
        if mine is None or floor is None or mine < floor:
            return False
    elif min_grade is not None and a.grade is None and a.awarded is not None:
        return False
    if within_years is not None:
        if a.awarded is not None and a.awarded < years_before(as_of, within_years):
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


# ---------------------------------------------------------------- when a node applies (section 17)


class HeldLike(Protocol):
    """What a condition reads of a holding that counts: its credential and its attributes."""

    @property
    def attrs(self) -> Attrs: ...


Calendar = tuple[tuple[str, dt.date, dt.date], ...]  # a provider's `terms:`: (term, first day, last day)


def fact_date(value: object) -> dt.date | None:
    """A learner fact read as a date (`declared: 2024-02-01`, as a date or as its ISO text); None otherwise."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return iso_day(value)
        except ValueError:
            return None
    return None


def terms_since(value: object, calendar: Calendar, as_of: dt.date) -> int | None:
    """The derived fact `terms_since: NAME` (section 17): the terms of the calendar begun after the date in the
    learner's fact NAME, up to ``as_of``; the term the date falls in is term 0. None: the fact is not a date,
    or there is no calendar to count on."""
    day = fact_date(value)
    if day is None or not calendar:
        return None
    return sum(1 for _, first, _ in calendar if day < first <= as_of)


def condition_holds(
    rb: RuleBase,
    cond: Condition,
    facts: Mapping[str, object],
    held: Sequence[HeldLike],
    calendar: Calendar = (),
    as_of: dt.date | None = None,
    with_holds: bool = True,
) -> bool:
    """Does a `when` / `unless` condition hold for this learner: every fact it names, every count of terms since a
    dated fact (on ``calendar``, the target provider's, up to ``as_of``), and its `holds` node (unless not
    ``with_holds``: the other parts only)?"""
    for name, count in (cond.terms_since or {}).items():
        n = terms_since(facts.get(name), calendar, as_of) if as_of is not None else None
        if n is None or not count.holds(n):
            return False
    for name, want in (cond.fact or {}).items():
        have = facts.get(name)
        if have is None:
            return False
        wants = {str(w) for w in (want if isinstance(want, tuple) else (want,))}
        haves = {str(h) for h in (have if isinstance(have, tuple) else (have,))}
        if not wants & haves:
            return False
    return cond.holds is None or not with_holds or holds(rb, cond.holds, held, facts, as_of)


def holds(
    rb: RuleBase,
    r: Requirement,
    held: Sequence[HeldLike],
    facts: Mapping[str, object] | None = None,
    as_of: dt.date | None = None,
    min_grade: str | None = None,
    within_years: Fraction | None = None,
) -> bool:
    """Is a requirement node met by the learner's counting holdings as they stand (no claims: a test, not an audit)?

    A node's ``min_grade`` and ``within_years`` (or an enclosing node's, inside the condition) count only the
    holdings that pass them, as in the tree (``within_years`` from ``as_of``). What else a node may say is refused
    in a condition when the rule base is loaded (rulebase/passes.py, ``holds_node``)."""
    min_grade = r.min_grade if r.min_grade is not None else min_grade
    within_years = r.within_years if r.within_years is not None else within_years
    if min_grade is not None or (within_years is not None and as_of is not None):
        day = as_of if as_of is not None else dt.date.max
        held = [h for h in held if grade_and_years(rb, min_grade, within_years if as_of is not None else None, h.attrs, day)]
    if r.credential is not None:
        names = {r.credential, *rb.equivalents.get(r.credential, ())}
        return any(h.attrs.id in names for h in held)
    matcher = Matcher(rb)
    where = r.where if r.where is None or facts is None else resolve_facts(r.where, facts)
    inside = [h for h in held if where is None or matcher.match(where, h.attrs)]
    if r.credits is not None:
        return sum((worth(rb, h.attrs, r.credits.system) for h in inside), Fraction(0)) >= r.credits.value
    if r.count is not None:
        return len(inside) >= r.count
    if r.competencies is not None:
        return set(r.competencies) <= {c for h in inside for c in h.attrs.competencies}
    kids = [holds(rb, c, held, facts, as_of, min_grade, within_years) for c in r.children()]
    if not kids:
        return False
    return sum(kids) >= need(group_kind(r), len(kids), r.at_least or 1)


def worth(rb: RuleBase, a: Attrs, system: str | None) -> Fraction:
    """A credential's credit in a `holds` pool's system (as written when either system is unknown)."""
    if system is None or a.system is None or system not in rb.systems or a.system not in rb.systems:
        return a.credits
    return rb.rescale(a.credits, a.system, system)


def condition_text(cond: Condition) -> str:
    """`when emphasis is piano`, `if the learner holds nus:MA1513` (after "applies only" / "does not apply")."""
    parts = []
    for name, want in (cond.fact or {}).items():
        vals = want if isinstance(want, tuple) else (want,)
        parts.append(f"when {name} is " + " or ".join(str(w) for w in vals))
    for name, count in (cond.terms_since or {}).items():
        parts.append(f"when the terms since {name} are {count.words()}")
    if cond.holds is not None:
        parts.append("if the learner holds " + _holds_text(cond.holds))
    return " and ".join(parts)


def _holds_text(r: Requirement) -> str:
    said = _holds_what(r)
    if r.min_grade is not None:
        said += f" with grade {r.min_grade} or better"
    if r.within_years is not None:
        said += f" awarded within {q(r.within_years)} year{'s' if r.within_years != 1 else ''}"
    return said


def _holds_what(r: Requirement) -> str:
    if r.credential is not None:
        return r.credential
    if r.credits is not None:
        return f"{r.credits.value} credit" + (" matching the condition" if r.where is not None else "")
    if r.count is not None:
        return f"{r.count} credential{'s' if r.count != 1 else ''}" + (" matching the condition" if r.where is not None else "")
    kids = [_holds_text(c) for c in r.children()]
    if r.at_least is not None and 1 < r.at_least < len(kids):
        return f"{r.at_least} of (" + ", ".join(kids) + ")"
    joiner = " and " if r.all is not None or (r.at_least is not None and r.at_least >= len(kids)) else " or "
    return "(" + joiner.join(kids) + ")" if len(kids) > 1 else (kids[0] if kids else "")


# ---------------------------------------------------------------- repeats


def repeat_bound(rb: RuleBase, credential: str) -> int:
    """How many holdings (and additions) of one credential may count: its `repeatable` bound, else once (section 16)."""
    info = rb.credentials.get(credential)
    return info.repeat_max if info is not None and info.repeat_max is not None else 1


# ---------------------------------------------------------------- sharing


SHARE_ALL = "all"


Sharing = dict[tuple[int, int], frozenset[str] | None]  # leaf pair -> the credentials it may share (None: any)


def sharing_pairs(top: CNode) -> Sharing:
    """Pairs ``(a, b)``, ``a < b``, of leaves under ``top`` that may claim the same item (``shares_with``), each with
    the credentials they may share: every one (None), or only those a `share: [ids]` lists (section 17). Two
    declarations for one pair add up: either lets what it lists count in both."""
    by_id = {n.id: n for n in top.walk() if n.id}
    pairs: Sharing = {}
    for n in top.walk():
        for other in n.shares_with:
            # `all` (section 17): the node's claims are free to count in every other node of the tree
            o = top if other == SHARE_ALL else by_id.get(other)
            if o is None:
                continue
            for l1 in n.leaves():
                for l2 in o.leaves():
                    if l1.index != l2.index:
                        key = (min(l1.index, l2.index), max(l1.index, l2.index))
                        if key in pairs and pairs[key] is None:
                            continue  # another declaration already shares everything
                        pairs[key] = None if n.share is None else (pairs.get(key) or frozenset()) | n.share
    return pairs


def may_share(rb: RuleBase, sharing: Sharing, a: int, b: int, credential: str) -> bool:
    """May leaves ``a`` and ``b`` both claim an item of ``credential``? (A `share` list names a credential or
    one it stands for, `supersedes` / `equivalent`.)"""
    key = (min(a, b), max(a, b))
    if key not in sharing:
        return False
    listed = sharing[key]
    return listed is None or credential in listed or not listed.isdisjoint(rb.equivalents.get(credential, ()))


def could_count(rb: RuleBase, tree: Requirement, a: Attrs, facts: Mapping[str, object]) -> bool:
    """Could a credential with attributes ``a`` count anywhere in a `holds` tree (a named credential or an
    equivalent, or a pool whose filter and competencies take it)? Grades and dates aside: an addition has none."""
    if tree.credential is not None:
        return a.id in {tree.credential, *rb.equivalents.get(tree.credential, ())}
    if tree.credits is not None or tree.count is not None or tree.competencies is not None:
        where = tree.where if tree.where is None else resolve_facts(tree.where, facts)
        if where is not None and not Matcher(rb).match(where, a):
            return False
        return tree.competencies is None or bool(set(tree.competencies) & set(a.competencies))
    return any(could_count(rb, c, a, facts) for c in tree.children())
