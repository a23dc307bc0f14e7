"""What an adversary found on 2026-11-30 in `holds` conditions (section 17), beside the case files of that day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import stackrules
from stackrules.engine import load_with_diagnostics

BASE = Path(__file__).parent / "cases" / "_base"
AS_OF = dt.date(2026, 6, 30)


def _rules(tmp_path: Path, when: str) -> Path:
    (tmp_path / "q.yaml").write_text(
        'kind: qualification\nid: "t:Q"\ntitle: Q\nprovider: t\nrequires:\n  all:\n'
        "    - {id: pool, credits: 6, where: {tags: a}}\n"
        f'    - {{id: ex, {when}, all: ["t:Z1"]}}\n',
        encoding="utf-8",
    )
    return tmp_path


def test_a_holds_group_with_a_pool_after_it_is_refused(tmp_path: Path) -> None:
    # it read the pool alone: holding only t:B1 made `ex` apply although the group's t:C1 was not held
    _, diags = load_with_diagnostics(BASE, _rules(tmp_path, 'when: {holds: {all: ["t:C1"], credits: 6, where: {tags: b}}}'), cache=None)
    hit = [d for d in diags if d.code == "SR2008"]
    assert len(hit) == 1 and hit[0].message == "a `holds` condition tests a group or a pool, not a group with a pool after it", [d.message for d in diags]


def test_an_at_least_in_a_holds_condition_is_worded_as_a_count(tmp_path: Path) -> None:
    engine = stackrules.load(BASE, _rules(tmp_path, 'unless: {holds: {at_least: 2, of: ["t:A3", "t:A4", "t:B2"]}}'))
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "t:A3"}]})
    nodes = {n["id"]: n for n in engine.audit(learner, "t:Q", AS_OF).to_json()["nodes"]}  # type: ignore[union-attr, index]
    assert nodes["ex"]["status"] == "not_met"  # it applies: one of the three is held, not two
    text = engine.audit(learner, "t:Q", AS_OF).text()
    assert "does not apply if the learner holds 2 of (t:A3, t:A4, t:B2)" in text, text
