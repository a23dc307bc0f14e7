"""Plans and explorations as text: what to add, term by term, and what a learner can finish."""

from __future__ import annotations

from ..decide.plan import MAX_TERMS
from ..decisions.explore import Exploration, ExploreRow
from ..decisions.plan import NoPlan, Plan, PlanStatus
from .common import footer, n, section


def plan_text(d: Plan | NoPlan) -> str:
    out = [f"Plan for {d.title} ({d.target}), learner {d.learner}, as of {d.as_of.isoformat()}"]
    if isinstance(d, NoPlan):
        out.append(f"No plan: {d.why}.")
        return "\n".join(out) + "\n"
    unit = d.credits.system
    if d.status is PlanStatus.MET:
        out.append("Already complete: nothing to add.")
    cost = d.cost
    cur = cost.currency if isinstance(cost.currency, str) else "/".join(cost.currency)
    price = f", cost {n(cost.amount)} {cur}".rstrip() if cur or cost.amount != 0 else ""
    out.append(
        f"Objective: least {d.objective}. Add {len(d.added)} credentials, {n(d.added_credits)} {unit}{price}; {len(d.terms)} terms at most {n(d.max_load)} {unit} each."
    )
    out.append(f"Proof: {d.proof}.")
    section(out, "Term by term", [f"  term {t.term} ({t.name}), {n(t.credits)} {unit}: {', '.join(t.credentials)}" for t in d.terms])
    if d.unscheduled:
        out.append(f"  not schedulable within {MAX_TERMS} terms: {', '.join(d.unscheduled)}")
    section(out, "Why each one", [f"  {s.credential} {s.title or ''} ({n(s.credits)} {unit}): {s.why}" for s in d.steps])
    section(out, "Credit used", [f"  {c.rule}: from {', '.join(c.sources)} grants {', '.join(g.as_ for g in c.granted)}" for c in d.credit])
    section(
        out,
        "Alternatives",
        [f"  {k}. {n(a.added_credits)} {unit}, cost {n(a.cost)}, {a.terms} terms: {', '.join(a.added)}" for k, a in enumerate(d.alternatives, 2)],
    )
    out += ["", footer(d.provenance)]
    return "\n".join(out) + "\n"


def explore_text(d: Exploration) -> str:
    out = [f"What learner {d.learner} can finish, as of {d.as_of.isoformat()} (least remaining first)", ""]
    for k, r in enumerate(d.qualifications, 1):
        if isinstance(r, ExploreRow):
            title = f" {r.title}" if r.title else ""
            plan = f"; cheapest plan adds {r.plan_size} credentials, {n(r.plan_credits)} {r.system}" if r.plan_size is not None else ""
        else:
            title = plan = ""
        out.append(f"{k:>3}. {r.target}{title}: {r.why}{plan}")
    return "\n".join(out) + "\n"
