"""Exploring: every qualification ranked by what remains for one learner ("what can I finish?")."""

from __future__ import annotations

import datetime as dt
import time
from fractions import Fraction

from ..decisions.audit import AuditStatus
from ..decisions.base import q
from ..decisions.explore import Exploration, ExploreRow, UnavailableRow, share_to_go
from ..decisions.plan import Plan
from ..errors import RequestError
from ..language.documents import Learner
from .audit import MIN_SOLVE, Context, audit_decision
from .plan import PlanOptions, plan_decision

_DONE = (AuditStatus.MET, AuditStatus.MET_PENDING)


def _records(n: int) -> str:
    return f"{n} record{'s' * (n != 1)}"


def _amount(credits: Fraction | None, records: int) -> str:
    """What a node still needs in its own words: credit, records (no credit, section 17), or both."""
    if records and not credits:
        return _records(records)
    return f"{q(credits)}" + (f" and {_records(records)}" if records else "")


def explore_decision(ctx: Context, learner: Learner, as_of: dt.date, time_limit: float, with_plans: bool = True, look_ahead: bool = False) -> Exploration:
    """Every qualification ranked by what remains for this learner ("what can I finish?")."""
    rows: list[ExploreRow | UnavailableRow] = []
    deadline = time.monotonic() + time_limit  # one budget for every audit and plan of the exploration (section 18)

    def left() -> float:
        return max(deadline - time.monotonic(), MIN_SOLVE)

    for qid in ctx.rb.qualification_ids():
        try:
            audit = audit_decision(ctx, learner, qid, as_of, look_ahead, left())  # the learner is checked once, by the caller
        except RequestError as exc:
            # (a learner who commenced before the first version, say): said as not audited, with what to do
            rows.append(UnavailableRow(qid, "not audited: " + exc.message + (f"; {exc.help}" if exc.help else "")))
            continue
        c = audit.credits
        rem = c.remaining
        if audit.status in _DONE:
            why = "complete" if audit.status is AuditStatus.MET else "complete once in-progress or planned study is passed"
            shaky = sorted({cr.rule for cr in audit.credit if cr.confidence is not None})
            if shaky:
                # as the audit says of the grant: the answer rests on a figure not confirmed
                why += f", resting on credit rule{'s' if len(shaky) > 1 else ''} {', '.join(f'`{r}`' for r in shaky)} marked not confirmed"
        elif audit.status is AuditStatus.INDETERMINATE:
            why = "not decided within the time limit"
        elif rem is None:
            why = audit.missing[0].text if audit.missing else "cannot be completed from the catalogue"
        else:
            # entries with no credit of their own (what a limit asks of the study above them) add nothing to the sum
            said = [m for m in audit.missing if m.credits or m.records]
            parts = [f"{m.node} {_amount(m.credits, m.records)}" for m in said[:3]]
            records = f" and {_records(c.remaining_records)}" if c.remaining_records else ""
            if said:
                why = f"{q(rem)} {c.system}{records} to go: " + ", ".join(parts) + (" ..." if len(said) > 3 else "")
            else:
                # no study to add: what it waits for instead (a sign-off; study in progress is said by the audit)
                waits = [f"{m.node}: {m.text}" for m in audit.missing if m.text]
                why = f"no study to add{records}, but not complete: " + ("; ".join(waits[:3]) if waits else "see its audit")
        described = sorted({s for cr in audit.credit for s in cr.described})
        if described:
            # credit resting on what only the learner file says (section 18), as the audit and the statement say
            why += f"; it counts credit from {', '.join(f'`{s}`' for s in described)}, described by the learner file, not a catalogue: check its evidence"
        if qid.partition(":")[0] in ctx.rb.frameworks:
            why += " (a framework's qualification type: its level and volume, not an award of any provider)"
        elif c.required is None and audit.status not in _DONE:
            why += " (no credit total: met when every requirement is)"
        plan_credits: Fraction | None = None
        plan_size: int | None = None
        plan_records = 0
        if with_plans and rem is not None and audit.status not in _DONE:
            plan = plan_decision(ctx, learner, qid, as_of, PlanOptions(look_ahead=look_ahead), left())
            plan_credits, plan_size = (plan.added_credits, len(plan.added)) if isinstance(plan, Plan) else (None, 0)
            plan_records = sum(t.records for t in plan.terms) if isinstance(plan, Plan) else 0
        rows.append(
            ExploreRow(qid, audit.title, audit.status, c.system, c.counted, c.required, rem, why, plan_credits, plan_size, audit.version.location, plan_records)
        )

    def key(r: ExploreRow | UnavailableRow) -> tuple[int, Fraction, Fraction, bool, str]:
        """Section 16's order: the share of the target still to do, then `remaining` (in full-time years: the only way
        to compare credit of different systems), then awards before framework types, then id; `null` last."""
        if isinstance(r, UnavailableRow) or r.remaining is None:
            return (1, Fraction(0), Fraction(0), False, r.target)
        return (0, share_to_go(r), r.remaining / ctx.rb.systems[r.system].full_time_year, r.target.partition(":")[0] in ctx.rb.frameworks, r.target)

    rows.sort(key=key)
    return Exploration(learner.id, as_of, tuple(rows), ctx.prov)
