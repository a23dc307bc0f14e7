"""The audit: a problem, solved exactly, checked independently, explained."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from fractions import Fraction

from ..compile.target import leaf_accepts_static
from ..compile.tree import CLimit, CNode
from ..decisions.audit import (
    Applied,
    AuditDecision,
    AuditStatus,
    Basis,
    CreditApplication,
    Credits,
    Equivalent,
    ExceptionEntry,
    ExceptionRefused,
    Granted,
    GrantNotUsed,
    LimitKind,
    LimitResult,
    LimitStatus,
    Missing,
    NodeResult,
    NodeStatus,
    Proof,
    Refusal,
    RefusalReason,
    Shared,
    Unused,
    UnusedCause,
    Version,
    VersionChoice,
)
from ..decisions.base import Provenance as Provenance
from ..decisions.base import q
from ..errors import RequestError, VerificationError
from ..language.documents import Learner
from ..language.models import Enrolment, FactRef, Filter, LearnerException, Term
from ..language.quantity import fmt, total
from ..rulebase.filters import Matcher
from ..rulebase.index import QualVersion, RuleBase
from . import semantics
from .checker import (
    Evaluation,
    counts_against,
    graded_weight,
    held_limit_value,
    limit_value_with,
    limit_value_without,
    met_without_sign_offs,
    verify,
    verify_outcome,
)
from .checker import LimitResult as CheckedLimit
from .choice import Choice
from .fastpath import greedy_completion
from .holdings import HoldingView, held_when
from .problem import Compiler, Item, Problem, build_problem, span_text, target_version
from .solve import completes_alone, might_complete, solve


@dataclass(frozen=True)
class Context:
    """What every decision needs from the engine: the rule base, its compiled targets, provenance."""

    rb: RuleBase
    prov: Provenance
    compiler: Compiler | None = None


MIN_SOLVE = 1e-6  # seconds a solver is given when the budget is spent: it stops at once, and the answer is `indeterminate`


def run_audit(
    ctx: Context, learner: Learner, target: str, as_of: dt.date, look_ahead: bool, time_limit: float, catalog_year: int | None = None
) -> tuple[Problem, Choice, Evaluation, AuditDecision]:
    """Audit ``learner`` against ``target`` (``catalog_year``: against the version of that year, as a what-if)."""
    start = time.monotonic()  # the time limit bounds building the model too, not only the solver (section 18)
    if catalog_year is not None:
        found = _run_audit(ctx, learner, target, as_of, look_ahead, time_limit, catalog_year, start)
        if _own_version(ctx, learner, target, as_of) is found[0].version:
            # the year asked for gives the learner's own version: said, not called a what-if
            record = found[3]
            return (*found[:3], replace(record, version=replace(record.version, same_as_own=True)))
        return found
    return _run_audit(ctx, learner, target, as_of, look_ahead, time_limit, catalog_year, start)


def _own_version(ctx: Context, learner: Learner, target: str, as_of: dt.date) -> QualVersion | None:
    """The version the learner's own enrolment (or ``as_of``) gives, or None when none is in force then."""
    try:
        return target_version(ctx.rb, learner.doc, target, as_of)[0]
    except RequestError:
        return None


def _run_audit(
    ctx: Context, learner: Learner, target: str, as_of: dt.date, look_ahead: bool, time_limit: float, catalog_year: int | None, start: float
) -> tuple[Problem, Choice, Evaluation, AuditDecision]:
    catalog = catalog_year is not None
    if catalog_year is not None:
        asked = catalog_day(ctx.rb, target, catalog_year)
        learner = as_if_commenced(learner, target, asked)
        try:
            p = build_problem(ctx.rb, learner.doc, target, as_of, look_ahead, compiler=ctx.compiler, places=learner.holding_places())
        except RequestError as exc:
            if exc.code != "SR5001" or target not in ctx.rb.qualifications:
                raise
            # the day is the catalogue year's, not the learner's commencement (a what-if)
            ranges = ", ".join(span_text(x.effective.from_, x.effective.until) for x in ctx.rb.qualifications[target] if x.effective)
            raise RequestError(
                "SR5001",
                f"no version of `{target}` is in force on {asked}, in the catalogue year {catalog_year} asked for",
                f"its versions are in force {ranges}: ask for a year one of them is in force",
            ) from None
    else:
        p = build_problem(ctx.rb, learner.doc, target, as_of, look_ahead, compiler=ctx.compiler, places=learner.holding_places())
    if p.judged_on_pending:
        # study in progress or planned changes whether some node applies: the tree completed study gives comes first
        # (section 16: `met` before `met_pending`); when it is not met there, the tree with that study decides
        today = build_problem(ctx.rb, learner.doc, target, as_of, look_ahead, compiler=ctx.compiler, places=learner.holding_places(), judge_on_done=True)
        found = _decide(ctx, learner, today, start, time_limit, catalog)
        if found[3].status == AuditStatus.MET:
            return found
    return _decide(ctx, learner, p, start, time_limit, catalog)


def _decide(ctx: Context, learner: Learner, p: Problem, start: float, time_limit: float, catalog: bool) -> tuple[Problem, Choice, Evaluation, AuditDecision]:
    """The decision of problem ``p``: the fast path when it proves itself, else the solver; checked either way."""
    might = might_complete(p)
    fast = greedy_completion(p) if might else None
    if fast is not None:
        try:
            ev = verify(p, fast)
        except VerificationError:
            ev = None  # the greedy broke a rule: the exact solver decides
        if ev is not None and ev.status.get(p.top.index) in ("met", "met_pending"):
            return p, fast, ev, _checked(p, fast, ev, audit_record(p, fast, ev, ctx.prov, learner, catalog))
    choice = solve(p, max(time_limit - (time.monotonic() - start), MIN_SOLVE), might)
    ev = verify(p, choice)
    if not choice.completion and p.with_additions and choice.status != "time_limit":
        # nothing completes the target: for each unmet node "Still needed" names, whether it alone could be
        # completed is proven here, within what is left of the time limit
        _explain_no_completion(p, ev, choice, start + time_limit)
    return p, choice, ev, _checked(p, choice, ev, audit_record(p, choice, ev, ctx.prov, learner, catalog))


def _checked(p: Problem, choice: Choice, ev: Evaluation, record: AuditDecision) -> AuditDecision:
    """``record`` once the checker has verified its status and its completion witness against the choice."""
    verify_outcome(p, choice, ev, record.status.value, record.credits.remaining, [c for m in record.missing for c in m.credentials])
    return record


def audit_decision(
    ctx: Context, learner: Learner, target: str, as_of: dt.date, look_ahead: bool, time_limit: float, catalog_year: int | None = None
) -> AuditDecision:
    return run_audit(ctx, learner, target, as_of, look_ahead, time_limit, catalog_year)[3]


def catalog_day(rb: RuleBase, target: str, year: int) -> dt.date:
    """The day whose version a catalogue year means: 1 January, else the first day a version comes into force that year.

    A year with no version in force at all gives 1 January, which the version
    lookup then refuses with the versions that exist (SR5001).
    """
    first = dt.date(year, 1, 1)
    if target not in rb.qualifications or rb.version(target, first) is not None:
        return first
    starts = [
        v.effective.from_ for v in rb.qualifications[target] if v.effective is not None and v.effective.from_ is not None and v.effective.from_.year == year
    ]
    return min(starts, default=first)


def as_if_commenced(learner: Learner, target: str, day: dt.date) -> Learner:
    """The learner as if enrolled in ``target`` from ``day``: the version in force that day is the one audited (section 5)."""
    kept = tuple(e for e in learner.doc.enrolments if e.qualification != target)
    doc = learner.doc.model_copy(update={"enrolments": (*kept, Enrolment.model_construct(qualification=target, commenced=day))})
    return replace(learner, doc=doc)


def _unit(p: Problem) -> str:
    return p.version.system


def nearest_id(n: CNode, p: Problem) -> str:
    cur: CNode | None = n
    while cur is not None:
        if cur.id is not None:
            return cur.id
        cur = cur.parent
    return p.version.id


def _filter_text(n: CNode, as_of: dt.date | None = None) -> str:
    """A pool's filter in words; with ``as_of``, as it reads for study still to be taken (see :func:`_for_new_study`)."""
    if n.where is None:
        return "of any study"
    return f"({filter_text(_for_new_study(n.where, as_of) if as_of is not None else n.where)})"


def _for_new_study(f: Filter, as_of: dt.date) -> Filter:
    """``f`` without the alternatives that study taken after ``as_of`` can never meet (`awarded` before a day already
    past: "CS5206, awarded below 2011-08-01"), so that "Still needed" never offers them. A group all of whose
    alternatives are past is kept as written: what is needed is then said as the rule says it."""

    def past(g: Filter) -> bool:
        return any(
            t.attr == "awarded" and isinstance(t.value, dt.date) and (t.value <= as_of if t.op == "lt" else t.value < as_of if t.op == "lte" else False)
            for t in g.terms
        )

    groups = []
    for group in f.any_of:
        open_ = tuple(g for g in group if not past(g))
        groups.append(open_ if open_ else group)
    return replace(f, any_of=tuple(groups)) if groups != list(f.any_of) else f


_NEGATE = {"eq": "ne", "ne": "eq", "gte": "lt", "gt": "lte", "lte": "gt", "lt": "gte", "in": "not_in", "not_in": "in"}


def filter_text(f: Filter) -> str:
    """A filter as a reader would say it: `tagged data, level 3 or above`, `level below 4`."""
    parts = [_fact_term_text(t) if t.fact is not None or isinstance(t.value, FactRef) else _term_text(t.attr, t.op, t.value) for t in f.terms]
    for group in f.any_of:
        parts.append("either " + " or ".join(_grouped(g) for g in group) if len(group) > 1 else filter_text(group[0]))
    for g in f.nots:
        if len(g.terms) == 1 and not g.any_of and not g.nots and g.terms[0].op in _NEGATE and g.terms[0].fact is None:
            t = g.terms[0]
            parts.append(_term_text(t.attr, _NEGATE[t.op], t.value))
        else:
            parts.append(f"not {_grouped(g)}")
    return ", ".join(parts)


def _grouped(f: Filter) -> str:
    text = filter_text(f)
    return f"({text})" if len(f.terms) + len(f.any_of) + len(f.nots) > 1 else text


def _fact_term_text(t: Term) -> str:
    """A condition on a learner fact (section 17): `tagged organ (the learner's medium)`; unstated, it matches nothing."""
    if isinstance(t.value, FactRef):  # not read from a learner (a view of the rule base alone)
        return _term_text(t.attr, t.op, f"the learner's {t.value.name}")
    if t.op == "in" and t.value == ():
        return _term_text(t.attr, "eq", f"the learner's {t.fact}") + f" (the learner states no `{t.fact}` that fits: matches nothing)"
    return _term_text(t.attr, t.op, t.value) + f" (the learner's {t.fact})"


def unstated_facts(f: Filter | None) -> list[str]:
    """The learner facts a (read) filter needed and the learner does not state, when the filter therefore matches nothing."""
    if f is None:
        return []
    out = [t.fact for t in f.terms if t.fact is not None and t.op == "in" and t.value == ()]
    for group in f.any_of:  # a group matches nothing only when each of its filters does
        if all(unstated_facts(g) for g in group):
            out += [name for g in group for name in unstated_facts(g)]
    return sorted(set(out))  # under `not`, a condition that matches nothing holds: not a reason


def _term_text(attr: str, op: str, value: object) -> str:
    """One condition in words (``level`` ``lt`` 4: `level below 4`)."""
    if isinstance(value, tuple):
        vals = [str(v) for v in value]
        joined = ", ".join(vals[:-1]) + f" or {vals[-1]}" if len(vals) > 1 else "".join(vals)
    else:
        joined = str(value)
    if attr == "related_field":
        return "in a related field" if (value is True) == (op == "eq") else "not in a related field"
    if attr == "source" and op in ("eq", "ne"):
        said = {"home": "studied at the provider", "credit": "granted as credit"}.get(joined, f"source {joined}")
        return said if op == "eq" else f"not {said}"
    if attr == "tags":
        return {
            "eq": f"tagged {joined}",
            "ne": f"not tagged {joined}",
            "in": f"tagged {joined}",
            "not_in": f"tagged none of {joined}",
            "glob": f"tagged like {joined}",
        }.get(op, f"tags {op} {joined}")
    name = attr.replace("_", " ")
    words = {
        "eq": f"{name} {joined}",
        "ne": f"{name} other than {joined}",
        "in": f"{name} {joined}",
        "not_in": f"{name} other than {joined}",
        "gte": f"{name} {joined} or above",
        "gt": f"{name} above {joined}",
        "lte": f"{name} {joined} or below",
        "lt": f"{name} below {joined}",
        "prefix": f"{name} starting {joined}",
        "glob": f"{name} like {joined}",
    }
    return words.get(op, f"{name} {op} {joined}")


def audit_record(p: Problem, choice: Choice, ev: Evaluation, prov: Provenance, learner: Learner, catalog: bool = False) -> AuditDecision:
    """The audit's record of a checked choice (``catalog``: the version was chosen by a requested catalogue year)."""
    unit = _unit(p)
    top = p.top
    indeterminate = choice.status == "time_limit"
    top_status = ev.status.get(top.index, "not_met")
    if indeterminate:
        status = AuditStatus.INDETERMINATE
    elif top_status in ("met", "waived", "exempt"):
        status = AuditStatus.MET
    elif top_status == "met_pending":
        status = AuditStatus.MET_PENDING
    else:
        status = AuditStatus.NOT_MET
    claimed_items = ev.claimed.get(top.index, [])
    counted = total(it.credits for it in claimed_items)
    additions: dict[int, int] = {}
    for leaf_claims in choice.claims.values():
        for i, k in leaf_claims:
            if p.items[i].origin == "addition":
                additions[i] = additions.get(i, 0) + k
    remaining: Fraction | None = None
    records = 0
    if choice.completion and not indeterminate:
        remaining = sum((p.items[i].credits * min(k, p.items[i].multiplicity) for i, k in additions.items()), Fraction(0))
        records = sum(min(k, p.items[i].multiplicity) for i, k in additions.items() if p.items[i].attrs.type == "record")
    pending = {it.key for it in claimed_items if it.pending}
    # a node that stands aside only because of study not yet passed rests on that study as a claim does
    pending |= {key for keys in p.aside_pending.values() for key in keys}

    claimed_keys = {it.index for it in claimed_items}
    fed: dict[int, int] = {}
    for app in p.apps:
        for leaf in app.root.leaves():
            for i in choice.source_claims.get(leaf.index, []):
                fed[i] = app.index
    # credit granted from study in progress or planned (look-ahead) rests on that study: its sources are pending too
    pending |= {p.items[i].key for i, a in fed.items() if p.items[i].pending and (p.apps[a].exempt or any(g in claimed_keys for g in p.apps[a].grants))}
    if status is AuditStatus.MET_PENDING:
        # a node that applies only because of such study, and is met, rests on it too
        pending |= {key for n, keys in p.applies_pending.items() if ev.status.get(n) in ("met", "met_pending") for key in keys}
    chosen_by: VersionChoice = "as_of"
    if catalog:
        chosen_by = "catalog_year"
    elif any(e.qualification == p.version.id and e.commenced is not None for e in learner.doc.enrolments):
        chosen_by = "commencement"
    version = Version(
        p.version.effective.from_ if p.version.effective else None,
        p.version.effective.until if p.version.effective else None,
        str(p.version.loc),
        p.day,
        chosen_by,
    )
    return AuditDecision(
        target=p.version.id,
        title=p.version.title,
        learner=learner.id,
        status=status,
        as_of=p.as_of,
        version=version,
        look_ahead=p.look_ahead,
        credits=Credits(unit, p.version.credits, counted, remaining, records, over_full(p, choice), *_past_pools(p, choice)),
        nodes=_nodes(p, choice, ev),
        limits=_limits(p, ev, choice),
        credit=_credit(p, choice, ev, fed, claimed_keys),
        refused=_refusals(p, choice, ev, fed, claimed_keys, indeterminate),
        missing=_missing(p, choice, ev, indeterminate),
        unused=_unused(p, choice, ev, claimed_keys, fed, indeterminate),
        exceptions=tuple(
            ExceptionEntry(
                e.type, e.node, e.credential, e.instead_of, e.reason, e.approved_by, e.date, _effect(p, choice, e, effect, indeterminate, claimed_keys, fed, ev)
            )
            for e, effect in p.exceptions
        ),
        pending=tuple(sorted(pending)),
        proof=Proof(choice.status),
        provenance=prov,
        bound=choice.bound if indeterminate else None,
        applied=tuple(_applied(p, it, _rests_on(p, it, ev, fed)) for it in claimed_items),
        gpa=_gpa(claimed_items),
        exceptions_refused=tuple(
            ExceptionRefused(e.type, e.node, e.credential, e.instead_of, e.approved_by, e.date, reason, detail) for e, reason, detail in p.exceptions_refused
        ),
        equivalents=_equivalents(p, choice),
        shared=_shared(p, choice),
    )


def _rests_on(p: Problem, it: Item, ev: Evaluation, fed: dict[int, int]) -> str | None:
    """For credit granted from study in progress or planned: that study's status (planned if any source is)."""
    if it.index not in ev.pending_grants:
        return None
    statuses = set()
    for i, a in fed.items():
        hv = p.items[i].holding
        if it.index in p.apps[a].grants and p.items[i].pending and hv is not None:
            statuses.add(hv.holding.status)
    return "planned" if "planned" in statuses else "in_progress"


def _stated(p: Problem, it: Item) -> tuple[str, ...]:
    """The tags a holding's learner file gives it beyond its catalogue entry's (section 17's holding overrides)."""
    h = it.holding.holding if it.holding is not None else None
    info = p.rb.credentials.get(it.credential)
    own = set(info.tags) if info is not None else set()
    return tuple(t for t in (h.tags if h is not None else ()) if t not in own)


def _applied(p: Problem, it: Item, rests_on: str | None = None) -> Applied:
    """A claimed item as a reader wants it: title, credit, grade, date, and any tags only the learner file gives it.
    ``rests_on``: for granted credit, the status of the study it is granted from when that is not done."""
    h = it.holding.holding if it.holding is not None else None
    stated = _stated(p, it)
    return Applied(
        it.key,
        it.attrs.title,
        it.credits,
        "credit" if it.origin == "grant" else "home",
        it.attrs.grade,
        it.attrs.awarded,
        h.status if h is not None else rests_on or "completed",
        stated,
    )


def _gpa(items: list[Item]) -> Fraction | None:
    """The credit-weighted grade points of the counted study whose grade scale has points (None when none has)."""
    graded = [it for it in items if it.points is not None and it.credits > 0]
    if not graded:
        return None
    weight = total([it.credits for it in graded])
    return total([it.credits * (it.points or 0) for it in graded]) / weight


def _shared(p: Problem, choice: Choice) -> tuple[Shared, ...]:
    """Holdings (and granted credit) the choice counts in two or more requirements, in tree order of their first claim."""
    by_item: dict[int, list[CNode]] = {}
    for leaf in p.top.leaves():
        for i, _ in choice.claims.get(leaf.index, []):
            if p.items[i].origin != "addition":
                by_item.setdefault(i, []).append(leaf)
    sharing: semantics.Sharing | None = None
    out = []
    for i, leaves in sorted(by_item.items(), key=lambda kv: (kv[1][0].path, p.items[kv[0]].key)):
        if len(leaves) < 2:
            continue
        names = tuple(dict.fromkeys(nearest_id(leaf, p) for leaf in sorted(leaves, key=lambda n: n.path)))
        if sharing is None:
            sharing = semantics.sharing_pairs(p.top)
        listed = all(sharing.get((min(a.index, b.index), max(a.index, b.index))) is not None for k, a in enumerate(leaves) for b in leaves[k + 1 :])
        out.append(Shared(p.items[i].key, names, listed))
    return tuple(out)


def _equivalents(p: Problem, choice: Choice) -> tuple[Equivalent, ...]:
    """Holdings a credential leaf counts as the credential it names (`supersedes` / `equivalent`), in tree order."""
    out = []
    for leaf in p.top.leaves():
        if leaf.kind != "credential" or leaf.credential is None:
            continue
        stands_for = p.rb.equivalents.get(leaf.credential, frozenset())
        for i, _ in choice.claims.get(leaf.index, []):
            it = p.items[i]
            if it.origin != "addition" and it.credential != leaf.credential and it.credential in stands_for:
                out.append(Equivalent(nearest_id(leaf, p), it.key, leaf.credential, p.rb.relation(it.credential, leaf.credential)))
    for a in sorted(set(choice.apps)):  # sources of the credit used, where a rule's `from` names a partner
        app = p.apps[a]
        for leaf in app.root.leaves():
            if leaf.kind != "credential" or leaf.credential is None:
                continue
            for i in choice.source_claims.get(leaf.index, []):
                it = p.items[i]
                if it.origin != "addition" and it.credential != leaf.credential:
                    out.append(Equivalent(p.version.id, it.key, leaf.credential, p.rb.relation(it.credential, leaf.credential), rule=app.rule.id))
    return tuple(out)


def _nodes(p: Problem, choice: Choice, ev: Evaluation) -> tuple[NodeResult, ...]:
    out = []
    for n in p.top.walk():
        if n.id is None:
            continue
        its = ev.claimed.get(n.index, [])
        required: Fraction | None = None
        required_count: int | None = None
        if n.kind == "pool" and n.credits is not None:
            required = n.credits
        elif n.kind == "pool" and n.count is not None:
            required_count = n.count
        elif n.min_total is not None:
            required = n.min_total
        via = sorted(
            {
                f"{e.type}: {e.reason}"
                for (leaf, i), e in p.exception_claims.items()
                for leaf_n in n.leaves()
                if leaf_n.index == leaf and any(i == c for c, _ in choice.claims.get(leaf, []))
            }
        )
        out.append(
            NodeResult(
                id=n.id,
                title=n.title,
                parent=next((a.id for a in n.ancestors() if a.id is not None), None),
                # inside a waived node (the whole qualification, say), a node is waived with it: its subtree is
                # not assessed, and "not met" would say it still needs study
                status=NodeStatus.WAIVED if any(a.index in p.waived for a in n.ancestors()) else NodeStatus(ev.status[n.index]),
                claimed=tuple(it.key for it in its),
                credits=total(it.credits for it in its),
                required=required,
                required_count=required_count,
                location=n.loc or None,
                pending=tuple(sorted(it.key for it in its if it.pending or it.index in ev.pending_grants)),
                exceptions=tuple(via),
                why=_why(p, n, ev),
                choice=n.kind in ("any", "at_least") and len(n.children) > semantics.threshold(n),
            )
        )
    return tuple(out)


def _why(p: Problem, n: CNode, ev: Evaluation) -> str | None:
    """Why a node is not applicable (its own condition, or an enclosing node's) or waits for a sign-off."""
    status = ev.status[n.index]
    if status == "pending_approval":
        return p.settled_why.get(n.index)
    if status == "not_applicable":
        for a in (n, *n.ancestors()):
            if a.index in p.settled_why:
                return p.settled_why[a.index] if a is n else f"{p.settled_why[a.index]} (`{nearest_id(a, p)}`)"
    if n.index in p.applies_why:
        return p.applies_why[n.index]
    if status == "not_met":
        # a pool that compares with a learner fact the learner does not state (section 17) matches nothing
        unstated = sorted({f for m in (n, *(c for c in n.children if c.id is None)) for f in unstated_facts(m.where)})
        if unstated:
            named = " or ".join(f"`{f}`" for f in unstated)
            return f"the learner states no {named}, so its filter matches nothing"
    return None


def _limits(p: Problem, ev: Evaluation, choice: Choice) -> tuple[LimitResult, ...]:
    return tuple(
        LimitResult(
            id=r.limit.id or r.limit.kind,
            kind=LimitKind(r.limit.kind),
            status=LimitStatus(r.status),
            value=r.value,
            bound=r.limit.bound,
            where=None if r.limit.where is None else filter_text(r.limit.where),
            credit_cap=r.limit.is_max and r.limit.kind == "max_credits" and _on_credit(r.limit.where),
            node=None if r.node is p.top else nearest_id(r.node, p),
            share=r.limit.share,
            location=_limit_loc(r.node, r.limit),
            met_pending=r.pending,
            ungraded=r.limit.kind == "min_gpa" and r.applied and not graded_weight(p, r.node, r.number, choice),
            not_applied=not r.applied,
        )
        for r in ev.limits
    )


def _limit_loc(n: CNode, lim: CLimit) -> str | None:
    """Where a limit the checker derived is written: the compiled tree's equal limit knows (locations do not compare)."""
    return next((c.loc for c in n.limits if c == lim), None)


def _credit(p: Problem, choice: Choice, ev: Evaluation, fed: dict[int, int], claimed: set[int]) -> tuple[CreditApplication, ...]:
    """The credit granted by the applications the choice uses (and what else each grants that the choice does not count)."""
    out = []
    for a in choice.apps:
        app = p.apps[a]
        doc = app.rule.doc
        out.append(
            CreditApplication(
                rule=app.rule.id,
                type=doc.type,
                title=doc.title,
                application=app.number,
                into=app.into,
                basis=None if doc.basis is None else Basis(doc.basis.reference, doc.basis.url),
                sources=tuple(sorted(p.items[i].key for i, x in fed.items() if x == a)),
                granted=tuple(Granted(p.items[g].key, p.items[g].credits, p.items[g].attrs.title) for g in app.grants if g in claimed),
                location=str(app.rule.loc),
                exempt=tuple(nid for n in app.exempt if (nid := p.nodes[n].id) is not None),
                confidence=doc.confidence if doc.confidence not in (None, "verified") else None,
                not_used=tuple(_grant_not_used(p, choice, ev, g, claimed, fed) for g in app.grants if g not in claimed),
                stated_tags=tuple(
                    (p.items[i].key, tags) for i, x in sorted(fed.items(), key=lambda kv: p.items[kv[0]].key) if x == a and (tags := _stated(p, p.items[i]))
                ),
                described=tuple(sorted(p.items[i].key for i, x in fed.items() if x == a and p.items[i].credential not in p.rb.credentials)),
            )
        )
    return tuple(out)


def _grant_not_used(p: Problem, choice: Choice, ev: Evaluation, g: int, claimed: set[int], fed: dict[int, int]) -> GrantNotUsed:
    """Why the choice does not count grant ``g`` of an application it uses: section 16's `cap` when a maximum that could
    count it has no room for it once what counts and what the completion adds are in, else `not_needed`."""
    it = p.items[g]
    granted = it.attrs.title
    # the credential counts already, as often as it may (a holding of it, another grant of it)
    same = sum(1 for i in claimed if i != g and p.items[i].credential == it.credential)
    bound = semantics.repeat_bound(p.rb, it.credential)
    if same >= bound:
        detail = (
            f"`{it.credential}` already counts, and a credential counts once"
            if bound == 1
            else f"`{it.credential}` already counts {same} times, as often as its `repeatable` bound allows"
        )
        return GrantNotUsed(it.key, it.credits, granted, RefusalReason.NOT_NEEDED, detail)
    clash = _clashes(p, it, claimed, fed, set(p.incompatible))
    if clash:
        return GrantNotUsed(it.key, it.credits, granted, RefusalReason.NOT_NEEDED, f"incompatible with {', '.join(clash)}, which counts")  # as `unused` says it
    full = _full_limit(p, ev, [g], choice)
    if full is not None:
        return GrantNotUsed(it.key, it.credits, granted, RefusalReason.CAP, full)
    fits = [leaf for leaf, lst in p.eligible.items() if g in lst]
    where = sorted({nearest_id(p.nodes[leaf], p) for leaf in fits})
    if not where:
        detail = "no requirement of the target accepts it"
    elif all(_met_by_choice(p, ev, choice, leaf) for leaf in fits):
        filled = " and ".join(f"`{w}`" for w in where)
        by_additions = any(p.items[i].origin == "addition" for leaf in fits for i, _ in choice.claims.get(leaf, []))
        detail = f"{filled} {'is' if len(where) == 1 else 'are'} met without it" + (", with the study still to add" if by_additions else "")
    else:
        detail = "it would not reduce the study that remains"  # what the decision's optimum says, and all it says
    return GrantNotUsed(it.key, it.credits, granted, RefusalReason.NOT_NEEDED, detail)


def _met_by_choice(p: Problem, ev: Evaluation, choice: Choice, leaf: int) -> bool:
    """Whether the node a leaf reports under is met by the choice: as it stands, or by the completion's additions."""
    node = p.nodes[leaf]
    shown = next((n for n in (node, *node.ancestors()) if n.id is not None), node)
    if ev.status.get(shown.index) in ("met", "met_pending", "exempt", "waived"):
        return True
    return choice.completion and bool(ev.added.get(shown.index))


NOT_DECIDED = "not decided within the time limit"


def _missing(p: Problem, choice: Choice, ev: Evaluation, indeterminate: bool) -> tuple[Missing, ...]:
    entries = _missing_entries(p, choice, ev, indeterminate)
    if indeterminate or not entries or not p.unflipped or not p.with_additions:
        return entries
    # a `holds` condition study could change: what is still needed leaves it as it stands (decide/conditions.py)
    notes = []
    for node, _, text in p.unflipped:
        if node.id is None:
            continue
        change = "add it to" if node.index in p.aside else "take it out of"
        notes.append(
            Missing(
                node.id, None, (), f"`{node.id}` {text}: what is still needed leaves that as it stands (study that makes it so would {change} the requirements)"
            )
        )
    return (*entries, *notes)


def _none_completes(p: Problem, ev: Evaluation) -> str:
    """Why no catalogue completion exists when no one requirement is to blame: the target's limits, its total, or both."""
    top, unit = p.top, _unit(p)
    limits = any(n.limits for n in top.walk())
    if top.min_total is not None and not limits and top.children and all(ev.status[c.index] in MET_LIKE for c in top.children):
        # every requirement is met, only the credit total is not: the requirements take nothing more that would count
        return f"the requirements are met, but no catalogue credential they accept would bring the credit counted to the total of {fmt(top.min_total)} {unit}"
    said = (
        ["the requirements"] + (["its limits"] if limits else []) + ([f"its credit total of {fmt(top.min_total)} {unit}"] if top.min_total is not None else [])
    )
    if len(said) == 1:
        return "no set of catalogue credentials meets the requirements"
    return f"no set of catalogue credentials meets {', '.join(said[:-1])} and {said[-1]} together"


def _missing_entries(p: Problem, choice: Choice, ev: Evaluation, indeterminate: bool) -> tuple[Missing, ...]:
    if indeterminate:
        return (Missing(p.version.id, None, (), f"{NOT_DECIDED}: what is still needed is not known"),)
    top = p.top
    if not choice.completion:
        out = []
        bottom = {n.index for n in _unmet_at_bottom(p, ev)}
        for n in top.walk():
            if ev.status[n.index] == "pending_approval" and n.id is not None:
                out.append(Missing(n.id, None, (), f"waiting for approval: {p.settled_why.get(n.index, 'an approval')}"))
            elif n.unavailable is not None and ev.status[n.index] == "not_met":
                out.append(Missing(nearest_id(n, p), None, (), n.unavailable))  # a nested qualification not in force
            elif n.index in bottom and n.id is not None:  # (nodes in `bottom` have an id)
                why = _why(p, n, ev)
                said = f" ({why})" if why else ""
                alone = choice.alone.get(n.index, False) if p.with_additions else False
                if alone:
                    # this node alone can be completed (proven): what cannot is the target as a whole (another node, a limit)
                    text = f"`{n.id}` could be completed on its own from the catalogue, but not together with the rest of the target{said}"
                elif alone is None:
                    text = f"`{n.id}` is not met; whether it could be completed from the catalogue was {NOT_DECIDED}{said}"
                else:
                    where = f"the catalogue of `{p.version.provider}`" if p.version.provider else "the catalogues of the rule base"
                    if n.index in choice.conditioned:
                        said = f" ({_conditions_reason(choice.conditioned[n.index])})"
                    elif not why and p.with_additions and might_complete(p, n, additions=True):
                        # enough matches it by count and credit: what rules a completion out is a limit or a constraint
                        lims = sorted({lim.id or lim.kind for m in n.walk() for lim in m.limits})
                        named = ", ".join(f"`{x}`" for x in lims)
                        said = (
                            f" (enough credentials match it, but no set of them meets its limit{'s' if len(lims) > 1 else ''} {named})"
                            if lims
                            else " (enough credentials match it, but no set of them meets it without breaking a rule between them, such as `incompatible` or a repeat bound)"
                        )
                    text = f"`{n.id}` cannot be completed from {where}{said}"
                out.append(Missing(n.id, None, (), text))
        # what rules a completion out first: a node whose parts can each be completed, but not together
        out = [_blocked(p, n, choice.blocked_by[n.index], choice.conditioned.get(n.index, ())) for n in top.walk() if n.index in choice.blocked_by] + out
        return tuple(out) or (Missing(p.version.id, None, (), _none_completes(p, ev)),)
    unit = _unit(p)
    credits: dict[str, Fraction] = {}
    credentials: dict[str, list[str]] = {}
    parts: dict[str, list[str]] = {}
    shared: dict[int, list[str]] = {}  # an added item -> the nodes it is reported under (shares_with)
    beyond: dict[str, Fraction] = {}  # added credit a pool claims beyond its own need, by the node whose total needs it

    def put(nid: str, amount: Fraction, text: str) -> None:
        credits[nid] = credits.get(nid, Fraction(0)) + amount
        parts.setdefault(nid, []).append(text)

    records: dict[str, int] = {}  # records (no credit) still needed: said as counts, never as "0 credits"
    needed: dict[int, set[int]] = {}  # addition -> the leaves that report it as their own need
    surplus: list[tuple[str, int, int, Fraction]] = []  # (owner, leaf, addition, credit) a pool claims beyond its need
    charged: dict[int, tuple[int, str]] = {}  # addition -> (its copies whose credit an entry carries, the first such node)

    again_keys: list[str] = []  # the additions the last charge found carried by another entry, by key

    def charge(nid: str, copies: list[Item]) -> tuple[Fraction, list[str]]:
        """The credit of ``copies`` not yet carried by another entry (one shared addition counts once, so the
        entries add up to `remaining`), and the nodes that carry the rest (their keys: ``again_keys``)."""
        new, elsewhere = Fraction(0), []
        again_keys.clear()
        for i, k in Counter(it.index for it in copies).items():
            done, first = charged.get(i, (0, nid))
            fresh = max(0, min(k, p.items[i].multiplicity - done))  # copies beyond the item's own are shared ones
            new += p.items[i].credits * fresh
            if fresh < k:
                elsewhere.append(first)
                again_keys.extend([p.items[i].key] * (k - fresh))
            charged[i] = (done + fresh, first)
        return new, sorted(set(elsewhere))

    room_of: dict[tuple[int, int], tuple[Fraction, Fraction, bool]] = {}  # each maximum limit's room (less the units named), shared demand, room before them
    for leaf in top.leaves():
        adds = [(p.items[i], k) for i, k in choice.claims.get(leaf.index, []) if p.items[i].origin == "addition"]
        if not adds:
            continue
        nid = nearest_id(leaf, p)
        credentials.setdefault(nid, [])
        records[nid] = records.get(nid, 0) + sum(k for it, k in adds if it.attrs.type == "record")
        if leaf.kind == "credential":
            for it, k in adds:
                new, elsewhere = charge(nid, [it] * k)
                again = f" (already named under {' and '.join(elsewhere)})" if elsewhere else ""
                put(nid, new, f"{it.key} {it.attrs.title or ''}".strip() + again)
                credentials[nid].append(it.key)
                shared.setdefault(it.index, []).append(nid)
                needed.setdefault(it.index, set()).add(leaf.index)
            continue
        mine, mine_items, extras = _pool_share(p, leaf, choice, adds)
        for it in mine_items:
            needed.setdefault(it.index, set()).add(leaf.index)
        new, elsewhere = charge(nid, mine_items)
        # said right after what it qualifies (before the pool's own limits, which then read as limits of the whole)
        if leaf.count is not None and leaf.credits is None:
            # a count pool says how many, in its own words, and which (never credit of a count)
            n_again = len(again_keys)
            under = f", {n_again} of them already named under {' and '.join(elsewhere)} ({', '.join(sorted(again_keys))})" if n_again else ""
        else:
            where = " and ".join(elsewhere)
            # the heading carries only what is new here (the entries add up to `remaining`): said so
            under = (
                ""
                if mine <= new
                else (
                    f", all of it already named under {where}"
                    if not new
                    else f", {q(mine - new)} {unit} of it already named under {where}, so {q(new)} {unit} new here"
                )
            )
        # a filter only one catalogue credential fits (`subject: MUSC, number: 98`) is said by that credential's name
        only = _only_fit(p, leaf.index)
        named = f": {only} {p.rb.credentials[only].title}".rstrip() if only is not None and only in p.rb.credentials else ""
        if leaf.count is not None and leaf.credits is None:
            # a count in its own words, never as credit (section 17)
            have = sum(k for i, k in choice.claims.get(leaf.index, []) if p.items[i].origin != "addition")
            k = max(0, min(sum(m for _, m in adds), leaf.count - have))
            if k:
                noun = "record" if all(it.attrs.type == "record" for it, _ in adds) else "credential"
                put(
                    nid,
                    new,
                    f"{k} more {noun}{'' if k == 1 else 's'} {_filter_text(leaf, p.as_of)}{named}{under}{_short_limits(p, ev, leaf, mine_items, unit)}"
                    + _full_maximums(p, choice, leaf, unit, Fraction(k), room_of, counted=True),
                )
        elif mine:
            put(
                nid,
                new,
                f"{q(mine)} {unit} more {_filter_text(leaf, p.as_of)}{named}{under}{_overshoot(p, leaf, choice, mine, unit)}"
                f"{_short_limits(p, ev, leaf, mine_items, unit)}" + _full_maximums(p, choice, leaf, unit, mine, room_of),
            )
        for it, _ in adds:
            shared.setdefault(it.index, []).append(nid)
        surplus.extend((_total_owner(leaf, p), leaf.index, it.index, it.credits) for it in extras)
    # a surplus copy another node needs is reported there, once (shares_with: one copy claimed twice); copies of a
    # merged group that are claimed apart (no more claims than copies) are distinct study, each reported
    claimed_copies: dict[int, int] = {}
    for leaf_claims in choice.claims.values():
        for i, k in leaf_claims:
            if p.items[i].origin == "addition":
                claimed_copies[i] = claimed_copies.get(i, 0) + k
    kept = [(owner, at, i, c) for owner, at, i, c in surplus if not needed.get(i, set()) - {at} or claimed_copies.get(i, 0) <= p.items[i].multiplicity]
    # an addition another node needs, claimed here too past this pool's need: the short minimum limits it serves
    # here are said with it (Ravi's CS4231 also lifts breadth-depth's level-4000 limit)
    also_serves: dict[int, list[str]] = {}
    reported = {(at, i) for _, at, i, _ in kept}
    for _, at, i, _ in surplus:
        if (at, i) in reported:
            continue
        leaf = p.nodes[at]
        on = _entry_nodes(leaf)
        for r in ev.limits:
            number = _limit_number(r)
            if r.status == "short" and not r.limit.is_max and r.node.index in on and number is not None and p.in_limit(r.node, number, i):
                also_serves.setdefault(i, []).append(f"in {nearest_id(leaf, p)} it also counts for limit `{r.limit.id or r.limit.kind}` ({_limit_words(p, r)})")
    for owner, _, _, c in kept:
        # an addition another node needs (shares_with) is reported there, once: not again as surplus
        beyond[owner] = beyond.get(owner, Fraction(0)) + c
    for owner, amount in sorted(beyond.items()):
        node = next((n for n in top.walk() if n.min_total is not None and nearest_id(n, p) == owner), top)
        after = total(it.credits for it in ev.claimed.get(node.index, [])) + _added(p, choice, node)
        if node.min_total is not None and after - amount < node.min_total:
            credentials.setdefault(owner, [])
            text = f"for the total of {q(node.min_total)} {unit} (beyond what each requirement needs)"
            under_node = sorted({i for leaf in node.leaves() for i in p.eligible.get(leaf.index, []) if p.items[i].origin == "addition"})
            capped = _maximums_over(p, choice, node, unit, under_node, amount, room_of)
            put(owner, amount, f"{q(amount)} {unit} more of any study a requirement accepts, {text}{capped}")
            continue
        # not for a total: for a minimum limit over the pool that claims it (a fourth distinct term of ensemble in a
        # pool whose credit is already there), said under that pool with its filter and the limits it serves
        by_leaf: dict[int, tuple[Fraction, list[int]]] = {}
        for o, at, i, c in kept:
            if o == owner:
                got, items = by_leaf.get(at, (Fraction(0), []))
                by_leaf[at] = (got + c, [*items, i])
        for at, (got, items) in sorted(by_leaf.items()):
            leaf = p.nodes[at]
            nid = nearest_id(leaf, p)
            credentials.setdefault(nid, [])
            serves, distinct = minimums_served(p, leaf, items)
            why = f"for {serves}" if serves else "for the limits"
            fresh = f" in a {distinct} not yet counted" if distinct else ""
            if leaf.count is not None and leaf.credits is None:
                # a count in its own words (section 17)
                noun = "record" if all(p.items[i].attrs.type == "record" for i in items) else "credential"
                more = f"{len(items)} more {noun}{'' if len(items) == 1 else 's'}"
            else:
                more = f"{q(got)} {unit} more"
            put(nid, got, f"{more} {_filter_text(leaf, p.as_of)}{fresh}, {why}, beyond the {_need_text(leaf, unit, items, p)} `{nid}` needs")
    _wider_limits(p, choice, ev, unit, put, credentials, parts)
    copies: dict[int, int] = {}
    for leaf_claims in choice.claims.values():
        for i, k in leaf_claims:
            if p.items[i].origin == "addition":
                copies[i] = copies.get(i, 0) + k
    for i, nids in sorted(shared.items()):
        it = p.items[i]
        twice = copies.get(i, 0) - it.multiplicity
        if twice > 0 and len(set(nids)) > 1:  # one added credential claimed by two nodes that share (shares_with)
            also = " and ".join(sorted(set(nids)))
            # said under the first of them that has an entry (one that needs nothing more has none)
            said_under = next((nid for nid in nids if nid in parts), None)
            if said_under is not None:
                parts[said_under].append(
                    f"{it.key} ({q(it.credits * twice)} {unit}) counts in both {also}, which may share it; it counts once in the study remaining"
                    + "".join(f"; {x}" for x in also_serves.get(i, []))
                )
    for n in top.walk():  # sign-offs still to come: nothing to add from the catalogue, an approval to obtain
        if ev.status.get(n.index) == "pending_approval" and n.id is not None and n.id not in credits and not _signed_around(p, n, choice):
            credits[n.id] = Fraction(0)
            credentials[n.id] = []
            parts[n.id] = [f"waiting for approval: {p.settled_why.get(n.index, 'an approval')}"]
    _choices_said(p, ev, parts)
    return tuple(Missing(nid, credits[nid], tuple(sorted(credentials[nid])), "; ".join(parts[nid]), records.get(nid, 0)) for nid in credits)


def _signed_around(p: Problem, n: CNode, choice: Choice) -> bool:
    """Whether sign-off ``n`` sits in a choice (`any`, `at_least`) that the completion meets through other branches with
    no sign-off to come: then it is not needed, and "Still needed" does not send the learner after it."""
    below = n
    for a in n.ancestors():
        if a.kind in ("any", "at_least"):
            others = sum(1 for c in a.children if c is not below and met_without_sign_offs(p, c, choice))
            if others >= semantics.threshold(a):
                return True
        below = a
    return False


def _choices_said(p: Problem, ev: Evaluation, parts: dict[str, list[str]]) -> None:
    """An entry inside a choice not yet made (a child of an `any` or `at_least`, such as one major of two) names the
    choices: the completion takes the one with which the target needs the least study, and the learner may take another."""
    named = {n.id: n for n in p.top.walk() if n.id is not None}
    for nid, texts in parts.items():
        n = named.get(nid)
        while n is not None and n.parent is not None:
            a = n.parent
            if a.kind in ("any", "at_least"):
                k = semantics.threshold(a)
                # the choices open to this learner: one that does not apply (`when` / `unless`) is none
                open_ = [c for c in a.children if ev.status.get(c.index) != "not_applicable"]
                names = [_choice_name(c) for c in open_]
                if ev.status.get(a.index) == "not_met" and len(open_) > k and all(names):
                    among = ", ".join(f"`{x}`" for x in names)
                    mine = _choice_name(n)
                    which = "" if mine == nid else f"part of `{mine}`, "
                    texts.append(f"{which}chosen for `{nearest_id(a, p)}` (any {'one' if k == 1 else k} of {among}): with it the target needs the least study")
                break
            n = a


def _choice_name(c: CNode) -> str | None:
    """How a choice is named: its id, or a nested qualification's own id (`{qualification: v:G1}` expands to a group
    without an id over the qualification's tree)."""
    while c.id is None and c.nested is None and len(c.children) == 1:
        c = c.children[0]
    return c.nested or c.id


def _overshoot(p: Problem, leaf: CNode, choice: Choice, mine: Fraction, unit: str) -> str:
    """A credit pool whose own additions (``mine``) pass its need (an indivisible unit larger than what is left):
    how much of it is beyond, and what it counts for then ("; 6 t-cp of it beyond the 6 t-cp `free` still needs,
    which counts towards the total of 42 t-cp")."""
    if leaf.credits is None:
        return ""
    held = sum((p.items[i].credits * k for i, k in choice.claims.get(leaf.index, []) if p.items[i].origin != "addition"), Fraction(0))
    left = max(leaf.credits - held, Fraction(0))
    if mine <= left:
        return ""
    total_node = next((a for a in (leaf, *leaf.ancestors()) if a.min_total is not None), None)
    serves = f", which counts towards the total of {q(total_node.min_total)} {unit}" if total_node is not None and total_node.min_total is not None else ""
    return f", {q(mine - left)} {unit} of it beyond the {q(left)} {unit} `{nearest_id(leaf, p)}` still needs{serves}"


def _pool_share(p: Problem, leaf: CNode, choice: Choice, adds: list[tuple[Item, int]]) -> tuple[Fraction, list[Item], list[Item]]:
    """How much of a pool's added credit the pool itself needs, those added copies, and the copies it claims beyond that.

    A pool claims more than it needs only when something above it needs more
    (a total, a limit): that surplus is reported there, not as the pool's.
    """
    claims = choice.claims.get(leaf.index, [])
    held = [(p.items[i], k) for i, k in claims if p.items[i].origin != "addition"]
    have_credit = sum((it.credits * k for it, k in held), Fraction(0))
    have_count = sum(k for _, k in held)
    copies = sorted(((it, it.credits) for it, k in adds for _ in range(k)), key=lambda x: (-x[1], x[0].key))
    mine = Fraction(0)
    mine_items: list[Item] = []
    extra: list[Item] = []
    for it, c in copies:
        if leaf.credits is not None:
            short = have_credit < leaf.credits
        else:
            short = have_count < (leaf.count or 0)
        if short:
            mine += c
            mine_items.append(it)
        else:
            extra.append(it)
        have_credit += c
        have_count += 1
    return mine, mine_items, extra


def _added(p: Problem, choice: Choice, node: CNode) -> Fraction:
    """The credit of the distinct additions claimed in ``node``'s subtree."""
    seen: dict[int, int] = {}
    for leaf in node.leaves():
        for i, k in choice.claims.get(leaf.index, []):
            if p.items[i].origin == "addition":
                seen[i] = seen.get(i, 0) + k
    return sum((p.items[i].credits * min(k, p.items[i].multiplicity) for i, k in seen.items()), Fraction(0))


def minimums_served(p: Problem, leaf: CNode, items: list[int], choice: Choice | None = None) -> tuple[str, str | None]:
    """The minimum limits on ``leaf`` or above it that count some of ``items``, in words ("limit `x` (at least 4
    distinct terms)"), and what a distinct-values one among them counts ("term"), if any. With ``choice``, a limit the
    rest of the choice meets without ``items`` is not one they serve (Dana's residency, met by her own 66 of 48), of
    whatever kind; a grade average is served by none of them when none has a grade."""
    said: list[str] = []
    distinct: str | None = None
    for n in (leaf, *leaf.ancestors()):
        for k, lim in enumerate(n.limits):
            if lim.is_max or not any(p.in_limit(n, k, i) for i in items):
                continue
            if lim.kind == "min_gpa" and all(p.items[i].points is None for i in items):
                continue  # study without a grade (still to add) is outside a grade average: it serves none
            if choice is not None and limit_value_without(p, n, k, choice, items) >= lim.bound:
                continue
            if lim.kind == "min_distinct":
                words = f"at least {q(lim.bound)} distinct {lim.of}s"
                distinct = distinct or lim.of
            elif lim.kind == "min_gpa":
                words = f"a GPA of at least {q(lim.bound)}"
            elif lim.kind == "min_count":
                words = f"at least {q(lim.bound)} credentials"
            else:
                words = f"at least {q(lim.bound)} {_unit(p)}"
            said.append(f"limit `{lim.id or lim.kind}` ({words})")
    return " and ".join(said), distinct


def _limit_words(p: Problem, r: CheckedLimit) -> str:
    """A short minimum limit's need and value, in words ("at least 12 nus-mc; what is counted 8")."""
    lim = r.limit
    of = f" {filter_text(lim.where)}" if lim.where is not None else ""
    if lim.kind == "min_distinct":
        return f"at least {q(lim.bound)} distinct {lim.of}s{of}; {q(r.value)} now"
    if lim.kind == "min_count":
        return f"at least {q(lim.bound)} credentials{of}; {q(r.value)} now"
    if lim.kind == "min_gpa":
        return f"a GPA of at least {q(lim.bound)}; {q(r.value)} now"
    return f"at least {q(lim.bound)} {_unit(p)}{of}; {q(r.value)} now"


def _entry_nodes(leaf: CNode) -> set[int]:
    """The nodes a "Still needed" entry speaks for: the leaf, up to its nearest node with an id."""
    out = {leaf.index}
    a = leaf
    while a.id is None and a.parent is not None:
        a = a.parent
        out.add(a.index)
    return out


def _limit_number(r: CheckedLimit) -> int | None:
    """The position of a checked limit among its node's compiled limits (the checker reads its own copy of each)."""
    return next((j for j, other in enumerate(r.node.limits) if other == r.limit), None)


def _short_limits(p: Problem, ev: Evaluation, leaf: CNode, items: list[Item], unit: str) -> str:
    """What the minimum limits over ``leaf`` that the holdings leave short ask of its additions ("; at least 1 of them
    tagged x, for limit `y`"), so that "Still needed" never reads as if any study the pool accepts would do."""
    said: list[str] = []
    # the limits of this entry's own node: a limit higher up spans several entries and is said once (_wider_limits)
    on_path = _entry_nodes(leaf)
    for r in ev.limits:
        lim = r.limit
        if r.status != "short" or lim.is_max or r.node.index not in on_path:
            continue
        k = _limit_number(r)
        if k is None or not any(p.in_limit(r.node, k, it.index) for it in items):
            continue
        gap = lim.bound - r.value
        of = f" {filter_text(lim.where)}" if lim.where is not None else ""
        name = f"limit `{lim.id or lim.kind}`"
        if lim.kind == "min_count":
            said.append(f"it must be{of}, for {name}" if len(items) == 1 else f"at least {q(gap)} of them{of}, for {name}")
        elif lim.kind == "min_credits":
            said.append(f"at least {q(gap)} {unit} of it{of}, for {name}")
        elif lim.kind == "min_distinct":
            if gap == 1:
                said.append(f"in a {lim.of}{of} not yet counted, for {name}")
            else:
                said.append(f"in at least {q(gap)} more distinct {lim.of}s{of} in all, for {name}")
        else:
            said.append(f"enough for {name} ({lim.kind.replace('_', ' ')} {q(lim.bound)})")
    return "".join(f"; {x}" for x in said)


def _full_maximums(
    p: Problem, choice: Choice, leaf: CNode, unit: str, amount: Fraction, seen: dict[tuple[int, int], tuple[Fraction, Fraction, bool]], counted: bool = False
) -> str:
    """(see _maximums_over) for a pool's entry (``counted``: it asks for a number of credentials, not credit)"""
    candidates = [i for i in p.eligible.get(leaf.index, []) if p.items[i].origin == "addition"]
    return _maximums_over(p, choice, leaf, unit, candidates, amount, seen, counted)


def _maximums_over(
    p: Problem,
    choice: Choice,
    leaf: CNode,
    unit: str,
    candidates: list[int],
    amount: Fraction,
    seen: dict[tuple[int, int], tuple[Fraction, Fraction, bool]],
    counted: bool = False,
) -> str:
    """What the maximum limits over an entry (``leaf`` and the nodes above it) leave of the ``amount`` it asks for,
    where its candidates include study the limit counts: "; none of it level 1: limit `first-year-cap` (at most 60
    exu-cp level 1) is full" when what the learner has already fills it, "; at most 18 exu-cp more level 1 in all,
    for limit ..." when the room left is less than the entry, or all the entries under the limit that could take
    such study, add (the room is shared). Following "Still needed" then never breaks a maximum. ``seen``: each
    limit's room and shared demand, worked out once per audit record."""
    said: list[str] = []
    for n in (leaf, *leaf.ancestors()):
        for k, lim in enumerate(n.limits):
            if not lim.is_max or lim.where is None or lim.kind not in ("max_credits", "max_count"):
                continue
            if not any(p.in_limit(n, k, i) for i in candidates):
                continue
            if (n.index, k) not in seen:
                by_credit = lim.kind == "max_credits"
                demand = Fraction(0)  # what the other entries under it add, in the limit's unit
                # the units named for credential leaves under it: item -> copies (a unit two leaves share is one unit,
                # as the limit counts it)
                named: dict[int, int] = {}
                for other in n.leaves():
                    adds = [(i, c) for i, c in choice.claims.get(other.index, []) if p.items[i].origin == "addition"]
                    if other.kind == "credential":
                        for i, c in adds:
                            if p.in_limit(n, k, i):
                                named[i] = max(named.get(i, 0), c)
                    elif adds and any(p.in_limit(n, k, i) for i in p.eligible.get(other.index, []) if p.items[i].origin == "addition"):
                        demand += sum((p.items[i].credits * c if by_credit else Fraction(c) for i, c in adds), Fraction(0))
                taken = sum((p.items[i].credits * c if by_credit else Fraction(c) for i, c in named.items()), Fraction(0))
                held = lim.bound - held_limit_value(p, n, k, choice)
                seen[(n.index, k)] = (held - taken, demand, held > 0)
            room, demand, open_before = seen[(n.index, k)]
            of = filter_text(lim.where)
            bound = f"{q(lim.bound)} {unit}" if lim.kind == "max_credits" else q(lim.bound)
            name = f"limit `{lim.id or lim.kind}` (at most {bound} {of})"
            if room <= 0:
                # full with what the learner has, or once the units named above (still to add) count too
                full = "is full" if not open_before else "is full once the units named above count"
                said.append(f"{'not' if counted else 'none of it'} {of}: {name} {full}")
            elif lim.kind == "max_credits" and not counted and room < max(amount, demand):
                said.append(f"at most {q(room)} {unit} more {of} in all, for {name}")
            elif lim.kind == "max_count" and room < max(amount if counted else Fraction(1), demand):
                # a count: however much credit the entry asks, no more than this many such credentials
                said.append(f"at most {q(room)} more credential{'s' * (room != 1)} {of} in all, for {name}")
    return "".join(f"; {x}" for x in said)


def _wider_limits(
    p: Problem,
    choice: Choice,
    ev: Evaluation,
    unit: str,
    put: Callable[[str, Fraction, str], None],
    credentials: dict[str, list[str]],
    entries: Mapping[str, object],
) -> None:
    """What a minimum limit over several entries (the whole degree's "at least 36 cp at level 3") asks of the study
    still to be added beyond the units named: said once, under the limit's node, with no credit of its own (the
    entries above carry it), so that following "Still needed" line by line meets the limit too."""
    own_nodes = {i for leaf in p.top.leaves() for i in _entry_nodes(leaf)}  # their limits are said in their entries
    for r in ev.limits:
        lim = r.limit
        if r.status != "short" or lim.is_max or lim.kind not in ("min_credits", "min_count") or r.node.index in own_nodes:
            continue
        k = _limit_number(r)
        if k is None:
            continue
        named, pools = Fraction(0), set()
        for leaf in r.node.leaves():
            for i, c in choice.claims.get(leaf.index, []):
                it = p.items[i]
                if it.origin != "addition" or not p.in_limit(r.node, k, i):
                    continue
                if leaf.kind == "credential":
                    named += it.credits * c if lim.kind == "min_credits" else c
                else:
                    pools.add(nearest_id(leaf, p))
        rest = lim.bound - r.value - named
        if rest <= 0 or not pools:
            continue  # the units named above meet it (or nothing pooled counts for it)
        nid = nearest_id(r.node, p)
        # every entry of "Still needed" whose pool could take such study (a catalogue credential it accepts that the
        # limit counts), not only those the completion happened to put it in: "can take it" is said of all of them. A
        # pool already met has no entry of its own (this limit's node carries what a total needs past the pools)
        pools = {
            name
            for leaf in r.node.leaves()
            if leaf.kind == "pool"
            and ev.status.get(leaf.index) not in MET_LIKE  # a pool already full asks for nothing (its entry is for others)
            and (name := nearest_id(leaf, p)) in entries
            and name != nid
            and any(p.items[i].origin == "addition" and p.in_limit(r.node, k, i) for i in p.eligible.get(leaf.index, []))
        }
        credentials.setdefault(nid, [])
        amount = f"{q(rest)} {unit}" if lim.kind == "min_credits" else f"{q(rest)} credential{'' if rest == 1 else 's'}"
        of = f" {filter_text(lim.where)}" if lim.where is not None else ""
        held = f"what is held counts {q(r.value)}" + (f", the units named above {q(named)}" if named else "")
        bound = f"{q(lim.bound)} {unit}" if lim.kind == "min_credits" else q(lim.bound)
        put(
            nid,
            Fraction(0),
            # the limit counts new study wherever it goes; the entries named are where the cheapest completion puts it
            f"of the study still to add, at least {amount}{of} ("
            + (f"the {'entry' if len(pools) == 1 else 'entries'} for {', '.join(sorted(pools))} above can take it" if pools else "the study above can take it")
            + "),"
            f" for limit `{lim.id or lim.kind}` (at least {bound}; {held})",
        )


def _need_text(leaf: CNode, unit: str, items: list[int], p: Problem) -> str:
    """A pool's own need in its own words: credit, or a count of credentials (of records, when records fill it)."""
    if leaf.credits is not None:
        return f"{q(leaf.credits)} {unit}"
    noun = "record" if items and all(p.items[i].attrs.type == "record" for i in items) else "credential"
    if leaf.count is not None:
        return f"{leaf.count} {noun}{'' if leaf.count == 1 else 's'}"
    return noun


def _total_owner(leaf: CNode, p: Problem) -> str:
    """The node whose own total a pool's surplus serves: the nearest enclosing qualification total, else the target."""
    for a in leaf.ancestors():
        if a.min_total is not None:
            return nearest_id(a, p)
    return p.version.id


def _on_credit(f: Filter | None) -> bool:
    return f is not None and any(t.attr == "source" and t.value == "credit" for t in f.terms)


_PRECEDENCE = list(RefusalReason)  # section 16: when several reasons hold, the first


def _refusals(p: Problem, choice: Choice, ev: Evaluation, fed: dict[int, int], claimed: set[int], indeterminate: bool = False) -> tuple[Refusal, ...]:
    """Everything a rule could have credited that the choice does not use, each with its first reason (section 16).

    ``indeterminate`` (the solve ran out of time): only the refusals that hold whatever the choice (a condition
    not met, a rule not in force, a policy default a specific rule overrides: ``p.refusals_static``) are made; whether the other sources are used, needed or over a cap is not
    known, and the audit says so of each (:func:`_unused`), never "not needed".
    """
    found: dict[tuple[str, str], tuple[RefusalReason, str]] = {}

    def refuse(rule_id: str, key: str, reason: RefusalReason, detail: str) -> None:
        have = found.get((rule_id, key))
        if have is None or _PRECEDENCE.index(reason) < _PRECEDENCE.index(have[0]):
            found[(rule_id, key)] = (reason, detail)

    rules = {r.id: r for r in p.rb.rules}
    for r in p.refusals_static:
        for key in r.sources:
            refuse(r.rule, key, RefusalReason(r.reason), r.detail)
    # a rule not in force on the day is refused as such, whatever else holds for its sources
    for rule_id, key in list(found):
        eff = rules[rule_id].doc.effective if rule_id in rules else None
        if eff is not None and not eff.contains(p.as_of):
            refuse(
                rule_id, key, RefusalReason.NOT_EFFECTIVE, f"in force from {eff.from_ or 'the start'} until {eff.until or 'further notice'}, not on {p.as_of}"
            )
    rules_seen: dict[str, set[int]] = {}
    grants_of: dict[str, list[int]] = {}
    app_of_rule: dict[str, int] = {}  # each rule's first application (its copies of `from` take the same sources)
    for app in p.apps if not indeterminate else ():
        app_of_rule.setdefault(app.rule.id, app.index)
        cands = rules_seen.setdefault(app.rule.id, set())
        grants_of.setdefault(app.rule.id, list(app.grants))
        for leaf in app.root.leaves():
            cands.update(p.source_eligible.get(leaf.index, []))
    used_rules = {p.apps[a].rule.id: a for a in choice.apps}
    met = ev.status.get(p.top.index) in ("met", "met_pending", "waived", "exempt")
    pairs = set(p.incompatible)
    clashing: dict[tuple[str, str], str] = {}  # (rule, source key) -> why its credit could not count
    for rule_id, cands in sorted(rules_seen.items()):
        # the rule's sources whose credit could not count (incompatible with study that counts): the others are
        # refused as not needed, but "would not reduce the study" is then said of the rule without them
        blocked = {
            i: why
            for i in cands
            if pairs
            and i not in fed
            and i not in claimed
            and (
                why := _cannot_count(p, i, grants_of.get(rule_id, []), claimed, fed, pairs)
                or _clashes_with_additions(p, choice, i, p.apps[app_of_rule[rule_id]].grants, pairs)
            )
        }
        without = ", ".join(f"`{p.items[i].key}`" for i in sorted(blocked, key=lambda i: p.items[i].key))
        elsewhere = _counted_elsewhere(p, rule_id, claimed, fed)  # what already counts the credentials it grants
        for i in sorted(cands, key=lambda i: p.items[i].key):
            key = p.items[i].key
            if i in fed and p.apps[fed[i]].rule.id == rule_id:
                continue
            if i in fed:
                other = p.apps[fed[i]].rule.id
                refuse(rule_id, key, RefusalReason.SOURCE_USED, f"`{key}` already earns credit under `{other}`")
            elif i in claimed:
                refuse(rule_id, key, RefusalReason.SOURCE_USED, f"`{key}` counts directly towards the target")
            elif p.items[i].holding is not None and (bound := _repeat_bound_reached(p, p.items[i], claimed, fed)) is not None:
                # a repeat past its credential's bound earns nothing: its allowance is used by the holdings that count
                times = "once" if bound == 1 else f"at most {bound} times"
                refuse(rule_id, key, RefusalReason.SOURCE_USED, f"`{p.items[i].credential}` counts {times}, and other holdings of it already count")
            elif (counting := _grants_count_already(p, grants_of.get(rule_id, []), elsewhere)) is not None:
                # before a cap: what it grants could not count even with room under every limit (section 16: `cap` only
                # when a limit that could count the grant is full)
                refuse(rule_id, key, RefusalReason.NOT_NEEDED, counting)
            elif (full := _full_limit(p, ev, _could_count(p, grants_of.get(rule_id, []), elsewhere))) is not None:
                refuse(rule_id, key, RefusalReason.CAP, full)
            elif i in blocked:
                # section 16 has no reason for this: `not_needed` is the reason it falls to, said as what it is
                refuse(rule_id, key, RefusalReason.NOT_NEEDED, blocked[i])
                clashing[(rule_id, key)] = blocked[i]
            elif rule_id in used_rules:
                refuse(rule_id, key, RefusalReason.NOT_NEEDED, "its other sources already earned the credit needed")
            elif met:
                refuse(rule_id, key, RefusalReason.NOT_NEEDED, "the target is complete without it")
            elif (short := _sources_short(p, app_of_rule[rule_id])) is not None:
                refuse(rule_id, key, RefusalReason.NOT_NEEDED, short)
            elif blocked:
                refuse(rule_id, key, RefusalReason.NOT_NEEDED, f"without {without}, whose credit could not count, it would not reduce the study that remains")
            else:
                refuse(rule_id, key, RefusalReason.NOT_NEEDED, "it would not reduce the study that remains")
    merged: dict[tuple[str, RefusalReason, str], list[str]] = {}
    for (rule_id, key), (reason, detail) in found.items():
        merged.setdefault((rule_id, reason, detail), []).append(key)
    return tuple(
        Refusal(
            rule,
            tuple(sorted(set(srcs))),
            reason,
            detail,
            str(rules[rule].loc) if rule in rules else None,
            INCOMPATIBLE_EXPLANATION if reason == RefusalReason.NOT_NEEDED and any(clashing.get((rule, k)) == detail for k in srcs) else None,
        )
        for (rule, reason, detail), srcs in sorted(merged.items())
    )


INCOMPATIBLE_EXPLANATION = "its credit could not count beside study it is incompatible with"


def _counted_elsewhere(p: Problem, rule_id: str, claimed: set[int], fed: Mapping[int, int]) -> dict[str, str | None]:
    """The credentials the choice already counts other than through rule ``rule_id``: held (None), or granted under
    another rule (its id) whose grant is claimed or feeds a rule of its own."""
    out: dict[str, str | None] = {
        p.items[g].credential: app.rule.id for app in p.apps if app.rule.id != rule_id for g in app.grants if g in claimed or g in fed
    }
    out.update((p.items[i].credential, None) for i in claimed if p.items[i].origin != "grant")
    return out


def _could_count(p: Problem, grants: list[int], elsewhere: Mapping[str, str | None]) -> list[int]:
    """Of a rule's grants, those that could count: not a credential (counted once) that something else already counts."""
    return [g for g in grants if p.items[g].credential not in elsewhere or semantics.repeat_bound(p.rb, p.items[g].credential) != 1]


def _grants_count_already(p: Problem, grants: list[int], elsewhere: Mapping[str, str | None]) -> str | None:
    """Why a rule whose every grant names a credential that already counts (the learner holds it, or another rule
    grants it: ``elsewhere``, :func:`_counted_elsewhere`) is not needed."""
    named = [p.items[g] for g in grants if p.items[g].credential in p.rb.credentials]
    if not named or len(named) != len(grants) or _could_count(p, grants, elsewhere):
        return None  # block credit (or nothing to grant), or a grant that could count: not this reason
    names = ", ".join(f"`{it.credential}`" for it in named)
    if all(elsewhere[it.credential] is None for it in named):
        return f"what it grants ({names}) already counts: the learner has it, and a credential counts once"
    how = ", ".join(
        f"`{it.credential}` is held" if (rule := elsewhere[it.credential]) is None else f"`{it.credential}` is granted under `{rule}`" for it in named
    )
    return f"what it grants already counts: {how}; a credential counts once"


def _sources_short(p: Problem, a: int) -> str | None:
    """Why application ``a``'s `from` could not be met even with every source the learner has that it accepts (a
    rule naming two micro-credentials, of which one is held), in words; None when those sources could meet it."""
    app = p.apps[a]

    def could(n: CNode) -> bool:
        if n.children:
            return semantics.group_met(n, (could(c) for c in n.children))
        took = [p.items[i] for i in p.source_eligible.get(n.index, [])]
        if n.kind == "pool":
            return semantics.pool_met(n, sum((it.credits * it.multiplicity for it in took), Fraction(0)), sum(it.multiplicity for it in took))
        if n.kind == "competencies":
            return semantics.competencies_met(n, (c for it in took for c in it.attrs.competencies))
        return bool(took)

    if could(app.root):
        return None
    lacking = sorted({leaf.credential for leaf in app.root.leaves() if leaf.kind == "credential" and leaf.credential and not p.source_eligible.get(leaf.index)})
    if lacking:
        held = {it.credential for it in p.items if it.origin in ("holding", "external")}
        names = ", ".join(f"`{c}`" for c in lacking)
        if not held.intersection(lacking):
            return f"the rule also needs {names}, which the learner does not have"
        return f"the rule also needs {names}, which the learner has, but not as the rule's conditions ask"
    return "the learner's sources it accepts are too few for it (its `from` asks for more)"


def _cannot_count(p: Problem, i: int, grants: list[int], claimed: set[int], fed: dict[int, int], pairs: set[tuple[int, int]]) -> str | None:
    """Why a rule's credit from source ``i`` could not count: the source, or what the rule grants, is `incompatible`
    with an item that counts (claimed, or fed to another application); None when neither is."""
    for it in [p.items[i], *(p.items[g] for g in grants)]:
        clash = _clashes(p, it, claimed, fed, pairs)
        if clash:
            what = f"`{it.key}`" if it.index == i else f"what it grants (`{it.credential}`)"
            return f"{what} is incompatible with {', '.join(f'`{c}`' for c in clash)}, which counts"
    return None


def _clashes_with_additions(p: Problem, choice: Choice, i: int, grants: list[int], pairs: set[tuple[int, int]]) -> str | None:
    """Why a rule's source ``i`` is left out beside the completion's study: it, or what the rule grants, is
    `incompatible` with an addition the completion claims (the two could not both count; a source may still feed
    the rule that grants the very credential it overlaps, as the model allows), named with where that addition
    counts; None when it is not (or the choice has no completion)."""
    if not choice.completion or not pairs:
        return None
    granting = {p.items[g].credential for g in grants}
    added = {j: leaf for leaf, claims in choice.claims.items() for j, _ in claims if p.items[j].origin == "addition" and p.items[j].credential not in granting}
    for it in [p.items[i], *(p.items[g] for g in grants)]:
        clash = sorted((p.items[j].credential, nearest_id(p.nodes[leaf], p)) for j, leaf in added.items() if (min(it.index, j), max(it.index, j)) in pairs)
        if clash:
            what = f"`{it.key}`" if it.index == i else f"what it grants (`{it.credential}`)"
            names = ", ".join(f"`{c}` (for `{where}`)" for c, where in clash)
            return (
                f"{what} is incompatible with {names}, which the study still to add takes: the two cannot both count,"
                " and using it would leave that requirement needing other study"
            )
    return None


def _full_limit(p: Problem, ev: Evaluation, grants: list[int], choice: Choice | None = None) -> str | None:
    """Why a maximum leaves no room for a rule's grant, or None (section 16's `cap`).

    Only a limit that could count the grant: its node's subtree has a leaf
    that accepts the granted credit, its ``where`` matches it, and adding the
    (indivisible) grant would pass its bound. With ``choice``, what its
    completion adds under the limit takes room too (a grant the choice does
    not count, though its rule applies: :func:`_grant_not_used`).
    """
    if not grants:
        return None
    for r in ev.limits:
        if not r.limit.is_max or r.limit.kind not in ("max_credits", "max_count"):
            continue
        by_count = r.limit.kind == "max_count"
        leaves = [leaf.index for leaf in r.node.leaves()]
        where, matcher = r.limit.where, Matcher(p.rb, r.node.target_fields)
        counted = [g for g in grants if any(g in p.eligible.get(leaf, ()) for leaf in leaves) and (where is None or matcher.match(where, p.items[g].attrs))]
        if not counted:
            continue
        more = Fraction(len(counted)) if by_count else total(p.items[g].credits for g in counted)
        claims = choice.claims if choice is not None else {}
        copies: dict[int, int] = {}  # additions the completion claims under the limit (a unit two leaves share, once)
        for leaf in leaves:
            for i, k in claims.get(leaf, []):
                if p.items[i].origin == "addition" and (where is None or matcher.match(where, p.items[i].attrs)):
                    copies[i] = max(copies.get(i, 0), k)
        added = sum((Fraction(k) if by_count else p.items[i].credits * k for i, k in copies.items()), Fraction(0))
        if r.value + added + more > r.limit.bound:
            name = r.limit.id or r.limit.kind
            unit = "" if by_count else f" {p.version.system}"
            if added:
                return f"limit `{name}` has no room for it once the study still to add counts ({q(r.value)} counted and {q(added)} to add, of at most {q(r.limit.bound)}{unit})"
            return f"limit `{name}` leaves no room for {q(more)}{unit} more ({q(r.value)} of at most {q(r.limit.bound)})"
    return None


def _limit_keeps_out(p: Problem, ev: Evaluation, it: Item, choice: Choice) -> str | None:
    """The limit that keeps a holding the choice leaves out from counting, in words, or None: a maximum with no room
    for it (:func:`_full_limit`), or a minimum grade average it would bring under its bound (a holding graded below
    the average counts only where enough other graded study lifts it, and study still to add has no grade yet)."""
    full = _full_limit(p, ev, [it.index], choice)
    if full is not None:
        return full
    if it.points is None:
        return None
    for r in ev.limits:
        if r.limit.kind != "min_gpa" or not any(it.index in p.eligible.get(leaf.index, ()) for leaf in r.node.leaves()):
            continue
        if not p.in_limit(r.node, r.number, it.index):
            continue
        lowered = limit_value_with(p, r.node, r.number, choice, it.index)
        if lowered < r.limit.bound:
            name = r.limit.id or r.limit.kind
            return (
                f"counting it would bring the grade average of limit `{name}` to {_below(lowered)}, under its minimum of "
                f"{q(r.limit.bound)} (study still to add has no grade to lift it)"
            )
    return None


MET_LIKE = ("met", "met_pending", "waived", "exempt", "not_applicable")


def _not_needed(p: Problem, ev: Evaluation, it: Item) -> str:
    """Why a holding that requirements accept, no limit keeps out, and the choice leaves out is not needed, as far as
    can be said of the decision: the requirements that would take it are met, or met above it (another choice of an
    `any`), or a competencies requirement that cannot be met (one counts as progress only once met)."""
    taking = [p.nodes[leaf] for leaf, items in sorted(p.eligible.items()) if it.index in items]
    unmet = [leaf for leaf in taking if ev.status.get(leaf.index) not in MET_LIKE]
    if not unmet:
        return "not needed: the requirements it could fill are complete"
    above: list[str] = []
    stuck: list[CNode] = []
    for leaf in unmet:
        met = next((a for a in leaf.ancestors() if ev.status.get(a.index) in MET_LIKE), None)
        if met is None:
            stuck.append(leaf)
        elif (name := nearest_id(met, p)) not in above:
            above.append(name)
    if not stuck:
        return "not needed: " + ", ".join(f"`{a}`" for a in above) + (" is" if len(above) == 1 else " are") + " met without it"
    if all(leaf.kind == "competencies" for leaf in stuck):
        names = ", ".join(sorted({f"`{nearest_id(leaf, p)}`" for leaf in stuck}))
        return f"not counted: {names} would take it, but is not met, and a competencies requirement counts as progress only once it is met"
    return "not needed: the requirements it could fill are complete, or a limit leaves no room"


def _below(x: Fraction) -> str:
    """A value short of a bound, written out: exact when two decimal places say it, else rounded down (never shown
    at the bound it falls short of)."""
    hundredths = x * 100
    if hundredths.denominator == 1:
        return fmt(x)
    down = math.floor(hundredths)
    return f"about {down // 100}.{down % 100:02d}"


def _waived_taker(p: Problem, it: Item) -> str | None:
    """The waived requirement whose leaves would take ``it`` (by what it is), named, if any: a waiver takes its node
    out of the tree, so nothing there accepts a holding, yet "no requirement accepts it" would not be true."""
    for i in sorted(p.waived):
        n = p.nodes[i]
        for leaf in n.leaves():
            if leaf_accepts_static(p.rb, leaf, it.attrs, Matcher(p.rb, leaf.target_fields), it.credential):
                return f"`{nearest_id(n, p)}`"
    return None


def _condition_failed(p: Problem, it: Item) -> str | None:
    """A condition that keeps a holding out of a leaf that would otherwise take it: `condition: grade D below CR in core`."""
    for leaf in p.top.leaves():
        if leaf.index not in p.eligible or not leaf_accepts_static(p.rb, leaf, it.attrs, Matcher(p.rb, leaf.target_fields), it.credential):
            continue
        if semantics.conditions(p.rb, leaf, it.attrs, p.as_of):
            continue
        where = nearest_id(leaf, p)
        a = it.attrs
        if leaf.min_grade is not None and semantics.conditions(p.rb, replace(leaf, min_grade=None), a, p.as_of):
            if not a.grade:
                return f"condition: no grade is recorded, and `{where}` needs at least {leaf.min_grade}"
            return f"condition: grade {a.grade} below {leaf.min_grade} in `{where}`"
        return f"condition: awarded {a.awarded}, more than {q(leaf.within_years)} years before {p.as_of.isoformat()}, too old for `{where}`"
    return None


def _retaken_in(p: Problem, it: Item, choice: Choice) -> list[str]:
    """The nodes where the completion claims an addition of ``it``'s credential (a retake), if any."""
    out = []
    for leaf, claims in sorted(choice.claims.items()):
        if any(p.items[i].origin == "addition" and p.items[i].credential == it.credential for i, _ in claims):
            out.append(nearest_id(p.nodes[leaf], p))
    return sorted(set(out))


def _repeat_bound_reached(p: Problem, it: Item, claimed: set[int], fed: dict[int, int]) -> int | None:
    """The bound of a repeatable credential (section 17) that other holdings of it already fill, if so."""
    bound = semantics.repeat_bound(p.rb, it.credential)  # once, unless `repeatable` (two holdings of it count apart only then)
    used = sum(1 for other in p.items if other.credential == it.credential and other.holding is not None and (other.index in claimed or other.index in fed))
    return bound if used >= bound else None


def over_full(p: Problem, choice: Choice, apart: AbstractSet[int] = frozenset()) -> Fraction:
    """Counted credit (holdings and grants) past what its pools need: an indivisible grant into a pool already full.
    ``apart``: grants counted with what a plan adds (earned by study it adds), not with what the learner has."""
    out = Fraction(0)
    for leaf in p.top.leaves():
        if leaf.kind == "pool" and leaf.credits is not None:
            have = sum(
                (p.items[i].credits * k for i, k in choice.claims.get(leaf.index, []) if p.items[i].origin != "addition" and i not in apart), Fraction(0)
            )
            out += max(have - leaf.credits, Fraction(0))
    return out


def _past_pools(p: Problem, choice: Choice) -> tuple[Fraction, Fraction]:
    """Study to add that credit pools take past their need: wholly (the additions a pool could do without and still
    meet its need, the smallest first: there for a limit or a total), and in part (the last unit passes the need:
    units come whole)."""
    out = Fraction(0)
    part = Fraction(0)
    for leaf in p.top.leaves():
        if leaf.kind != "pool" or leaf.credits is None:
            continue
        claims = choice.claims.get(leaf.index, [])
        own = sum((p.items[i].credits * k for i, k in claims if p.items[i].origin != "addition"), Fraction(0))
        adds = sorted(p.items[i].credits for i, k in claims if p.items[i].origin == "addition" for _ in range(k))
        room = max(leaf.credits - own, Fraction(0))
        have = sum(adds, Fraction(0))
        for c in adds:
            if have - c >= room:
                have -= c
                out += c
        part += max(have - room, Fraction(0)) if adds else Fraction(0)
    return out, part


def _clashes(p: Problem, it: Item, claimed: set[int], fed: dict[int, int], incompatible: set[tuple[int, int]]) -> list[str]:
    """The items incompatible with ``it`` that count: claimed, or fed to an application that does not grant ``it``'s
    credential (what the model and the checker count: decide/model.py, ``_incompatible_rows``)."""
    out = []
    for j in sorted(claimed | set(fed)):
        if (min(it.index, j), max(it.index, j)) in incompatible and counts_against(p, j, it.index, claimed, fed):
            out.append(p.items[j].key + ("" if j in claimed else f" (through {p.apps[fed[j]].rule.id})"))
    return sorted(out)


def _accepted_anywhere(p: Problem, hv: HoldingView) -> bool:
    """Whether some requirement's leaf (or a credit rule's source leaf) accepts the holding by what it is (before
    grades and dates), or it is another provider's, which counts only through credit rules."""
    if not p.version.is_home(hv.attrs.provider):
        return True
    if any(e.credential == hv.holding.credential for e, _ in p.exceptions if e.type in ("substitute", "add")):
        return True  # an exception the learner was granted places it
    leaves = [*p.top.leaves(), *(leaf for app in p.apps for leaf in app.root.leaves())]
    for leaf in leaves:
        m = p.matchers.get(leaf.target_fields)
        if m is None:
            m = p.matchers[leaf.target_fields] = Matcher(p.rb, leaf.target_fields)
        if leaf_accepts_static(p.rb, leaf, hv.attrs, m, hv.holding.credential):
            return True
    return False


def _effect(
    p: Problem,
    choice: Choice,
    e: LearnerException,
    effect: str,
    indeterminate: bool,
    claimed: AbstractSet[int] = frozenset(),
    fed: Mapping[int, int] | None = None,
    ev: Evaluation | None = None,
) -> str:
    """What a `substitute` or `add` exception did in this decision: it allows a claim, and says so only when the
    choice makes that claim (two substitutions of one credential cannot both hold; one of a credential that counts
    anyway holds nothing)."""
    if e.type not in ("substitute", "add") or effect.startswith("not applied"):
        return effect
    if indeterminate:
        return f"{NOT_DECIDED}: whether it is used is not known"
    if not any(it.credential == e.credential and it.origin in ("holding", "external", "grant") for it in p.items):
        held = [hv for hv in p.holdings if hv.holding.credential == e.credential]
        if held:
            # held, but not counting: in progress without look-ahead, not passed, awarded after as_of, ...
            return f"not used: `{held[0].key}` does not count: {held[0].why_not or 'it is not counted on ' + p.as_of.isoformat()}"
        return f"not used: the learner does not hold `{e.credential}`"
    if all(it.origin == "external" for it in p.items if it.credential == e.credential):
        # an exception lets a node take a credential; another provider's holding counts only through a credit rule
        whose = (
            f"another provider's (`{e.credential.partition(':')[0]}`)" if e.credential in p.rb.credentials else "described by the learner file, not a catalogue"
        )
        return (
            f"not used: `{e.credential}` is {whose}, and counts towards `{p.version.id}` only through a credit rule, which an exception does not stand in for"
        )
    allowed = {key for key, ex in p.exception_claims.items() if ex is e}
    if not allowed and e.type == "add":
        # nothing the node holds is a pool: `add` widens a pool's filter, a named credential takes a `substitute`
        return f"not used: `{e.node}` has no pool it could widen to take `{e.credential}` (its requirements name credentials: that takes a `substitute`)"
    if allowed and all(key in p.blocked for key in allowed):
        return f"not used: a `block` exception keeps `{e.credential}` out of `{e.node}`"
    # the learner's own claims: a completion's additions are what is still needed, not what the exception did
    made = {(leaf, i) for leaf, claims in choice.claims.items() for i, _ in claims if p.items[i].origin != "addition"}
    if allowed & made:
        return effect
    mine = sorted((leaf, i) for leaf, i in made if p.items[i].credential == e.credential)
    other = [x for key in mine if (x := p.exception_claims.get(key)) is not None and x.type == "substitute"]
    if other:
        return f"not used: `{e.credential}` already counts instead of `{other[0].instead_of}` (a credential counts once)"
    if mine:
        where = sorted({nearest_id(p.nodes[leaf], p) for leaf, _ in mine})
        return f"not used: `{e.credential}` already counts in " + ", ".join(f"`{w}`" for w in where)
    if e.type == "substitute" and any(p.nodes[leaf].kind == "credential" and p.nodes[leaf].credential == e.instead_of for leaf, _ in made):
        return f"not used: `{e.instead_of}` is met without it"
    if p.incompatible:
        pairs = set(p.incompatible)
        for it in (p.items[i] for _, i in sorted(allowed)):
            clash = _clashes(p, it, set(claimed), dict(fed or {}), pairs)
            if clash:
                return f"not used: `{e.credential}` is incompatible with {', '.join(f'`{c}`' for c in clash)}, which counts"
    if ev is not None and allowed and all(ev.status.get(leaf) in MET_LIKE for leaf, _ in allowed):
        met = sorted({nearest_id(p.nodes[leaf], p) for leaf, _ in allowed})
        return "not used: " + ", ".join(f"`{m}`" for m in met) + (" is" if len(met) == 1 else " are") + " met without it"
    return "not used: the decision does not need it"


def _unused(p: Problem, choice: Choice, ev: Evaluation, claimed: set[int], fed: dict[int, int], indeterminate: bool = False) -> tuple[Unused, ...]:
    out = []
    item_of = {it.holding.index: it for it in p.items if it.holding is not None}
    eligible_anywhere = {i for lst in p.eligible.values() for i in lst}
    sources_anywhere = {i for lst in p.source_eligible.values() for i in lst}
    refused_static = {s for r in p.refusals_static for s in r.sources}
    incompatible = set(p.incompatible)
    for hv in p.holdings:
        if not hv.counts:
            if hv.holding.status != "completed" and hv.why_code is None and not _accepted_anywhere(p, hv):
                # in progress without look-ahead, and no requirement would take it anyway: "counts only with look-ahead"
                # would promise what look-ahead does not give
                status = hv.holding.status.replace("_", " ")
                out.append(Unused(hv.key, UnusedCause.NOT_ACCEPTED, f"{status}: no requirement of the target accepts it", title=hv.attrs.title))
                continue
            out.append(Unused(hv.key, UnusedCause(hv.why_code) if hv.why_code else UnusedCause.DOES_NOT_COUNT, hv.why_not or "", title=hv.attrs.title))
            continue
        it: Item | None = item_of.get(hv.index)
        if it is None:
            continue
        note: str | None = None
        if it.index in claimed or it.index in fed:
            continue
        if indeterminate and (it.index in eligible_anywhere or it.index in sources_anywhere):
            # (what no requirement and no rule could take is decided whatever the choice: said as below)
            cause, reason = UnusedCause.NOT_DECIDED, f"{NOT_DECIDED}: whether it counts is not known"
        elif it.origin == "external":
            if it.index in sources_anywhere or hv.key in refused_static:
                cause, reason = UnusedCause.REFUSED, "from another provider: a credit rule could use it, but refused it (see the credit refused)"
            else:
                cause, reason = UnusedCause.NO_RULE, f"from another provider (`{hv.provider}`): it counts only through a credit rule, and none applies"
                note = _unrelated_note(p, it)
                if note is not None:
                    reason += f" ({note})"
        elif it.index not in eligible_anywhere:
            failed = _condition_failed(p, it)
            kept_out = sorted({nearest_id(p.nodes[leaf], p) for leaf, i in p.blocked if i == it.index})
            if kept_out:
                cause, reason = UnusedCause.NOT_ACCEPTED, "a `block` exception keeps it out of " + ", ".join(f"`{k}`" for k in kept_out)
            elif failed is not None:
                cause, reason = UnusedCause.CONDITION, failed
            elif waived_taker := _waived_taker(p, it):
                cause, reason = UnusedCause.NOT_NEEDED, f"not needed: {waived_taker}, which would take it, is waived"
            else:
                cause, reason = UnusedCause.NOT_ACCEPTED, "no requirement of the target accepts it"
                decides = sorted(nearest_id(p.nodes[n], p) for n, keys in p.aside_pending.items() if hv.key in keys)
                if decides:
                    reason += ", but it sets " + ", ".join(f"`{d}`" for d in decides) + " aside once passed (see the requirement)"
                brings = sorted(nearest_id(p.nodes[n], p) for n, keys in p.applies_pending.items() if hv.key in keys)
                if brings:
                    reason += (
                        (", and" if decides else ", but") + " once passed it makes " + ", ".join(f"`{b}`" for b in brings) + " apply (see the requirement)"
                    )
        elif incompatible and (clash := _clashes(p, it, claimed, fed, incompatible)):
            cause, reason = UnusedCause.INCOMPATIBLE, f"incompatible with {', '.join(clash)}, which counts"
        elif (bound := _repeat_bound_reached(p, it, claimed, fed)) is not None:
            cause = UnusedCause.REPEAT
            if p.rb.credentials[it.credential].repeat_max is None:
                # a completed attempt and one in progress (look-ahead, decide/holdings.py): the other one counts
                reason = f"held again: `{it.credential}` counts once, and its other attempt counts"
            else:
                reason = f"counts at most {bound} times (`repeatable`), and {bound} other holdings of `{it.credential}` count"
        elif (same := _term_counted(p, it, choice)) is not None:
            cause, reason = UnusedCause.NOT_NEEDED, same
        elif choice.completion and (retaken := _retaken_in(p, it, choice)):
            # the completion takes the credential again for a node this pass cannot fill: one credential counts once
            where = ", ".join(f"`{w}`" for w in retaken)
            if p.rb.credentials[it.credential].repeat_max is None:
                said = f"the completion takes `{it.credential}` again for {where}, which this pass does not meet, and a credential counts once"
            elif it.attrs.term is None:
                # a repeatable credential may count again: this holding's term is what is missing
                said = (
                    f"the completion takes `{it.credential}` again for {where}: this holding has no term (give it `term`, or an"
                    " `awarded` date in the provider's calendar), so it cannot count as a term of its own"
                )
            else:
                said = f"the completion takes `{it.credential}` again for {where}, which this holding does not meet"
            cause, reason = UnusedCause.REPEAT, said
        elif (kept := _limit_keeps_out(p, ev, it, choice)) is not None:
            cause, reason = UnusedCause.NOT_NEEDED, kept
        else:
            cause, reason = UnusedCause.NOT_NEEDED, _not_needed(p, ev, it)
        if cause in (UnusedCause.NOT_NEEDED, UnusedCause.REPEAT) and sum(1 for h in p.holdings if h.holding.credential == hv.holding.credential) > 1:
            # one of several holdings of a credential: which one, since its key's @n follows the file's order
            reason += f" (the holding {_which(hv)})"
        out.append(Unused(hv.key, cause, reason, note, hv.attrs.title))
    return tuple(out)


def _conditions_reason(kept: tuple[str, ...]) -> str:
    return "taking what it needs would change whether " + " or ".join(kept) + " applies, and what is still needed leaves that as it stands"


def _blocked(p: Problem, n: CNode, rules_out: tuple[str, ...], kept: tuple[str, ...] = ()) -> Missing:
    """ "Still needed" for a node whose unmet parts can each be completed, but not together."""
    nid = nearest_id(n, p) if n.parent is not None else p.version.id
    name = "the target" if n.parent is None else f"`{nid}`"
    limits = [x for x in rules_out if x not in ("total", "together")]
    why = []
    if limits:
        why.append(f"its limit{'s' if len(limits) > 1 else ''} " + ", ".join(f"`{x}`" for x in limits))
    if "total" in rules_out:
        why.append(f"its credit total ({fmt(n.min_total or Fraction(0))} {p.version.system})")
    if why:
        reason = " and ".join(why) + (" rule" if len(why) > 1 or len(limits) > 1 else " rules") + " that out"
        if "together" in rules_out:
            reason += " (together: without any one of them the others still would)"
    elif kept:
        reason = _conditions_reason(kept)
    else:
        reason = "they cannot all be completed together"
    return Missing(nid, None, (), f"{name} cannot be completed: its unmet parts can each be completed from the catalogue, but {reason}")


def _alone(p: Problem, n: CNode, deadline: float) -> bool | None:
    """Whether node ``n`` alone can be completed from the catalogue; a completion found is checked like any other."""
    found = completes_alone(p, n, deadline)
    if not isinstance(found, tuple):
        return found
    sub, witness = found
    verify(sub, witness)  # a completion (`witness.completion`): the checker raises unless it completes the subtree
    return True


def _explain_no_completion(p: Problem, ev: Evaluation, choice: Choice, deadline: float) -> None:
    """What "Still needed" says when nothing completes the target: for each unmet node at the bottom, whether it
    alone can be completed (``choice.alone``); and where every unmet node below one can be, the lowest such node
    (the target's root included) that cannot, with the limits that rule it out (``choice.blocked_by``)."""

    def left() -> float:
        return max(deadline, time.monotonic() + MIN_SOLVE)

    def conditioned(n: CNode) -> None:
        # could it be completed if the `holds` conditions were not kept as they stand? then they are the reason
        if p.unflipped and isinstance(completes_alone(replace(p, unflipped=()), n, left()), tuple):
            choice.conditioned[n.index] = tuple(f"`{c.id or c.path}` ({text})" for c, _, text in p.unflipped)

    bottom = _unmet_at_bottom(p, ev)
    for n in bottom:
        choice.alone[n.index] = _alone(p, n, left())
        if choice.alone[n.index] is False:
            conditioned(n)
    # the unmet nodes above, deepest first: one that cannot be completed although each unmet node below it can
    above: dict[int, CNode] = {}
    for n in bottom:
        for a in n.ancestors():
            if ev.status.get(a.index) == "not_met" and (a.id is not None or a.parent is None):
                above.setdefault(a.index, a)
    for a in sorted(above.values(), key=lambda a: -len(a.ancestors())):
        below = [choice.alone.get(m.index, True) for m in a.walk() if m is not a and m.index in choice.alone]
        if not all(x is True for x in below) or any(m.index in choice.blocked_by for m in a.walk() if m is not a):
            continue
        # the target's root: nothing completes it (the solve said so)
        whole = a.parent is None
        alone = False if whole else _alone(p, a, left())
        choice.alone[a.index] = alone
        if alone is not False:
            continue
        rules_out = []
        for number, lim in enumerate(a.limits):
            if isinstance(completes_alone(p, a, left(), frozenset({(a.index, number)})), tuple):
                rules_out.append(lim.id or lim.kind)
        if a.min_total is not None and isinstance(completes_alone(p, a, left(), frozenset({(a.index, -1)})), tuple):
            rules_out.append("total")
        if not rules_out and len(a.limits) > 1:
            # no one limit rules it out, all of them together may (each would, the others gone)
            every = frozenset((a.index, k) for k in range(len(a.limits)))
            if isinstance(completes_alone(p, a, left(), every), tuple):
                rules_out = [lim.id or lim.kind for lim in a.limits] + ["together"]
        choice.blocked_by[a.index] = tuple(rules_out)
        if not rules_out:
            conditioned(a)


def _unmet_at_bottom(p: Problem, ev: Evaluation) -> list[CNode]:
    """The unmet nodes with an id none of whose children with an id is unmet: where "Still needed" of an audit
    without a completion says what cannot be completed (a nested qualification not in force is said apart)."""
    return [
        n
        for n in p.top.walk()
        if n.id is not None
        and n.unavailable is None
        and ev.status[n.index] == "not_met"
        and all(ev.status.get(c.index) != "not_met" or c.id is None for c in n.children)
    ]


def _only_fit(p: Problem, leaf: int) -> str | None:
    """The one catalogue credential a leaf accepts, if only one does (a free-elective pool accepts thousands: the
    scan stops at the second)."""
    found: str | None = None
    for i in p.eligible.get(leaf, []):
        it = p.items[i]
        if it.origin != "addition":
            continue
        for c in it.members or (it.credential,):
            if found is None:
                found = c
            elif c != found:
                return None
    return found


def _which(hv: HoldingView) -> str:
    """A holding as a person finds it in the learner's file: its date and term, or that it is in progress or planned."""
    if hv.holding.status != "completed" and hv.holding.awarded is None:
        return hv.holding.status.replace("_", " ") + (f", term {hv.holding.term}" if hv.holding.term else "")
    return held_when(hv.holding) + (f", term {hv.holding.term}" if hv.holding.term else "")


def _term_counted(p: Problem, it: Item, choice: Choice) -> str | None:
    """Why an item a node could claim is not needed there, when that node counts distinct terms and the item's term
    already counts in it through another claim (``None`` otherwise)."""
    term = it.attrs.term
    if term is None:
        return None
    claimed_in: dict[int, set[str]] = {}
    for n in p.top.walk():
        lims = [lim for lim in n.limits if lim.kind == "min_distinct" and lim.of == "term"]
        if not lims:
            continue
        leaves = [leaf.index for leaf in n.leaves()]
        if not any(it.index in p.eligible.get(leaf, []) for leaf in leaves):
            continue
        terms = claimed_in.setdefault(n.index, {p.items[i].attrs.term or "" for leaf in leaves for i, _ in choice.claims.get(leaf, [])})
        if term in terms:
            return f"not needed: its term `{term}` already counts in `{nearest_id(n, p)}`, whose limit counts distinct terms"
    return None


def _unrelated_note(p: Problem, it: Item) -> str | None:
    """The nearest miss an officer would look at, for a holding no credit rule takes: the rules into the target that
    take study like it only in a related field (None when there are none)."""
    if it.index not in p.unrelated:
        return None
    near = sorted(set(p.unrelated[it.index]))
    rules = ", ".join(f"`{r}`" for r, _ in near)
    mine = ", ".join(it.attrs.fields) or "none given"
    theirs = ", ".join(sorted({f for _, fields in near for f in fields})) or "none given"
    return (
        f"{rules} {'takes' if len(near) == 1 else 'take'} study like it only in a related field: its fields ({mine}) are not related to the target's ({theirs})"
    )
