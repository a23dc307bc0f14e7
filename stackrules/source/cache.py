"""An on-disk cache of checked rule bases, keyed by the bytes of every file read.

Loading a 20,000-credential rule base spends most of its time reading YAML
and checking it; when none of its files changed, the checked rule base can be
read back instead. The key covers the engine version, the Python version, the
package's own source and each file's path and bytes, so any edit, move or
upgrade misses the cache and loads afresh. A cache entry is written whole (a
temporary file renamed into place) or not at all, and an unreadable entry is
ignored, never trusted.

The cache holds pickles: keep the directory writable by you alone, as for
``__pycache__``.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import os
import pickle
import sys
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

from .._version import __version__

FORMAT = 1  # raised whenever what is pickled changes shape


KEEP = 8  # entries kept per folder, the most recently written


def key(files: list[Path]) -> str:
    """The cache key of a rule base made of ``files`` (as found, in order).

    It covers the package's own source too, so that an edited checkout (an
    editable install keeps its version number) never reads an engine pickled
    by other code.
    """
    h = hashlib.sha256(f"stackrules {__version__} format {FORMAT} python {sys.version_info[:3]}\n".encode())
    for source in sorted(Path(__file__).resolve().parent.parent.rglob("*.py")):
        h.update(hashlib.sha256(source.read_bytes()).digest())
    for f in files:
        h.update(str(f.resolve()).encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _fraction(numerator: int, denominator: int) -> Fraction:
    return Fraction(numerator, denominator)


def _reduce_fraction(f: Fraction) -> tuple[Any, tuple[int, int]]:
    # the default pickles a Fraction as text, parsed again on loading: ten times slower
    return _fraction, (f.numerator, f.denominator)


def read(folder: str | os.PathLike[str], name: str) -> Any | None:
    """The object cached under ``name``, or None when there is none or it cannot be read."""
    path = Path(folder) / f"{name}.pickle"
    try:
        with path.open("rb") as fh:
            found = pickle.load(fh)
    except Exception:  # a missing, truncated or foreign entry is a miss, never an error
        return None
    if not isinstance(found, tuple) or len(found) != 2 or found[0] != name:
        return None
    return found[1]


def write(folder: str | os.PathLike[str], name: str, value: Any) -> bool:
    """Cache ``value`` under ``name``, atomically. False (and nothing written) when the folder is unusable."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, Fraction: _reduce_fraction}
    pickler.dump((name, value))
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name[:16]}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(buf.getvalue())
            os.replace(tmp, Path(folder) / f"{name}.pickle")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    _prune(Path(folder))
    return True


def _prune(folder: Path) -> None:
    """Keep the KEEP most recently written entries; a file that vanishes meanwhile is no matter."""
    try:
        entries = sorted(folder.glob("*.pickle"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
