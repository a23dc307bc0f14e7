"""Exploring: every qualification ranked by what remains for one learner ("what can I finish?")."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from fractions import Fraction

from ..decisions.audit import AuditDecision, AuditStatus, Proof
from ..decisions.base import q
from ..decisions.explore import Exploration, ExploreRow, UnavailableRow, share_to_go
from ..decisions.plan import Plan
from ..errors import RequestError
from ..language.documents import Learner
from ..rulebase.index import iter_nodes
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


NOT_REACHED = "not audited: the time limit was spent before this qualification was reached ({audited} of {total} audited{kept}); raise --time-limit (time_limit in the API) to audit every one"
AUDIT_SHARE = 0.75  # of an exploration's time limit that audits may start in when plans are asked for: the rest is kept for the plans of the best-ranked rows


def _first(ctx: Context, learner: Learner, as_of: dt.date) -> list[str]:
    """The order audits spend the budget in: the learner's enrolments; then the qualifications whose requirements name
    the most of what the learner holds; then those of the providers they hold credentials from; then the rest (each
    by id). Only the order of work: the rows are ranked afterwards."""
    enrolled = {e.qualification for e in learner.doc.enrolments}
    held = {h.credential for h in learner.doc.holdings}
    providers = {info.provider for c in held if (info := ctx.rb.credentials.get(c)) is not None}

    def named(qid: str) -> int:
        v = ctx.rb.version(qid, as_of)
        if v is None:
            return 0
        found: set[str] = set()
        for tree in (v.requires, *v.define.values()):
            found |= {n.credential for n, _ in iter_nodes(tree, ()) if n.credential in held}
        return len(found)

    def place(qid: str) -> tuple[int, int, str]:
        if qid in enrolled:
            return (0, 0, qid)
        k = named(qid)
        if k:
            return (1, -k, qid)
        return (2 if any(v.provider in providers for v in ctx.rb.qualifications.get(qid, ())) else 3, 0, qid)

    return sorted(ctx.rb.qualification_ids(), key=place)


def explore_decision(ctx: Context, learner: Learner, as_of: dt.date, time_limit: float, with_plans: bool = True, look_ahead: bool = False) -> Exploration:
    """Every qualification ranked by what remains for this learner ("what can I finish?").

    One budget for all of it (section 18): every qualification is audited first (in :func:`_first`'s order, starting
    only in the first ``AUDIT_SHARE`` of the budget when plans are asked for), then plans are made for the rows still
    short, best ranked first, with what is left. Once the budget is spent no more work starts: a qualification
    not reached is listed as not audited, a row without a plan says none was found within the time limit (over an
    institution's 1,500 qualifications an exploration with the default 10 s had run for 140 s, an audit and a plan at a
    time, and answered "not decided" for all but one).
    """
    rows: list[ExploreRow | UnavailableRow] = []
    deadline = time.monotonic() + time_limit  # one budget for every audit and plan of the exploration (section 18)

    def left() -> float:
        return max(deadline - time.monotonic(), MIN_SOLVE)

    order = _first(ctx, learner, as_of)
    audits: list[tuple[str, AuditDecision]] = []
    reached = 0
    # with plans asked for, audits start only in the first AUDIT_SHARE of the budget: over an institution the audits
    # alone can spend any limit, and a plan for the best-ranked rows is worth more than an audit of the last reached
    audit_until = deadline - (1 - AUDIT_SHARE) * time_limit if with_plans else deadline
    for qid in order:
        if time.monotonic() >= audit_until:
            break
        reached += 1
        try:
            audits.append((qid, audit_decision(ctx, learner, qid, as_of, look_ahead, left())))  # the learner is checked once, by the caller
        except RequestError as exc:
            # (a learner who commenced before the first version, say): said as not audited, with what to do
            rows.append(UnavailableRow(qid, "not audited: " + exc.message + (f"; {exc.help}" if exc.help else "")))
    for qid in order[reached:]:
        kept = ", the last quarter of the limit kept for the plans of the best-ranked rows" if with_plans else ""
        rows.append(UnavailableRow(qid, NOT_REACHED.format(audited=len(audits), total=len(order), kept=kept), not_reached=True))

    def key(r: ExploreRow | UnavailableRow) -> tuple[int, Fraction, Fraction, bool, str]:
        """Section 16's order: the share of the target still to do, then `remaining` (in full-time years: the only way
        to compare credit of different systems), then awards before framework types, then id; `null` last."""
        if isinstance(r, UnavailableRow) or r.remaining is None:
            return (1, Fraction(0), Fraction(0), False, r.target)
        return (0, share_to_go(r), r.remaining / ctx.rb.systems[r.system].full_time_year, r.target.partition(":")[0] in ctx.rb.frameworks, r.target)

    said = [_row(ctx, qid, audit) for qid, audit in audits]
    if with_plans:
        # plans for the rows still short, best ranked first, while the budget lasts
        for k in sorted(range(len(said)), key=lambda k: key(said[k])):
            r, audit = said[k], audits[k][1]
            if r.remaining is None or audit.status in _DONE:
                continue
            if time.monotonic() >= deadline:
                said[k] = replace(r, plan_size=0, plan_status="not_decided")  # not made: the time limit was spent first
                continue
            plan = plan_decision(ctx, learner, r.target, as_of, PlanOptions(look_ahead=look_ahead), left())
            if isinstance(plan, Plan) and plan.proof is not Proof.OPTIMAL:
                # the best plan found before the time limit, its least credit not proven: the row's "least-credit plan"
                # would not be true of it
                said[k] = replace(r, plan_size=0, plan_status="not_decided")
            elif isinstance(plan, Plan):
                records = sum(t.records for t in plan.terms)
                said[k] = replace(r, plan_credits=plan.added_credits, plan_size=len(plan.added), plan_records=records, plan_status="planned")
            else:
                said[k] = replace(r, plan_size=0, plan_status="no_plan" if plan.proof is Proof.INFEASIBLE else "not_decided")
    rows += said
    rows.sort(key=key)
    return Exploration(learner.id, as_of, tuple(rows), ctx.prov)


def _row(ctx: Context, qid: str, audit: AuditDecision) -> ExploreRow:
    """A qualification's row from its audit: what remains, said in its own words (no plan yet)."""
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
    return ExploreRow(qid, audit.title, audit.status, c.system, c.counted, c.required, rem, why, None, None, audit.version.location, 0)
