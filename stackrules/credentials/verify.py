"""Offline verification of Open Badges 3.0 and CLR 2.0 credentials (docs/language.md section 15).

:meth:`Verifier.verify` takes the credential (bytes of a JSON, JWT, PNG or SVG
file, its text, or a parsed object), the trust list, ``as_of`` and the
learner's identities, and returns one :class:`VerificationResult` per
credential: the credential itself, then, for a CLR, each credential inside it,
each verified on its own. Checks run in section 15's order and the first
failure is the reason, except that canonicalisation (the JSON-LD safe-mode
part of ``malformed``, the one expensive step) waits until the proof is of a
supported kind and the issuer is trusted, so an unsigned or untrusted
credential costs no canonicalisation. The work is bounded: at most
``max_nested`` credentials of one CLR and at most ``max_credentials`` in one
call are verified, and a caller's ``stop`` ends the call (the rest are
refused as ``too_many`` or ``time_limit``, never dropped). Nothing here reads
a file, a clock or the network: the caller's ``stop`` reads the clock.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict

from ..language.models import FIRST_DAY, LAST_DAY
from . import dataintegrity as di
from .baked import BakedError, from_png, from_svg, is_png, is_svg
from .canon import CanonError, Canonicaliser, ContextStore, Interrupted, Limits
from .jwt import SUPPORTED_ALGS, JwtError, ParsedJwt, looks_like_jwt, parse
from .keys import ALG_FOR_TYPE, KeyProblem, PublicKey, from_jwk
from .multibase import MultibaseError, multibase_decode
from .status import StatusListError, bit, decode_list, list_subject
from .trust import IssuerTrust, TrustedKey, find_issuer

Reason = Literal[
    "malformed",
    "unsupported_proof",
    "untrusted_issuer",
    "untrusted_key",
    "signature",
    "not_yet_valid",
    "expired",
    "revoked",
    "suspended",
    "status_unknown",
    "subject_mismatch",
    "unknown_achievement",
    # found when the credential becomes a holding (decide/verifiable.py): its result is no grade of the provider's scale
    "unknown_grade",
    # not checks of the credential but bounds on the work: it was not verified at all
    "too_many",
    "time_limit",
]
REASONS: tuple[Reason, ...] = get_args(Reason)  # in the order section 15 checks them, then the two bounds
UNCHECKED: tuple[Reason, ...] = ("too_many", "time_limit")  # reasons of a credential that was never checked
VC_CONTEXTS = ("https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1")
ACHIEVEMENT_TYPES = ("OpenBadgeCredential", "AchievementCredential")
OTHER_TYPES = ("ClrCredential", "EndorsementCredential", "BitstringStatusListCredential")
STATUS_ENTRY_TYPES = ("BitstringStatusListEntry", "StatusList2021Entry")
MAX_CLR_DEPTH = 2
MAX_NESTED = 200  # credentials verified inside one CLR; the rest are refused as too_many
MAX_CREDENTIALS = 500  # credentials verified for one learner (each badge, each CLR and each credential inside one)
NOT_IN_TIME = "not verified within the time limit, so it earns nothing here; run again with a longer --time-limit, or time_limit= in Python"


class VerificationResult(BaseModel):
    """What verifying one credential found.

    ``outcome`` is ``verified`` or ``refused``; a refusal has a ``reason``
    from section 15 and a one-line ``message``. A verified achievement
    credential names the catalogue ``credential`` it maps to and the day it
    was ``awarded``; :attr:`earns` says whether it becomes a holding.
    """

    model_config = ConfigDict(frozen=True)

    source: str
    outcome: Literal["verified", "refused"]
    reason: Reason | None = None
    message: str = ""
    credential_id: str | None = None
    kind: str | None = None
    issuer: str | None = None
    trust_entry: str | None = None
    subject: str | None = None
    achievement: str | None = None
    credential: str | None = None
    awarded: _dt.date | None = None
    grades: tuple[str, ...] = ()
    proof_type: str | None = None
    part_of: str | None = None
    #: False when no identities were given: the subject was not checked (step 8 skipped)
    subject_checked: bool = True

    @property
    def earns(self) -> bool:
        """A verified achievement credential mapped to a catalogue credential."""
        return self.outcome == "verified" and self.credential is not None


class _Refusal(Exception):
    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class _Facts:
    """What is known about the credential so far (filled in as checks pass)."""

    credential_id: str | None = None
    kind: str | None = None
    issuer: str | None = None
    trust_entry: str | None = None
    subject: str | None = None
    achievement: str | None = None
    proof_type: str | None = None


def _types(value: Any) -> list[str]:
    vals = value if isinstance(value, list) else [value]
    return [v for v in vals if isinstance(v, str)]


def _datetime(value: Any, what: str) -> _dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Refusal("malformed", f"`{what}` is not a date-time string")
    try:
        parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _Refusal("malformed", f"`{what}` is not an ISO 8601 date-time: `{value}`") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.UTC)
    try:
        return parsed.astimezone(_dt.UTC)
    except OverflowError:  # 9999-12-31T23:59-01:00 is past the calendar in UTC
        raise _Refusal("malformed", f"`{what}` is out of range in UTC: `{value}`") from None


def _epoch(value: Any, what: str) -> _dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _Refusal("malformed", f"JWT `{what}` is not a number")
    try:
        return _dt.datetime.fromtimestamp(value, _dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise _Refusal("malformed", f"JWT `{what}` is out of range") from None


def _subject(vc: dict[str, Any]) -> dict[str, Any]:
    subject = vc.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, dict):
        raise _Refusal("malformed", "`credentialSubject` is not one object")
    return subject


def _subject_name(subject: dict[str, Any]) -> str | None:
    """How a credential names its subject, for people: its `id`, else its plain identifiers (a student number), else
    that its identifiers are hashed; None when it names none."""
    sid = subject.get("id")
    if isinstance(sid, str) and sid:
        return sid
    entries = subject.get("identifier")
    plain, hashed = [], 0
    for e in entries if isinstance(entries, list) else [entries]:
        if isinstance(e, dict) and isinstance(e.get("identityHash"), str):
            if e.get("hashed") is True:
                hashed += 1
            else:
                plain.append(e["identityHash"])
    if plain:
        return ", ".join(plain)
    return f"{hashed} hashed identifier{'s' if hashed > 1 else ''}" if hashed else None


def _identity_matches(subject: dict[str, Any], identities: Sequence[str]) -> bool:
    if subject.get("id") in identities:
        return True
    entries = subject.get("identifier")
    for e in entries if isinstance(entries, list) else [entries]:
        if not isinstance(e, dict) or not isinstance(e.get("identityHash"), str):
            continue
        want = e["identityHash"]
        if e.get("hashed") is True:
            salt = str(e.get("salt") or "")
            if any(want == "sha256$" + hashlib.sha256((i + salt).encode("utf-8")).hexdigest() for i in identities):
                return True
        elif want in identities:
            return True
    return False


@dataclass(frozen=True)
class Verifier:
    """Verifies credentials against a trust list; immutable, shared, memoising canonical forms.

    Build it once with the shipped contexts (``stackrules.source.badges``
    does) and call :meth:`verify` for every credential.
    """

    canon: Canonicaliser
    max_bytes: int = 4 << 20
    max_nested: int = MAX_NESTED
    max_credentials: int = MAX_CREDENTIALS

    @classmethod
    def with_contexts(cls, contexts: Mapping[str, Any], limits: Limits | None = None) -> Verifier:
        return cls(Canonicaliser(ContextStore(dict(contexts)), limits or Limits()))

    def verify(
        self,
        data: bytes | str | Mapping[str, Any],
        *,
        trust: Sequence[IssuerTrust],
        as_of: _dt.date,
        identities: Sequence[str] = (),
        source: str = "credential",
        counted: int = 0,
        stop: Callable[[], bool] | None = None,
    ) -> tuple[VerificationResult, ...]:
        """The results for ``data``: the credential itself first, then any it contains (CLR).

        ``counted``: credentials already verified for the same learner or
        request; at most :attr:`max_credentials` are verified in all (the
        credential and each one inside it count), the rest are refused as
        ``too_many``, as are a CLR's credentials past :attr:`max_nested`.
        ``stop``: asked before each credential; once it says True the rest
        are refused as ``time_limit`` (it is the caller's clock: the verifier
        reads none). The rest of a CLR's credentials refused for one bound
        are one result, whose source names their range
        (``#verifiableCredential[200-2999]``).
        """
        run = _Run(self, tuple(trust), as_of, tuple(identities), self.max_credentials - counted, stop)
        return tuple(run.credential(data, source, None, 0))


@dataclass
class _Run:
    verifier: Verifier
    trust: tuple[IssuerTrust, ...]
    as_of: _dt.date
    identities: tuple[str, ...]
    left: int  # credentials this run may still verify
    stop: Callable[[], bool] | None = None
    _lists: dict[str, bytes | str] = field(default_factory=dict)
    # results of credentials already verified in this run, by content digest: a duplicate costs a digest, not a verification
    _seen: dict[str, VerificationResult] = field(default_factory=dict)

    # --- decoding ---------------------------------------------------------

    def decode(self, data: bytes | str | Mapping[str, Any]) -> dict[str, Any] | ParsedJwt:
        limit = self.verifier.max_bytes
        if isinstance(data, Mapping):
            return dict(data)
        if isinstance(data, bytes):
            if len(data) > limit:
                raise _Refusal("malformed", f"larger than {limit} bytes")
            try:
                if is_png(data):
                    data = from_png(data, limit)
                elif is_svg(data):
                    data = from_svg(data, limit)
                else:
                    data = data.decode("utf-8-sig")
            except BakedError as e:
                raise _Refusal("malformed", str(e)) from None
            except UnicodeDecodeError:
                raise _Refusal("malformed", "neither a PNG, an SVG nor UTF-8 text") from None
        if not isinstance(data, str):
            raise _Refusal("malformed", "not a credential")
        text = data.strip()
        if len(text) > limit:
            raise _Refusal("malformed", f"larger than {limit} bytes")
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except (ValueError, RecursionError) as e:
                raise _Refusal("malformed", f"not valid JSON: {e}") from None
            if not isinstance(value, dict):
                raise _Refusal("malformed", "not a JSON object")
            return value
        if looks_like_jwt(text):
            try:
                return parse(text)
            except JwtError as e:
                raise _Refusal("malformed", str(e)) from None
        raise _Refusal("malformed", "neither a JSON credential nor a VC-JWT")

    # --- one credential ---------------------------------------------------

    def credential(self, data: bytes | str | Mapping[str, Any], source: str, part_of: str | None, depth: int) -> list[VerificationResult]:
        bound = self.bound()
        if bound is not None:
            return [self.unchecked(source, part_of, *bound)]
        self.left -= 1
        memo = _memo_key(data)
        seen = None if memo is None else self._seen.get(memo)
        if seen is not None:
            return [seen.model_copy(update={"source": source, "part_of": part_of})]
        facts = _Facts()
        decoded: dict[str, Any] | ParsedJwt | None = None
        try:
            decoded = self.decode(data)
            result = self.check(decoded, facts, source, part_of)
        except _Refusal as r:
            result = self.refused(facts, source, part_of, r)
        except Interrupted:  # the caller's time ran out while canonicalising: not a property of the credential
            result = self.refused(facts, source, part_of, _Refusal("time_limit", NOT_IN_TIME))
            memo = None
        except Exception as e:  # last resort: no credential input may raise out of the verifier
            result = self.refused(facts, source, part_of, _Refusal("malformed", f"the credential could not be read ({type(e).__name__})"))
        # a CLR's nested credentials are each signed by their own issuer: verified on their own even when the envelope fails
        nested: list[Any] = []
        if facts.kind == "ClrCredential" and decoded is not None:
            vc = decoded.credential if isinstance(decoded, ParsedJwt) else decoded
            subject = vc.get("credentialSubject")
            subject = subject[0] if isinstance(subject, list) and len(subject) == 1 else subject
            inner = subject.get("verifiableCredential") if isinstance(subject, dict) else None
            nested = inner if isinstance(inner, list) else ([] if inner is None else [inner])
        elif memo is not None:
            self._seen[memo] = result  # a CLR is not memoised: its results are many, named after its source
        out = [result]
        if depth < MAX_CLR_DEPTH:
            for i, item in enumerate(nested):
                bound = self.bound(i, len(nested))
                if bound is not None:
                    where = f"{source}#verifiableCredential[{i}]" if i == len(nested) - 1 else f"{source}#verifiableCredential[{i}-{len(nested) - 1}]"
                    out.append(self.unchecked(where, source, *bound))
                    break
                out.extend(self.credential(item, f"{source}#verifiableCredential[{i}]", source, depth + 1))
        return out

    def bound(self, index: int = 0, count: int = 0) -> tuple[Reason, str] | None:
        """Why the next credential (the ``index``-th of ``count`` in a CLR) is not verified at all, or None."""
        if self.stop is not None and self.stop():
            return "time_limit", NOT_IN_TIME
        cap = self.verifier.max_nested
        if index >= cap:
            rest = count - index
            these = "this one was" if rest == 1 else f"these {rest} were"
            return "too_many", (
                f"at most {cap} of a CLR's credentials are verified, and this one holds {count}: {these} not verified and earn nothing; "
                "send them as separate badge files, or split the record"
            )
        if self.left <= 0:
            total = self.verifier.max_credentials
            these = "this one comes" if count - index <= 1 else "these come"
            return "too_many", (
                f"at most {total} credentials are verified for one learner, counting each badge, each CLR and each credential inside one: "
                f"{these} after them, so not verified and earn nothing; give only the credentials this decision needs"
            )
        return None

    def unchecked(self, source: str, part_of: str | None, reason: Reason, message: str) -> VerificationResult:
        return VerificationResult(source=source, outcome="refused", reason=reason, message=message, part_of=part_of, subject_checked=False)

    def refused(self, facts: _Facts, source: str, part_of: str | None, r: _Refusal) -> VerificationResult:
        return VerificationResult(
            source=source,
            outcome="refused",
            reason=r.reason,
            message=r.message,
            credential_id=facts.credential_id,
            kind=facts.kind,
            issuer=facts.issuer,
            trust_entry=facts.trust_entry,
            subject=facts.subject,
            achievement=facts.achievement,
            proof_type=facts.proof_type,
            part_of=part_of,
            # the subject is compared at step 8: a refusal before it (or without identities) did not check it
            subject_checked=bool(self.identities) and r.reason not in UNCHECKED and REASONS.index(r.reason) >= REASONS.index("subject_mismatch"),
        )

    def check(self, decoded: dict[str, Any] | ParsedJwt, facts: _Facts, source: str, part_of: str | None, *, status_list: bool = False) -> VerificationResult:
        """Section 15's checks in order; ``status_list`` for a status list itself (no status, subject or achievement)."""
        jwt = decoded if isinstance(decoded, ParsedJwt) else None
        vc = jwt.credential if jwt else decoded
        assert isinstance(vc, dict)

        # 1. malformed: shape and context URLs (safe mode, which needs canonicalisation, comes after step 3)
        start, until = self.shape(vc, jwt, facts)

        # 2. unsupported_proof
        if jwt is not None:
            alg = jwt.header.get("alg")
            facts.proof_type = f"VC-JWT {alg}"
            if alg not in SUPPORTED_ALGS:
                if isinstance(alg, str) and alg.lower() == "none":
                    raise _Refusal("unsupported_proof", "JWT `alg: none` is refused: an unsigned JWT proves nothing")
                raise _Refusal("unsupported_proof", f"JWT algorithm `{alg}` is not supported (RS256, ES256, EdDSA)")
        proof_expires: _dt.datetime | None = None
        if jwt is None:
            proofs = di.proofs_of(vc)
            if not proofs:
                raise _Refusal("unsupported_proof", "the credential has no proof")
            for p in proofs:
                if not di.is_supported(p):
                    kind = p.get("cryptosuite") or p.get("type") if isinstance(p, dict) else None
                    raise _Refusal("unsupported_proof", f"proof `{kind}` is not supported (DataIntegrityProof with eddsa-rdfc-2022)")
                if p.get("proofPurpose") != "assertionMethod":
                    raise _Refusal("unsupported_proof", f"proof purpose `{p.get('proofPurpose')}` is not assertionMethod")
                expires = _datetime(p.get("expires"), "proof.expires")
                if expires is not None and (proof_expires is None or expires < proof_expires):
                    proof_expires = expires
            facts.proof_type = str(proofs[0]["cryptosuite"])

        # 3. untrusted_issuer
        assert facts.issuer is not None
        entry = find_issuer(self.trust, facts.issuer, self.as_of)
        if entry is None:
            listed = any(facts.issuer in t.ids for t in self.trust)
            why = "no issuer document in force on " + self.as_of.isoformat() + " lists" if listed else "no issuer document lists"
            raise _Refusal("untrusted_issuer", f"{why} issuer `{facts.issuer}`")
        facts.trust_entry = entry.entry

        # 1, continued. malformed: JSON-LD safe mode and the canonicalisation bounds. Canonicalising is the one
        # expensive step, so it waits until the proof is of a supported kind and the issuer is trusted: an unsigned
        # or untrusted credential is refused without it (its reason is then that, even if it is unsafe too)
        if jwt is None:
            self.canonical_forms(vc)

        # 4. untrusted_key and 5. signature
        if jwt is not None:
            self.jwt_signature(jwt, entry)
        else:
            self.di_signature(vc, entry)

        # 6. validity on as_of
        if start is not None and start.date() > self.as_of:
            raise _Refusal("not_yet_valid", f"valid from {start.date().isoformat()}, after {self.as_of.isoformat()}")
        if until is not None and until.date() < self.as_of:
            raise _Refusal("expired", f"valid until {until.date().isoformat()}, before {self.as_of.isoformat()}")
        # a Data Integrity proof that expired before as_of no longer vouches on as_of (its `created` is not a bound: see docs)
        if proof_expires is not None and proof_expires.date() < self.as_of:
            raise _Refusal("expired", f"proof expires {proof_expires.date().isoformat()}, before {self.as_of.isoformat()}")

        # 7. status
        if not status_list:
            self.status(vc, entry)

        # 8. subject
        subject = _subject(vc)
        if not status_list and self.identities and not _identity_matches(subject, self.identities):
            named = _subject_name(subject)
            raise _Refusal(
                "subject_mismatch",
                f"the credential's subject ({named}) is none of the learner's identities"
                if named
                else "the credential names no subject (no id or identifier), so it is none of the learner's identities",
            )

        # 9. achievement
        mapped = None
        if facts.kind in ACHIEVEMENT_TYPES:
            if facts.achievement is None:
                raise _Refusal("unknown_achievement", "the credential names no achievement (credentialSubject.achievement.id)")
            mapped = entry.achievements.get(facts.achievement)
            if mapped is None:
                raise _Refusal("unknown_achievement", f"issuer document `{entry.entry}` maps no credential to achievement `{facts.achievement}`")
        awarded = _datetime(vc.get("awardedDate"), "awardedDate") or start
        if awarded is not None and not FIRST_DAY.year <= awarded.year <= LAST_DAY.year:
            # the day becomes a holding's `awarded`, bounded as a learner file's dates are (SR2013)
            said = "awardedDate" if vc.get("awardedDate") is not None else "validFrom (the award day when there is no awardedDate)"
            raise _Refusal(
                "malformed", f"`{said}` {awarded.date().isoformat()} is outside the years {FIRST_DAY.year}-{LAST_DAY.year} a holding may be awarded in"
            )
        results = subject.get("result")
        grades = tuple(
            str(r["value"])
            for r in (results if isinstance(results, list) else [results])
            if isinstance(r, dict) and isinstance(r.get("value"), str | int | float)
        )
        return VerificationResult(
            source=source,
            outcome="verified",
            message="verified",
            credential_id=facts.credential_id,
            kind=facts.kind,
            issuer=facts.issuer,
            trust_entry=facts.trust_entry,
            subject=facts.subject,
            achievement=facts.achievement,
            credential=mapped,
            awarded=awarded.date() if awarded else None,
            grades=grades,
            proof_type=facts.proof_type,
            part_of=part_of,
            subject_checked=bool(self.identities),
        )

    # --- the checks -------------------------------------------------------

    def shape(self, vc: dict[str, Any], jwt: ParsedJwt | None, facts: _Facts) -> tuple[_dt.datetime | None, _dt.datetime | None]:
        ctx = vc.get("@context")
        contexts = ctx if isinstance(ctx, list) else [ctx]
        if not contexts or contexts[0] not in VC_CONTEXTS:
            raise _Refusal("malformed", "the first @context is not the W3C Verifiable Credentials context")
        if jwt is None:
            for c in contexts:
                if isinstance(c, str) and not self.verifier.canon.contexts.knows(c):
                    raise _Refusal("malformed", f"context `{c}` is not one of the shipped contexts")
                if not isinstance(c, str | dict):
                    raise _Refusal("malformed", "an @context entry is neither a URL nor an object")
        types = _types(vc.get("type"))
        if "VerifiableCredential" not in types:
            raise _Refusal("malformed", "`type` does not include VerifiableCredential")
        kind = next((t for t in (*ACHIEVEMENT_TYPES, *OTHER_TYPES) if t in types), None)
        if kind is None:
            raise _Refusal("malformed", f"type {sorted(types)} is not an Open Badges 3.0 or CLR 2.0 credential")
        facts.kind = kind
        cid = vc.get("id")
        facts.credential_id = cid if isinstance(cid, str) else None
        issuer = vc.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if not isinstance(issuer_id, str) or not issuer_id:
            raise _Refusal("malformed", "the credential has no issuer id")
        facts.issuer = issuer_id
        subject = _subject(vc)
        facts.subject = _subject_name(subject)
        ach = subject.get("achievement")
        if kind in ACHIEVEMENT_TYPES and isinstance(ach, dict) and isinstance(ach.get("id"), str):
            facts.achievement = ach["id"]
        start = _datetime(vc.get("validFrom"), "validFrom") or _datetime(vc.get("issuanceDate"), "issuanceDate")
        until = _datetime(vc.get("validUntil"), "validUntil") or _datetime(vc.get("expirationDate"), "expirationDate")
        _datetime(vc.get("awardedDate"), "awardedDate")
        if jwt is not None:
            claims = jwt.claims
            if "iss" in claims and claims["iss"] != issuer_id:
                raise _Refusal("malformed", f"JWT `iss` `{claims['iss']}` is not the credential's issuer `{issuer_id}`")
            if "jti" in claims and facts.credential_id is not None and claims["jti"] != facts.credential_id:
                raise _Refusal("malformed", "JWT `jti` is not the credential's id")
            if "sub" in claims and facts.subject is not None and claims["sub"] != facts.subject:
                raise _Refusal("malformed", "JWT `sub` is not the credential's subject")
            nbf, exp = _epoch(claims.get("nbf"), "nbf"), _epoch(claims.get("exp"), "exp")
            if nbf is not None and (start is None or nbf > start):
                start = nbf
            if exp is not None and (until is None or exp < until):
                until = exp
        if start is None:
            raise _Refusal("malformed", "the credential has no validFrom (or issuanceDate, or JWT nbf)")
        return start, until

    def canonical_forms(self, vc: dict[str, Any]) -> None:
        """Canonicalise the document and each supported proof's options: safe mode, bounds (memoised)."""
        problem = _unfaithful_json(vc)
        if problem is not None:
            raise _Refusal("malformed", problem)
        try:
            stop = self.stop or _never
            self.verifier.canon.digest(di.unsecured(vc), stop)
            for p in di.proofs_of(vc):
                if di.is_supported(p):
                    self.verifier.canon.digest(di.proof_options(vc, p), stop)
        except CanonError as e:
            raise _Refusal("malformed", str(e)) from None

    def di_signature(self, vc: dict[str, Any], entry: IssuerTrust) -> None:
        proofs = di.proofs_of(vc)
        keys: list[PublicKey] = []
        for p in proofs:
            method = p.get("verificationMethod")
            if not isinstance(method, str):
                raise _Refusal("untrusted_key", "the proof names no verification method")
            listed = entry.key_for(method)
            if listed is None:
                raise _Refusal("untrusted_key", f"verification method `{method}` is not one of `{entry.entry}`'s keys")
            key = _public(listed)
            if key.type != "Ed25519":
                raise _Refusal("untrusted_key", f"key `{listed.id}` is not an Ed25519 key")
            keys.append(key)
        for p, key in zip(proofs, keys, strict=True):
            value = p.get("proofValue")
            try:
                signature = multibase_decode(value) if isinstance(value, str) else b""
            except MultibaseError:
                signature = b""
            proof_hash, doc_hash = di.signing_hashes(self.verifier.canon, vc, p)
            if not key.verify("EdDSA", signature, proof_hash + doc_hash):
                raise _Refusal("signature", f"the proof by `{p['verificationMethod']}` does not verify: the credential was altered or signed with another key")

    def jwt_signature(self, jwt: ParsedJwt, entry: IssuerTrust) -> None:
        alg = str(jwt.header["alg"])
        listed = [*entry.keys, *entry.did_keys()]
        candidates: list[PublicKey]
        if "jwk" in jwt.header:
            try:
                embedded = from_jwk(jwt.header["jwk"])
            except KeyProblem as e:
                raise _Refusal("untrusted_key", f"the JWT's embedded jwk is not a usable key: {e}") from None
            candidates = [k for k in (_public(t) for t in listed) if k.jwk == embedded.jwk]
            if not candidates:
                raise _Refusal("untrusted_key", f"the JWT's embedded jwk is not one of `{entry.entry}`'s keys")
        elif "kid" in jwt.header:
            kid = jwt.header["kid"]
            named = entry.key_for(kid) if isinstance(kid, str) else None
            if named is None:
                raise _Refusal("untrusted_key", f"JWT key id `{kid}` is not one of `{entry.entry}`'s keys")
            candidates = [_public(named)]
        else:
            candidates = [_public(t) for t in listed]
        fitting = [k for k in candidates if ALG_FOR_TYPE[k.type] == alg]
        if not fitting:
            raise _Refusal("untrusted_key", f"no key of `{entry.entry}` is for JWT algorithm {alg}")
        if not any(k.verify(alg, jwt.signature, jwt.signing_input) for k in fitting):
            raise _Refusal("signature", "the JWT signature does not verify: the credential was altered or signed with another key")

    def status(self, vc: dict[str, Any], entry: IssuerTrust) -> None:
        raw = vc.get("credentialStatus")
        entries = raw if isinstance(raw, list) else ([] if raw is None else [raw])
        found: list[tuple[int, _Refusal]] = []
        for st in entries:
            try:
                self.one_status(st, entry)
            except _Refusal as r:
                found.append((REASONS.index(r.reason), r))
        if found:
            raise min(found, key=lambda f: f[0])[1]

    def one_status(self, st: Any, entry: IssuerTrust) -> None:
        if not isinstance(st, dict) or not any(t in STATUS_ENTRY_TYPES for t in _types(st.get("type"))):
            kind = st.get("type") if isinstance(st, dict) else None
            raise _Refusal("status_unknown", f"status of type `{kind}` cannot be checked offline")
        url = st.get("statusListCredential")
        purpose = st.get("statusPurpose")
        index = _status_index(st.get("statusListIndex"))
        if index is None:
            raise _Refusal("status_unknown", "the status entry has no non-negative integer statusListIndex")
        data = entry.status_lists.get(url) if isinstance(url, str) else None
        if data is None:
            raise _Refusal("status_unknown", f"no local copy of status list `{url}`")
        bits = self.status_bits(str(url), data, purpose, entry)
        try:
            is_set = bit(bits, index)
        except StatusListError as e:
            raise _Refusal("status_unknown", str(e)) from None
        if is_set and purpose == "revocation":
            raise _Refusal("revoked", f"bit {index} of status list `{url}` is set: revoked")
        if is_set and purpose == "suspension":
            raise _Refusal("suspended", f"bit {index} of status list `{url}` is set: suspended")

    def status_bits(self, url: str, data: bytes, purpose: Any, entry: IssuerTrust) -> bytes:
        """The bitstring of a local status list, which must itself verify under the trust list."""
        memo = f"{entry.entry}\n{purpose}\n{url}"
        cached = self._lists.get(memo)
        if isinstance(cached, bytes):
            return cached
        if isinstance(cached, str):
            raise _Refusal("status_unknown", cached)
        try:
            decoded = self.decode(data)
            if isinstance(decoded, ParsedJwt):
                raise _Refusal("status_unknown", "JWT status lists are not supported")
            listed = self.check(decoded, _Facts(), url, None, status_list=True)
            if listed.trust_entry != entry.entry:
                raise _Refusal("status_unknown", f"status list `{url}` is issued by `{listed.issuer}`, not by the credential's issuer")
            if listed.kind != "BitstringStatusListCredential":
                raise _Refusal("status_unknown", f"the local copy of `{url}` is not a BitstringStatusListCredential")
            subject = list_subject(decoded)
            if subject.get("statusPurpose") != purpose:
                raise _Refusal("status_unknown", f"status list `{url}` is for `{subject.get('statusPurpose')}`, not `{purpose}`")
            bits = decode_list(subject.get("encodedList"))  # type: ignore[arg-type]
        except _Refusal as r:
            message = r.message if r.reason == "status_unknown" else f"the local copy of status list `{url}` does not verify ({r.reason}: {r.message})"
            self._lists[memo] = message
            raise _Refusal("status_unknown", message) from None
        except StatusListError as e:
            self._lists[memo] = f"status list `{url}`: {e}"
            raise _Refusal("status_unknown", str(self._lists[memo])) from None
        self._lists[memo] = bits
        return bits


# Keys a JSON-LD credential may use besides the terms of its contexts. Many JSON texts have one RDF form, and the
# signature covers the RDF while the checks (dates, status, subject, achievement, a proof's expires) read the JSON:
# a key that is a full or compact IRI, a keyword such as @nest, @included, @graph or @reverse, an alias in an
# inline context, or another term of the shipped contexts for an IRI the checks read (``uid`` for @id, ``expiration``
# for a proof's ``expires``) could move ``validUntil`` or ``credentialStatus`` out of their sight and keep the signature.
_KEYWORDS = frozenset({"@context", "@id", "@type", "@value", "@language", "@direction"})
_ALIASES = {"uid": "id", "expiration": "expires"}


def _unfaithful_json(vc: dict[str, Any]) -> str | None:
    """Why the JSON of ``vc`` might say less than its RDF (JSON-LD safe mode, the part the JSON shows), or None."""
    todo: list[tuple[Any, str]] = [(vc, "")]
    while todo:
        value, where = todo.pop()
        if isinstance(value, list):
            todo.extend((v, f"{where}[{i}]") for i, v in enumerate(value))
            continue
        if not isinstance(value, dict):
            continue
        for key, item in value.items():
            at = f"{where}.{key}" if where else key
            if key == "@context":
                if any(not isinstance(c, str) for c in (item if isinstance(item, list) else [item])):
                    return f"`{at}` defines terms inline: only the shipped contexts' URLs may be given (the checks read terms as those define them)"
                continue
            if key.startswith("@") and key not in _KEYWORDS:
                return f"`{at}`: the keyword `{key}` is refused in a credential (it can move a property out of where the checks read it)"
            if ":" in key:
                return f"`{at}`: a property written as an IRI is refused in a credential; use the term its context defines"
            if key in _ALIASES:
                return f"`{at}`: write `{_ALIASES[key]}` (the term the checks read), not `{key}`"
            todo.append((item, at))
    return None


def _never() -> bool:
    return False


def _memo_key(data: bytes | str | Mapping[str, Any]) -> str | None:
    """A digest of a credential as given, for the run's memo (None: not memoised)."""
    if isinstance(data, bytes):
        return "b:" + hashlib.sha256(data).hexdigest()
    if isinstance(data, str):
        return "s:" + hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()
    try:
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None
    return "j:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _public(key: TrustedKey) -> PublicKey:
    try:
        return key.public_key()
    except (KeyProblem, MultibaseError) as e:
        raise _Refusal("untrusted_key", f"trusted key `{key.id}` is not usable: {e}") from None


_MAX_STATUS_INDEX_DIGITS = 12


def _status_index(raw: Any) -> int | None:
    """A ``statusListIndex``: a non-negative JSON integer or decimal string (as the spec allows), else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 <= raw < 10**_MAX_STATUS_INDEX_DIGITS else None
    if isinstance(raw, str) and 0 < len(raw) <= _MAX_STATUS_INDEX_DIGITS and raw.isascii() and raw.isdigit():
        return int(raw)
    return None
