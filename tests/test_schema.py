"""The JSON Schemas of `stackrules schema` accept every shipped document and refuse broken ones."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from stackrules.language.documents import parse_document
from stackrules.language.models import KINDS
from stackrules.language.positions import SourceMap
from stackrules.language.schema import json_schema
from stackrules.source.yamlreader import read_yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(f for folder in ("frameworks", "rules", "examples/learners") for f in (ROOT / folder).rglob("*.yaml"))
VALIDATORS = {kind: jsonschema.Draft202012Validator(json_schema(kind)) for kind in KINDS}


def _json(value: Any) -> Any:
    """The data as JSON would carry it: lists, and numbers for the reader's exact decimals."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _tuples(value: Any) -> Any:
    """The data as the YAML reader gives it (lists are tuples)."""
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _errors(data: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATORS[data["kind"]].iter_errors(_json(data))]


def test_every_kind_has_a_valid_schema() -> None:
    for kind in KINDS:
        jsonschema.Draft202012Validator.check_schema(json_schema(kind))


def test_the_shipped_base_and_examples_are_all_here() -> None:
    kinds = set()
    for f in SHIPPED:
        data, _, _ = read_yaml(f.read_bytes(), f.name)
        kinds.add(data["kind"])
    assert len(SHIPPED) >= 37
    assert kinds == set(KINDS)


@pytest.mark.parametrize("file", SHIPPED, ids=[f.relative_to(ROOT).as_posix() for f in SHIPPED])
def test_every_shipped_document_validates_against_its_kind_schema(file: Path) -> None:
    data, smap, diags = read_yaml(file.read_bytes(), file.name)
    assert diags == []
    doc, diags = parse_document(data, smap)
    assert doc is not None, diags  # the models accept it ...
    assert _errors(data) == []  # ... and so does the schema


_INVALID: list[tuple[str, dict[str, Any]]] = [
    ("unknown key", {"kind": "credit_systems", "systems": [{"id": "ects", "full_time_year": 60, "ful_time_year": 60}]}),
    ("missing key", {"kind": "catalog", "credit_system": "ects", "credentials": []}),
    (
        "credential id without a provider",
        {"kind": "catalog", "provider": {"id": "x", "name": "X"}, "credit_system": "ects", "credentials": [{"id": "A1", "title": "A"}]},
    ),
    (
        "bare-string node that is no credential id",
        {"kind": "credit_rule", "id": "r", "type": "precedent", "into": "exu:BIT", "from": "COMP1010", "grant": ["exu:A"]},
    ),
    ("grant of no known form", {"kind": "credit_rule", "id": "r", "type": "precedent", "into": "exu:BIT", "from": "uscc:CS101", "grant": [{"credits": 6}]}),
    ("no grant", {"kind": "credit_rule", "id": "r", "type": "precedent", "into": "exu:BIT", "from": "uscc:CS101", "grant": []}),
    (
        "a range of three numbers",
        {
            "kind": "framework",
            "id": "f",
            "name": "F",
            "levels": [{"level": 1, "name": "One"}],
            "qualification_types": [{"id": "t", "name": "T", "level": 1, "volume_years": [1, 2, 3]}],
        },
    ),
    ("a number that is text", {"kind": "credit_systems", "systems": [{"id": "ects", "full_time_year": "sixty"}]}),
    ("a status that does not exist", {"kind": "learner", "id": "L", "holdings": [{"credential": "exu:A", "status": "done"}]}),
    ("a list where a node goes", {"kind": "qualification", "id": "exu:Q", "title": "Q", "provider": "exu", "credits": 6, "requires": ["exu:A"]}),
]


@pytest.mark.parametrize(("what", "data"), _INVALID, ids=[w for w, _ in _INVALID])
def test_broken_documents_are_refused_by_the_schema_as_by_the_models(what: str, data: dict[str, Any]) -> None:
    doc, diags = parse_document(_tuples(data), SourceMap("t.yaml", ()))
    assert doc is None and diags, what
    assert _errors(data), what
