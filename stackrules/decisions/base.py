"""What every decision record shares: the JSON type, exact quantities as text, provenance."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol, TypeAlias

from ..language.quantity import fmt

JSON: TypeAlias = "bool | int | float | str | list[JSON] | dict[str, JSON] | None"
JSONObject: TypeAlias = "dict[str, JSON]"


def q(value: Fraction | None) -> str | None:
    """An exact quantity as docs/language.md section 13 writes it (``"24"``, ``"1.5"``, ``"2/3"``), None as null."""
    return None if value is None else fmt(value)


def day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def dumps(data: JSONObject) -> str:
    """A document as indented JSON text (always the same bytes for the same decision)."""
    return json.dumps(data, ensure_ascii=False, indent=2)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which rules and which engine made a decision."""

    rules_digest: str
    engine: str

    def to_json(self) -> JSONObject:
        return {"rules_digest": self.rules_digest, "engine": self.engine}


class Serialisable(Protocol):
    def to_json(self) -> JSONObject: ...


def records(items: Iterable[Serialisable]) -> list[JSON]:
    """A list of records as JSON, in order."""
    return [r.to_json() for r in items]
