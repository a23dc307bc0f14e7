"""The public decision: a typed decision record, with its JSON and its explanation.

The record (:mod:`stackrules.decisions`) is what deciding produces; this
wrapper is what the Python API returns. It adds the text explanation
(:mod:`stackrules.render`), which is why it sits above both.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .decisions.base import JSON, JSONObject, dumps
from .decisions.credentials import CredentialReport
from .decisions.explore import Exploration
from .decisions.plan import NoPlan
from .decisions.record import DecisionRecord
from .diagnostics import escape_text
from .render.credentials import with_credentials
from .render.text import render_text


@dataclass(frozen=True)
class Decision:
    """One decision: ``to_json()`` gives docs/language.md section 13's document, ``text()`` the explanation."""

    record: DecisionRecord
    # the learner's verifiable credentials as verified for this decision; None when the learner has none
    credentials: CredentialReport | None = None

    def __repr__(self) -> str:
        if isinstance(self.record, Exploration):  # no target and no status: who, and how many qualifications
            return f"Decision(kind='explore', learner={self.record.learner!r}, qualifications={len(self.record.qualifications)})"
        return f"Decision(kind={self.kind!r}, target={self.target!r}, status={self.status!r})"

    @property
    def kind(self) -> str:
        """``audit``, ``assess``, ``plan`` or ``explore``."""
        return self.record.kind

    def to_json(self) -> JSONObject:
        """The document (a new dict each call: changing it does not change the decision).

        With verifiable holdings it also has ``unverified`` (each refused
        credential and its reason) and ``provenance.credentials`` (each
        credential that verified and the holding it became).
        """
        out = self.record.to_json()
        return out if self.credentials is None else self.credentials.add_to(out)

    def dumps(self) -> str:
        """The document as indented JSON text (always the same bytes for the same decision)."""
        return dumps(self.to_json())

    @property
    def status(self) -> str:
        """The decision's status (``met``, ``not_met``, ``planned``, ...); empty for an exploration, which has none."""
        return "" if isinstance(self.record, Exploration) else str(self.record.status.value)

    @property
    def target(self) -> str | None:
        return None if isinstance(self.record, Exploration) else self.record.target

    def quantity(self, *path: str) -> Fraction | None:
        """The exact quantity at ``path`` in the document (``quantity("credits", "required")``), None if absent."""
        cur: JSON = self.to_json()
        for key in path:
            if not isinstance(cur, dict) or key not in cur:
                return None
            cur = cur[key]
        return None if cur is None else Fraction(str(cur))

    @property
    def remaining(self) -> Fraction | None:
        """Credit still needed (None: no catalogue completion, or a decision without one)."""
        return None if isinstance(self.record, Exploration | NoPlan) else self.record.credits.remaining

    @property
    def counted(self) -> Fraction | None:
        return None if isinstance(self.record, Exploration | NoPlan) else self.record.credits.counted

    def text(self) -> str:
        """The explanation for people (docs/language.md section 11), the same bytes for the same decision.

        Every character that could act on a terminal (controls but the
        newline, ANSI escape sequences, NUL, bidirectional overrides) is
        shown escaped: a value from a learner or rule file cannot forge
        output (docs/language.md section 18).
        """
        text = render_text(self.record)
        if self.credentials is not None:
            text = with_credentials(text, self.credentials)
        return escape_text(text)
