"""Shared data for the credential tests: the conformance folder, its trust list, signing helpers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from stackrules.credentials import IssuerTrust, KeyPair, keypair_from_secret
from stackrules.credentials.multibase import b64url_encode

REPO = Path(__file__).resolve().parent.parent
# The conformance set (1EdTech's reference validator's sample credentials, Apache-2.0, with its
# licence and manifest) is kept in tests/conformance/ob3 so that a clean clone tests against it;
# STACKRULES_SHARED=DIR points at another copy (DIR/conformance/ob3) instead.
CONFORMANCE = Path(__file__).resolve().parent / "conformance" / "ob3"
HERE = Path(__file__).resolve().parent / "credentials"
AS_OF = dt.date(2026, 11, 29)

TEST_KEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
TEST_SECRET = bytes.fromhex("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4")
TEAMWORK = "https://example.com/achievements/21st-century-skills/teamwork"
# The RSA key clr20/simple.jwt carries in its header: listed for example.edu, as an office would.
CLR_RSA = {
    "e": "AQAB",
    "kty": "RSA",
    "n": "jVEhoVa6SMt67HJCMjZga-kmAKA1Ea0_rNBAdrRZ0vStS6sSKBetwEG1K73u3bCZOQUiSZ1Ie8CXlaYc9wFRhFQnzVvLpBGJlSQnLL072ZG2-nK1Yvmx8u35_Ih70XKd32YQAT6KjIvn_Qq3eSA8qhEorQLx7DwUTd5-efLKIEfGbRBznp9EHLmscV9AM5d-Iaf-kY7nipdP0IAhRWjclUdh82VyOlfAEngpqeMfgTNF8-xUPXlCKvSeEvwQFb4HqOv2yQPJaADpVCxDd2CAcROEPzAHYRy6FP04iLjxHLbitqaNgWrp_yi2svlqAn1U1ejn_lKSg-grGp1IXcGY6w",
}


def conformance_dir() -> Path | None:
    import os

    override = os.environ.get("STACKRULES_SHARED")
    path = Path(override) / "conformance" / "ob3" if override else CONFORMANCE
    return path if (path / "manifest.json").is_file() else None


def conformance_keypair() -> KeyPair:
    return keypair_from_secret(TEST_SECRET)


def _key(issuer: str, multikey: str) -> dict[str, str]:
    return {"id": f"{issuer}#{multikey}", "multikey": multikey}


def conformance_trust(status_lists: dict[str, bytes] | None = None) -> tuple[IssuerTrust, ...]:
    """The trust list an office would write for the conformance issuers.

    Each key is listed under the exact verification-method URL the files use;
    several files name keys other than the shared test key in that URL, and the
    office lists those keys too (the verifier never reads a key out of the URL).
    """
    com, edu, ims, state = (
        "https://example.com/issuers/876543",
        "https://example.edu/issuers/565049",
        "https://1edtech.edu/issuers/565049",
        "https://state.gov/issuers/565049",
    )
    return (
        IssuerTrust.model_validate(
            {
                "entry": "issuer:example-com",
                "ids": [com],
                "keys": [
                    _key(com, TEST_KEY),
                    _key(com, "z6MkvREVgsHx7Ppae68vCoByy73ZD4aMSJiPML2cryVL8JAx"),
                    _key(com, "z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x"),
                ],
                "achievements": {TEAMWORK: "ex:TEAM", "did:1edtech:achievement:1": "ex:ONE"},
            }
        ),
        IssuerTrust.model_validate(
            {
                "entry": "issuer:example-edu",
                "ids": [edu],
                "keys": [_key(edu, TEST_KEY), {"id": f"{edu}#rsa-1", "jwk": CLR_RSA}],
                "achievements": {TEAMWORK: "ex:TEAM", "urn:uuid:a7467ef6-56cb-11ec-bf63-0242ac130002": "ex:A1"},
            }
        ),
        IssuerTrust.model_validate(
            {
                "entry": "issuer:1edtech",
                "ids": [ims],
                "keys": [_key(ims, TEST_KEY), _key(ims, "z6Mknyb2Gb4NxzW3xSr9ChTtdQZ1zs77piQ3r9SaJ9vMzmrs")],
                "status_lists": status_lists or {},
                "achievements": {TEAMWORK: "ex:TEAM"},
            }
        ),
        IssuerTrust.model_validate({"entry": "issuer:state", "ids": [state], "keys": [_key(state, "z6MkoMGF38Ck9xkdqrbZt4h9eHb1qc3GhAAkoSWa4Vy3SHRN")]}),
        IssuerTrust.model_validate(
            {
                "entry": "issuer:did-key",
                "ids": ["urn:uuid:6f2e33e5-7a29-4155-840a-59483ba10164"],
                "keys": [{"id": f"did:key:{TEST_KEY}"}],
                "achievements": {"urn:uuid:35258e6f-4c05-4215-8ada-38a5a5b80510": "ex:DK"},
            }
        ),
    )


def manifest_trust(root: Path) -> tuple[IssuerTrust, ...]:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    lists = {url: (root / path).read_bytes() for url, path in manifest["status_lists"].items()}
    return conformance_trust(lists)


def load(root: Path, name: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((root / "credentials" / name).read_text(encoding="utf-8"))
    return value


# --- JWTs made by the tests --------------------------------------------------


def make_jwt(header: dict[str, Any], payload: dict[str, Any], signer: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | None) -> str:
    head = b64url_encode(json.dumps(header).encode())
    body = b64url_encode(json.dumps(payload).encode())
    message = f"{head}.{body}".encode()
    if signer is None:
        sig = b""
    elif isinstance(signer, rsa.RSAPrivateKey):
        sig = signer.sign(message, padding.PKCS1v15(), hashes.SHA256())
    else:
        sig = signer.sign(message)
    return f"{head}.{body}.{b64url_encode(sig)}"


def rsa_jwk(key: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "RSA",
        "e": b64url_encode(numbers.e.to_bytes(3, "big")),
        "n": b64url_encode(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
    }


def rsa_public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
