from __future__ import annotations

import datetime as dt
from pathlib import Path

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
