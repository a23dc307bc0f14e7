"""Multibase, multikey and ``did:key``: turning the text of a key into its bytes.

Only what Open Badges 3.0 uses: base58btc (multibase prefix ``z``) and
base64url without padding (prefix ``u``); Ed25519 public keys as multikey
(multicodec ``0xed 0x01``); ``did:key`` identifiers whose method-specific id
is such a multikey. Every malformed input raises :class:`MultibaseError`.
"""

from __future__ import annotations

import base64
import binascii

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(B58_ALPHABET)}
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
# Longest base58 text decoded: far above any key or signature, short enough that the
# quadratic big-integer conversion stays instant on hostile input.
MAX_B58_CHARS = 512


class MultibaseError(ValueError):
    """Text that is not the multibase, multikey or did:key it claims to be."""


def b58encode(data: bytes) -> str:
    """Bitcoin base58 (the ``z`` multibase), leading zero bytes as ``1``."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(B58_ALPHABET[r])
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    if len(text) > MAX_B58_CHARS:
        raise MultibaseError(f"base58 text longer than {MAX_B58_CHARS} characters")
    n = 0
    for c in text:
        i = _B58_INDEX.get(c)
        if i is None:
            raise MultibaseError(f"`{c}` is not a base58btc character")
        n = n * 58 + i
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def b64url_decode(text: str) -> bytes:
    """base64url with or without padding; anything outside the alphabet is an error."""
    if not isinstance(text, str) or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=" for c in text):
        raise MultibaseError("not base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as e:
        raise MultibaseError(f"not base64url text: {e}") from None


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def multibase_decode(text: str) -> bytes:
    """Bytes of a multibase string: ``z`` base58btc or ``u`` base64url (no padding)."""
    if not isinstance(text, str) or not text:
        raise MultibaseError("empty multibase value")
    if text[0] == "z":
        return b58decode(text[1:])
    if text[0] == "u":
        return b64url_decode(text[1:])
    raise MultibaseError(f"multibase prefix `{text[0]}` is not supported (only `z` base58btc and `u` base64url)")


def multikey_to_ed25519(multikey: str) -> bytes:
    """The 32 raw bytes of an Ed25519 public key written as a multikey (``z6Mk...``)."""
    raw = multibase_decode(multikey)
    if not raw.startswith(ED25519_PUB_PREFIX):
        raise MultibaseError("multikey is not an Ed25519 public key (multicodec 0xed01)")
    key = raw[len(ED25519_PUB_PREFIX) :]
    if len(key) != 32:
        raise MultibaseError(f"Ed25519 public key has {len(key)} bytes, not 32")
    return key


def ed25519_to_multikey(public: bytes) -> str:
    if len(public) != 32:
        raise MultibaseError("an Ed25519 public key has 32 bytes")
    return "z" + b58encode(ED25519_PUB_PREFIX + public)


def ed25519_secret_to_multikey(secret: bytes) -> str:
    """The secret half as a multikey (multicodec ``ed25519-priv`` 0x1300)."""
    if len(secret) != 32:
        raise MultibaseError("an Ed25519 secret key has 32 bytes")
    return "z" + b58encode(ED25519_PRIV_PREFIX + secret)


def multikey_to_ed25519_secret(multikey: str) -> bytes:
    raw = multibase_decode(multikey)
    if not raw.startswith(ED25519_PRIV_PREFIX) or len(raw) != 34:
        raise MultibaseError("not an Ed25519 secret key multikey (multicodec 0x1300, 32 bytes)")
    return raw[2:]


def did_key_ed25519(did: str) -> bytes:
    """The Ed25519 key a ``did:key`` names in its identifier.

    ``did:key:z6Mk...`` and ``did:key:z6Mk...#z6Mk...`` (the fragment, when
    there is one, must repeat the identifier: the key never comes from it).
    """
    if not did.startswith("did:key:"):
        raise MultibaseError("not a did:key")
    ident, _, fragment = did.removeprefix("did:key:").partition("#")
    if fragment and fragment != ident:
        raise MultibaseError("the did:key fragment does not repeat its identifier")
    return multikey_to_ed25519(ident)


def did_key_base(did: str) -> str:
    """``did:key:X`` for ``did:key:X`` or ``did:key:X#X``."""
    return did.partition("#")[0]
