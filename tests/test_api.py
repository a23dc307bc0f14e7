"""The public Python API: names, errors, immutability, pickling."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import stackrules

from .conftest import AS_OF, ROOT


def test_public_names_are_pinned() -> None:
    assert stackrules.__all__ == [
        "CatalogDoc",
        "Credential",
        "CreditRuleDoc",
        "CreditSystemsDoc",
        "CrosswalkDoc",
        "Decision",
        "Diagnostic",
        "Engine",
        "FrameworkDoc",
        "Learner",
        "LearnerDoc",
        "LearnerError",
        "QualificationDoc",
        "Quantity",
        "RequestError",
        "Requirement",
        "RuleBaseError",
        "StackrulesError",
        "Towards",
        "TowardsRow",
        "VerificationError",
        "__version__",
        "load",
        "load_learner",
    ]


def test_invalid_rule_base_raises_with_all_diagnostics_and_loads_nothing(write) -> None:  # type: ignore[no-untyped-def]
    folder = write({"a.yaml": "kind: catalog\nprovider: {id: x, name: X}\ncredit_system: nope\n", "b.yaml": "kind: catalogue\n"})
    with pytest.raises(stackrules.RuleBaseError) as info:
        stackrules.load(folder)
    assert sorted(d.code for d in info.value.diagnostics) == ["SR2005", "SR3004"]


def test_engine_is_frozen_and_picklable(engine: stackrules.Engine) -> None:
    with pytest.raises(AttributeError):
        engine.digest = "x"  # type: ignore[misc]
    clone = pickle.loads(pickle.dumps(engine))
    learner = stackrules.load_learner(ROOT / "examples" / "learners" / "amira.yaml")
    assert clone.audit(learner, "exu:BIT", AS_OF).dumps() == engine.audit(learner, "exu:BIT", AS_OF).dumps()


def test_learner_from_a_dict_equals_the_file(engine: stackrules.Engine) -> None:
    import yaml

    data = yaml.safe_load(Path(ROOT / "examples" / "learners" / "amira.yaml").read_text())
    from_dict = stackrules.load_learner(data)
    from_file = stackrules.load_learner(ROOT / "examples" / "learners" / "amira.yaml")
    a = engine.audit(from_dict, "exu:BIT", AS_OF).to_json()
    b = engine.audit(from_file, "exu:BIT", AS_OF).to_json()
    assert a == b


def test_bad_learner_dict_raises_learner_error() -> None:
    with pytest.raises(stackrules.LearnerError) as info:
        stackrules.load_learner({"id": "L", "holdings": [{"credential": "exu:COMP1010", "grade": 5}]})
    assert info.value.diagnostics[0].code == "SR2003"


def test_unknown_target_is_a_request_error(engine: stackrules.Engine) -> None:
    learner = stackrules.load_learner({"id": "L"})
    with pytest.raises(stackrules.RequestError) as info:
        engine.audit(learner, "exu:BITT", AS_OF)
    assert info.value.code == "SR5001" and "exu:BIT" in (info.value.help or "")


def test_schema_for_every_kind_is_json_schema() -> None:
    from stackrules.language.models import KINDS
    from stackrules.language.schema import json_schema

    for kind in KINDS:
        s = json_schema(kind)
        assert s["type"] == "object" and "kind" in s["properties"], kind
