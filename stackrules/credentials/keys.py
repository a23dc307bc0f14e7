"""Public keys from the trust list (multikey or JWK), and Ed25519 key pairs for signing.

A key is only ever built from what the trust list says (or from a ``did:key``
it names); nothing in a credential turns into a key by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .multibase import (
    MultibaseError,
    b64url_decode,
    b64url_encode,
    ed25519_secret_to_multikey,
    ed25519_to_multikey,
    multikey_to_ed25519,
    multikey_to_ed25519_secret,
)

KeyType = Literal["Ed25519", "RSA", "P-256"]
# The JWS algorithm each key type may verify: one each, so no algorithm confusion.
ALG_FOR_TYPE: dict[str, str] = {"Ed25519": "EdDSA", "RSA": "RS256", "P-256": "ES256"}
MIN_RSA_BITS = 2048


class KeyProblem(ValueError):
    """Key text (multikey or JWK) that is not a usable public key."""


@dataclass(frozen=True)
class PublicKey:
    """A verified-usable public key and the one signature scheme it is used with."""

    type: KeyType
    key: ed25519.Ed25519PublicKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey
    jwk: tuple[tuple[str, str], ...] = ()

    def verify(self, alg: str, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` is this key's signature of ``message`` under JWS ``alg``.

        ``alg`` must be this key's own algorithm (EdDSA for Ed25519, RS256 for RSA,
        ES256 for P-256); any other pairing is refused, never reinterpreted.
        """
        if ALG_FOR_TYPE[self.type] != alg:
            return False
        try:
            if isinstance(self.key, ed25519.Ed25519PublicKey):
                self.key.verify(signature, message)
            elif isinstance(self.key, rsa.RSAPublicKey):
                self.key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
            else:
                if len(signature) != 64:
                    return False
                der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
                self.key.verify(der, message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


def from_multikey(multikey: str) -> PublicKey:
    try:
        raw = multikey_to_ed25519(multikey)
    except MultibaseError as e:
        raise KeyProblem(str(e)) from None
    return PublicKey("Ed25519", ed25519.Ed25519PublicKey.from_public_bytes(raw), (("crv", "Ed25519"), ("kty", "OKP"), ("x", b64url_encode(raw))))


def _b64_int(jwk: dict[str, object], name: str) -> int:
    v = jwk.get(name)
    if not isinstance(v, str):
        raise KeyProblem(f"JWK has no `{name}`")
    try:
        return int.from_bytes(b64url_decode(v), "big")
    except MultibaseError as e:
        raise KeyProblem(f"JWK `{name}`: {e}") from None


def from_jwk(jwk: dict[str, object]) -> PublicKey:
    """A public key from a JWK (RSA, EC P-256, OKP Ed25519); private members are refused."""
    if not isinstance(jwk, dict):
        raise KeyProblem("a JWK is a JSON object")
    if "d" in jwk or "p" in jwk:
        raise KeyProblem("the JWK holds a private key: list only the public half")
    kty = jwk.get("kty")
    public: tuple[tuple[str, str], ...]
    if kty == "RSA":
        n, e = _b64_int(jwk, "n"), _b64_int(jwk, "e")
        if n.bit_length() < MIN_RSA_BITS:
            raise KeyProblem(f"RSA key of {n.bit_length()} bits (at least {MIN_RSA_BITS})")
        try:
            key: ed25519.Ed25519PublicKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey = rsa.RSAPublicNumbers(e, n).public_key()
        except ValueError as err:
            raise KeyProblem(f"not an RSA public key: {err}") from None
        public = (("e", str(jwk["e"])), ("kty", "RSA"), ("n", str(jwk["n"])))
        return PublicKey("RSA", key, public)
    if kty == "EC":
        if jwk.get("crv") != "P-256":
            raise KeyProblem("only EC keys on curve P-256 are supported")
        try:
            key = ec.EllipticCurvePublicNumbers(_b64_int(jwk, "x"), _b64_int(jwk, "y"), ec.SECP256R1()).public_key()
        except ValueError as err:
            raise KeyProblem(f"not a P-256 public key: {err}") from None
        public = (("crv", "P-256"), ("kty", "EC"), ("x", str(jwk["x"])), ("y", str(jwk["y"])))
        return PublicKey("P-256", key, public)
    if kty == "OKP":
        if jwk.get("crv") != "Ed25519":
            raise KeyProblem("only OKP keys on curve Ed25519 are supported")
        x = jwk.get("x")
        try:
            raw = b64url_decode(x) if isinstance(x, str) else b""
        except MultibaseError as err:
            raise KeyProblem(f"JWK `x`: {err}") from None
        if len(raw) != 32:
            raise KeyProblem("an Ed25519 JWK has a 32-byte `x`")
        return PublicKey("Ed25519", ed25519.Ed25519PublicKey.from_public_bytes(raw), (("crv", "Ed25519"), ("kty", "OKP"), ("x", str(x))))
    raise KeyProblem(f"JWK key type `{kty}` is not supported (RSA, EC P-256, OKP Ed25519)")


@dataclass(frozen=True)
class KeyPair:
    """An Ed25519 key pair as multikeys: ``public`` goes in an ``issuer`` document, ``secret`` stays with the signer."""

    public: str
    secret: str

    def signer(self) -> ed25519.Ed25519PrivateKey:
        return ed25519.Ed25519PrivateKey.from_private_bytes(multikey_to_ed25519_secret(self.secret))


def generate_keypair() -> KeyPair:
    """A fresh Ed25519 key pair (randomness from the operating system)."""
    private = ed25519.Ed25519PrivateKey.generate()
    return keypair_from_secret(private.private_bytes_raw())


def keypair_from_secret(secret: bytes) -> KeyPair:
    private = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
    return KeyPair(ed25519_to_multikey(private.public_key().public_bytes_raw()), ed25519_secret_to_multikey(secret))
