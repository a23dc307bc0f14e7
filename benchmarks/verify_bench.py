"""Credentials verified per second, offline, on one core.

    python benchmarks/verify_bench.py            # 200 credentials of each kind
    python benchmarks/verify_bench.py --quick    # 40 of each

Three kinds, all signed here with a key made for the run: Open Badges 3.0
JSON-LD with an eddsa-rdfc-2022 proof, VC-JWT (RS256), and CLR 2.0 credentials
each holding 10 signed achievement credentials (11 proofs, 11 results). Each is
timed cold (a fresh verifier, every credential distinct, so nothing is
memoised) and again with the canonicalisation memo warm (the same credentials
re-verified by the same verifier, as when a learner's badges are audited
again). Times are this process's CPU time (one core), so other load on the
machine does not distort them. Target (issue 14): at least 100 eddsa-rdfc-2022 credentials per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from stackrules.credentials import IssuerTrust, Verifier, generate_keypair, sign
from stackrules.credentials.multibase import b64url_encode
from stackrules.source.badges import default_verifier

ISSUER = "https://bench.example/issuers/1"
METHOD = f"{ISSUER}#key-1"
AS_OF = dt.date(2026, 11, 29)
CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def badge(i: int) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Bench University"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": f"Badge {i}",
        "credentialSubject": {
            "id": f"did:example:learner-{i}",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://bench.example/achievements/{i % 20}",
                "type": ["Achievement"],
                "name": f"Achievement {i % 20}",
                "description": "A benchmark achievement.",
                "criteria": {"narrative": "Passed the assessment."},
            },
        },
    }


def jwt(i: int, key: rsa.RSAPrivateKey) -> str:
    vc = badge(i)
    vc["@context"] = ["https://www.w3.org/2018/credentials/v1", CONTEXT[1]]
    vc["issuanceDate"] = vc.pop("validFrom")
    head = b64url_encode(json.dumps({"alg": "RS256", "kid": f"{ISSUER}#rsa-1"}).encode())
    body = b64url_encode(json.dumps({"vc": vc, "iss": ISSUER, "jti": vc["id"], "nbf": 1704067200}).encode())
    sig = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url_encode(sig)}"


def clr(i: int, nested: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json", CONTEXT[1]],
        "id": f"urn:uuid:10000000-0000-4000-8000-{i:012d}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Bench University"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": f"Transcript {i}",
        "credentialSubject": {"id": f"did:example:learner-{i}", "type": ["ClrSubject"], "verifiableCredential": nested},
    }


def rate(verifier_for_run: Callable[[], Verifier], items: list[Any], trust: tuple[IssuerTrust, ...]) -> tuple[float, float, int]:
    """(cold credentials/s, memoised credentials/s, results per item)."""
    verifier = verifier_for_run()
    per_item = 0
    start = time.process_time()
    for item in items:
        results = verifier.verify(item, trust=trust, as_of=AS_OF)
        assert all(r.outcome == "verified" for r in results), [r.message for r in results]
        per_item = len(results)
    cold = time.process_time() - start
    start = time.process_time()
    for item in items:
        verifier.verify(item, trust=trust, as_of=AS_OF)
    warm = time.process_time() - start
    return len(items) / cold, len(items) / warm, per_item


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-n", type=int, default=None, help="credentials of each kind (default 200, --quick 40)")
    args = parser.parse_args()
    n = args.n or (40 if args.quick else 200)

    keys = generate_keypair()
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    nums = rsa_key.public_key().public_numbers()
    rsa_jwk = {"kty": "RSA", "e": b64url_encode(nums.e.to_bytes(3, "big")), "n": b64url_encode(nums.n.to_bytes(256, "big"))}
    trust = (
        IssuerTrust.model_validate(
            {
                "entry": "issuer:bench",
                "ids": [ISSUER],
                "keys": [{"id": METHOD, "multikey": keys.public}, {"id": f"{ISSUER}#rsa-1", "jwk": rsa_jwk}],
                "achievements": {f"https://bench.example/achievements/{a}": f"bench:A{a}" for a in range(20)},
            }
        ),
    )
    signer = default_verifier()
    created = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    badges = [sign(signer.canon, badge(i), keys, METHOD, created) for i in range(n)]
    jwts = [jwt(i, rsa_key) for i in range(n)]
    n_clr = max(4, n // 10)
    clrs = [
        sign(signer.canon, clr(i, [sign(signer.canon, badge(100_000 + i * 10 + k), keys, METHOD, created) for k in range(10)]), keys, METHOD, created)
        for i in range(n_clr)
    ]

    print(f"verify_bench: one core, offline; {n} badges, {n} JWTs, {n_clr} CLRs of 10")
    print(f"{'kind':38} {'cold /s':>10} {'memoised /s':>12}")
    for label, items in (("OB 3.0 JSON-LD eddsa-rdfc-2022", badges), ("VC-JWT RS256", jwts), ("CLR 2.0, 10 nested (per CLR)", clrs)):
        cold, warm, per = rate(default_verifier, items, trust)
        print(f"{label:38} {cold:10.1f} {warm:12.1f}" + (f"   ({per} proofs each: {cold * per:.0f} / {warm * per:.0f} credentials/s)" if per > 1 else ""))


if __name__ == "__main__":
    main()
