"""Typed decision records: frozen, enum-typed, and serialised to the bytes the CLI prints."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pickle
from enum import StrEnum
from fractions import Fraction

import pytest
from click.testing import CliRunner

import stackrules
from stackrules.cli import main
from stackrules.decisions.assess import AssessStatement, NotCreditedReason
from stackrules.decisions.audit import (
    AuditDecision,
    AuditStatus,
    LimitKind,
    LimitResult,
    LimitStatus,
    NodeStatus,
    Proof,
    Refusal,
    RefusalReason,
    UnusedCause,
)
from stackrules.decisions.base import Provenance, dumps
from stackrules.decisions.explore import Exploration, ExploreRow, UnavailableRow
from stackrules.decisions.plan import NoPlan, Objective, Plan, PlanStatus, Unplaceable

from .conftest import AS_OF, ROOT

EX = ROOT / "examples" / "learners"
ENUMS: list[type[StrEnum]] = [AuditStatus, NodeStatus, LimitStatus, LimitKind, Proof, RefusalReason, UnusedCause, NotCreditedReason, PlanStatus, Objective]


def _cli_json(*args: str) -> tuple[str, dict[str, object]]:
    result = CliRunner().invoke(main, [*args, "--as-of", AS_OF.isoformat(), "--format", "json"])
    assert result.exit_code in (0, 2), result.output
    return result.stdout, json.loads(result.stdout)


@pytest.mark.parametrize(
    ("command", "learner", "target"),
    [
        ("audit", "tariq", "exu:BIT"),  # credit granted, refusals, missing, unused
        ("audit", "dana", "exu:BIT"),  # exceptions
        ("assess", "sam", "exu:BIT"),  # granted rule by rule, not credited (no_rule)
        ("plan", "priya", "exu:BIT"),  # terms, steps, credit used
        ("explore", "ben", None),
    ],
)
def test_to_json_of_the_record_is_what_the_cli_prints(engine: stackrules.Engine, command: str, learner: str, target: str | None) -> None:
    lrn = stackrules.load_learner(EX / f"{learner}.yaml")
    args = [command, "--learner", str(EX / f"{learner}.yaml")] + (["--target", target] if target else [])
    printed, data = _cli_json(*args)
    if command == "explore":
        record = engine.explore(lrn, AS_OF).record
    else:
        assert target is not None
        record = getattr(engine, command)(lrn, target, AS_OF).record
    assert record.kind == command
    assert record.to_json() == data
    assert dumps(record.to_json()) + "\n" == printed  # byte for byte, key order included


def test_records_are_typed_not_json(engine: stackrules.Engine) -> None:
    lrn = stackrules.load_learner(EX / "tariq.yaml")
    audit = engine.audit(lrn, "exu:BIT", AS_OF).record
    assert isinstance(audit, AuditDecision)
    assert isinstance(audit.status, AuditStatus) and isinstance(audit.proof, Proof)
    assert all(isinstance(n.status, NodeStatus) and isinstance(n.credits, Fraction) for n in audit.nodes)
    assert all(isinstance(lim.kind, LimitKind) and isinstance(lim.value, Fraction) for lim in audit.limits)
    assert audit.refused and all(isinstance(r.reason, RefusalReason) for r in audit.refused)
    assert audit.credit and all(isinstance(g.credits, Fraction) for c in audit.credit for g in c.granted)
    assert isinstance(audit.as_of, dt.date) and isinstance(audit.credits.required, Fraction)


def test_records_are_frozen_and_slotted(engine: stackrules.Engine) -> None:
    lrn = stackrules.load_learner(EX / "tariq.yaml")
    audit = engine.audit(lrn, "exu:BIT", AS_OF).record
    assert isinstance(audit, AuditDecision)
    with pytest.raises(dataclasses.FrozenInstanceError):
        audit.status = AuditStatus.MET  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        audit.nodes[0].status = NodeStatus.MET  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        audit.credits.remaining = Fraction(0)  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        audit.extra = 1  # type: ignore[attr-defined]  # slotted: no new attributes
    assert isinstance(audit.nodes, tuple) and isinstance(audit.nodes[0].claimed, tuple)
    # to_json gives a new document each time: changing it leaves the record alone
    doc = audit.to_json()
    doc["status"] = "met"
    assert audit.to_json()["status"] == "not_met"


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_enums_reject_unknown_values(enum: type[StrEnum]) -> None:
    for member in enum:
        assert enum(member.value) is member
    with pytest.raises(ValueError):
        enum("no_such_value")


def test_refusal_reasons_and_record_json() -> None:
    assert [r.value for r in RefusalReason] == ["not_effective", "condition", "source_used", "cap", "not_needed"]  # section 16's order
    with pytest.raises(ValueError):
        RefusalReason("expired")
    lim = LimitResult("cap", LimitKind.MAX_CREDITS, LimitStatus.SHORT, Fraction(3, 2), Fraction(2), credit_cap=True, node="core", share=Fraction(1, 3))
    assert lim.to_json() == {
        "id": "cap",
        "kind": "max_credits",
        "status": "short",
        "value": "1.5",
        "bound": "2",
        "credit_cap": True,
        "node": "core",
        "share": "1/3",
    }
    top = LimitResult("cap", LimitKind.MAX_CREDITS, LimitStatus.OK, Fraction(1), Fraction(2))
    assert top.to_json() == {"id": "cap", "kind": "max_credits", "status": "ok", "value": "1", "bound": "2", "node": None}  # section 16: null at the top
    r = Refusal("r", ("a:X",), RefusalReason.CAP, "full")
    assert r.to_json() == {"rule": "r", "sources": ["a:X"], "reason": "cap", "detail": "full"}


def test_assessment_no_rule_comes_from_the_cause_not_the_wording(engine: stackrules.Engine) -> None:
    lrn = stackrules.load_learner(EX / "sam.yaml")
    statement = engine.assess(lrn, "exu:BIT", AS_OF).record
    audit = engine.audit(lrn, "exu:BIT", AS_OF).record
    assert isinstance(statement, AssessStatement) and isinstance(audit, AuditDecision)
    causes = {u.holding: u.cause for u in audit.unused}
    assert any(n.reason is NotCreditedReason.NO_RULE for n in statement.not_credited)
    for n in statement.not_credited:
        assert (n.reason is NotCreditedReason.NO_RULE) == (causes[n.holding] is UnusedCause.NO_RULE)


def test_plan_and_explore_records(engine: stackrules.Engine) -> None:
    lrn = stackrules.load_learner(EX / "priya.yaml")
    plan = engine.plan(lrn, "exu:BIT", AS_OF, alternatives=1).record
    assert isinstance(plan, Plan) and plan.status is PlanStatus.PLANNED and plan.objective is Objective.CREDITS
    assert plan.added_credits == sum((s.credits for s in plan.steps), Fraction(0))
    assert [t.term for t in plan.terms] == sorted(t.term for t in plan.terms)
    assert plan.to_json()["alternatives"] == [a.to_json() for a in plan.alternatives]
    explore = engine.explore(lrn, AS_OF, plans=False).record
    assert isinstance(explore, Exploration) and explore.kind == "explore"
    rows = [r for r in explore.qualifications if isinstance(r, ExploreRow)]
    assert rows and all(r.plan_size is None and "plan_size" not in r.to_json() for r in rows)


def test_no_plan_record() -> None:
    prov = Provenance("sha256:0", "stackrules test")
    rec = NoPlan("t:Q", "Q", "l", Objective.COST, dt.date(2026, 1, 2), "nothing completes it", (Unplaceable("t:X", "offered only in S3"),), prov, Proof.OPTIMAL)
    assert rec.status is PlanStatus.NO_PLAN and rec.kind == "plan"
    assert list(rec.to_json()) == ["target", "title", "learner", "status", "objective", "as_of", "why", "cannot_place", "provenance", "proof"]
    assert rec.to_json()["cannot_place"] == [{"credential": "t:X", "why": "offered only in S3"}]
    decision = stackrules.Decision(rec)
    assert decision.status == "no_plan" and decision.remaining is None and decision.counted is None and decision.target == "t:Q"


def test_decision_reads_the_record(engine: stackrules.Engine) -> None:
    lrn = stackrules.load_learner(EX / "tariq.yaml")
    decision = engine.audit(lrn, "exu:BIT", AS_OF)
    record = decision.record
    assert isinstance(record, AuditDecision)
    assert decision.kind == "audit"
    assert decision.status == record.status.value == "not_met"
    assert decision.remaining == record.credits.remaining and decision.counted == record.credits.counted
    assert decision.target == record.target == "exu:BIT"
    assert decision.quantity("credits", "required") == record.credits.required
    assert decision.dumps() == dumps(record.to_json())
    assert repr(decision) == "Decision(kind='audit', target='exu:BIT', status='not_met')"
    explore = engine.explore(lrn, AS_OF, plans=False)
    assert explore.status == "" and explore.target is None and explore.remaining is None
    assert repr(explore) == f"Decision(kind='explore', learner='{lrn.id}', qualifications={len(explore.to_json()['qualifications'])})"


def test_decisions_pickle_and_compare_by_value(engine: stackrules.Engine) -> None:

    lrn = stackrules.load_learner(EX / "tariq.yaml")
    for decision in (engine.audit(lrn, "exu:BIT", AS_OF), engine.plan(lrn, "exu:BIT", AS_OF), engine.assess(lrn, "exu:BIT", AS_OF)):
        again = pickle.loads(pickle.dumps(decision))
        assert again == decision and again.dumps() == decision.dumps() and again.text() == decision.text()


def test_unavailable_rows_and_indeterminate_audits(engine: stackrules.Engine) -> None:
    eva = stackrules.load_learner(EX / "eva.yaml")
    explore = engine.explore(eva, dt.date(2015, 1, 1), plans=False).record
    assert isinstance(explore, Exploration)
    gone = [r for r in explore.qualifications if isinstance(r, UnavailableRow)]
    assert gone
    first_gone = explore.qualifications.index(gone[0])
    assert all(isinstance(r, UnavailableRow) or r.remaining is None for r in explore.qualifications[first_gone:])  # after every ranked row
    assert gone[0].to_json() == {"target": gone[0].target, "title": None, "status": "unavailable", "remaining": None, "why": gone[0].why}
    audit = engine.audit(eva, "exu:BIT", AS_OF, time_limit=1e-9).record
    assert isinstance(audit, AuditDecision)
    assert audit.status is AuditStatus.INDETERMINATE and audit.proof is Proof.TIME_LIMIT
    doc = audit.to_json()
    assert list(doc)[-2:] == ["bound", "provenance"] and doc["bound"] == audit.bound
    assert audit.credits.remaining is None and [m.text for m in audit.missing] == ["not decided within the time limit: what is still needed is not known"]
