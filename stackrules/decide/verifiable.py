"""A learner's verifiable holdings, verified on the decision's day and turned into plain holdings (docs/language.md section 15).

:func:`resolve` takes the learner (its ``verifiable:`` entries, and the bytes
of those given as files, read by ``source/``), the rule base's trust list and
a verifier, and returns the learner whose holdings also hold every verified
achievement credential as a holding of the catalogue credential it maps to,
with a :class:`~stackrules.decisions.credentials.CredentialReport` saying
what verified and what did not. A credential that fails is never an error:
it earns nothing and is reported with its reason.

The work is bounded per learner: the credentials verified (each badge, each
CLR and each credential inside one) are counted across the learner's
holdings against the verifier's ``max_credentials``, and ``stop`` (the
decision's time limit, read by the caller) ends verification; what is left
is reported as ``too_many`` or ``time_limit``, never dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from ..credentials import UNCHECKED, VerificationResult, Verifier
from ..decisions.credentials import CredentialReport, UnverifiedCredential, VerifiedCredential
from ..language.documents import Learner
from ..language.models import Holding
from ..rulebase.index import RuleBase


def plain_json(value: Any) -> Any:
    """A value read from YAML (tuples, exact decimals) as JSON data (lists, numbers), for an inline credential."""
    if isinstance(value, Mapping):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain_json(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def source_name(learner: Learner, k: int) -> str:
    """How the ``k``-th verifiable holding is named in decisions: its path as written, else its place in the learner file."""
    value = learner.doc.verifiable[k].verifiable
    if k < len(learner.badges) and learner.badges[k] is not None and isinstance(value, str):
        return value
    line = learner.origin.smap.span(("verifiable", k)).line
    return f"{learner.origin.file}:{line} (inline)"


Stop = Callable[[], bool]
#: (credential, identities, source name, credentials already counted for the learner, stop) to results
Verify = Callable[[bytes | str | Mapping[str, Any], tuple[str, ...], str, int, Stop | None], tuple[VerificationResult, ...]]


def verifying(rb: RuleBase, verifier: Verifier, as_of: dt.date) -> Verify:
    """Verification against ``rb``'s trust list on ``as_of`` (see :data:`Verify`)."""

    def verify(
        given: bytes | str | Mapping[str, Any], identities: tuple[str, ...], source: str, counted: int, stop: Stop | None
    ) -> tuple[VerificationResult, ...]:
        return verifier.verify(given, trust=rb.issuers, as_of=as_of, identities=identities, source=source, counted=counted, stop=stop)

    return verify


def resolve(rb: RuleBase, learner: Learner, verify: Verify, stop: Stop | None = None) -> tuple[Learner, CredentialReport]:
    """The learner with its verified credentials as holdings, and what verifying found (``verify``: see :func:`verifying`).

    ``stop`` says when the decision's time is up: the credentials not yet
    verified then are listed as ``time_limit``.
    """
    verified: list[VerifiedCredential] = []
    unverified: list[UnverifiedCredential] = []
    added: list[Holding] = []
    counted = 0
    for k, entry in enumerate(learner.doc.verifiable):
        data = learner.badges[k] if k < len(learner.badges) else None
        given: bytes | str | Mapping[str, Any] = data if data is not None else plain_json(entry.verifiable)
        results = verify(given, learner.doc.identities, source_name(learner, k), counted, stop)
        counted += sum(1 for r in results if r.reason not in UNCHECKED)
        for r in results:
            if r.earns and (off := _off_scale(rb, r)) is not None:
                # a result the provider's scale does not have cannot show the credential was passed: it earns nothing
                unverified.append(_unverified(r, "unknown_grade", off, r.credential))
            elif r.earns:
                holding, grade = _holding(rb, r)
                added.append(holding)
                verified.append(
                    VerifiedCredential(
                        source=r.source,
                        holding=holding.credential,
                        awarded=r.awarded,
                        grade=grade,
                        credential_id=r.credential_id,
                        issuer=str(r.issuer),
                        trust_entry=str(r.trust_entry),
                        achievement=r.achievement,
                        proof=r.proof_type,
                        part_of=r.part_of,
                        subject=r.subject,
                        subject_checked=r.subject_checked,
                    )
                )
            elif r.outcome == "refused":
                unverified.append(_unverified(r, str(r.reason), r.message, r.credential or _claimed(rb, r.issuer, r.achievement)))
    doc = learner.doc.model_copy(update={"holdings": learner.doc.holdings + tuple(added)})
    sources = tuple(v.source for v in verified)
    claims = tuple((u.claims, u.source, u.reason) for u in unverified if u.claims is not None)
    resolved = replace(learner, doc=doc, verified_from=learner.verified_from + sources, unverified_claims=learner.unverified_claims + claims)
    return resolved, CredentialReport(tuple(verified), tuple(unverified))


def _holding(rb: RuleBase, r: VerificationResult) -> tuple[Holding, str | None]:
    """The holding a verified credential becomes: the mapped credential, awarded that day, with its grade when the provider has a scale."""
    assert r.credential is not None
    provider = rb.providers.get(r.credential.partition(":")[0])
    scale = provider.grade_scale if provider is not None else None
    if scale is None:
        # no scale to read it on: the result stays the holding's grade, which then counts as a hand-written grade of
        # such a provider does (it does not: a grade that cannot be checked), never as a pass nobody can check
        grade = r.grades[0] if r.grades else None
    else:
        grade = next((g for g in r.grades if g in scale.order), None)
    return Holding.model_construct(credential=r.credential, awarded=r.awarded, grade=grade, status="completed"), grade


def _unverified(r: VerificationResult, reason: str, message: str, claims: str | None) -> UnverifiedCredential:
    """A credential that earns nothing, with why (``claims``: the catalogue credential it would have counted as)."""
    return UnverifiedCredential(
        source=r.source,
        reason=reason,
        message=message,
        credential_id=r.credential_id,
        issuer=r.issuer,
        achievement=r.achievement,
        part_of=r.part_of,
        claims=claims,
    )


def _off_scale(rb: RuleBase, r: VerificationResult) -> str | None:
    """Why a verified credential's result cannot be read as a grade, or None: the provider has a scale, the
    credential gives result values and none of them is a grade of that scale (a holding written by hand with such a
    grade is refused, SR3012; taken as ungraded it would pass)."""
    assert r.credential is not None
    provider = rb.providers.get(r.credential.partition(":")[0])
    scale = provider.grade_scale if provider is not None else None
    if scale is None or not r.grades or any(g in scale.order for g in r.grades):
        return None
    values = ", ".join(f"`{g}`" for g in r.grades[:3])
    return (
        f"its result {values} is not a grade of `{provider.id if provider else ''}`'s scale ({', '.join(scale.order)}):"
        " a result the scale does not have cannot show the credential was passed, so it earns nothing"
    )


def _claimed(rb: RuleBase, issuer: str | None, achievement: str | None) -> str | None:
    """The catalogue credential a trusted issuer's ``achievement`` stands for, or None."""
    if issuer is None or achievement is None:
        return None
    for entry in rb.issuers:
        if issuer in entry.ids and achievement in entry.achievements:
            return entry.achievements[achievement]
    return None
