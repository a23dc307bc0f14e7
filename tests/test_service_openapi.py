"""The OpenAPI document: committed copy equal to the generated one, every response with an example,
and property tests generated from it (schemathesis) that find no 500 and no response outside the document."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import stackrules
from stackrules.service import ServiceConfig, create_app
from stackrules.service.openapi import dumps

from .conftest import ROOT
from .servicekit import serving

COMMITTED = ROOT / "docs" / "openapi.json"


def test_committed_openapi_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == dumps(), "run: python -m stackrules.service.openapi > docs/openapi.json"


def test_served_openapi_is_the_committed_one(engine: stackrules.Engine) -> None:
    with serving(ServiceConfig(workers=0), engine) as c:
        r = c.get("/openapi.json")
    assert r.status_code == 200 and r.json() == json.loads(COMMITTED.read_text(encoding="utf-8"))


def _has_example(media: dict[str, Any], schemas: dict[str, Any]) -> bool:
    if "example" in media or "examples" in media:
        return True
    ref = media.get("schema", {}).get("$ref", "")
    return bool(ref) and "examples" in schemas[ref.rsplit("/", 1)[1]]


def test_every_response_is_documented_with_an_example() -> None:
    doc = json.loads(COMMITTED.read_text(encoding="utf-8"))
    schemas = doc["components"]["schemas"]
    seen = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op.get("summary") and op.get("description"), (path, method)
            for code, resp in op["responses"].items():
                assert resp.get("description"), (path, method, code)
                if code == "304":
                    assert "content" not in resp
                    continue
                assert resp["content"], (path, method, code)
                for media_type, media in resp["content"].items():
                    assert _has_example(media, schemas), (path, method, code, media_type)
                    seen += 1
                if int(code) >= 400:
                    assert list(resp["content"]) == ["application/problem+json"], (path, method, code)
    assert seen > 80
    for name in ("AuditRequest", "PlanRequest", "ExploreRequest", "TowardsRequest"):
        assert schemas[name]["examples"], name


# ---- property tests generated from the document --------------------------------------------------------

APP = create_app(ServiceConfig(workers=0, max_time_limit=0.5, default_time_limit=0.5))
# the examples phase (every documented example) and the fuzzing phase (max_examples generated cases per operation);
# the coverage phase's hundreds of boundary cases per operation would make this file the slowest of the suite
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)
CHECKS = [content_type_conformance, response_headers_conformance, response_schema_conformance, status_code_conformance]


@schema.exclude(path="/v1/admin/reload").parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_generated_requests_get_documented_answers_and_never_a_500(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
    assert "Traceback" not in response.text
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("path", ["/v1/admin/reload"])
def test_admin_reload_is_documented_and_refused_without_token(path: str) -> None:
    op = schema[path]["POST"]
    case = op.Case()
    response = case.call()
    assert response.status_code == 403
    case.validate_response(response, checks=CHECKS)
