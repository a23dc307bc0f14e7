"""The assessment record: the advanced-standing statement (docs/language.md section 11, ``assess``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import ClassVar, Literal

from .audit import (
    AuditStatus,
    Basis,
    Equivalent,
    ExceptionEntry,
    ExceptionRefused,
    GrantNotUsed,
    LimitResult,
    Missing,
    Refusal,
    RefusalReason,
    RuleType,
    Version,
)
from .base import JSONObject, Provenance, q, records

EXPLANATION = {
    RefusalReason.CAP: "a cap on credit leaves no room",
    RefusalReason.NOT_NEEDED: "not needed to complete the target",
    RefusalReason.CONDITION: "a condition of the rule is not met",
    RefusalReason.SOURCE_USED: "the prior learning is already used",
    RefusalReason.NOT_EFFECTIVE: "the rule is not in force",
}


class NotCreditedReason(StrEnum):
    NO_RULE = "no_rule"  # no credit rule applies to it
    NOT_DECIDED = "not_decided"  # the time limit stopped the decision before whether it counts was known
    OTHER = "other"  # see the detail


@dataclass(frozen=True, slots=True)
class AssessCredits:
    """The statement's figures, which reconcile (each identity is checked by the tests on every shipped statement):

    - ``counted = counted_study + granted`` (granted credit is credit the choice counts);
    - ``granted = applicable + unusable`` (credit that reduces the study that remains, and credit that cannot);
    - ``remaining = required - counted + beyond_need`` when a completion exists
      (``beyond_need``: what counts, or what a completion adds, past what the
      requirements can use: a pool already full, an indivisible grant or unit);
    - ``0 <= unusable <= beyond_need``.
    """

    system: str
    required: Fraction | None  # None: the target has no credit total (section 17)
    counted: Fraction
    remaining: Fraction | None
    granted: Fraction
    counted_study: Fraction = Fraction(0)
    applicable: Fraction = Fraction(0)
    unusable: Fraction = Fraction(0)
    beyond_need: Fraction | None = None
    remaining_records: int = 0  # records (no credit) still needed too, as the audit counts them

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "system": self.system,
            "required": q(self.required),
            "counted": q(self.counted),
            "remaining": q(self.remaining),
            "granted": q(self.granted),
            "counted_study": q(self.counted_study),
            "applicable": q(self.applicable),
            "unusable": q(self.unusable),
            "beyond_need": q(self.beyond_need),
        }
        if self.remaining_records:
            out["remaining_records"] = self.remaining_records
        return out


@dataclass(frozen=True, slots=True)
class Surplus:
    """A requirement that counts more than it needs: why some credit does not reduce the study that remains."""

    node: str
    counted: Fraction
    needed: Fraction
    credit: Fraction  # of ``counted``, credit granted

    def to_json(self) -> JSONObject:
        return {"node": self.node, "counted": q(self.counted), "needed": q(self.needed), "credit": q(self.credit)}


@dataclass(frozen=True, slots=True)
class Source:
    """A holding a rule was applied to."""

    holding: str
    title: str
    # tags the learner file gives this holding beyond the catalogue's: an assertion of the learner's that a rule's
    # `from` may have matched, shown wherever the holding counts (section 18)
    stated_tags: tuple[str, ...] = ()
    described: bool = False  # no catalogue describes it: its type, credit, level and fields are the learner file's words

    def to_json(self) -> JSONObject:
        out: JSONObject = {"holding": self.holding, "title": self.title}
        if self.stated_tags:
            out["stated_tags"] = list(self.stated_tags)
        if self.described:
            out["described_by_learner"] = True
        return out


@dataclass(frozen=True, slots=True)
class GrantedAs:
    """Credit granted, with the title of what it is granted as."""

    as_: str
    credits: Fraction
    title: str

    def to_json(self) -> JSONObject:
        return {"as": self.as_, "credits": q(self.credits), "title": self.title}


@dataclass(frozen=True, slots=True)
class GrantedCredit:
    """One rule's credit, as the credit office states it."""

    rule: str
    type: RuleType
    title: str | None
    basis: Basis | None
    location: str
    sources: tuple[Source, ...]
    granted: tuple[GrantedAs, ...]
    exempt: tuple[str, ...]
    credits: Fraction
    confidence: str | None = None  # the rule's `confidence` when not `verified`: the figure rests on an unconfirmed source
    # what else the rule grants that the target cannot count (a maximum full, the need met otherwise), with why:
    # granted by the rule, never counted, so in none of the statement's figures
    not_used: tuple[GrantNotUsed, ...] = ()

    def to_json(self) -> JSONObject:
        return {
            "rule": self.rule,
            "type": self.type,
            "title": self.title,
            "basis": None if self.basis is None else self.basis.to_json(),
            "location": self.location,
            "sources": records(self.sources),
            "granted": records(self.granted),
            "not_used": [g.to_json() for g in self.not_used],
            "exempt": list(self.exempt),
            "credits": q(self.credits),
            "confidence": self.confidence,
        }


@dataclass(frozen=True, slots=True)
class NotCredited:
    """Prior learning neither credited nor refused by a rule."""

    holding: str
    title: str
    reason: NotCreditedReason
    detail: str
    own: bool = False  # the target provider's own study (in progress, failed, incompatible): not a credit decision
    nearest: str | None = None  # `no_rule`: the rule it nearly met (decisions.audit.Unused.nearest)

    def to_json(self) -> JSONObject:
        out: JSONObject = {"holding": self.holding, "title": self.title, "reason": self.reason.value, "detail": self.detail, "own_study": self.own}
        if self.nearest is not None:
            out["nearest"] = self.nearest
        return out


def refusal_json(r: Refusal) -> JSONObject:
    """A refusal as the statement writes it: with its explanation."""
    out = r.to_json()
    out["explanation"] = r.explanation or EXPLANATION[r.reason]
    return out


@dataclass(frozen=True, slots=True)
class AssessStatement:
    """An assessment: the credit granted rule by rule, what was refused or not credited, the study that remains."""

    kind: ClassVar[Literal["assess"]] = "assess"

    target: str
    title: str
    learner: str
    status: AuditStatus
    as_of: dt.date
    credits: AssessCredits
    granted: tuple[GrantedCredit, ...]
    refused: tuple[Refusal, ...]
    not_credited: tuple[NotCredited, ...]
    caps: tuple[LimitResult, ...]
    remaining_study: tuple[Missing, ...]
    provenance: Provenance
    surplus: tuple[Surplus, ...] = ()
    # the learner's exceptions, as the audit applies or refuses them: a waiver or substitution is a recognition
    # decision too, and the statement shows it
    exceptions: tuple[ExceptionEntry, ...] = ()
    exceptions_refused: tuple[ExceptionRefused, ...] = ()
    # with look-ahead: the holdings in progress or planned the statement rests on, counted as if passed (as the audit's)
    pending: tuple[str, ...] = ()
    # holdings counted as a credential they stand for (a superseded unit, an equivalent), as the audit's: a
    # recognition the officer should see beside the credit
    equivalents: tuple[Equivalent, ...] = ()
    # the version of the target the statement rests on, and why it was chosen (as the audit's): a statement made
    # against a requested catalogue year is a what-if, never the learner's own
    version: Version | None = None

    def to_json(self) -> JSONObject:
        return {
            "target": self.target,
            "title": self.title,
            "learner": self.learner,
            "status": self.status.value,
            "pending": list(self.pending),
            "as_of": self.as_of.isoformat(),
            **({"version": self.version.to_json()} if self.version is not None else {}),
            "credits": self.credits.to_json(),
            "granted": records(self.granted),
            "refused": [refusal_json(r) for r in self.refused],
            "not_credited": records(self.not_credited),
            "caps": records(self.caps),
            "remaining_study": records(self.remaining_study),
            "surplus": records(self.surplus),
            "exceptions": records(self.exceptions),
            "exceptions_refused": records(self.exceptions_refused),
            **({"equivalents": records(self.equivalents)} if self.equivalents else {}),
            "provenance": self.provenance.to_json(),
        }
