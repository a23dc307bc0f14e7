"""How a service is configured (``stackrules serve`` options, or built by hand for embedding and tests)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceConfig:
    """Everything a service needs to know; immutable once built."""

    rules: tuple[str, ...] = ()  # rule-base paths (empty: the shipped base)
    workers: int = 2  # worker processes (0: decide in one thread of the server, for embedding and tests)
    queue: int = 64  # requests that may wait for a worker beyond those being decided
    start_method: str = "forkserver"  # or "spawn"; never "fork"
    max_body: int = 1_000_000  # bytes
    max_depth: int = 32  # nesting of the JSON body
    body_timeout: float = 30.0  # seconds a request's body may take to arrive once its headers have (then 408)
    default_time_limit: float = 10.0  # seconds, when a request names none
    max_time_limit: float = 30.0  # the cap on what a request may ask for
    token: bytes | None = None  # the bearer token (from --token-file); None: no authentication
    cors_origins: tuple[str, ...] = ()  # CORS is off unless origins are named
    decision_log: str | None = None  # a JSON-lines file each decision is appended to
    cache: str | None = None  # where checked rule bases are kept between loads (None: not kept)

    def time_limit(self, asked: float | None) -> float:
        """The time limit a request gets: what it asked for, capped by the server."""
        return min(self.default_time_limit if asked is None else asked, self.max_time_limit)
