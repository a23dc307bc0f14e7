"""A batch killed without its cleanup leaves no worker behind.

A newcomer stopped the test suite with SIGTERM and found three `multiprocessing.forkserver` processes of
`stackrules.cohort.batch` alive, adopted by init: a pool's workers wait for work on a queue whose other end they
hold themselves, so they never learn that the batch is gone. Each worker now watches its parent (decide in
`cohort/batch.py`, ``_leave_with_parent``). Linux only: the process tree is read from /proc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent) of a process; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces: the fields after it
    return rest[0], int(rest[1])


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (got := _stat(int(entry))) is not None:
            parents[int(entry)] = got[1]
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    got = _stat(pid)
    return got is not None and got[0] not in ("Z", "X")  # a zombie has ended (init may not reap it in a container)


def test_the_workers_of_a_killed_batch_end(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "STACKRULES_CACHE": "off"}
    args = ["batch", "--learners", str(ROOT / "examples/cohort/cohort.jsonl"), "--target", "exu:BIT", "--as-of", "2026-10-15"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "stackrules", *args, "--out", str(out), "--workers", "2", "--no-progress"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kids: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        # the workers are deciding (the forkserver and its two workers exist, and some learner was decided)
        while time.monotonic() < deadline and proc.poll() is None:
            kids = _descendants(proc.pid)
            if len(kids) >= 3 and out.exists() and out.stat().st_size > 0:
                break
            time.sleep(0.2)
        assert proc.poll() is None and len(kids) >= 3, "the batch ended, or its workers never started, before the test could kill it"
        os.kill(proc.pid, signal.SIGKILL)  # no cleanup runs: as a test runner stopped, or the OOM killer
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_running(pid) for pid in kids):
            time.sleep(0.2)
        left = sorted(pid for pid in kids if _running(pid))
        assert not left, f"processes of the killed batch still running: {left}"
    finally:
        # whatever the outcome, nothing of this test is left running
        for pid in sorted((kids | _descendants(proc.pid)) if proc.poll() is None else kids):
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
