"""The decision log: one JSON line per decision, OPA-style, when ``--decision-log FILE`` is given.

Each line: the decision id, when it was made, the kind and target, the rule
base's digest, the digest of the inputs (not the inputs: a learner's record is
personal data), the outcome and the latency. Lines are written by the server
process only (workers never touch the file), one ``write`` each, flushed.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any, TextIO


class DecisionLog:
    def __init__(self, path: str) -> None:
        self.path = path
        self._file: TextIO = open(path, "a", encoding="utf-8")  # noqa: SIM115 (kept open for the service's life)
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps({"time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), **record}, ensure_ascii=False, sort_keys=True)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()
