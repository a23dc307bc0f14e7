"""The exception tree.

::

    StackrulesError
    ├── RuleBaseError     an invalid rule base (carries diagnostics); nothing is loaded
    ├── LearnerError      an invalid learner document (carries diagnostics)
    ├── RequestError      a bad request: unknown target, no version in force, bad argument
    └── VerificationError the independent checker refused a decision (a bug: please report it)
"""

from __future__ import annotations

from collections.abc import Iterable

from .diagnostics import Diagnostic


class StackrulesError(Exception):
    """Base of every error stackrules raises on purpose."""


class _WithDiagnostics(StackrulesError):
    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=lambda d: d.order())
        errors = [d for d in self.diagnostics if d.severity == "error"]
        first = errors[0] if errors else (self.diagnostics[0] if self.diagnostics else None)
        head = f"{first.file}:{first.line}:{first.column}: {first.message}" if first else "invalid input"
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        super().__init__(head + more)


class RuleBaseError(_WithDiagnostics):
    """The rule base has errors; ``diagnostics`` lists them, sorted by position."""


class LearnerError(_WithDiagnostics):
    """A learner document has errors; ``diagnostics`` lists them."""


def _code_help(code: str) -> str | None:
    from .diagnostics import CODES

    known = CODES.get(code)
    return known.fix if known is not None else None


class RequestError(StackrulesError):
    """A request the engine cannot answer as asked (unknown target, bad argument)."""

    def __init__(self, code: str, message: str, help: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # every diagnostic carries help: without a specific one, the code's own (docs/diagnostics.md)
        self.help = help if help is not None else _code_help(code)

    def __str__(self) -> str:
        # what `print(exc)` and a traceback show: the fix too, not only the message (``message`` is the message alone)
        return f"{self.message} [{self.code}]" + (f"; {self.help}" if self.help else "")

    def diagnostic(self, file: str = "<request>") -> Diagnostic:
        return Diagnostic(file, 1, 1, self.code, self.message, self.help)


class VerificationError(StackrulesError):
    """The independent checker found a decision inconsistent. This is a bug."""
