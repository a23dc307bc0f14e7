"""The HTTP service (``stackrules serve``): every decision as a versioned JSON API.

Built on FastAPI and uvicorn (the optional ``serve`` extra); nothing below this
package imports a web library. ``create_app(ServiceConfig(...))`` gives the
ASGI application; :func:`stackrules.service.server.serve` runs it.
"""

from __future__ import annotations

from .app import create_app
from .config import ServiceConfig

__all__ = ["ServiceConfig", "create_app"]
