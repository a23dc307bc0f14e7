"""Real programmes shipped in rules/ (section 17 of the contract at work), audited for their example learners.

Each expectation was worked out by hand from the programme's published rules (see the notes in the
rule files and the learner files), not read off the engine.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import stackrules

from .conftest import ROOT

REAL = ROOT / "examples" / "real"
AS_OF = dt.date(2026, 11, 28)

EXPECTED: dict[str, dict[str, Any]] = {
    "ict40120-mei.yaml": {
        "target": "tp-ict:ICT40120",
        "status": "met",
        "remaining": "0",
        "nodes": {"core": "met", "electives": "met"},
        "limits": {"listed-electives": ("ok", "11")},
        "equivalents": [{"node": "core", "holding": "tp-ict:ICTICT418", "as": "tp-ict:ICTICT451", "relation": "superseded"}],
    },
    "bm-performance-ana.yaml": {
        "target": "evu:BM-PERF",
        "status": "met",
        "remaining": "0",
        "nodes": {"ensembles": "met", "applied-primary": "met", "applied-secondary": "met", "vocal": "met", "concert-experience": "met"},
        "limits": {"ensemble-semesters": ("ok", "4"), "concert-semesters": ("ok", "4")},
    },
    "bm-performance-ben.yaml": {
        "target": "evu:BM-PERF",
        "status": "not_met",
        "remaining": "9",
        "remaining_records": 1,
        "nodes": {
            "ensembles": "not_met",
            "applied-primary": "not_met",
            "applied-secondary": "not_met",
            "vocal": "not_applicable",
            "concert-experience": "not_met",
        },
        "limits": {"ensemble-semesters": ("short", "3"), "concert-semesters": ("short", "3")},
    },
    "ict40120-tom.yaml": {
        "target": "tp-ict:ICT40120",
        "status": "not_met",
        "remaining": "3",
        "nodes": {"core": "met", "electives": "not_met"},
        "limits": {"listed-electives": ("short", "8")},
        "unused": ["tp-bsb:BSBMGT617"],
    },
}


@pytest.fixture(scope="module")
def engine() -> stackrules.Engine:
    return stackrules.load()


def test_every_example_learner_has_hand_checked_expectations() -> None:
    assert sorted(p.name for p in REAL.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_programme_audit_matches_the_hand_check(engine: stackrules.Engine, name: str) -> None:
    want = EXPECTED[name]
    got = engine.audit(stackrules.load_learner(REAL / name), want["target"], AS_OF).to_json()
    assert got["status"] == want["status"]
    assert got["credits"]["remaining"] == want["remaining"]
    assert got["credits"].get("remaining_records", 0) == want.get("remaining_records", 0)
    assert {n["id"]: n["status"] for n in got["nodes"]} == want["nodes"]
    assert {lim["id"]: (lim["status"], lim["value"]) for lim in got["limits"]} == want["limits"]
    assert got.get("equivalents", []) == want.get("equivalents", [])
    assert sorted(u["holding"] for u in got["unused"]) == want.get("unused", [])


def test_real_programme_rule_files_cite_their_source_and_date() -> None:
    for path in sorted([*(ROOT / "rules" / "training-packages").glob("*.yaml"), *(ROOT / "rules" / "evangel-music").glob("*.yaml")]):
        text = path.read_text(encoding="utf-8")
        assert "source:" in text and "read 2026-11-29" in text, path.name


def test_explore_says_when_no_plan_was_found_never_none(engine: stackrules.Engine) -> None:
    # repeats the plan cannot take again leave the music degree with no plan: the row says so in words
    text = engine.explore(stackrules.load_learner(REAL / "bm-performance-ben.yaml"), AS_OF).text()
    row = next(line for line in text.splitlines() if "evu:BM-PERF" in line)
    assert "no plan was found" in row
    assert "None" not in text
