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


def test_a_timestamp_from_python_is_its_calendar_day(engine: stackrules.Engine) -> None:
    # a datetime where a date belongs raised a raw TypeError (found by an adversarial run)
    import datetime as dt

    stamped = stackrules.load_learner({"id": "L", "holdings": [{"credential": "exu:COMP1010", "awarded": dt.datetime(2025, 1, 1, 5)}]})
    dated = stackrules.load_learner({"id": "L", "holdings": [{"credential": "exu:COMP1010", "awarded": dt.date(2025, 1, 1)}]})
    assert engine.audit(stamped, "exu:BIT", AS_OF).to_json() == engine.audit(dated, "exu:BIT", AS_OF).to_json()


def test_a_repeatable_credential_held_twice_on_one_day_is_two_holdings() -> None:
    # two lessons graded the same day: "listed twice" (SR3006) rejected the whole learner file, though a learner may
    # hold repeats in one term (found by an adversarial run); a credential that is not repeatable is still refused
    engine = stackrules.load(ROOT / "rules", ROOT / "frameworks")
    lessons = [{"credential": "evu:MUAP150", "awarded": "2025-05-09"}] * 2
    learner = stackrules.load_learner({"id": "L", "holdings": lessons})
    decided = engine.audit(learner, "evu:BM-PERF", AS_OF).to_json()
    primary = next(n for n in decided["nodes"] if n["id"] == "applied-primary")
    assert primary["claimed"] == ["evu:MUAP150", "evu:MUAP150@2"] and primary["credits"] == "4"
    with pytest.raises(stackrules.LearnerError) as info:
        engine.audit(stackrules.load_learner({"id": "L", "holdings": [{"credential": "evu:MUED231", "awarded": "2025-05-09"}] * 2}), "evu:BM-PERF", AS_OF)
    assert info.value.diagnostics[0].code == "SR3006"


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
