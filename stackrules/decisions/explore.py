"""The exploration record: every qualification ranked by what remains (docs/language.md sections 11 and 16)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, Literal

from .audit import AuditStatus
from .base import JSONObject, Provenance, q, records

RANKED_BY = "remaining as a share of the target's total, then remaining in full-time years, then awards before framework types, then id"


def share_to_go(r: ExploreRow) -> Fraction:
    """What is still to do as a share of the whole: ``remaining`` over the credit total, or, for a target without
    one, over what counts and what remains together."""
    assert r.remaining is not None
    whole = r.required if r.required else r.counted + r.remaining
    return r.remaining / whole if whole else Fraction(0)


PlanStatus = Literal["planned", "no_plan", "not_decided"]


@dataclass(frozen=True, slots=True)
class ExploreRow:
    """One qualification, with its audit's figures and, when asked and possible, the size of its plan adding the least credit."""

    target: str
    title: str
    status: AuditStatus
    system: str
    counted: Fraction
    required: Fraction | None  # None: the target has no credit total (section 17)
    remaining: Fraction | None
    why: str
    plan_credits: Fraction | None = None  # None also when no plan was found
    plan_size: int | None = None  # None: no plan was asked for
    location: str | None = None  # file:line of the version audited
    plan_records: int = 0  # of ``plan_size``: records (no credit, section 17), said beside the credit
    # with a plan asked for: "planned"; "no_plan" (proven: none completes the target within its rules, the offerings
    # and the load); "not_decided" (the time limit was spent before a plan was made or proven impossible)
    plan_status: PlanStatus | None = None

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "target": self.target,
            "title": self.title,
            "status": self.status.value,
            "system": self.system,
            "counted": q(self.counted),
            "required": q(self.required),
            "remaining": q(self.remaining),
            "why": self.why,
        }
        if self.plan_size is not None:
            out["plan_status"] = self.plan_status
            out["plan_credits"] = q(self.plan_credits)
            out["plan_size"] = self.plan_size
            if self.plan_records:
                out["plan_records"] = self.plan_records
        if self.location is not None:
            out["location"] = self.location
        return out


@dataclass(frozen=True, slots=True)
class UnavailableRow:
    """A qualification that could not be audited for this learner on this day, and why."""

    status: ClassVar[Literal["unavailable"]] = "unavailable"

    target: str
    why: str
    not_reached: bool = False  # not audited because the exploration's time limit was spent first (the text says these once)

    def to_json(self) -> JSONObject:
        return {"target": self.target, "title": None, "status": self.status, "remaining": None, "why": self.why}


@dataclass(frozen=True, slots=True)
class Exploration:
    """What one learner can finish: every qualification, least remaining first."""

    kind: ClassVar[Literal["explore"]] = "explore"

    learner: str
    as_of: dt.date
    qualifications: tuple[ExploreRow | UnavailableRow, ...]
    provenance: Provenance

    def to_json(self) -> JSONObject:
        return {
            "learner": self.learner,
            "as_of": self.as_of.isoformat(),
            "ranked_by": RANKED_BY,
            # how many qualifications were audited, and how many the time limit left unaudited (each still a row)
            "audited": sum(1 for r in self.qualifications if isinstance(r, ExploreRow)),
            "not_reached": sum(1 for r in self.qualifications if isinstance(r, UnavailableRow) and r.not_reached),
            "qualifications": records(self.qualifications),
            "provenance": self.provenance.to_json(),
        }
