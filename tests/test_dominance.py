"""Dominated claims of catalogue additions (decide/dominance.py): the smaller model decides as the full one.

Random catalogues of interchangeable-looking courses (subjects, numbers,
tags, credits) under a programme with a free-elective pool, subject pools,
a distinct-subjects breadth limit and minimum / maximum limits on the whole
qualification: each not-met audit is decided with the dominated claims left
out (as the engine does) and with the full model, and every figure of
section 16's order must agree. The left-out path must actually be taken.
"""

from __future__ import annotations

import datetime as dt
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

import stackrules
from stackrules.decide import dominance
from stackrules.decide import solve as solve_module

AS_OF = dt.date(2026, 6, 30)
SUBJECTS = ["ARTS", "BIOL", "CHEM", "HIST", "MATH"]


def _rule_base(rng: random.Random, folder: Path) -> list[str]:
    courses: list[dict[str, Any]] = []
    often = rng.choice([0.3, 0.6])  # how common tagged courses are: common enough, a maximum's tag binds
    for s in SUBJECTS:
        for k in range(rng.randint(8, 18)):
            number = 1000 * rng.randint(1, 4) + 10 * k + 5
            tags = [t for t in ("writing", "quant") if rng.random() < often]
            courses.append({"id": f"u:{s}{number}", "title": f"{s} {number}", "credits": rng.choice([1, 3, 3, 3, 4]), "level": number // 1000, "tags": tags})
    seen: set[str] = set()
    courses = [c for c in courses if not (c["id"] in seen or seen.add(c["id"]))]  # type: ignore[func-returns-value]
    catalog = {
        "kind": "catalog",
        "provider": {"id": "u", "name": "U"},
        "credit_system": {"id": "u-sch", "full_time_year": 30},
        "id_pattern": "{provider}:{subject}{number}",
        "credentials": courses,
    }
    major = rng.choice(SUBJECTS)
    breadth = {
        "id": "breadth",
        "all": [{"id": f"breadth-{s.lower()}", "credits": 3, "where": {"subject": s}} for s in rng.sample([s for s in SUBJECTS if s != major], 2)]
        + [{"id": "breadth-any", "credits": rng.choice([3, 6, 9]), "where": {"number": {"lt": 3000}}}],
        "limits": [{"id": "breadth-subjects", "min_distinct": {"count": rng.choice([2, 3]), "of": "subject"}}],
    }
    requires = {
        "all": [
            breadth,
            {"id": "major", "credits": rng.choice([9, 12, 15]), "where": {"subject": major}},
            {"id": "upper", "credits": 6, "where": {"subject": major, "number": {"gte": 3000}}},
            {"id": "electives", "credits": rng.choice([6, 12, 18])},
        ]
    }
    limits: list[dict[str, Any]] = [{"id": "writing", "min_count": rng.choice([1, 2]), "where": {"tags": "writing"}}]
    if rng.random() < 0.7:
        limits.append({"id": "upper-division", "min_credits": rng.choice([6, 9, 12]), "where": {"number": {"gte": 3000}}})
    if rng.random() < 0.7:
        limits.append({"id": "quant-cap", "max_credits": rng.choice([3, 6, 9]), "where": {"tags": "quant"}})
    qual = {"kind": "qualification", "id": "u:BA", "title": "BA", "provider": "u", "credits": rng.choice([36, 45, 60]), "requires": requires, "limits": limits}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (folder / "ba.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    return [c["id"] for c in courses]


def _figures(d: stackrules.Decision) -> tuple[object, ...]:
    """What section 16's order fixes: status, remaining, how many nodes the learner's own claims meet, credit counted.

    (Which of several equally good choices is reported is the solver's to decide: docs/language.md, "Ties".)"""
    j = d.to_json()
    met = sum(1 for n in j["nodes"] if n["status"] == "met")
    return (j["status"], j["credits"]["remaining"], met, j["credits"]["counted"])


def test_dominated_claims_change_no_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    left_out: list[int] = []

    def counting(p: Any, bound: Fraction) -> frozenset[tuple[int, int]]:
        got = dominance.dominated_claims(p, bound)
        left_out.append(len(got))
        return got

    compared = 0
    for seed in range(40):
        rng = random.Random(seed)
        ids = _rule_base(rng, tmp_path / str(seed))
        engine = stackrules.load(tmp_path / str(seed))
        held = rng.sample(ids, rng.randint(2, 9))
        learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": c} for c in held]})
        monkeypatch.setattr(solve_module, "dominated_claims", counting)
        left_out.clear()
        smaller = engine.audit(learner, "u:BA", AS_OF, time_limit=60)
        monkeypatch.setattr(solve_module, "dominated_claims", lambda p, bound: frozenset())
        full = engine.audit(learner, "u:BA", AS_OF, time_limit=60)
        assert _figures(smaller) == _figures(full), (seed, held)
        if sum(left_out):
            compared += 1
    # the path under test is taken: most of these audits leave claims out
    assert compared >= 25, compared


def test_a_maximum_keeps_what_it_does_not_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty capped courses never stand in for six uncapped ones: the cheapest completion takes four of the six (12 cp)."""
    quant = [{"id": f"u:MATH{1000 + k}", "title": f"MATH {1000 + k}", "credits": 3, "level": 1, "tags": ["quant"]} for k in range(20)]
    plain = [{"id": f"u:HIST{2000 + k}", "title": f"HIST {2000 + k}", "credits": 3, "level": 2, "tags": []} for k in range(6)]
    five = [{"id": f"u:ARTS{3000 + k}", "title": f"ARTS {3000 + k}", "credits": 5, "level": 3, "tags": []} for k in range(5)]
    catalog = {
        "kind": "catalog",
        "provider": {"id": "u", "name": "U"},
        "credit_system": {"id": "u-sch", "full_time_year": 30},
        "id_pattern": "{provider}:{subject}{number}",
        "credentials": quant + plain + five,
    }
    qual = {
        "kind": "qualification",
        "id": "u:BA",
        "title": "BA",
        "provider": "u",
        "credits": 12,
        "requires": {"all": [{"id": "electives", "credits": 12}]},
        "limits": [{"id": "quant-cap", "max_credits": 3, "where": {"tags": "quant"}}],
    }
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (tmp_path / "ba.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    left_out: list[int] = []

    def counting(p: Any, bound: Fraction) -> frozenset[tuple[int, int]]:
        got = dominance.dominated_claims(p, bound)
        left_out.append(len(got))
        return got

    monkeypatch.setattr(solve_module, "dominated_claims", counting)
    d = stackrules.load(tmp_path).audit(stackrules.load_learner({"id": "L", "holdings": []}), "u:BA", AS_OF)
    assert d.remaining == 12
    assert sum(left_out) > 0  # the capped courses' claims were left out, not the uncapped ones
