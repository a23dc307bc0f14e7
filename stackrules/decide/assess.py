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

from ..decisions.record import Record, q
from ..language.documents import Learner
from .audit import Context, run_audit

_REASONS = {
    "cap": "a cap on credit leaves no room",
    "not_needed": "not needed to complete the target",
    "condition": "a condition of the rule is not met",
    "source_used": "the prior learning is already used",
    "not_effective": "the rule is not in force",
}


def _grant_title(p: Any, key: str) -> str:
    for it in p.items:
        if it.key == key:
            return str(it.attrs.title or key)
    return key


def assess_decision(ctx: Context, learner: Learner, target: str, as_of: dt.date, look_ahead: bool, time_limit: float) -> Record:
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
    return Record.build("assess", data)
