"""A completion leaves the tree's `holds` conditions as they stand (docs/language.md, "Learner facts and conditional
nodes"; found by an adversarial run, 2026-11-30: the audit's completion and an "optimal" plan added v:X, which makes
`extra` apply, so neither completed the target once carried out).

`extra` applies only if the learner holds v:X; `core` takes 6 credits tagged c, which v:X (6) or v:Y (9) gives.
Adding v:X would bring in `extra` (v:Z, 6 more): the least study that completes the target as the learner would
then stand is v:Y, 9.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import stackrules
from stackrules.decide.audit import run_audit
from stackrules.decide.checker import verify
from stackrules.decide.choice import Choice
from stackrules.errors import VerificationError

AS_OF = dt.date(2026, 6, 30)
BASE = Path(__file__).parent / "cases" / "_base"
CATALOG = """kind: catalog
provider: {id: v, name: V College}
credit_system: t-cp
credentials:
  - {id: "v:X", title: Ex, credits: 6, tags: [c]}
  - {id: "v:Y", title: Why, credits: 9, tags: [c]}
  - {id: "v:Z", title: Zed, credits: 6}
  - {id: "v:ADV", title: Advanced placement, credits: 3}
  - {id: "v:R1", title: Remedial one, credits: 6, tags: [r]}
  - {id: "v:R2", title: Remedial two, credits: 6, tags: [r]}
"""
WHEN = """kind: qualification
id: "v:Q"
title: Q
provider: v
requires:
  all:
    - {id: core, credits: 6, where: {tags: c}}
    - {id: extra, when: {holds: "v:X"}, all: ["v:Z"]}
"""
UNLESS = """kind: qualification
id: "v:R"
title: R
provider: v
requires:
  all:
    - {id: core, credits: 6, where: {tags: c}}
    - {id: remedial, unless: {holds: "v:ADV"}, credits: 12, where: {tags: r}}
"""
POOL = WHEN.replace('id: "v:Q"', 'id: "v:P"').replace('when: {holds: "v:X"}', "when: {holds: {credits: 6, where: {tags: c}}}")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> stackrules.Engine:
    folder = tmp_path_factory.mktemp("rules")
    for name, text in {"v.yaml": CATALOG, "q.yaml": WHEN, "r.yaml": UNLESS, "p.yaml": POOL}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return stackrules.load(BASE, folder)


NOBODY = stackrules.load_learner({"id": "L"})


def test_the_audit_does_not_add_what_makes_a_node_apply(engine: stackrules.Engine) -> None:
    d = engine.audit(NOBODY, "v:Q", AS_OF).to_json()
    assert d["credits"]["remaining"] == "9", d["credits"]  # type: ignore[index]
    missing = {m["node"]: m for m in d["missing"]}  # type: ignore[union-attr, index]
    assert missing["core"]["credits"] == "9"
    assert missing["extra"]["text"] == (
        "`extra` applies only if the learner holds v:X: what is still needed leaves that as it stands (study that makes it so would add it to the requirements)"
    )


def test_the_plan_does_not_add_what_makes_a_node_apply(engine: stackrules.Engine) -> None:
    d = engine.plan(NOBODY, "v:Q", AS_OF).to_json()
    assert d["added"] == ["v:Y"], d["added"]


def test_a_pool_condition_is_kept_as_it_stands(engine: stackrules.Engine) -> None:
    """`extra` applies once the learner holds 6 credits tagged c: whatever fills `core` would meet that, so the
    target cannot be completed without `extra` applying, and no completion is offered in its place."""
    d = engine.audit(NOBODY, "v:P", AS_OF).to_json()
    assert d["credits"]["remaining"] is None, d["credits"]  # type: ignore[index]
    plan = engine.plan(NOBODY, "v:P", AS_OF).to_json()
    assert plan["status"] != "planned" and not plan.get("added"), plan


def test_an_unless_condition_is_kept_and_said(engine: stackrules.Engine) -> None:
    d = engine.audit(NOBODY, "v:R", AS_OF).to_json()
    assert d["credits"]["remaining"] == "18", d["credits"]  # type: ignore[index]
    texts = [m["text"] for m in d["missing"]]  # type: ignore[union-attr, index]
    assert (
        "`remedial` does not apply if the learner holds v:ADV: what is still needed leaves that as it stands (study that makes it so would take it out of the requirements)"
        in texts
    )


def test_the_checker_refuses_a_completion_that_makes_a_node_apply(engine: stackrules.Engine) -> None:
    p, _, _, _ = run_audit(engine.context, NOBODY, "v:Q", AS_OF, False, 60.0)
    p.add_catalogue()
    core = next(n for n in p.top.walk() if n.id == "core")
    x = next(it for it in p.items if it.origin == "addition" and it.credential == "v:X")
    with pytest.raises(VerificationError, match="changes whether `extra` applies"):
        verify(p, Choice("optimal", claims={core.index: [(x.index, 1)]}, completion=True))


def test_the_model_keeps_the_condition_false(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the rows the solver takes v:X (6 < 9), and the checker stops the decision: the rows are what keep it."""
    monkeypatch.setattr("stackrules.decide.model.keep_false", lambda *a, **k: None)
    with pytest.raises(VerificationError, match="changes whether `extra` applies"):
        engine.audit(NOBODY, "v:Q", AS_OF)


def test_the_plan_checker_refuses_a_plan_that_makes_a_node_apply(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the rows gone and the audit checker blind to conditions, the plan checker still refuses the plan."""
    monkeypatch.setattr("stackrules.decide.model.keep_false", lambda *a, **k: None)
    monkeypatch.setattr("stackrules.decide.checker.flipped", lambda *a, **k: None)
    with pytest.raises(VerificationError, match="plan check: the plan takes what changes whether `extra` applies"):
        engine.plan(NOBODY, "v:Q", AS_OF)
