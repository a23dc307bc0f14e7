"""The greedy fast path: taken where it must be, declined where it cannot prove itself, and never worse than the solver.

Which path decided an audit is read from the choice :func:`run_audit` returns
(``Choice.path``: ``"fast"`` or ``"solver"``); the solver's decision is had by
switching the fast path off for one call.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

import stackrules
import stackrules.decide.audit as audit_module
from stackrules.decide.audit import run_audit
from stackrules.decide.fastpath import greedy_completion
from stackrules.decide.problem import build_problem

from .conftest import AS_OF, ROOT

LEARNERS = sorted((ROOT / "examples" / "learners").glob("*.yaml"))
CASE_BASE = Path(__file__).parent / "cases" / "_base"


def decide(engine: stackrules.Engine, learner: stackrules.Learner, target: str, as_of: dt.date, look_ahead: bool = False) -> tuple[str, dict[str, Any]]:
    """Which path decided the audit, and the decision."""
    _, choice, _, decision = run_audit(engine.context, learner, target, as_of, look_ahead, 60.0)
    return choice.path, decision.to_json()


def solver_only(
    engine: stackrules.Engine, learner: stackrules.Learner, target: str, as_of: dt.date, look_ahead: bool, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    with monkeypatch.context() as m:
        m.setattr(audit_module, "greedy_completion", lambda p: None)
        path, data = decide(engine, learner, target, as_of, look_ahead)
    assert path == "solver"
    return data


def same_decision(fast: dict[str, Any], exact: dict[str, Any]) -> None:
    """The fast path's decision is the solver's on every key the reported choice is ranked by, and what follows from them.

    Which of two equally good holdings a pool claims is a tie (docs/language.md section 16), so the claims per node may differ.
    """
    for key in ("status", "credits", "credit", "refused", "missing", "pending", "exceptions", "proof"):
        assert fast[key] == exact[key], key
    assert {n["id"]: n["status"] for n in fast["nodes"]} == {n["id"]: n["status"] for n in exact["nodes"]}
    assert [(lim["id"], lim["node"], lim["status"]) for lim in fast["limits"]] == [(lim["id"], lim["node"], lim["status"]) for lim in exact["limits"]]


# ---------------------------------------------------------------- the shipped example learners


@pytest.mark.parametrize("path", LEARNERS, ids=[p.stem for p in LEARNERS])
def test_every_shipped_learner_decides_as_the_solver(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    learner = stackrules.load_learner(path)
    targets = [e.qualification for e in learner.doc.enrolments] or ["exu:BIT"]
    for target in targets:
        for look_ahead in (False, True):
            _, fast = decide(engine, learner, target, AS_OF, look_ahead)
            same_decision(fast, solver_only(engine, learner, target, AS_OF, look_ahead, monkeypatch))


@pytest.mark.parametrize("look_ahead", [False, True])
def test_a_shipped_learner_is_decided_by_the_fast_path(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch, look_ahead: bool) -> None:
    # Amira completed the Bachelor of IT; she holds COMP1040 and INFO2010, which are incompatible:
    # the greedy must count only one of them for the checker to accept it
    learner = stackrules.load_learner(ROOT / "examples" / "learners" / "amira.yaml")
    path, fast = decide(engine, learner, "exu:BIT", AS_OF, look_ahead)
    assert path == "fast"
    assert fast["status"] == "met" and fast["credits"]["remaining"] == "0"
    assert fast["credits"]["counted"] == fast["credits"]["required"]
    same_decision(fast, solver_only(engine, learner, "exu:BIT", AS_OF, look_ahead, monkeypatch))


def test_the_greedy_never_counts_incompatible_holdings_of_a_shipped_learner(engine: stackrules.Engine) -> None:
    learner = stackrules.load_learner(ROOT / "examples" / "learners" / "amira.yaml")
    p = build_problem(engine.rules, learner.doc, "exu:BIT", AS_OF, False, compiler=engine.compiled)
    choice = greedy_completion(p)
    assert choice is not None and choice.path == "fast"
    used = {i for claims in choice.claims.values() for i, _ in claims}
    assert p.incompatible and not any(x in used and y in used for x, y in p.incompatible)


# ---------------------------------------------------------------- instances where the fast path must decide


def _engine(tmp_path: Path, docs: dict[str, Any]) -> stackrules.Engine:
    folder = tmp_path / "rules"
    folder.mkdir()
    for name, doc in docs.items():
        (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return stackrules.load(CASE_BASE, folder)


def _qual(requires: Any, credits: int, **more: Any) -> dict[str, Any]:
    return {"kind": "qualification", "id": "t:Q", "title": "Q", "provider": "t", "credits": credits, "requires": requires, **more}


def _learner(*held: Any) -> stackrules.Learner:
    return stackrules.load_learner({"id": "L", "holdings": [h if isinstance(h, dict) else {"credential": h} for h in held]})


MUST = {
    # named credentials and a pool, completed exactly
    "plain": (_qual({"all": ["t:A1", {"id": "bs", "credits": 6, "where": {"tags": "b"}}]}, 12), ["t:A1", "t:B1"]),
    # the least contested holdings for a pool are X1 and X2, which are incompatible: the greedy must take A1 instead
    "incompatible": (
        _qual({"all": [{"id": "first-year", "credits": 12, "where": {"level": 1}}, {"id": "as", "credits": 6, "where": {"tags": "a"}}]}, 18),
        ["t:X1", "t:X2", "t:A1", "t:A2"],
    ),
    # an `any` whose first alternative cannot be met, and a total that needs one more holding in a free pool
    "alternatives": (
        _qual({"all": [{"id": "major", "any": [{"all": ["t:D1"]}, {"all": ["t:B1", "t:B2"]}]}, {"id": "free", "credits": 6}]}, 18),
        ["t:B1", "t:B2", "t:C1"],
    ),
    # a maximum that the greedy's choice respects, and a minimum it meets
    "limits": (
        _qual(
            {"id": "any", "credits": 12},
            12,
            limits=[{"id": "cap", "max_count": 1, "where": {"tags": "x"}}, {"id": "some", "min_credits": 6, "where": {"level": 2}}],
        ),
        ["t:B1", "t:X1"],
    ),
    # a credit rule in play, not needed: the greedy decides and the rule is refused as the solver refuses it
    "credit-not-needed": (_qual({"id": "any", "credits": 12}, 12), ["t:A1", "t:A2", "e:U1"]),
}


@pytest.mark.parametrize("name", sorted(MUST))
def test_the_fast_path_decides_where_it_must(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    qual, held = MUST[name]
    docs: dict[str, Any] = {"q.yaml": qual}
    if name == "credit-not-needed":
        docs["r.yaml"] = {"kind": "credit_rule", "id": "r", "type": "rpl", "into": "t:Q", "from": "e:U1", "grant": [{"unspecified": 6}]}
    engine = _engine(tmp_path, docs)
    learner = _learner(*held)
    for look_ahead in (False, True):
        path, fast = decide(engine, learner, "t:Q", AS_OF, look_ahead)
        assert path == "fast", (name, look_ahead)
        assert fast["status"] == "met"
        same_decision(fast, solver_only(engine, learner, "t:Q", AS_OF, look_ahead, monkeypatch))


# ---------------------------------------------------------------- instances where it must not


DECLINE = {
    # the learner's own study cannot complete it: remaining > 0 is the solver's to find
    "not-complete": (_qual({"all": ["t:A1", "t:A2"]}, 12), ["t:A1"], {}),
    # only pending study completes it: the least pending credit is the solver's to prove
    "pending": (_qual({"all": ["t:A1", "t:A2"]}, 12), ["t:A1", {"credential": "t:A2", "status": "in_progress"}], {}),
    # a waiver changes what a completion must claim
    "exception": (
        _qual({"all": [{"id": "core", "all": ["t:A1"]}, {"id": "more", "credits": 6}]}, 12),
        ["t:A2", "t:B1"],
        {"exceptions": [{"type": "waive", "node": "t:Q#core", "reason": "r", "approved_by": "a", "date": "2026-01-01"}]},
    ),
    # one holding may fill two nodes
    "shares-with": (_qual({"all": [{"id": "one", "all": ["t:A1"]}, {"id": "two", "all": ["t:A1"], "shares_with": ["one"]}]}, 6), ["t:A1"], {}),
    # a greedy that overshoots the total cannot prove it claimed the least
    "overshoot": (_qual({"id": "any", "credits": 6}, 6), ["t:D1"], {}),
}


@pytest.mark.parametrize("name", sorted(DECLINE))
def test_the_fast_path_declines_what_it_cannot_prove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    qual, held, more = DECLINE[name]
    engine = _engine(tmp_path, {"q.yaml": qual})
    learner = stackrules.load_learner({"id": "L", "holdings": [h if isinstance(h, dict) else {"credential": h} for h in held], **more})
    path, fast = decide(engine, learner, "t:Q", AS_OF, True)
    assert path == "solver", name
    same_decision(fast, solver_only(engine, learner, "t:Q", AS_OF, True, monkeypatch))


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
    paths = []
    for held in holdings:
        learner = _learner(*held)
        path, fast = decide(engine, learner, "h:D", AS_OF)
        paths.append(path)
        exact = solver_only(engine, learner, "h:D", AS_OF, False, monkeypatch)
        same_decision(fast, exact)
        assert fast["unused"] == exact["unused"]
    # the first two complete the degree at home (the fast path decides); the third needs the precedent's credit
    assert paths == ["fast", "fast", "solver"]
