"""VC-JWT: the compact JWS around a credential (VC Data Model 1.1 ``vc`` claim, or a bare 2.0 credential).

Only RS256, ES256 and EdDSA are accepted; ``none``, HMAC algorithms and
anything else are unsupported. The key type must match the algorithm
(:meth:`~stackrules.credentials.keys.PublicKey.verify` refuses any other
pairing), so an RSA public key can never be used as an HMAC secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .multibase import MultibaseError, b64url_decode

SUPPORTED_ALGS = ("RS256", "ES256", "EdDSA")
HEADER_KEYS = {"alg", "typ", "kid", "jwk", "cty"}


class JwtError(ValueError):
    """Text that is not a well-formed JWS compact serialisation of a credential."""


@dataclass(frozen=True)
class ParsedJwt:
    header: dict[str, Any]
    claims: dict[str, Any]
    credential: dict[str, Any]
    signing_input: bytes
    signature: bytes


def looks_like_jwt(text: str) -> bool:
    parts = text.strip().split(".")
    return len(parts) == 3 and all(p and all(c.isalnum() or c in "-_" for c in p) for p in parts[:2])


def _json_part(part: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(part))
    except (MultibaseError, ValueError, RecursionError) as e:
        raise JwtError(f"JWT {what} is not base64url JSON: {e}") from None
    if not isinstance(value, dict):
        raise JwtError(f"JWT {what} is not a JSON object")
    return value


def parse(text: str) -> ParsedJwt:
    parts = text.strip().split(".")
    if len(parts) != 3:
        raise JwtError("a JWT has three dot-separated parts")
    header = _json_part(parts[0], "header")
    claims = _json_part(parts[1], "payload")
    if "crit" in header:
        raise JwtError("JWT header has `crit` extensions, which are not understood")
    try:
        signature = b64url_decode(parts[2]) if parts[2] else b""
    except MultibaseError as e:
        raise JwtError(f"JWT signature: {e}") from None
    vc = claims.get("vc")
    if vc is None and "@context" in claims:
        vc = {k: v for k, v in claims.items() if k not in ("iss", "sub", "nbf", "exp", "iat", "jti", "aud")}
    if not isinstance(vc, dict):
        raise JwtError("JWT payload carries no `vc` credential")
    return ParsedJwt(header, claims, dict(vc), (parts[0] + "." + parts[1]).encode("ascii"), signature)
