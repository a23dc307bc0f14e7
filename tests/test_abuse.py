"""The abuse corpus's fast cases (benchmarks/abuse_bench.py --quick): each refused cleanly, with its diagnostic, never a traceback.

No timing is asserted here (the benchmark prints the figures against their bounds).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("abuse_bench", ROOT / "benchmarks" / "abuse_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("abuse_bench", module)
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
QUICK = [c for c in BENCH.CASES if c.quick]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return BENCH.warm_cache(tmp_path_factory.mktemp("abuse"))  # type: ignore[no-any-return]


def test_the_quick_subset_covers_every_kind_of_attack() -> None:
    names = " ".join(c.name for c in QUICK)
    for kind in ("1e999999999", "5,001-digit", "within_years", "/dev/zero", "FIFO", "folder", "nesting", "control characters", "--max-load"):
        assert kind in names


@pytest.mark.parametrize("case", QUICK, ids=[c.name for c in QUICK])
def test_each_abuse_case_is_refused_cleanly(case, cache: Path) -> None:  # type: ignore[no-untyped-def]
    result = BENCH.run(case, cache, timeout=120)
    assert result.clean, (result.code, result.first, result.traceback)
    assert not result.traceback
    if case.expect:
        assert f"error[{case.expect}]" in result.first
