"""The worker pool: processes that each receive the engine once, behind a bounded queue.

Workers are started with ``forkserver`` (or ``spawn``), never ``fork``: a child
forked from a process that has already solved could hang inside HiGHS (the
engine now guards against it too, docs/design.md "Processes", but a fresh
interpreter per worker is the safe default). Each worker unpickles the engine
once, when it starts. Every solve runs HiGHS on one thread (decide/milp.py
sets it per solve), so N workers use N cores and no more.

The server talks to each worker over its own pipe, read by the event loop
itself (``add_reader``): no helper threads in the server contend with the
event loop for the GIL (a ``ProcessPoolExecutor`` has a manager and a feeder
thread), and the pool knows which worker runs which request, so it can kill
one that overruns. Admission is counted on the event loop: at most ``workers + queue`` requests are in the pool at once, one more
is refused at once (503 with ``Retry-After``). A worker that dies is replaced;
a worker that overruns a request's deadline is killed and replaced, so a
stuck solve never takes a core for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import pickle
import traceback
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from ..engine import Engine, freeze_heap
from .problems import Problem
from .worker import Outcome, Task, problem_outcome, run

START_METHODS = ("forkserver", "spawn")
log = logging.getLogger("stackrules.service")


def _serve(conn: Connection, engine_bytes: bytes) -> None:
    """A worker's life: receive the engine once, then answer tasks until the pipe closes."""
    engine: Engine = pickle.loads(engine_bytes)
    del engine_bytes
    freeze_heap()  # the engine lives as long as this worker: no collection walks it again (engine.freeze_heap)
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            outcome = run(engine, pickle.loads(data))
        except Exception as exc:  # a defect: reported as a problem, the traceback to this process's stderr only
            traceback.print_exc()
            outcome = problem_outcome(Problem("internal-error", f"{type(exc).__name__}; see the server's log"))
        try:
            conn.send_bytes(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.future: asyncio.Future[Outcome] | None = None


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
        self.closed = False
        self._payload = pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL) if workers > 0 else b""
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="stackrules-decide") if workers == 0 else None
        self._all: list[_Worker] = []
        self._idle: list[_Worker] = []
        self._waiting: deque[tuple[Task, asyncio.Future[Outcome]]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None

    # ---- workers ----

    def _spawn(self) -> _Worker:
        assert self._loop is not None
        ctx: Any = multiprocessing.get_context(self.start_method)
        mine, theirs = ctx.Pipe(duplex=True)
        process = ctx.Process(target=_serve, args=(theirs, self._payload), name="stackrules-worker", daemon=True)
        process.start()
        theirs.close()
        worker = _Worker(process, mine)
        self._all.append(worker)
        self._idle.append(worker)
        self._loop.add_reader(mine.fileno(), self._readable, worker)
        return worker

    def _retire(self, worker: _Worker, kill: bool) -> None:
        """Take ``worker`` out of the pool (killing it when asked); its task, if any, is failed by the caller."""
        assert self._loop is not None
        if worker in self._all:
            self._all.remove(worker)
        if worker in self._idle:
            self._idle.remove(worker)
        with contextlib.suppress(OSError, ValueError):
            self._loop.remove_reader(worker.conn.fileno())
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.conn.close()
        worker.process.join(timeout=0)  # reaped later if not yet; never waited for on the event loop

    def _readable(self, worker: _Worker) -> None:
        future, worker.future = worker.future, None
        try:
            outcome: Outcome = pickle.loads(worker.conn.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError):
            log.error("worker %s stopped (exit code %s); starting another", worker.process.pid, worker.process.exitcode)
            self._retire(worker, kill=True)
            if future is not None and not future.done():
                future.set_exception(Problem("overloaded", "a worker process stopped; it has been replaced", headers={"Retry-After": "1"}))
            if not self.closed:
                self._spawn()
            self._dispatch()
            return
        self._idle.append(worker)
        if future is not None and not future.done():
            future.set_result(outcome)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._idle and self._waiting:
            task, future = self._waiting.popleft()
            if future.done():
                continue
            worker = self._idle.pop()
            try:
                worker.conn.send_bytes(pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL))
            except OSError:  # the worker has died since its last answer: the task goes back first in line
                log.error("worker %s stopped (exit code %s); starting another", worker.process.pid, worker.process.exitcode)
                self._waiting.appendleft((task, future))
                self._retire(worker, kill=True)
                if not self.closed:
                    self._spawn()
                continue
            worker.future = future

    # ---- the pool's face ----

    async def warm(self) -> None:
        """Start every worker (each unpickles the engine) before the service says it is ready."""
        self._loop = asyncio.get_running_loop()
        for _ in range(self.workers):
            self._spawn()
        await asyncio.gather(*(self.submit(Task("ping", {}), 300.0) for _ in range(max(self.workers, 1))))

    async def submit(self, task: Task, timeout: float) -> Outcome:
        """Run ``task``; a :class:`Problem` (503) when the queue is full, a worker died or ``timeout`` passed."""
        if self.closed:
            raise Problem("not-ready", "the service is reloading or stopping", headers={"Retry-After": "1"})
        if self.pending >= self.capacity:
            raise Problem("overloaded", f"{self.pending} requests are in progress or waiting; the limit is {self.capacity}", headers={"Retry-After": "1"})
        self.pending += 1
        try:
            if self._thread is not None:
                future = asyncio.get_running_loop().run_in_executor(self._thread, run, self.engine, task)
                try:
                    return await asyncio.wait_for(future, timeout)
                except TimeoutError:
                    raise Problem("timeout", f"no answer within {timeout:g} s", headers={"Retry-After": "5"}) from None
            mine: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
            self._waiting.append((task, mine))
            self._dispatch()
            try:
                return await asyncio.wait_for(asyncio.shield(mine), timeout)
            except TimeoutError:
                stuck = next((w for w in self._all if w.future is mine), None)
                if stuck is not None:  # the worker overran: kill it, start another
                    log.error("worker %s overran %g s; replacing it", stuck.process.pid, timeout)
                    self._retire(stuck, kill=True)
                    if not self.closed:
                        self._spawn()
                    self._dispatch()
                mine.cancel()
                raise Problem("timeout", f"no answer within {timeout:g} s", headers={"Retry-After": "5"}) from None
        finally:
            self.pending -= 1

    async def shutdown(self) -> None:
        """Refuse new tasks, let the tasks in progress and waiting finish, then stop the workers."""
        self.closed = True
        if self._thread is not None:
            await asyncio.to_thread(self._thread.shutdown, True)
            return
        while self._waiting or any(w.future is not None for w in self._all):
            await asyncio.sleep(0.02)
        workers, self._all = list(self._all), []
        for w in workers:
            if self._loop is not None:
                with contextlib.suppress(OSError, ValueError):
                    self._loop.remove_reader(w.conn.fileno())
            w.conn.close()  # the worker reads end-of-file and returns
        for w in workers:
            await asyncio.to_thread(w.process.join, 10)
            if w.process.is_alive():
                w.process.kill()
                await asyncio.to_thread(w.process.join, 10)
