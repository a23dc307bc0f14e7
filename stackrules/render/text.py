"""Text renderings of decisions, for learners, advisors and registrars."""

from __future__ import annotations

from ..decisions.assess import AssessStatement
from ..decisions.audit import AuditDecision
from ..decisions.explore import Exploration
from ..decisions.record import DecisionRecord
from .assess import assess_text
from .audit import audit_text
from .plan import explore_text, plan_text


def render_text(decision: DecisionRecord) -> str:
    if isinstance(decision, AuditDecision):
        return audit_text(decision)
    if isinstance(decision, AssessStatement):
        return assess_text(decision)
    if isinstance(decision, Exploration):
        return explore_text(decision)
    return plan_text(decision)
