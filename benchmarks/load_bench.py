"""Cold start: a fresh `stackrules audit` process to its first answer, and loading 20,000 credentials.

    python benchmarks/load_bench.py            # CLI cold start, and 20,000-credential loads
    python benchmarks/load_bench.py --quick    # CLI cold start only

Prints the median wall time of fresh processes running the README's audit,
without the rule-base cache (STACKRULES_CACHE=off) and with it (the CLI's
default after a first run); then, for a generated
20,000-credential rule base, a full load and check, a cached load, the first
compile of each degree, and the peak memory of separate processes that audit
or plan over it from the cache. Targets (DESIGN.md): cold start < 0.5 s; load
and compile 20,000 credentials < 2 s, cached < 0.3 s; peak memory < 100 MB
for audits and < 200 MB for plans over 20,000 credentials.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AUDIT = ["-m", "stackrules", "audit", "--learner", str(ROOT / "examples/learners/eva.yaml"), "--target", "exu:GCDS", "--as-of", "2026-11-28"]


def _median_run(args: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


_CHILD = """
import datetime as dt, json, sys, time
import stackrules
what, folder, cache, people = sys.argv[1:5]
learners = json.load(open(people))
t = time.perf_counter()
engine = stackrules.load(folder, cache=cache)
loaded = time.perf_counter() - t
day = dt.date(2026, 6, 30)
compiles = []
for v in engine.rules.versions_on(day):
    t = time.perf_counter()
    engine.compiled(v, day)
    compiles.append(time.perf_counter() - t)
if what != "load":
    for r, docs in learners.items():
        for doc in docs:
            getattr(engine, what)(stackrules.load_learner(doc), f"bu:DEG{r}", day)
# VmHWM: this process's own peak (ru_maxrss would carry the parent's over the fork)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"load": loaded, "compile": compiles, "peak_mb": peak / 1024}))
"""


def _child(what: str, folder: Path, cache: Path, people: Path) -> dict[str, object]:
    """Run one fresh process (so that its peak memory is its own)."""
    out = subprocess.run([sys.executable, "-c", _CHILD, what, str(folder), str(cache), str(people)], check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    env = dict(os.environ)
    env["STACKRULES_CACHE"] = "off"
    plain = _median_run(AUDIT, env, args.runs)
    with tempfile.TemporaryDirectory() as cache:
        env["STACKRULES_CACHE"] = cache
        _median_run(AUDIT, env, 1)  # fills the cache
        cached = _median_run(AUDIT, env, args.runs)
    print(
        f"CLI cold start to a first audit (median of {args.runs} fresh processes): with the cache (the default) {cached:.2f} s; without it {plain:.2f} s (target < 0.5 s)"
    )
    if args.quick:
        return
    sys.path.insert(0, str(HERE))
    from instances import catalogue, learner, write_rule_base

    with tempfile.TemporaryDirectory() as tmp:
        folder, cache, people = Path(tmp) / "rules", Path(tmp) / "cache", Path(tmp) / "learners.json"
        degrees = write_rule_base(folder, 20000)
        units = catalogue(20000)
        people.write_text(json.dumps({r: [learner(units, degrees[r], 10 + 5 * k, seed=7000 + k) for k in range(3)] for r in (24, 60)}))
        cold = _child("load", folder, cache, people)  # a miss: full load and check, writes the cache
        warm = _child("load", folder, cache, people)
        audit = _child("audit", folder, cache, people)
        plan = _child("plan", folder, cache, people)
    print(f"20,000 credentials: load and check {cold['load']:.2f} s; from the cache {warm['load']:.2f} s (target < 2 s; cached < 0.3 s)")
    compiles = ", ".join(f"{c:.2f} s" for c in warm["compile"])  # type: ignore[union-attr]
    print(f"  first compile of each degree (24 and 60 requirements): {compiles}")
    print(f"  peak memory of a process auditing 6 learners from the cache: {audit['peak_mb']:.0f} MB (target < 100 MB)")
    print(f"  peak memory of a process planning for 6 learners from the cache: {plan['peak_mb']:.0f} MB (target < 200 MB)")


if __name__ == "__main__":
    main()
