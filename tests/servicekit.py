"""Helpers for the service's tests: an in-process ASGI client (httpx) and learners as JSON."""

from __future__ import annotations

import asyncio
import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

import stackrules
from stackrules.service import ServiceConfig, create_app
from stackrules.source.yamlreader import read_yaml

from .conftest import ROOT

EXAMPLES = ROOT / "examples" / "learners"


def as_json(value: Any) -> Any:
    """Plain JSON data from the strict YAML reader's (tuples become lists, exact decimals numbers)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [as_json(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def learner_json(path: Path) -> dict[str, Any]:
    data, _, diags = read_yaml(path.read_bytes(), str(path))
    assert not diags, diags
    out: dict[str, Any] = as_json(data)
    return out


class Client:
    """A synchronous face on ``httpx.AsyncClient`` over ASGI, with the app's lifespan run around it."""

    def __init__(self, runner: asyncio.Runner, client: httpx.AsyncClient, app: Any) -> None:
        self.runner = runner
        self.client = client
        self.app = app

    @property
    def service(self) -> Any:
        return self.app.state.service

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return self.runner.run(self.client.request(method, url, **kw))

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def gather(self, *calls: tuple[str, str, dict[str, Any]]) -> list[httpx.Response]:
        """Several requests at once (concurrently on the event loop)."""

        async def go() -> list[httpx.Response]:
            return list(await asyncio.gather(*(self.client.request(m, u, **kw) for m, u, kw in calls)))

        return self.runner.run(go())


@contextmanager
def serving(config: ServiceConfig | None = None, engine: stackrules.Engine | None = None) -> Iterator[Client]:
    app = create_app(config or ServiceConfig(workers=0), engine)
    with asyncio.Runner() as runner:
        lifespan = app.router.lifespan_context(app)
        runner.run(lifespan.__aenter__())
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://stackrules.test")
        try:
            yield Client(runner, client, app)
        finally:
            runner.run(client.aclose())
            runner.run(lifespan.__aexit__(None, None, None))
