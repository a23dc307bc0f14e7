"""Sign the example badges in examples/learners/badges/eva/ (run once; the output is committed).

EXAMPLE ONLY: the key in examples/keys/eux-badges.EXAMPLE-ONLY.key.json is
public, so anyone can sign with it. It exists so the shipped example rule base
(rules/euro-university/issuer-badges.yaml) can show verified and refused badges;
never list it in a real rule base.

    python examples/learners/badges/make_badges.py

Signing is deterministic (Ed25519, fixed dates), so running it again writes the
same bytes. The four badges, for Eva (did:example:eva):

- ds-mc1.json  Data Foundations, JSON-LD with an eddsa-rdfc-2022 proof (verifies)
- ds-mc2.png   Statistical Learning, the same kind baked into a PNG (verifies)
- ds-mc3.jwt   Data Engineering, a VC-JWT (EdDSA) that expired on 2026-06-30
- ds-mc4.svg   Responsible Data, baked into an SVG, its grade changed from B to A after signing
"""

from __future__ import annotations

import datetime as dt
import json
import struct
import zlib
from pathlib import Path
from typing import Any

from stackrules.credentials import sign
from stackrules.credentials.multibase import b64url_encode
from stackrules.source.badges import default_verifier, read_signing_key

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
KEY = read_signing_key(ROOT / "examples" / "keys" / "eux-badges.EXAMPLE-ONLY.key.json")
SUBJECT = "did:example:eva"
TITLES = {1: "Data Foundations", 2: "Statistical Learning", 3: "Data Engineering", 4: "Responsible Data"}


def badge(n: int, awarded: str, grade: str, until: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": f"https://eux.example/badges/eva/ds-mc{n}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": KEY.issuer, "type": ["Profile"], "name": "Universitas Exemplaris (example)"},
        "validFrom": f"{awarded}T12:00:00Z",
        "awardedDate": f"{awarded}T12:00:00Z",
        "name": f"Data Science micro-credential {n}: {TITLES[n]}",
        "credentialSubject": {
            "id": SUBJECT,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://eux.example/achievements/ds-mc{n}",
                "type": ["Achievement"],
                "name": TITLES[n],
                "description": f"ECTS micro-credential {n} of the data science series (7.5 ECTS, EQF 7).",
                "criteria": {"narrative": "Passed the assessed project and the examination."},
            },
            "result": [{"type": ["Result"], "value": grade}],
        },
    }
    if until is not None:
        doc["validUntil"] = f"{until}T23:59:59Z"
    return doc


def signed(doc: dict[str, Any]) -> dict[str, Any]:
    created = dt.datetime.fromisoformat(doc["validFrom"].replace("Z", "+00:00"))
    return sign(default_verifier().canon, doc, KEY.keys, KEY.key_id, created)


def jwt(doc: dict[str, Any]) -> str:
    header = {"alg": "EdDSA", "typ": "JWT", "kid": KEY.key_id}
    start = dt.datetime.fromisoformat(doc["validFrom"].replace("Z", "+00:00"))
    end = dt.datetime.fromisoformat(doc["validUntil"].replace("Z", "+00:00"))
    claims = {"iss": KEY.issuer, "sub": SUBJECT, "jti": doc["id"], "nbf": int(start.timestamp()), "exp": int(end.timestamp()), "vc": doc}
    head = b64url_encode(json.dumps(header, separators=(",", ":")).encode()) + "." + b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    return head + "." + b64url_encode(KEY.keys.signer().sign(head.encode("ascii")))


def png(text: str) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\x1f\x4e\x79")  # one dark-blue pixel
    itxt = b"openbadgecredential\x00\x00\x00\x00\x00" + text.encode("utf-8")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"iTXt", itxt) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def svg(text: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" width="64" height="64">\n'
        f"  <openbadges:credential><![CDATA[{text}]]></openbadges:credential>\n"
        '  <circle cx="32" cy="32" r="30" fill="#1f4e79"/>\n'
        "</svg>\n"
    )


def main() -> None:
    out = HERE / "eva"
    out.mkdir(exist_ok=True)
    (out / "ds-mc1.json").write_text(json.dumps(signed(badge(1, "2025-06-30", "B")), indent=2) + "\n", encoding="utf-8")
    (out / "ds-mc2.png").write_bytes(png(json.dumps(signed(badge(2, "2025-06-30", "A")))))
    (out / "ds-mc3.jwt").write_text(jwt(badge(3, "2026-01-31", "C", until="2026-06-30")) + "\n", encoding="utf-8")
    tampered = signed(badge(4, "2026-06-30", "B"))
    tampered["credentialSubject"]["result"][0]["value"] = "A"
    (out / "ds-mc4.svg").write_text(svg(json.dumps(tampered, indent=2)), encoding="utf-8")


if __name__ == "__main__":
    main()
