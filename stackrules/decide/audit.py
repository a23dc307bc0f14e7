"""The audit: a problem, solved exactly, checked independently, explained."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..compile.tree import CNode
from ..decisions.record import Record, q
from ..errors import VerificationError
from ..language.documents import Learner
from ..language.models import Basis, Filter
from ..language.quantity import total
from ..rulebase.index import RuleBase
from .checker import Evaluation, verify
from .choice import Choice
from .fastpath import greedy_completion
from .problem import Compiler, Item, Problem, Refusal, build_problem
from .solve import might_complete, solve


@dataclass(frozen=True)
class Provenance:
    rules_digest: str
    engine: str


@dataclass(frozen=True)
class Context:
    """What every decision needs from the engine: the rule base, its compiled targets, provenance."""

    rb: RuleBase
    prov: Provenance
    compiler: Compiler | None = None


def run_audit(
    ctx: Context, learner: Learner, target: str, as_of: dt.date, look_ahead: bool, time_limit: float
) -> tuple[Problem, Choice, Evaluation, dict[str, Any]]:
    p = build_problem(ctx.rb, learner.doc, target, as_of, look_ahead, compiler=ctx.compiler)
    might = might_complete(p)
    fast = greedy_completion(p) if might else None
    if fast is not None:
        try:
            ev = verify(p, fast)
        except VerificationError:
            ev = None  # the greedy broke a rule: the exact solver decides
        if ev is not None and ev.status.get(p.top.index) in ("met", "met_pending"):
            return p, fast, ev, audit_json(p, fast, ev, ctx.prov, learner)
    choice = solve(p, time_limit, might)
    ev = verify(p, choice)
    return p, choice, ev, audit_json(p, choice, ev, ctx.prov, learner)


def audit_decision(ctx: Context, learner: Learner, target: str, as_of: dt.date, look_ahead: bool, time_limit: float) -> Record:
    return Record.build("audit", run_audit(ctx, learner, target, as_of, look_ahead, time_limit)[3])


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


def audit_json(p: Problem, choice: Choice, ev: Evaluation, prov: Provenance, learner: Learner) -> dict[str, Any]:
    unit = _unit(p)
    top = p.top
    indeterminate = choice.status == "time_limit"
    top_status = ev.status.get(top.index, "not_met")
    if indeterminate:
        status = "indeterminate"
    elif top_status in ("met", "waived", "exempt"):
        status = "met"
    elif top_status == "met_pending":
        status = "met_pending"
    else:
        status = "not_met"
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

    nodes: list[dict[str, Any]] = []
    for n in top.walk():
        if n.id is None:
            continue
        its = ev.claimed.get(n.index, [])
        parent = next((a.id for a in n.ancestors() if a.id is not None), None)
        entry: dict[str, Any] = {
            "id": n.id,
            "title": n.title,
            "parent": parent,
            "status": ev.status[n.index],
            "claimed": [it.key for it in its],
            "credits": q(total(it.credits for it in its)),
        }
        if n.kind == "pool" and n.credits is not None:
            entry["required"] = q(n.credits)
        elif n.kind == "pool" and n.count is not None:
            entry["required_count"] = n.count
        elif n.min_total is not None:
            entry["required"] = q(n.min_total)
        if n.loc:
            entry["location"] = n.loc
        rests = sorted(it.key for it in its if it.pending)
        if rests:
            entry["pending"] = rests
        via = sorted(
            {
                f"{e.type}: {e.reason}"
                for (leaf, i), e in p.exception_claims.items()
                for leaf_n in n.leaves()
                if leaf_n.index == leaf and any(i == c for c, _ in choice.claims.get(leaf, []))
            }
        )
        if via:
            entry["exceptions"] = via
        nodes.append(entry)

    limits = []
    for r in ev.limits:
        entry = {"id": r.limit.id or r.limit.kind, "kind": r.limit.kind, "status": r.status, "value": q(r.value), "bound": q(r.limit.bound)}
        if r.limit.where is not None:
            entry["where"] = filter_text(r.limit.where)
        if r.limit.is_max and r.limit.kind == "max_credits" and _on_credit(r.limit.where):
            entry["credit_cap"] = True
        if r.node is not top:
            entry["node"] = _nearest_id(r.node, p)
        if r.limit.share is not None:
            entry["share"] = q(r.limit.share)
        limits.append(entry)

    # credit granted by the applications the choice uses
    claimed_keys = {it.index for it in claimed_items}
    credit = []
    fed: dict[int, int] = {}
    for app in p.apps:
        for leaf in app.root.leaves():
            for i in choice.source_claims.get(leaf.index, []):
                fed[i] = app.index
    for a in choice.apps:
        app = p.apps[a]
        sources = sorted(p.items[i].key for i, x in fed.items() if x == a)
        granted = [{"as": p.items[g].key, "credits": q(p.items[g].credits)} for g in app.grants if g in claimed_keys]
        entry = {
            "rule": app.rule.id,
            "type": app.rule.doc.type,
            "title": app.rule.doc.title,
            "application": app.number,
            "into": app.into,
            "basis": _basis(app.rule.doc.basis),
            "sources": sources,
            "granted": granted,
            "location": str(app.rule.loc),
        }
        if app.exempt:
            entry["exempt"] = [p.nodes[n].id for n in app.exempt]
        credit.append(entry)

    refused = _refusals(p, choice, ev, fed, claimed_keys)

    missing: list[dict[str, Any]] = []
    if choice.completion and not indeterminate:
        by_node: dict[str, dict[str, Any]] = {}
        order: list[str] = []
        for leaf in top.leaves():
            adds = [(p.items[i], k) for i, k in choice.claims.get(leaf.index, []) if p.items[i].origin == "addition"]
            if not adds:
                continue
            nid = _nearest_id(leaf, p)
            if nid not in by_node:
                by_node[nid] = {"node": nid, "credits": Fraction(0), "credentials": [], "parts": []}
                order.append(nid)
            e = by_node[nid]
            amount = sum((it.credits * k for it, k in adds), Fraction(0))
            e["credits"] += amount
            if leaf.kind == "credential":
                e["credentials"] += [it.key for it, _ in adds]
                e["parts"] += [f"{it.key} {it.attrs.title or ''}".strip() for it, _ in adds]
            else:
                e["parts"].append(f"{q(amount)} {unit} more of {_filter_text(leaf)}")
        for nid in order:
            e = by_node[nid]
            missing.append({"node": nid, "credits": q(e["credits"]), "credentials": sorted(e["credentials"]), "text": "; ".join(e["parts"])})
    elif not indeterminate:
        for n in top.walk():
            if n.id is not None and ev.status[n.index] == "not_met" and all(ev.status.get(c.index) != "not_met" or c.id is None for c in n.children):
                missing.append(
                    {
                        "node": n.id,
                        "credits": None,
                        "credentials": [],
                        "text": f"`{n.id}` cannot be completed from the catalogue of `{p.version.provider or 'any provider'}`",
                    }
                )
        if not missing:
            missing.append(
                {"node": p.version.id, "credits": None, "credentials": [], "text": "no set of catalogue credentials completes the target within its limits"}
            )

    unused = _unused(p, choice, claimed_keys, fed)
    exceptions = [
        {
            "type": e.type,
            "node": e.node,
            "credential": e.credential,
            "instead_of": e.instead_of,
            "reason": e.reason,
            "approved_by": e.approved_by,
            "date": e.date.isoformat(),
            "effect": effect,
        }
        for e, effect in p.exceptions
    ]
    data: dict[str, Any] = {
        "target": p.version.id,
        "title": p.version.title,
        "learner": learner.id,
        "status": status,
        "as_of": p.as_of.isoformat(),
        "version": {
            "effective_from": _d(p.version.effective.from_ if p.version.effective else None),
            "effective_until": _d(p.version.effective.until if p.version.effective else None),
            "location": str(p.version.loc),
        },
        "look_ahead": p.look_ahead,
        "credits": {"system": unit, "required": q(p.version.credits), "counted": q(counted), "remaining": q(remaining)},
        "nodes": nodes,
        "limits": limits,
        "credit": credit,
        "refused": refused,
        "missing": missing,
        "unused": unused,
        "exceptions": exceptions,
        "pending": sorted(pending),
        "proof": "optimal" if choice.status == "optimal" else choice.status,
    }
    if indeterminate:
        data["bound"] = choice.bound
    data["provenance"] = {"rules_digest": prov.rules_digest, "engine": prov.engine}
    return data


def _on_credit(f: Filter | None) -> bool:
    return f is not None and any(t.attr == "source" and t.value == "credit" for t in f.terms)


def _d(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _basis(b: Basis | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {"reference": b.reference, "url": b.url}


def _refusals(p: Problem, choice: Choice, ev: Evaluation, fed: dict[int, int], claimed: set[int]) -> list[dict[str, Any]]:
    out: list[Refusal] = list(p.refusals_static)
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
                out.append(Refusal(rule_id, (key,), "source_used", f"`{key}` already earns credit under `{other}`"))
            elif i in claimed:
                out.append(Refusal(rule_id, (key,), "source_used", f"`{key}` counts directly towards the target"))
            elif caps:
                c = caps[0]
                out.append(
                    Refusal(rule_id, (key,), "cap", f"limit `{c.limit.id or c.limit.kind}` leaves no room for more credit ({q(c.value)} of {q(c.limit.bound)})")
                )
            else:
                why = "the target is complete without it" if rule_id not in used_rules else "its other sources already earned the credit needed"
                out.append(Refusal(rule_id, (key,), "not_needed", why))
    merged: dict[tuple[str, str, str], list[str]] = {}
    for r in out:
        merged.setdefault((r.rule, r.reason, r.detail), []).extend(r.sources)
    return [{"rule": rule, "sources": sorted(set(srcs)), "reason": reason, "detail": detail} for (rule, reason, detail), srcs in sorted(merged.items())]


def _unused(p: Problem, choice: Choice, claimed: set[int], fed: dict[int, int]) -> list[dict[str, Any]]:
    out = []
    item_of = {it.holding.index: it for it in p.items if it.holding is not None}
    eligible_anywhere = {i for lst in p.eligible.values() for i in lst}
    sources_anywhere = {i for lst in p.source_eligible.values() for i in lst}
    refused_static = {s for r in p.refusals_static for s in r.sources}
    incompatible = set(p.incompatible)
    for hv in p.holdings:
        if not hv.counts:
            out.append({"holding": hv.key, "reason": hv.why_not})
            continue
        it: Item | None = item_of.get(hv.index)
        if it is None:
            continue
        if it.index in claimed or it.index in fed:
            continue
        if it.origin == "external":
            if it.index in sources_anywhere or hv.key in refused_static:
                reason = "from another provider: a credit rule could use it, but see `refused`"
            else:
                reason = f"from another provider (`{hv.provider}`): it counts only through a credit rule, and none applies"
        elif it.index not in eligible_anywhere:
            reason = "no requirement of the target accepts it"
        elif incompatible and any((min(it.index, j), max(it.index, j)) in incompatible for j in claimed):
            reason = "incompatible with a credential that counts"
        else:
            reason = "not needed: the requirements it could fill are complete, or a limit leaves no room"
        out.append({"holding": hv.key, "reason": reason})
    return out
