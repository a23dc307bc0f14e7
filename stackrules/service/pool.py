"""The worker pool: processes that each receive the engine once, behind a bounded queue.

Workers are started with ``forkserver`` (or ``spawn``), never ``fork``: a child
forked from a process that has already solved could hang inside HiGHS (the
engine now guards against it too, docs/design.md "Processes", but a fresh
interpreter per worker is the safe default). Each worker unpickles the engine
once, in its initializer. Every solve runs HiGHS on one thread (decide/milp.py
sets it per solve), so N workers use N cores and no more.

Admission is counted on the event loop: at most ``workers + queue`` requests
are in the pool at once; one more is refused at once (the service answers 503
with ``Retry-After``) instead of waiting without bound. A worker that dies
(killed, out of memory) breaks a ``ProcessPoolExecutor``: the pool is then
replaced and the request refused with 503, never a 500.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from ..engine import Engine
from .problems import Problem
from .worker import Outcome, Task, run

START_METHODS = ("forkserver", "spawn")


@dataclass
class _Slot:
    """The engine of this worker process: set once by the pool's initializer, read by every task."""

    engine: Engine | None = None


_SLOT = _Slot()


def _init(engine_bytes: bytes) -> None:
    _SLOT.engine = pickle.loads(engine_bytes)


def _run_in_worker(task: Task) -> Outcome:
    engine = _SLOT.engine
    assert engine is not None, "the pool initializer sets the engine"
    return run(engine, task)


class Pool:
    """Runs tasks on ``engine`` in ``workers`` processes (0: one thread of this process), at most ``queue`` waiting."""

    def __init__(self, engine: Engine, workers: int, queue: int, start_method: str = "forkserver") -> None:
        if start_method not in START_METHODS:
            raise ValueError(f"start method must be one of {START_METHODS}, not {start_method!r}")
        self.engine = engine
        self.workers = workers
        self.capacity = max(workers, 1) + max(queue, 0)
        self.start_method = start_method
        self.pending = 0
        self._payload = pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL) if workers > 0 else b""
        self._executor = self._start()
        self.closed = False

    def _start(self) -> Executor:
        if self.workers == 0:
            return ThreadPoolExecutor(1, thread_name_prefix="stackrules-decide")
        ctx = multiprocessing.get_context(self.start_method)
        return ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init, initargs=(self._payload,))

    def _call(self, task: Task) -> Outcome:
        return run(self.engine, task)

    async def warm(self) -> None:
        """Start every worker (each unpickles the engine) before the service says it is ready."""
        await asyncio.gather(*(self.submit(Task("ping", {}), 120.0) for _ in range(max(self.workers, 1))))

    async def submit(self, task: Task, timeout: float) -> Outcome:
        """Run ``task``; a :class:`Problem` (503) when the queue is full, a worker died or ``timeout`` passed."""
        if self.closed:
            raise Problem("not-ready", "the service is reloading or stopping", headers={"Retry-After": "1"})
        if self.pending >= self.capacity:
            raise Problem("overloaded", f"{self.pending} requests are in progress or waiting; the limit is {self.capacity}", headers={"Retry-After": "1"})
        self.pending += 1
        loop = asyncio.get_running_loop()
        try:
            executor = self._executor
            fn = self._call if self.workers == 0 else _run_in_worker
            future = loop.run_in_executor(executor, fn, task)
            try:
                return await asyncio.wait_for(future, timeout)
            except TimeoutError:
                raise Problem("timeout", f"no answer within {timeout:g} s", headers={"Retry-After": "5"}) from None
            except BrokenProcessPool:
                if self._executor is executor and not self.closed:
                    self._executor = self._start()  # the broken pool's workers are gone: start new ones
                    executor.shutdown(wait=False, cancel_futures=True)
                raise Problem("overloaded", "a worker process stopped; the pool was restarted", headers={"Retry-After": "1"}) from None
        finally:
            self.pending -= 1

    def shutdown(self) -> None:
        """Let the tasks in progress finish, then stop the workers (blocking: call it from a thread)."""
        self.closed = True
        self._executor.shutdown(wait=True)
