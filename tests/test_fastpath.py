"""The greedy fast path: used where it can prove itself, and never worse than the solver."""

from __future__ import annotations

import pytest

import stackrules
import stackrules.decide.audit as audit_module
from stackrules.decide.fastpath import greedy_completion
from stackrules.decide.problem import build_problem

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


def test_fast_path_with_credit_rules_in_play_agrees_with_the_solver(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    # a learner who completes the degree at home while holding a course a precedent could credit:
    # the greedy may decide (no credit is needed), and must decide as the solver does
    units = "\n".join(f"  - {{id: 'h:U{k}', title: U{k}, credits: 6, level: {1 + k % 3}, tags: [{'a' if k % 2 else 'b'}]}}" for k in range(10))
    folder = write(
        {
            "home.yaml": "kind: catalog\nprovider: {id: h, name: Home}\ncredit_system: {id: h-cp, full_time_year: 48}\ncredentials:\n" + units + "\n",
            "college.yaml": "kind: catalog\nprovider: {id: c, name: College}\ncredit_system: {id: c-sch, full_time_year: 30}\n"
            "credentials:\n  - {id: 'c:C1', title: C1, credits: 3}\n  - {id: 'c:C2', title: C2, credits: 3}\n",
            "deg.yaml": "kind: qualification\nid: 'h:D'\ntitle: D\nprovider: h\ncredits: 24\n"
            "requires:\n  all:\n    - {credential: 'h:U0'}\n    - {id: a-pool, credits: 12, where: {tags: a}}\n    - {id: any, credits: 6}\n",
            "prec.yaml": "kind: credit_rule\nid: prec\ntype: precedent\ninto: 'h:D'\nfrom: 'c:C1'\ngrant: ['h:U0']\n",
            "stack.yaml": "kind: credit_rule\nid: stack\ntype: stacking\ninto: 'h:D'\nfrom: {count: 2, where: {provider: c}}\ngrant: [{unspecified: 6, tags: [a]}]\n",
        }
    )
    engine = stackrules.load(folder)
    holdings = [["h:U0", "h:U1", "h:U3", "h:U2", "c:C1"], ["h:U0", "h:U1", "h:U3", "h:U5", "c:C1", "c:C2"], ["h:U1", "h:U3", "h:U2", "h:U4", "c:C1"]]
    taken = 0
    for held in holdings:
        learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": c} for c in held]})
        p = build_problem(engine.rules, learner.doc, "h:D", AS_OF, False, compiler=engine.compiled)
        taken += greedy_completion(p) is not None
        fast = engine.audit(learner, "h:D", AS_OF).to_json()
        monkeypatch.setattr(audit_module, "greedy_completion", lambda p: None)
        exact = engine.audit(learner, "h:D", AS_OF).to_json()
        monkeypatch.undo()
        for key in ("status", "credits", "credit", "refused", "unused", "missing"):
            assert fast[key] == exact[key], key
    assert taken >= 2  # the greedy did decide, with credit rules in play
