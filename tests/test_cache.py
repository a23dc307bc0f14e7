"""The rule-base cache and the compiled catalogue: same answers, never stale, never trusted blindly."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
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
    assert len(list(cache.glob("*.entry"))) == 1
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
    assert len(list(cache.glob("*.entry"))) == 2


def test_a_broken_cache_entry_is_ignored_and_an_unusable_folder_is_no_error(tmp_path: Path) -> None:
    rules, cache = _copy_shipped(tmp_path), tmp_path / "cache"
    want = stackrules.load(rules, cache=cache).digest
    (entry,) = cache.glob("*.entry")
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
    assert not cache.exists() or not list(cache.glob("*.entry"))


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
        os.utime(tmp_path / f"{k:064d}.entry", ns=(k * 10**9, k * 10**9))
    kept = sorted(int(f.stem) for f in tmp_path.glob("*.entry"))
    assert kept == list(range(3, cache.KEEP + 3)) and cache.read(tmp_path, f"{cache.KEEP + 2:064d}") == {"k": cache.KEEP + 2}


def test_the_cli_uses_the_cache_named_by_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "STACKRULES_CACHE": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "stackrules", "audit", "--learner", str(EXAMPLES / "eva.yaml"), "--target", "exu:GCDS", "--as-of", "2026-11-28"]
    outs = [subprocess.run(cmd, env=env, capture_output=True, text=True, check=False) for _ in range(2)]
    assert [o.returncode for o in outs] == [0, 0]
    assert outs[0].stdout == outs[1].stdout and "met" in outs[0].stdout
    assert len(list((tmp_path / "cache").glob("*.entry"))) == 1


def test_compiled_fits_equal_matching_every_leaf(engine: stackrules.Engine) -> None:
    # the compiler matches once per class of filter-relevant attributes; it must agree with matching each credential
    day = dt.date(2026, 11, 28)
    rb = engine.rules
    for v in rb.versions_on(day):
        ct = engine.compiled(v, day)
        leaves = ct.top.leaves()
        got = {e.credential: e.leaves for e in ct.catalogue}
        for c in rb.credentials_by_id:
            if c.type == "qualification" or not v.is_home(c.provider) or c.id in rb.superseded:  # home study, not retired
                continue
            attrs = credential_attrs(rb, c.id, v.system)
            want = tuple(leaf.index for leaf in leaves if leaf_accepts_static(rb, leaf, attrs, Matcher(rb, leaf.target_fields), c.id))
            assert got.get(c.id, ()) == want, (v.id, c.id)


def test_holdings_fit_the_leaves_matching_each_would_give(engine: stackrules.Engine) -> None:
    # build_problem takes a catalogue holding's leaves from the compiler, then applies grades and dates
    from stackrules.decide.problem import build_problem
    from stackrules.decide.semantics import conditions

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
                    want = leaf_accepts_static(engine.rules, leaf, it.attrs, matcher, it.credential) and conditions(engine.rules, leaf, it.attrs, AS_OF)
                    assert (it.index in p.eligible[leaf.index]) == want, (path.name, target, leaf.path, it.key)


# -- the cache cannot be turned against its user (issue 11, docs/language.md section 18)


class _Plant:
    """A pickle that, if ever unpickled, creates ``marker``: the attack the cache must refuse."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def _malicious(marker: Path) -> bytes:
    import pickle

    return pickle.dumps(_Plant(marker))


def _entry(cache: Path) -> Path:
    (entry,) = cache.glob("*.entry")
    return entry


def test_folder_key_and_entries_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    rules, cache = _copy_shipped(tmp_path), tmp_path / "deep" / "cache"
    old = os.umask(0)
    try:
        stackrules.load(rules, cache=cache)
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE((cache / "key").stat().st_mode) == 0o600
    assert stat.S_IMODE(_entry(cache).stat().st_mode) == 0o600
    assert len((cache / "key").read_bytes()) == 32


def test_a_planted_pickle_never_runs(tmp_path: Path) -> None:
    rules, cache = _copy_shipped(tmp_path), tmp_path / "cache"
    want = stackrules.load(rules, cache=cache).digest
    entry, marker = _entry(cache), tmp_path / "marker"
    entry.write_bytes(_malicious(marker))  # a bare pickle in place of the entry
    (cache / (entry.stem + ".pickle")).write_bytes(_malicious(marker))  # and where format 1 kept entries
    assert stackrules.load(rules, cache=cache).digest == want
    assert not marker.exists()
    assert not list(cache.glob("*.pickle"))  # the unauthenticated format's files are removed, never read


def test_a_planted_pickle_with_a_good_mac_is_still_refused_by_the_unpickler(tmp_path: Path) -> None:
    # the second line: even an entry framed with the user's own key admits only stackrules' classes and plain values
    from stackrules.source import cache as disk

    name, marker = "a" * 64, tmp_path / "marker"
    assert disk.write(tmp_path, name, {"ok": 1})
    secret = (tmp_path / "key").read_bytes()
    payload = _malicious(marker)
    (tmp_path / f"{name}.entry").write_bytes(disk._frame(secret, name, payload))
    assert disk.read(tmp_path, name) is None
    assert not marker.exists()


def test_an_entry_written_under_another_users_key_is_refused(tmp_path: Path) -> None:
    rules, cache, theirs = _copy_shipped(tmp_path), tmp_path / "cache", tmp_path / "theirs"
    want = stackrules.load(rules, cache=cache).digest
    entry = _entry(cache)
    from stackrules.source import cache as disk

    # another user's cache holds, under the same key, an engine of another rule base
    other = stackrules.load(ROOT / "tests" / "diagnostics" / "base")
    assert disk.write(theirs, entry.stem, other)
    entry.write_bytes((theirs / entry.name).read_bytes())
    assert stackrules.load(rules, cache=cache).digest == want != other.digest


def test_a_genuine_entry_of_another_rule_base_renamed_to_this_key_is_refused(tmp_path: Path) -> None:
    rules, cache = _copy_shipped(tmp_path), tmp_path / "cache"
    want = stackrules.load(rules, cache=cache).digest
    entry = _entry(cache)
    other = stackrules.load(ROOT / "tests" / "diagnostics" / "base", cache=cache)  # a valid entry, same key, same folder
    (theirs,) = (e for e in cache.glob("*.entry") if e != entry)
    os.replace(theirs, entry)
    assert stackrules.load(rules, cache=cache).digest == want != other.digest
    assert stackrules.load(rules, cache=cache).digest == want  # and the entry was written again, genuine


def test_every_flipped_bit_of_an_entry_is_refused(tmp_path: Path) -> None:
    from stackrules.source import cache as disk

    name = "b" * 64
    assert disk.write(tmp_path, name, {"credits": 24})
    path = tmp_path / f"{name}.entry"
    good = path.read_bytes()
    assert disk.read(tmp_path, name) == {"credits": 24}
    for i in range(len(good)):
        for bit in range(8):
            bad = bytearray(good)
            bad[i] ^= 1 << bit
            path.write_bytes(bytes(bad))
            assert disk.read(tmp_path, name) is None, (i, bit)
    path.write_bytes(good[:-1])  # and a truncated one
    assert disk.read(tmp_path, name) is None


def test_a_group_writable_folder_or_entry_is_never_read(tmp_path: Path) -> None:
    rules, cache = _copy_shipped(tmp_path), tmp_path / "cache"
    want = stackrules.load(rules, cache=cache).digest
    entry, marker = _entry(cache), tmp_path / "marker"
    from stackrules.source import cache as disk

    heard: list[str] = []
    store = disk.Cache(cache, warn=heard.append)
    entry.chmod(0o660)
    assert store.read(entry.stem) is None
    entry.chmod(0o600)
    cache.chmod(0o770)
    entry.write_bytes(_malicious(marker))
    assert store.read(entry.stem) is None and store.read(entry.stem) is None
    assert not store.write(entry.stem, {"x": 1})  # nor written to
    assert len(heard) == 2 and "can be written by group or others (mode 0660)" in heard[0] and "mode 0770" in heard[1]
    with pytest.warns(disk.CacheWarning, match="mode 0770"):
        assert stackrules.load(rules, cache=cache).digest == want
    assert not marker.exists()


def test_a_readable_key_is_never_used(tmp_path: Path) -> None:
    from stackrules.source import cache as disk

    heard: list[str] = []
    store = disk.Cache(tmp_path, warn=heard.append)
    assert store.write("c" * 64, {"x": 1})
    (tmp_path / "key").chmod(0o640)  # others could forge entries with it
    assert store.read("c" * 64) is None
    assert heard and "can be read or written by group or others (mode 0640)" in heard[0]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing a folder's owner needs root")
def test_a_folder_or_entry_owned_by_another_user_is_never_read(tmp_path: Path) -> None:
    from stackrules.source import cache as disk

    heard: list[str] = []
    store = disk.Cache(tmp_path / "cache", warn=heard.append)
    assert store.write("d" * 64, {"x": 1})
    entry = tmp_path / "cache" / ("d" * 64 + ".entry")
    os.chown(entry, 4242, -1)
    assert store.read("d" * 64) is None
    os.chown(entry, 0, -1)
    assert store.read("d" * 64) == {"x": 1}
    os.chown(tmp_path / "cache", 4242, -1)
    assert store.read("d" * 64) is None
    assert not store.write("e" * 64, {"x": 2})
    assert [("uid 4242" in h) for h in heard] == [True, True]


def test_an_edit_during_a_load_is_never_cached_under_the_old_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stackrules.source import files

    rules, cache = _copy_shipped(tmp_path), tmp_path / "cache"
    catalog = rules / "rules" / "example-university" / "catalog.yaml"
    before = catalog.read_text(encoding="utf-8")
    edited = before.replace("title: Programming Fundamentals", "title: Programming One", 1)
    parse = files.read_yaml
    edits: list[str] = []

    def edit_then_parse(raw: bytes, name: str):  # type: ignore[no-untyped-def]
        if name.endswith("catalog.yaml") and "example-university" in name and not edits:
            catalog.write_text(edited, encoding="utf-8")  # the edit lands after the read, before the parse
            edits.append(name)
        return parse(raw, name)

    monkeypatch.setattr(files, "read_yaml", edit_then_parse)
    during = stackrules.load(rules, cache=cache)
    monkeypatch.setattr(files, "read_yaml", parse)
    assert edits  # the path was taken
    assert during.rules.credentials["exu:COMP1010"].title == "Programming Fundamentals"  # the bytes read are the bytes parsed
    after = stackrules.load(rules, cache=cache)  # the edited file: another key, a miss
    assert after.rules.credentials["exu:COMP1010"].title == "Programming One"
    catalog.write_text(before, encoding="utf-8")
    back = stackrules.load(rules, cache=cache)  # the first text again: its entry holds what it said
    assert back.rules.credentials["exu:COMP1010"].title == "Programming Fundamentals" and back.digest == during.digest
    assert len(list(cache.glob("*.entry"))) == 2


def test_temporary_files_of_a_killed_write_are_removed(tmp_path: Path) -> None:
    from stackrules.source import cache as disk

    dead = tmp_path / ".tmp-999999999-0123456789abcdef"  # no such process
    old = tmp_path / f".tmp-{os.getppid()}-00000000000000ff"  # a live process, but written long ago
    fresh = tmp_path / f".tmp-{os.getppid()}-0000000000000aaa"  # a live writer, now: left alone
    for t in (dead, old, fresh):
        t.write_bytes(b"half an entry")
    os.utime(old, (1, 1))
    assert disk.write(tmp_path, "f" * 64, {"x": 1})
    assert not dead.exists() and not old.exists() and fresh.exists()


def test_the_cli_warns_once_and_still_decides_when_the_cache_folder_is_unsafe(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o777)
    env = {**os.environ, "STACKRULES_CACHE": str(cache)}
    cmd = [sys.executable, "-m", "stackrules", "audit", "--learner", str(EXAMPLES / "eva.yaml"), "--target", "exu:GCDS", "--as-of", "2026-11-28"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0 and "met" in out.stdout
    warnings = [line for line in out.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and f"the folder `{cache}` can be written by group or others (mode 0777)" in warnings[0], out.stderr
    assert not list(cache.iterdir())  # nothing written there either


def test_pruning_leaves_the_users_own_files_alone(tmp_path: Path) -> None:
    # STACKRULES_CACHE may name a folder that already holds the user's files: only what a cache wrote is removed
    rules, cache = _copy_shipped(tmp_path), tmp_path / "cache"
    cache.mkdir(mode=0o700)
    # names like the temporary files this format writes (`.tmp-<pid>-<16 hex>`) but not of that shape are the user's too
    mine = ["model.pickle", ".notes.tmp", "report.entry", ".tmp", "x" * 64 + ".pickle", ".tmp-notes", ".tmp-123-draft", ".tmp-1-0123456789abcdeF"]
    for n in mine:
        (cache / n).write_text("important\n")
    old = cache / ("0123456789abcdef" * 4 + ".pickle")  # format 1's own files go
    old_tmp = cache / ".0123456789abcdef-k3j2.tmp"
    old.write_bytes(b"x")
    old_tmp.write_bytes(b"x")
    stackrules.load(rules, cache=cache)
    assert all((cache / n).read_text() == "important\n" for n in mine)
    assert not old.exists() and not old_tmp.exists()


def test_the_engine_keeps_a_bounded_number_of_compiled_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    # an institution's learners ask for hundreds of targets: the least recently used compiled target is dropped
    # (memory stays bounded), and compiled again when asked for, to the same decision
    import stackrules.engine as engine_module

    monkeypatch.setattr(engine_module, "COMPILED_KEPT", 2)
    e = stackrules.load()
    learner = stackrules.load_learner(ROOT / "examples" / "learners" / "dana.yaml")
    first = e.audit(learner, "exu:BIT", AS_OF).dumps()
    for target in ("exu:GCDS", "exu:MDS", "exu:BIT", "tp-ict:ICT40120"):
        e.audit(learner, target, AS_OF)
        assert len(e._compiled) <= 2
    assert e.audit(learner, "exu:BIT", AS_OF).dumps() == first
