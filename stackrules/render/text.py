"""Text renderings of decisions, for learners, advisors and registrars."""

from __future__ import annotations

from ..decisions.record import Record
from .assess import assess_text
from .audit import audit_text
from .plan import explore_text, plan_text


def render_text(decision: Record) -> str:
    data = decision.to_json()
    if decision.kind == "audit":
        return audit_text(data)
    if decision.kind == "explore":
        return explore_text(data)
    if decision.kind == "plan":
        return plan_text(data)
    if decision.kind == "assess":
        return assess_text(data)
    return str(data)
