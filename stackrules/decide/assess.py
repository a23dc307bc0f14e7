"""Credit-transfer assessment: the advanced-standing statement.

An assessment is the audit's joint decision seen from the credit office: the
credit granted towards the target rule by rule (type, basis, sources, as
what, how much), after caps; all prior learning refused or left unused, with
the reason; and the study that remains.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from ..decisions.assess import AssessCredits, AssessStatement, GrantedAs, GrantedCredit, NotCredited, NotCreditedReason, Source, Surplus
from ..decisions.audit import UnusedCause
from ..language.documents import Learner
from .audit import Context, nearest_id, run_audit
from .choice import Choice
from .problem import Problem


def assess_decision(
    ctx: Context, learner: Learner, target: str, as_of: dt.date, look_ahead: bool, time_limit: float, catalog_year: int | None = None
) -> AssessStatement:
    p, choice, _, audit = run_audit(ctx, learner, target, as_of, look_ahead, time_limit, catalog_year)
    titles = {hv.key: (hv.attrs.title or hv.key) for hv in p.holdings}
    own = {hv.key for hv in p.holdings if p.version.is_home(hv.attrs.provider)}
    granted = tuple(
        GrantedCredit(
            rule=c.rule,
            type=c.type,
            title=c.title,
            basis=c.basis,
            location=c.location,
            sources=tuple(Source(s, titles.get(s, s), dict(c.stated_tags).get(s, ()), s in c.described) for s in c.sources),
            granted=tuple(GrantedAs(g.as_, g.credits, g.title or c.title or g.as_) for g in c.granted),
            exempt=c.exempt,
            credits=c.credits,
            confidence=c.confidence,
            not_used=c.not_used,
        )
        for c in audit.credit
    )
    refused_sources = {s for r in audit.refused for s in r.sources}
    not_credited = tuple(
        NotCredited(
            u.holding,
            titles.get(u.holding, u.holding),
            NotCreditedReason.NO_RULE
            if u.cause is UnusedCause.NO_RULE
            else NotCreditedReason.NOT_DECIDED
            if u.cause is UnusedCause.NOT_DECIDED
            else NotCreditedReason.OTHER,
            u.reason,
            u.holding in own,
            u.nearest,
        )
        for u in audit.unused
        # a holding refused under one rule is said there; one whose other rules were not decided is said here too
        if u.holding not in refused_sources or u.cause is UnusedCause.NOT_DECIDED
    )
    c = audit.credits
    given = sum((g.credits for g in granted), Fraction(0))
    surplus = _surplus(p, choice)
    beyond = None if c.remaining is None or c.required is None else c.counted + c.remaining - c.required
    unusable = min(sum((s.credit for s in surplus), Fraction(0)), beyond if beyond is not None else given, given)
    return AssessStatement(
        target=audit.target,
        title=audit.title,
        learner=audit.learner,
        status=audit.status,
        as_of=audit.as_of,
        credits=AssessCredits(c.system, c.required, c.counted, c.remaining, given, c.counted - given, given - unusable, unusable, beyond, c.remaining_records),
        granted=granted,
        refused=audit.refused,
        not_credited=not_credited,
        caps=tuple(lim for lim in audit.limits if lim.credit_cap),
        remaining_study=audit.missing,
        provenance=audit.provenance,
        surplus=surplus,
        exceptions=audit.exceptions,
        exceptions_refused=audit.exceptions_refused,
        pending=audit.pending,
        equivalents=audit.equivalents,
        version=audit.version,
    )


def _surplus(p: Problem, choice: Choice) -> tuple[Surplus, ...]:
    """Pools whose own holdings and granted credit pass what they need (an indivisible grant into a pool already full)."""
    out = []
    for leaf in p.top.leaves():
        if leaf.kind != "pool" or leaf.credits is None:
            continue
        held = [(p.items[i], k) for i, k in choice.claims.get(leaf.index, []) if p.items[i].origin != "addition"]
        have = sum((it.credits * k for it, k in held), Fraction(0))
        if have <= leaf.credits:
            continue
        credit = sum((it.credits * k for it, k in held if it.origin == "grant"), Fraction(0))
        out.append(Surplus(nearest_id(leaf, p), have, leaf.credits, min(credit, have - leaf.credits)))
    return tuple(out)
