"""The audit decision (docs/language.md sections 11, 13 and 16) and the parts other decisions reuse.

Every record is frozen and slotted; statuses, reasons and kinds are enums or
``Literal``s; quantities are exact :class:`~fractions.Fraction` values, which
``to_json()`` writes as section 13's strings, in today's field order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import ClassVar, Literal

from .base import JSONObject, Provenance, day, q, records

ExceptionType = Literal["waive", "substitute", "add", "approve", "block", "value"]
ExceptionRefusedReason = Literal["approver_not_listed", "type_not_permitted", "dated_after_as_of", "outside_target", "needs_qualification_scope"]
RuleType = Literal["articulation", "stacking", "policy", "precedent", "rpl"]


class AuditStatus(StrEnum):
    """The answer of an audit."""

    MET = "met"
    MET_PENDING = "met_pending"
    NOT_MET = "not_met"
    INDETERMINATE = "indeterminate"  # the time limit stopped the solver before it proved an answer


class NodeStatus(StrEnum):
    MET = "met"
    MET_PENDING = "met_pending"
    NOT_MET = "not_met"
    WAIVED = "waived"
    EXEMPT = "exempt"
    NOT_APPLICABLE = "not_applicable"  # `when` / `unless` leave it out of this learner's tree (section 17)
    PENDING_APPROVAL = "pending_approval"  # an `approval` node no `approve` exception has signed yet


class LimitStatus(StrEnum):
    OK = "ok"
    SHORT = "short"


class LimitKind(StrEnum):
    """A compiled limit's kind (``max_share``/``min_share`` compile to credits, with ``share`` set)."""

    MAX_CREDITS = "max_credits"
    MIN_CREDITS = "min_credits"
    MAX_COUNT = "max_count"
    MIN_COUNT = "min_count"
    MIN_GPA = "min_gpa"
    MIN_DISTINCT = "min_distinct"

    @property
    def is_max(self) -> bool:
        return self.value.startswith("max")


class Proof(StrEnum):
    """How the reported choice was proved: the solver's status (a plan says ``indeterminate`` when it was not)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"
    INDETERMINATE = "indeterminate"


class RefusalReason(StrEnum):
    """Why credit was refused; when several hold, the first of these (section 16)."""

    NOT_EFFECTIVE = "not_effective"
    CONDITION = "condition"
    SOURCE_USED = "source_used"
    CAP = "cap"
    NOT_NEEDED = "not_needed"


class UnusedCause(StrEnum):
    """Why a holding is not counted (its ``reason`` text says it for people)."""

    DOES_NOT_COUNT = "does_not_count"  # not passed, not yet awarded, or in progress without look-ahead
    REFUSED = "refused"  # another provider's: a credit rule could use it, see `refused`
    NO_RULE = "no_rule"  # another provider's, and no credit rule applies to it
    NOT_ACCEPTED = "not_accepted"  # no requirement of the target accepts it
    INCOMPATIBLE = "incompatible"  # incompatible with a credential that counts
    NOT_NEEDED = "not_needed"  # the requirements it could fill are complete, or a limit leaves no room
    REPEAT = "repeat"  # the same credential held again: it counts once, as the record the reason names
    NOT_DECIDED = "not_decided"  # the time limit stopped the solver before it proved whether the holding counts
    UNGRADED_PROVIDER = "ungraded_provider"  # graded by a provider with no grade scale: the grade cannot be checked
    CONDITION = "condition"  # a requirement would take it, but a condition of it fails (grade, age)


VersionChoice = Literal["commencement", "as_of", "catalog_year"]


@dataclass(frozen=True, slots=True)
class Version:
    """The qualification version audited: when it is in force, where it is written, which day chose it and why."""

    effective_from: dt.date | None
    effective_until: dt.date | None
    location: str
    chosen_on: dt.date | None = None  # the day whose version is used
    chosen_by: VersionChoice | None = None  # the enrolment's commencement, ``as_of``, or a requested catalogue year
    # a requested catalogue year chose the very version the learner's own enrolment (or as_of) gives: no what-if
    same_as_own: bool = False

    def to_json(self) -> JSONObject:
        out: JSONObject = {"effective_from": day(self.effective_from), "effective_until": day(self.effective_until), "location": self.location}
        if self.chosen_by is not None:
            out["chosen_on"] = day(self.chosen_on)
            out["chosen_by"] = self.chosen_by
        if self.same_as_own:
            out["same_as_own"] = True
        return out


@dataclass(frozen=True, slots=True)
class Credits:
    """The target's credit in its system: required, counted by the choice, remaining (None: no catalogue completion)."""

    system: str
    required: Fraction | None  # None: the target has no credit total (section 17)
    counted: Fraction
    remaining: Fraction | None
    remaining_records: int = 0  # records (no credit) the completion also needs: a target can need them with 0 credit remaining
    over_full: Fraction = Fraction(0)  # counted credit past what its pools need (a grant into a pool already full)
    # study to add that a pool takes wholly past its need (there for a limit: "24 more, for limit `upper-level`, beyond
    # the 42 `electives` needs"), as against what passes a need because units come whole (text only)
    past_pools: Fraction = Fraction(0)
    units_over: Fraction = Fraction(0)  # of the study to add, what passes a pool's need because units come whole (text only)

    @property
    def beyond_need(self) -> Fraction:
        """Credit counted (or that a completion must add) past what the requirements can use: then
        ``counted + remaining = required + beyond_need`` (an indivisible grant into a pool already full)."""
        if self.required is None or self.remaining is None:
            return Fraction(0)
        return max(self.counted + self.remaining - self.required, Fraction(0))

    @property
    def unusable(self) -> Fraction:
        """Of ``beyond_need``, the credit already counted that the requirements cannot use; the rest is what a
        completion adds past the need (units come whole)."""
        return min(self.over_full, self.beyond_need)

    def to_json(self) -> JSONObject:
        out: JSONObject = {"system": self.system, "required": q(self.required), "counted": q(self.counted), "remaining": q(self.remaining)}
        if self.beyond_need:
            out["beyond_need"] = q(self.beyond_need)
            out["unusable"] = q(self.unusable)
        if self.remaining_records:
            out["remaining_records"] = self.remaining_records
        return out


@dataclass(frozen=True, slots=True)
class NodeResult:
    """One node with an id, in tree order, with what its subtree claimed."""

    id: str
    title: str | None
    parent: str | None  # the nearest enclosing node with an id
    status: NodeStatus
    claimed: tuple[str, ...]
    credits: Fraction
    required: Fraction | None = None  # a credit pool's credits, or a node's min_total
    required_count: int | None = None  # a counting pool's count
    location: str | None = None
    pending: tuple[str, ...] = ()  # claimed holdings still in progress
    exceptions: tuple[str, ...] = ()  # `type: reason` of the exceptions its claims use
    why: str | None = None  # for a node not applicable or pending approval: why, in words
    # a choice (`any` / `at_least` with more parts than it needs): its credit is what its parts claim, whichever counts
    # (the text says so: "24 exu-cp across its choices", not a major's worth). Not in the JSON (its parts are there)
    choice: bool = False

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "id": self.id,
            "title": self.title,
            "parent": self.parent,
            "status": self.status.value,
            "claimed": list(self.claimed),
            "credits": q(self.credits),
        }
        if self.why is not None:
            out["why"] = self.why
        if self.required is not None:
            out["required"] = q(self.required)
        elif self.required_count is not None:
            out["required_count"] = self.required_count
        if self.location:
            out["location"] = self.location
        if self.pending:
            out["pending"] = list(self.pending)
        if self.exceptions:
            out["exceptions"] = list(self.exceptions)
        return out


@dataclass(frozen=True, slots=True)
class LimitResult:
    """One limit, the qualification's or a node's (``node``: the nearest node with an id; None at the top)."""

    id: str
    kind: LimitKind
    status: LimitStatus
    value: Fraction
    bound: Fraction
    where: str | None = None  # the filter, as a reader would say it
    credit_cap: bool = False  # a maximum on credit granted by rules
    node: str | None = None
    share: Fraction | None = None  # for max_share / min_share
    location: str | None = None  # file:line of the limit in its document
    met_pending: bool = False  # a minimum reached only with study in progress or planned (look-ahead)
    # a `min_gpa` over no graded credit: it holds, and its value is its bound (nothing to average); said, not hidden
    ungraded: bool = False
    # the node it stands on is waived, exempt or not applicable (or under one): the limit is not applied (status ok)
    not_applied: bool = False

    def to_json(self) -> JSONObject:
        out: JSONObject = {"id": self.id, "kind": self.kind.value, "status": self.status.value, "value": q(self.value), "bound": q(self.bound)}
        if self.met_pending:
            out["met_pending"] = True
        if self.ungraded:
            out["ungraded"] = True
        if self.not_applied:
            out["not_applied"] = True
        if self.where is not None:
            out["where"] = self.where
        if self.credit_cap:
            out["credit_cap"] = True
        out["node"] = self.node  # null for the qualification's own limits (docs/language.md section 16)
        if self.share is not None:
            out["share"] = q(self.share)
        if self.location is not None:
            out["location"] = self.location
        return out


@dataclass(frozen=True, slots=True)
class Granted:
    """Credit granted by an application, as a credential (or as unspecified credit)."""

    as_: str
    credits: Fraction
    title: str | None = None  # the credential's title, or the grant's (never only `credit:RULE:N`)

    def to_json(self) -> JSONObject:
        out: JSONObject = {"as": self.as_, "credits": q(self.credits)}
        if self.title is not None:
            out["title"] = self.title
        return out


@dataclass(frozen=True, slots=True)
class GrantNotUsed:
    """Credit an application grants that the reported choice does not count, and why.

    Section 16's reasons for credit refused: ``cap`` when a maximum that could count it is full (counting what
    the completion still adds), else ``not_needed``; ``detail`` says which limit, or what else meets the need."""

    as_: str
    credits: Fraction
    title: str | None
    reason: RefusalReason
    detail: str

    def to_json(self) -> JSONObject:
        out: JSONObject = {"as": self.as_, "credits": q(self.credits)}
        if self.title is not None:
            out["title"] = self.title
        out["reason"] = str(self.reason)
        out["detail"] = self.detail
        return out


@dataclass(frozen=True, slots=True)
class Basis:
    reference: str
    url: str | None

    def to_json(self) -> JSONObject:
        return {"reference": self.reference, "url": self.url}


@dataclass(frozen=True, slots=True)
class CreditApplication:
    """One application of a credit rule that the reported choice uses."""

    rule: str
    type: RuleType
    title: str | None
    application: int  # the rule's slot number
    into: str
    basis: Basis | None
    sources: tuple[str, ...]
    granted: tuple[Granted, ...]  # only what the choice claims
    location: str
    exempt: tuple[str, ...] = ()  # node ids it exempts
    confidence: str | None = None  # the rule's `confidence`, when it is not `verified`: the figure rests on an unconfirmed source
    not_used: tuple[GrantNotUsed, ...] = ()  # what else the application grants, which the choice does not count
    # sources with tags only the learner file gives them (section 17's holding overrides): (source, tags), shown wherever
    # the holding counts, a rule's `from` included, so that an officer sees what the credit rests on (section 18)
    stated_tags: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # sources no catalogue describes, whose type, credit, level and fields are the learner file's own words (an
    # inline holding of a provider without a catalog, section 10): what the credit rests on, said (section 18)
    described: tuple[str, ...] = ()

    @property
    def credits(self) -> Fraction:
        return sum((g.credits for g in self.granted), Fraction(0))

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "rule": self.rule,
            "type": self.type,
            "title": self.title,
            "application": self.application,
            "into": self.into,
            "basis": None if self.basis is None else self.basis.to_json(),
            "sources": list(self.sources),
            "granted": [g.to_json() for g in self.granted],
            "location": self.location,
        }
        if self.exempt:
            out["exempt"] = list(self.exempt)
        if self.confidence is not None:
            out["confidence"] = self.confidence
        if self.not_used:
            out["not_used"] = [g.to_json() for g in self.not_used]
        if self.stated_tags:
            out["stated_tags"] = {key: list(tags) for key, tags in self.stated_tags}
        if self.described:
            out["described_by_learner"] = list(self.described)
        return out


@dataclass(frozen=True, slots=True)
class Refusal:
    """Credit a rule would give that the decision refuses, and why."""

    rule: str
    sources: tuple[str, ...]
    reason: RefusalReason
    detail: str
    location: str | None = None  # file:line of the rule
    # what the refusal is, when its reason's usual sense does not fit: section 16 has no reason for credit refused
    # because it would count beside study it is `incompatible` with, which falls to `not_needed`
    explanation: str | None = None

    def to_json(self) -> JSONObject:
        out: JSONObject = {"rule": self.rule, "sources": list(self.sources), "reason": self.reason.value, "detail": self.detail}
        if self.location is not None:
            out["location"] = self.location
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return out


@dataclass(frozen=True, slots=True)
class Missing:
    """What is still needed under one node (or the qualification); ``credits`` None when nothing completes it."""

    node: str
    credits: Fraction | None
    credentials: tuple[str, ...]
    text: str
    records: int = 0  # records (type: record, no credit) among what is needed

    def to_json(self) -> JSONObject:
        out: JSONObject = {"node": self.node, "credits": q(self.credits), "credentials": list(self.credentials), "text": self.text}
        if self.records:
            out["records"] = self.records
        return out


@dataclass(frozen=True, slots=True)
class Applied:
    """A holding or a grant the choice claims, as the explanation shows it: title, credit, grade, date."""

    holding: str
    title: str | None
    credits: Fraction
    source: Literal["home", "credit"]
    grade: str | None = None
    awarded: dt.date | None = None
    status: str = "completed"  # completed | in_progress | planned (pending ones count only with look-ahead)
    # tags the learner file gives this holding beyond the catalogue's (section 17's holding overrides): an assertion
    # of the learner's, shown wherever the holding counts so that an officer sees what rests on it (section 18)
    stated_tags: tuple[str, ...] = ()

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "holding": self.holding,
            "title": self.title,
            "credits": q(self.credits),
            "source": self.source,
            "grade": self.grade,
            "awarded": day(self.awarded),
            "status": self.status,
        }
        if self.stated_tags:
            out["stated_tags"] = list(self.stated_tags)
        return out


@dataclass(frozen=True, slots=True)
class Equivalent:
    """A holding counted where a leaf names another credential it stands for (`supersedes` / `equivalent`)."""

    node: str
    holding: str
    as_: str
    relation: str  # supersedes (the holding supersedes the named one) | superseded | equivalent
    rule: str | None = None  # a source of this credit rule's `from` (then ``node`` is the target), not a leaf's claim

    def to_json(self) -> JSONObject:
        out: JSONObject = {"node": self.node, "holding": self.holding, "as": self.as_, "relation": self.relation}
        if self.rule is not None:
            out["rule"] = self.rule
        return out


@dataclass(frozen=True, slots=True)
class Shared:
    """A holding that counts in more than one requirement (`shares_with`, `share: [ids]`), once in the total."""

    holding: str
    nodes: tuple[str, ...]  # the nearest named nodes that claim it, in tree order
    only_listed: bool = False  # allowed by a `share: [ids]` list (only listed credentials may count in both)

    def to_json(self) -> JSONObject:
        return {"holding": self.holding, "nodes": list(self.nodes), "by": "share" if self.only_listed else "shares_with"}


@dataclass(frozen=True, slots=True)
class Unused:
    """A holding the decision does not count: ``cause`` for programs, ``reason`` for people."""

    holding: str
    cause: UnusedCause
    reason: str
    # `no_rule` only: the rules into the target that take study like it only in a related field, with both sets of
    # fields (the nearest miss a credit officer would look at); the reason ends with it too
    nearest: str | None = None
    title: str | None = None  # the holding's title, for the text (the JSON names the holding by its key)

    def to_json(self) -> JSONObject:
        out: JSONObject = {"holding": self.holding, "cause": self.cause.value, "reason": self.reason}
        if self.nearest is not None:
            out["nearest"] = self.nearest
        return out


@dataclass(frozen=True, slots=True)
class ExceptionEntry:
    """A learner's exception, and what it did in this decision."""

    type: ExceptionType
    node: str
    credential: str | None
    instead_of: str | None
    reason: str
    approved_by: str
    date: dt.date
    effect: str

    def to_json(self) -> JSONObject:
        return {
            "type": self.type,
            "node": self.node,
            "credential": self.credential,
            "instead_of": self.instead_of,
            "reason": self.reason,
            "approved_by": self.approved_by,
            "date": self.date.isoformat(),
            "effect": self.effect,
        }


@dataclass(frozen=True, slots=True)
class ExceptionRefused:
    """A learner's exception that does not count (section 18), and why."""

    type: ExceptionType
    node: str
    credential: str | None
    instead_of: str | None
    approved_by: str
    date: dt.date
    reason: ExceptionRefusedReason
    detail: str

    def to_json(self) -> JSONObject:
        return {
            "type": self.type,
            "node": self.node,
            "credential": self.credential,
            "instead_of": self.instead_of,
            "approved_by": self.approved_by,
            "date": self.date.isoformat(),
            "reason": self.reason,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class AuditDecision:
    """An audit: is the target met for this learner on this day, and what is still needed."""

    kind: ClassVar[Literal["audit"]] = "audit"

    target: str
    title: str
    learner: str
    status: AuditStatus
    as_of: dt.date
    version: Version
    look_ahead: bool
    credits: Credits
    nodes: tuple[NodeResult, ...]
    limits: tuple[LimitResult, ...]
    credit: tuple[CreditApplication, ...]
    refused: tuple[Refusal, ...]
    missing: tuple[Missing, ...]
    unused: tuple[Unused, ...]
    exceptions: tuple[ExceptionEntry, ...]
    pending: tuple[str, ...]
    proof: Proof
    provenance: Provenance
    bound: float | None = None  # the solver's bound, when indeterminate
    applied: tuple[Applied, ...] = ()  # what the claims are, for people: one entry per claimed holding or grant
    gpa: Fraction | None = None  # credit-weighted grade points of the counted study, where its grade scale has points
    exceptions_refused: tuple[ExceptionRefused, ...] = ()
    equivalents: tuple[Equivalent, ...] = ()  # holdings counted as a credential they stand for (section 17)
    shared: tuple[Shared, ...] = ()  # holdings counted in more than one requirement, once in the total

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "target": self.target,
            "title": self.title,
            "learner": self.learner,
            "status": self.status.value,
            "as_of": self.as_of.isoformat(),
            "version": self.version.to_json(),
            "look_ahead": self.look_ahead,
            "credits": self.credits.to_json(),
            "nodes": records(self.nodes),
            "limits": records(self.limits),
            "credit": records(self.credit),
            "refused": records(self.refused),
            "missing": records(self.missing),
            "unused": records(self.unused),
            "exceptions": records(self.exceptions),
            "exceptions_refused": records(self.exceptions_refused),
            "pending": list(self.pending),
            "proof": self.proof.value,
            "applied": records(self.applied),
        }
        if self.gpa is not None:
            out["gpa"] = q(self.gpa)
        if self.equivalents:
            out["equivalents"] = records(self.equivalents)
        if self.shared:
            out["shared"] = records(self.shared)
        if self.status is AuditStatus.INDETERMINATE:
            out["bound"] = self.bound
        out["provenance"] = self.provenance.to_json()
        return out
