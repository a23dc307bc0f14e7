"""Workers that keep one engine for life freeze their heap out of the garbage collector (engine.freeze_heap).

A full collection walks every live container; with an institution loaded that
is 160-220 ms inside whichever audit triggers it (benchmarks/load_bench.py
--institution counts them). The service's and the cohort's workers call
``freeze_heap`` once their engine is in hand; these tests show each worker
takes that step, and that the step freezes what was alive and makes later
full collections rarer.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import pickle
import types
from collections.abc import Iterator

import pytest

import stackrules
from stackrules.cohort import batch
from stackrules.engine import FULL_COLLECTION_EVERY, freeze_heap
from stackrules.service import pool


@pytest.fixture
def thawed() -> Iterator[None]:
    """Leave the test process's collector as it found it."""
    gc.unfreeze()
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_freeze_heap_freezes_what_is_alive(thawed: None) -> None:
    engine = stackrules.load()
    assert gc.get_freeze_count() == 0
    freeze_heap()
    # the engine's objects are in the permanent generation now: a collection no longer walks them
    assert gc.get_freeze_count() > 0
    assert not any(o is engine for o in gc.get_objects())
    # and full collections (of what is created later) come ten times less often than Python's default
    assert gc.get_threshold()[2] == FULL_COLLECTION_EVERY > 10


def test_a_service_worker_freezes_its_engine(thawed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[bool] = []
    monkeypatch.setattr(pool, "freeze_heap", lambda: called.append(True))
    mine, theirs = multiprocessing.Pipe()
    theirs.close()  # the worker answers nothing: it reads end-of-file and returns
    pool._serve(mine, pickle.dumps(stackrules.load()))
    assert called == [True]


def test_a_cohort_worker_freezes_its_engine(thawed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[bool] = []
    monkeypatch.setattr(batch, "freeze_heap", lambda: called.append(True))
    monkeypatch.setattr(batch.signal, "signal", lambda *a: None)  # a worker ignores Ctrl-C; this process must not
    watching: list[tuple[object, ...]] = []
    monkeypatch.setattr(batch.threading, "Thread", lambda target, args, **kw: types.SimpleNamespace(start=lambda: watching.append(args)))
    me = os.getpid()
    batch._init_worker(stackrules.load(), batch.Job("audit", "exu:BIT", dt.date(2026, 11, 28)), me, batch.process_mark(me))
    assert watching == [(me, batch.process_mark(me))]  # and it watches the batch process, to end with it
    assert called == [True]
    batch._WORKER.clear()
