"""Credit-transfer assessment: the advanced-standing statement.

An assessment is the audit's joint decision seen from the credit office: the
credit granted towards the target rule by rule (type, basis, sources, as
what, how much), after caps; all prior learning refused or left unused, with
the reason; and the study that remains.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from ..decisions.assess import AssessCredits, AssessStatement, GrantedAs, GrantedCredit, NotCredited, NotCreditedReason, Source
from ..decisions.audit import UnusedCause
from ..language.documents import Learner
from .audit import Context, run_audit
from .problem import Problem


def _grant_title(p: Problem, key: str) -> str:
    for it in p.items:
        if it.key == key:
            return str(it.attrs.title or key)
    return key


def assess_decision(ctx: Context, learner: Learner, target: str, as_of: dt.date, look_ahead: bool, time_limit: float) -> AssessStatement:
    p, _, _, audit = run_audit(ctx, learner, target, as_of, look_ahead, time_limit)
    titles = {hv.key: (hv.attrs.title or hv.key) for hv in p.holdings}
    granted = tuple(
        GrantedCredit(
            rule=c.rule,
            type=c.type,
            title=c.title,
            basis=c.basis,
            location=c.location,
            sources=tuple(Source(s, titles.get(s, s)) for s in c.sources),
            granted=tuple(GrantedAs(g.as_, g.credits, _grant_title(p, g.as_)) for g in c.granted),
            exempt=c.exempt,
            credits=c.credits,
        )
        for c in audit.credit
    )
    refused_sources = {s for r in audit.refused for s in r.sources}
    not_credited = tuple(
        NotCredited(
            u.holding,
            titles.get(u.holding, u.holding),
            NotCreditedReason.NO_RULE if u.cause is UnusedCause.NO_RULE else NotCreditedReason.OTHER,
            u.reason,
        )
        for u in audit.unused
        if u.holding not in refused_sources
    )
    c = audit.credits
    return AssessStatement(
        target=audit.target,
        title=audit.title,
        learner=audit.learner,
        status=audit.status,
        as_of=audit.as_of,
        credits=AssessCredits(c.system, c.required, c.counted, c.remaining, sum((g.credits for g in granted), Fraction(0))),
        granted=granted,
        refused=audit.refused,
        not_credited=not_credited,
        caps=tuple(lim for lim in audit.limits if lim.credit_cap),
        remaining_study=audit.missing,
        provenance=audit.provenance,
    )
