"""What a learner's file may name as held: a holding that names a qualification's requirements, not an award."""

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
