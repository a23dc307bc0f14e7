"""Every filter operator and every limit kind, through the exact solver, with the outcome expected.

Filters: a pool that cannot be met (``count: 99``) makes the audit report the
most progress, so it claims every holding its filter admits: the claims are
exactly the filter's matches. Limits: a learner whose own study completes the
target without the limit, and who, with it, needs the catalogue: ``remaining``
says what the limit cost. The fast path is switched off so that the MILP's
rows decide (the limit rows, `min_distinct` included).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import stackrules
import stackrules.decide.audit as audit_module

from .conftest import ROOT

AS_OF = dt.date(2026, 6, 30)

CATALOG = {
    "kind": "catalog",
    "provider": {"id": "f", "name": "F"},
    "credit_system": {"id": "f-cp", "full_time_year": 48},
    "grade_scale": {"order": ["F", "P", "C", "D", "H"], "pass": "P", "points": {"F": 0, "P": 4, "C": 5, "D": 6, "H": 7}},
    "credentials": [
        {
            "id": "f:AI101",
            "title": "Intro AI",
            "credits": 6,
            "level": 1,
            "framework_level": "aqf:7",
            "tags": ["ai", "data"],
            "fields": ["asced:020300"],
            "competencies": ["k1"],
        },
        {"id": "f:AI201", "title": "Machine Learning", "credits": 6, "level": 2, "framework_level": "aqf:8", "tags": ["ai"]},
        {"id": "f:DB101", "title": "Databases", "credits": 12, "level": 1, "framework_level": "aqf:5", "tags": ["data"]},
        {"id": "f:WEB301", "title": "Web Systems", "credits": 6, "level": 3, "framework_level": "aqf:9", "tags": ["web"]},
        {"id": "f:MC1", "title": "AI micro", "type": "micro-credential", "credits": 3, "tags": ["ai"]},
        {"id": "f:ART1", "title": "Art", "credits": 6, "level": 2, "fields": ["asced:100000"]},
    ],
}
OTHER = {
    "kind": "catalog",
    "provider": {"id": "g", "name": "G"},
    "credit_system": {"id": "g-cp", "full_time_year": 48},
    "credentials": [{"id": "g:X1", "title": "X1", "credits": 6}],
}
RULE = {"kind": "credit_rule", "id": "r", "type": "rpl", "into": "f:Q", "from": "g:X1", "grant": [{"unspecified": 6, "level": 2, "tags": ["ai"]}]}
HOLDINGS = [
    {"credential": "f:AI101", "grade": "H", "awarded": "2020-06-30"},
    {"credential": "f:AI201", "grade": "C", "awarded": "2025-06-30"},
    {"credential": "f:DB101", "grade": "P", "awarded": "2026-01-15"},
    {"credential": "f:WEB301", "grade": "D", "awarded": "2026-05-01"},
    {"credential": "f:MC1", "grade": "C", "awarded": "2026-02-01"},
    {"credential": "f:ART1", "awarded": "2024-12-01"},
    {"credential": "g:X1", "awarded": "2025-01-01"},
]
CREDIT = "credit:r:1"
HOME = {"f:AI101", "f:AI201", "f:DB101", "f:WEB301", "f:MC1", "f:ART1"}


def _engine(folder: Path, qual: dict[str, Any]) -> stackrules.Engine:
    folder.mkdir(parents=True)
    for name in ("aqf.yaml", "credit-systems.yaml"):
        shutil.copy(ROOT / "frameworks" / name, folder / name)
    for name, doc in {"f.yaml": CATALOG, "g.yaml": OTHER, "r.yaml": RULE, "q.yaml": qual}.items():
        (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return stackrules.load(folder)


def _qual(requires: Any, credits: int = 12, **more: Any) -> dict[str, Any]:
    return {"kind": "qualification", "id": "f:Q", "title": "Q", "provider": "f", "credits": credits, "requires": requires, **more}


@pytest.fixture
def solver_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_module, "greedy_completion", lambda p: None)


FILTERS: list[tuple[str, Any, set[str]]] = [
    ("eq provider", {"provider": "f"}, HOME | {CREDIT}),
    ("eq type", {"type": "micro-credential"}, {"f:MC1"}),
    ("eq level", {"level": 2}, {"f:AI201", "f:ART1", CREDIT}),
    ("eq id", {"id": "f:AI101"}, {"f:AI101"}),
    ("list contains", {"tags": "ai"}, {"f:AI101", "f:AI201", "f:MC1", CREDIT}),
    ("list any of", {"tags": ["web", "data"]}, {"f:AI101", "f:DB101", "f:WEB301"}),
    ("in on a list", {"tags": {"in": ["web"]}}, {"f:WEB301"}),
    ("in on a scalar", {"level": {"in": [1, 3]}}, {"f:AI101", "f:DB101", "f:WEB301"}),
    ("not_in on a list", {"tags": {"not_in": ["ai", "data"]}}, {"f:WEB301", "f:ART1"}),
    ("not_in on a scalar", {"level": {"not_in": [1, 2]}}, {"f:WEB301"}),  # MC1 has no level: false
    ("ne on a list", {"tags": {"ne": "ai"}}, {"f:DB101", "f:WEB301", "f:ART1"}),
    ("ne on a scalar", {"level": {"ne": 1}}, {"f:AI201", "f:WEB301", "f:ART1", CREDIT}),
    ("gt", {"level": {"gt": 1}}, {"f:AI201", "f:WEB301", "f:ART1", CREDIT}),
    ("gte", {"level": {"gte": 3}}, {"f:WEB301"}),
    ("lt", {"level": {"lt": 2}}, {"f:AI101", "f:DB101"}),
    ("lte", {"level": {"lte": 2}}, {"f:AI101", "f:AI201", "f:DB101", "f:ART1", CREDIT}),
    ("prefix on id", {"id": {"prefix": "f:AI"}}, {"f:AI101", "f:AI201"}),
    ("prefix on title", {"title": {"prefix": "Web"}}, {"f:WEB301"}),
    ("prefix on a list", {"tags": {"prefix": "we"}}, {"f:WEB301"}),
    ("any_of", {"any_of": [{"tags": "web"}, {"level": 1}]}, {"f:AI101", "f:DB101", "f:WEB301"}),
    ("not", {"not": {"tags": "ai"}}, {"f:DB101", "f:WEB301", "f:ART1"}),
    ("not of a missing attribute", {"not": {"level": 1}}, {"f:AI201", "f:WEB301", "f:MC1", "f:ART1", CREDIT}),
    ("framework_level eq", {"framework_level": "aqf:7"}, {"f:AI101"}),
    ("framework_level gte", {"framework_level": {"gte": "aqf:8"}}, {"f:AI201", "f:WEB301"}),
    ("framework_level lt", {"framework_level": {"lt": "aqf:7"}}, {"f:DB101"}),
    ("credits gte", {"credits": {"gte": 12}}, {"f:DB101"}),
    ("credits lt", {"credits": {"lt": 6}}, {"f:MC1"}),
    ("credits in", {"credits": {"in": [3, 12]}}, {"f:DB101", "f:MC1"}),
    ("credits in another system", {"credits": {"gte": "0.25 eftsl"}}, {"f:DB101"}),  # a quarter year is 12 f-cp
    ("grade eq", {"grade": "C"}, {"f:AI201", "f:MC1"}),
    ("grade gte", {"grade": {"gte": "D"}}, {"f:AI101", "f:WEB301"}),
    ("grade lt", {"grade": {"lt": "C"}}, {"f:DB101"}),
    ("awarded gte", {"awarded": {"gte": "2026-01-01"}}, {"f:DB101", "f:WEB301", "f:MC1"}),
    ("awarded lt", {"awarded": {"lt": "2021-01-01"}}, {"f:AI101"}),
    ("source credit", {"source": "credit"}, {CREDIT}),
    ("source home", {"source": "home"}, HOME),
    ("fields", {"fields": "asced:020300"}, {"f:AI101"}),
    ("competencies", {"competencies": "k1"}, {"f:AI101"}),
]


@pytest.mark.usefixtures("solver_only")
@pytest.mark.parametrize(("name", "where", "want"), FILTERS, ids=[f[0] for f in FILTERS])
def test_a_filter_operator_through_the_solver(tmp_path: Path, name: str, where: Any, want: set[str]) -> None:
    engine = _engine(tmp_path / "rules", _qual({"id": "pick", "count": 99, "where": where}))
    got = engine.audit(stackrules.load_learner({"id": "L", "holdings": HOLDINGS}), "f:Q", AS_OF).to_json()
    assert got["status"] == "not_met"
    (pick,) = [n for n in got["nodes"] if n["id"] == "pick"]
    assert set(pick["claimed"]) == want, name
    # granted credit is claimed only through its rule, which then names its source
    used = [c["rule"] for c in got["credit"]]
    assert used == (["r"] if CREDIT in want else [])


# ---------------------------------------------------------------- limits


LIMITS: list[tuple[str, dict[str, Any], list[str], str, tuple[str, str]]] = [
    # name, limit, holdings, remaining with the limit, the limit's status and value in the decision (over the
    # learner's own claims: a minimum the catalogue completes is `short` until then; a GPA with no grade claimed is at its bound)
    ("max_credits", {"id": "lim", "max_credits": 6, "where": {"level": 1}}, ["f:DB101", "f:AI201"], "6", ("ok", "0")),
    ("max_count", {"id": "lim", "max_count": 1, "where": {"tags": "ai"}}, ["f:AI101", "f:AI201"], "6", ("ok", "1")),
    ("max_share", {"id": "lim", "max_share": "1/4", "where": {"tags": "data"}}, ["f:DB101"], "12", ("ok", "0")),
    ("min_credits", {"id": "lim", "min_credits": 12, "where": {"tags": "ai"}}, ["f:DB101", "f:AI101"], "6", ("short", "6")),
    ("min_count", {"id": "lim", "min_count": 2, "where": {"level": 2}}, ["f:DB101"], "12", ("short", "0")),
    ("min_share", {"id": "lim", "min_share": "1/2", "where": {"tags": "web"}}, ["f:AI101", "f:AI201"], "6", ("short", "0")),
    ("min_gpa", {"id": "lim", "min_gpa": 6}, ["f:DB101"], "12", ("ok", "6")),
    ("min_distinct", {"id": "lim", "min_distinct": {"count": 3, "of": "tags"}}, ["f:DB101"], "9", ("short", "1")),
]


@pytest.mark.usefixtures("solver_only")
@pytest.mark.parametrize(("name", "limit", "held", "remaining", "value"), LIMITS, ids=[x[0] for x in LIMITS])
def test_a_limit_kind_through_the_solver(tmp_path: Path, name: str, limit: dict[str, Any], held: list[str], remaining: str, value: tuple[str, str]) -> None:
    grades = {h["credential"]: h for h in HOLDINGS}
    learner = stackrules.load_learner({"id": "L", "holdings": [grades[c] for c in held]})
    free = _engine(tmp_path / "free", _qual({"id": "any", "credits": 12}))
    assert free.audit(learner, "f:Q", AS_OF).to_json()["credits"]["remaining"] == "0"  # without the limit, met
    for where in ("top", "node"):
        qual = _qual({"id": "any", "credits": 12}, limits=[limit]) if where == "top" else _qual({"id": "any", "credits": 12, "limits": [limit]})
        engine = _engine(tmp_path / where, qual)
        got = engine.audit(learner, "f:Q", AS_OF).to_json()
        assert (got["status"], got["credits"]["remaining"]) == ("not_met", remaining), (name, where)
        (lim,) = [x for x in got["limits"] if x["id"] == "lim"]
        assert (lim["status"], lim["value"]) == value, (name, where)
