"""Cohort figures from decision documents (pure: no file, clock or process).

From the result lines of a batch (audit, assess, plan or explore decisions, or
error rows) :func:`cohort_report` computes what a committee asks of a cohort:

- which requirement nodes and limits block the most learners (not met nodes
  of learners whose target is not met, under no met node; limits short or
  over, in audit and assess decisions);
- how much credit transfer grants, by credit rule and by the source's
  provider (the part of a credential id before its colon); a plan's
  applications from study it proposes (``added``) are not transfer;
- the distribution of remaining credit, and of planned terms to completion
  (plan decisions);
- the stacks that lead to completion: for every met decision, the prior
  learning it rests on (credit rule sources and credentials of other
  providers than the target's), counted by learners.

Every figure is exact (credit as fractions) and the same for the same lines,
whatever their order. One report is of one command's decisions, each learner
once (the command line refuses mixes), so shares are shares of learners.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

MET = ("met", "met_pending")
HOME_ONLY = "(no prior learning)"


@dataclass(frozen=True)
class Blocker:
    target: str
    id: str
    title: str
    learners: int


@dataclass(frozen=True)
class Transfer:
    name: str  # a credit rule id or a provider
    learners: int
    applications: int
    credits: Fraction


@dataclass(frozen=True)
class Stack:
    target: str
    credentials: tuple[str, ...]
    learners: int


@dataclass(frozen=True)
class CohortReport:
    learners: int
    errors: int
    kinds: tuple[tuple[str, int], ...]
    statuses: tuple[tuple[str, int], ...]
    blocking_nodes: tuple[Blocker, ...]
    blocking_limits: tuple[Blocker, ...]
    credit_by_rule: tuple[Transfer, ...]
    credit_by_provider: tuple[Transfer, ...]
    remaining: tuple[tuple[Fraction, int], ...]  # remaining credit, learners (audit, assess, plan)
    planned_terms: tuple[tuple[int, int], ...]  # terms to completion, learners (plan decisions with a plan)
    stacks: tuple[Stack, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "learners": self.learners,
            "errors": self.errors,
            "kinds": dict(self.kinds),
            "statuses": dict(self.statuses),
            "blocking_nodes": [{"target": b.target, "node": b.id, "title": b.title, "learners": b.learners} for b in self.blocking_nodes],
            "blocking_limits": [{"target": b.target, "limit": b.id, "kind": b.title, "learners": b.learners} for b in self.blocking_limits],
            "credit_by_rule": [_transfer(t, "rule") for t in self.credit_by_rule],
            "credit_by_provider": [_transfer(t, "provider") for t in self.credit_by_provider],
            "remaining": [{"credits": qtext(r), "learners": n} for r, n in self.remaining],
            "planned_terms": [{"terms": t, "learners": n} for t, n in self.planned_terms],
            "stacks": [{"target": s.target, "credentials": list(s.credentials), "learners": s.learners} for s in self.stacks],
        }


def _transfer(t: Transfer, name: str) -> dict[str, Any]:
    return {name: t.name, "learners": t.learners, "applications": t.applications, "credits": qtext(t.credits)}


def qtext(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def provider_of(credential: str) -> str:
    """The provider part of a namespaced credential id (``tafe-nsw:ICT50220`` gives ``tafe-nsw``)."""
    return credential.split(":", 1)[0] if ":" in credential else "(no provider)"


def cohort_report(rows: Iterable[Mapping[str, Any]]) -> CohortReport:
    """The figures of a cohort from its result rows (``{"learner", "decision" | "error"}``)."""
    learners = errors = 0
    kinds: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    nodes: Counter[tuple[str, str]] = Counter()
    titles: dict[tuple[str, str], str] = {}
    limits: Counter[tuple[str, str]] = Counter()
    limit_kinds: dict[tuple[str, str], str] = {}
    by_rule: dict[str, list[Any]] = defaultdict(lambda: [set(), 0, Fraction(0)])
    by_provider: dict[str, list[Any]] = defaultdict(lambda: [set(), 0, Fraction(0)])
    remaining: Counter[Fraction] = Counter()
    terms: Counter[int] = Counter()
    stacks: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for row in rows:
        learners += 1
        doc = row.get("decision")
        if doc is None:
            errors += 1
            continue
        who = (row.get("index"), row.get("learner"))
        kind = str(row.get("kind") or "audit")
        kinds[kind] += 1
        status = status_of(doc)
        statuses[status] += 1
        target = str(doc.get("target") or "")
        for node in blocking(doc):
            key = (target, str(node["id"]))
            nodes[key] += 1
            titles[key] = str(node.get("title") or "")
        for limit in doc.get("limits") or ():
            if limit.get("status") not in (None, "ok"):
                key = (target, str(limit["id"]))
                limits[key] += 1
                limit_kinds[key] = str(limit.get("kind") or "")
        proposed = {str(c) for c in doc.get("added") or ()} if kind == "plan" else set()
        for rule, sources, amount in credit_rows(doc):
            if proposed.intersection(sources):  # a plan's proposed study, not credit transfer granted
                continue
            entry = by_rule[rule]
            entry[0].add(who)
            entry[1] += 1
            entry[2] += amount
            providers = sorted({provider_of(s) for s in sources})
            for p in providers:  # an application drawing on two providers' credentials is split evenly between them
                entry = by_provider[p]
                entry[0].add(who)
                entry[1] += 1
                entry[2] += amount / len(providers)
        credits = doc.get("credits")
        if kind in ("audit", "assess", "plan") and isinstance(credits, dict) and credits.get("remaining") is not None:
            remaining[Fraction(str(credits["remaining"]))] += 1
        if kind == "plan" and status == "planned":
            terms[len(doc.get("terms") or ())] += 1
        if kind in ("audit", "assess") and status in MET:
            stacks[(target, stack_of(doc))] += 1
    return CohortReport(
        learners=learners,
        errors=errors,
        kinds=tuple(sorted(kinds.items())),
        statuses=tuple(sorted(statuses.items(), key=lambda kv: (-kv[1], kv[0]))),
        blocking_nodes=tuple(sorted((Blocker(t, i, titles[(t, i)], n) for (t, i), n in nodes.items()), key=lambda b: (-b.learners, b.target, b.id))),
        blocking_limits=tuple(sorted((Blocker(t, i, limit_kinds[(t, i)], n) for (t, i), n in limits.items()), key=lambda b: (-b.learners, b.target, b.id))),
        credit_by_rule=_transfers(by_rule),
        credit_by_provider=_transfers(by_provider),
        remaining=tuple(sorted(remaining.items())),
        planned_terms=tuple(sorted(terms.items())),
        stacks=tuple(sorted((Stack(t, c, n) for (t, c), n in stacks.items()), key=lambda s: (-s.learners, s.target, s.credentials))),
    )


def check_shape(doc: Any) -> None:
    """Raise ValueError unless ``doc`` has the shapes of a decision a batch writes, where the figures read them."""

    def need(ok: bool) -> None:
        if not ok:
            raise ValueError("not a decision")

    def number(value: Any) -> None:
        need(isinstance(value, str | int) and not isinstance(value, bool))
        Fraction(str(value))

    need(isinstance(doc, dict))
    need(isinstance(doc.get("status", ""), str) and isinstance(doc.get("target", ""), str | None))
    credits = doc.get("credits")
    need(credits is None or isinstance(credits, dict))
    for name in ("counted", "remaining"):
        if isinstance(credits, dict) and credits.get(name) is not None:
            number(credits[name])
    for key in ("nodes", "limits", "credit", "granted", "terms", "added"):
        need(isinstance(doc.get(key) or [], list))
    for node in doc.get("nodes") or ():
        need(isinstance(node, dict) and isinstance(node.get("id"), str) and isinstance(node.get("status"), str))
        need(node.get("parent") is None or isinstance(node.get("parent"), str))
        need(all(isinstance(c, str) for c in node.get("claimed") or ()))
    for limit in doc.get("limits") or ():
        need(isinstance(limit, dict) and isinstance(limit.get("id"), str))
    for c in doc.get("added") or ():
        need(isinstance(c, str))
    for credit in [*(doc.get("credit") or ()), *(r for r in doc.get("granted") or () if isinstance(r, dict) and "rule" in r)]:
        need(isinstance(credit, dict) and isinstance(credit.get("rule"), str) and isinstance(credit.get("sources") or [], list))
        need(isinstance(credit.get("granted") or [], list))
        for source in credit.get("sources") or ():
            need(isinstance(source, str) or (isinstance(source, dict) and isinstance(source.get("holding"), str)))
        for g in credit.get("granted") or ():
            need(isinstance(g, dict))
            number(g.get("credits", "0"))


def blocking(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The requirement nodes that block a learner: not met, in a decision whose target is not met, under no met node.

    A major not met beside another option that is met (its parent is met)
    blocks nothing, nor does anything in a met or undecided decision.
    """
    if doc.get("status") != "not_met":
        return []
    nodes = list(doc.get("nodes") or ())
    met = {str(n.get("id")) for n in nodes if n.get("status") in MET}
    parents = {str(n.get("id")): n.get("parent") for n in nodes}
    out = []
    for node in nodes:
        if node.get("status") != "not_met":
            continue
        parent, seen = node.get("parent"), set()
        while parent is not None and str(parent) not in met and str(parent) not in seen:
            seen.add(str(parent))
            parent = parents.get(str(parent))
        if parent is None or str(parent) in seen:
            out.append(node)
    return out


def status_of(doc: Mapping[str, Any]) -> str:
    """A decision document's status. An exploration has none: `explored`, or `not_decided` when its time limit was
    spent before any qualification was audited (the summary said `explored` of a learner nothing was decided for)."""
    if "status" in doc:
        return str(doc["status"])
    return "not_decided" if doc.get("audited") == 0 and doc.get("not_reached") else "explored"


def credit_rows(doc: Mapping[str, Any]) -> list[tuple[str, list[str], Fraction]]:
    """Each credit rule application of a decision: the rule, its source credentials, the credit it grants.

    Audits and plans list them under ``credit``, assessments under ``granted``
    (with each source as ``{"holding": id}``).
    """
    out = []
    for credit in [*(doc.get("credit") or ()), *(r for r in doc.get("granted") or () if isinstance(r, Mapping) and "rule" in r)]:
        sources = [str(s["holding"]) if isinstance(s, Mapping) else str(s) for s in credit.get("sources") or ()]
        amount = sum((Fraction(str(g.get("credits", "0"))) for g in credit.get("granted") or ()), Fraction(0))
        out.append((str(credit["rule"]), sources, amount))
    return out


def stack_of(doc: Mapping[str, Any]) -> tuple[str, ...]:
    """The prior learning a met decision rests on: credit rule sources and other providers' credentials it claims."""
    target = str(doc.get("target") or "")
    home = provider_of(target)
    found: set[str] = set()
    for _, sources, _ in credit_rows(doc):
        found.update(sources)
    for node in doc.get("nodes") or ():
        for claimed in node.get("claimed") or ():
            c = str(claimed)
            if not c.startswith("credit:") and provider_of(c) != home:
                found.add(c)
    return tuple(sorted(found)) or (HOME_ONLY,)


def _transfers(table: Mapping[str, list[Any]]) -> tuple[Transfer, ...]:
    out = [Transfer(name, len(who), apps, credits) for name, (who, apps, credits) in table.items()]
    return tuple(sorted(out, key=lambda t: (-t.credits, t.name)))


def remaining_bands(remaining: Iterable[tuple[Fraction, int]], width: int) -> list[tuple[str, int]]:
    """Remaining credit in bands of ``width`` (``0``, ``over 0 to 24``, ``over 24 to 48`` ...), for tables and charts."""
    bands: Counter[int] = Counter()
    for value, n in remaining:
        bands[0 if value <= 0 else int(-(-value // width))] += n
    out = []
    for band in sorted(bands):
        label = "0" if band == 0 else f"over {(band - 1) * width} to {band * width}"
        out.append((label, bands[band]))
    return out


def render_text(report: CohortReport, top: int = 10, band: int = 24) -> str:
    """The report as terminal tables."""
    out: list[str] = []
    decided = report.learners - report.errors
    out.append(f"Cohort: {report.learners} learner{'s' * (report.learners != 1)}, {decided} decided, {report.errors} error row{'s' * (report.errors != 1)}")
    out.append("Decisions: " + ", ".join(f"{n} {k}" for k, n in report.kinds))
    out.append("Status: " + ", ".join(f"{n} {s}" for s, n in report.statuses))

    def table(title: str, head: tuple[str, ...], rows: list[tuple[str, ...]], empty: str = "(none)") -> None:
        out.append("")
        out.append(title)
        if not rows:
            out.append(f"  {empty}")
            return
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
        out.append("  " + "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
        out.append("  " + "  ".join("-" * w for w in widths))
        for r in rows:
            out.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())

    def share(n: int) -> str:
        return f"{100 * n / decided:.1f}%" if decided else "-"

    table(
        "Blocking requirement nodes (not met)",
        ("target", "node", "title", "learners", "share"),
        [(b.target, b.id, b.title, str(b.learners), share(b.learners)) for b in report.blocking_nodes[:top]],
    )
    table(
        "Blocking limits (short or over)",
        ("target", "limit", "kind", "learners", "share"),
        [(b.target, b.id, b.title, str(b.learners), share(b.learners)) for b in report.blocking_limits[:top]],
    )
    table(
        "Credit transfer by rule",
        ("rule", "learners", "applications", "credit"),
        [(t.name, str(t.learners), str(t.applications), qtext(t.credits)) for t in report.credit_by_rule[:top]],
    )
    table(
        "Credit transfer by source provider",
        ("provider", "learners", "applications", "credit"),
        [(t.name, str(t.learners), str(t.applications), qtext(t.credits)) for t in report.credit_by_provider[:top]],
    )
    table(
        f"Remaining credit (bands of {band})",
        ("remaining", "learners", "share"),
        [(label, str(n), share(n)) for label, n in remaining_bands(report.remaining, band)],
    )
    planned = any(kind == "plan" for kind, _ in report.kinds)
    table(
        "Planned terms to completion",
        ("terms", "learners", "share"),
        [(str(t), str(n), share(n)) for t, n in report.planned_terms],
        "(none)" if planned else "(no plan decisions: plans are made with --command plan)",
    )
    table(
        "Stacks that lead to completion (met decisions)",
        ("target", "learners", "prior learning"),
        [(s.target, str(s.learners), " + ".join(s.credentials)) for s in report.stacks[:top]],
    )
    return "\n".join(out) + "\n"
