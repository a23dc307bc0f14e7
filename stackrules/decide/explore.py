"""Planning: the cheapest way to complete a target, and exploring every target.

A plan is the audit's completion model with the objective changed: least
added credit (``credits``), least cost (``cost``), or fewest terms
(``terms``), honouring prerequisites (transitively: a prerequisite the
learner lacks is added too), ``incompatible``, offerings and a per-term load.
Alternatives are found by excluding each plan found and solving again.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from ..decisions.record import Record
from ..errors import RequestError
from ..language.documents import Learner
from .audit import Context, audit_decision
from .plan import PlanOptions, plan_decision


def explore_decision(ctx: Context, learner: Learner, as_of: dt.date, time_limit: float, with_plans: bool = True) -> Record:
    """Every qualification ranked by what remains for this learner ("what can I finish?")."""
    rows: list[dict[str, Any]] = []
    for qid in ctx.rb.qualification_ids():
        try:
            audit = audit_decision(ctx, learner, qid, as_of, False, time_limit).to_json()  # the learner is checked once, by the caller
        except RequestError as exc:
            rows.append({"target": qid, "title": None, "status": "unavailable", "remaining": None, "why": exc.message})
            continue
        rem = audit["credits"]["remaining"]
        unit = audit["credits"]["system"]
        row: dict[str, Any] = {
            "target": qid,
            "title": audit["title"],
            "status": audit["status"],
            "system": unit,
            "counted": audit["credits"]["counted"],
            "required": audit["credits"]["required"],
            "remaining": rem,
        }
        if audit["status"] in ("met", "met_pending"):
            row["why"] = "complete" if audit["status"] == "met" else "complete once in-progress study is passed"
        elif rem is None:
            row["why"] = audit["missing"][0]["text"] if audit["missing"] else "cannot be completed from the catalogue"
        else:
            parts = [f"{m['node']} {m['credits']}" for m in audit["missing"][:3]]
            row["why"] = f"{rem} {unit} to go: " + ", ".join(parts) + (" ..." if len(audit["missing"]) > 3 else "")
        if with_plans and rem is not None and audit["status"] not in ("met", "met_pending"):
            plan = plan_decision(ctx, learner, qid, as_of, PlanOptions(), time_limit).to_json()
            row["plan_credits"] = plan.get("added_credits")
            row["plan_size"] = len(plan.get("added", []))
        rows.append(row)

    def key(r: dict[str, Any]) -> tuple[int, Fraction, str]:
        rem = r.get("remaining")
        years = Fraction(rem) / ctx.rb.systems[r["system"]].full_time_year if rem is not None and r.get("system") else None
        return (0 if years is not None else 1, years if years is not None else Fraction(0), r["target"])

    rows.sort(key=key)
    data = {
        "learner": learner.id,
        "as_of": as_of.isoformat(),
        "ranked_by": "remaining, in full-time years",
        "qualifications": rows,
        "provenance": {"rules_digest": ctx.prov.rules_digest, "engine": ctx.prov.engine},
    }
    return Record.build("explore", data)
