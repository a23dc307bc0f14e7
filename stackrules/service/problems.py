"""RFC 9457 problem details: one ``type`` per kind of failure, never a traceback.

Every error the service returns is ``application/problem+json`` with
``type`` (a stable URI naming the kind of failure, documented in the OpenAPI
document), ``title`` (the same for every problem of the type), ``status``,
``detail`` (this occurrence) and, where they apply, ``diagnostics`` (positioned
findings: a JSON pointer into the request body, or ``file:line`` in the rule
base for an admin reload) or ``suggestions`` (did-you-mean).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..language.positions import json_pointer

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://stackrules.dev/problems/"


@dataclass(frozen=True)
class Kind:
    slug: str
    status: int
    title: str


_KINDS = (
    Kind("malformed-json", 400, "The request body is not valid JSON"),
    Kind("too-deep", 400, "The request body nests deeper than the limit"),
    Kind("unauthorized", 401, "A valid bearer token is required"),
    Kind("admin-disabled", 403, "Admin routes need a configured token"),
    Kind("not-found", 404, "No such resource"),
    Kind("unknown-target", 404, "The target is not a qualification of the rule base"),
    Kind("unknown-credential", 404, "The credential is not in the rule base"),
    Kind("method-not-allowed", 405, "The method is not allowed on this resource"),
    Kind("not-acceptable", 406, "None of the accepted media types can be produced"),
    Kind("request-timeout", 408, "The request body did not arrive in time"),
    Kind("payload-too-large", 413, "The request body is over the size limit"),
    Kind("unsupported-media-type", 415, "The request body must be application/json"),
    Kind("invalid-request", 422, "The request does not match its schema"),
    Kind("invalid-learner", 422, "The learner document is invalid"),
    Kind("invalid-argument", 422, "An argument of the request is invalid"),
    Kind("invalid-rule-base", 422, "The rule base is invalid; the previous one keeps serving"),
    Kind("internal-error", 500, "The service failed to answer; the failure has been logged"),
    Kind("overloaded", 503, "Too many requests are waiting; retry later"),
    Kind("not-ready", 503, "The service is starting or stopping"),
    Kind("timeout", 503, "The decision did not finish in time; retry later"),
    Kind("decision-log-unwritable", 503, "The decision could not be logged, so it was not delivered; retry later"),
)

KINDS: dict[str, Kind] = {k.slug: k for k in _KINDS}


class Problem(Exception):
    """A failure to report: raise it anywhere in a handler, or build one in a worker."""

    def __init__(self, slug: str, detail: str, extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(slug, detail)
        self.slug = slug
        self.detail = detail
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    @property
    def status(self) -> int:
        return KINDS[self.slug].status

    def to_json(self, instance: str | None = None) -> dict[str, Any]:
        kind = KINDS[self.slug]
        out: dict[str, Any] = {"type": TYPE_BASE + kind.slug, "title": kind.title, "status": kind.status, "detail": self.detail}
        if instance is not None:
            out["instance"] = instance
        out.update(self.extra)
        return out

    def body(self, instance: str | None = None) -> bytes:
        return json.dumps(self.to_json(instance), ensure_ascii=False, indent=2).encode()


pointer = json_pointer  # a JSON pointer (RFC 6901) for a path of keys and indices: language/positions.py's
