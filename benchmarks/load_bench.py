"""Cold start: a fresh `stackrules audit` process to its first answer, loading 20,000 credentials, and a whole institution.

    python benchmarks/load_bench.py                 # CLI cold start, 20,000-credential loads, the institution
    python benchmarks/load_bench.py --quick         # CLI cold start, and a small institution
    python benchmarks/load_bench.py --institution   # the institution only (add --quick for the small one)

Prints the median wall time of fresh processes running the README's audit,
without the rule-base cache (STACKRULES_CACHE=off) and with it (the CLI's
default after a first run); then, for a generated
20,000-credential rule base, a full load and check, a cached load, the first
compile of each degree, and the peak memory of separate processes that audit
or plan over it from the cache. Targets (docs/design.md): cold start < 0.5 s; load
and compile 20,000 credentials < 2 s, cached < 0.3 s; peak memory < 100 MB
for audits and < 200 MB for plans over 20,000 credentials.

Then the institution of ``benchmarks/institution.py`` (1,500 qualifications:
majors, minors, certificates over 20,000 credentials in three catalogues,
written to a temporary folder), each figure from fresh processes: cold load
and check (no cache), load from the on-disk cache, the first compile of a
sample of qualifications (p50/p99), audits of its learners part-way through
(p50/p99, each target compiled first), and the peak memory (VmHWM) of each
process. The audits run twice, in a plain process and as a worker of
``stackrules serve`` or ``stackrules cohort-report`` runs them, with the loaded heap
frozen out of the garbage collector (``stackrules.engine.freeze_heap``); the
full collections that land inside audits are counted for each. Targets (docs/design.md): cold < 10 s, cached < 1 s, first compile p50 <
50 ms, audits within the audit targets (p50 < 40 ms, p99 < 200 ms), peak
memory < 400 MB. Each line shows the figure, its target and the ratio; CPU
time and the load average are printed too, since the machine may be shared.
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
from typing import Any

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


_INSTITUTION = """
import datetime as dt, gc, glob, json, os, resource, sys, time
import stackrules
from stackrules.engine import freeze_heap, load_with_diagnostics
what, folder, cache, learners, sample = sys.argv[1:6]
full = []  # the full collections while deciding: (start, seconds)
def watch(phase, info):
    if info["generation"] == 2:
        if phase == "start":
            full.append([time.perf_counter(), 0.0])
        else:
            full[-1][1] = time.perf_counter() - full[-1][0]
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t, c = time.perf_counter(), cpu()
engine, diags = load_with_diagnostics(folder, cache=None if cache == "off" else cache)
out = {"load": time.perf_counter() - t, "load_cpu": cpu() - c, "errors": sum(d.severity == "error" for d in diags), "warnings": len(diags)}
if what in ("decide", "serve"):
    assert engine is not None
    if what == "serve":
        freeze_heap()  # as a worker of `stackrules serve` or `stackrules cohort-report` does once its engine is loaded
    gc.callbacks.append(watch)
    day = dt.date(2026, 6, 30)
    versions = engine.rules.versions_on(day)
    step = max(1, len(versions) // int(sample))
    compiles, compiles_cpu = [], []
    for v in versions[::step]:
        t, c = time.perf_counter(), time.process_time()
        engine.compiled(v, day)
        compiles.append(time.perf_counter() - t)
        compiles_cpu.append(time.process_time() - c)
    audits, audits_cpu, statuses = [], [], {}
    for path in sorted(glob.glob(os.path.join(learners, "*.yaml"))):
        learner = stackrules.load_learner(path)
        target = learner.doc.enrolments[0].qualification
        engine.compiled(engine.rules.version(target, day), day)  # audits of a compiled engine: the compile is timed above
        t, c = time.perf_counter(), time.process_time()
        status = engine.audit(learner, target, day).status
        audits.append(time.perf_counter() - t)
        audits_cpu.append(time.process_time() - c)
        statuses[status] = statuses.get(status, 0) + 1
    gc.callbacks.remove(watch)
    out.update(compiles=compiles, compiles_cpu=compiles_cpu, audits=audits, audits_cpu=audits_cpu, statuses=statuses, collections=[d for _, d in full])
out["cpu"] = cpu()
out["peak_mb"] = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024
print(json.dumps(out))
"""


def _institution_child(what: str, folder: Path, cache: str, learners: Path, sample: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _INSTITUTION, what, str(folder), cache, str(learners), str(sample)], check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout))


def _line(what: str, value: float, target: float, unit: str) -> str:
    shown = f"{value * 1000:.1f} ms" if unit == "ms" else f"{value:.0f} MB" if unit == "MB" else f"{value:.2f} s"
    bound = f"{target * 1000:.0f} ms" if unit == "ms" else f"{target:.0f} MB" if unit == "MB" else f"{target:.0f} s"
    verdict = "met" if value < target else "NOT MET"
    return f"  {what}: {shown} (target < {bound}: {verdict}; {value / target:.2f} of the target)"


def institution(quick: bool) -> None:
    """The institution's figures, each from fresh processes."""
    sys.path.insert(0, str(HERE))
    from instances import pct
    from institution import FULL, QUICK, generate

    size = QUICK if quick else FULL
    before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        inst = generate(Path(tmp), size)
        made = time.perf_counter() - t
        folder, cache, learners = Path(tmp) / "rules", Path(tmp) / "cache", Path(tmp) / "learners"
        n_creds = sum(len(v) for v in inst.courses.values()) + sum(len(v) for v in inst.college.values())
        print(f"institution: {size.qualifications} qualifications over {n_creds} credentials, {size.learners} learners (generated in {made:.1f} s)")
        if quick:
            print("  (the small institution of --quick: the targets are the full one's, shown for scale; with this few learners p99 is the slowest)")
        cold = _institution_child("load", folder, "off", learners, 0)
        _institution_child("load", folder, str(cache), learners, 0)  # fills the cache
        cached = _institution_child("load", folder, str(cache), learners, 0)
        decide = _institution_child("decide", folder, str(cache), learners, 150)
        serve = _institution_child("serve", folder, str(cache), learners, 150)
    assert cold["errors"] == 0, "the generated institution does not load clean"
    compiles = decide["compiles"]
    print(f"  {cold['warnings']} warnings; learners' statuses: {decide['statuses']}")
    print(_line("cold load and check (no cache)", cold["load"], 10.0, "s") + f"; CPU {cold['load_cpu']:.2f} s")
    print(_line("load from the cache", cached["load"], 1.0, "s") + f"; CPU {cached['load_cpu']:.2f} s")
    ccpu, acpu = decide["compiles_cpu"], decide["audits_cpu"]
    print(
        _line(f"first compile, p50 of {len(compiles)} qualifications", pct(compiles, 0.5), 0.05, "ms")
        + f"; p99 {pct(compiles, 0.99) * 1000:.0f} ms; CPU p50 {pct(ccpu, 0.5) * 1000:.1f} ms, p99 {pct(ccpu, 0.99) * 1000:.0f} ms"
    )
    for label, run in (
        ("a plain process (heap not frozen: README, 'Python API', says to call freeze_heap in a long-lived process)", decide),
        ("a service worker (heap frozen after loading, as the workers of `serve`, `batch` and `cohort-report` do)", serve),
    ):
        audits, acpu, full = run["audits"], run["audits_cpu"], run["collections"]
        print(f"  audits in {label}: {len(full)} full garbage collections while compiling and auditing, {sum(full) * 1000:.0f} ms in all")
        print(_line(f"  audit, p50 of {len(audits)} learners", pct(audits, 0.5), 0.04, "ms") + f"; CPU {pct(acpu, 0.5) * 1000:.1f} ms")
        print(_line(f"  audit, p99 of {len(audits)} learners", pct(audits, 0.99), 0.2, "ms") + f"; CPU {pct(acpu, 0.99) * 1000:.1f} ms")
    print(_line("peak memory, cold load and check", cold["peak_mb"], 400, "MB"))
    print(_line("peak memory, loading, compiling the sample and auditing", max(decide["peak_mb"], serve["peak_mb"]), 400, "MB"))
    print(
        f"  CPU time of the processes: cold {cold['cpu']:.1f} s, cached {cached['cpu']:.1f} s, compile and audit {decide['cpu']:.1f} s"
        f" (plain) and {serve['cpu']:.1f} s (frozen)"
    )
    after = os.getloadavg()
    print(f"  load average (1, 5, 15 min) before {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--institution", action="store_true", help="only the institution's figures")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    if args.institution:
        institution(args.quick)
        return
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
        institution(quick=True)
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
    institution(quick=False)


if __name__ == "__main__":
    main()
