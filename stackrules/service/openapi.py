"""The OpenAPI document, as served at ``/openapi.json`` and committed as ``docs/openapi.json``.

    python -m stackrules.service.openapi > docs/openapi.json    # after changing a route or a model

A test keeps the committed copy equal to the generated one.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .app import create_app
from .config import ServiceConfig


def document() -> dict[str, Any]:
    """The document (building the app loads no rule base: that happens when it starts)."""
    return create_app(ServiceConfig(workers=0)).openapi()


def dumps() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(dumps())
