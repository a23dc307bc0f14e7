"""What verifying a learner's credentials found, as every decision reports it (docs/language.md section 15).

A decision for a learner with ``verifiable:`` holdings carries a
:class:`CredentialReport`: the credentials that verified and became holdings
(named in ``provenance.credentials``) and those that did not (``unverified``,
each with its reason). A learner without verifiable holdings has none, and
its decisions are the bytes they were before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .base import JSONObject, day, records


@dataclass(frozen=True, slots=True)
class VerifiedCredential:
    """A credential that verified and became a holding of ``holding`` (a catalogue credential)."""

    source: str
    holding: str
    awarded: dt.date | None
    grade: str | None
    credential_id: str | None
    issuer: str
    trust_entry: str
    achievement: str | None
    proof: str | None
    part_of: str | None = None
    subject: str | None = None
    subject_checked: bool = True

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "holding": self.holding,
            "awarded": day(self.awarded),
            "id": self.credential_id,
            "issuer": self.issuer,
            "trust_entry": self.trust_entry,
            "achievement": self.achievement,
            "proof": self.proof,
            "source": self.source,
        }
        if self.grade is not None:
            out["grade"] = self.grade
        if self.part_of is not None:
            out["part_of"] = self.part_of
        if not self.subject_checked:  # the learner lists no identities: whose credential it is was not checked
            out["subject_checked"] = False
            out["subject"] = self.subject
        return out


@dataclass(frozen=True, slots=True)
class UnverifiedCredential:
    """A credential that earned nothing, with section 15's reason and a one-line message."""

    source: str
    reason: str
    message: str
    credential_id: str | None = None
    issuer: str | None = None
    achievement: str | None = None
    part_of: str | None = None
    # the catalogue credential its achievement stands for in the trust list (what it would have become): None when
    # the issuer is not trusted or the trust list does not map the achievement
    claims: str | None = None

    def to_json(self) -> JSONObject:
        out: JSONObject = {
            "source": self.source,
            "reason": self.reason,
            "message": self.message,
            "id": self.credential_id,
            "issuer": self.issuer,
            "achievement": self.achievement,
        }
        if self.part_of is not None:
            out["part_of"] = self.part_of
        if self.claims is not None:
            out["claims"] = self.claims
        return out


@dataclass(frozen=True, slots=True)
class CredentialReport:
    """The learner's verifiable holdings as verified on the decision's day."""

    verified: tuple[VerifiedCredential, ...] = ()
    unverified: tuple[UnverifiedCredential, ...] = ()

    def add_to(self, out: JSONObject) -> JSONObject:
        """``out`` (a decision's JSON) with ``unverified`` at the top and ``provenance.credentials``."""
        out = dict(out)
        out["unverified"] = records(self.unverified)
        provenance = out.get("provenance")
        if isinstance(provenance, dict):
            out["provenance"] = {**provenance, "credentials": records(self.verified)}
        return out
