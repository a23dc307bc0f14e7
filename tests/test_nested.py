"""Nested qualifications: every limit of the nested tree binds, and the checker reads them from the rule base.

The decision cases ``tests/cases/nested-*.yaml`` hold what a nested audit
decides; these tests break the expansion on purpose and show the independent
checker rejects the result, and run every command over a nested qualification
that has no version in force.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

import stackrules
from stackrules.compile import tree
from stackrules.errors import VerificationError

HERE = Path(__file__).parent / "cases"
AS_OF = dt.date(2026, 6, 30)


def _engine(tmp_path: Path, case: str) -> tuple[stackrules.Engine, stackrules.Learner, str]:
    spec = yaml.safe_load((HERE / f"{case}.yaml").read_text(encoding="utf-8"))
    folder = tmp_path / "rules"
    folder.mkdir(parents=True)
    for name, doc in spec["rules"].items():
        (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return stackrules.load(HERE / "_base", folder), stackrules.load_learner(spec["learner"]), spec["target"]


def _dropping(limit_id: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the expansion lose the limit ``limit_id`` wherever it stands; returns where it was dropped."""
    real = tree.Expander.limits
    dropped: list[str] = []

    def limits(self: tree.Expander, limits: tuple[object, ...], v: object, at: tuple[str | int, ...] | None = None) -> list[tree.CLimit]:
        out = real(self, limits, v, at)  # type: ignore[arg-type]
        kept = [lim for lim in out if lim.id != limit_id]
        if len(kept) != len(out):
            dropped.append(limit_id)
        return kept

    monkeypatch.setattr(tree.Expander, "limits", limits)
    return dropped


@pytest.mark.parametrize("case", ["nested-root-limit", "nested-root-limit-met", "nested-root-limit-two-levels"])
def test_the_checker_catches_an_expansion_that_drops_a_nested_limit(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, learner, target = _engine(tmp_path, case)
    assert engine.audit(learner, target, AS_OF).to_json()["limits"]  # unbroken, the audit decides
    dropped = _dropping("gen-a", monkeypatch)
    broken, learner, target = _engine(tmp_path / "again", case)
    with pytest.raises(VerificationError, match=r"limits of `.*` differ from the rule base"):
        broken.audit(learner, target, AS_OF)
    assert dropped == ["gen-a"]


def test_a_nested_qualification_not_in_force_is_a_node_not_met_on_every_command(tmp_path: Path) -> None:
    engine, learner, target = _engine(tmp_path, "nested-not-in-force")
    why = "no version of `t:GC` is in force on 2026-06-30"
    audit = engine.audit(learner, target, AS_OF).to_json()
    assert audit["status"] == "not_met"
    assert {n["id"]: n["status"] for n in audit["nodes"]}["cert"] == "not_met"
    assert {"node": "cert", "credits": None, "credentials": [], "text": why} in audit["missing"]
    assert engine.assess(learner, target, AS_OF).to_json()["status"] == "not_met"
    assert engine.plan(learner, target, AS_OF).to_json()["status"] == "no_plan"
    rows = {r["target"]: r for r in engine.explore(learner, AS_OF).to_json()["qualifications"]}
    assert rows["t:M"]["why"] == why and rows["t:M"]["remaining"] is None
    graph = engine.graph(AS_OF)
    assert "qualification:t:M" in graph
    assert not any(kind == "nests" for _, _, kind in graph.edges(data="kind"))
