"""The public decision: a decision record, with its JSON and its explanation.

The record (:mod:`stackrules.decisions`) is what deciding produces; this
wrapper is what the Python API returns. It adds the text explanation
(:mod:`stackrules.render`), which is why it sits above both.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .decisions.record import Record
from .render.text import render_text


@dataclass(frozen=True)
class Decision:
    """One decision: ``to_json()`` gives LANGUAGE.md section 13's document, ``text()`` the explanation."""

    record: Record

    def __repr__(self) -> str:
        return f"Decision(kind={self.kind!r}, target={self.target!r}, status={self.status!r})"

    @property
    def kind(self) -> str:
        return self.record.kind

    def to_json(self) -> dict[str, Any]:
        return self.record.to_json()

    def dumps(self) -> str:
        """The document as indented JSON text (always the same bytes for the same decision)."""
        return self.record.dumps()

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def target(self) -> str | None:
        return self.record.target

    def quantity(self, *path: str) -> Fraction | None:
        return self.record.quantity(*path)

    @property
    def remaining(self) -> Fraction | None:
        return self.record.remaining

    @property
    def counted(self) -> Fraction | None:
        return self.record.counted

    def text(self) -> str:
        """The explanation for people (LANGUAGE.md section 11), the same bytes for the same decision."""
        return render_text(self.record)
