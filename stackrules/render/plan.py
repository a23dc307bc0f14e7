"""Planning: the cheapest way to complete a target, and exploring every target.

A plan is the audit's completion model with the objective changed: least
added credit (``credits``), least cost (``cost``), or fewest terms
(``terms``), honouring prerequisites (transitively: a prerequisite the
learner lacks is added too), ``incompatible``, offerings and a per-term load.
Alternatives are found by excluding each plan found and solving again.
"""

from __future__ import annotations

from typing import Any

from ..decide.plan import MAX_TERMS
from .common import footer, section


def plan_text(d: dict[str, Any]) -> str:
    out = [f"Plan for {d['title']} ({d['target']}), learner {d['learner']}, as of {d['as_of']}"]
    if d["status"] == "no_plan":
        out.append(f"No plan: {d['why']}.")
        return "\n".join(out) + "\n"
    unit = d["credits"]["system"]
    if d["status"] == "met":
        out.append("Already complete: nothing to add.")
    cost = d["cost"]
    cur = cost["currency"] if isinstance(cost["currency"], str) else "/".join(cost["currency"])
    price = f", cost {cost['amount']} {cur}".rstrip() if cur or cost["amount"] != "0" else ""
    out.append(
        f"Objective: least {d['objective']}. Add {len(d['added'])} credentials, {d['added_credits']} {unit}{price}; {len(d['terms'])} terms at most {d['max_load']} {unit} each."
    )
    out.append(f"Proof: {d['proof']}.")
    section(out, "Term by term", [f"  term {t['term']} ({t['name']}), {t['credits']} {unit}: {', '.join(t['credentials'])}" for t in d["terms"]])
    if d["unscheduled"]:
        out.append(f"  not schedulable within {MAX_TERMS} terms: {', '.join(d['unscheduled'])}")
    section(out, "Why each one", [f"  {s['credential']} {s['title'] or ''} ({s['credits']} {unit}): {s['why']}" for s in d["steps"]])
    section(out, "Credit used", [f"  {c['rule']}: from {', '.join(c['sources'])} grants {', '.join(g['as'] for g in c['granted'])}" for c in d["credit"]])
    section(
        out,
        "Alternatives",
        [f"  {k}. {a['added_credits']} {unit}, cost {a['cost']}, {a['terms']} terms: {', '.join(a['added'])}" for k, a in enumerate(d["alternatives"], 2)],
    )
    out += ["", footer(d)]
    return "\n".join(out) + "\n"


def explore_text(d: dict[str, Any]) -> str:
    out = [f"What learner {d['learner']} can finish, as of {d['as_of']} (least remaining first)", ""]
    for k, r in enumerate(d["qualifications"], 1):
        title = f" {r['title']}" if r.get("title") else ""
        plan = f"; cheapest plan adds {r['plan_size']} credentials, {r['plan_credits']} {r['system']}" if r.get("plan_size") is not None else ""
        out.append(f"{k:>3}. {r['target']}{title}: {r['why']}{plan}")
    return "\n".join(out) + "\n"
