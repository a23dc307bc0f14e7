"""Batch benchmark: one process, local worker pool and Dask LocalCluster on the same cores, in one run.

    python benchmarks/batch_bench.py              # 10,000 learners (audit of exu:BIT)
    python benchmarks/batch_bench.py --quick      # 1,000 learners
    python benchmarks/batch_bench.py -n 4000 --workers 2

The learners come from examples/cohort/generate.py (the same generator as the
committed sample, more of them). Each mode decides every learner and the
outputs are checked to be the same bytes. Prints learners per second, the
speed-up of the pool over one process, the Dask overhead against the pool,
the largest resident memory of a worker, and a projection (measured cost per
learner in one process, times the cohort size, over the worker count) for
50,000 students on one 16-core machine and on a 4-node cluster of 16 cores
each (the Dask overhead measured here added). Targets (issue 15): pool at
least 1.7x one process on 2 cores; Dask within 20% of the pool; memory per
worker under 200 MB. The load average is printed before and after: on a
shared machine the figures move with it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

import stackrules
from stackrules.cohort import batch
from stackrules.cohort.inputs import read_cohort

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 10, 15)


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("cohort_generate", ROOT / "examples" / "cohort" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Peak:
    """The largest resident memory and the CPU time of the processes ``find()`` returns, sampled every 100 ms."""

    def __init__(self, find: Any) -> None:
        self.find, self.peak, self.stop = find, 0, threading.Event()
        self.cpu: dict[int, float] = {}  # CPU seconds (user + system) of each process, at its last sample
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        # finding the processes walks every process of the machine: done every 2 s, not at every sample, so that
        # measuring costs the driver next to nothing
        found: list[psutil.Process] = []
        looked = 0.0
        while not self.stop.is_set():
            if time.monotonic() - looked > 2.0 or not found:
                found, looked = self.find(), time.monotonic()
            for p in found:
                with contextlib.suppress(psutil.Error):
                    self.peak = max(self.peak, p.memory_info().rss)
                    t = p.cpu_times()
                    self.cpu[p.pid] = t.user + t.system
            self.stop.wait(0.1)

    def __enter__(self) -> Peak:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _run(engine: stackrules.Engine, items: list[Any], **kw: Any) -> tuple[float, str]:
    job = batch.Job("audit", "exu:BIT", AS_OF)
    digest = hashlib.sha256()
    t0 = time.perf_counter()
    count = 0
    for result in batch.run(engine, job, items, **kw):
        digest.update(result.line.encode() + b"\n")
        count += 1
    assert count == len(items)
    return time.perf_counter() - t0, digest.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10_000, help="learners (default 10,000)")
    ap.add_argument("--quick", action="store_true", help="1,000 learners")
    ap.add_argument("--workers", type=int, default=batch.default_workers())
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()
    n = 1000 if args.quick else args.n
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores; {args.workers} workers")
    folder = Path(tempfile.mkdtemp(prefix="stackrules-batch-"))
    cohort = folder / "cohort.jsonl"
    gen = _generator()
    gen.write_jsonl(gen.cohort(n), cohort)
    items = read_cohort(cohort)
    engine = stackrules.load()
    me = psutil.Process()
    figures: dict[str, Any] = {"learners": n, "workers": args.workers}

    rss0 = me.memory_info().rss
    cpu0 = time.process_time()
    with Peak(lambda: [me]) as peak:
        single, ref = _run(engine, items, workers=1)
    single_cpu = time.process_time() - cpu0
    figures["single"] = {
        "seconds": round(single, 2),
        "learners_per_s": round(n / single, 1),
        "cpu_ms_per_learner": round(1000 * single_cpu / n, 2),
        "rss_mb": round(peak.peak / 2**20, 1),
        "rss_growth_mb": round((peak.peak - rss0) / 2**20, 1),
    }
    print(f"one process:   {single:8.2f} s  {n / single:8.1f} learners/s  CPU {1000 * single_cpu / n:.2f} ms a learner  (process {peak.peak / 2**20:.0f} MB)")

    def pool_workers() -> list[psutil.Process]:
        return [p for p in me.children(recursive=True) if p.ppid() != me.pid or "spawn_main" in " ".join(p.cmdline())]

    cpu0 = time.process_time()
    with Peak(pool_workers) as peak:
        local, digest = _run(engine, items, workers=args.workers)
    driver_cpu = time.process_time() - cpu0
    assert digest == ref, "the pool's output differs from one process's"
    worker_cpu = sum(peak.cpu.values())
    # the speed-up the pool would reach on free cores: workers and driver share the machine's cores, no worker is faster
    # than its share of the chunks, and the driver runs on one core
    cores = os.cpu_count() or 1
    free = single_cpu / max((worker_cpu + driver_cpu) / cores, worker_cpu / args.workers, driver_cpu, 1e-9)
    figures["local"] = {
        "seconds": round(local, 2),
        "learners_per_s": round(n / local, 1),
        "speed_up": round(single / local, 2),
        "worker_cpu_ms_per_learner": round(1000 * worker_cpu / n, 2),
        "driver_cpu_ms_per_learner": round(1000 * driver_cpu / n, 2),
        "speed_up_on_free_cores": round(free, 2),
        "worker_rss_mb": round(peak.peak / 2**20, 1),
    }
    print(
        f"local pool:    {local:8.2f} s  {n / local:8.1f} learners/s  speed-up {single / local:.2f}x"
        f"  CPU {1000 * worker_cpu / n:.2f} ms a learner in workers, {1000 * driver_cpu / n:.2f} ms in the driver"
        f" (speed-up on free cores {free:.2f}x; largest worker {peak.peak / 2**20:.0f} MB)"
    )

    overhead = 0.0
    if not args.no_dask:
        import distributed

        t0 = time.perf_counter()
        with distributed.LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=40
        ) as cluster:
            start = time.perf_counter() - t0

            def cpu_of_workers() -> float:
                with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
                    return sum(client.run(lambda: sum(psutil.Process().cpu_times()[:2])).values())

            before = cpu_of_workers()
            cpu0 = time.process_time()
            dask_s, digest = _run(engine, items, executor="dask", scheduler=cluster.scheduler_address)
            dask_driver = time.process_time() - cpu0
            dask_cpu = cpu_of_workers() - before
            assert digest == ref, "Dask's output differs from one process's"
            with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
                worker_rss = max(client.run(lambda: psutil.Process().memory_info().rss).values())
        overhead = dask_s / local - 1
        figures["dask"] = {
            "seconds": round(dask_s, 2),
            "learners_per_s": round(n / dask_s, 1),
            "overhead_vs_local": round(overhead, 3),
            "cluster_start_s": round(start, 2),
            "worker_cpu_ms_per_learner": round(1000 * dask_cpu / n, 2),
            "driver_cpu_ms_per_learner": round(1000 * dask_driver / n, 2),
            "worker_rss_mb": round(worker_rss / 2**20, 1),
        }
        print(
            f"Dask cluster:  {dask_s:8.2f} s  {n / dask_s:8.1f} learners/s  overhead {100 * overhead:+.1f}% vs the pool"
            f"  CPU {1000 * dask_cpu / n:.2f} ms a learner in workers, {1000 * dask_driver / n:.2f} ms in the driver"
            f"  (cluster start {start:.1f} s, largest worker {worker_rss / 2**20:.0f} MB after the run)"
        )

    per = single_cpu / n  # CPU, not wall time: what a free core spends on a learner
    one_machine = per * 50_000 / 16
    cluster4 = per * 50_000 / 64 * (1 + max(overhead, 0.0))
    figures["projection"] = {"per_learner_ms": round(per * 1000, 2), "50k_on_16_cores_s": round(one_machine, 1), "50k_on_4x16_dask_s": round(cluster4, 1)}
    print(
        f"projection: {per * 1000:.1f} ms per learner in one process; 50,000 learners: {one_machine / 60:.1f} min on 16 cores, {cluster4 / 60:.1f} min on 4 nodes x 16 cores (Dask)"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
