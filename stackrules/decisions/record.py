"""A decision record: any of the four decisions, each frozen, typed, with its ``to_json()``."""

from __future__ import annotations

from typing import TypeAlias

from .assess import AssessStatement
from .audit import AuditDecision
from .explore import Exploration
from .plan import NoPlan, Plan

DecisionRecord: TypeAlias = AuditDecision | AssessStatement | Plan | NoPlan | Exploration
