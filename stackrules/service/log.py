"""The decision log: one JSON line per decision, OPA-style, when ``--decision-log FILE`` is given.

Each line: the decision id, when it was made, the kind and target, the rule
base's digest, the digest of the inputs (not the inputs: a learner's record is
personal data), the outcome and the latency. Lines are written by the server
process only (workers never touch the file).

Each line is written before its decision is sent, in one ``write`` to a file
opened for appending, with no buffer between: a line is in the file or it is
not. When it cannot be written (a full disk, an I/O error) the bytes of it
that got in are cut off again, :class:`LogUnwritable` is raised and the
decision is not delivered (503): a service asked to log its decisions never
answers one it could not log, and never logs one it did not answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
from typing import Any


class LogUnwritable(RuntimeError):
    """The decision log could not take a line (the reason in ``reason``); nothing of the line is left in it."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"the decision log `{path}` cannot be written: {reason}")
        self.reason = reason


class DecisionLog:
    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps({"time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), **record}, ensure_ascii=False, sort_keys=True)
        data = (line + "\n").encode("utf-8")
        with self._lock:
            try:
                start = os.fstat(self._fd).st_size
            except OSError as exc:
                raise LogUnwritable(self.path, exc.strerror or type(exc).__name__) from None
            try:
                done = os.write(self._fd, data)
                if done != len(data):
                    raise OSError(28, "the disk took only part of the line")
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, start)  # no half line: the next one starts on a line of its own
                raise LogUnwritable(self.path, exc.strerror or str(exc)) from None

    def close(self) -> None:
        with self._lock, contextlib.suppress(OSError):
            os.close(self._fd)
