"""A real server: ``stackrules serve`` under uvicorn on an ephemeral loopback port, talked to over the socket.

Also what only a real process shows: SIGHUP reloads the rule base (a broken
one is refused and the old one keeps serving), and SIGTERM lets requests in
progress finish before the process exits 0.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import stackrules

from .conftest import ROOT
from .servicekit import EXAMPLES, learner_json

TOKEN = "socket-test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    def __init__(self, proc: subprocess.Popen[str], url: str, rules: Path, log: Path) -> None:
        self.proc, self.url, self.rules, self.log = proc, url, rules, log
        self.output = rules / "server.log"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=AUTH, timeout=60.0)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("served")
    for name in ("frameworks", "rules"):
        shutil.copytree(ROOT / name, tmp / name)
    token = tmp / "token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    log = tmp / "decisions.jsonl"
    port = free_port()
    args = [sys.executable, "-m", "stackrules", "serve", "--rules", str(tmp / "frameworks"), "--rules", str(tmp / "rules")]
    args += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--token-file", str(token), "--decision-log", str(log), "--log-level", "warning"]
    env = {**os.environ, "STACKRULES_CACHE": "off"}
    output = tmp / "server.log"
    with output.open("w", encoding="utf-8") as sink:
        proc = subprocess.Popen(args, stdout=sink, stderr=subprocess.STDOUT, text=True, env=env)
    srv = Server(proc, f"http://127.0.0.1:{port}", tmp, log)
    srv.output = output
    deadline = time.monotonic() + 90
    with srv.client() as c:
        while True:
            assert proc.poll() is None, output.read_text(encoding="utf-8")
            try:
                if c.get("/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.2)
    try:
        yield srv
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _digest(c: httpx.Client) -> str:
    out: str = c.get("/v1/rulebase").json()["rules_digest"]
    return out


def _wait_for(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_decisions_over_the_socket(server: Server, engine: stackrules.Engine) -> None:
    body = {"learner": learner_json(EXAMPLES / "amira.yaml"), "target": "exu:BIT", "as_of": "2026-11-28"}
    with server.client() as c:
        assert httpx.get(server.url + "/healthz").status_code == 401  # the token is required on every route
        r = c.post("/v1/audit", json=body)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        doc = r.json()
        assert doc["status"] == "met" and doc["provenance"]["rules_digest"] == engine.digest  # the same text as the shipped base
        r = c.post("/v1/audit", content=b"{", headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
        r = c.post("/v1/audit", content=b" " * 1_100_000, headers={"Content-Type": "application/json"})
        assert r.status_code == 413
    lines = [json.loads(x) for x in server.log.read_text(encoding="utf-8").splitlines()]
    assert lines[-1]["decision_id"] == doc["decision_id"]


def test_concurrent_clients(server: Server) -> None:
    # a learner naming badge files is refused over HTTP (a service reads no files a request names: SR6007)
    learners = [learner_json(p) for p in sorted(EXAMPLES.glob("*.yaml")) if "verifiable:" not in p.read_text(encoding="utf-8")]
    results: list[int] = []

    def one(k: int) -> None:
        with server.client() as c:
            for j in range(3):
                r = c.post("/v1/audit", json={"learner": learners[(k + j) % len(learners)], "target": "exu:BIT", "as_of": "2026-11-28"})
                results.append(r.status_code)

    threads = [threading.Thread(target=one, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 24


def test_sighup_reloads_and_a_broken_rule_base_keeps_the_old_one(server: Server) -> None:
    bit = server.rules / "rules" / "example-university" / "bit-2025.yaml"
    good = bit.read_text(encoding="utf-8")
    with server.client() as c:
        before = _digest(c)
        bit.write_text(good.replace("title:", "titel:", 1), encoding="utf-8")
        server.proc.send_signal(signal.SIGHUP)
        assert _wait_for(lambda: "reload refused" in server.output.read_text(encoding="utf-8"), 60), "SIGHUP did not try to reload"
        assert "SR2001" in server.output.read_text(encoding="utf-8")
        assert _digest(c) == before
        assert c.post("/v1/audit", json={"learner": learner_json(EXAMPLES / "amira.yaml"), "target": "exu:BIT"}).status_code == 200
        bit.write_text(good + "\n# reviewed\n", encoding="utf-8")
        server.proc.send_signal(signal.SIGHUP)
        assert _wait_for(lambda: _digest(c) != before, 60), "SIGHUP did not reload"
        after = _digest(c)
        r = c.post("/v1/audit", json={"learner": learner_json(EXAMPLES / "amira.yaml"), "target": "exu:BIT"})
        assert r.json()["provenance"]["rules_digest"] == after


def test_sigterm_lets_requests_in_progress_finish(server: Server) -> None:
    """Last in this file: it stops the server."""
    body = {"learner": learner_json(EXAMPLES / "dana.yaml"), "target": "exu:MDS", "as_of": "2026-11-28", "alternatives": 5}
    done: list[tuple[int, float]] = []

    def one() -> None:
        with server.client() as c:
            r = c.post("/v1/plan", json=body)
            done.append((r.status_code, time.monotonic()))

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # the three are in: one deciding on the single worker, two queued
    sent = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join()
    code = server.proc.wait(timeout=60)
    assert [c for c, _ in done] == [200, 200, 200]
    assert max(at for _, at in done) > sent  # at least one finished after the signal
    assert code in (0, -signal.SIGTERM)  # uvicorn ends by re-raising the signal it stopped for, after the shutdown
    assert "Traceback" not in server.output.read_text(encoding="utf-8")
