"""Plans of a qualification whose tree shares claims (`shares_with`).

With sharing, the model's rows tying what is taken to what is claimed were written as for holdings: every
credential taken had to be claimed by some leaf. A plan then never added a credential that fills no requirement
itself: another provider's study that earns credit through a credit rule, or a unit taken only as a
prerequisite. It reported a dearer plan as optimal, or "no plan" (proven infeasible) when one existed. Found by
an adversary's brute-force oracle, 2026-12-01. Each case is held to the plan of the same rule base without the
`shares_with` line where that plan is the same, and to the plan worked out by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

import stackrules

AS_OF = dt.date(2026, 6, 30)


def _write(folder: Path, docs: dict[str, dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, doc in docs.items():
        (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return folder


def _catalog(provider: str, system: str, year: int, credentials: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "catalog",
        "provider": {"id": provider, "name": provider.upper()},
        "credit_system": {"id": system, "full_time_year": year},
        "credentials": credentials,
    }


def _unit(cid: str, credits: int, amount: int, tags: list[str] | None = None, prerequisites: str | None = None) -> dict[str, Any]:
    unit: dict[str, Any] = {"id": cid, "title": cid, "credits": credits, "cost": {"amount": amount, "currency": "AUD"}}
    if tags:
        unit["tags"] = tags
    if prerequisites:
        unit["prerequisites"] = prerequisites
    return unit


def _qualification(pool_tags: list[str], shared: str | None, other: dict[str, Any]) -> dict[str, Any]:
    pool: dict[str, Any] = {"id": "pool", "credits": 6, "where": {"tags": pool_tags}}
    if shared:
        pool["shares_with"] = [shared]
    return {"kind": "qualification", "id": "h:Q", "title": "Q", "provider": "h", "credits": 12, "requires": {"all": [pool, other]}}


def _plan(folder: Path, objective: str) -> dict[str, Any]:
    engine = stackrules.load(folder)
    return engine.plan(stackrules.load_learner({"id": "nobody"}), "h:Q", AS_OF, objective=objective).to_json()


def _source_base(folder: Path, shared: bool) -> Path:
    """Another provider's course earns the core unit by a precedent: taking it completes the degree at 2.4 h-cp."""
    return _write(
        folder,
        {
            "h.yaml": _catalog("h", "h-cp", 48, [_unit("h:H0", 12, 1200, ["c"]), _unit("h:H1", 6, 300, ["a"])]),
            "x.yaml": _catalog("x", "x-cp", 60, [_unit("x:E2", 3, 200)]),
            "q.yaml": _qualification(["a", "c"], "core" if shared else None, {"id": "core", "all": ["h:H0"]}),
            "r0.yaml": {"kind": "credit_rule", "id": "r0", "type": "precedent", "into": "h:Q", "from": "x:E2", "grant": ["h:H0"]},
        },
    )


@pytest.mark.parametrize("objective", ["credits", "cost", "terms"])
def test_a_plan_with_shared_claims_adds_a_credit_rules_source(tmp_path: Path, objective: str) -> None:
    d = _plan(_source_base(tmp_path / "share", True), objective)
    # x:E2's grant h:H0 counts in `core` and, shared, in `pool`: 2.4 h-cp of study, AUD 200, one term
    assert d["status"] == "planned" and d["proof"] == "optimal", d
    assert d["added"] == ["x:E2"], d["added"]
    assert d["cost"]["amount"] == "200" and d["added_credits"] == "2.4"
    # the source's application, as the plan's credit says
    assert [(c["rule"], c["sources"]) for c in d["credit"]] == [("r0", ["x:E2"])]


def test_without_sharing_the_same_source_is_taken(tmp_path: Path) -> None:
    d = _plan(_source_base(tmp_path / "plain", False), "credits")
    # without sharing the pool needs credit of its own: h:H1 beside the source
    assert d["added"] == ["h:H1", "x:E2"], d["added"]


def _prerequisite_base(folder: Path, shared: bool, with_b: bool) -> Path:
    """`h:A` (AUD 100) needs `h:P` (AUD 100, filling no requirement); `h:B` (AUD 1,000) needs nothing."""
    units = [_unit("h:P", 6, 100), _unit("h:A", 6, 100, ["a"], "h:P"), _unit("h:C", 6, 100, ["c"])]
    if with_b:
        units.append(_unit("h:B", 6, 1000, ["a"]))
    return _write(
        folder,
        {"h.yaml": _catalog("h", "h-cp", 48, units), "q.yaml": _qualification(["a"], "other" if shared else None, {"id": "other", "all": ["h:C"]})},
    )


@pytest.mark.parametrize(("shared", "with_b"), [(True, True), (True, False), (False, True)])
def test_a_plan_with_shared_claims_adds_a_prerequisite_that_fills_nothing(tmp_path: Path, shared: bool, with_b: bool) -> None:
    d = _plan(_prerequisite_base(tmp_path / "base", shared, with_b), "cost")
    # the cheapest plan takes h:P in the first term and h:A (its prerequisite met) beside h:C: AUD 300, not h:B's 1,100,
    # and without h:B a plan exists (it had been "no plan", proven infeasible)
    assert d["status"] == "planned" and d["proof"] == "optimal", d
    assert d["added"] == ["h:A", "h:C", "h:P"], d["added"]
    assert d["cost"]["amount"] == "300"
    # h:P in a term before h:A's
    when = {c: t["term"] for t in d["terms"] for c in t["credentials"]}
    assert when["h:P"] < when["h:A"], d["terms"]


def _incompatible_base(folder: Path, shared: bool) -> Path:
    """`h:H1` (held) is incompatible with `h:H2` (held by nobody); `pool` shares with `core`, which names H1."""
    units = [
        {"id": "h:H1", "title": "H1", "credits": 12, "level": 3, "incompatible": ["h:H2"]},
        {"id": "h:H2", "title": "H2", "credits": 6, "level": 3},
        {"id": "h:H3", "title": "H3", "credits": 12, "level": 1},
    ]
    pool: dict[str, Any] = {"id": "pool", "credits": 18}
    if shared:
        pool["shares_with"] = ["core"]
    q = {"kind": "qualification", "id": "h:Q", "title": "Q", "provider": "h", "credits": 18, "requires": {"all": [pool, {"id": "core", "all": ["h:H1"]}]}}
    return _write(folder, {"h.yaml": _catalog("h", "h-cp", 48, units), "q.yaml": q})


def test_a_holding_two_sharing_nodes_claim_counts_beside_an_incompatible_credential_nobody_took(tmp_path: Path) -> None:
    """H1, held and passed, claimed by both sharing nodes, counted 2 in the row that keeps it from counting beside
    H2: the audit said "0 of 18 counted; 24 remaining" (the completion taking H1 again) and the plan "no plan"
    (an adversary, 2026-12-01). H1 counts in both; H3 completes the pool."""
    engine = stackrules.load(_incompatible_base(tmp_path / "share", True))
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "h:H1"}]})
    audit = engine.audit(learner, "h:Q", AS_OF).to_json()
    assert (audit["credits"]["counted"], audit["credits"]["remaining"]) == ("12", "12"), audit["credits"]
    assert {n["id"]: n["claimed"] for n in audit["nodes"]} == {"pool": ["h:H1"], "core": ["h:H1"]}
    plan = engine.plan(learner, "h:Q", AS_OF).to_json()
    assert plan["status"] == "planned" and plan["added"] == ["h:H3"], plan
    # the incompatibility still holds: a learner holding both counts only one of them
    both = stackrules.load_learner({"id": "B", "holdings": [{"credential": "h:H1"}, {"credential": "h:H2"}]})
    claimed = {c for n in engine.audit(both, "h:Q", AS_OF).to_json()["nodes"] for c in n["claimed"]}
    assert not {"h:H1", "h:H2"} <= claimed, claimed
