"""The plan record: what to add, term by term, and why (docs/language.md section 11, ``plan``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import ClassVar, Literal

from .audit import CreditApplication, Credits, Proof, Version
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
    name: str | None  # its name in the calendar (None: the plan's terms have no names)
    credentials: tuple[str, ...]
    credits: Fraction
    why_empty: str | None = None  # a term left empty says why (offerings, prerequisites)
    records: int = 0  # how many of its credentials are records (no credit, section 17): said in the text

    def to_json(self) -> JSONObject:
        out: JSONObject = {"term": self.term, "name": self.name, "credentials": list(self.credentials), "credits": q(self.credits)}
        if self.why_empty is not None:
            out["why_empty"] = self.why_empty
        return out


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One credential added, and why it is in the plan."""

    credential: str
    title: str | None
    term: int  # when it is taken
    credits: Fraction
    cost: Fraction | None
    why: str
    location: str | None  # its catalogue entry, file:line
    towards: tuple[str, ...] = ()  # the nodes (nearest with an id) it counts in; the qualification's id: its total only
    record: bool = False  # a record (no credit, section 17): the text says "record", not "0 credit"

    def to_json(self) -> JSONObject:
        return {
            "credential": self.credential,
            "title": self.title,
            "term": self.term,
            "credits": q(self.credits),
            "cost": q(self.cost),
            "why": self.why,
            "location": self.location,
            "counts_towards": list(self.towards),
        }


@dataclass(frozen=True, slots=True)
class PlanCost:
    """What the added credentials cost: one currency, or the list of those involved (none, or several).

    ``amount`` adds the known prices; ``unknown`` names what has no price (never counted as free).
    """

    amount: Fraction
    currency: str | tuple[str, ...]
    unknown: tuple[str, ...] = ()

    def to_json(self) -> JSONObject:
        currency: JSON = self.currency if isinstance(self.currency, str) else list(self.currency)
        return {"amount": q(self.amount), "currency": currency, "unknown": list(self.unknown)}


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another plan, in short."""

    added: tuple[str, ...]
    added_credits: Fraction
    cost: PlanCost
    terms: int  # the last term it uses

    def to_json(self) -> JSONObject:
        return {"added": list(self.added), "added_credits": q(self.added_credits), "cost": self.cost.to_json(), "terms": self.terms}


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan: the cheapest set of catalogue credentials that completes the target, scheduled."""

    kind: ClassVar[Literal["plan"]] = "plan"

    target: str
    title: str
    learner: str
    status: Literal[PlanStatus.MET, PlanStatus.PLANNED]
    objective: Objective
    tie_breaks: tuple[Objective, ...]  # after the objective, in this order
    as_of: dt.date
    credits: Credits  # the audit's figures with the plan's additions
    added: tuple[str, ...]
    added_credits: Fraction
    cost: PlanCost
    max_load: Fraction
    calendar: tuple[str, ...]  # the term names, repeating (empty: the terms have no names)
    terms: tuple[PlanTerm, ...]  # every term up to the last one used
    steps: tuple[PlanStep, ...]
    credit: tuple[CreditApplication, ...]
    credit_changed: bool  # the plan uses held prior learning differently from the audit (only when that lowers the objective)
    proof: Proof  # of the objective and the audit's credit kept
    tie_breaks_proven: bool  # False: the best tie break found within the time, not proven
    provenance: Provenance
    alternatives: tuple[Alternative, ...]
    # added study that earns credit through credit rules: its own credit, and the credit it is granted
    # (a 3-hour community-college course is 4.8 cp of study and may earn a 6-cp unit)
    earning_study: Fraction = Fraction(0)
    earned_credit: Fraction = Fraction(0)
    # sign-offs the target still waits for (section 17): (node, whose approval). No study completes them, so they are
    # not in the plan, and the target is complete only once they are given
    awaiting: tuple[tuple[str, str], ...] = ()
    # (credential, in_progress | planned): study the learner is taking or has planned that the plan adds again,
    # because without look-ahead it does not count (the plan holds should it not be passed)
    added_while_pending: tuple[tuple[str, str], ...] = ()
    # (credential, badge source, reason): credentials the plan adds for which the learner gave a badge that did not verify
    added_unverified: tuple[tuple[str, str, str], ...] = ()
    # added credit that counts towards no requirement (study taken only for a prerequisite it meets)
    uncounted: Fraction = Fraction(0)
    uncounted_earning: Fraction = Fraction(0)  # of ``uncounted``: study whose earned credit counts nowhere (text only)
    # added credit a pool takes past its need for a minimum limit, not a total (Priya's INFO3010, for `upper-level`):
    # why a plan adds more than the audit's `remaining` (text only)
    for_limits: Fraction = Fraction(0)
    fewer_alternatives: str | None = None  # fewer alternatives than asked for, and why
    # the plan relies on in-progress or planned study counted with look-ahead (the audit is met_pending, or has nodes so)
    relies_on_pending: bool = False
    version: Version | None = None  # the qualification version planned for (the audit's: commencement, as_of or a catalogue year)

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "target": self.target,
            "title": self.title,
            "learner": self.learner,
            "status": self.status.value,
            "objective": self.objective.value,
            "tie_breaks": [t.value for t in self.tie_breaks],
            "as_of": self.as_of.isoformat(),
            **({"version": self.version.to_json()} if self.version is not None else {}),
            "credits": self.credits.to_json(),
            "added": list(self.added),
            "added_credits": q(self.added_credits),
            "credit_from_added_study": {"study": q(self.earning_study), "granted": q(self.earned_credit)},
            "cost": self.cost.to_json(),
            "max_load": q(self.max_load),
            "calendar": list(self.calendar),
            "terms": records(self.terms),
            "steps": records(self.steps),
            "credit": records(self.credit),
            "credit_changed": self.credit_changed,
            "proof": self.proof.value,
            "tie_breaks_proven": self.tie_breaks_proven,
            "provenance": self.provenance.to_json(),
            "alternatives": records(self.alternatives),
        }
        if self.awaiting:
            out["awaiting_approval"] = [{"node": node, "approval": why} for node, why in self.awaiting]
        if self.fewer_alternatives is not None:
            out["fewer_alternatives"] = self.fewer_alternatives
        if self.relies_on_pending:
            out["relies_on_pending"] = True  # complete only once the study in progress or planned counted is passed
        if self.added_while_pending:
            out["added_while_pending"] = [{"credential": c, "status": status} for c, status in self.added_while_pending]
        if self.uncounted:
            out["added_credits_not_counted"] = q(self.uncounted)
        if self.added_unverified:
            out["added_unverified"] = [{"credential": c, "badge": source, "reason": reason} for c, source, reason in self.added_unverified]
        return out


@dataclass(frozen=True, slots=True)
class Unplaceable:
    """Why no plan fits: a credential a completion needs that cannot be placed (or, without one, the reason)."""

    credential: str | None
    why: str

    def to_json(self) -> JSONObject:
        return {"credential": self.credential, "why": self.why}


@dataclass(frozen=True, slots=True)
class NoPlan:
    """No plan: nothing the catalogue offers completes the target within the rules, offerings and load (or time ran out)."""

    kind: ClassVar[Literal["plan"]] = "plan"
    status: ClassVar[Literal[PlanStatus.NO_PLAN]] = PlanStatus.NO_PLAN

    target: str
    title: str
    learner: str
    objective: Objective
    as_of: dt.date
    why: str
    cannot_place: tuple[Unplaceable, ...]
    provenance: Provenance
    proof: Proof
    version: Version | None = None  # the qualification version planned for, as in Plan

    def to_json(self) -> JSONObject:
        return {
            "target": self.target,
            "title": self.title,
            "learner": self.learner,
            "status": self.status.value,
            "objective": self.objective.value,
            "as_of": self.as_of.isoformat(),
            **({"version": self.version.to_json()} if self.version is not None else {}),
            "why": self.why,
            "cannot_place": records(self.cannot_place),
            "provenance": self.provenance.to_json(),
            "proof": self.proof.value,
        }
