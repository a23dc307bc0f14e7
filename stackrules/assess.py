"""Credit-transfer assessment: the advanced-standing statement.

An assessment is the audit's joint decision seen from the credit office: the
credit granted towards the target rule by rule (type, basis, sources, as
what, how much), after caps; all prior learning refused or left unused, with
the reason; and the study that remains.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from .audit import Context, run_audit
from .decision import Decision, q
from .explain import footer, missing_lines, section
from .learner import Learner

_REASONS = {
    "cap": "a cap on credit leaves no room",
    "not_needed": "not needed to complete the target",
    "condition": "a condition of the rule is not met",
    "source_used": "the prior learning is already used",
    "not_effective": "the rule is not in force",
}


def assess_decision(ctx: Context, learner: Learner, target: str, as_of: dt.date, look_ahead: bool, time_limit: float) -> Decision:
    p, _, _, audit = run_audit(ctx, learner, target, as_of, look_ahead, time_limit)
    unit = audit["credits"]["system"]
    titles = {hv.key: (hv.attrs.title or hv.key) for hv in p.holdings}
    granted = []
    total = Fraction(0)
    for c in audit["credit"]:
        amount = sum((Fraction(g["credits"]) for g in c["granted"]), Fraction(0))
        total += amount
        granted.append(
            {
                "rule": c["rule"],
                "type": c["type"],
                "title": c["title"],
                "basis": c["basis"],
                "location": c["location"],
                "sources": [{"holding": s, "title": titles.get(s, s)} for s in c["sources"]],
                "granted": [{**g, "title": _grant_title(p, g["as"])} for g in c["granted"]],
                "exempt": c.get("exempt", []),
                "credits": q(amount),
            }
        )
    refused = [{**r, "explanation": _REASONS.get(r["reason"], r["reason"])} for r in audit["refused"]]
    refused_sources = {s for r in audit["refused"] for s in r["sources"]}
    not_credited = [
        {
            "holding": u["holding"],
            "title": titles.get(u["holding"], u["holding"]),
            "reason": "no_rule" if "none applies" in u["reason"] else "other",
            "detail": u["reason"],
        }
        for u in audit["unused"]
        if u["holding"] not in refused_sources
    ]
    caps = [lim for lim in audit["limits"] if lim.get("credit_cap")]
    data: dict[str, Any] = {
        "target": audit["target"],
        "title": audit["title"],
        "learner": audit["learner"],
        "status": audit["status"],
        "as_of": audit["as_of"],
        "credits": {**audit["credits"], "granted": q(total)},
        "granted": granted,
        "refused": refused,
        "not_credited": not_credited,
        "caps": caps,
        "remaining_study": audit["missing"],
        "provenance": audit["provenance"],
    }
    data["credits"]["system"] = unit
    return Decision.build("assess", data)


def _grant_title(p: Any, key: str) -> str:
    for it in p.items:
        if it.key == key:
            return str(it.attrs.title or key)
    return key


def assess_text(d: dict[str, Any]) -> str:
    c = d["credits"]
    unit = c["system"]
    out = [f"Advanced standing statement: {d['title']} ({d['target']})", f"Learner {d['learner']}, assessed as of {d['as_of']}", ""]
    out.append(f"Credit granted: {c['granted']} {unit} of the {c['required']} {unit} required.")
    rem = "no combination of catalogue study completes it" if c["remaining"] is None else f"{c['remaining']} {unit}"
    out.append(f"Study remaining: {rem}.")
    if d["granted"]:
        out.append("")
        out.append("Credit granted, rule by rule")
        for g in d["granted"]:
            basis = g["basis"]["reference"] if g.get("basis") else "no basis recorded"
            out.append(f"  {g['rule']} ({g['type']}): {g['title'] or ''}".rstrip())
            out.append(f"      basis: {basis}; rule at {g['location']}")
            out.append("      for: " + ", ".join(f"{s['holding']} {s['title']}" for s in g["sources"]))
            for item in g["granted"]:
                out.append(f"      granted: {item['as']} ({item['title']}), {item['credits']} {unit}")
            for n in g["exempt"]:
                out.append(f"      exempt from: {n}")
    section(out, "Caps", [f"  {cap['id']}: {cap['value']} of at most {cap['bound']} {unit} used" for cap in d["caps"]])
    section(out, "Credit refused", [f"  {', '.join(r['sources'])} under {r['rule']}: {r['explanation']} ({r['detail']})" for r in d["refused"]])
    section(out, "Prior learning not credited", [f"  {n['holding']} {n['title']}: {n['detail']}" for n in d["not_credited"]])
    section(out, "Study that remains", missing_lines(d["remaining_study"], unit))
    out += ["", footer(d)]
    return "\n".join(out) + "\n"
