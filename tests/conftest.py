from __future__ import annotations

import datetime as dt
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import stackrules

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 28)


@pytest.fixture(scope="session")
def engine() -> stackrules.Engine:
    return stackrules.load()


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write files {name: text} under a fresh folder; returns the folder."""

    def _write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            p = tmp_path / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        return tmp_path

    return _write


@pytest.fixture(autouse=True)
def _no_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI caches checked rule bases in the user's cache folder; tests never touch it."""
    monkeypatch.setenv("STACKRULES_CACHE", "off")


@pytest.fixture(autouse=True, scope="session")
def _ctrl_c_as_at_a_terminal() -> Iterator[None]:
    """Ctrl-C behaves as it does for a command started at a terminal, however the suite was started.

    A shell starting a command in the background (``cmd &`` in a script) starts it with SIGINT
    ignored, and Python then installs no KeyboardInterrupt handler; every process the tests start
    inherits the ignoring, so the tests of a stopped batch or impact (tests/test_cohort_*.py) saw
    a Ctrl-C that stops nothing. Python's own handler is put back for the session: a child process
    started from here gets the default action again (a handled signal is reset by exec).
    """
    before = signal.getsignal(signal.SIGINT)
    if before == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if before == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture
def highs_refusals(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every time HiGHS refuses a model (milp.SolverError out of one run), recorded; the error still propagates.

    A test of the recovery from a refusal asserts this list is not empty: the path it names was taken."""
    from stackrules.decide import milp

    refused: list[str] = []
    real_run = milp._run

    def watching(h: Any, ints: Any, *rest: Any) -> Any:
        try:
            return real_run(h, ints, *rest)
        except milp.SolverError as exc:
            refused.append(str(exc))
            raise

    monkeypatch.setattr(milp, "_run", watching)
    return refused
