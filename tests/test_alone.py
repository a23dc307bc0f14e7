"""A node said to be completable "on its own" when nothing completes the target: proven, then checked.

``tests/cases/node-alone-limit.yaml`` holds the decision; these tests guard the path behind it: the solver's
witness for the node alone goes through the checker, which rejects one that does not complete the node, and the
audit then fails rather than say something untrue.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

import stackrules
from stackrules.decide import audit as audit_mod
from stackrules.decide.choice import Choice
from stackrules.errors import VerificationError

CASE = Path(__file__).parent / "cases" / "node-alone-limit.yaml"
BASE = Path(__file__).parent / "cases" / "_base"
AS_OF = dt.date(2026, 6, 30)


def _engine(tmp_path: Path) -> tuple[stackrules.Engine, stackrules.Learner]:
    spec = yaml.safe_load(CASE.read_text(encoding="utf-8"))
    folder = tmp_path / "rules"
    folder.mkdir()
    for name, doc in spec["rules"].items():
        (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    learner = stackrules.load_learner(spec["learner"])
    return stackrules.load(BASE, folder), learner


def test_each_node_named_is_decided_alone_and_the_witness_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, learner = _engine(tmp_path)
    seen: list[tuple[str | None, bool]] = []
    real = audit_mod.completes_alone
    checked: list[str | None] = []
    real_verify = audit_mod.verify

    def spy(p, n, deadline):  # type: ignore[no-untyped-def]
        out = real(p, n, deadline)
        seen.append((n.id, isinstance(out, tuple)))
        return out

    def verify_spy(p, choice):  # type: ignore[no-untyped-def]
        if p.top.id is not None and p.top is not (p.top, *p.top.ancestors())[-1]:
            checked.append(p.top.id)
        return real_verify(p, choice)

    monkeypatch.setattr(audit_mod, "completes_alone", spy)
    monkeypatch.setattr(audit_mod, "verify", verify_spy)
    decision = engine.audit(learner, "v:Q", AS_OF)
    assert str(decision.status) == "not_met"
    # `ok` alone has a completion (checked); `breadth` alone has none (its limit asks for a subject the catalogue lacks)
    assert sorted(seen) == [("breadth", False), ("ok", True)], seen
    assert checked == ["ok"], checked


def test_a_witness_that_does_not_complete_the_node_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, learner = _engine(tmp_path)
    real = audit_mod.completes_alone

    def empty(p, n, deadline):  # type: ignore[no-untyped-def]
        out = real(p, n, deadline)
        if isinstance(out, tuple):
            return out[0], Choice("optimal", completion=True)  # claims nothing: `ok` is not met by it
        return out

    monkeypatch.setattr(audit_mod, "completes_alone", empty)
    with pytest.raises(VerificationError, match="does not complete the target"):
        engine.audit(learner, "v:Q", AS_OF)
