"""Decision records: the immutable result of an audit, assessment, plan or exploration.

A decision is its JSON document (LANGUAGE.md section 13), kept as compact
canonical text so that it is immutable and the same input gives the same
bytes; :meth:`Record.dumps` indents it for people and files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..language.quantity import fmt


def canonical(data: Any) -> str:
    # compact: only then does the json module use its C encoder (indenting is done in Python, and slow)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Record:
    """One decision. ``to_json()`` gives the document; the properties read it."""

    kind: str  # audit | assess | plan | explore
    _json: str

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self._json)
        return data

    def dumps(self) -> str:
        """The document as indented JSON text (always the same bytes for the same decision)."""
        return json.dumps(json.loads(self._json), ensure_ascii=False, indent=2)

    @property
    def status(self) -> str:
        return str(self.to_json().get("status", ""))

    @property
    def target(self) -> str | None:
        t = self.to_json().get("target")
        return None if t is None else str(t)

    def quantity(self, *path: str) -> Fraction | None:
        cur: Any = self.to_json()
        for key in path:
            if not isinstance(cur, dict) or key not in cur:
                return None
            cur = cur[key]
        return None if cur is None else Fraction(str(cur))

    @property
    def remaining(self) -> Fraction | None:
        return self.quantity("credits", "remaining")

    @property
    def counted(self) -> Fraction | None:
        return self.quantity("credits", "counted")

    @staticmethod
    def build(kind: str, data: dict[str, Any]) -> Record:
        return Record(kind, canonical(data))


def q(value: Fraction | None) -> str | None:
    return None if value is None else fmt(value)
