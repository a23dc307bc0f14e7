"""Hostile credentials: forged JWTs, bombs, canonicalisation blow-ups, the network, mutations."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
import socket
import struct
import time
import zlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stackrules.credentials import IssuerTrust, Limits, sign
from stackrules.credentials import dataintegrity as di
from stackrules.credentials.canon import Canonicaliser, TooLarge, UnknownContext
from stackrules.credentials.multibase import b58decode, b58encode, b64url_encode, did_key_ed25519, multikey_to_ed25519
from stackrules.credentials.status import StatusListError, bit, decode_list
from stackrules.source.badges import default_verifier, read_badge, shipped_contexts

from .vc_support import AS_OF, HERE, TEAMWORK, conformance_dir, conformance_keypair, conformance_trust, make_jwt, manifest_trust, rsa_jwk

VERIFIER = default_verifier()
EDU = "https://example.edu/issuers/565049"
JWT_VC = {
    "@context": ["https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"],
    "id": "urn:uuid:3a1e9c52-0000-4000-8000-00000000000a",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": EDU, "type": ["Profile"], "name": "Example University"},
    "issuanceDate": "2020-01-01T00:00:00Z",
    "name": "Teamwork",
    "credentialSubject": {
        "id": "did:example:learner",
        "type": ["AchievementSubject"],
        "achievement": {"id": TEAMWORK, "type": ["Achievement"], "name": "Teamwork"},
    },
}
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ED_KEY = ed25519.Ed25519PrivateKey.generate()


def spec_vector() -> dict[str, Any]:
    value: dict[str, Any] = json.loads((HERE / "ob30-spec-vector.json").read_text(encoding="utf-8"))
    return value


def jwt_trust() -> tuple[IssuerTrust, ...]:
    ed_x = b64url_encode(ED_KEY.public_key().public_bytes_raw())
    return (
        IssuerTrust.model_validate(
            {
                "entry": "issuer:edu",
                "ids": [EDU],
                "keys": [
                    {"id": f"{EDU}#rsa-1", "jwk": rsa_jwk(RSA_KEY)},
                    {"id": f"{EDU}#ed-1", "jwk": {"kty": "OKP", "crv": "Ed25519", "x": ed_x}},
                    {"id": f"{EDU}#key-1", "multikey": conformance_keypair().public},
                ],
                "achievements": {TEAMWORK: "ex:TEAM"},
            }
        ),
    )


def jwt_result(token: str) -> Any:
    return VERIFIER.verify(token, trust=jwt_trust(), as_of=AS_OF)[0]


PAYLOAD = {"vc": JWT_VC, "iss": EDU, "jti": JWT_VC["id"], "sub": "did:example:learner", "nbf": 1577836800}


# --- VC-JWT ---------------------------------------------------------------------


def test_jwt_signed_with_each_supported_algorithm_verifies() -> None:
    for header, key in (({"alg": "RS256", "kid": f"{EDU}#rsa-1"}, RSA_KEY), ({"alg": "EdDSA", "kid": f"{EDU}#ed-1"}, ED_KEY), ({"alg": "RS256"}, RSA_KEY)):
        result = jwt_result(make_jwt(header, PAYLOAD, key))
        assert (result.outcome, result.credential, result.proof_type) == ("verified", "ex:TEAM", f"VC-JWT {header['alg']}"), result.message


def test_es256_jwt_verifies() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = ec.generate_private_key(ec.SECP256R1())
    nums = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": b64url_encode(nums.x.to_bytes(32, "big")), "y": b64url_encode(nums.y.to_bytes(32, "big"))}
    trust = (
        IssuerTrust.model_validate({"entry": "issuer:edu", "ids": [EDU], "keys": [{"id": f"{EDU}#ec", "jwk": jwk}], "achievements": {TEAMWORK: "ex:TEAM"}}),
    )
    head = b64url_encode(json.dumps({"alg": "ES256", "kid": f"{EDU}#ec"}).encode())
    body = b64url_encode(json.dumps(PAYLOAD).encode())
    r, s = decode_dss_signature(key.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
    token = f"{head}.{body}.{b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
    assert VERIFIER.verify(token, trust=trust, as_of=AS_OF)[0].outcome == "verified"


def test_jwt_alg_none_is_refused() -> None:
    token = make_jwt({"alg": "none"}, PAYLOAD, None)
    result = jwt_result(token)
    assert result.reason == "unsupported_proof" and "none" in result.message
    assert jwt_result(make_jwt({"alg": "None"}, PAYLOAD, None)).reason == "unsupported_proof"


def test_jwt_algorithm_confusion_is_refused() -> None:
    import hmac

    # HS256 keyed with the issuer's public RSA key: not a supported algorithm at all
    head = b64url_encode(json.dumps({"alg": "HS256", "kid": f"{EDU}#rsa-1"}).encode())
    body = b64url_encode(json.dumps(PAYLOAD).encode())
    secret = json.dumps(rsa_jwk(RSA_KEY)).encode()
    mac = hmac.new(secret, f"{head}.{body}".encode(), "sha256").digest()
    assert jwt_result(f"{head}.{body}.{b64url_encode(mac)}").reason == "unsupported_proof"
    # EdDSA signature presented as from the RSA key, and RS256 against an Ed25519 kid
    assert jwt_result(make_jwt({"alg": "EdDSA", "kid": f"{EDU}#rsa-1"}, PAYLOAD, ED_KEY)).reason == "untrusted_key"
    assert jwt_result(make_jwt({"alg": "RS256", "kid": f"{EDU}#ed-1"}, PAYLOAD, RSA_KEY)).reason == "untrusted_key"


def test_jwt_embedded_jwk_that_is_not_the_issuers_is_refused() -> None:
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = make_jwt({"alg": "RS256", "jwk": rsa_jwk(attacker)}, PAYLOAD, attacker)
    result = jwt_result(token)
    assert result.reason == "untrusted_key" and "embedded jwk" in result.message
    # the issuer's own key embedded: accepted
    assert jwt_result(make_jwt({"alg": "RS256", "jwk": rsa_jwk(RSA_KEY)}, PAYLOAD, RSA_KEY)).outcome == "verified"
    # the issuer's key embedded but the token signed by the attacker
    assert jwt_result(make_jwt({"alg": "RS256", "jwk": rsa_jwk(RSA_KEY)}, PAYLOAD, attacker)).reason == "signature"


def test_jwt_altered_payload_and_mismatched_claims() -> None:
    token = make_jwt({"alg": "RS256", "kid": f"{EDU}#rsa-1"}, PAYLOAD, RSA_KEY)
    head, _body, sig = token.split(".")
    altered = copy.deepcopy(PAYLOAD)
    altered["vc"]["name"] = "Rocket science"
    assert jwt_result(f"{head}.{b64url_encode(json.dumps(altered).encode())}.{sig}").reason == "signature"
    wrong_iss = {**PAYLOAD, "iss": "https://evil.example"}
    assert jwt_result(make_jwt({"alg": "RS256", "kid": f"{EDU}#rsa-1"}, wrong_iss, RSA_KEY)).reason == "malformed"
    expired = {**PAYLOAD, "exp": 1600000000}
    assert jwt_result(make_jwt({"alg": "RS256", "kid": f"{EDU}#rsa-1"}, expired, RSA_KEY)).reason == "expired"
    assert jwt_result(make_jwt({"alg": "RS256", "kid": f"{EDU}#nope"}, PAYLOAD, RSA_KEY)).reason == "untrusted_key"
    assert jwt_result(make_jwt({"alg": "RS256", "crit": ["b64"]}, PAYLOAD, RSA_KEY)).reason == "malformed"


# --- bombs and bounds -------------------------------------------------------------


def _png_with_itxt(text: bytes, compressed: bool) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    itxt = b"openbadgecredential\0" + (b"\1\0" if compressed else b"\0\0") + b"\0\0" + text
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"iTXt", itxt) + chunk(b"IDAT", zlib.compress(b"\0\0")) + chunk(b"IEND", b"")


def test_png_decompression_bomb_is_refused_quickly() -> None:
    packer = zlib.compressobj(9)
    block = b" " * (1 << 20)
    bomb = packer.compress(b"{") + b"".join(packer.compress(block) for _ in range(64)) + packer.flush()  # 64 MiB inflated, 16 times the bound
    assert len(bomb) < 1 << 20
    png = _png_with_itxt(bomb, compressed=True)
    start = time.perf_counter()
    result = VERIFIER.verify(png, trust=conformance_trust(), as_of=AS_OF)[0]
    assert result.reason == "malformed" and "decompression bomb" in result.message
    assert time.perf_counter() - start < 2.0


def test_png_baked_compressed_credential_verifies() -> None:
    png = _png_with_itxt(zlib.compress(json.dumps(spec_vector()).encode()), compressed=True)
    assert VERIFIER.verify(png, trust=conformance_trust(), as_of=AS_OF)[0].outcome == "verified"


def test_svg_entity_bomb_and_external_entity_are_refused_quickly() -> None:
    laughs = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{"&lol" + str(i - 1) + ";" * 1}{("&lol" + str(i - 1) + ";") * 9}">' for i in range(1, 12)]
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE svg [' + "".join(laughs) + "]>"
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        "<openbadges:credential>&lol11;</openbadges:credential></svg>"
    ).encode()
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        b"<openbadges:credential>&x;</openbadges:credential></svg>"
    )
    for svg in (bomb, xxe):
        start = time.perf_counter()
        result = VERIFIER.verify(svg, trust=conformance_trust(), as_of=AS_OF)[0]
        assert result.reason == "malformed" and "refused" in result.message, result.message
        assert time.perf_counter() - start < 1.0


def test_svg_baked_jwt_and_cdata_json_verify() -> None:
    token = make_jwt({"alg": "RS256", "kid": f"{EDU}#rsa-1"}, PAYLOAD, RSA_KEY)
    head = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
    svg = f"{head}<openbadges:credential>{token}</openbadges:credential></svg>".encode()
    assert VERIFIER.verify(svg, trust=jwt_trust(), as_of=AS_OF)[0].outcome == "verified"
    svg2 = f"{head}<openbadges:credential><![CDATA[{json.dumps(spec_vector())}]]></openbadges:credential></svg>".encode()
    assert VERIFIER.verify(svg2, trust=conformance_trust(), as_of=AS_OF)[0].outcome == "verified"


def test_blank_node_explosion_is_refused_within_bounds() -> None:
    canon = Canonicaliser(VERIFIER.canon.contexts)
    n = 12  # a clique of blank nodes: every first-degree hash ties, RDFC-1.0 would try n! orders
    graph = [{"@id": f"_:b{i}", "http://example.org/p": [{"@id": f"_:b{j}"} for j in range(n) if j != i]} for i in range(n)]
    start = time.perf_counter()
    with pytest.raises(TooLarge):
        canon.nquads({"@graph": graph})
    assert time.perf_counter() - start < 2.0
    # a smaller clique within the bounds canonicalises
    small = [{"@id": f"_:b{i}", "http://example.org/p": [{"@id": f"_:b{j}"} for j in range(3) if j != i]} for i in range(3)]
    assert canon.nquads({"@graph": small}).count("_:c14n") == 12


def test_size_and_node_bounds() -> None:
    tight = Canonicaliser(VERIFIER.canon.contexts, Limits(max_json_nodes=10))
    with pytest.raises(TooLarge):
        tight.digest(spec_vector())
    doc = spec_vector()
    doc["description"] = "x" * (2 << 20)
    result = VERIFIER.verify(doc, trust=conformance_trust(), as_of=AS_OF)[0]
    assert result.reason == "malformed" and "larger than" in result.message
    deep: Any = "leaf"
    for _ in range(200):
        deep = {"http://example.org/p": deep}
    with pytest.raises(TooLarge):
        VERIFIER.canon.nquads(deep)
    assert VERIFIER.verify(b"{" * 100_000, trust=conformance_trust(), as_of=AS_OF)[0].reason == "malformed"


# --- the network ------------------------------------------------------------------


def test_nothing_reaches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the verifier tried to reach the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    cold = default_verifier()  # fresh caches: every context is loaded under the patch
    result = cold.verify(spec_vector(), trust=conformance_trust(), as_of=AS_OF)[0]
    assert result.outcome == "verified"
    with pytest.raises(UnknownContext):
        cold.canon.contexts.load("https://www.w3.org/ns/credentials/v3")
    doc = spec_vector()
    doc["@context"] = [*doc["@context"], {"@import": "https://evil.example/ctx.json"}]
    assert cold.verify(doc, trust=conformance_trust(), as_of=AS_OF)[0].reason == "malformed"
    root = conformance_dir()
    if root is not None:
        trust = manifest_trust(root)
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        for name, entry in sorted(manifest["files"].items()):
            first = cold.verify(read_badge(root / "credentials" / name), trust=trust, as_of=AS_OF)[0]
            assert entry["expect"] != "accept" or first.outcome == "verified", name


def test_every_context_url_is_served_locally() -> None:
    contexts = shipped_contexts()
    assert "https://www.w3.org/ns/credentials/v2" in contexts and "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in contexts
    for url in contexts:
        assert VERIFIER.canon.contexts.load(url)["document"] is contexts[url] or VERIFIER.canon.contexts.load(url)["document"] == contexts[url]


# --- codecs -----------------------------------------------------------------------


@given(st.binary(max_size=64))
def test_base58_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


def test_multikey_and_did_key() -> None:
    key = conformance_keypair().public
    raw = multikey_to_ed25519(key)
    assert raw.hex() == "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
    assert did_key_ed25519(f"did:key:{key}") == raw == did_key_ed25519(f"did:key:{key}#{key}")
    for bad in (f"did:key:{key}#other", "did:key:zQ3s", "did:web:example.com"):
        with pytest.raises(ValueError):
            did_key_ed25519(bad)
    with pytest.raises(ValueError, match="not supported"):
        IssuerTrust.model_validate({"entry": "x", "ids": ["a"], "keys": [{"id": "a#k", "jwk": {"kty": "oct", "k": "c2VjcmV0"}}]})
    with pytest.raises(ValueError, match="Ed25519"):
        IssuerTrust.model_validate({"entry": "x", "ids": ["a"], "keys": [{"id": "a#k", "multikey": "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"}]})


def test_status_list_bit_order_and_bounds() -> None:
    encoded = "u" + b64url_encode(gzip.compress(bytes([0b10000001, 0, 0b00100000])))
    bits = decode_list(encoded)
    assert [i for i in range(24) if bit(bits, i)] == [0, 7, 18]
    with pytest.raises(StatusListError):
        bit(bits, 24)
    bomb = "u" + b64url_encode(gzip.compress(bytes(1 << 25)))
    with pytest.raises(StatusListError, match="larger"):
        decode_list(bomb)


def test_suspension_and_status_list_must_verify() -> None:
    keys = conformance_keypair()
    url = "https://example.edu/status/1"
    bits = bytearray(16384)
    bits[0] = 0b01000000  # index 1 suspended
    status_list = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": EDU,
        "validFrom": "2020-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "suspension",
            "encodedList": "u" + b64url_encode(gzip.compress(bytes(bits))),
        },
    }
    signed_list = sign(VERIFIER.canon, status_list, keys, f"{EDU}#{keys.public}", dt.datetime(2020, 1, 1, tzinfo=dt.UTC))

    def badge(index: int) -> dict[str, Any]:
        doc = spec_vector()
        doc["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
        doc["credentialStatus"] = {
            "id": f"{url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "suspension",
            "statusListIndex": str(index),
            "statusListCredential": url,
        }
        return sign(VERIFIER.canon, doc, keys, f"{EDU}#{keys.public}", dt.datetime(2020, 1, 1, tzinfo=dt.UTC))

    def trust(data: bytes) -> tuple[IssuerTrust, ...]:
        return tuple(t.model_copy(update={"status_lists": {url: data}}) if t.entry == "issuer:example-edu" else t for t in conformance_trust())

    good = json.dumps(signed_list).encode()
    assert VERIFIER.verify(badge(1), trust=trust(good), as_of=AS_OF)[0].reason == "suspended"
    assert VERIFIER.verify(badge(2), trust=trust(good), as_of=AS_OF)[0].outcome == "verified"
    forged = copy.deepcopy(signed_list)
    forged["credentialSubject"]["encodedList"] = "u" + b64url_encode(gzip.compress(bytes(16384)))
    result = VERIFIER.verify(badge(1), trust=trust(json.dumps(forged).encode()), as_of=AS_OF)[0]
    assert result.reason == "status_unknown" and "does not verify" in result.message


# --- mutations --------------------------------------------------------------------


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() if k != "proof" for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


BASE = spec_vector()
LEAVES = _leaves(BASE)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(LEAVES),
    st.one_of(
        st.text(max_size=12),
        st.integers(-5, 5),
        st.booleans(),
        st.sampled_from(["https://example.com/achievements/other", "2010-01-01T00:00:00Z", "Profile", "", "Teamwork"]),
    ),
)
def test_mutations_never_verify_unless_the_canonical_form_is_unchanged(path: tuple[Any, ...], value: Any) -> None:
    doc = copy.deepcopy(BASE)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    result = VERIFIER.verify(doc, trust=conformance_trust(), as_of=AS_OF)[0]
    if result.outcome == "verified":
        assert VERIFIER.canon.digest(di.unsecured(doc)) == VERIFIER.canon.digest(di.unsecured(BASE))
    else:
        assert result.reason in {"malformed", "signature", "unsupported_proof", "untrusted_issuer", "untrusted_key", "unknown_achievement", "not_yet_valid"}


def test_a_mutation_that_keeps_the_canonical_form_still_verifies() -> None:
    doc = copy.deepcopy(BASE)
    doc["type"] = list(reversed(doc["type"]))  # order of a set-valued property is not in the canonical form
    assert VERIFIER.verify(doc, trust=conformance_trust(), as_of=AS_OF)[0].outcome == "verified"


def test_status_list_problem_for_issuer_diagnostics() -> None:
    from stackrules.credentials.status import status_list_problem

    good = {"credentialSubject": {"type": "BitstringStatusList", "encodedList": "u" + b64url_encode(gzip.compress(bytes(16)))}}
    assert status_list_problem(json.dumps(good).encode()) is None
    assert status_list_problem(b"not json") is not None
    assert "BitstringStatusList" in str(status_list_problem(b'{"credentialSubject": {"type": "Other"}}'))
    assert "GZIP" in str(status_list_problem(json.dumps({"credentialSubject": {"type": "BitstringStatusList", "encodedList": "uAAAA"}}).encode()))


def test_one_verifier_shared_by_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    shared = default_verifier()
    docs = []
    for i in range(8):
        doc = spec_vector()
        if i % 2:
            doc["name"] = f"altered {i}"
        docs.append(doc)
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda d: shared.verify(d, trust=conformance_trust(), as_of=AS_OF)[0].reason, docs * 3))
    assert outcomes == [None, "signature"] * 12


def test_jwt_nbf_stands_for_a_missing_issuance_date() -> None:
    vc = {k: v for k, v in JWT_VC.items() if k != "issuanceDate"}
    header = {"alg": "RS256", "kid": f"{EDU}#rsa-1"}
    assert jwt_result(make_jwt(header, {**PAYLOAD, "vc": vc}, RSA_KEY)).outcome == "verified"
    undated = {k: v for k, v in PAYLOAD.items() if k != "nbf"}
    result = jwt_result(make_jwt(header, {**undated, "vc": vc}, RSA_KEY))
    assert result.reason == "malformed" and "validFrom" in result.message


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["id", "type", "@id", "@type", "@context", "proof", "x", "@value"]), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([*LEAVES, ("proof",), ("proof", "verificationMethod"), ("@context",), ("credentialSubject",), ("issuer",)]), JSON_VALUES)
def test_arbitrary_json_anywhere_is_a_result_never_a_traceback(path: tuple[Any, ...], value: Any) -> None:
    doc = copy.deepcopy(BASE)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    results = VERIFIER.verify(doc, trust=conformance_trust(), as_of=AS_OF)
    assert results and all(r.outcome == "verified" or r.reason for r in results)


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_arbitrary_input_is_a_result_never_a_traceback(data: bytes | str) -> None:
    result = VERIFIER.verify(data, trust=conformance_trust(), as_of=AS_OF)[0]
    assert result.outcome == "refused" and result.reason == "malformed"


def _status_setup(raw_index: Any) -> tuple[dict[str, Any], tuple[IssuerTrust, ...]]:
    keys = conformance_keypair()
    url = "https://example.edu/status/1"
    status_list = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": EDU,
        "validFrom": "2020-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "u" + b64url_encode(gzip.compress(bytes(16384))),
        },
    }
    signed_list = sign(VERIFIER.canon, status_list, keys, f"{EDU}#{keys.public}", dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    doc = spec_vector()
    doc["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    doc["credentialStatus"] = {
        "id": f"{url}#x",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": raw_index,
        "statusListCredential": url,
    }
    signed = sign(VERIFIER.canon, doc, keys, f"{EDU}#{keys.public}", dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    data = json.dumps(signed_list).encode()
    trust = tuple(t.model_copy(update={"status_lists": {url: data}}) if t.entry == "issuer:example-edu" else t for t in conformance_trust())
    return signed, trust


@pytest.mark.parametrize("raw", [float("inf"), float("-inf"), 1.5, 2.0, True, 10**20, -1, "-1", "1e3", " 7", "", None, [3]])
def test_a_status_index_that_is_not_a_non_negative_integer_is_status_unknown(raw: Any) -> None:
    signed, trust = _status_setup(raw)
    # through JSON text too, where Infinity and huge integers arrive from the parser
    for data in (signed, json.dumps(signed).encode()):
        result = VERIFIER.verify(data, trust=trust, as_of=AS_OF)[0]
        assert result.outcome == "refused", raw
        assert result.reason in {"status_unknown", "signature", "malformed"}, (raw, result.reason)


@pytest.mark.parametrize("raw", [3, "3"])
def test_a_status_index_as_integer_or_decimal_string_is_read(raw: Any) -> None:
    signed, trust = _status_setup(raw)
    assert VERIFIER.verify(signed, trust=trust, as_of=AS_OF)[0].outcome == "verified"


def test_an_unexpected_exception_while_reading_is_malformed_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    from stackrules.credentials import verify as verify_module

    def boom(self: Any, decoded: Any, facts: Any, source: str, part_of: str | None) -> Any:
        raise OverflowError("cannot convert float infinity to integer")

    monkeypatch.setattr(verify_module._Run, "check", boom)
    result = VERIFIER.verify(spec_vector(), trust=conformance_trust(), as_of=AS_OF)[0]
    assert result.outcome == "refused" and result.reason == "malformed" and "OverflowError" in result.message


def test_png_second_credential_chunk_is_refused_before_it_is_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    from stackrules.credentials import baked

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    spaces = zlib.compress(b" " * (4 << 20), 9)
    itxt = chunk(b"iTXt", b"openbadgecredential\0\1\0\0\0" + spaces)
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    png = b"\x89PNG\r\n\x1a\n" + ihdr + itxt * 40 + chunk(b"IEND", b"")
    inflated: list[int] = []
    real = baked._inflate

    def counting(data: bytes, max_bytes: int) -> bytes:
        out = real(data, max_bytes)
        inflated.append(len(out))
        return out

    monkeypatch.setattr(baked, "_inflate", counting)
    result = VERIFIER.verify(png, trust=conformance_trust(), as_of=AS_OF)[0]
    assert result.reason == "malformed" and "more than one" in result.message
    assert len(inflated) == 1
