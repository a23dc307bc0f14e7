"""Running the service with uvicorn: what ``stackrules serve`` calls."""

from __future__ import annotations

import logging
from pathlib import Path

from .config import ServiceConfig

SHUTDOWN_GRACE = 30  # seconds uvicorn waits for requests in progress after SIGTERM / SIGINT


class TokenFileError(ValueError):
    """The token file cannot be used."""


def read_token(path: str) -> bytes:
    """The bearer token: the file's first line, stripped; refused when empty or unreadable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenFileError(f"cannot read the token file `{path}`: {exc}") from None
    token = text.strip().splitlines()[0].strip() if text.strip() else ""
    if len(token) < 16:
        raise TokenFileError(f"the token in `{path}` is {'empty' if not token else 'shorter than 16 characters'}; use a long random token")
    return token.encode()


def serve(config: ServiceConfig, host: str = "127.0.0.1", port: int = 8080, log_level: str = "info") -> None:
    """Serve until SIGTERM or SIGINT; requests in progress finish first (SIGHUP reloads the rule base)."""
    import uvicorn

    from .app import create_app

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(config)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
        server_header=False,
        proxy_headers=False,
        access_log=log_level == "debug",
    )
