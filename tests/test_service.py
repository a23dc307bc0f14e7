"""The HTTP service (``stackrules serve``): every endpoint and every error, in process over ASGI (httpx)."""

from __future__ import annotations

import builtins
import io
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import stackrules
from stackrules import cli
from stackrules.service import ServiceConfig
from stackrules.service.pool import Pool
from stackrules.service.problems import Problem
from stackrules.service.worker import learner_from_json

from .conftest import ROOT
from .servicekit import EXAMPLES, Client, learner_json, serving

TOKEN = b"s3cret-token-for-tests-0123456789"
AS_OF = "2026-11-28"
AMIRA = learner_json(EXAMPLES / "amira.yaml")


@pytest.fixture(scope="module")
def client(engine: stackrules.Engine) -> Iterator[Client]:
    with serving(ServiceConfig(workers=0), engine) as c:
        yield c


def audit_body(**kw: Any) -> dict[str, Any]:
    return {"learner": AMIRA, "target": "exu:BIT", "as_of": AS_OF, **kw}


def problem(r: Any, status: int, slug: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    doc: dict[str, Any] = r.json()
    assert doc["type"].endswith("/" + slug) and doc["status"] == status and doc["title"] and doc["detail"]
    # every problem names the request it answers (RFC 9457 `instance`), the worker's as the app's own
    assert doc["instance"] == r.request.url.path, doc
    assert list(doc)[:5] == ["type", "title", "status", "detail", "instance"]
    assert "Traceback" not in r.text
    return doc


# ---- decisions --------------------------------------------------------------------------------------


def test_audit_is_the_python_apis_decision_plus_an_id(client: Client, engine: stackrules.Engine) -> None:
    r = client.post("/v1/audit", json=audit_body())
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    did = doc.pop("decision_id")
    expected = engine.audit(stackrules.load_learner(EXAMPLES / "amira.yaml"), "exu:BIT", stackrules.engine.dt.date(2026, 11, 28)).to_json()
    assert doc == expected and doc["status"] == "met"
    assert did.startswith("sha256:") and r.headers["x-decision-id"] == did
    assert doc["provenance"]["rules_digest"] == engine.digest
    assert r.headers["etag"].startswith('"')


def test_decision_id_covers_the_inputs(client: Client) -> None:
    a = client.post("/v1/audit", json=audit_body()).json()["decision_id"]
    b = client.post("/v1/audit", json=audit_body()).json()["decision_id"]
    c = client.post("/v1/audit", json=audit_body(look_ahead=True)).json()["decision_id"]
    d = client.post("/v1/assess", json=audit_body()).json()["decision_id"]
    assert a == b and len({a, c, d}) == 3


def test_every_decision_kind(client: Client) -> None:
    ben = learner_json(EXAMPLES / "ben.yaml")
    r = client.post("/v1/assess", json={"learner": learner_json(EXAMPLES / "tariq.yaml"), "target": "exu:BIT", "as_of": AS_OF})
    assert r.status_code == 200 and r.json()["granted"]
    r = client.post("/v1/plan", json={"learner": ben, "target": "exu:BIT", "as_of": AS_OF, "objective": "cost", "alternatives": 1, "max_load": "24"})
    assert r.status_code == 200 and r.json()["status"] == "planned" and r.json()["added"]
    r = client.post("/v1/explore", json={"learner": ben, "as_of": AS_OF, "plans": False})
    assert r.status_code == 200 and {q["target"] for q in r.json()["qualifications"]} >= {"exu:BIT", "exu:MDS"}


def test_accept_text_gives_the_explanation(client: Client, engine: stackrules.Engine) -> None:
    r = client.post("/v1/audit", json=audit_body(), headers={"Accept": "text/plain"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lrn = stackrules.load_learner(EXAMPLES / "amira.yaml")
    assert r.text == engine.audit(lrn, "exu:BIT", stackrules.engine.dt.date(2026, 11, 28)).text()
    assert r.headers["x-decision-id"].startswith("sha256:")
    # JSON when both are acceptable and JSON is preferred, or for */*
    assert client.post("/v1/audit", json=audit_body(), headers={"Accept": "text/plain;q=0.5, application/json"}).headers["content-type"] == "application/json"
    assert client.post("/v1/audit", json=audit_body(), headers={"Accept": "*/*"}).headers["content-type"] == "application/json"


def test_indeterminate_is_a_decision_not_an_error(client: Client) -> None:
    # Ben's audit needs the solver (Amira's is decided by the fast path, which needs no time)
    r = client.post("/v1/audit", json=audit_body(learner=learner_json(EXAMPLES / "ben.yaml"), time_limit=1e-9))
    assert r.status_code == 200 and r.json()["status"] == "indeterminate"


def test_as_of_defaults_to_today(client: Client) -> None:
    body = audit_body()
    del body["as_of"]
    r = client.post("/v1/audit", json=body)
    assert r.status_code == 200 and r.json()["as_of"] == stackrules.engine.dt.date.today().isoformat()


# ---- the rule base's contents ---------------------------------------------------------------------------


def test_towards(client: Client, engine: stackrules.Engine) -> None:
    r = client.post("/v1/towards", json={"credential": "tafe-nsw:ICT50220", "as_of": AS_OF})
    assert r.status_code == 200
    assert r.json()["counts_towards"] == engine.counts_towards("tafe-nsw:ICT50220", stackrules.engine.dt.date(2026, 11, 28)).to_json()["counts_towards"]


def test_qualifications_and_one_qualification(client: Client) -> None:
    r = client.get("/v1/qualifications")
    assert r.status_code == 200
    rows = {q["id"]: q for q in r.json()["qualifications"]}
    assert set(rows) == {"aqf:graduate-certificate", "exu:BIT", "exu:GCDS", "exu:MDS", "evu:BM-PERF", "nus:BCOMP-CS", "tp-ict:ICT40120"}
    assert rows["tp-ict:ICT40120"]["versions"][0]["credits"] is None  # no credit total (section 17)
    assert rows["exu:BIT"]["provider"] == "exu" and rows["exu:BIT"]["framework_level"] == "aqf:7" and len(rows["exu:BIT"]["versions"]) == 2
    r = client.get("/v1/qualifications/exu:BIT", params={"as_of": AS_OF})
    doc = r.json()
    assert r.status_code == 200 and doc["in_force"] and doc["version"]["effective_from"] == "2025-01-01"
    core = doc["requires"]["children"][0]["children"][0]
    assert core["id"] == "core" and core["location"] == "rules/example-university/bit-2025.yaml:13"
    older = client.get("/v1/qualifications/exu:BIT", params={"as_of": "2022-06-01"}).json()
    assert older["version"]["effective_until"] == "2024-12-31"


def test_graph_formats_and_focus(client: Client) -> None:
    r = client.get("/v1/graph", params={"format": "json", "as_of": AS_OF})
    assert r.status_code == 200 and r.json()["nodes"]
    r = client.get("/v1/graph", params={"format": "dot", "focus": "exu:GCDS", "depth": 1})
    assert r.status_code == 200 and r.text.startswith("digraph") and r.headers["content-type"].startswith("text/plain")
    r = client.get("/v1/graph", params={"format": "mermaid", "focus": "exu:GCDS"})
    assert r.status_code == 200 and r.text.startswith("flowchart")
    # a depth without a focus bounded nothing, silently
    doc = problem(client.get("/v1/graph", params={"depth": 1}), 422, "invalid-request")
    assert doc["diagnostics"][0]["parameter"] == "depth" and doc["diagnostics"][0]["code"] == "SR5002"


def test_schema_rulebase_health(client: Client, engine: stackrules.Engine) -> None:
    r = client.get("/v1/schema/learner")
    assert r.status_code == 200 and r.json()["title"] == "stackrules learner document"
    # every kind `stackrules schema` prints is served (`issuer` was refused with 422)
    from typing import get_args

    from stackrules.language.models import KINDS
    from stackrules.service.models import SchemaKind

    assert set(get_args(SchemaKind)) == set(KINDS)
    for kind in KINDS:
        assert client.get(f"/v1/schema/{kind}").status_code == 200, kind
    info = client.get("/v1/rulebase").json()
    assert info["rules_digest"] == engine.digest and info["engine"] == f"stackrules {stackrules.__version__}"
    assert "rules/example-university/bit-2025.yaml" in info["files"] and info["loaded_at"]
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["rules_digest"] == engine.digest


def test_etag_and_if_none_match(client: Client) -> None:
    first = client.get("/v1/qualifications")
    again = client.get("/v1/qualifications", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"] and not again.content


# ---- errors: problem+json, never a 500 -------------------------------------------------------------


def test_malformed_json_is_400(client: Client) -> None:
    problem(client.post("/v1/audit", content=b'{"learner": ', headers={"Content-Type": "application/json"}), 400, "malformed-json")
    problem(client.post("/v1/audit", content=b'{"time_limit": NaN}', headers={"Content-Type": "application/json"}), 400, "malformed-json")
    problem(client.post("/v1/audit", content=b'{"time_limit": 1e999}', headers={"Content-Type": "application/json"}), 400, "malformed-json")
    problem(client.post("/v1/audit", content=b"\xff\xfe", headers={"Content-Type": "application/json"}), 400, "malformed-json")


def test_a_key_given_twice_is_refused_as_the_command_line_refuses_it(client: Client) -> None:
    # The last occurrence won: a gateway that keeps the first saw another target (or other holdings) than the one
    # decided, and the command line and batch runs refuse the same document (SR1002)
    body = b'{"target": "exu:BIT", "target": "exu:GCDS", "as_of": "2026-11-28", "learner": {"id": "x", "holdings": []}}'
    doc = problem(client.post("/v1/audit", content=body, headers={"Content-Type": "application/json"}), 422, "invalid-request")
    assert doc["diagnostics"] == [
        {"code": "SR1002", "message": "the key `target` is given twice in one object", "pointer": "/target", "help": "remove or rename the second occurrence"}
    ]
    nested = b'{"target": "exu:BIT", "as_of": "2026-11-28", "learner": {"id": "x", "holdings": [], "holdings": [{"credential": "exu:COMP1010"}]}}'
    doc = problem(client.post("/v1/audit", content=nested, headers={"Content-Type": "application/json"}), 422, "invalid-request")
    assert doc["diagnostics"][0]["pointer"] == "/learner/holdings"


def test_a_body_that_does_not_arrive_in_time_is_408(engine: stackrules.Engine) -> None:
    # headers, then a body sent slowly or never: the connection was held for ever (a few hundred such clients hold as
    # many file descriptors); the body now has body_timeout seconds
    import asyncio

    async def trickle() -> Any:
        yield b'{"target": "exu:BIT", '
        await asyncio.sleep(5)
        yield b'"as_of": "2026-11-28"}'

    with serving(ServiceConfig(workers=0, body_timeout=0.2), engine) as c:
        started = time.monotonic()
        r = c.post("/v1/audit", content=trickle(), headers={"Content-Type": "application/json"})
        doc = problem(r, 408, "request-timeout")
        assert doc["detail"] == "the body did not arrive within 0.2 seconds" and r.headers["connection"] == "close"
        assert time.monotonic() - started < 4
        assert c.post("/v1/audit", json=audit_body()).status_code == 200  # others are served as before


def test_a_request_argument_out_of_its_schema_is_sr5002_in_the_service_s_words(client: Client) -> None:
    # it was {"code": "value_error", "message": "Value error, not a calendar day ..."}: pydantic's words, not an SR code
    doc = problem(client.post("/v1/audit", json=audit_body(as_of="2026-13-28")), 422, "invalid-request")
    assert doc["diagnostics"] == [
        {"code": "SR5002", "message": "2026-13-28 is not a day of the calendar: there is no month 13: months run from 01 to 12", "pointer": "/as_of"}
    ]
    doc = problem(client.post("/v1/audit", json=audit_body(as_of="28/11/2026")), 422, "invalid-request")
    assert doc["diagnostics"] == [{"code": "SR5002", "message": "not a calendar day: write YYYY-MM-DD", "pointer": "/as_of"}]
    doc = problem(client.post("/v1/audit", json={**audit_body(), "colour": "blue"}), 422, "invalid-request")
    assert doc["diagnostics"][0]["code"] == "SR5002" and doc["diagnostics"][0]["pointer"] == "/colour"
    assert doc["diagnostics"][0]["message"] == "`colour` is not a field of this request"
    # a misspelt field is named with the one meant (a newcomer wrote `asof`, 2026-11-30)
    body = audit_body()
    body["asof"] = body.pop("as_of")
    doc = problem(client.post("/v1/audit", json=body), 422, "invalid-request")
    assert doc["diagnostics"][0]["message"] == "`asof` is not a field of this request: did you mean `as_of`?", doc


def test_too_deep_is_400(client: Client) -> None:
    problem(client.post("/v1/audit", content=b"[" * 100_000, headers={"Content-Type": "application/json"}), 400, "too-deep")
    deep: Any = "x"
    for _ in range(40):
        deep = {"a": deep}
    problem(client.post("/v1/audit", json=audit_body(learner={"id": "L", "note": deep})), 400, "too-deep")


def test_too_large_is_413(client: Client) -> None:
    big = audit_body(learner={**AMIRA, "note": "x" * 1_100_000})
    problem(client.post("/v1/audit", json=big), 413, "payload-too-large")

    async def stream() -> Any:  # no Content-Length: refused as the body crosses the limit
        for _ in range(20):
            yield b" " * 100_000

    problem(client.post("/v1/audit", content=stream(), headers={"Content-Type": "application/json"}), 413, "payload-too-large")


def test_wrong_media_type_is_415(client: Client) -> None:
    problem(client.post("/v1/audit", content=json.dumps(audit_body()), headers={"Content-Type": "text/plain"}), 415, "unsupported-media-type")
    problem(client.post("/v1/audit", content=b"learner=x", headers={"Content-Type": "application/x-www-form-urlencoded"}), 415, "unsupported-media-type")


def test_bad_request_fields_are_422_with_pointers(client: Client) -> None:
    doc = problem(client.post("/v1/audit", json=audit_body(as_of="28/11/2026", look_ahead="yes", colour=1)), 422, "invalid-request")
    pointers = {d["pointer"] for d in doc["diagnostics"]}
    assert pointers == {"/as_of", "/look_ahead", "/colour"}
    doc = problem(client.post("/v1/plan", json={"learner": AMIRA, "target": "exu:BIT", "max_load": "-3"}), 422, "invalid-request")
    assert doc["diagnostics"][0]["pointer"] == "/max_load"
    problem(client.post("/v1/audit", json=audit_body(time_limit=0)), 422, "invalid-request")
    problem(client.post("/v1/audit", json={"target": "exu:BIT"}), 422, "invalid-request")
    problem(client.post("/v1/audit"), 422, "invalid-request")
    doc = problem(client.get("/v1/graph", params={"depth": 99}), 422, "invalid-request")
    assert doc["diagnostics"][0]["parameter"] == "depth"


def test_bad_learner_is_422_with_the_clis_diagnostics_at_json_pointers(client: Client, engine: stackrules.Engine) -> None:
    learner = {**AMIRA, "holdings": [*AMIRA["holdings"][:3], {"credential": "exu:COMP1010", "grade": "DN", "colour": "red"}]}
    doc = problem(client.post("/v1/audit", json=audit_body(learner=learner)), 422, "invalid-learner")
    [d] = doc["diagnostics"]
    assert d["pointer"] == "/learner/holdings/3/colour" and d["code"] == "SR2001" and "did you mean" not in d["message"]
    # a semantic error: an uncatalogued holding; the same code and message as the CLI, at a pointer
    learner = {**AMIRA, "holdings": [*AMIRA["holdings"][:2], {"credential": "exu:COMP9999"}]}
    doc = problem(client.post("/v1/audit", json=audit_body(learner=learner)), 422, "invalid-learner")
    [d] = [x for x in doc["diagnostics"] if x["code"] == "SR3014"]
    assert d["pointer"].startswith("/learner/holdings/2")
    with pytest.raises(stackrules.LearnerError) as cli_side:
        engine.audit(stackrules.load_learner(learner), "exu:BIT", stackrules.engine.dt.date(2026, 11, 28))
    assert [(x.code, x.message) for x in cli_side.value.diagnostics if x.code == "SR3014"] == [(d["code"], d["message"])]
    doc = problem(client.post("/v1/audit", json=audit_body(learner=["not", "an", "object"])), 422, "invalid-request")
    problem(client.post("/v1/audit", json=audit_body(learner={"holdings": []})), 422, "invalid-learner")


def test_learner_pointers_for_every_path() -> None:
    learner, diags, where = learner_from_json({"id": "L", "holdings": [{"credential": "x:Y", "awarded": "not-a-date"}], "enrolments": "no"})
    assert learner is None
    found = {where[d.line] for d in diags}
    assert found == {"/learner/holdings/0/awarded", "/learner/enrolments"}


def test_unknown_target_is_404_with_did_you_mean(client: Client) -> None:
    doc = problem(client.post("/v1/audit", json=audit_body(target="exu:BTI")), 404, "unknown-target")
    assert doc["suggestions"] == ["exu:BIT"] and doc["diagnostics"][0]["pointer"] == "/target"
    doc = problem(client.post("/v1/towards", json={"credential": "exu:COMP101"}), 404, "unknown-credential")
    assert "exu:COMP1010" in doc["suggestions"]
    doc = problem(client.get("/v1/qualifications/exu:GCSD"), 404, "unknown-target")
    assert doc["suggestions"][0] == "exu:GCDS"
    problem(client.get("/v1/graph", params={"focus": "exu:GCSD"}), 404, "not-found")
    problem(client.get("/v1/nothing-here"), 404, "not-found")
    problem(client.get("/v1/schema/recipe"), 422, "invalid-request")


def test_other_client_errors(client: Client) -> None:
    problem(client.request("DELETE", "/v1/audit"), 405, "method-not-allowed")
    problem(client.post("/v1/audit", json=audit_body(), headers={"Accept": "image/png"}), 406, "not-acceptable")


def test_full_queue_is_503_with_retry_after(client: Client) -> None:
    pool: Pool = client.service.current.pool
    pool.pending = pool.capacity  # as if that many requests were in the pool
    try:
        r = client.post("/v1/audit", json=audit_body())
    finally:
        pool.pending = 0
    problem(r, 503, "overloaded")
    assert r.headers["retry-after"] == "1"
    assert client.post("/v1/audit", json=audit_body()).status_code == 200


def test_queue_admits_workers_plus_queue(engine: stackrules.Engine) -> None:
    with serving(ServiceConfig(workers=0, queue=1), engine) as c:
        calls = [("POST", "/v1/audit", {"json": audit_body(target=t)}) for t in ("exu:BIT", "exu:MDS", "exu:GCDS", "exu:BIT")]
        codes = sorted(r.status_code for r in c.gather(*calls))
    assert codes == [200, 200, 503, 503]


def test_never_a_500_nor_a_traceback_for_odd_bodies(client: Client) -> None:
    odd: list[Any] = [None, 1, "x", [], {}, {"learner": None}, {"learner": {}, "target": ""}, {"learner": {"id": 1}, "target": "exu:BIT"}]
    odd += [{"learner": {"id": "L", "holdings": [{"credential": "exu:COMP1010", "credits": "1/0"}]}, "target": "exu:BIT"}]
    odd += [{"learner": {"id": "L", "holdings": [{"credential": "ext:a", "provider": "ext", "title": "A", "credits": -5}]}, "target": "exu:BIT"}]
    for body in odd:
        for path in ("/v1/audit", "/v1/assess", "/v1/plan", "/v1/explore", "/v1/towards"):
            r = client.post(path, json=body)
            assert 400 <= r.status_code < 500 and r.headers["content-type"] == "application/problem+json", (path, body, r.text)
            assert "Traceback" not in r.text


def test_the_service_never_opens_a_path_named_in_a_request(client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"secret": "do not read"}', encoding="utf-8")
    opened: list[str] = []
    real_open = builtins.open

    def spy(file: Any, *a: Any, **kw: Any) -> Any:
        opened.append(str(file))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(io, "open", spy)
    holding = {"credential": "ext:python", "title": "Python", "provider": "ext", "credits": "4 us-sch", "type": "micro-credential", "evidence": str(secret)}
    learner = {**AMIRA, "holdings": [*AMIRA["holdings"], holding]}
    r = client.post("/v1/audit", json=audit_body(learner=learner))
    assert r.status_code == 200 and "do not read" not in r.text
    assert not [f for f in opened if "secret" in f]


# ---- security -------------------------------------------------------------------------------------


def test_token_required_on_every_route_when_set(engine: stackrules.Engine) -> None:
    with serving(ServiceConfig(workers=0, token=TOKEN), engine) as c:
        for method, path in [("GET", "/healthz"), ("GET", "/v1/qualifications"), ("POST", "/v1/audit"), ("GET", "/openapi.json"), ("GET", "/nope")]:
            r = c.request(method, path)
            problem(r, 401, "unauthorized")
            assert r.headers["www-authenticate"].startswith("Bearer")
            problem(c.request(method, path, headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
        ok = {"Authorization": "Bearer " + TOKEN.decode()}
        assert c.get("/healthz", headers=ok).status_code == 200
        assert c.post("/v1/audit", json=audit_body(), headers=ok).status_code == 200


def test_admin_routes_refused_without_a_token(client: Client) -> None:
    problem(client.post("/v1/admin/reload"), 403, "admin-disabled")


def test_cors_off_unless_configured(client: Client, engine: stackrules.Engine) -> None:
    r = client.get("/v1/qualifications", headers={"Origin": "https://portal.example.edu"})
    assert "access-control-allow-origin" not in r.headers
    with serving(ServiceConfig(workers=0, cors_origins=("https://portal.example.edu",)), engine) as c:
        r = c.get("/v1/qualifications", headers={"Origin": "https://portal.example.edu"})
        assert r.headers["access-control-allow-origin"] == "https://portal.example.edu"
        r = c.request("OPTIONS", "/v1/audit", headers={"Origin": "https://portal.example.edu", "Access-Control-Request-Method": "POST"})
        assert r.status_code == 200
        assert "access-control-allow-origin" not in c.get("/healthz", headers={"Origin": "https://evil.example"}).headers


def test_decision_log(engine: stackrules.Engine, tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    with serving(ServiceConfig(workers=0, decision_log=str(path)), engine) as c:
        ids = [c.post("/v1/audit", json=audit_body()).json()["decision_id"], c.post("/v1/plan", json=audit_body(target="exu:GCDS")).json()["decision_id"]]
        c.post("/v1/audit", json=audit_body(target="exu:BTI"))  # not a decision: not logged
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [x["decision_id"] for x in lines] == ids
    assert lines[0]["kind"] == "audit" and lines[0]["status"] == "met" and lines[0]["rules_digest"] == engine.digest
    assert lines[0]["inputs_digest"].startswith("sha256:") and lines[0]["latency_ms"] > 0 and lines[0]["time"]
    assert "L-0001" not in path.read_text(encoding="utf-8")  # inputs are digested, not copied


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_decision_that_cannot_be_logged_is_not_delivered(engine: stackrules.Engine) -> None:
    # A full disk made every decision an "internal-error" 500, and the lines buffered meanwhile were flushed later:
    # the log listed decisions whose clients never got them. Now: 503, said plainly, and nothing logged
    with serving(ServiceConfig(workers=0, decision_log="/dev/full"), engine) as c:
        r = c.post("/v1/audit", json=audit_body())
        doc = problem(r, 503, "decision-log-unwritable")
        assert "No space left on device" in doc["detail"] and "not delivered" in doc["detail"] and r.headers["retry-after"]
        assert "decision_id" not in doc


def test_a_line_the_disk_takes_only_part_of_is_cut_off_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from stackrules.service import log as decision_log

    path = tmp_path / "decisions.jsonl"
    dl = decision_log.DecisionLog(str(path))
    dl.write({"decision_id": "a"})
    real = os.write

    def half(fd: int, data: bytes) -> int:
        real(fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(decision_log.os, "write", half)
    with pytest.raises(decision_log.LogUnwritable, match="No space left on device"):
        dl.write({"decision_id": "b"})
    monkeypatch.setattr(decision_log.os, "write", real)
    dl.write({"decision_id": "c"})
    dl.close()
    assert [json.loads(x)["decision_id"] for x in path.read_text(encoding="utf-8").splitlines()] == ["a", "c"]


# ---- reload ----------------------------------------------------------------------------------------


def _copy_shipped(tmp_path: Path) -> list[str]:
    for name in ("frameworks", "rules"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return [str(tmp_path / "frameworks"), str(tmp_path / "rules")]


def test_reload_refuses_a_broken_rule_base_and_keeps_the_old_one(tmp_path: Path) -> None:
    rules = _copy_shipped(tmp_path)
    ok = {"Authorization": "Bearer " + TOKEN.decode()}
    with serving(ServiceConfig(workers=0, token=TOKEN, rules=tuple(rules))) as c:
        before = c.post("/v1/audit", json=audit_body(), headers=ok).json()
        digest = before["provenance"]["rules_digest"]
        bit = tmp_path / "rules" / "example-university" / "bit-2025.yaml"
        good = bit.read_text(encoding="utf-8")
        bit.write_text(good.replace("title:", "titel:", 1), encoding="utf-8")
        doc = problem(c.post("/v1/admin/reload", headers=ok), 422, "invalid-rule-base")
        assert any(d["code"] == "SR2001" and d["file"].endswith("bit-2025.yaml") and d["line"] >= 1 for d in doc["diagnostics"])
        after = c.post("/v1/audit", json=audit_body(), headers=ok).json()
        assert after["provenance"]["rules_digest"] == digest and after["status"] == before["status"]
        assert c.get("/v1/rulebase", headers=ok).json()["rules_digest"] == digest
        # a valid change is taken, and decisions name the new digest
        bit.write_text(good + "\n# reviewed\n", encoding="utf-8")
        r = c.post("/v1/admin/reload", headers=ok)
        assert r.status_code == 200 and r.json()["changed"] and r.json()["previous_digest"] == digest
        new = r.json()["rules_digest"]
        assert new != digest and c.post("/v1/audit", json=audit_body(), headers=ok).json()["provenance"]["rules_digest"] == new


# ---- the service's JSON is the CLI's, byte for byte -------------------------------------------------------


@pytest.fixture(scope="module")
def pooled(engine: stackrules.Engine) -> Iterator[Client]:
    """The real thing: two worker processes started with forkserver, each receiving the engine once."""
    with serving(ServiceConfig(workers=2), engine) as c:
        yield c


def test_pool_uses_forkserver_worker_processes(pooled: Client) -> None:
    pool = pooled.service.current.pool
    assert pool.start_method == "forkserver" and len(pool._all) == 2
    assert all(w.process.is_alive() and w.process.pid != os.getpid() for w in pool._all)


def test_a_worker_that_dies_is_replaced(engine: stackrules.Engine) -> None:
    with serving(ServiceConfig(workers=1), engine) as c:
        pool = c.service.current.pool
        [first] = pool._all
        first.process.kill()
        first.process.join(10)
        r = c.post("/v1/audit", json=audit_body())
        if r.status_code == 503:  # the request met the dead worker: refused, and the worker replaced
            problem(r, 503, "overloaded")
            r = c.post("/v1/audit", json=audit_body())
        assert r.status_code == 200
        [second] = pool._all
        assert second is not first and second.process.is_alive()


def test_a_worker_that_overruns_is_killed_and_replaced(engine: stackrules.Engine) -> None:
    from stackrules.service.worker import Task

    with serving(ServiceConfig(workers=1), engine) as c:
        pool = c.service.current.pool
        [first] = pool._all
        params = {"learner": learner_json(EXAMPLES / "dana.yaml"), "target": "exu:MDS", "as_of": AS_OF, "objective": "credits"}
        params |= {"alternatives": 5, "max_load": None, "terms": [], "time_limit": 10.0}
        with pytest.raises(Problem) as stopped:
            c.runner.run(pool.submit(Task("plan", params), 0.01))
        assert stopped.value.slug == "timeout"
        first.process.join(10)
        assert not first.process.is_alive() and pool._all[0] is not first
        assert c.post("/v1/audit", json=audit_body()).status_code == 200


# every example learner but those naming badge files: a service never reads files a request names (SR6007,
# test_verifiable_holdings_over_http), so those learners send their credentials inline and their `source` names differ
SENDABLE = [n for n in sorted(EXAMPLES.glob("*.yaml")) if "verifiable:" not in n.read_text(encoding="utf-8")]
CASES = [(n.stem, kind, t) for n in SENDABLE for kind in ("audit", "assess", "plan") for t in ("exu:BIT", "exu:MDS", "exu:GCDS")]
CASES += [(n.stem, "explore", None) for n in SENDABLE]


def test_verifiable_holdings_over_http(client: Client) -> None:
    badges = EXAMPLES / "badges" / "eva"
    learner = {
        "id": "L-0010",
        "identities": ["did:example:eva"],
        "holdings": [
            {"verifiable": json.loads((badges / "ds-mc1.json").read_text(encoding="utf-8"))},
            {"verifiable": (badges / "ds-mc3.jwt").read_text(encoding="utf-8").strip()},
        ],
    }
    r = client.post("/v1/audit", json={"learner": learner, "target": "exu:GCDS", "as_of": "2026-11-29"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert [v["holding"] for v in doc["provenance"]["credentials"]] == ["eux:DS-MC1"]
    assert [u["reason"] for u in doc["unverified"]] == ["expired"]
    learner["holdings"] = [{"verifiable": "badges/eva/ds-mc1.json"}]
    body = problem(client.post("/v1/audit", json={"learner": learner, "target": "exu:GCDS", "as_of": "2026-11-29"}), 422, "invalid-learner")
    assert [(d["code"], d["pointer"]) for d in body["diagnostics"]] == [("SR6007", "/learner/holdings/0/verifiable")]


def test_service_json_is_the_clis_byte_for_byte(pooled: Client, engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_engine", lambda rules: engine)  # the CLI as it runs, with the rule base loaded once for speed
    runner = CliRunner()
    calls = []
    expected = []
    for name, kind, target in CASES:
        args = [kind, "--learner", str(EXAMPLES / f"{name}.yaml"), "--as-of", AS_OF, "--format", "json"] + (["--target", target] if target else [])
        result = runner.invoke(cli.main, args)
        assert result.exit_code in (0, 2), result.output
        expected.append(result.stdout)
        body: dict[str, Any] = {"learner": learner_json(EXAMPLES / f"{name}.yaml"), "as_of": AS_OF}
        if target:
            body["target"] = target
        calls.append(("POST", f"/v1/{kind}", {"json": body}))
    responses: list[Any] = []
    for start in range(0, len(calls), 8):
        responses += pooled.gather(*calls[start : start + 8])
    for (name, kind, target), cli_out, r in zip(CASES, expected, responses, strict=True):
        assert r.status_code == 200, (name, kind, target, r.text)
        text = r.text
        did = r.json()["decision_id"]
        added = f',\n  "decision_id": "{did}"\n}}'
        assert text.endswith(added), (name, kind, target)
        assert text[: -len(added)] + "\n}\n" == cli_out, (name, kind, target)


def test_look_ahead_is_carried_by_plan_and_explore(client: Client) -> None:
    chen = learner_json(EXAMPLES / "chen.yaml")
    rows = client.post("/v1/explore", json={"learner": chen, "as_of": AS_OF, "plans": False, "look_ahead": True}).json()["qualifications"]
    assert {r["target"]: r["status"] for r in rows}["exu:BIT"] == "met_pending"
    plan = client.post("/v1/plan", json={"learner": chen, "target": "exu:BIT", "as_of": AS_OF, "look_ahead": True}).json()
    assert plan["added"] == []


def test_catalog_year_is_carried_by_audit_assess_and_plan(client: Client) -> None:
    dana = learner_json(EXAMPLES / "dana.yaml")
    for kind in ("audit", "assess", "plan"):
        own = client.post(f"/v1/{kind}", json={"learner": dana, "target": "exu:BIT", "as_of": AS_OF}).json()
        what_if = client.post(f"/v1/{kind}", json={"learner": dana, "target": "exu:BIT", "as_of": AS_OF, "catalog_year": 2020}).json()
        assert own["title"] == "Bachelor of Information Technology"
        assert what_if["title"] == "Bachelor of Information Technology (2020 rules)"
        assert own["decision_id"] != what_if["decision_id"]
    problem(client.post("/v1/audit", json={"learner": dana, "target": "exu:BIT", "as_of": AS_OF, "catalog_year": "2020"}), 422, "invalid-request")
    plan = client.post("/v1/plan", json={"learner": dana, "target": "exu:BIT", "as_of": AS_OF, "catalog_year": 2020}).json()
    assert plan["version"]["chosen_by"] == "catalog_year" and plan["version"]["location"] == "rules/example-university/bit-2020.yaml:2"
    r = client.post("/v1/plan", json={"learner": dana, "target": "exu:BIT", "as_of": AS_OF, "catalog_year": 1990})
    [d] = r.json()["diagnostics"]
    assert r.status_code == 422 and d["pointer"] == "/catalog_year"


def test_an_argument_the_engine_refuses_points_at_its_field(client: Client) -> None:
    # an adversary's find (2026-11-30): an as_of outside the years came back with "pointer": "" and the CLI's help
    r = client.post("/v1/audit", json=audit_body(as_of="0001-01-01"))
    [d] = r.json()["diagnostics"]
    assert r.status_code == 422 and d["pointer"] == "/as_of" and d["message"].startswith("`as_of` 0001-01-01 is outside the years")


def test_a_catalogue_year_with_no_version_points_at_the_year_not_the_target(client: Client) -> None:
    # a newcomer's find (2026-11-30): 404 "The target is not a qualification of the rule base", pointer /target
    r = client.post("/v1/audit", json={**audit_body(), "catalog_year": 1990})
    [d] = r.json()["diagnostics"]
    assert r.status_code == 422 and d["pointer"] == "/catalog_year" and d["message"].startswith("no version of `exu:BIT` is in force on 1990-01-01")
    r = client.post("/v1/audit", json=audit_body(as_of="9999-01-01"))
    [d] = r.json()["diagnostics"]
    assert d["pointer"] == "/as_of" and d["help"] == "give a day from 1000-01-01 to 8999-12-31"


def test_an_empty_body_and_a_quantity_sent_as_a_number_say_what_to_send(client: Client) -> None:
    # a newcomer's find (2026-11-30): "Field required" with an empty pointer; "Input should be a valid string"
    r = client.post("/v1/audit", content=b"", headers={"Content-Type": "application/json"})
    [d] = r.json()["diagnostics"]
    assert r.status_code == 422 and d["message"].startswith("the request has no body: send a JSON object with the fields ")
    assert "`learner`" in d["message"] and "`target`" in d["message"]
    r = client.post("/v1/plan", json={**audit_body(), "max_load": 0})
    [d] = r.json()["diagnostics"]
    assert d["pointer"] == "/max_load" and d["message"].endswith('send the number as text, e.g. "0"')


def test_a_learner_fact_past_the_number_bound_is_422(client: Client) -> None:
    """The service loaded `facts: {x: 10**22}` that the CLI refuses in YAML (SR2011; an adversary, 2026-11-30)."""
    learner = {**AMIRA, "facts": {"x": 10**22}}
    doc = problem(client.post("/v1/audit", json=audit_body(learner=learner)), 422, "invalid-learner")
    assert [d["code"] for d in doc["diagnostics"]] == ["SR2011"], doc
    assert doc["diagnostics"][0].get("pointer") == "/learner/facts/x", doc
