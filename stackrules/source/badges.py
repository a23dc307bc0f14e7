"""Reading badge files and the shipped JSON-LD contexts (the I/O half of :mod:`stackrules.credentials`)."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from ..credentials import Limits, Verifier

BADGE_SUFFIXES = (".json", ".jsonld", ".jwt", ".png", ".svg", ".1ob")


class BadgeFileError(OSError):
    """A badge file that cannot be read (missing, unreadable, too large)."""


def shipped_contexts() -> dict[str, Any]:
    """The JSON-LD contexts shipped in ``stackrules/credentials/contexts``, by URL (``map.json``)."""
    folder = resources.files("stackrules.credentials").joinpath("contexts")
    mapping = json.loads(folder.joinpath("map.json").read_text(encoding="utf-8"))
    return {url: json.loads(folder.joinpath(name).read_text(encoding="utf-8")) for url, name in sorted(mapping.items())}


def default_verifier(limits: Limits | None = None) -> Verifier:
    """A verifier over the shipped contexts (build once, share: it memoises canonical forms)."""
    return Verifier.with_contexts(shipped_contexts(), limits)


def read_badge(path: str | os.PathLike[str], max_bytes: int = 4 << 20) -> bytes:
    """The bytes of a badge file, refusing files larger than ``max_bytes`` before reading them."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise BadgeFileError(f"`{p}` is {size} bytes (at most {max_bytes})")
        with p.open("rb") as f:
            return f.read(max_bytes + 1)
    except BadgeFileError:
        raise
    except OSError as e:
        raise BadgeFileError(f"cannot read `{p}`: {e.strerror or e}") from None


def badge_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Badge files under ``folder``, sorted."""
    return sorted(f for f in Path(folder).rglob("*") if f.is_file() and f.suffix.lower() in BADGE_SUFFIXES)
