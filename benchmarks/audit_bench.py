"""Audit benchmark: latency, throughput, and a degreepath-style baseline, in one run.

    python benchmarks/audit_bench.py            # the docs/design.md audit figures
    python benchmarks/audit_bench.py --quick    # fewer instances

Prints p50/p99 audit latency for the 24- and 60-requirement degrees
(10-60 holdings), audits per second in one process on the 24-requirement
case (40 holdings), and the time of a degreepath-style enumeration on the same
instances with the ratio. The rule base includes a community college with
course-to-course precedents and a stacking rule, and learners hold some of its
courses, so credit rules are part of every decision. Targets (docs/design.md): 24 requirements p50 < 5 ms,
p99 < 50 ms; 60 requirements p50 < 40 ms, p99 < 200 ms; >= 300 audits/s;
>= 100x faster than the enumeration where it takes over 1 s, never slower.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import degreepath_style
from instances import catalogue, learner, pct, write_rule_base

import stackrules
from stackrules.decide.problem import build_problem

AS_OF = dt.date(2026, 6, 30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--baseline-limit", type=float, default=5.0)
    args = ap.parse_args()
    n_learners = 12 if args.quick else 40
    folder = Path(tempfile.mkdtemp(prefix="stackrules-bench-"))
    degrees = write_rule_base(folder, args.units)
    units = catalogue(args.units)
    t0 = time.perf_counter()
    engine = stackrules.load(folder)
    print(f"rule base: {args.units} units, load and compile {time.perf_counter() - t0:.2f} s")
    for reqs in (24, 60):
        target = f"bu:DEG{reqs}"
        learners = [
            stackrules.load_learner(learner(units, degrees[reqs], 10 + (k * 50) // max(1, n_learners - 1), seed=1000 * reqs + k)) for k in range(n_learners)
        ]
        engine.audit(learners[0], target, AS_OF)  # compile the target once, as a server would
        times: list[float] = []
        cpu: list[float] = []  # CPU time of this process: what a loaded, shared machine disturbs least
        statuses: dict[str, int] = {}
        for lrn in learners:
            for _ in range(3):
                t, c = time.perf_counter(), time.process_time()
                d = engine.audit(lrn, target, AS_OF)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            remaining = d.to_json()["credits"]["remaining"]
            kind = d.status if d.status != "not_met" else ("not_met part-way" if remaining is not None else "not_met no completion")
            statuses[kind] = statuses.get(kind, 0) + 1
        print(
            f"audit {reqs} requirements, 10-60 holdings, {len(learners)} learners x 3: "
            f"p50 {pct(times, 0.5) * 1e3:.1f} ms, p99 {pct(times, 0.99) * 1e3:.1f} ms, mean {statistics.mean(times) * 1e3:.1f} ms "
            f"(CPU p50 {pct(cpu, 0.5) * 1e3:.1f} ms, p99 {pct(cpu, 0.99) * 1e3:.1f} ms); {statuses}"
        )
        # the baseline on the same instances
        ratios: list[float] = []
        slow_ratios: list[float] = []  # where the enumeration takes over 1 s (docs/design.md's criterion)
        slow = timeouts = 0
        sample = learners[:: max(1, len(learners) // 10)]
        for lrn in sample:
            p = build_problem(engine.rules, lrn.doc, target, AS_OF, False, with_additions=False, compiler=engine.compiled)
            t = time.perf_counter()
            engine.audit(lrn, target, AS_OF)
            ours = time.perf_counter() - t
            try:
                _, _, theirs = degreepath_style.search(p, args.baseline_limit)
            except degreepath_style.TimedOut:
                theirs = args.baseline_limit
                timeouts += 1
            if theirs >= 1.0:
                slow += 1
                slow_ratios.append(theirs / ours)
            ratios.append(theirs / ours)
        over = f"where it takes over 1 s ({slow}): min {min(slow_ratios):.0f}x, " if slow_ratios else ""
        print(
            f"  degreepath-style enumeration on {len(sample)} of them: {timeouts} stopped at {args.baseline_limit:.0f} s; ratio (theirs/ours) "
            f"{over}over all min {min(ratios):.1f}x (never slower: {min(ratios) >= 1}), median {statistics.median(ratios):.0f}x "
            f"(a stopped run counts as {args.baseline_limit:.0f} s: lower bounds)"
        )
    # throughput: one process, the 24-requirement case with 40 holdings
    # five passes over the batch: the median, and the best (least disturbed by other work on a shared machine)
    batch = [stackrules.load_learner(learner(units, degrees[24], 40, seed=50_000 + k)) for k in range(60 if not args.quick else 20)]
    rates = []
    for _ in range(5):
        t = time.perf_counter()
        for lrn in batch:
            engine.audit(lrn, "bu:DEG24", AS_OF)
        rates.append(len(batch) / (time.perf_counter() - t))
    print(
        f"throughput: median {statistics.median(rates):.0f}, best {max(rates):.0f} audits/s over 5 passes "
        f"(24 requirements, 40 holdings, {len(batch)} learners, one process)"
    )


if __name__ == "__main__":
    main()
