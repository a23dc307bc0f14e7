"""JSON Schema for every document kind, generated from the models.

The models accept a few shorthands that their generated schema does not show
by itself: a bare credential id where a requirement node is expected (a
leaf), and a bare credential id as a specified grant. Those definitions are
widened here to "a credential id, or the mapping", so every document the
models accept validates against its kind's schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from .models import KINDS, CredId

# definitions that also take a bare credential id, and what the id means there
_ID_SHORTHANDS = {
    "Requirement": "a credential id: the learner holds it (a leaf)",
    "SpecifiedGrant": "a credential id: credit granted as that credential",
}


def json_schema(kind: str) -> dict[str, Any]:
    model = KINDS[kind]
    schema = model.model_json_schema(by_alias=True, mode="validation")
    cred_id = TypeAdapter(CredId).json_schema()
    defs: dict[str, Any] = schema.get("$defs", {})
    requirement = defs.get("Requirement", {}).get("properties", {})
    for group in ("all", "any", "of"):
        # a group lists at least one requirement (SR2008 when empty: the model's own check, with its message)
        for form in requirement.get(group, {}).get("anyOf", []):
            if form.get("type") == "array":
                form["minItems"] = 1
    for name, meaning in _ID_SHORTHANDS.items():
        if name in defs:
            mapping = defs[name]
            defs[name] = {"anyOf": [{**cred_id, "description": meaning}, mapping]}
    if kind == "learner":
        _verifiable_holdings(schema, defs)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"stackrules {kind} document"
    return schema


def _verifiable_holdings(schema: dict[str, Any], defs: dict[str, Any]) -> None:
    """A learner's ``holdings`` entries are plain or ``{verifiable: ...}`` (docs/language.md section 15).

    The model keeps verifiable entries apart (``LearnerDoc.verifiable``, filled
    from ``holdings`` while parsing); a document writes them in ``holdings``,
    and a top-level ``verifiable`` key is refused.
    """
    props = schema.get("properties", {})
    props.pop("verifiable", None)
    holdings = props.get("holdings")
    if isinstance(holdings, dict) and "VerifiableHolding" in defs:
        holdings["items"] = {"anyOf": [{"$ref": "#/$defs/Holding"}, {"$ref": "#/$defs/VerifiableHolding"}]}
