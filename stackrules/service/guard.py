"""The request guard: authentication, body size, media type and JSON depth, before any route runs.

A pure ASGI middleware, so that nothing reads an unbounded body: a declared
``Content-Length`` over the limit is refused before a byte is read, and a body
streamed past it is refused as soon as it crosses. A JSON body is parsed once
here, with its nesting checked (RecursionError never escapes), numbers that
are not finite refused, a key given twice in one object refused (SR1002, as
the command line and batch runs refuse it: a gateway that keeps the first
occurrence would otherwise see another request than the one decided), and is
then handed on unchanged.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .config import ServiceConfig
from .problems import PROBLEM_JSON, Problem, pointer

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_METHODS = {"POST", "PUT", "PATCH"}


def authorized(header: str | None, token: bytes) -> bool:
    """Is ``header`` ``Bearer <token>``? Compared in constant time."""
    if not header:
        return False
    scheme, _, given = header.strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8", "surrogateescape"), token)


def depth_of(value: Any) -> int:
    """The nesting depth of parsed JSON (a scalar: 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, d + 1)
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, d + 1)
            stack.extend((v, d + 1) for v in item)
    return deepest


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _constant(text: str) -> Any:
    raise ValueError(f"`{text}` is not JSON")


class _Twice(dict[str, Any]):
    """A parsed object in which a key was given twice (the first such key in ``twice``)."""

    twice: str = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out and not isinstance(out, _Twice):
            out = _Twice(out)
            out.twice = key
        out[key] = value
    return out


def _first_twice(value: Any) -> tuple[tuple[str | int, ...], str] | None:
    """Where the first object with a key given twice is (a path of keys and indices), and the key."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, _Twice):
            return path, item.twice
        if isinstance(item, dict):
            stack.extend((v, (*path, k)) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(item))))
    return None


def check_json(body: bytes, max_depth: int) -> Any:
    """The parsed body; a :class:`Problem` for malformed (400), too deeply nested (400) or ambiguous (422: a key given
    twice in one object) JSON."""
    try:
        value = json.loads(body, parse_float=_finite, parse_constant=_constant, object_pairs_hook=_pairs)
    except RecursionError:
        raise Problem("too-deep", f"the body nests deeper than {max_depth} levels") from None
    except UnicodeDecodeError:
        raise Problem("malformed-json", "the body is not UTF-8 text") from None
    except ValueError as exc:
        raise Problem("malformed-json", str(exc)[:200]) from None
    if depth_of(value) > max_depth:
        raise Problem("too-deep", f"the body nests deeper than {max_depth} levels")
    found = _first_twice(value)
    if found is not None:
        path, key = found
        message = f"the key `{key[:80]}` is given twice in one object"
        where = pointer((*path, key))
        raise Problem(
            "invalid-request",
            f"{where}: {message}",
            {"diagnostics": [{"code": "SR1002", "message": message, "pointer": where, "help": "remove or rename the second occurrence"}]},
        )
    return value


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class Guard:
    """Refuse what no route should see; pass everything else on, body included."""

    def __init__(self, app: ASGIApp, config: ServiceConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        try:
            if self.config.token is not None and not authorized(headers.get("authorization"), self.config.token):
                raise Problem("unauthorized", "send `Authorization: Bearer <token>`", headers={"WWW-Authenticate": 'Bearer realm="stackrules"'})
            if scope["method"] in BODY_METHODS:
                receive = await self._body(headers, receive)
        except Problem as p:
            await send_problem(send, p, scope.get("path"))
            return
        await self.app(scope, receive, send)

    async def _body(self, headers: dict[str, str], receive: Receive) -> Receive:
        limit = self.config.max_body
        declared = headers.get("content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    raise Problem("payload-too-large", f"the body is {int(declared)} bytes; the limit is {limit}")
            except ValueError:
                raise Problem("malformed-json", "the Content-Length header is not a number") from None
        chunks: list[bytes] = []
        size = 0
        # a client that sends headers and then the body slowly, or never, holds a connection: the whole body has
        # body_timeout seconds to arrive (a reverse proxy in front bounds the headers' time; see docs/design.md)
        until = asyncio.get_running_loop().time() + self.config.body_timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(until - asyncio.get_running_loop().time(), 0.0))
            except TimeoutError:
                raise Problem(
                    "request-timeout", f"the body did not arrive within {self.config.body_timeout:g} seconds", headers={"Connection": "close"}
                ) from None
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise Problem("payload-too-large", f"the body is over the limit of {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body.strip():
            content_type = headers.get("content-type", "")
            if not _is_json(content_type):
                raise Problem("unsupported-media-type", f"the body is `{content_type or 'untyped'}`; send `application/json`")
            check_json(body, self.config.max_depth)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay


async def send_problem(send: Send, problem: Problem, instance: str | None) -> None:
    body = problem.body(instance)
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in problem.headers.items()]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
