"""The rule-base cache and the compiled catalogue: same answers, never stale, never trusted blindly."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import stackrules
from stackrules.compile.target import leaf_accepts_static
from stackrules.rulebase.filters import Matcher, credential_attrs

from .conftest import AS_OF, ROOT

EXAMPLES = ROOT / "examples" / "learners"


def _copy_shipped(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "frameworks", rules / "frameworks")
    shutil.copytree(ROOT / "rules", rules / "rules")
    return rules


def test_a_cached_load_decides_byte_for_byte_as_a_full_load(tmp_path: Path) -> None:
    rules, cache = _copy_shipped(tmp_path), tmp_path / "cache"
    fresh = stackrules.load(rules)
    first = stackrules.load(rules, cache=cache)  # a miss: loads and writes the entry
    assert len(list(cache.glob("*.pickle"))) == 1
    again = stackrules.load(rules, cache=cache)  # a hit
    learner = stackrules.load_learner(EXAMPLES / "ben.yaml")
    for engine in (first, again):
        assert engine.digest == fresh.digest and engine.warnings == fresh.warnings
        assert engine.audit(learner, "exu:BIT", AS_OF).dumps() == fresh.audit(learner, "exu:BIT", AS_OF).dumps()
        assert engine.plan(learner, "exu:BIT", AS_OF).dumps() == fresh.plan(learner, "exu:BIT", AS_OF).dumps()


def test_an_edited_file_misses_the_cache(tmp_path: Path) -> None:
    rules, cache = _copy_shipped(tmp_path), tmp_path / "cache"
    before = stackrules.load(rules, cache=cache)
    catalog = rules / "rules" / "example-university" / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("title: Programming Fundamentals", "title: Programming One", 1), encoding="utf-8")
    after = stackrules.load(rules, cache=cache)
    assert after.digest != before.digest
    assert after.rules.credentials["exu:COMP1010"].title == "Programming One"
    assert len(list(cache.glob("*.pickle"))) == 2


def test_a_broken_cache_entry_is_ignored_and_an_unusable_folder_is_no_error(tmp_path: Path) -> None:
    rules, cache = _copy_shipped(tmp_path), tmp_path / "cache"
    want = stackrules.load(rules, cache=cache).digest
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert stackrules.load(rules, cache=cache).digest == want  # loaded afresh, entry rewritten
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    assert stackrules.load(rules, cache=blocker).digest == want  # the cache cannot be written: still loads


def test_a_rule_base_with_errors_is_never_cached(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    folder = write({"bad.yaml": "kind: catalog\nprovider: {id: x, name: X}\ncredentials: [{id: x:A, title: A, credits: six}]\n"})
    cache = tmp_path / "cache"
    for _ in range(2):
        with pytest.raises(stackrules.RuleBaseError):
            stackrules.load(folder, cache=cache)
    assert not cache.exists() or not list(cache.glob("*.pickle"))


def test_the_cli_cache_folder_defaults_to_the_users_and_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from stackrules.cli import cache_folder

    monkeypatch.delenv("STACKRULES_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == str(tmp_path / "stackrules")
    for off in ("off", "0", ""):
        monkeypatch.setenv("STACKRULES_CACHE", off)
        assert cache_folder() is None


def test_a_cache_folder_keeps_only_the_latest_entries(tmp_path: Path) -> None:
    from stackrules.source import cache

    for k in range(cache.KEEP + 3):
        assert cache.write(tmp_path, f"{k:064d}", {"k": k})
        os.utime(tmp_path / f"{k:064d}.pickle", ns=(k * 10**9, k * 10**9))
    kept = sorted(int(f.stem) for f in tmp_path.glob("*.pickle"))
    assert kept == list(range(3, cache.KEEP + 3)) and cache.read(tmp_path, f"{cache.KEEP + 2:064d}") == {"k": cache.KEEP + 2}


def test_the_cli_uses_the_cache_named_by_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "STACKRULES_CACHE": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "stackrules", "audit", "--learner", str(EXAMPLES / "eva.yaml"), "--target", "exu:GCDS", "--as-of", "2026-11-28"]
    outs = [subprocess.run(cmd, env=env, capture_output=True, text=True, check=False) for _ in range(2)]
    assert [o.returncode for o in outs] == [0, 0]
    assert outs[0].stdout == outs[1].stdout and "met" in outs[0].stdout
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1


def test_compiled_fits_equal_matching_every_leaf(engine: stackrules.Engine) -> None:
    # the compiler matches once per class of filter-relevant attributes; it must agree with matching each credential
    day = dt.date(2026, 11, 28)
    rb = engine.rules
    for v in rb.versions_on(day):
        ct = engine.compiled(v, day)
        leaves = ct.top.leaves()
        got = {e.credential: e.leaves for e in ct.catalogue}
        for c in rb.credentials_by_id:
            if c.type == "qualification" or (v.provider is not None and c.provider != v.provider):
                continue
            attrs = credential_attrs(rb, c.id, v.system)
            want = tuple(leaf.index for leaf in leaves if leaf_accepts_static(rb, leaf, attrs, Matcher(rb, leaf.target_fields), c.id))
            assert got.get(c.id, ()) == want, (v.id, c.id)


def test_holdings_fit_the_leaves_matching_each_would_give(engine: stackrules.Engine) -> None:
    # build_problem takes a catalogue holding's leaves from the compiler, then applies grades and dates
    from stackrules.decide.problem import _conditions, build_problem

    for path in sorted(EXAMPLES.glob("*.yaml")):
        learner = stackrules.load_learner(path)
        for target in ("exu:BIT", "exu:GCDS", "exu:MDS"):
            p = build_problem(engine.rules, learner.doc, target, AS_OF, True, compiler=engine.compiled)
            for leaf in p.top.leaves():
                if leaf.index not in p.eligible:
                    continue
                for it in p.items:
                    if it.origin != "holding" or (leaf.index, it.index) in p.exception_claims:
                        continue
                    matcher = Matcher(engine.rules, leaf.target_fields)
                    want = leaf_accepts_static(engine.rules, leaf, it.attrs, matcher, it.credential) and _conditions(engine.rules, leaf, it.attrs, AS_OF)
                    assert (it.index in p.eligible[leaf.index]) == want, (path.name, target, leaf.path, it.key)
