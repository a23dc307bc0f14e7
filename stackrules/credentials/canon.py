"""JSON-LD to canonical N-Quads (RDFC-1.0), offline, in safe mode, within bounds.

- Contexts come only from the :class:`ContextStore` the caller hands in (the
  copies shipped with the package); any other URL fails, so nothing is ever
  fetched.
- Safe mode: a property the contexts do not define, or a type or id that is
  not an absolute IRI, would be dropped by canonicalisation and so escape the
  signature; it makes the document unsafe instead (:class:`UnsafeDocument`).
- Bounds: input size, JSON node count, quads, blank nodes, and the work of the
  N-degree hashing (the part of RDFC-1.0 that hostile blank-node graphs make
  explode). The work bound counts hashing steps rather than reading a clock,
  so a refusal is deterministic and the module stays pure.
- A caller's ``stop`` (its own clock: the time limit of a decision) is asked
  at every step of expansion, RDF conversion and hashing; once it says True
  the work ends with :class:`Interrupted`, which is not a property of the
  document and is never memoised.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver


class CanonError(ValueError):
    """The document cannot be canonicalised safely (the credential is malformed)."""


class UnknownContext(CanonError):
    """A context URL that is not one of the shipped copies."""


class UnsafeDocument(CanonError):
    """Canonicalisation would drop part of the document (JSON-LD safe mode)."""


class TooLarge(CanonError):
    """The document exceeds a canonicalisation bound."""


class Interrupted(Exception):
    """The caller's ``stop`` said the time is up before the canonical form was found (nothing is memoised)."""


Stop = Callable[[], bool]


def _never() -> bool:
    return False


class _StoppableProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """PyLD's processor, asking ``stop`` at every step of expansion and of RDF conversion."""

    def __init__(self, on_property_dropped: Callable[[str | None], None], stop: Stop) -> None:
        super().__init__(on_property_dropped=on_property_dropped)
        self._stop = stop

    def _expand(self, *args: Any, **kwargs: Any) -> Any:
        if self._stop():
            raise Interrupted
        return super()._expand(*args, **kwargs)

    def _object_to_rdf(self, *args: Any, **kwargs: Any) -> Any:
        if self._stop():
            raise Interrupted
        return super()._object_to_rdf(*args, **kwargs)


@dataclass(frozen=True)
class Limits:
    """Bounds on what is canonicalised; past any of them the document is refused."""

    max_bytes: int = 1 << 20
    max_json_nodes: int = 20_000
    max_depth: int = 64
    max_quads: int = 10_000
    max_blank_nodes: int = 1_000
    # N-degree hashing: calls of Hash N-Degree Quads, and the largest group of
    # blank nodes whose first-degree hashes tie (its permutations are tried).
    max_ndegree_calls: int = 2_000
    max_tied_group: int = 6
    # RDF conversion compares each value of a property of one node with the values before it (PyLD's node map):
    # the squares of those counts, summed over properties and nodes (about 1,000 values of one property in all)
    max_value_pairs: int = 1_000_000


@dataclass(frozen=True)
class ContextStore:
    """JSON-LD contexts by URL: the only documents the loader serves."""

    documents: Mapping[str, Any]

    def load(self, url: str, options: Any = None) -> dict[str, Any]:
        doc = self.documents.get(url)
        if doc is None:
            raise UnknownContext(f"context `{url}` is not one of the shipped contexts")
        return {"contextUrl": None, "documentUrl": url, "document": doc, "tag": "static"}

    def knows(self, url: str) -> bool:
        return url in self.documents


def count_json(value: Any, limits: Limits) -> int:
    """Nodes in a parsed JSON value; raises :class:`TooLarge` past the node or depth bound."""
    count = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        count += 1
        if count > limits.max_json_nodes:
            raise TooLarge(f"more than {limits.max_json_nodes} JSON values")
        if depth > limits.max_depth:
            raise TooLarge(f"nested deeper than {limits.max_depth}")
        if isinstance(v, dict):
            stack.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)
    return count


def count_value_pairs(value: Any, limits: Limits) -> int:
    """The value comparisons RDF conversion makes (the values of one property of one node, squared, summed).

    Objects with one ``id`` are one node, so their values of a property add
    up; raises :class:`TooLarge` past ``limits.max_value_pairs``.
    """
    seen: dict[tuple[str, str], int] = {}
    total = 0
    stack: list[Any] = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(v)
            continue
        if not isinstance(v, dict):
            continue
        node = v.get("id", v.get("@id"))
        for key, item in v.items():
            if key == "@context":
                continue
            n = len(item) if isinstance(item, list) else 1
            if isinstance(node, str):
                before = seen.get((node, key), 0)
                seen[(node, key)] = before + n
                total += (before + n) ** 2 - before**2
            else:
                total += n * n
            if total > limits.max_value_pairs:
                many = seen.get((node, key), n) if isinstance(node, str) else n
                raise TooLarge(
                    f"{many} values of `{key}` on one node: RDF conversion compares each with the others, "
                    f"and the document needs more than {limits.max_value_pairs} such comparisons"
                )
            stack.append(item)
    return total


class _BoundedURDNA2015(URDNA2015):  # type: ignore[misc]
    """PyLD's RDFC-1.0 with a bound on the N-degree work."""

    def __init__(self, limits: Limits, stop: Stop = _never) -> None:
        super().__init__()
        self._limits = limits
        self._calls = 0
        self._stop = stop

    def hash_first_degree_quads(self, id_: Any) -> Any:
        if self._stop():
            raise Interrupted
        return super().hash_first_degree_quads(id_)

    def main(self, dataset: Any, options: Any) -> Any:
        quads = sum(len(v) for v in dataset.values())
        if quads > self._limits.max_quads:
            raise TooLarge(f"{quads} quads (at most {self._limits.max_quads})")
        blanks = set()
        for triples in dataset.values():
            for t in triples:
                for part in ("subject", "object"):
                    if t[part]["type"] == "blank node":
                        blanks.add(t[part]["value"])
        if len(blanks) > self._limits.max_blank_nodes:
            raise TooLarge(f"{len(blanks)} blank nodes (at most {self._limits.max_blank_nodes})")
        return super().main(dataset, options)

    def hash_n_degree_quads(self, id_: Any, issuer: Any) -> Any:
        if self._stop():
            raise Interrupted
        self._calls += 1
        if self._calls > self._limits.max_ndegree_calls:
            raise TooLarge(f"blank-node graph needs more than {self._limits.max_ndegree_calls} N-degree hashing steps")
        return super().hash_n_degree_quads(id_, issuer)

    def create_hash_to_related(self, id_: Any, issuer: Any) -> Any:
        related = super().create_hash_to_related(id_, issuer)
        for nodes in related.values():
            if len(nodes) > self._limits.max_tied_group:
                raise TooLarge(f"{len(nodes)} indistinguishable blank nodes (at most {self._limits.max_tied_group})")
        return related


def is_absolute_iri(value: str) -> bool:
    """An absolute IRI (scheme ``:`` rest, no white space or control character), never a blank node."""
    if value.startswith("_:") or any(c.isspace() or ord(c) < 0x20 for c in value):
        return False
    scheme, sep, rest = value.partition(":")
    return bool(sep) and bool(rest) and scheme[:1].isalpha() and all(c.isascii() and (c.isalnum() or c in "+-.") for c in scheme)


def _is_absolute_iri(value: str) -> bool:
    if value.startswith("_:"):
        return True
    scheme, sep, _ = value.partition(":")
    return bool(sep) and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)


def _check_expanded(value: Any) -> None:
    """Every @type and @id in an expanded document is an absolute IRI or a blank node."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            is_value = "@value" in v
            for k, x in v.items():
                if k == "@id" and isinstance(x, str) and not _is_absolute_iri(x):
                    raise UnsafeDocument(f"`{x}` is not an absolute IRI (JSON-LD safe mode)")
                if k == "@type" and not is_value:
                    for t in x if isinstance(x, list) else [x]:
                        if isinstance(t, str) and not _is_absolute_iri(t):
                            raise UnsafeDocument(f"type `{t}` is not defined by the credential's contexts")
                if k != "@value":
                    stack.append(x)


@dataclass(frozen=True)
class Canonicaliser:
    """Canonical N-Quads of JSON-LD documents, memoised by content digest.

    The memo maps the SHA-256 of a document's canonical JSON text to the
    SHA-256 of its canonical N-Quads (or to the reason it was refused); the
    PyLD resolved-context cache is this object's own, never PyLD's global one.
    A lock guards both, so one canonicaliser can be shared by threads (PyLD is
    pure Python: the lock costs no parallelism the interpreter would give).
    """

    contexts: ContextStore
    limits: Limits = Limits()
    memo_size: int = 4096
    _memo: dict[str, bytes | tuple[type[CanonError], str]] = field(default_factory=dict, repr=False, compare=False)
    _resolved: LRUCache[Any, Any] = field(default_factory=lambda: LRUCache(maxsize=256), repr=False, compare=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def nquads(self, document: Mapping[str, Any], stop: Stop = _never) -> str:
        """Canonical N-Quads of ``document`` (raises :class:`CanonError`, or :class:`Interrupted` once ``stop`` says so)."""
        count_json(document, self.limits)
        count_value_pairs(document, self.limits)
        dropped: list[str] = []

        def on_drop(prop: str | None) -> None:
            dropped.append(str(prop))

        options: dict[str, Any] = {
            "documentLoader": self.contexts.load,
            "contextResolver": ContextResolver(self._resolved, self.contexts.load),
            "base": None,
        }
        processor = _StoppableProcessor(on_drop, stop)
        with self._lock:
            return self._nquads(processor, document, options, dropped, stop)

    def _nquads(self, processor: Any, document: Mapping[str, Any], options: dict[str, Any], dropped: list[str], stop: Stop) -> str:
        try:
            expanded = processor.expand(dict(document), options)
            if dropped:
                raise UnsafeDocument(f"property `{dropped[0]}` is not defined by the credential's contexts")
            _check_expanded(expanded)
            dataset = processor.to_rdf(expanded, {**options, "produceGeneralizedRdf": False})
            out = _BoundedURDNA2015(self.limits, stop).main(dataset, {"format": "application/n-quads"})
        except (CanonError, Interrupted):
            raise
        except jsonld.JsonLdError as e:
            if _interrupted(e):
                raise Interrupted from None
            raise CanonError(_jsonld_cause(e)) from None
        except Exception as e:  # PyLD on hostile input: any failure is a refusal, never a traceback
            raise CanonError(f"not valid JSON-LD: {type(e).__name__}: {e}") from None
        return str(out)

    def digest(self, document: Mapping[str, Any], stop: Stop = _never) -> bytes:
        """SHA-256 of the canonical N-Quads of ``document``, from the memo when seen before (``stop``: see :meth:`nquads`)."""
        try:
            key_text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as e:
            raise CanonError(f"not JSON: {e}") from None
        if len(key_text) > self.limits.max_bytes:
            raise TooLarge(f"document larger than {self.limits.max_bytes} bytes")
        key = hashlib.sha256(key_text.encode("utf-8")).hexdigest()
        with self._lock:
            hit = self._memo.get(key)
        if isinstance(hit, tuple):
            raise hit[0](hit[1])  # a fresh exception: re-raising a stored one would grow its traceback
        if hit is not None:
            return hit
        try:
            value: bytes | tuple[type[CanonError], str] = hashlib.sha256(self.nquads(document, stop).encode("utf-8")).digest()
        except CanonError as e:
            value = (type(e), str(e))
        with self._lock:
            if len(self._memo) >= self.memo_size:
                self._memo.clear()
            self._memo[key] = value
        if isinstance(value, tuple):
            raise value[0](value[1])
        return value


def _interrupted(error: BaseException) -> bool:
    """Whether a PyLD error chain was caused by :class:`Interrupted` (PyLD wraps what it calls)."""
    e: BaseException | None = error
    seen = 0
    while e is not None and seen < 100:
        if isinstance(e, Interrupted):
            return True
        e = e.__cause__ or getattr(e, "cause", None) or e.__context__
        seen += 1
    return False


def _jsonld_cause(error: BaseException) -> str:
    """The innermost message of a PyLD error chain (an unknown context, usually)."""
    e: BaseException | None = error
    last = error
    while e is not None:
        if isinstance(e, UnknownContext):
            return str(e)
        last = e
        e = e.__cause__ or getattr(e, "cause", None)
    msg = getattr(last, "message", None) or str(last).splitlines()[0]
    return f"not valid JSON-LD: {msg}"
