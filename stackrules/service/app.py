"""The HTTP service: FastAPI routes over the worker pool.

``create_app(config)`` builds the application; ``stackrules serve`` runs it
with uvicorn. The server process parses and checks requests and sends bytes;
every decision, and everything that may take long (graphs, requirement
trees), runs in the pool (:mod:`stackrules.service.pool`). The one piece of
changing state is which rule base serves: a :class:`Snapshot` (engine, pool,
what was loaded when) replaced whole on reload, never mutated; a request uses
the snapshot it started with from start to end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..diagnostics import suggestion
from ..engine import Engine, load_with_diagnostics
from ..language.schema import json_schema
from .config import ServiceConfig
from .guard import Guard
from .log import DecisionLog, LogUnwritable
from .models import (
    LEARNER_MARK,
    AssessDecision,
    AssessRequest,
    AuditDecision,
    AuditRequest,
    Day,
    ExploreDecision,
    ExploreRequest,
    GraphFormat,
    Health,
    PlanDecision,
    PlanRequest,
    ProblemDetails,
    QualificationDetail,
    Qualifications,
    Ready,
    Reloaded,
    RuleBaseInfo,
    SchemaKind,
    Towards,
    TowardsRequest,
)
from .pool import Pool
from .problems import KINDS, PROBLEM_JSON, TYPE_BASE, Problem, pointer
from .worker import JSON, Outcome, Task, etag, qualifications_json, with_instance

log = logging.getLogger("stackrules.service")

GRACE = 60.0  # seconds a worker may take beyond the solver's time limit (compiling a large target) before the request gives up


# ---- the rule base that serves ------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """One loaded rule base and the pool deciding with it."""

    engine: Engine
    pool: Pool
    info: dict[str, Any]
    qualifications: bytes


def _info(engine: Engine, loaded_at: dt.datetime) -> dict[str, Any]:
    rb = engine.rules
    files = {c.loc.file for c in rb.credentials.values()} | {p.loc.file for p in rb.providers.values()} | {r.loc.file for r in rb.rules}
    files |= {v.loc.file for vs in rb.qualifications.values() for v in vs}
    return {
        "rules_digest": engine.digest,
        "engine": f"stackrules {__version__}",
        "loaded_at": loaded_at.isoformat(timespec="seconds"),
        "files": sorted(files),
        "qualifications": len(rb.qualifications),
        "credentials": len(rb.credentials),
        "credit_rules": len(rb.rules),
        "warnings": [{k: v for k, v in d.to_json().items()} for d in engine.warnings],
    }


def _load(config: ServiceConfig) -> Engine:
    engine, diags = load_with_diagnostics(*config.rules, cache=config.cache)
    if engine is None:
        items = [
            {"code": d.code, "message": d.message, "file": d.file, "line": d.line, "column": d.column, **({"help": d.help} if d.help else {})}
            for d in diags
            if d.severity == "error"
        ]
        first = items[0] if items else {"file": "?", "line": 0, "message": "invalid rule base"}
        raise Problem("invalid-rule-base", f"{first['file']}:{first['line']}: {first['message']}", {"diagnostics": items})
    return engine


class Service:
    """The serving state: the current snapshot, how to replace it, the decision log."""

    def __init__(self, config: ServiceConfig, engine: Engine | None = None) -> None:
        self.config = config
        self._initial = engine
        self.current: Snapshot | None = None
        self.log: DecisionLog | None = None
        self._reload_lock = asyncio.Lock()
        self.stopping = False

    async def _snapshot(self, engine: Engine) -> Snapshot:
        cfg = self.config
        pool = Pool(engine, cfg.workers, cfg.queue, cfg.start_method)
        await pool.warm()
        quals = json.dumps(qualifications_json(engine), ensure_ascii=False, indent=2).encode()
        return Snapshot(engine, pool, _info(engine, dt.datetime.now(dt.UTC)), quals)

    async def start(self) -> None:
        """Load the rule base (unless given) and start the pool; a stopped service starts again with its last rule base."""
        if self.current is not None:
            return
        if self.config.decision_log and self.log is None:
            self.log = DecisionLog(self.config.decision_log)
        engine = self._initial if self._initial is not None else await asyncio.to_thread(_load, self.config)
        self.current = await self._snapshot(engine)
        self.stopping = False

    async def reload(self) -> dict[str, Any]:
        """Load the rule base again; an invalid one raises a 422 :class:`Problem` and the old one keeps serving."""
        async with self._reload_lock:
            old = self.snapshot()
            engine = await asyncio.to_thread(_load, self.config)
            new = await self._snapshot(engine)
            self.current = new
            await old.pool.shutdown()  # requests already in the old pool finish there
            log.info("rule base reloaded: %s (was %s)", engine.digest, old.engine.digest)
            return {**new.info, "previous_digest": old.engine.digest, "changed": old.engine.digest != engine.digest}

    async def stop(self) -> None:
        """Refuse new requests, let those in progress finish, stop the workers, close the log."""
        self.stopping = True
        current, self.current = self.current, None
        if current is not None:
            self._initial = current.engine
            await current.pool.shutdown()
        if self.log is not None:
            self.log.close()
            self.log = None

    def snapshot(self) -> Snapshot:
        if self.current is None or self.stopping:
            raise Problem("not-ready", "the service is starting or stopping", headers={"Retry-After": "1"})
        return self.current


# ---- responses -------------------------------------------------------------------------------------


def problem_response(problem: Problem, request: Request) -> Response:
    return Response(problem.body(request.url.path), problem.status, problem.headers, media_type=PROBLEM_JSON)


def _send(outcome: Outcome, request: Request) -> Response:
    headers = dict(outcome.headers)
    if outcome.code == 200 and request.method == "GET":
        tag = headers.get("ETag")
        if tag and tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers={"ETag": tag})
    body = with_instance(outcome.body, request.url.path) if outcome.media_type == PROBLEM_JSON else outcome.body
    return Response(body, outcome.code, headers, media_type=outcome.media_type)


def wants_text(request: Request) -> bool:
    """Content negotiation for decisions: JSON unless ``text/plain`` is preferred; 406 when neither will do."""
    accept = request.headers.get("accept", "").strip()
    if not accept:
        return False
    q_json = q_text = 0.0
    for part in accept.split(","):
        media, *params = [x.strip() for x in part.split(";")]
        q = 1.0
        for prm in params:
            name, _, value = prm.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        media = media.lower()
        if media in ("application/json", "application/*", "*/*"):
            q_json = max(q_json, q)
        if media in ("text/plain", "text/*", "*/*"):
            q_text = max(q_text, q)
    if q_json == 0.0 and q_text == 0.0:
        raise Problem("not-acceptable", f"`Accept: {accept[:100]}`; this resource is `application/json` or `text/plain`")
    return q_text > q_json


def _day(asked: dt.date | None) -> str:
    """The day of a request: as asked, else today (on the server: `as_of` defaults to today at the edge)."""
    return (asked or dt.date.today()).isoformat()


# ---- OpenAPI ---------------------------------------------------------------------------------------


def _problem_doc(slug: str) -> dict[str, Any]:
    kind = KINDS[slug]
    return {"type": TYPE_BASE + slug, "title": kind.title, "status": kind.status, "detail": "…"}


PROBLEM_EXAMPLES: dict[int, list[str]] = {
    400: ["malformed-json", "too-deep"],
    401: ["unauthorized"],
    403: ["admin-disabled"],
    404: ["unknown-target", "unknown-credential", "not-found"],
    406: ["not-acceptable"],
    408: ["request-timeout"],
    413: ["payload-too-large"],
    415: ["unsupported-media-type"],
    422: ["invalid-learner", "invalid-request", "invalid-argument"],
    500: ["internal-error"],
    503: ["overloaded", "not-ready", "timeout", "decision-log-unwritable"],
}
DESCRIPTIONS = {
    304: "Not modified: the `ETag` sent in `If-None-Match` still holds.",
    400: "The body is not JSON, or nests too deeply.",
    401: "A bearer token is configured and the request has no valid one.",
    403: "Admin routes are refused when the service has no token.",
    404: "Unknown target, credential, qualification or path (with did-you-mean suggestions).",
    406: "The `Accept` header allows neither JSON nor text.",
    408: "The body did not arrive within the server's time for it (default 30 s) after the headers; the connection is closed.",
    413: "The body is over the size limit (default 1 MB).",
    415: "The body is not `application/json`.",
    422: "The request or the learner is invalid; `diagnostics` point into the body (JSON pointers).",
    500: "Reserved for a defect of the service; never produced for any input by design.",
    503: "The queue is full, a worker stopped, the decision ran out of time, or it could not be logged (and so was not delivered): retry after `Retry-After` seconds.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        if code == 304:
            out[code] = {"description": DESCRIPTIONS[code]}
            continue
        examples = {slug: {"summary": KINDS[slug].title, "value": _problem_doc(slug)} for slug in PROBLEM_EXAMPLES[code]}
        if code == 422:
            examples["invalid-learner"]["value"] = {
                **_problem_doc("invalid-learner"),
                "detail": "/learner/holdings/0/credential: unknown credential `exu:COMP9999`",
                "diagnostics": [
                    {
                        "code": "SR3014",
                        "slug": "unknown-holding",
                        "severity": "error",
                        "message": "unknown credential `exu:COMP9999`",
                        "pointer": "/learner/holdings/0/credential",
                        "help": "did you mean `exu:COMP1010`?",
                    }
                ],
            }
        if code == 404:
            examples["unknown-target"]["value"] = {
                **_problem_doc("unknown-target"),
                "detail": "unknown target `exu:BTI`",
                "diagnostics": [{"code": "SR5001", "message": "unknown target `exu:BTI`", "pointer": "/target", "help": "did you mean `exu:BIT`?"}],
                "suggestions": ["exu:BIT"],
            }
        headers = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}} if code == 503 else None
        entry: dict[str, Any] = {"description": DESCRIPTIONS[code], "model": ProblemDetails, "content": {PROBLEM_JSON: {"examples": examples}}}
        if headers:
            entry["headers"] = headers
        if code == 401:
            entry["headers"] = {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}}
        out[code] = entry
    return out


def ok(model: type[Any], description: str, text_example: str | None = None) -> dict[int | str, dict[str, Any]]:
    content: dict[str, Any] = {}
    if text_example is not None:
        content["text/plain"] = {"schema": {"type": "string"}, "example": text_example}
    headers = {
        "ETag": {"description": "A strong validator of the body.", "schema": {"type": "string"}},
    }
    if text_example is not None:
        headers["X-Decision-Id"] = {"description": "The decision id (also in the JSON body).", "schema": {"type": "string"}}
    return {200: {"model": model, "description": description, "content": content, "headers": headers}}


DECISION_ERRORS = problems(400, 401, 404, 406, 408, 413, 415, 422, 500, 503)
TEXT_AUDIT = "exu:BIT  Bachelor of Information Technology  (as of 2026-11-28)\nstatus: met  144 of 144 exu-cp\n..."


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with problem+json for errors, the learner's schema and the bearer scheme."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    learner = json_schema("learner")
    defs = learner.pop("$defs", {})
    learner.pop("$schema", None)
    learner["required"] = [r for r in learner.get("required", []) if r != "kind"]
    learner["title"] = "Learner"
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})

    def rename(node: Any) -> Any:
        if isinstance(node, dict) and node.get(LEARNER_MARK):
            return {"$ref": "#/components/schemas/Learner", **({"description": node["description"]} if "description" in node else {})}
        if isinstance(node, dict):
            return {
                k: ("#/components/schemas/Learner" + v.rsplit("/", 1)[1] if k == "$ref" and v.startswith("#/$defs/") else rename(v)) for k, v in node.items()
            }
        if isinstance(node, list):
            return [rename(v) for v in node]
        return node

    doc["paths"] = rename(doc["paths"])
    schemas = doc["components"]["schemas"] = {k: rename(v) for k, v in schemas.items()}
    schemas["Learner"] = rename(learner)
    for name, schema in defs.items():
        schemas["Learner" + name] = rename(schema)
    doc["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "Required on every route when the service has a token."}
    }
    for path, ops in doc["paths"].items():
        for op in ops.values():
            op["security"] = [{"bearer": []}] if path.startswith("/v1/admin/") else [{}, {"bearer": []}]
            for code, resp in op.get("responses", {}).items():
                content = resp.get("content", {})
                if int(code) >= 400 and "application/json" in content:
                    moved = content.pop("application/json")
                    content.setdefault(PROBLEM_JSON, {}).update(schema=moved["schema"])
    doc["components"]["schemas"] = dict(sorted(schemas.items()))
    app.openapi_schema = doc
    return doc


# ---- the application ----------------------------------------------------------------------------------


def _request_fields(request: Request) -> list[str]:
    """The fields of the route's request body (empty when the route has none)."""
    body = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body, "field_info", None), "annotation", None)
    return list(getattr(model, "model_fields", {}) or {})


def create_app(config: ServiceConfig | None = None, engine: Engine | None = None) -> FastAPI:
    """The service as an ASGI application; ``engine`` (optional) is served instead of loading ``config.rules``."""
    cfg = config or ServiceConfig()
    service = Service(cfg, engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        loop = asyncio.get_running_loop()
        hup = False
        try:
            loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(_reload_on_signal(service)))
            hup = True
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or no signals here: the admin route still reloads
        try:
            yield
        finally:
            if hup:
                loop.remove_signal_handler(signal.SIGHUP)
            await service.stop()

    app = FastAPI(
        title="stackrules",
        version=__version__,
        description=(
            "Exact audits, credit-transfer assessments, plans and explorations for stackable credentials "
            "(docs/language.md sections 11-14). Every decision is section 13's JSON plus `decision_id`; "
            "`Accept: text/plain` gives the explanation. Errors are RFC 9457 `application/problem+json`."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        items = []
        for err in exc.errors():
            loc = tuple(err.get("loc", ()))
            if err.get("type") == "json_invalid":
                return problem_response(Problem("malformed-json", "the body is not valid JSON"), request)
            # an argument of the request that does not fit its schema is SR5002, as on the command line; pydantic's own
            # words ("Value error, ...") are not the service's
            message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            if err.get("type") == "missing" and loc == ("body",):
                # no body at all: said as such, with what to send (pydantic says only "Field required")
                fields = ", ".join(f"`{f}`" for f in sorted(_request_fields(request)))
                message = "the request has no body: send a JSON object" + (f" with the fields {fields}" if fields else "")
            elif err.get("type") == "string_type" and isinstance(err.get("input"), int | float) and not isinstance(err.get("input"), bool):
                # a quantity sent as a JSON number: it is text, so that no decimal is rounded on the way
                message = f'{message}: send the number as text, e.g. "{err.get("input")}"'
            if err.get("type") == "extra_forbidden" and loc:
                # a field the request does not have: a misspelt one is named with the field meant
                meant = suggestion(str(loc[-1]), _request_fields(request))
                message = f"`{loc[-1]}` is not a field of this request" + (f": {meant}" if meant else "")
            item: dict[str, Any] = {"code": "SR5002", "message": message}
            if loc and loc[0] == "body":
                item["pointer"] = pointer(loc[1:])
            elif loc:
                item["parameter"] = ".".join(str(x) for x in loc[1:]) or str(loc[0])
            items.append(item)
        first = items[0] if items else {"message": "invalid request"}
        where = first.get("pointer", first.get("parameter", ""))
        detail = f"{where}: {first['message']}" if where else str(first["message"])
        return problem_response(Problem("invalid-request", detail, {"diagnostics": items}), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        slug = {404: "not-found", 405: "method-not-allowed", 406: "not-acceptable", 413: "payload-too-large", 415: "unsupported-media-type"}.get(
            exc.status_code, "invalid-request" if 400 <= exc.status_code < 500 else "internal-error"
        )
        detail = f"no route for {request.method} {request.url.path}" if exc.status_code in (404, 405) else str(exc.detail)
        return problem_response(Problem(slug, detail, headers=dict(exc.headers or {})), request)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return problem_response(Problem("internal-error", f"{type(exc).__name__}; see the server's log"), request)

    async def decide(kind: str, params: dict[str, Any], request: Request) -> Response:
        text = wants_text(request)
        snap = service.snapshot()
        started = time.perf_counter()
        outcome = await snap.pool.submit(Task(kind, params, text), params.get("time_limit", cfg.default_time_limit) + GRACE)
        if service.log is not None and outcome.decision_id is not None:
            # logged before it is sent; a decision that cannot be logged is not delivered (service/log.py)
            try:
                service.log.write(
                    {
                        "decision_id": outcome.decision_id,
                        "kind": kind,
                        "target": params.get("target") or params.get("credential"),
                        "rules_digest": snap.engine.digest,
                        "inputs_digest": outcome.inputs_digest,
                        "status": outcome.status,
                        "latency_ms": round((time.perf_counter() - started) * 1e3, 3),
                    }
                )
            except LogUnwritable as exc:
                log.error("%s; decision %s not delivered", exc, outcome.decision_id)
                return problem_response(
                    Problem(
                        "decision-log-unwritable",
                        f"the decision log cannot be written ({exc.reason}); the decision was not delivered",
                        headers={"Retry-After": "30"},
                    ),
                    request,
                )
        return _send(outcome, request)

    @app.post("/v1/audit", tags=["decisions"], response_model=None, responses={**ok(AuditDecision, "The audit.", TEXT_AUDIT), **DECISION_ERRORS})
    async def audit(body: AuditRequest, request: Request) -> Response:
        """Audit: is the target met by the learner's stack on `as_of`, and why (`indeterminate` is a 200)."""
        return await decide("audit", _decide_params(body, cfg), request)

    @app.post("/v1/assess", tags=["decisions"], response_model=None, responses={**ok(AssessDecision, "The assessment.", "exu:BIT ..."), **DECISION_ERRORS})
    async def assess(body: AssessRequest, request: Request) -> Response:
        """Credit-transfer assessment: credit granted rule by rule, with basis, sources and caps; refusals; what remains."""
        return await decide("assess", _decide_params(body, cfg), request)

    @app.post("/v1/plan", tags=["decisions"], response_model=None, responses={**ok(PlanDecision, "The plan.", "exu:BIT ..."), **DECISION_ERRORS})
    async def plan(body: PlanRequest, request: Request) -> Response:
        """Plan: the cheapest set of catalogue credentials that completes the target, term by term."""
        params = {
            "learner": body.learner,
            "target": body.target,
            "as_of": _day(body.as_of),
            "objective": body.objective,
            "alternatives": body.alternatives,
            "max_load": body.max_load,
            "terms": list(body.terms),
            "look_ahead": body.look_ahead,
            "allow_unpriced": body.allow_unpriced,
            "time_limit": cfg.time_limit(body.time_limit),
        }
        if body.catalog_year is not None:  # only when asked, as for audits: other requests' inputs digests stay as they were
            params["catalog_year"] = body.catalog_year
        return await decide("plan", params, request)

    @app.post("/v1/explore", tags=["decisions"], response_model=None, responses={**ok(ExploreDecision, "The ranking.", "L-0001 ..."), **DECISION_ERRORS})
    async def explore(body: ExploreRequest, request: Request) -> Response:
        """Explore: every qualification ranked by what remains for this learner."""
        params = {
            "learner": body.learner,
            "as_of": _day(body.as_of),
            "plans": body.plans,
            "look_ahead": body.look_ahead,
            "time_limit": cfg.time_limit(body.time_limit),
        }
        return await decide("explore", params, request)

    @app.post(
        "/v1/towards",
        tags=["rule base"],
        response_model=None,
        responses={**ok(Towards, "What the credential counts towards."), **problems(400, 401, 404, 408, 413, 415, 422, 500, 503)},
    )
    async def towards(body: TowardsRequest, request: Request) -> Response:
        """Everything a credential can count towards, directly or through credit rules."""
        params = {"credential": body.credential, "as_of": _day(body.as_of)}
        snap = service.snapshot()
        return _send(await snap.pool.submit(Task("towards", params), cfg.max_time_limit + GRACE), request)

    @app.get("/v1/qualifications", tags=["rule base"], response_model=None, responses={**ok(Qualifications, "Every target."), **problems(304, 401, 500, 503)})
    async def qualifications(request: Request) -> Response:
        """Every target of the rule base with its versions, provider and framework level."""
        body = service.snapshot().qualifications
        return _send(Outcome(200, body, JSON, {"ETag": etag(body)}), request)

    @app.get(
        "/v1/qualifications/{qualification_id}",
        tags=["rule base"],
        response_model=None,
        responses={**ok(QualificationDetail, "The requirement tree."), **problems(304, 401, 404, 422, 500, 503)},
    )
    async def qualification(
        request: Request,
        qualification_id: str,
        as_of: Annotated[Day | None, Query(description="Show the version in force on this day (default: today).")] = None,
    ) -> Response:
        """One qualification: its versions and the requirement tree in force on `as_of`, with `file:line` locations."""
        params = {"id": qualification_id, "as_of": _day(as_of)}
        return _send(await service.snapshot().pool.submit(Task("qualification", params), cfg.max_time_limit + GRACE), request)

    @app.get(
        "/v1/graph",
        tags=["rule base"],
        response_model=None,
        responses={
            200: {
                "description": "The credential graph: node-link JSON, DOT or Mermaid.",
                "content": {
                    "application/json": {"schema": {"type": "object"}, "example": {"directed": True, "nodes": [], "links": []}},
                    "text/plain": {"schema": {"type": "string"}, "example": "digraph stackrules {\n}\n"},
                },
                "headers": {"ETag": {"description": "A strong validator of the body.", "schema": {"type": "string"}}},
            },
            **problems(304, 401, 404, 422, 500, 503),
        },
    )
    async def graph(
        request: Request,
        focus: Annotated[str | None, Query(max_length=200, description="Only the neighbourhood of this qualification or credential id.")] = None,
        depth: Annotated[int | None, Query(ge=1, le=10, description="With `focus`: how many steps from it (default 2).")] = None,
        format: Annotated[GraphFormat, Query(description="Node-link JSON, Graphviz DOT or Mermaid.")] = "json",
        as_of: Annotated[Day | None, Query(description="Versions in force on this day (default: today).")] = None,
    ) -> Response:
        """The credential graph (versions in force on `as_of`)."""
        if depth is not None and not focus:
            item = {"code": "SR5002", "message": "`depth` bounds the neighbourhood of `focus`, and no `focus` is given", "parameter": "depth"}
            return problem_response(Problem("invalid-request", f"depth: {item['message']}", {"diagnostics": [item]}), request)
        params = {"focus": focus, "depth": 2 if depth is None else depth, "format": format, "as_of": _day(as_of)}
        return _send(await service.snapshot().pool.submit(Task("graph", params), cfg.max_time_limit + GRACE), request)

    @app.get(
        "/v1/schema/{kind}",
        tags=["rule base"],
        response_model=None,
        responses={
            200: {
                "description": "The JSON Schema of one document kind.",
                "content": {"application/json": {"schema": {"type": "object"}, "example": {"title": "stackrules learner document", "type": "object"}}},
                "headers": {"ETag": {"description": "A strong validator of the body.", "schema": {"type": "string"}}},
            },
            **problems(304, 401, 422, 500),
        },
    )
    async def schema(request: Request, kind: SchemaKind) -> Response:
        """The JSON Schema of one document kind (for editors and for validating learners before sending them)."""
        body = json.dumps(json_schema(kind), indent=2, sort_keys=True).encode()
        return _send(Outcome(200, body, JSON, {"ETag": etag(body)}), request)

    @app.get(
        "/v1/rulebase", tags=["rule base"], response_model=None, responses={**ok(RuleBaseInfo, "The rule base serving now."), **problems(304, 401, 500, 503)}
    )
    async def rulebase(request: Request) -> Response:
        """The rule base serving now: digest, files, when it was loaded, engine version."""
        body = json.dumps(service.snapshot().info, ensure_ascii=False, indent=2).encode()
        return _send(Outcome(200, body, JSON, {"ETag": etag(body)}), request)

    @app.post(
        "/v1/admin/reload", tags=["admin"], response_model=None, responses={**ok(Reloaded, "The new rule base serves."), **problems(401, 403, 422, 500, 503)}
    )
    async def reload(request: Request) -> Response:
        """Load the rule base again from the server's own paths; an invalid one is refused (422) and the old one keeps serving."""
        if cfg.token is None:
            raise Problem("admin-disabled", "start the service with --token-file to use admin routes")
        body = json.dumps(await service.reload(), ensure_ascii=False, indent=2).encode()
        return Response(body, 200, media_type=JSON)

    @app.get("/healthz", tags=["health"], response_model=None, responses={**ok(Health, "The process is alive."), **problems(401)})
    async def healthz() -> Response:
        """Liveness: the server answers."""
        return Response(b'{"status": "ok"}', 200, media_type=JSON)

    @app.get("/readyz", tags=["health"], response_model=None, responses={**ok(Ready, "Ready to decide."), **problems(401, 503)})
    async def readyz() -> Response:
        """Readiness: a rule base is loaded and its workers have started."""
        snap = service.snapshot()
        doc = {"status": "ready", "rules_digest": snap.engine.digest, "workers": snap.pool.workers, "queue": snap.pool.capacity - max(snap.pool.workers, 1)}
        return Response(json.dumps(doc).encode(), 200, media_type=JSON)

    if cfg.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(Guard, config=cfg)
        app.add_middleware(
            CORSMiddleware, allow_origins=list(cfg.cors_origins), allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type", "Accept"]
        )
    else:
        app.add_middleware(Guard, config=cfg)
    return app


def _decide_params(body: AuditRequest | AssessRequest, cfg: ServiceConfig) -> dict[str, Any]:
    params: dict[str, Any] = {
        "learner": body.learner,
        "target": body.target,
        "as_of": _day(body.as_of),
        "look_ahead": body.look_ahead,
        "time_limit": cfg.time_limit(body.time_limit),
    }
    if body.catalog_year is not None:  # only when asked: the inputs digest of every other request stays as it was
        params["catalog_year"] = body.catalog_year
    return params


async def _reload_on_signal(service: Service) -> None:
    try:
        await service.reload()
    except Problem as p:
        found = [f"{d['file']}:{d['line']}:{d['column']}: error[{d['code']}]: {d['message']}" for d in p.extra.get("diagnostics", [])]
        log.error("reload refused, the previous rule base keeps serving:\n%s", "\n".join(found) or p.detail)
    except Exception:
        log.exception("reload failed, the previous rule base keeps serving")
