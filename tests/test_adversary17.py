"""Defects an adversarial run found on 2026-11-30 in section 17's constructs, each as a small rule base or learner."""

from __future__ import annotations

from pathlib import Path

import pytest

import stackrules
from stackrules.engine import load_with_diagnostics
from stackrules.render.text import render_text

from .conftest import AS_OF

CATALOG = """kind: catalog
provider: {id: mm, name: M College, country: US}
credit_system: {id: mm-sch, name: semester hours, full_time_year: 30}
grade_scale: {order: [F, D, C, B, A], pass: D}
credentials:
  - {id: "mm:THY100", title: Theory one, credits: 3}
  - {id: "mm:HIS301", title: History, credits: 3}
  - {id: "mm:CORE1", title: Core, credits: 3}
"""


def _qual(when: str) -> str:
    return f"""kind: qualification
id: "mm:Q"
title: Q
provider: mm
requires:
  all:
    - {{id: core, all: ["mm:CORE1"]}}
    - {{id: hist, when: {when}, all: ["mm:HIS301"]}}
"""


def _load(tmp_path: Path, qual: str) -> tuple[stackrules.Engine | None, list[stackrules.Diagnostic]]:
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (rules / "q.yaml").write_text(qual, encoding="utf-8")
    return load_with_diagnostics(rules, cache=None)


def _learner(grade: str, awarded: str = "2025-12-01") -> stackrules.Learner:
    return stackrules.load_learner(
        {
            "id": "L",
            "holdings": [{"credential": "mm:CORE1", "grade": "A"}, {"credential": "mm:THY100", "grade": grade, "awarded": awarded}],
        }
    )


@pytest.mark.parametrize(
    ("when", "grade", "awarded", "applies"),
    [
        ('{holds: {credential: "mm:THY100", min_grade: B}}', "D", "2025-12-01", False),
        ('{holds: {credential: "mm:THY100", min_grade: B}}', "A", "2025-12-01", True),
        ('{holds: {credential: "mm:THY100", within_years: 1}}', "A", "2015-01-01", False),
        ('{holds: {credential: "mm:THY100", within_years: 1}}', "A", "2025-12-01", True),
        ('{holds: {all: ["mm:THY100"], min_grade: C}}', "D", "2025-12-01", False),
        ("{holds: {credits: 6, min_grade: C}}", "D", "2025-12-01", False),
        ("{holds: {credits: 6, min_grade: C}}", "A", "2025-12-01", True),
    ],
)
def test_a_holds_condition_reads_min_grade_and_within_years(tmp_path: Path, when: str, grade: str, awarded: str, applies: bool) -> None:
    """`when: {holds: {credential: X, min_grade: B}}` held with a D made the node apply (the grade was not read)."""
    engine, diags = _load(tmp_path, _qual(when))
    assert engine is not None, diags
    d = engine.audit(_learner(grade, awarded), "mm:Q", AS_OF)
    hist = next(n for n in d.to_json()["nodes"] if n["id"] == "hist")  # type: ignore[index, union-attr]
    assert (hist["status"] != "not_applicable") is applies, hist
    if not applies:
        text = render_text(d.record)
        assert "or better" in text or "within 1 year" in text, text


@pytest.mark.parametrize(
    ("when", "key"),
    [
        ("{holds: {credits: 3, limits: [{id: g, min_credits: 400}]}}", "limits"),
        ("{holds: {ref: nothing}}", "ref"),
        ('{holds: {qualification: "mm:Q"}}', "qualification"),
        ("{holds: {id: x, approval: dean}}", "approval"),
        ('{holds: {all: ["mm:THY100"], when: {fact: {a: b}}}}', "when"),
    ],
)
def test_a_holds_condition_refuses_what_it_would_not_read(tmp_path: Path, when: str, key: str) -> None:
    engine, diags = _load(tmp_path, _qual(when))
    assert engine is None
    hit = [d for d in diags if d.code == "SR2008" and f"`{key}` is not read there" in d.message]
    assert hit, [(d.code, d.message) for d in diags]
    assert hit[0].line == 8 and hit[0].help


def test_a_condition_on_the_root_of_requires_is_refused(tmp_path: Path) -> None:
    """`requires: {when: ..., all: [...]}` made the qualification MET with no study for a learner it did not apply to."""
    qual = """kind: qualification
id: "mm:Q"
title: Q
provider: mm
requires:
  when: {fact: {area: voice}}
  all: ["mm:CORE1"]
"""
    engine, diags = _load(tmp_path, qual)
    assert engine is None
    hit = [d for d in diags if d.code == "SR2008" and "root of `requires`" in d.message]
    assert hit and hit[0].line == 6, [(d.code, d.line, d.message) for d in diags]
