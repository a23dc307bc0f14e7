"""Bitstring Status List (W3C): is bit N of a local status list set?

``encodedList`` is multibase base64url (prefix ``u``; a bare base64url string
is accepted too, as older lists write it) of the GZIP-compressed bitstring.
Bit 0 is the most significant bit of the first byte (the spec's left-to-right
order). Decompression is bounded, so a hostile list cannot exhaust memory.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from .multibase import MultibaseError, b64url_decode, multibase_decode

MAX_LIST_BYTES = 1 << 24  # 128 Mibit, far above the spec's 16 KiB minimum


class StatusListError(ValueError):
    """A status list that does not decode."""


def decode_list(encoded: str) -> bytes:
    """The bitstring of an ``encodedList`` value."""
    if not isinstance(encoded, str) or not encoded:
        raise StatusListError("encodedList is not a string")
    try:
        packed = multibase_decode(encoded) if encoded[0] == "u" else b64url_decode(encoded)
    except MultibaseError as e:
        raise StatusListError(f"encodedList: {e}") from None
    d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(packed, MAX_LIST_BYTES)
    except zlib.error as e:
        raise StatusListError(f"encodedList is not GZIP data: {e}") from None
    if d.unconsumed_tail:
        raise StatusListError(f"status list larger than {MAX_LIST_BYTES} bytes")
    if not d.eof:
        raise StatusListError("encodedList is truncated GZIP data")
    return out


def bit(bits: bytes, index: int) -> bool:
    """Bit ``index`` (0 = most significant bit of the first byte)."""
    if index < 0 or index >= len(bits) * 8:
        raise StatusListError(f"status index {index} is outside the list ({len(bits) * 8} entries)")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def list_subject(credential: dict[str, Any]) -> dict[str, Any]:
    """The ``BitstringStatusList`` subject of a status-list credential."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, dict):
        raise StatusListError("status-list credential has no credentialSubject object")
    types = subject.get("type")
    types = types if isinstance(types, list) else [types]
    if "BitstringStatusList" not in types and "StatusList2021" not in types:
        raise StatusListError("credentialSubject is not a BitstringStatusList")
    return subject


def status_list_problem(data: bytes) -> str | None:
    """Why ``data`` is not a usable status-list credential, or None (for an ``issuer`` document's diagnostics).

    Only its form is judged here (JSON, a BitstringStatusList subject, an
    encodedList that inflates); its signature is checked when it is used.
    """
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as e:
        return f"not JSON: {e}"
    if not isinstance(value, dict):
        return "not a JSON object"
    try:
        decode_list(list_subject(value).get("encodedList"))  # type: ignore[arg-type]
    except StatusListError as e:
        return str(e)
    return None
