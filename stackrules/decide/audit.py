"""The audit: a problem, solved exactly, checked independently, explained."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from ..compile.tree import CNode
from ..decisions.audit import (
    AuditDecision,
    AuditStatus,
    Basis,
    CreditApplication,
    Credits,
    ExceptionEntry,
    Granted,
    LimitKind,
    LimitResult,
    LimitStatus,
    Missing,
    NodeResult,
    NodeStatus,
    Proof,
    Refusal,
    RefusalReason,
    Unused,
    UnusedCause,
    Version,
)
from ..decisions.base import Provenance as Provenance
from ..decisions.base import q
from ..errors import VerificationError
from ..language.documents import Learner
from ..language.models import Filter
from ..language.quantity import total
from ..rulebase.index import RuleBase
from .checker import Evaluation, verify
from .choice import Choice
from .fastpath import greedy_completion
from .problem import Compiler, Item, Problem, build_problem
from .solve import might_complete, solve


@dataclass(frozen=True)
class Context:
    """What every decision needs from the engine: the rule base, its compiled targets, provenance."""

    rb: RuleBase
    prov: Provenance
    compiler: Compiler | None = None


def run_audit(
    ctx: Context, learner: Learner, target: str, as_of: dt.date, look_ahead: bool, time_limit: float
) -> tuple[Problem, Choice, Evaluation, AuditDecision]:
    p = build_problem(ctx.rb, learner.doc, target, as_of, look_ahead, compiler=ctx.compiler)
    might = might_complete(p)
    fast = greedy_completion(p) if might else None
    if fast is not None:
        try:
            ev = verify(p, fast)
        except VerificationError:
            ev = None  # the greedy broke a rule: the exact solver decides
        if ev is not None and ev.status.get(p.top.index) in ("met", "met_pending"):
            return p, fast, ev, audit_record(p, fast, ev, ctx.prov, learner)
    choice = solve(p, time_limit, might)
    ev = verify(p, choice)
    return p, choice, ev, audit_record(p, choice, ev, ctx.prov, learner)


def audit_decision(ctx: Context, learner: Learner, target: str, as_of: dt.date, look_ahead: bool, time_limit: float) -> AuditDecision:
    return run_audit(ctx, learner, target, as_of, look_ahead, time_limit)[3]


def _unit(p: Problem) -> str:
    return p.version.system


def _nearest_id(n: CNode, p: Problem) -> str:
    cur: CNode | None = n
    while cur is not None:
        if cur.id is not None:
            return cur.id
        cur = cur.parent
    return p.version.id


def _filter_text(n: CNode) -> str:
    if n.where is None:
        return "any credential"
    return "credentials with " + filter_text(n.where)


def filter_text(f: Filter) -> str:
    """A filter as a reader would say it: `tags: data; level >= 3`."""
    parts = []
    for t in f.terms:
        val = t.value
        if isinstance(val, tuple):
            val = ", ".join(str(v) for v in val)
        op = {"eq": ":", "in": " in", "not_in": " not in", "ne": " not", "gte": " >=", "gt": " >", "lte": " <=", "lt": " <", "prefix": " starting"}[t.op]
        parts.append(f"{t.attr}{op} {val}")
    for group in f.any_of:
        parts.append("any of (" + " | ".join(filter_text(g) for g in group) + ")")
    for g in f.nots:
        parts.append(f"not ({filter_text(g)})")
    return "; ".join(parts)


def audit_record(p: Problem, choice: Choice, ev: Evaluation, prov: Provenance, learner: Learner) -> AuditDecision:
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
    if choice.completion and not indeterminate:
        remaining = sum((p.items[i].credits * min(k, p.items[i].multiplicity) for i, k in additions.items()), Fraction(0))
    pending = {it.key for it in claimed_items if it.pending}

    claimed_keys = {it.index for it in claimed_items}
    fed: dict[int, int] = {}
    for app in p.apps:
        for leaf in app.root.leaves():
            for i in choice.source_claims.get(leaf.index, []):
                fed[i] = app.index
    version = Version(
        p.version.effective.from_ if p.version.effective else None,
        p.version.effective.until if p.version.effective else None,
        str(p.version.loc),
    )
    return AuditDecision(
        target=p.version.id,
        title=p.version.title,
        learner=learner.id,
        status=status,
        as_of=p.as_of,
        version=version,
        look_ahead=p.look_ahead,
        credits=Credits(unit, p.version.credits, counted, remaining),
        nodes=_nodes(p, choice, ev),
        limits=_limits(p, ev),
        credit=_credit(p, choice, fed, claimed_keys),
        refused=_refusals(p, choice, ev, fed, claimed_keys),
        missing=_missing(p, choice, ev, indeterminate),
        unused=_unused(p, choice, claimed_keys, fed),
        exceptions=tuple(ExceptionEntry(e.type, e.node, e.credential, e.instead_of, e.reason, e.approved_by, e.date, effect) for e, effect in p.exceptions),
        pending=tuple(sorted(pending)),
        proof=Proof(choice.status),
        provenance=prov,
        bound=choice.bound if indeterminate else None,
    )


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
                status=NodeStatus(ev.status[n.index]),
                claimed=tuple(it.key for it in its),
                credits=total(it.credits for it in its),
                required=required,
                required_count=required_count,
                location=n.loc or None,
                pending=tuple(sorted(it.key for it in its if it.pending)),
                exceptions=tuple(via),
            )
        )
    return tuple(out)


def _limits(p: Problem, ev: Evaluation) -> tuple[LimitResult, ...]:
    return tuple(
        LimitResult(
            id=r.limit.id or r.limit.kind,
            kind=LimitKind(r.limit.kind),
            status=LimitStatus(r.status),
            value=r.value,
            bound=r.limit.bound,
            where=None if r.limit.where is None else filter_text(r.limit.where),
            credit_cap=r.limit.is_max and r.limit.kind == "max_credits" and _on_credit(r.limit.where),
            node=None if r.node is p.top else _nearest_id(r.node, p),
            share=r.limit.share,
        )
        for r in ev.limits
    )


def _credit(p: Problem, choice: Choice, fed: dict[int, int], claimed: set[int]) -> tuple[CreditApplication, ...]:
    """The credit granted by the applications the choice uses."""
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
                granted=tuple(Granted(p.items[g].key, p.items[g].credits) for g in app.grants if g in claimed),
                location=str(app.rule.loc),
                exempt=tuple(nid for n in app.exempt if (nid := p.nodes[n].id) is not None),
            )
        )
    return tuple(out)


def _missing(p: Problem, choice: Choice, ev: Evaluation, indeterminate: bool) -> tuple[Missing, ...]:
    if indeterminate:
        return ()
    top = p.top
    if not choice.completion:
        out = []
        for n in top.walk():
            if n.unavailable is not None and ev.status[n.index] == "not_met":
                out.append(Missing(_nearest_id(n, p), None, (), n.unavailable))  # a nested qualification not in force
            elif n.id is not None and ev.status[n.index] == "not_met" and all(ev.status.get(c.index) != "not_met" or c.id is None for c in n.children):
                out.append(Missing(n.id, None, (), f"`{n.id}` cannot be completed from the catalogue of `{p.version.provider or 'any provider'}`"))
        return tuple(out) or (Missing(p.version.id, None, (), "no set of catalogue credentials completes the target within its limits"),)
    unit = _unit(p)
    credits: dict[str, Fraction] = {}
    credentials: dict[str, list[str]] = {}
    parts: dict[str, list[str]] = {}
    for leaf in top.leaves():
        adds = [(p.items[i], k) for i, k in choice.claims.get(leaf.index, []) if p.items[i].origin == "addition"]
        if not adds:
            continue
        nid = _nearest_id(leaf, p)
        amount = sum((it.credits * k for it, k in adds), Fraction(0))
        credits[nid] = credits.get(nid, Fraction(0)) + amount
        creds = credentials.setdefault(nid, [])
        said = parts.setdefault(nid, [])
        if leaf.kind == "credential":
            creds += [it.key for it, _ in adds]
            said += [f"{it.key} {it.attrs.title or ''}".strip() for it, _ in adds]
        else:
            said.append(f"{q(amount)} {unit} more of {_filter_text(leaf)}")
    return tuple(Missing(nid, credits[nid], tuple(sorted(credentials[nid])), "; ".join(parts[nid])) for nid in credits)


def _on_credit(f: Filter | None) -> bool:
    return f is not None and any(t.attr == "source" and t.value == "credit" for t in f.terms)


def _refusals(p: Problem, choice: Choice, ev: Evaluation, fed: dict[int, int], claimed: set[int]) -> tuple[Refusal, ...]:
    out = [Refusal(r.rule, r.sources, RefusalReason(r.reason), r.detail) for r in p.refusals_static]
    caps = [r for r in ev.limits if r.limit.is_max and r.value >= r.limit.bound and _on_credit(r.limit.where)]
    rules_seen: dict[str, set[int]] = {}
    for app in p.apps:
        cands = rules_seen.setdefault(app.rule.id, set())
        for leaf in app.root.leaves():
            cands.update(p.source_eligible.get(leaf.index, []))
    used_rules = {p.apps[a].rule.id: a for a in choice.apps}
    for rule_id, cands in sorted(rules_seen.items()):
        for i in sorted(cands, key=lambda i: p.items[i].key):
            key = p.items[i].key
            if i in fed and p.apps[fed[i]].rule.id == rule_id:
                continue
            if i in fed:
                other = p.apps[fed[i]].rule.id
                out.append(Refusal(rule_id, (key,), RefusalReason.SOURCE_USED, f"`{key}` already earns credit under `{other}`"))
            elif i in claimed:
                out.append(Refusal(rule_id, (key,), RefusalReason.SOURCE_USED, f"`{key}` counts directly towards the target"))
            elif caps:
                c = caps[0]
                out.append(
                    Refusal(
                        rule_id,
                        (key,),
                        RefusalReason.CAP,
                        f"limit `{c.limit.id or c.limit.kind}` leaves no room for more credit ({q(c.value)} of {q(c.limit.bound)})",
                    )
                )
            else:
                why = "the target is complete without it" if rule_id not in used_rules else "its other sources already earned the credit needed"
                out.append(Refusal(rule_id, (key,), RefusalReason.NOT_NEEDED, why))
    merged: dict[tuple[str, RefusalReason, str], list[str]] = {}
    for r in out:
        merged.setdefault((r.rule, r.reason, r.detail), []).extend(r.sources)
    return tuple(Refusal(rule, tuple(sorted(set(srcs))), reason, detail) for (rule, reason, detail), srcs in sorted(merged.items()))


def _unused(p: Problem, choice: Choice, claimed: set[int], fed: dict[int, int]) -> tuple[Unused, ...]:
    out = []
    item_of = {it.holding.index: it for it in p.items if it.holding is not None}
    eligible_anywhere = {i for lst in p.eligible.values() for i in lst}
    sources_anywhere = {i for lst in p.source_eligible.values() for i in lst}
    refused_static = {s for r in p.refusals_static for s in r.sources}
    incompatible = set(p.incompatible)
    for hv in p.holdings:
        if not hv.counts:
            out.append(Unused(hv.key, UnusedCause.DOES_NOT_COUNT, hv.why_not or ""))
            continue
        it: Item | None = item_of.get(hv.index)
        if it is None:
            continue
        if it.index in claimed or it.index in fed:
            continue
        if it.origin == "external":
            if it.index in sources_anywhere or hv.key in refused_static:
                cause, reason = UnusedCause.REFUSED, "from another provider: a credit rule could use it, but see `refused`"
            else:
                cause, reason = UnusedCause.NO_RULE, f"from another provider (`{hv.provider}`): it counts only through a credit rule, and none applies"
        elif it.index not in eligible_anywhere:
            cause, reason = UnusedCause.NOT_ACCEPTED, "no requirement of the target accepts it"
        elif incompatible and any((min(it.index, j), max(it.index, j)) in incompatible for j in claimed):
            cause, reason = UnusedCause.INCOMPATIBLE, "incompatible with a credential that counts"
        else:
            cause, reason = UnusedCause.NOT_NEEDED, "not needed: the requirements it could fill are complete, or a limit leaves no room"
        out.append(Unused(hv.key, cause, reason))
    return tuple(out)
