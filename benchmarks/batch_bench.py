"""Batch benchmark: `stackrules batch` as users run it, in one process, on the local pool and on a Dask LocalCluster, in one run.

    python benchmarks/batch_bench.py              # 10,000 learners (audit of exu:BIT)
    python benchmarks/batch_bench.py --quick      # 1,000 learners
    python benchmarks/batch_bench.py -n 4000 --workers 2 --rounds 3

Each mode is the command line a user types, run as its own process:
`stackrules batch --learners COHORT --target exu:BIT --as-of 2026-10-15 --out
FILE` with `--workers 1` (one process), with the default local pool
(`--workers N`, one per core by default) and with `--executor dask
--scheduler ADDRESS` against a `distributed.LocalCluster` of N
single-threaded worker processes started here (a cluster a user would have
running). Wall-clock times therefore include what a user waits for: loading
the rule base, reading the cohort, starting workers, writing the JSON lines.
The three output files are checked to be the same bytes.

The learners come from examples/cohort/generate.py (the same generator as the
committed sample, more of them). Printed for every mode: learners per second,
the CPU time of every process of the run (the command, the forkserver and
its workers, sampled every 100 ms; Dask workers measured on the workers) per
learner, and the largest resident memory of a worker; then the speed-up of
the pool over one process, the Dask overhead against the pool, and a
projection (CPU per learner in one process, times the cohort size, over the
worker count) for 50,000 students on one 16-core machine and on a 4-node
cluster of 16 cores each (the Dask overhead measured here added). Targets
(issue 15): pool at least 1.7x one process on 2 cores; Dask within 20% of
the pool; memory per worker under 200 MB.

On a shared machine the wall-clock figures move with other people's work:
the load average is printed before and after every run, and the speed-up the
pool would reach on free cores is computed from CPU times beside the measured
one. With `--rounds R` the modes run R times in turn (single, pool, Dask,
single, ...) and the median of each is reported, so that a change of load
touches every mode alike.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-10-15"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("cohort_generate", ROOT / "examples" / "cohort" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Tree:
    """CPU time and resident memory of a process and all its descendants, sampled every 100 ms until it exits."""

    def __init__(self, root: psutil.Process) -> None:
        self.root = root
        self.cpu: dict[int, float] = {}  # CPU seconds (user + system) of each process at its last sample
        self.rss: dict[int, int] = {}  # largest resident memory of each process
        self.kind: dict[int, str] = {}  # driver (the command), server (forkserver, resource tracker) or worker
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        found: list[psutil.Process] = [self.root]
        looked = 0.0
        while not self.stop.is_set():
            if time.monotonic() - looked > 1.0:  # walking the process table costs: done once a second
                with contextlib.suppress(psutil.Error):
                    found = [self.root, *self.root.children(recursive=True)]
                looked = time.monotonic()
            for p in found:
                with contextlib.suppress(psutil.Error):
                    t = p.cpu_times()
                    self.cpu[p.pid] = t.user + t.system
                    self.rss[p.pid] = max(self.rss.get(p.pid, 0), p.memory_info().rss)
                    if p.pid not in self.kind:
                        # workers are forked by the forkserver (or spawned: spawn_main); the command's other children
                        # are the forkserver and the resource tracker
                        spawned = "spawn_main" in " ".join(p.cmdline())
                        self.kind[p.pid] = "driver" if p == self.root else "worker" if spawned or p.ppid() != self.root.pid else "server"
            self.stop.wait(0.1)

    def __enter__(self) -> Tree:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def total(self, kind: str) -> float:
        return sum(cpu for pid, cpu in self.cpu.items() if self.kind.get(pid) == kind)

    def largest(self, kind: str) -> int:
        return max((rss for pid, rss in self.rss.items() if self.kind.get(pid) == kind), default=0)


def _batch(cohort: Path, out: Path, *extra: str) -> dict[str, Any]:
    """One `stackrules batch` run as a user types it: wall time, CPU of its processes, memory, the output's digest."""
    cmd = [sys.executable, "-m", "stackrules", "batch", "--learners", str(cohort), "--target", "exu:BIT", "--as-of", AS_OF, "--out", str(out), "--no-progress"]
    load = _load()
    t0 = time.perf_counter()
    proc = psutil.Popen([*cmd, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with Tree(proc) as tree:
        _, err = proc.communicate()
    wall = time.perf_counter() - t0
    assert proc.returncode == 0, err.decode()
    return {
        "wall": wall,
        "driver_cpu": tree.total("driver"),
        "server_cpu": tree.total("server"),
        "worker_cpu": tree.total("worker"),
        "driver_rss": tree.largest("driver"),
        "worker_rss": tree.largest("worker"),
        "digest": hashlib.sha256(out.read_bytes()).hexdigest(),
        "summary": err.decode().strip().splitlines()[-1],
        "load": f"{load} -> {_load()}",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10_000, help="learners (default 10,000)")
    ap.add_argument("--quick", action="store_true", help="1,000 learners")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    ap.add_argument("--rounds", type=int, default=1, help="run every mode this many times in turn; medians are reported")
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()
    n = 1000 if args.quick else args.n
    cores = os.cpu_count() or 1
    print(f"load average before: {_load()}; {cores} cores; {args.workers} workers; {n} learners; {args.rounds} round(s)")
    folder = Path(tempfile.mkdtemp(prefix="stackrules-batch-"))
    cohort = folder / "cohort.jsonl"
    gen = _generator()
    gen.write_jsonl(gen.cohort(n), cohort)
    first = folder / "first.jsonl"
    first.write_text(cohort.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    _batch(first, folder / "first-out.jsonl")  # the rule-base cache is warm, as after a first run

    cluster = None
    if not args.no_dask:
        import distributed

        t0 = time.perf_counter()
        cluster = distributed.LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=40
        )
        cluster_start = time.perf_counter() - t0

    def dask_cpu() -> float:
        with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
            return float(sum(client.run(lambda: sum(psutil.Process().cpu_times()[:2])).values()))

    runs: dict[str, list[dict[str, Any]]] = {"single": [], "local": [], "dask": []}
    try:
        for r in range(args.rounds):
            one = _batch(cohort, folder / "single.jsonl", "--workers", "1")
            runs["single"].append(one)
            print(f"[{r + 1}] one process: {one['wall']:7.2f} s  load {one['load']}  ({one['summary']})")
            pool = _batch(cohort, folder / "local.jsonl", "--workers", str(args.workers))
            runs["local"].append(pool)
            print(f"[{r + 1}] local pool:  {pool['wall']:7.2f} s  load {pool['load']}  ({pool['summary']})")
            assert pool["digest"] == one["digest"], "the pool's output differs from one process's"
            if cluster is not None:
                before = dask_cpu()
                dask = _batch(cohort, folder / "dask.jsonl", "--executor", "dask", "--scheduler", cluster.scheduler_address)
                dask["worker_cpu"] = dask_cpu() - before
                with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
                    dask["worker_rss"] = max(client.run(lambda: psutil.Process().memory_info().rss).values())
                runs["dask"].append(dask)
                print(f"[{r + 1}] Dask cluster: {dask['wall']:6.2f} s  load {dask['load']}  ({dask['summary']})")
                assert dask["digest"] == one["digest"], "Dask's output differs from one process's"
    finally:
        if cluster is not None:
            cluster.close()

    def med(mode: str, key: str) -> float:
        return float(statistics.median(run[key] for run in runs[mode]))

    def cpu(mode: str) -> float:
        return med(mode, "driver_cpu") + med(mode, "server_cpu") + med(mode, "worker_cpu")

    figures: dict[str, Any] = {"learners": n, "workers": args.workers, "rounds": args.rounds}
    single, single_cpu = med("single", "wall"), cpu("single")
    figures["single"] = {
        "seconds": round(single, 2),
        "learners_per_s": round(n / single, 1),
        "cpu_ms_per_learner": round(1000 * single_cpu / n, 2),
        "rss_mb": round(med("single", "driver_rss") / 2**20, 1),
    }
    print(
        f"one process:   {single:8.2f} s  {n / single:8.1f} learners/s  CPU {1000 * single_cpu / n:.2f} ms a learner  (process {figures['single']['rss_mb']:.0f} MB)"
    )

    local, local_cpu = med("local", "wall"), cpu("local")
    worker_cpu, driver_cpu = med("local", "worker_cpu") + med("local", "server_cpu"), med("local", "driver_cpu")
    # the speed-up on free cores: all processes share the cores, no worker is faster than its share, the driver runs on one core
    free = single_cpu / max(local_cpu / cores, worker_cpu / args.workers, driver_cpu, 1e-9)
    figures["local"] = {
        "seconds": round(local, 2),
        "learners_per_s": round(n / local, 1),
        "speed_up": round(single / local, 2),
        "cpu_ms_per_learner": round(1000 * local_cpu / n, 2),
        "worker_cpu_ms_per_learner": round(1000 * worker_cpu / n, 2),
        "driver_cpu_ms_per_learner": round(1000 * driver_cpu / n, 2),
        "speed_up_on_free_cores": round(free, 2),
        "worker_rss_mb": round(med("local", "worker_rss") / 2**20, 1),
    }
    print(
        f"local pool:    {local:8.2f} s  {n / local:8.1f} learners/s  speed-up {single / local:.2f}x"
        f"  CPU {1000 * local_cpu / n:.2f} ms a learner ({1000 * worker_cpu / n:.2f} in workers and forkserver, {1000 * driver_cpu / n:.2f} in the command)"
        f"  (speed-up on free cores {free:.2f}x; largest worker {figures['local']['worker_rss_mb']:.0f} MB)"
    )

    overhead = 0.0
    if runs["dask"]:
        dask_s = med("dask", "wall")
        overhead = dask_s / local - 1
        dask_worker, dask_driver = med("dask", "worker_cpu"), med("dask", "driver_cpu")
        figures["dask"] = {
            "seconds": round(dask_s, 2),
            "learners_per_s": round(n / dask_s, 1),
            "overhead_vs_local": round(overhead, 3),
            "cluster_start_s": round(cluster_start, 2),
            "worker_cpu_ms_per_learner": round(1000 * dask_worker / n, 2),
            "driver_cpu_ms_per_learner": round(1000 * dask_driver / n, 2),
            "worker_rss_mb": round(med("dask", "worker_rss") / 2**20, 1),
        }
        print(
            f"Dask cluster:  {dask_s:8.2f} s  {n / dask_s:8.1f} learners/s  overhead {100 * overhead:+.1f}% vs the pool"
            f"  CPU {1000 * dask_worker / n:.2f} ms a learner in workers, {1000 * dask_driver / n:.2f} ms in the command"
            f"  (cluster start {cluster_start:.1f} s, largest worker {figures['dask']['worker_rss_mb']:.0f} MB after the run)"
        )

    per = single_cpu / n  # CPU, not wall time: what a free core spends on a learner (start-up and reading included)
    one_machine = per * 50_000 / 16
    cluster4 = per * 50_000 / 64 * (1 + max(overhead, 0.0))
    figures["projection"] = {"per_learner_ms": round(per * 1000, 2), "50k_on_16_cores_s": round(one_machine, 1), "50k_on_4x16_dask_s": round(cluster4, 1)}
    print(
        f"projection: {per * 1000:.1f} ms per learner in one process; 50,000 learners: {one_machine / 60:.1f} min on 16 cores, {cluster4 / 60:.1f} min on 4 nodes x 16 cores (Dask)"
    )
    print(f"load average after: {_load()}")
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
