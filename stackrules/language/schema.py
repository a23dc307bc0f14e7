"""JSON Schema for every document kind, generated from the models."""

from __future__ import annotations

from typing import Any

from .models import KINDS


def json_schema(kind: str) -> dict[str, Any]:
    model = KINDS[kind]
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"stackrules {kind} document"
    return schema
