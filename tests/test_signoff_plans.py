"""Plans and sign-offs (docs/language.md, "Sign-offs"; an adversarial run, 2026-11-30).

A plan that adds nothing while a sign-off is awaited said "the target is complete once the in-progress and planned
study counted (look-ahead) is passed" with no such study; and a plan listed a sign-off as awaited ("the target is
complete only once it is given") where a held alternative of the same `any` completes it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import stackrules
from stackrules.decide import plan as plan_module

AS_OF = dt.date(2026, 6, 30)
CATALOG = """kind: catalog
provider: {id: v, name: V College}
credit_system: us-sch
credentials:
  - {id: "v:A", title: Ay, credits: 6}
  - {id: "v:P", title: Project, credits: 3}
"""
ONLY_SIGN_OFF = """kind: qualification
id: "v:Q"
title: Q
provider: v
requires:
  all:
    - "v:A"
    - {id: audition, approval: "department audition"}
"""
HELD_ALTERNATIVE = """kind: qualification
id: "v:Q3"
title: Q3
provider: v
requires:
  all:
    - {id: audition-or-a, any: [{id: audition, approval: "department audition"}, "v:A"]}
    - "v:P"
"""
HOLDS_A = stackrules.load_learner({"id": "L", "holdings": [{"credential": "v:A", "awarded": "2025-01-01"}]})


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> stackrules.Engine:
    folder = tmp_path_factory.mktemp("rules")
    for name, text in {"v.yaml": CATALOG, "q.yaml": ONLY_SIGN_OFF, "q3.yaml": HELD_ALTERNATIVE}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return stackrules.load(Path(__file__).parent.parent / "frameworks", folder)


def test_nothing_to_add_but_a_sign_off_says_so(engine: stackrules.Engine) -> None:
    text = engine.plan(HOLDS_A, "v:Q", AS_OF).text()
    lines = text.splitlines()
    assert lines[2] == "Nothing to add: the target is complete once the sign-off below is given.", text
    assert "look-ahead" not in text


def test_a_sign_off_the_plan_does_not_rest_on_is_not_awaited(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[bool] = []
    real = plan_module._needs_sign_off

    def spy(*a, **k):  # type: ignore[no-untyped-def]
        asked.append(real(*a, **k))
        return asked[-1]

    monkeypatch.setattr(plan_module, "_needs_sign_off", spy)
    d = engine.plan(HOLDS_A, "v:Q3", AS_OF)
    assert d.to_json()["added"] == ["v:P"]
    assert asked == [False], asked  # the question was asked, and v:A completes `audition-or-a` without the sign-off
    assert "waits for a sign-off" not in d.text()
    assert engine.plan(HOLDS_A, "v:Q", AS_OF).to_json().get("awaiting_approval"), "the plan that rests on it lists it"
