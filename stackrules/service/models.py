"""The service's request and response models: they validate requests and generate the OpenAPI document.

Requests are strict (a date is ``YYYY-MM-DD`` text, a flag is ``true`` or
``false``, unknown fields are refused) so that an integrator's typo is a 422
that names the field, not a silently different decision. The learner is the
learner document of docs/language.md section 10 as JSON; the engine validates it
and reports positioned diagnostics. Responses are docs/language.md section 13's
documents, described here by their main fields (more fields are welcome).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator
from pydantic.config import JsonDict

from ..language.models import FIRST_DAY, LAST_DAY, iso_day, no_such_day

LEARNER_MARK = "x-stackrules-learner"  # replaced by a reference to the learner's schema in the OpenAPI document
LearnerJSON = Annotated[
    dict[str, Any],
    WithJsonSchema({"type": "object", LEARNER_MARK: True}),
    Field(description="The learner document (docs/language.md section 10) as JSON."),
]


def _iso_day(value: Any) -> Any:
    """A day is ``YYYY-MM-DD`` text, nothing else (no timestamps, no times)."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return iso_day(value)
        except ValueError:
            if value[4] == "-" and value[7] == "-" and (value[:4] + value[5:7] + value[8:]).isdigit():
                raise ValueError(f"{value} is not a day of the calendar: {no_such_day(value)}") from None
            raise ValueError("not a calendar day: write YYYY-MM-DD") from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ValueError("a day is written YYYY-MM-DD")


Day = Annotated[dt.date, BeforeValidator(_iso_day), WithJsonSchema({"type": "string", "format": "date", "example": "2026-11-28"})]
AsOf = Annotated[Day | None, Field(default=None, description="The day of the decision (YYYY-MM-DD). Default: today, on the server.")]
TimeLimit = Annotated[
    float | None,
    Field(default=None, gt=0, allow_inf_nan=False, description="Seconds before the decision is `indeterminate`. Default and cap: the server's (10 s, 30 s)."),
]
Id = Annotated[str, Field(min_length=1, max_length=200)]

EXAMPLE_LEARNER: dict[str, Any] = {
    "kind": "learner",
    "id": "L-0001",
    "enrolments": [{"qualification": "exu:BIT", "commenced": "2025-02-24"}],
    "holdings": [
        {"credential": "exu:COMP1010", "awarded": "2025-06-30", "grade": "DN"},
        {"credential": "exu:COMP2010", "status": "in_progress"},
        {"credential": "tafe-nsw:ICT50220", "awarded": "2022-12-01"},
    ],
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


CatalogYear = Annotated[
    int | None,
    Field(
        ge=FIRST_DAY.year,
        le=LAST_DAY.year,
        description="What-if: use the target's version of this catalogue year (in force on 1 January, else the first that year), not the learner's.",
    ),
]


class DecideRequest(Strict):
    learner: LearnerJSON
    target: Id = Field(description="The qualification (or framework qualification type), e.g. `exu:BIT`.")
    as_of: AsOf = None
    look_ahead: bool = Field(default=False, description="Count in-progress and planned study (marked pending).")
    time_limit: TimeLimit = None
    catalog_year: CatalogYear = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"learner": EXAMPLE_LEARNER, "target": "exu:BIT", "as_of": "2026-11-28"}]})


class AuditRequest(DecideRequest):
    """An audit: is the target met by the learner's stack on ``as_of``, and why."""


class AssessRequest(DecideRequest):
    """A credit-transfer assessment: credit granted rule by rule, refusals, what study remains."""


class PlanRequest(Strict):
    """A plan: the cheapest set of catalogue credentials that completes the target, term by term."""

    learner: LearnerJSON
    target: Id
    as_of: AsOf = None
    objective: Literal["credits", "cost", "terms"] = "credits"
    alternatives: int = Field(default=0, ge=0, le=20, description="Also the next K best distinct plans.")
    max_load: str | None = Field(default=None, max_length=40, description="Credit per term in the target's system, e.g. `24` (default: half a full-time year).")
    terms: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list,
        max_length=40,
        description="The term calendar, e.g. `[S1, S2]` (default: the offering names of what the plan could add; none: terms are numbered, not named).",
    )
    look_ahead: bool = Field(default=False, description="Count in-progress and planned study (marked pending); never added again by a plan.")
    allow_unpriced: bool = Field(default=False, description="Objective cost: credentials without a price may be chosen.")
    time_limit: TimeLimit = None
    catalog_year: CatalogYear = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"learner": EXAMPLE_LEARNER, "target": "exu:BIT", "as_of": "2026-11-28", "objective": "cost"}]})

    @field_validator("max_load")
    @classmethod
    def _positive_quantity(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            q = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError("`max_load` must be a number such as `24` or `1.5`") from None
        if q <= 0 or q.denominator > 10**6 or q.numerator > 10**9:
            raise ValueError("`max_load` must be above zero and of a sensible size")
        return value.strip()


class ExploreRequest(Strict):
    """Every qualification ranked by what remains for this learner."""

    learner: LearnerJSON
    as_of: AsOf = None
    plans: bool = Field(default=True, description="Also the size of the plan adding the least credit for each (slower).")
    look_ahead: bool = Field(default=False, description="Count in-progress and planned study (marked pending).")
    time_limit: TimeLimit = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"learner": EXAMPLE_LEARNER, "as_of": "2026-11-28"}]})


class TowardsRequest(Strict):
    """Everything a credential can count towards, directly or through credit rules."""

    credential: Id
    as_of: AsOf = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"credential": "tafe-nsw:ICT50220", "as_of": "2026-11-28"}]})


# ---- responses -------------------------------------------------------------------------------------------


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Provenance(Open):
    rules_digest: str
    engine: str


DIGEST = "sha256:9b1f0c5e2d7a4b8e6f3c1a0d9e8b7c6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c"
PROVENANCE: JsonDict = {"rules_digest": DIGEST, "engine": "stackrules 0.1.0"}
DECISION_ID = "sha256:4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f"


class AuditDecision(Open):
    """docs/language.md section 13's audit document, plus ``decision_id``."""

    target: str
    status: str = Field(description="`met`, `met_pending`, `not_met` or `indeterminate` (a decision, not an error).")
    as_of: str
    credits: dict[str, Any]
    nodes: list[Any]
    limits: list[Any] = Field(
        description="Every limit, the qualification's and each node's, each with its `node`: the nearest node with an id, `null` for the qualification's own (docs/language.md section 16)."
    )
    credit: list[Any]
    refused: list[Any]
    missing: list[Any]
    unused: list[Any]
    provenance: Provenance
    decision_id: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "target": "exu:BIT",
                    "status": "not_met",
                    "as_of": "2026-11-28",
                    "credits": {"system": "exu-cp", "required": "144", "counted": "42", "remaining": "102"},
                    "nodes": [{"id": "core", "status": "not_met", "claimed": ["exu:COMP1010"], "credits": "6"}],
                    "limits": [
                        {
                            "id": "credit-cap",
                            "kind": "max_credits",
                            "status": "ok",
                            "value": "30",
                            "bound": "96",
                            "where": "source: credit",
                            "credit_cap": True,
                            "node": None,
                            "share": "2/3",
                        }
                    ],
                    "credit": [{"rule": "exu-tafe-dip-it", "sources": ["tafe-nsw:ICT50220"], "granted": [{"as": "credit:exu-tafe-dip-it:1", "credits": "24"}]}],
                    "refused": [{"rule": "aqf-diploma-3y-bachelor", "sources": ["tafe-nsw:ICT50220"], "reason": "source_used"}],
                    "missing": [{"node": "core", "credits": "30", "credentials": ["exu:COMP1020"], "text": "30 exu-cp to go"}],
                    "unused": [],
                    "provenance": PROVENANCE,
                    "decision_id": DECISION_ID,
                }
            ]
        }
    )


class AssessDecision(Open):
    """The advanced-standing statement, plus ``decision_id``."""

    target: str
    status: str
    as_of: str
    credits: dict[str, Any]
    granted: list[Any]
    refused: list[Any]
    provenance: Provenance
    decision_id: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "target": "exu:BIT",
                    "status": "not_met",
                    "as_of": "2026-11-28",
                    "credits": {"system": "exu-cp", "required": "144", "granted": "24"},
                    "granted": [{"rule": "exu-tafe-dip-it", "sources": ["tafe-nsw:ICT50220"], "credits": "24"}],
                    "refused": [],
                    "provenance": PROVENANCE,
                    "decision_id": DECISION_ID,
                }
            ]
        }
    )


class PlanDecision(Open):
    """The cheapest completion, term by term, plus ``decision_id``."""

    target: str
    status: str = Field(description="`met`, `planned` or `no_plan`; `proof` says whether it is proven optimal (or `indeterminate`).")
    as_of: str
    version: dict[str, Any] | None = Field(
        default=None,
        description="The qualification version planned for, as in an audit: `chosen_by` is `commencement`, `as_of` or `catalog_year` (a what-if).",
    )
    added: list[str] | None = Field(default=None, description="What the plan adds (absent when there is no plan).")
    added_credits: str | None = None
    terms: list[Any] | None = Field(default=None, description="Each term up to the last used: its number from 1, its calendar name, what is taken, its credit.")
    steps: list[Any] | None = Field(default=None, description="Each credential added: when, its credit and cost, why, and the rule's `file:line`.")
    provenance: Provenance
    decision_id: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "target": "exu:GCDS",
                    "status": "planned",
                    "as_of": "2026-11-28",
                    "version": {
                        "effective_from": None,
                        "effective_until": None,
                        "location": "rules/example-university/gcds.yaml:2",
                        "chosen_on": "2026-11-28",
                        "chosen_by": "as_of",
                    },
                    "added": ["eux:DS-MC1", "eux:DS-MC2"],
                    "added_credits": "12",
                    "terms": [{"term": 1, "name": "S1", "credentials": ["eux:DS-MC1", "eux:DS-MC2"], "credits": "12"}],
                    "steps": [
                        {
                            "credential": "eux:DS-MC1",
                            "title": "Data Science micro-credential 1: Data Foundations",
                            "term": 1,
                            "credits": "6",
                            "cost": "700",
                            "why": "earns credit under eux-ds-foundations if passed with grade C or better",
                            "location": "rules/euro-university/catalog.yaml:7",
                            "counts_towards": ["foundations"],
                        }
                    ],
                    "proof": "optimal",
                    "provenance": PROVENANCE,
                    "decision_id": DECISION_ID,
                }
            ]
        }
    )


class ExploreDecision(Open):
    """Every qualification ranked by remaining credit, plus ``decision_id``."""

    as_of: str
    qualifications: list[Any]
    provenance: Provenance
    decision_id: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "learner": "L-0001",
                    "as_of": "2026-11-28",
                    "ranked_by": "remaining as a share of the target's total, then remaining in full-time years, then awards before framework types, then id",
                    "qualifications": [{"target": "exu:BIT", "status": "met", "remaining": "0", "why": "complete"}],
                    "provenance": PROVENANCE,
                    "decision_id": DECISION_ID,
                }
            ]
        }
    )


class Towards(Open):
    credential: str
    kind: str
    as_of: str
    counts_towards: list[dict[str, Any]]
    decision_id: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "credential": "tafe-nsw:ICT50220",
                    "kind": "credential",
                    "as_of": "2026-11-28",
                    "counts_towards": [
                        {
                            "node": None,
                            "title": "Bachelor of Information Technology",
                            "qualifications": ["exu:BIT"],
                            "how": "credit",
                            "via": ["exu-tafe-dip-it"],
                        }
                    ],
                    "decision_id": DECISION_ID,
                }
            ]
        }
    )


class VersionInfo(Open):
    effective_from: str | None
    effective_until: str | None
    title: str
    credits: str | None  # None: no credit total (section 17)
    system: str
    location: str


VERSION_EXAMPLE: JsonDict = {
    "effective_from": "2025-01-01",
    "effective_until": None,
    "title": "Bachelor of Information Technology",
    "credits": "144",
    "system": "exu-cp",
    "location": "rules/example-university/bit-2025.yaml:2",
}


class QualificationSummary(Open):
    id: str
    title: str
    provider: str | None
    type: str | None
    framework_level: str | None
    versions: list[VersionInfo]


class Qualifications(Open):
    qualifications: list[QualificationSummary]
    rules_digest: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "qualifications": [
                        {
                            "id": "exu:BIT",
                            "title": "Bachelor of Information Technology",
                            "provider": "exu",
                            "type": "aqf:bachelor",
                            "framework_level": "aqf:7",
                            "versions": [VERSION_EXAMPLE],
                        }
                    ],
                    "rules_digest": DIGEST,
                }
            ]
        }
    )


class QualificationDetail(Open):
    id: str
    as_of: str
    in_force: bool
    provider: str | None
    type: str | None
    framework_level: str | None
    version: VersionInfo
    versions: list[VersionInfo]
    requires: dict[str, Any] = Field(description="The requirement tree: `kind`, `id`, `title`, `credits`, `where`, `location` (file:line), `children`.")
    rules_digest: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "exu:BIT",
                    "as_of": "2026-11-28",
                    "in_force": True,
                    "provider": "exu",
                    "type": "aqf:bachelor",
                    "framework_level": "aqf:7",
                    "version": VERSION_EXAMPLE,
                    "versions": [VERSION_EXAMPLE],
                    "requires": {
                        "kind": "all",
                        "title": "Bachelor of Information Technology",
                        "credits": "144",
                        "location": "rules/example-university/bit-2025.yaml:2",
                        "children": [
                            {
                                "kind": "all",
                                "id": "core",
                                "title": "Core units",
                                "location": "rules/example-university/bit-2025.yaml:13",
                                "children": [{"kind": "credential", "credential": "exu:COMP1010", "location": "rules/example-university/bit-2025.yaml:14"}],
                            }
                        ],
                    },
                    "rules_digest": DIGEST,
                }
            ]
        }
    )


class RuleBaseInfo(Open):
    rules_digest: str
    engine: str
    loaded_at: str = Field(description="When this rule base was loaded (UTC, ISO 8601).")
    files: list[str] = Field(description="The rule-base files that define providers, credentials, qualifications and credit rules.")
    qualifications: int
    credentials: int
    credit_rules: int
    warnings: list[dict[str, Any]]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rules_digest": DIGEST,
                    "engine": "stackrules 0.1.0",
                    "loaded_at": "2026-11-28T09:00:00+00:00",
                    "files": ["frameworks/aqf.yaml", "rules/example-university/bit-2025.yaml"],
                    "qualifications": 4,
                    "credentials": 120,
                    "credit_rules": 6,
                    "warnings": [],
                }
            ]
        }
    )


class Reloaded(RuleBaseInfo):
    previous_digest: str
    changed: bool


class Health(Open):
    status: Literal["ok"]

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})


class Ready(Open):
    status: Literal["ready"]
    rules_digest: str
    workers: int
    queue: int

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready", "rules_digest": DIGEST, "workers": 2, "queue": 64}]})


class ProblemDiagnostic(Open):
    code: str
    message: str
    pointer: str | None = Field(default=None, description="A JSON pointer into the request body (RFC 6901).")
    file: str | None = Field(default=None, description="For an invalid rule base: the file, with `line` and `column`.")
    help: str | None = None


class ProblemDetails(Open):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    diagnostics: list[ProblemDiagnostic] | None = None
    suggestions: list[str] | None = None


GraphFormat = Literal["json", "dot", "mermaid"]
SchemaKind = Literal["framework", "credit_systems", "crosswalk", "catalog", "qualification", "credit_rule", "approvers", "learner", "issuer"]
