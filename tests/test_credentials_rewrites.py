"""A credential rewritten so its JSON says less than its signed RDF: the checks read the JSON, so it is refused.

The signature covers the canonical RDF, and many JSON texts have one RDF
form: a full IRI as a key, ``@nest``, an alias in an inline context, another
term of the shipped contexts with the same IRI. A learner who moves
``validUntil`` or ``credentialStatus`` (or a proof's ``expires``) out of
where the checks look would keep the signature and lose the expiry or the
revocation. Such rewrites are ``malformed``.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from stackrules.credentials import sign

from .test_credentials_attacks import EDU, VERIFIER, spec_vector
from .vc_support import AS_OF, conformance_dir, conformance_keypair, conformance_trust, load, manifest_trust

CRED = "https://www.w3.org/2018/credentials#"
XSD_DT = "http://www.w3.org/2001/XMLSchema#dateTime"


def _signed(doc: dict[str, Any], expires: dt.datetime | None = None) -> dict[str, Any]:
    keys = conformance_keypair()
    return sign(VERIFIER.canon, doc, keys, f"{EDU}#{keys.public}", dt.datetime(2020, 1, 1, tzinfo=dt.UTC), expires)


def _expired() -> dict[str, Any]:
    doc = spec_vector()
    doc["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    doc["validUntil"] = "2021-01-01T00:00:00Z"
    return _signed(doc)


def _verify(doc: Any, trust: Any = None) -> Any:
    return VERIFIER.verify(doc, trust=trust or conformance_trust(), as_of=AS_OF)[0]


def test_the_expired_credential_is_expired_as_signed() -> None:
    assert _verify(_expired()).reason == "expired"


def _full_iri(doc: dict[str, Any]) -> None:
    doc[CRED + "validUntil"] = {"@value": doc.pop("validUntil"), "@type": XSD_DT}


def _nest(doc: dict[str, Any]) -> None:
    doc["@nest"] = {"validUntil": doc.pop("validUntil")}


def _inline_alias(doc: dict[str, Any]) -> None:
    doc["@context"] = [*doc["@context"], {"until": {"@id": CRED + "validUntil", "@type": XSD_DT}}]
    doc["until"] = doc.pop("validUntil")


def _compact_iri(doc: dict[str, Any]) -> None:
    doc["@context"] = [*doc["@context"], {"c": CRED}]
    doc["c:validUntil"] = {"@value": doc.pop("validUntil"), "@type": XSD_DT}


def _included(doc: dict[str, Any]) -> None:
    doc["@included"] = [{"id": doc["id"], "validUntil": doc.pop("validUntil")}]


@pytest.mark.parametrize("rewrite", [_full_iri, _nest, _inline_alias, _compact_iri, _included])
def test_an_expiry_moved_out_of_sight_is_not_verified(rewrite: Any) -> None:
    doc = _expired()
    rewrite(doc)
    result = _verify(doc)
    assert result.outcome == "refused"
    assert result.reason in ("malformed", "expired", "signature"), result
    assert result.reason == "malformed", result.message


def test_a_revocation_moved_out_of_sight_is_not_verified() -> None:
    root = conformance_dir()
    if root is None:
        pytest.skip("no conformance set")
    name = "ob30/bit-string-list/credential-status-revoked.json"
    trust = manifest_trust(root)
    assert _verify(load(root, name), trust).reason == "revoked"
    doc = load(root, name)
    doc["@nest"] = {"credentialStatus": doc.pop("credentialStatus")}
    result = _verify(doc, trust)
    assert result.outcome == "refused" and result.reason == "malformed", result


def test_a_proof_expiry_under_another_term_is_not_verified() -> None:
    doc = spec_vector()
    doc["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    signed = _signed(doc, expires=dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
    assert _verify(signed).reason == "expired"
    proof = signed["proof"][0] if isinstance(signed["proof"], list) else signed["proof"]
    proof["expiration"] = proof.pop("expires")
    result = _verify(signed)
    assert result.outcome == "refused" and result.reason == "malformed", result


def test_the_id_under_an_alias_term_is_malformed() -> None:
    doc = _expired()
    doc["credentialSubject"]["uid"] = doc["credentialSubject"].pop("id")
    assert _verify(doc).reason == "malformed"


def test_unchanged_credentials_still_verify() -> None:
    doc = spec_vector()
    doc["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert _verify(_signed(doc)).outcome == "verified"
    assert copy.deepcopy(doc) == doc
