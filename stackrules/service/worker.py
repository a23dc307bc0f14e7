"""What a worker does with one request: decide, render, and report failures as problems.

The functions here run in a worker process (or, with ``--workers 0``, in a
thread of the server). They take the engine and a :class:`Task` and return an
:class:`Outcome`: the status code, the body's bytes and media type, and what
the decision log records. Nothing here raises for bad input: a bad learner,
an unknown target or a bad argument comes back as a problem document.

A learner arrives as JSON. It is validated with a source map in which every
value of the body has its own synthetic position, so each diagnostic maps back
to a JSON pointer into the request body (``/learner/holdings/3/credential``)
in place of the CLI's ``line:column``; code, message and help are the CLI's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .._version import __version__
from ..decision import Decision
from ..diagnostics import Diagnostic, suggestion
from ..engine import Engine
from ..errors import LearnerError, RequestError
from ..language.documents import Learner, Loaded, _tupled, parse_document
from ..language.models import FactRef
from ..language.positions import pointed_map
from ..language.quantity import fmt
from ..rulebase.index import QualVersion
from ..source.learners import load_learner
from .problems import PROBLEM_JSON, Problem

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"
DECISIONS = ("audit", "assess", "plan", "explore")


@dataclass(frozen=True)
class Task:
    """One request for a worker: ``kind`` and its JSON-able parameters (already checked for shape)."""

    kind: str
    params: dict[str, Any]
    text: bool = False


@dataclass(frozen=True)
class Outcome:
    """A worker's answer: what to send, and what the decision log keeps."""

    code: int
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)
    status: str | None = None
    decision_id: str | None = None
    inputs_digest: str | None = None


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def problem_outcome(problem: Problem) -> Outcome:
    """A problem found in a worker, which does not know the request's path: the app adds it (``with_instance``)."""
    return Outcome(problem.status, problem.body(), PROBLEM_JSON, dict(problem.headers))


def with_instance(body: bytes, instance: str) -> bytes:
    """A problem document from a worker with its ``instance`` (the request's path), as the app's own problems have."""
    doc = json.loads(body)
    if "instance" in doc:
        return body
    out = {k: doc.pop(k) for k in ("type", "title", "status", "detail") if k in doc}
    return json.dumps({**out, "instance": instance, **doc}, ensure_ascii=False, indent=2).encode()


def run(engine: Engine, task: Task) -> Outcome:
    """Answer ``task`` with ``engine``; every failure on input is a problem, never an exception."""
    try:
        if task.kind in DECISIONS:
            return _decide(engine, task)
        if task.kind == "towards":
            return _towards(engine, task)
        if task.kind == "graph":
            return _graph(engine, task)
        if task.kind == "qualification":
            return _qualification(engine, task)
        if task.kind == "ping":
            return Outcome(200, b"{}", JSON)
        raise Problem("not-found", f"no task `{task.kind}`")
    except Problem as p:
        return problem_outcome(p)
    except RequestError as exc:
        slug = "unknown-target" if exc.code == "SR5001" else "invalid-argument"
        where = "/target" if exc.code == "SR5001" else _named_field(exc.message)
        if exc.code == "SR5001" and exc.message.startswith("no version of"):
            # the target is known; the day (or the catalogue year asked for) has no version of it in force
            slug, where = "invalid-argument", "/catalog_year" if task.params.get("catalog_year") is not None else "/as_of"
        diag = {"code": exc.code, "message": exc.message, "pointer": where}
        if exc.help and "stackrules COMMAND" not in exc.help:  # (the code's own help speaks of the command line)
            diag["help"] = exc.help
        extra: dict[str, Any] = {"diagnostics": [diag]}
        if exc.help and exc.help.startswith("did you mean"):
            extra["suggestions"] = _suggested(exc.help)
        return problem_outcome(Problem(slug, exc.message, extra))


def _named_field(message: str) -> str:
    """The request field a message starts by naming (`` `as_of` 0001-01-01 is outside ...``), as a JSON pointer."""
    m = re.match(r"`(\w+)`", message)
    return f"/{m.group(1)}" if m else ""


def _suggested(help_: str) -> list[str]:
    return [part for i, part in enumerate(help_.split("`")) if i % 2 == 1]


# ---- learners with pointers ---------------------------------------------------------------------------


def learner_from_json(data: Any, prefix: tuple[str | int, ...] = ("learner",)) -> tuple[Learner | None, list[Diagnostic], dict[int, str]]:
    """Validate a learner sent as JSON; diagnostics carry synthetic lines that ``where`` maps to pointers."""
    smap, where = pointed_map("<request>", data, prefix)
    if not isinstance(data, dict):
        return None, [smap.diag((), "SR2003", "the learner must be a JSON object", "send the learner document as an object")], where
    doc_data = _tupled(data)
    doc_data.setdefault("kind", "learner")
    doc, diags = parse_document(doc_data, smap, ("learner",))
    if doc is None:
        return None, diags, where
    return Learner(doc, Loaded(doc, smap)), [], where


def diagnostics_json(diags: list[Diagnostic], where: dict[int, str]) -> list[dict[str, Any]]:
    out = []
    for d in sorted(diags, key=lambda d: (where.get(d.line, ""), d.code, d.message)):
        item: dict[str, Any] = {"code": d.code, "slug": d.slug, "severity": d.severity, "message": d.message, "pointer": where.get(d.line, "/learner")}
        if d.help:
            item["help"] = d.help
        out.append(item)
    return out


def _learner_problem(diags: list[Diagnostic], where: dict[int, str]) -> Problem:
    items = diagnostics_json(diags, where)
    errors = [i for i in items if i["severity"] == "error"] or items
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return Problem("invalid-learner", f"{first['pointer']}: {first['message']}{more}", {"diagnostics": items})


# ---- decisions ------------------------------------------------------------------------------------


def decision_ids(kind: str, params: dict[str, Any], digest: str) -> tuple[str, str]:
    """(decision id, inputs digest): the id covers the inputs, the rule base and the engine version."""
    inputs = "sha256:" + hashlib.sha256(canonical({"kind": kind, **params})).hexdigest()
    did = "sha256:" + hashlib.sha256(canonical([inputs, digest, f"stackrules {__version__}"])).hexdigest()
    return did, inputs


def with_fields(text: str, fields: dict[str, str]) -> bytes:
    """The CLI's indented JSON with fields added at its end: the bytes before them are the CLI's."""
    assert text.endswith("\n}")
    added = "".join(f",\n  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items())
    return (text[:-2] + added + "\n}").encode()


def _day(params: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(params["as_of"])


def _decide(engine: Engine, task: Task) -> Outcome:
    p = task.params
    if not isinstance(p.get("learner"), dict):  # a learner is data: never a path to open
        raise Problem(
            "invalid-request", "`learner` must be a JSON object", {"diagnostics": [{"code": "SR2003", "message": "not an object", "pointer": "/learner"}]}
        )
    day = _day(p)
    try:
        # the common case first, as the Python API reads a learner from a dict; positions only when something is wrong
        decision = _call(engine, task.kind, load_learner(p["learner"]), p, day)
    except LearnerError:
        learner, diags, where = learner_from_json(p["learner"])
        if learner is None:
            raise _learner_problem(diags, where) from None
        try:
            decision = _call(engine, task.kind, learner, p, day)
        except LearnerError as exc:
            raise _learner_problem(list(exc.diagnostics), where) from None
    did, inputs = decision_ids(task.kind, p, engine.digest)
    return _render(decision, did, inputs, task.text)


def _call(engine: Engine, kind: str, learner: Learner, p: dict[str, Any], day: dt.date) -> Decision:
    limit = float(p["time_limit"])
    if kind == "audit":
        return engine.audit(learner, p["target"], day, look_ahead=p["look_ahead"], time_limit=limit, catalog_year=p.get("catalog_year"))
    if kind == "assess":
        return engine.assess(learner, p["target"], day, look_ahead=p["look_ahead"], time_limit=limit, catalog_year=p.get("catalog_year"))
    if kind == "plan":
        load = None if p["max_load"] is None else Fraction(p["max_load"])
        return engine.plan(
            learner,
            p["target"],
            day,
            objective=p["objective"],
            alternatives=p["alternatives"],
            max_load=load,
            terms=tuple(p["terms"]),
            allow_unpriced=p.get("allow_unpriced", False),
            look_ahead=p.get("look_ahead", False),
            time_limit=limit,
            catalog_year=p.get("catalog_year"),
        )
    return engine.explore(learner, day, plans=p["plans"], look_ahead=p.get("look_ahead", False), time_limit=limit)


def _render(decision: Decision, did: str, inputs: str, text: bool) -> Outcome:
    status = decision.status
    if text:
        body = decision.text().encode()
        return Outcome(200, body, TEXT, {"X-Decision-Id": did, "ETag": etag(body)}, status, did, inputs)
    body = with_fields(decision.dumps(), {"decision_id": did})
    return Outcome(200, body, JSON, {"X-Decision-Id": did, "ETag": etag(body)}, status, did, inputs)


# ---- the rule base's contents ---------------------------------------------------------------------------


def _towards(engine: Engine, task: Task) -> Outcome:
    p = task.params
    credential = p["credential"]
    if credential not in engine.rules.credentials and credential not in engine.rules.qualifications:
        hint = suggestion(credential, [*engine.rules.credentials, *engine.rules.qualifications])
        extra: dict[str, Any] = {"diagnostics": [{"code": "SR5002", "message": f"unknown credential `{credential}`", "pointer": "/credential"}]}
        if hint:
            extra["diagnostics"][0]["help"] = hint
            extra["suggestions"] = _suggested(hint)
        raise Problem("unknown-credential", f"unknown credential `{credential}`" + (f": {hint}" if hint else ""), extra)
    found = engine.counts_towards(credential, _day(p))
    did, inputs = decision_ids("towards", p, engine.digest)
    doc = {**found.to_json(), "decision_id": did}
    body = json.dumps(doc, ensure_ascii=False, indent=2).encode()
    return Outcome(200, body, JSON, {"ETag": etag(body), "X-Decision-Id": did}, None, did, inputs)


def _graph(engine: Engine, task: Task) -> Outcome:
    from ..compile.graph import neighbourhood, to_dot, to_json, to_mermaid

    p = task.params
    g = engine.graph(_day(p))
    focus = p.get("focus")
    if focus:
        key = next((k for k in (f"qualification:{focus}", f"credential:{focus}", focus) if k in g), None)
        if key is None:
            ids = [n.split(":", 1)[1] for n in g.nodes if n.startswith(("qualification:", "credential:"))]
            hint = suggestion(focus, ids)
            extra: dict[str, Any] = {"suggestions": _suggested(hint)} if hint else {}
            raise Problem("not-found", f"`{focus}` is not in the graph" + (f": {hint}" if hint else ""), extra)
        g = neighbourhood(g, key, p["depth"])
    if p["format"] == "json":
        body = json.dumps(to_json(g), indent=2).encode()
        media = JSON
    else:
        body = (to_dot(g) if p["format"] == "dot" else to_mermaid(g)).encode()
        media = TEXT
    return Outcome(200, body, media, {"ETag": etag(body)})


def _version_json(v: QualVersion) -> dict[str, Any]:
    eff = v.effective
    return {
        "effective_from": eff.from_.isoformat() if eff and eff.from_ else None,
        "effective_until": eff.until.isoformat() if eff and eff.until else None,
        "title": v.title,
        "credits": fmt(v.credits) if v.credits is not None else None,
        "system": v.system,
        "location": str(v.loc),
    }


def qualifications_json(engine: Engine) -> dict[str, Any]:
    """Every target with its versions, provider and framework level (cheap: read from the rule base)."""
    out = []
    for qid, versions in sorted(engine.rules.qualifications.items()):
        latest = versions[-1]
        out.append(
            {
                "id": qid,
                "title": latest.title,
                "provider": latest.provider,
                "type": latest.type,
                "framework_level": latest.framework_level,
                "versions": [_version_json(v) for v in versions],
            }
        )
    return {"qualifications": out, "rules_digest": engine.digest}


def _filter_json(f: Any) -> Any:
    if f is None:
        return None
    return {
        "terms": [{"attr": t.attr, "op": t.op, "value": _plain(t.value)} for t in f.terms],
        "any_of": [[_filter_json(x) for x in group] for group in f.any_of],
        "not": [_filter_json(x) for x in f.nots],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, FactRef):
        return {"fact": value.name}  # a learner's fact (section 17), read when a learner is decided
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Fraction):
        return fmt(value)
    return str(value)


def _tree(node: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": node.kind}
    for key in ("id", "title", "credential", "qualification", "min_grade"):
        val = getattr(node, key)
        if val is not None and not (key == "qualification" and node.nested is None):
            out[key] = val
    if node.kind == "at_least":
        out["at_least"] = node.k
    if node.credits is not None:
        out["credits"] = fmt(node.credits)
    if node.count is not None:
        out["count"] = node.count
    if node.where is not None:
        out["where"] = _filter_json(node.where)
    if node.competencies:
        out["competencies"] = list(node.competencies)
    if node.limits:
        out["limits"] = [{"id": lim.id, "kind": lim.kind, "bound": fmt(lim.bound), "where": _filter_json(lim.where)} for lim in node.limits]
    if node.loc:
        out["location"] = node.loc
    if node.children:
        out["children"] = [_tree(c) for c in node.children]
    return out


def _qualification(engine: Engine, task: Task) -> Outcome:
    p = task.params
    qid = p["id"]
    versions = engine.rules.qualifications.get(qid)
    if not versions:
        hint = suggestion(qid, engine.rules.qualifications)
        extra: dict[str, Any] = {"suggestions": _suggested(hint)} if hint else {}
        raise Problem("unknown-target", f"unknown qualification `{qid}`" + (f": {hint}" if hint else ""), extra)
    day = _day(p)
    version = engine.rules.version(qid, day) or versions[-1]
    compiled = engine.compiled(version, day)
    doc = {
        "id": qid,
        "as_of": p["as_of"],
        "in_force": version.in_force(day),
        "provider": version.provider,
        "type": version.type,
        "framework_level": version.framework_level,
        "version": _version_json(version),
        "versions": [_version_json(v) for v in versions],
        "requires": _tree(compiled.top),
        "rules_digest": engine.digest,
    }
    body = json.dumps(doc, ensure_ascii=False, indent=2).encode()
    return Outcome(200, body, JSON, {"ETag": etag(body)})
