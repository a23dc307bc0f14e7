"""The greedy fast path: used where it can prove itself, and never worse than the solver."""

from __future__ import annotations

import pytest

import stackrules
import stackrules.audit as audit_module
from stackrules.fastpath import greedy_completion
from stackrules.problem import build_problem

from .conftest import AS_OF, ROOT

CASES = [("amira", "exu:BIT"), ("chen", "exu:BIT"), ("dana", "exu:BIT"), ("eva", "exu:GCDS"), ("ben", "exu:BIT")]


@pytest.mark.parametrize(("name", "target"), CASES)
def test_fast_path_agrees_with_the_solver(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch, name: str, target: str) -> None:
    learner = stackrules.load_learner(ROOT / "examples" / "learners" / f"{name}.yaml")
    for look_ahead in (False, True):
        fast = engine.audit(learner, target, AS_OF, look_ahead=look_ahead).to_json()
        monkeypatch.setattr(audit_module, "greedy_completion", lambda p: None)
        exact = engine.audit(learner, target, AS_OF, look_ahead=look_ahead).to_json()
        monkeypatch.undo()
        assert fast["status"] == exact["status"]
        assert fast["credits"] == exact["credits"]  # remaining and the total claimed are the same
        assert [c["rule"] for c in fast["credit"]] == [c["rule"] for c in exact["credit"]]


def test_fast_path_is_taken_for_a_plain_completed_degree(engine: stackrules.Engine) -> None:
    learner = stackrules.load_learner(ROOT / "examples" / "learners" / "amira.yaml")
    p = build_problem(engine.rules, learner.doc, "exu:BIT", AS_OF, False, compiler=engine.compiled)
    choice = greedy_completion(p)
    assert choice is not None and choice.status == "optimal"
