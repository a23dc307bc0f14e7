"""What a learner's file may name as held, and what its own assertions may not earn."""

from __future__ import annotations

import pytest

import stackrules
from stackrules.errors import LearnerError

from .conftest import AS_OF


def test_a_qualification_named_as_held_is_told_apart_from_an_unknown_credential(engine: stackrules.Engine) -> None:
    # found on 2026-11-30: "unknown credential `tp-ict:ICT40120` ... did you mean `tp-ict:ICT40120`?" (the id itself)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "tp-ict:ICT40120", "awarded": "2021-06-30"}]})
    with pytest.raises(LearnerError) as err:
        engine.audit(learner, "tp-ict:ICT40120", AS_OF)
    [d] = err.value.diagnostics
    assert d.code == "SR3014"
    assert "is a qualification (its requirements), not a credential a catalogue lists" in d.message
    assert "did you mean" not in (d.help or "") and "type: qualification" in (d.help or "")


def test_the_ai_stack_takes_only_exus_own_micro_credentials(engine: stackrules.Engine) -> None:
    # an adversary's find (2026-11-30): four inline `zz:` micro-credentials tagged exu-ai-series earned exu:AI501
    fake = [
        {"credential": f"zz:M{k}", "title": "Any", "provider": "zz", "credits": "1 ects", "type": "micro-credential", "tags": ["exu-ai-series"]}
        for k in range(1, 5)
    ]
    audit = engine.audit(stackrules.load_learner({"id": "L", "holdings": fake}), "exu:GCDS", AS_OF).to_json()
    assert audit["credit"] == [] and audit["credits"]["counted"] == "0"
    real = [{"credential": f"exu:AI-M{k}"} for k in range(1, 5)]
    audit = engine.audit(stackrules.load_learner({"id": "L", "holdings": real}), "exu:GCDS", AS_OF).to_json()
    assert [c["rule"] for c in audit["credit"]] == ["exu-ai-stack"]
