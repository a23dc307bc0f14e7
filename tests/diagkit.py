"""What a refusal must carry, for the fuzz suites: a known code and, for diagnostics, a position."""

from __future__ import annotations

from stackrules.diagnostics import CODES
from stackrules.errors import RequestError, StackrulesError


def assert_positioned(exc: StackrulesError) -> None:
    """A request error has a known code and a message; any other error has positioned diagnostics with known codes."""
    if isinstance(exc, RequestError):
        assert exc.code in CODES and exc.message
        return
    diags = getattr(exc, "diagnostics", None)
    assert diags, f"{type(exc).__name__} without diagnostics: {exc}"
    for d in diags:
        assert d.code in CODES, d.render()
        assert d.line >= 1 and d.column >= 1, d.render()
        assert d.render()
