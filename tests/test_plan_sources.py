"""A plan's credit rules that take one source at a time: one application per candidate source.

A rule such as "each unmatched sophomore course of the college earns 3 elective credits" (`from: {count: 1,
where: ...}`) may take any of hundreds of the college's courses in a plan. Its applications were alike, each able
to take any candidate: applications x candidates claims (601,348 in one institution plan, whose level-one MIP
took 18 s). A plan now gives each candidate its own application (decide/credit.py); these tests hold the plans
to the ones the alike applications give, objective by objective.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

import stackrules
from stackrules.decide import credit
from stackrules.decide.problem import build_problem

AS_OF = dt.date(2026, 6, 30)


def _dump(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def _write(folder: Path, seed: int) -> dict[str, Any]:
    """A university whose degree takes electives, a college whose sophomore courses earn elective credit, a learner."""
    rng = random.Random(seed)
    units = [
        {
            "id": f"u:ELEC{100 + k}",
            "title": f"Elective {k}",
            "credits": 6,
            "level": 1 + k % 3,
            "tags": ["elective"],
            "cost": {"amount": 900 + 100 * rng.randrange(6), "currency": "AUD"},
            "offered": sorted(rng.sample(["S1", "S2"], rng.choice([1, 2]))),
        }
        for k in range(8)
    ]
    units.append({"id": "u:CORE1", "title": "Core", "credits": 6, "level": 1, "cost": {"amount": 1000, "currency": "AUD"}, "offered": ["S1", "S2"]})
    college = [
        {
            "id": f"cc:GEN{number}",
            "title": f"General {number}",
            "credits": 3,
            "number": number,
            "cost": {"amount": 200 + 50 * rng.randrange(8), "currency": "AUD"},
            "offered": sorted(rng.sample(["S1", "S2"], rng.choice([1, 2]))),
        }
        for number in sorted(rng.sample(range(100, 300), 10))
    ]
    _dump(
        folder / "u.yaml",
        {"kind": "catalog", "provider": {"id": "u", "name": "U"}, "credit_system": {"id": "u-cp", "full_time_year": 48}, "credentials": units},
    )
    _dump(
        folder / "cc.yaml",
        {
            "kind": "catalog",
            "provider": {"id": "cc", "name": "College"},
            "credit_system": {"id": "cc-sch", "full_time_year": 24},
            "id_pattern": "{provider}:{subject}{number}",
            "credentials": college,
        },
    )
    _dump(
        folder / "q.yaml",
        {
            "kind": "qualification",
            "id": "u:Q",
            "title": "Q",
            "provider": "u",
            "credits": 30,
            "requires": {"all": ["u:CORE1", {"id": "electives", "credits": 24, "where": {"not": {"id": "u:CORE1"}}}]},
            "limits": [{"id": "transfer-cap", "max_credits": rng.choice([12, 18]), "where": {"tags": "transfer-elective"}}],
        },
    )
    _dump(
        folder / "policy.yaml",
        {
            "kind": "credit_rule",
            "id": "sophomore",
            "type": "policy",
            "title": "Each sophomore course of the college as 6 credits of transfer elective",
            "into": {"where": {"provider": "u"}},
            "from": {"count": 1, "where": {"provider": "cc", "number": {"gte": 200, "lt": 300}}},
            "grant": [{"unspecified": 6, "level": 2, "tags": ["transfer-elective"]}],
        },
    )
    sophomore = [c["id"] for c in college if c["number"] >= 200]
    held = rng.sample(sophomore, min(len(sophomore), rng.choice([0, 1, 2])))
    return {"id": "L", "holdings": [{"credential": c, "grade": "A"} for c in sorted(held)]}


def _figures(d: dict[str, Any]) -> tuple[Any, ...]:
    """What a plan's objective and tie-breaks weigh: credit added, cost, terms (and how many credentials)."""
    return (d["status"], d["proof"], len(d["added"]), d["added_credits"], d["cost"]["amount"], len(d["terms"]))


@pytest.mark.parametrize("seed", range(6))
def test_one_application_per_source_gives_the_plans_alike_applications_give(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _write(tmp_path, seed)
    engine = stackrules.load(tmp_path)
    learner = stackrules.load_learner(doc)
    p = build_problem(engine.rules, learner.doc, "u:Q", AS_OF, False, compiler=engine.compiled, plan="credits")
    mine = [a for a in p.apps if a.rule.id == "sophomore"]
    # the path: each application of the one-source rule takes its own candidate, and only it
    assert mine and all(a.source is not None for a in mine)
    assert [p.source_eligible[leaf.index] for a in mine for leaf in a.root.leaves()] == [[a.source] for a in mine]
    got = {obj: engine.plan(learner, "u:Q", AS_OF, objective=obj, time_limit=30).to_json() for obj in ("credits", "cost", "terms")}
    monkeypatch.setattr(credit, "_one_source", lambda node: False)
    alike = build_problem(engine.rules, learner.doc, "u:Q", AS_OF, False, compiler=engine.compiled, plan="credits")
    old = [a for a in alike.apps if a.rule.id == "sophomore"]
    assert len(old) == len(mine) and all(a.source is None for a in old)
    assert sum(len(alike.source_eligible[leaf.index]) for a in old for leaf in a.root.leaves()) == len(mine) ** 2
    for obj, d in got.items():
        before = engine.plan(learner, "u:Q", AS_OF, objective=obj, time_limit=30).to_json()
        assert d["status"] == "planned" and d["proof"] == "optimal", (obj, d.get("status"), d.get("why"))
        assert _figures(d) == _figures(before), obj


def test_a_plan_takes_college_courses_through_one_source_applications_out_of_order(tmp_path: Path) -> None:
    # applications of one source are not numbered in the order they are used: the plan may take the fifth
    # candidate without the first four (alike applications are used in order; these must not be)
    doc = _write(tmp_path, 3)
    engine = stackrules.load(tmp_path)
    learner = stackrules.load_learner(doc)
    d = engine.plan(learner, "u:Q", AS_OF, objective="cost", time_limit=30).to_json()
    used = [c for c in d["credit"] if c["rule"] == "sophomore"]
    assert used, "the cheapest plan takes college courses (cheaper than the university's electives)"
    taken = {c["application"] for c in used}
    assert taken != set(range(1, len(taken) + 1)), "this learner's cheapest sources are not the first candidates"


# a generated rule base (an adversary's, seed 150) on which an audit fed three sources to one application of a
# `count: 1` rule: `r1` "from x:E0, x:E0@2, x:E1 exempts core", two of them earning nothing
_OVERFED = {
    "h.yaml": {
        "kind": "catalog",
        "provider": {"id": "h", "name": "Home"},
        "credit_system": {"id": "h-cp", "full_time_year": 48},
        "grade_scale": {"order": ["F", "P", "C", "D", "H"], "pass": "P"},
        "credentials": [
            {"id": "h:H0", "title": "H0", "credits": 12, "level": 1, "tags": ["b"], "offered": ["S1", "S2"]},
            {"id": "h:H1", "title": "H1", "credits": 6, "level": 2, "tags": ["b", "a"]},
            {
                "id": "h:H2",
                "title": "H2",
                "credits": 6,
                "level": 2,
                "tags": ["a", "b"],
                "cost": {"amount": 800, "currency": "AUD"},
                "offered": ["S1"],
                "prerequisites": "h:H0",
            },
            {"id": "h:H3", "title": "H3", "credits": 6, "level": 2, "tags": ["b", "a"], "cost": {"amount": 1200, "currency": "AUD"}, "offered": ["S2"]},
            {"id": "h:H4", "title": "H4", "credits": 12, "level": 1, "tags": ["a", "c"], "cost": {"amount": 500, "currency": "AUD"}},
        ],
    },
    "q.yaml": {
        "kind": "qualification",
        "id": "h:Q",
        "title": "Q",
        "provider": "h",
        "credits": 36,
        "requires": {"all": [{"id": "core", "all": ["h:H0", "h:H3"]}, {"id": "electives", "credits": 18}]},
        "limits": [{"id": "cap", "max_credits": 18, "where": {"tags": "g"}}],
    },
    "r0.yaml": {
        "kind": "credit_rule",
        "id": "r0",
        "type": "policy",
        "title": "rule 0",
        "into": "h:Q",
        "from": {"count": 1, "where": {"provider": "z"}},
        "grant": [{"unspecified": 6, "tags": ["g"], "level": 2}, {"unspecified": 3, "tags": ["g"]}],
    },
    "r1.yaml": {
        "kind": "credit_rule",
        "id": "r1",
        "type": "stacking",
        "title": "rule 1",
        "into": "h:Q",
        "from": {"count": 1, "where": {"provider": "x"}, "min_grade": "C"},
        "grant": [{"exempt": "h:Q#core"}],
        "when": {"min_grade": "B"},
    },
    "systems.yaml": {"kind": "credit_systems", "systems": [{"id": "x-sch", "full_time_year": 30}]},
    "x.yaml": {
        "kind": "catalog",
        "provider": {"id": "x", "name": "X"},
        "credit_system": "x-sch",
        "grade_scale": {"order": ["F", "E", "D", "C", "B", "A"], "pass": "E"},
        "credentials": [
            {"id": "x:E0", "title": "E0", "credits": 6, "level": 1, "tags": ["e", "f"], "repeatable": {"max": 2}, "cost": {"amount": 300, "currency": "AUD"}},
            {"id": "x:E1", "title": "E1", "credits": 6, "level": 2, "tags": ["f", "e"], "cost": {"amount": 200, "currency": "AUD"}, "offered": ["S2"]},
            {"id": "x:E2", "title": "E2", "credits": 3, "level": 2, "tags": ["f", "e"], "cost": {"amount": 300, "currency": "AUD"}, "offered": ["T1"]},
            {
                "id": "x:E3",
                "title": "E3",
                "credits": 6,
                "level": 2,
                "tags": ["e"],
                "cost": {"amount": 200, "currency": "AUD"},
                "offered": ["S2", "T1"],
                "incompatible": ["h:H2", "x:E0"],
            },
        ],
    },
    "z.yaml": {
        "kind": "catalog",
        "provider": {"id": "z", "name": "Z"},
        "credit_system": "x-sch",
        "grade_scale": {"order": ["F", "E", "D", "C", "B", "A"], "pass": "E"},
        "credentials": [
            {"id": "z:E0", "title": "E0", "credits": 6, "level": 2, "tags": ["f"], "cost": {"amount": 100, "currency": "AUD"}},
            {
                "id": "z:E1",
                "title": "E1",
                "credits": 3,
                "level": 2,
                "tags": ["f"],
                "repeatable": {"max": 2},
                "cost": {"amount": 200, "currency": "AUD"},
                "offered": ["T1"],
            },
            {"id": "z:E2", "title": "E2", "credits": 6, "level": 1, "tags": ["e", "f"], "cost": {"amount": 100, "currency": "AUD"}},
        ],
    },
}
_OVERFED_LEARNER = {
    "id": "L",
    "holdings": [
        {"credential": "z:E1", "status": "in_progress"},
        {"credential": "z:E0", "grade": "D"},
        {"credential": "x:E1", "grade": "B"},
        {"credential": "x:E0", "grade": "A", "awarded": "2024-01-01"},
        {"credential": "x:E0", "grade": "B", "awarded": "2024-07-01"},
        {"credential": "x:E0", "grade": "C", "awarded": "2025-07-01"},
        {"credential": "z:E1", "grade": "A", "awarded": "2024-01-01"},
        {"credential": "z:E1", "grade": "B", "awarded": "2024-07-01"},
        {"credential": "z:E1", "grade": "C", "awarded": "2025-07-01"},
        {"credential": "h:H3", "grade": "D"},
    ],
}


def test_an_application_of_a_one_source_rule_takes_one_source(tmp_path: Path) -> None:
    # a pool of `count: 1` in a rule's `from` takes one source, as a credential leaf does: the others are refused
    for name, doc in _OVERFED.items():
        _dump(tmp_path / name, doc)
    engine = stackrules.load(tmp_path)
    learner = stackrules.load_learner(_OVERFED_LEARNER)
    for look_ahead in (False, True):
        d = engine.audit(learner, "h:Q", AS_OF, look_ahead=look_ahead).to_json()
        assert d["credit"] and all(len(c["sources"]) == 1 for c in d["credit"]), d["credit"]
        p = engine.plan(learner, "h:Q", AS_OF, look_ahead=look_ahead, time_limit=30).to_json()
        assert p["status"] == "planned" and all(len(c["sources"]) == 1 for c in p["credit"]), p["credit"]
    d = engine.audit(learner, "h:Q", AS_OF).to_json()
    r1 = [c["sources"] for c in d["credit"] if c["rule"] == "r1"]
    refused = {s for r in d["refused"] if r["rule"] == "r1" and r["reason"] == "not_needed" for s in r["sources"]}
    assert r1 == [["x:E1"]] and refused == {"x:E0", "x:E0@2"}, (r1, d["refused"])
