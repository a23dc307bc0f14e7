"""Offline verification of Open Badges 3.0 / CLR 2.0 credentials (docs/language.md section 15).

The conformance files are read from tests/conformance/ob3 (a copy of the
reference validator's samples with their manifest; STACKRULES_SHARED points at
another copy). Everything else runs on data kept in tests/credentials/ or made
here with the published test key.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from stackrules.credentials import IssuerTrust, Verifier, generate_keypair, sign
from stackrules.credentials import dataintegrity as di
from stackrules.source.badges import default_verifier, read_badge

from .vc_support import (
    AS_OF,
    HERE,
    TEAMWORK,
    TEST_KEY,
    conformance_dir,
    conformance_keypair,
    conformance_trust,
    manifest_trust,
)

VERIFIER = default_verifier()
ROOT = conformance_dir()
MANIFEST: dict[str, Any] = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8")) if ROOT else {"files": {}}
NO_SHARED = "the conformance set is missing: tests/conformance/ob3/manifest.json (or STACKRULES_SHARED/conformance/ob3)"

# The reason each refused conformance file gets (docs/credentials.md explains the `either` choices).
REFUSED = {
    "clr20/complex.json": "unsupported_proof",
    "clr20/simple-noproof.json": "malformed",
    "clr20/simple_old_safesigned.json": "malformed",
    "clr20/simple_v1.json": "unsupported_proof",
    "ob30/bit-string-list/credential-status-revoked-blank-nodes.json": "revoked",
    "ob30/bit-string-list/credential-status-revoked.json": "revoked",
    "ob30/complete.json": "status_unknown",
    "ob30/complete_v1.json": "unsupported_proof",
    "ob30/credential-status-revoked.json": "unsupported_proof",
    "ob30/endorsement-err-schema-status-refresh.json": "unsupported_proof",
    "ob30/sd/derivedcredential.json": "unsupported_proof",
    "ob30/simple-err-context.json": "malformed",
    "ob30/simple-err-credential-subject-achievement-result-description-type.json": "malformed",
    "ob30/simple-err-credential-subject-identifier-type.json": "malformed",
    "ob30/simple-err-credential-subject-profile-type.json": "malformed",
    "ob30/simple-err-credential-subject-result-type.json": "malformed",
    "ob30/simple-err-credential-subject-type.json": "malformed",
    "ob30/simple-err-evidence-type.json": "malformed",
    "ob30/simple-err-expired.json": "expired",
    "ob30/simple-err-issued.json": "not_yet_valid",
    "ob30/simple-err-issuer-otheridentifier-type.json": "malformed",
    "ob30/simple-err-issuer-parentorg-type.json": "malformed",
    "ob30/simple-err-issuer-type.json": "malformed",
    "ob30/simple-err-issuer.json": "malformed",
    "ob30/simple-err-proof-method-no-scheme.json": "malformed",
    "ob30/simple-err-proof-method-unknown-did-method.json": "untrusted_key",
    "ob30/simple-err-proof-method-unknown-scheme.json": "untrusted_key",
    "ob30/simple-err-proof-method.json": "untrusted_key",
    "ob30/simple-err-proof-value.json": "signature",
    "ob30/simple-err-type.json": "malformed",
    "ob30/simple-jwt.png": "untrusted_key",
    "ob30/simple-jwt.svg": "untrusted_key",
    "ob30/simple-jwt_v1.png": "untrusted_key",
    "ob30/simple-jwt_v1.svg": "untrusted_key",
    "ob30/simple-multiple-proofs.json": "unsupported_proof",
    "ob30/simple-noproof.json": "unsupported_proof",
    "ob30/simple.jwt": "signature",
    "ob30/simple_v1.json": "unsupported_proof",
    "ob30/velocity.jwt": "untrusted_issuer",
}


def verify(data: Any, trust: tuple[IssuerTrust, ...] | None = None, **kw: Any) -> Any:
    return VERIFIER.verify(data, trust=conformance_trust() if trust is None else trust, as_of=kw.pop("as_of", AS_OF), **kw)


def spec_vector() -> dict[str, Any]:
    value: dict[str, Any] = json.loads((HERE / "ob30-spec-vector.json").read_text(encoding="utf-8"))
    return value


# --- the conformance manifest -------------------------------------------------


@pytest.mark.parametrize("name", sorted(MANIFEST["files"]) or ["(absent)"])
def test_conformance_file_gets_the_manifest_outcome(name: str) -> None:
    if ROOT is None:
        pytest.fail(NO_SHARED)
    expect = MANIFEST["files"][name]["expect"]
    results = VERIFIER.verify(read_badge(ROOT / "credentials" / name), trust=manifest_trust(ROOT), as_of=AS_OF, source=name)
    first = results[0]
    if expect == "accept" or (expect == "either" and name not in REFUSED):
        assert first.outcome == "verified", (first.reason, first.message)
        assert all(r.outcome == "verified" for r in results), [(r.source, r.reason, r.message) for r in results]
        assert name not in REFUSED
    else:
        assert first.outcome == "refused"
        assert first.reason == REFUSED[name], first.message
        assert first.message


def test_every_manifest_file_is_classified() -> None:
    if ROOT is None:
        pytest.fail(NO_SHARED)
    files = MANIFEST["files"]
    assert set(REFUSED) <= set(files)
    assert {n for n, f in files.items() if f["expect"] == "reject"} <= set(REFUSED)
    assert not {n for n, f in files.items() if f["expect"] == "accept"} & set(REFUSED)


def test_clr_nested_credentials_are_verified_on_their_own() -> None:
    if ROOT is None:
        pytest.fail(NO_SHARED)
    for name in ("clr20/simple.json", "clr20/simple.jwt"):
        results = VERIFIER.verify(read_badge(ROOT / "credentials" / name), trust=manifest_trust(ROOT), as_of=AS_OF, source=name)
        assert [r.kind for r in results] == ["ClrCredential", "AchievementCredential" if name.endswith("jwt") else "OpenBadgeCredential"]
        nested = results[1]
        assert nested.part_of == name and nested.source == f"{name}#verifiableCredential[0]"
        assert nested.earns and nested.credential in {"ex:TEAM", "ex:A1"}
        assert not results[0].earns  # the envelope itself is not an achievement


def test_baked_png_and_svg_carry_the_same_credential_as_the_json() -> None:
    if ROOT is None:
        pytest.fail(NO_SHARED)
    from stackrules.credentials.baked import from_png, from_svg

    png = json.loads(from_png(read_badge(ROOT / "credentials/ob30/simple-json.png"), 1 << 20))
    svg = json.loads(from_svg(read_badge(ROOT / "credentials/ob30/simple-json.svg"), 1 << 20))
    assert png["proof"] == svg["proof"]
    results = [verify(read_badge(ROOT / "credentials" / n))[0] for n in ("ob30/simple-json.png", "ob30/simple-json.svg")]
    assert [(r.outcome, r.credential, r.proof_type) for r in results] == [("verified", "ex:TEAM", "eddsa-rdfc-2022")] * 2


def test_revocation_reads_the_bit_the_spec_names() -> None:
    if ROOT is None:
        pytest.fail(NO_SHARED)
    from stackrules.credentials.status import bit, decode_list

    testlist = json.loads((ROOT / "credentials/ob30/bit-string-list/testlist").read_text(encoding="utf-8"))
    bits = decode_list(testlist["credentialSubject"]["encodedList"])
    assert [i for i in range(len(bits) * 8) if bit(bits, i)] == [23]
    # without the local copy the same credential's status is unknown, never assumed good
    result = verify(read_badge(ROOT / "credentials/ob30/bit-string-list/credential-status-revoked.json"), trust=conformance_trust({}))[0]
    assert result.reason == "status_unknown"


# --- the specification's test vector ------------------------------------------


def test_spec_vector_hashes_and_proof_value() -> None:
    doc = spec_vector()
    proof_hash, doc_hash = di.signing_hashes(VERIFIER.canon, doc, doc["proof"])
    assert doc_hash.hex() == "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
    assert proof_hash.hex() == "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
    resigned = sign(VERIFIER.canon, doc, conformance_keypair(), doc["proof"]["verificationMethod"], dt.datetime(2010, 1, 1, 19, 23, 24, tzinfo=dt.UTC))
    assert resigned["proof"]["proofValue"] == doc["proof"]["proofValue"]
    assert conformance_keypair().public == TEST_KEY
    result = verify(doc)[0]
    assert (result.outcome, result.issuer, result.trust_entry, result.credential, result.awarded) == (
        "verified",
        "https://example.edu/issuers/565049",
        "issuer:example-edu",
        "ex:TEAM",
        dt.date(2010, 1, 1),
    )


# --- forged and altered credentials --------------------------------------------


def _resign(doc: dict[str, Any], method: str, keys: Any = None) -> dict[str, Any]:
    return sign(VERIFIER.canon, doc, keys or conformance_keypair(), method, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


def test_test_key_under_an_untrusted_issuer_id_is_refused() -> None:
    doc = spec_vector()
    doc["issuer"]["id"] = "https://evil.example/issuers/1"
    forged = _resign(doc, f"https://evil.example/issuers/1#{TEST_KEY}")
    result = verify(forged)[0]
    assert (result.reason, result.issuer) == ("untrusted_issuer", "https://evil.example/issuers/1")


def test_changed_field_is_refused_signed_or_not() -> None:
    doc = spec_vector()
    doc["credentialSubject"]["achievement"]["name"] = "Rocket science"
    assert verify(doc)[0].reason == "signature"  # the old proof no longer covers it
    attacker = generate_keypair()
    # re-signed by someone else under the trusted issuer's listed method URL
    assert verify(_resign(doc, doc["proof"]["verificationMethod"], attacker))[0].reason == "signature"
    # re-signed with a method URL whose fragment is the attacker's own key: the fragment is never a key
    assert verify(_resign(doc, f"https://example.edu/issuers/565049#{attacker.public}", attacker))[0].reason == "untrusted_key"
    # or a did:key the trust list does not name
    assert verify(_resign(doc, f"did:key:{attacker.public}", attacker))[0].reason == "untrusted_key"


def test_a_valid_proof_moved_onto_another_document_is_refused() -> None:
    donor = spec_vector()
    other = spec_vector()
    other["id"] = "http://example.com/credentials/9999"
    other["credentialSubject"]["id"] = "did:example:someone-else"
    other["proof"] = donor["proof"]
    assert verify(donor)[0].outcome == "verified"
    assert verify(other)[0].reason == "signature"


def test_untrusted_key_and_not_in_force() -> None:
    doc = spec_vector()
    later = tuple(t.model_copy(update={"effective_from": dt.date(2027, 1, 1)}) for t in conformance_trust())
    result = verify(doc, later)[0]
    assert result.reason == "untrusted_issuer" and "in force" in result.message
    no_keys = tuple(t.model_copy(update={"keys": ()}) for t in conformance_trust())
    assert verify(doc, no_keys)[0].reason == "untrusted_key"


def test_property_the_contexts_do_not_define_is_malformed() -> None:
    doc = spec_vector()
    doc["@context"] = [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://w3id.org/security/data-integrity/v1",
    ]
    doc["unsignedClaim"] = "grants 60 ECTS"
    result = verify(doc)[0]
    assert result.reason == "malformed" and "unsignedClaim" in result.message
    doc2 = spec_vector()
    doc2["@context"].append("https://evil.example/context.json")
    result2 = verify(doc2)[0]
    assert result2.reason == "malformed" and "evil.example" in result2.message


def test_a_type_the_contexts_do_not_define_is_malformed() -> None:
    doc = spec_vector()
    doc["@context"] = [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://w3id.org/security/data-integrity/v1",
    ]
    doc["credentialSubject"]["type"] = ["AchievementSubject", "UndefinedThing"]
    result = verify(doc)[0]
    assert result.reason == "malformed" and "UndefinedThing" in result.message


def test_validity_dates() -> None:
    doc = spec_vector()
    doc["validUntil"] = "2020-01-01T00:00:00Z"
    signed = _resign(doc, doc["proof"]["verificationMethod"])
    assert verify(signed)[0].reason == "expired"
    assert verify(signed, as_of=dt.date(2019, 6, 1))[0].outcome == "verified"
    assert verify(signed, as_of=dt.date(2009, 12, 31))[0].reason == "not_yet_valid"


def test_subject_must_be_one_of_the_learners_identities() -> None:
    doc = spec_vector()
    assert verify(doc, identities=["did:example:ebfeb1f712ebc6f1c276e12ec21"])[0].outcome == "verified"
    assert verify(doc, identities=["mailto:someone@example.org"])[0].reason == "subject_mismatch"
    import hashlib

    hashed = spec_vector()
    hashed["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    del hashed["credentialSubject"]["id"]
    hashed["credentialSubject"]["identifier"] = [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "salt": "pepper",
            "identityHash": "sha256$" + hashlib.sha256(b"ana@example.org" + b"pepper").hexdigest(),
        }
    ]
    signed = _resign(hashed, hashed["proof"]["verificationMethod"])
    assert verify(signed, identities=["ana@example.org"])[0].outcome == "verified"
    refused = verify(signed, identities=["bob@example.org"])[0]
    assert refused.reason == "subject_mismatch"
    # said as what the credential names, never Python's `None` (a newcomer, 2026-11-30)
    assert refused.message == "the credential's subject (1 hashed identifier) is none of the learner's identities", refused.message
    plain = dict(
        hashed,
        credentialSubject={
            **hashed["credentialSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "studentId", "hashed": False, "identityHash": "L-0005"}],
        },
    )
    refused = verify(_resign(plain, plain["proof"]["verificationMethod"]), identities=["L-0006"])[0]
    assert refused.message == "the credential's subject (L-0005) is none of the learner's identities" and refused.subject == "L-0005", refused


def test_unmapped_achievement() -> None:
    doc = spec_vector()
    doc["credentialSubject"]["achievement"]["id"] = "https://example.com/achievements/unknown"
    result = verify(_resign(doc, doc["proof"]["verificationMethod"]))[0]
    assert result.reason == "unknown_achievement" and result.achievement == "https://example.com/achievements/unknown"


def test_order_of_checks_first_failure_is_the_reason() -> None:
    doc = spec_vector()
    doc["validUntil"] = "2020-01-01T00:00:00Z"  # expired and also altered: signature comes first
    assert verify(doc)[0].reason == "signature"
    doc["issuer"]["id"] = "https://nobody.example/1"  # and untrusted: that comes before the key and signature
    assert verify(doc)[0].reason == "untrusted_issuer"
    del doc["proof"]  # no proof comes before trust
    assert verify(doc)[0].reason == "unsupported_proof"


def test_signing_round_trip_with_a_fresh_key() -> None:
    keys = generate_keypair()
    office = "https://registry.example.edu/office"
    doc = spec_vector()
    doc["issuer"] = {"id": office, "type": ["Profile"], "name": "Registry"}
    signed = _resign(doc, f"{office}#key-1", keys)
    trust = (
        IssuerTrust.model_validate(
            {"entry": "issuer:office", "ids": [office], "keys": [{"id": f"{office}#key-1", "multikey": keys.public}], "achievements": {TEAMWORK: "reg:TW"}}
        ),
    )
    result = VERIFIER.verify(json.dumps(signed).encode(), trust=trust, as_of=AS_OF)[0]
    assert (result.outcome, result.credential, result.proof_type, result.trust_entry) == ("verified", "reg:TW", "eddsa-rdfc-2022", "issuer:office")
    # the same office listed by its did:key as issuer id: the did:key names its own key
    did = f"did:key:{keys.public}"
    doc["issuer"] = {"id": did, "type": ["Profile"]}
    by_did = _resign(doc, f"{did}#{keys.public}", keys)
    trust_did = (IssuerTrust.model_validate({"entry": "issuer:office", "ids": [did], "achievements": {TEAMWORK: "reg:TW"}}),)
    assert VERIFIER.verify(by_did, trust=trust_did, as_of=AS_OF)[0].outcome == "verified"


def test_clr_envelope_and_nested_results_are_separate() -> None:
    keys = generate_keypair()
    office = "https://clr.example/issuer"
    inner_ok = spec_vector()
    inner_untrusted = copy.deepcopy(inner_ok)
    inner_untrusted["issuer"]["id"] = "https://stranger.example/1"
    inner_untrusted = _resign(inner_untrusted, f"https://stranger.example/1#{TEST_KEY}")
    clr = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:0b9c6a1e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": office, "type": ["Profile"], "name": "CLR office"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Transcript",
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "type": ["ClrSubject"], "verifiableCredential": [inner_ok, inner_untrusted]},
    }
    signed = _resign(clr, f"{office}#k", keys)
    trust = (
        *conformance_trust(),
        IssuerTrust.model_validate({"entry": "issuer:clr", "ids": [office], "keys": [{"id": f"{office}#k", "multikey": keys.public}]}),
    )
    results = VERIFIER.verify(signed, trust=trust, as_of=AS_OF, source="t.json")
    assert [(r.source, r.outcome, r.reason) for r in results] == [
        ("t.json", "verified", None),
        ("t.json#verifiableCredential[0]", "verified", None),
        ("t.json#verifiableCredential[1]", "refused", "untrusted_issuer"),
    ]
    assert [r.earns for r in results] == [False, True, False]


def test_results_do_not_depend_on_the_memo() -> None:
    fresh = default_verifier()
    doc = spec_vector()
    first = fresh.verify(doc, trust=conformance_trust(), as_of=AS_OF)
    assert fresh.canon._memo  # the canonical forms were memoised
    assert fresh.verify(doc, trust=conformance_trust(), as_of=AS_OF) == first
    altered = spec_vector()
    altered["name"] = "Teamwork Badge (gold)"
    assert fresh.verify(altered, trust=conformance_trust(), as_of=AS_OF)[0].reason == "signature"


def test_input_of_no_known_form_is_malformed() -> None:
    for data in (b"", b"\xff\xfe\x00garbage", "not a credential", "[1, 2]", "{", b"\x89PNG\r\n\x1a\n", "a.b.c"):
        result = verify(data)[0]
        assert result.reason == "malformed", data


def test_shipped_contexts_match_the_conformance_copies() -> None:
    if ROOT is None:
        pytest.fail(NO_SHARED)
    package = Path(__file__).resolve().parent.parent / "stackrules" / "credentials" / "contexts"
    for f in sorted((ROOT / "contexts").iterdir()):
        assert (package / f.name).read_bytes() == f.read_bytes(), f.name
    assert (package / "LICENSE-Apache-2.0.txt").is_file()


def test_verifier_is_shareable_and_immutable() -> None:
    with pytest.raises(AttributeError):
        VERIFIER.max_bytes = 1  # type: ignore[misc]
    assert isinstance(VERIFIER, Verifier)


def test_an_expired_data_integrity_proof_is_expired_and_created_is_no_bound() -> None:
    doc = spec_vector()
    keys = conformance_keypair()
    method = doc["proof"]["verificationMethod"]
    signed = sign(VERIFIER.canon, doc, keys, method, dt.datetime(2024, 1, 1, tzinfo=dt.UTC), expires=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert signed["proof"]["expires"] == "2025-01-01T00:00:00Z"
    result = verify(signed, as_of=dt.date(2025, 1, 2))[0]
    assert result.reason == "expired" and "proof expires 2025-01-01" in result.message
    assert verify(signed, as_of=dt.date(2025, 1, 1))[0].outcome == "verified"
    bad = copy.deepcopy(signed)
    bad["proof"]["expires"] = "soon"
    assert verify(bad, as_of=dt.date(2024, 6, 1))[0].reason == "malformed"
    # a proof made after the as-of day still vouches: validity is validFrom's
    late = _resign(spec_vector(), method)
    assert late["proof"]["created"] > "2019-06-01"
    assert verify(late, as_of=dt.date(2019, 6, 1))[0].outcome == "verified"
