"""Credentials baked into images: PNG (iTXt ``openbadgecredential``) and SVG (``openbadges:credential``).

Only the credential is read; image data is never decoded. Both readers are
bounded: a compressed iTXt chunk is inflated at most to ``max_bytes``, and the
SVG is parsed by defusedxml with entity declarations and external references
forbidden, so entity and billion-laughs bombs are refused before expansion.
"""

from __future__ import annotations

import struct
import zlib
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB3_NS = "https://purl.imsglobal.org/ob/v3p0"
MAX_CHUNKS = 10_000


class BakedError(ValueError):
    """An image that does not carry a readable credential."""


def is_png(data: bytes) -> bool:
    return data.startswith(PNG_SIGNATURE)


def is_svg(data: bytes) -> bool:
    head = data[:4096].lstrip()
    return head.startswith(b"<") and b"<svg" in data[:65536]


def _inflate(data: bytes, max_bytes: int) -> bytes:
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, max_bytes)
    except zlib.error as e:
        raise BakedError(f"compressed iTXt chunk does not inflate: {e}") from None
    if d.unconsumed_tail:
        raise BakedError(f"compressed credential larger than {max_bytes} bytes (a decompression bomb?)")
    return out


def from_png(data: bytes, max_bytes: int) -> str:
    """The credential text in a PNG's ``openbadgecredential`` iTXt chunk."""
    if not is_png(data):
        raise BakedError("not a PNG file")
    pos, chunks = len(PNG_SIGNATURE), 0
    found: list[bytes] = []
    while pos + 8 <= len(data):
        chunks += 1
        if chunks > MAX_CHUNKS:
            raise BakedError(f"more than {MAX_CHUNKS} PNG chunks")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        crc = data[pos + 8 + length : pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise BakedError("truncated PNG chunk")
        if ctype == b"iTXt":
            if struct.unpack(">I", crc)[0] != zlib.crc32(ctype + body):
                raise BakedError("iTXt chunk fails its CRC")
            keyword, sep, rest = body.partition(b"\0")
            if sep and keyword == PNG_KEYWORD:
                # refused at the second chunk, before inflating it: only one chunk is ever inflated,
                # so the inflated bytes per file are bounded by ``max_bytes``
                if found:
                    raise BakedError("the PNG has more than one `openbadgecredential` chunk")
                if len(rest) < 2:
                    raise BakedError("truncated iTXt chunk")
                compressed, method, rest = rest[0], rest[1], rest[2:]
                _lang, _, rest = rest.partition(b"\0")
                _translated, _, text = rest.partition(b"\0")
                if compressed:
                    if method != 0:
                        raise BakedError("iTXt compression method is not zlib")
                    text = _inflate(text, max_bytes)
                if len(text) > max_bytes:
                    raise BakedError(f"baked credential larger than {max_bytes} bytes")
                found.append(text)
        if ctype == b"IEND":
            break
        pos += 12 + length
    if not found:
        raise BakedError("the PNG has no `openbadgecredential` iTXt chunk")
    try:
        return found[0].decode("utf-8")
    except UnicodeDecodeError:
        raise BakedError("the baked credential is not UTF-8 text") from None


def from_svg(data: bytes, max_bytes: int) -> str:
    """The credential text in an SVG's ``<openbadges:credential>`` element (or its ``verify`` attribute)."""
    if len(data) > max_bytes * 4:
        raise BakedError(f"SVG larger than {max_bytes * 4} bytes")
    try:
        root: Element = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as e:
        raise BakedError(f"the SVG declares entities or external references, refused: {type(e).__name__}") from None
    except (ParseError, ValueError) as e:
        raise BakedError(f"not well-formed XML: {e}") from None
    elements = list(root.iter(f"{{{OB3_NS}}}credential"))
    if not elements:
        raise BakedError("the SVG has no `openbadges:credential` element")
    if len(elements) > 1:
        raise BakedError("the SVG has more than one `openbadges:credential` element")
    el = elements[0]
    text = (el.text or "").strip() or (el.get("verify") or "").strip()
    if not text:
        raise BakedError("the `openbadges:credential` element is empty")
    if len(text.encode("utf-8")) > max_bytes:
        raise BakedError(f"baked credential larger than {max_bytes} bytes")
    return text
