"""Deciding a cohort: one learner at a time, on local worker processes, or on a Dask cluster.

Whatever runs it, :func:`run` yields one :class:`Result` per learner in input
order, and the same bytes for the same input: a result holds the decision's
JSON line, made where it was decided, and nothing that depends on the run
(the time taken is kept beside it, for summaries only).

Local workers are processes started with ``forkserver`` (or ``spawn``), never
``fork``: a forked child would inherit the parent's threads and locks
half-held. The forkserver imports stackrules once, before it forks any worker
(:func:`context`), so a worker starts without importing it again. Each worker
receives the engine once, when it starts; learners
travel in chunks. A worker that dies (killed, out of memory) ends the run
with :class:`WorkersLost` after every finished result was yielded, in or out
of order: nothing finished is lost, and a resumed run decides the rest.

With Dask, the engine is scattered once to every worker of the cluster and
learners are sent in chunks that name it; results stream back and are put in
input order here. HiGHS runs one thread per solve in every worker (the engine
sets it), so a worker per core is the right size.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..decision import Decision
from ..engine import Engine, freeze_heap
from ..errors import LearnerError, RequestError, StackrulesError
from .inputs import Item, parse, placed
from .report import credit_rows, status_of

COMMANDS = ("audit", "assess", "plan", "explore")
START_METHODS = ("forkserver", "spawn")
SMALL = 32  # learners decided in this process even when workers are asked for: starting workers would cost more


@dataclass(frozen=True)
class Job:
    """What to decide for every learner."""

    command: str
    target: str | None
    as_of: dt.date
    look_ahead: bool = False
    time_limit: float = 10.0


@dataclass(frozen=True)
class Result:
    """One learner's outcome: the output line (deterministic) and figures for summaries."""

    index: int
    key: str
    line: str  # one JSON document, no newline
    status: str  # the decision's status; ``error`` for a learner that could not be decided
    counted: Fraction | None = None
    remaining: Fraction | None = None
    granted: Fraction = Fraction(0)
    seconds: float = 0.0


class WorkersLost(StackrulesError):
    """A worker process died mid-batch; every result finished before was yielded."""


def decide(engine: Engine, job: Job, learner: Any) -> Decision:
    """One decision through the public API, as :func:`run` makes it for every learner."""
    if job.command == "audit":
        return engine.audit(learner, _target(job), job.as_of, look_ahead=job.look_ahead, time_limit=job.time_limit)
    if job.command == "assess":
        return engine.assess(learner, _target(job), job.as_of, look_ahead=job.look_ahead, time_limit=job.time_limit)
    if job.command == "plan":
        return engine.plan(learner, _target(job), job.as_of, look_ahead=job.look_ahead, time_limit=job.time_limit)
    if job.command == "explore":
        return engine.explore(learner, job.as_of, plans=False, look_ahead=job.look_ahead, time_limit=job.time_limit)
    raise RequestError("SR5002", f"unknown command `{job.command}`", f"use one of {', '.join(COMMANDS)}")


def _target(job: Job) -> str:
    if job.target is None:
        raise RequestError("SR5002", f"`{job.command}` needs a target", "give --target, e.g. exu:BIT")
    return job.target


def run_of(engine: Engine, job: Job) -> dict[str, Any]:
    """What a result line was decided under, beside its command (``kind``): a resumed run keeps only lines made under the same."""
    return {"target": job.target, "as_of": job.as_of.isoformat(), "look_ahead": job.look_ahead, "rules": engine.digest}


def line_of(item: Item, body: dict[str, Any]) -> str:
    """A result line: where the learner was, its id, then the decision or the error."""
    return json.dumps({"index": item.index, "learner": item.key, "source": item.where, **body}, ensure_ascii=False, separators=(",", ":"))


def granted(doc: dict[str, Any]) -> Fraction:
    """Credit granted by credit rules in a decision document (0 when it has none): in a plan, only what the learner's
    holdings earn (credit earned by study the plan adds is part of what it adds)."""
    added = set(doc.get("added") or ())
    return sum((amount for _, sources, amount in credit_rows(doc) if not added.intersection(sources)), Fraction(0))


def decide_item(engine: Engine, job: Job, item: Item) -> Result:
    """One learner's result; an input or request error is an error row, never an exception."""
    start = time.perf_counter()
    pointers: dict[int, str] = {}
    try:
        learner, pointers = parse(item)
        decision = decide(engine, job, learner)
    except (LearnerError, RequestError) as exc:
        # what the decision finds wrong with a learner given as data (an unknown credential) is placed as parse's
        # findings are: the line of the cohort file, and a JSON pointer into the learner
        diags = [placed(d, item.where, pointers) for d in exc.diagnostics] if isinstance(exc, LearnerError) else [placed(exc.diagnostic(), item.where)]
        line = line_of(item, {"kind": job.command, "run": run_of(engine, job), "input": item.digest, "error": {"diagnostics": [d.to_json() for d in diags]}})
        return Result(item.index, item.key, line, "error", seconds=time.perf_counter() - start)
    doc = decision.to_json()
    line = line_of(item, {"kind": job.command, "run": run_of(engine, job), "input": item.digest, "decision": doc})
    status = status_of(doc)
    return Result(item.index, item.key, line, status, decision.counted, decision.remaining, granted(doc), time.perf_counter() - start)


def decide_chunk(engine: Engine, job: Job, items: Sequence[Item]) -> list[Result]:
    return [decide_item(engine, job, item) for item in items]


def chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def chunk_size(count: int, workers: int) -> int:
    """Small enough to balance the load and stream, large enough to keep messages few."""
    return max(1, min(64, count // max(1, workers * 8)))


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def where(count: int, *, executor: str = "local", workers: int | None = None, scheduler: str | None = None) -> str:
    """Where :func:`run` decides ``count`` learners, for people: ``in this process``, ``on 2 local workers``, ``on Dask at ADDRESS``."""
    if executor == "dask":
        return f"on Dask at {scheduler}"
    n = default_workers() if workers is None else workers
    return "in this process" if n <= 1 or count <= SMALL else f"on {n} local workers"


def run(
    engine: Engine,
    job: Job,
    items: Sequence[Item],
    *,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
) -> Generator[Result, None, None]:
    """Every item's result in input order (see the module's docstring for how and where)."""
    n = default_workers() if workers is None else workers
    size = chunk or chunk_size(len(items), n)
    if executor == "dask":
        if scheduler is None:
            raise RequestError("SR5002", "the Dask executor needs a scheduler address", "give --scheduler tcp://HOST:8786")
        return _dask(engine, job, items, scheduler, size)
    if executor != "local":
        raise RequestError("SR5002", f"unknown executor `{executor}`", "use local or dask")
    if n <= 1 or len(items) <= SMALL:
        return (decide_item(engine, job, item) for item in items)
    return _local(engine, job, items, n, size)


def _in_order(
    submit: Callable[[list[Item]], Any],
    done_of: Callable[[set[Any]], set[Any]],
    result_of: Callable[[Any], list[Result]],
    items: Sequence[Item],
    size: int,
    ahead: int,
    release: Callable[[Any], None] = lambda fut: None,
) -> Iterator[Result]:
    """Submit chunks and yield their results in input order.

    At most ``ahead`` chunks run at once, and at most ``4 * ahead`` finished
    ones wait for an earlier chunk (memory stays bounded however long the
    cohort). A chunk's future is released once its results are yielded.
    """
    pending = iter(chunks(items, size))
    finished: dict[int, tuple[Any, list[Result]]] = {}  # position -> (future, results), not yet yielded
    index: dict[Any, int] = {}  # running future -> position in submission order
    position = 0
    next_out = 0
    running: set[Any] = set()

    def top_up() -> None:
        nonlocal position
        while len(running) < ahead and len(finished) < 4 * ahead:
            part = next(pending, None)
            if part is None:
                return
            fut = submit(part)
            index[fut] = position
            running.add(fut)
            position += 1

    top_up()
    while running:
        for fut in done_of(running):
            running.discard(fut)
            finished[index.pop(fut)] = (fut, result_of(fut))
        while next_out in finished:
            fut, results = finished.pop(next_out)
            yield from results
            release(fut)
            next_out += 1
        top_up()


def _init_worker(engine: Engine, job: Job, batch: int, mark: str | None) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the pool, a worker prints no traceback of its own
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER.clear()
    _WORKER.append((engine, job))
    threading.Thread(target=_leave_with_batch, args=(batch, mark), name="stackrules-batch-watch", daemon=True).start()
    freeze_heap()  # the engine lives as long as this worker: no collection walks it again (engine.freeze_heap)


def _leave_with_batch(batch: int, mark: str | None, every: float = 0.5) -> None:
    """End this worker once the batch process that started the pool is gone.

    A pool's workers wait for work on a queue whose other end they hold themselves, and each holds the
    forkserver's "alive" pipe too (so the forkserver, their parent, never ends either): a batch killed without
    its cleanup (SIGKILL, a test runner stopped with SIGTERM) left them waiting for ever, adopted by init.
    ``mark`` tells the batch from a later process given its id (:func:`process_mark`).
    """
    while True:
        time.sleep(every)
        if not _running(batch, mark):
            os._exit(1)


def process_mark(pid: int) -> str | None:
    """When process ``pid`` started (Linux: /proc), to tell it from a later process given the same id; None elsewhere."""
    stat = _proc_stat(pid)
    return stat[19] if stat is not None else None


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first); None when there is none."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _running(pid: int, mark: str | None) -> bool:
    if mark is not None:
        stat = _proc_stat(pid)
        return stat is not None and stat[0] not in ("Z", "X") and stat[19] == mark  # a zombie has ended
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_WORKER: list[tuple[Engine, Job]] = []  # this worker process's engine and job, set once by its initializer


def _worker_chunk(items: list[Item]) -> list[Result]:
    engine, job = _WORKER[0]
    return decide_chunk(engine, job, items)


def start_method() -> str:
    available = multiprocessing.get_all_start_methods()
    return next(m for m in START_METHODS if m in available)


PRELOAD = ("stackrules.cohort.batch",)  # what a worker runs: stackrules, pydantic, HiGHS, numpy


def context() -> Any:
    """The workers' multiprocessing context. With ``forkserver``, the server imports stackrules once (before it forks
    anything, with no solve running) and every worker is forked from it with the modules loaded: a worker starts in
    milliseconds instead of importing stackrules again (about half a second of CPU each)."""
    method = start_method()
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["__main__", *PRELOAD])  # multiprocessing's default and stackrules; from when this process's forkserver starts
    return ctx


def _local(engine: Engine, job: Job, items: Sequence[Item], workers: int, size: int) -> Generator[Result, None, None]:
    ctx = context()
    me = os.getpid()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(engine, job, me, process_mark(me)))
    futures: set[Future[list[Result]]] = set()  # submitted, results not yet all yielded

    def submit(part: list[Item]) -> Future[list[Result]]:
        fut = pool.submit(_worker_chunk, part)
        futures.add(fut)
        return fut

    def done_of(running: set[Any]) -> set[Any]:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        return done

    yielded: set[int] = set()
    try:
        for result in _in_order(submit, done_of, lambda f: f.result(), items, size, workers * 3, futures.discard):
            yielded.add(result.index)
            yield result
    except (BrokenProcessPool, KeyboardInterrupt) as exc:
        # every chunk that finished before the stop is kept, in input order among themselves
        kept = [r for f in futures if f.done() and not f.cancelled() and f.exception() is None for r in f.result() if r.index not in yielded]
        yield from sorted(kept, key=lambda r: r.index)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise WorkersLost(
            f"a worker process died; {len(yielded) + len(kept)} of {len(items)} learners were decided and written: run again with --resume"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


CONNECT_TIMEOUT = 5.0  # seconds to reach a Dask scheduler before the batch is refused


def connect(client_class: Any, scheduler: str) -> Any:
    """A Dask client of ``scheduler``; an address that is malformed or does not answer soon is a request error, not a hang."""
    try:
        _probe(scheduler)  # before a client exists: a failed one times out again when it is collected
        return client_class(scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # whatever the address gives back (a timeout, a refused or garbled answer) refuses the batch
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RequestError(
            "SR5002",
            f"cannot reach the Dask scheduler at `{scheduler}` within {CONNECT_TIMEOUT:g} s: {why}",
            "start one with `dask scheduler` and give its address, e.g. tcp://HOST:8786",
        ) from None


def _probe(scheduler: str) -> None:
    """Raise unless ``scheduler`` is an address Dask knows and, for TCP, something listens there."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    scheme, location = parse_address(scheduler)
    get_backend(scheme)  # ValueError: an unknown scheme
    if scheme in ("tcp", "tls"):
        host, port = parse_host_port(location)
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            pass


def _dask_chunk(engine: Engine, job: Job, items: list[Item]) -> list[Result]:
    return decide_chunk(engine, job, items)


def _dask(engine: Engine, job: Job, items: Sequence[Item], scheduler: str, size: int) -> Generator[Result, None, None]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise StackrulesError(f"the Dask executor needs dask.distributed: pip install -e '.[cohort]' in the project's folder ({exc})") from None
    client = connect(Client, scheduler)
    with client:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        engine_ref = client.scatter(engine, broadcast=True, hash=False)  # once per worker
        job_ref = client.scatter(job, broadcast=True, hash=False)

        arrived = as_completed(loop=client.loop)  # type: ignore[no-untyped-call]

        def submit(part: list[Item]) -> Any:
            fut = client.submit(_dask_chunk, engine_ref, job_ref, part, pure=False)
            arrived.add(fut)  # type: ignore[no-untyped-call]
            return fut

        def done_of(running: set[Any]) -> set[Any]:
            return {next(arrived)}

        yield from _in_order(submit, done_of, lambda f: f.result(), items, size, workers * 3, lambda f: f.release())
