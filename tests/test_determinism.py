"""Same input, same bytes: every command on every shipped example learner, in processes with different hash seeds.

Each seed runs in its own interpreter (``PYTHONHASHSEED`` fixes set and dict
order of strings per process), which runs every command through the CLI and
reports a digest of each output and its exit code. The digests must be the
same for every seed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import ROOT

DRIVER = r"""
import hashlib, json, sys
from pathlib import Path
from click.testing import CliRunner
from stackrules.cli import main

root = Path(sys.argv[1])
learners = sorted((root / "examples" / "learners").glob("*.yaml"))
day = ["--as-of", "2026-11-28"]
# what is tested is the hash seed, not the clock: a limit no decision nears even on a loaded machine
slow = ["--time-limit", "300"]
runs = [["check"], ["check", "--format", "json"], ["check", str(root / "examples" / "learners")]]
runs += [["graph", "--format", fmt] + day for fmt in ("json", "dot", "mermaid")]
for path in learners:
    learner = ["--learner", str(path)]
    for target in ("exu:BIT", "exu:GCDS"):
        for fmt in ("json", "text"):
            runs.append(["audit", "--target", target, "--format", fmt] + learner + day + slow)
            runs.append(["audit", "--target", target, "--format", fmt, "--look-ahead"] + learner + day + slow)
            runs.append(["assess", "--target", target, "--format", fmt] + learner + day + slow)
        runs.append(["plan", "--target", target, "--format", "json"] + learner + day + slow)
    runs.append(["plan", "--target", "exu:BIT", "--format", "text", "--objective", "terms"] + learner + day + slow)
    runs.append(["explore", "--format", "json"] + learner + day + slow)
runner = CliRunner()
out = {}
for args in runs:
    result = runner.invoke(main, args, catch_exceptions=False)
    out[" ".join(a.replace(str(root), ".") for a in args)] = [result.exit_code, hashlib.sha256(result.output.encode()).hexdigest(), len(result.output)]
print(json.dumps(out))
"""


def _digests(seeds: tuple[str, ...]) -> list[dict[str, list[object]]]:
    """One interpreter per seed, run side by side."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(ROOT)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "STACKRULES_CACHE": "off"},
            cwd=ROOT,
        )
        for seed in seeds
    ]
    outs = []
    for proc in procs:
        stdout, stderr = proc.communicate()
        assert proc.returncode == 0, stderr[-2000:]
        outs.append(dict(json.loads(stdout)))
    return outs


def test_every_command_gives_the_same_bytes_under_every_hash_seed() -> None:
    seeds = ("0", "1", "4242")
    first, *others = _digests(seeds)
    commands = {key.split()[0] for key in first}
    assert commands == {"check", "graph", "audit", "assess", "plan", "explore"}
    assert all(size > 0 for _, _, size in first.values())  # every command said something
    assert {code for code, _, _ in first.values()} >= {0, 2}  # decisions that are met and not met
    for seed, again in zip(seeds[1:], others, strict=True):
        assert again.keys() == first.keys()
        differ = sorted(key for key in first if again[key] != first[key])
        assert not differ, f"PYTHONHASHSEED={seed} changes: {differ}"
