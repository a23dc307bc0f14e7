"""The plan checker: re-verifies a plan's schedule from the rule base alone before it is returned.

It reads the plan as a student would carry it out (terms, each with the
credentials taken together) and the credit the plan relies on (rule
applications: what each grants, from which sources), and re-derives from the
rule base's catalogue, never from the plan model's variables:

- every added credential exists in the catalogue, is not one the learner
  already holds (or has in progress, with look-ahead) unless a leaf needs it
  retaken (the holding does not pass its grade or date), and is taken once;
  a repeatable one may be held and taken again, up to its repeat bound, each
  repeat in a term of its own;
- each is taken in a term whose name is among its offerings;
- each term's credit (in the target's system) is within the load;
- each credential's prerequisite tree is met before its term, by what the
  learner holds (a leaf's `min_grade` and `within_years` judged on the
  holdings, as a target's leaf is), what earlier terms took, or credit granted
  by a rule whose added sources were all taken in earlier terms;
- no two credentials taken or held are ``incompatible``;
- the reported figures: credit added, cost, terms (the last term used).

That the target is met by the holdings plus the additions is the audit
checker's part (:func:`stackrules.decide.checker.verify` on the plan's
claims); :func:`check_plan` is called with its verdict. A plan that fails
raises :class:`~stackrules.errors.VerificationError`: a bug, never output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ..compile.tree import group_kind
from ..compile.tree import need as group_need
from ..errors import VerificationError
from ..language.models import Requirement
from ..rulebase.filters import Attrs
from ..rulebase.index import RuleBase
from .semantics import grade_and_years


@dataclass(frozen=True)
class PlannedTerm:
    index: int  # from 1
    name: str
    credentials: tuple[str, ...]


@dataclass(frozen=True)
class UsedCredit:
    """A rule application the plan relies on: the credentials it grants and its sources."""

    rule: str
    grants: tuple[str, ...]
    sources: tuple[str, ...]


def _met(
    r: Requirement,
    have: set[str],
    held: Callable[[Requirement, list[tuple[str | None, Fraction | None]]], bool],
    above: tuple[tuple[str | None, Fraction | None], ...] = (),
) -> bool:
    """``have``: what earlier terms took, and the credit it earned; ``held``: whether the holdings meet a leaf under the
    grade and date conditions of the leaf and of the groups above it (``above``)."""
    here = [*above, (r.min_grade, r.within_years)] if r.min_grade is not None or r.within_years is not None else list(above)
    if r.credential is not None:
        return r.credential in have or held(r, here)
    kids = [_met(c, have, held, tuple(here)) for c in r.children()]
    if not kids:
        return True  # a pool in a prerequisite tree counts as met, as in the plan model
    need = group_need(group_kind(r), len(kids), r.at_least or 1)
    return sum(kids) >= need


def check_plan(
    rb: RuleBase,
    target_system: str,
    holdings: Mapping[str, Sequence[Attrs]],
    terms: Sequence[PlannedTerm],
    load: Fraction,
    credit: Sequence[UsedCredit],
    reported_credits: Fraction,
    reported_cost: Fraction,
    reported_terms: int,
    target_met: bool,
    retakes: frozenset[str] = frozenset(),
    *,
    as_of: dt.date,
    home: Callable[[str], bool] | None = None,
    calendar: tuple[str, ...] = (),
) -> None:
    """Raise :class:`VerificationError` unless the plan can be carried out as written. ``holdings``: each credential the
    learner has from the first term, with its holdings' attributes; ``retakes``: held credentials a leaf needs taken
    again (the holding does not pass its grade or date), which may be taken once more; ``as_of``: the day a
    prerequisite's `within_years` counts back from."""

    def fail(why: str) -> None:
        raise VerificationError(f"plan check: {why}")

    held = set(holdings)

    def passes(r: Requirement, wanted: list[tuple[str | None, Fraction | None]]) -> bool:
        """A prerequisite leaf met by a holding: one of them passes every grade and date condition on its way."""
        return any(all(grade_and_years(rb, g, y, a, as_of) for g, y in wanted) for a in holdings.get(r.credential or "", ()))

    if not target_met:
        fail("the target is not met by the holdings and the additions")
    seen: set[str] = set()
    credits_total = Fraction(0)
    cost_total = Fraction(0)
    when: dict[str, int] = {}  # each credential's first term
    taken: dict[str, int] = {}
    for term in sorted(terms, key=lambda t: t.index):
        if term.index < 1:
            fail(f"term {term.index} is before the first term")
        used = Fraction(0)
        this_term: set[str] = set()
        for c in term.credentials:
            info = rb.credentials.get(c)
            if info is None:
                fail(f"`{c}` is not in any catalogue")
                continue
            taken[c] = taken.get(c, 0) + 1
            if info.repeat_max is None:
                if c in held and c not in retakes:
                    fail(f"`{c}` is already held and is added again")
                if c in seen:
                    fail(f"`{c}` is taken twice")
            elif taken[c] > info.repeat_max:
                fail(f"`{c}` is taken {taken[c]} times, more than it may be repeated ({info.repeat_max})")
            elif c in this_term:
                fail(f"`{c}` is taken twice in term {term.index} (a repeat is taken in a later term)")
            this_term.add(c)
            seen.add(c)
            when.setdefault(c, term.index)
            # another provider's periods that the plan's calendar never names run beside it: placed in any term
            # (``home``: whether a provider's study is the target's own; ``calendar``: the plan's term names, repeating)
            beside = home is not None and not home(info.provider) and not set(info.offered) & set(calendar)
            if info.offered and not beside and term.name not in info.offered:
                fail(f"`{c}` is taken in term {term.index} ({term.name}) but is offered only in {', '.join(info.offered)}")
            prov = rb.providers.get(info.provider)
            credit_here = rb.rescale(info.credits, prov.system, target_system) if prov is not None else info.credits
            used += credit_here
            credits_total += credit_here
            cost_total += info.cost or Fraction(0)
        if used > load:
            fail(f"term {term.index} takes {used}, over the load of {load}")
    # prerequisites: what is available before each term
    for term in sorted(terms, key=lambda t: t.index):
        before = {c for c, t in when.items() if t < term.index}
        for uc in credit:
            if all(s in held or when.get(s, term.index) < term.index for s in uc.sources):
                before |= set(uc.grants)
        for c in term.credentials:
            info = rb.credentials[c]
            if info.prerequisites is not None and not _met(info.prerequisites, before, passes):
                fail(f"`{c}` is taken in term {term.index} before its prerequisites are met")
    everything = held | seen
    for c in sorted(seen):
        for other in rb.credentials[c].incompatible:
            if other in everything:
                fail(f"`{c}` and `{other}` are incompatible")
    for c in sorted(held):
        # declared on the held side only: binds the same (the pair is one relation, whichever side names it)
        info = rb.credentials.get(c)
        for other in info.incompatible if info is not None else ():
            if other in seen:
                fail(f"`{other}` and `{c}` are incompatible")
    last = max((t.index for t in terms if t.credentials), default=0)
    if reported_terms != last:
        fail(f"the plan reports {reported_terms} terms but its last term is {last}")
    if reported_credits != credits_total:
        fail(f"the plan reports {reported_credits} added credit but its credentials carry {credits_total}")
    if reported_cost != cost_total:
        fail(f"the plan reports a cost of {reported_cost} but its credentials cost {cost_total}")
