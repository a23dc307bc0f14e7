"""The plan record: what to add, term by term, and why (LANGUAGE.md section 11, ``plan``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import ClassVar, Literal

from .audit import CreditApplication, Credits, Proof
from .base import JSON, JSONObject, Provenance, q, records


class PlanStatus(StrEnum):
    MET = "met"  # already complete: nothing to add
    PLANNED = "planned"
    NO_PLAN = "no_plan"  # no set of catalogue credentials completes the target


class Objective(StrEnum):
    CREDITS = "credits"
    COST = "cost"
    TERMS = "terms"


@dataclass(frozen=True, slots=True)
class PlanTerm:
    """One term of the schedule: the credentials taken together."""

    term: int  # 1 for the first term after the decision's day
    name: str  # its name in the calendar
    credentials: tuple[str, ...]
    credits: Fraction

    def to_json(self) -> JSONObject:
        return {"term": self.term, "name": self.name, "credentials": list(self.credentials), "credits": q(self.credits)}


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One credential added, and why it is in the plan."""

    credential: str
    title: str | None
    credits: Fraction
    cost: Fraction | None
    why: str

    def to_json(self) -> JSONObject:
        return {"credential": self.credential, "title": self.title, "credits": q(self.credits), "cost": q(self.cost), "why": self.why}


@dataclass(frozen=True, slots=True)
class PlanCost:
    """What the added credentials cost: one currency, or the list of those involved (none, or several)."""

    amount: Fraction
    currency: str | tuple[str, ...]

    def to_json(self) -> JSONObject:
        currency: JSON = self.currency if isinstance(self.currency, str) else list(self.currency)
        return {"amount": q(self.amount), "currency": currency}


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another plan, in short."""

    added: tuple[str, ...]
    added_credits: Fraction
    cost: Fraction
    terms: int  # how many terms it takes

    def to_json(self) -> JSONObject:
        return {"added": list(self.added), "added_credits": q(self.added_credits), "cost": q(self.cost), "terms": self.terms}


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan: the cheapest set of catalogue credentials that completes the target, scheduled."""

    kind: ClassVar[Literal["plan"]] = "plan"

    target: str
    title: str
    learner: str
    status: Literal[PlanStatus.MET, PlanStatus.PLANNED]
    objective: Objective
    as_of: dt.date
    credits: Credits  # the audit's figures with the plan's additions
    added: tuple[str, ...]
    added_credits: Fraction
    cost: PlanCost
    max_load: Fraction
    terms: tuple[PlanTerm, ...]
    unscheduled: tuple[str, ...]
    steps: tuple[PlanStep, ...]
    credit: tuple[CreditApplication, ...]
    proof: Proof
    provenance: Provenance
    alternatives: tuple[Alternative, ...]

    def to_json(self) -> JSONObject:
        return {
            "target": self.target,
            "title": self.title,
            "learner": self.learner,
            "status": self.status.value,
            "objective": self.objective.value,
            "as_of": self.as_of.isoformat(),
            "credits": self.credits.to_json(),
            "added": list(self.added),
            "added_credits": q(self.added_credits),
            "cost": self.cost.to_json(),
            "max_load": q(self.max_load),
            "terms": records(self.terms),
            "unscheduled": list(self.unscheduled),
            "steps": records(self.steps),
            "credit": records(self.credit),
            "proof": self.proof.value,
            "provenance": self.provenance.to_json(),
            "alternatives": records(self.alternatives),
        }


@dataclass(frozen=True, slots=True)
class NoPlan:
    """No plan: nothing the catalogue offers completes the target."""

    kind: ClassVar[Literal["plan"]] = "plan"
    status: ClassVar[Literal[PlanStatus.NO_PLAN]] = PlanStatus.NO_PLAN

    target: str
    title: str
    learner: str
    objective: Objective
    as_of: dt.date
    why: str
    provenance: Provenance
    proof: Proof

    def to_json(self) -> JSONObject:
        return {
            "target": self.target,
            "title": self.title,
            "learner": self.learner,
            "status": self.status.value,
            "objective": self.objective.value,
            "as_of": self.as_of.isoformat(),
            "why": self.why,
            "provenance": self.provenance.to_json(),
            "proof": self.proof.value,
        }
