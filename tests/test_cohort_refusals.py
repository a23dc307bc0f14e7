"""Cohort commands refuse what would lose data or cannot work, before anything is decided (exit 3, SR5002, never a traceback)."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stackrules.cli import main
from stackrules.cohort.inputs import read_cohort

ROOT = Path(__file__).resolve().parent.parent
LINES = (ROOT / "examples" / "cohort" / "cohort.jsonl").read_text(encoding="utf-8").splitlines()
DAY = ("--as-of", "2026-10-15")


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def few(tmp_path: Path) -> Path:
    path = tmp_path / "few.jsonl"
    path.write_text("\n".join(LINES[:4]) + "\n", encoding="utf-8")
    return path


def batch(learners: Path, *more: str) -> tuple[int, str, str]:
    return cli("batch", "--learners", str(learners), "--target", "exu:BIT", *DAY, *more)


# --- 1. output files that are the input or each other


def test_out_or_summary_equal_to_the_input_or_each_other_is_refused_before_deciding(few: Path, tmp_path: Path) -> None:
    before = few.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(few)
    out = tmp_path / "o.jsonl"
    cases = [
        ("--out", str(few)),
        ("--out", str(link)),
        ("--out", str(tmp_path / "." / "few.jsonl")),
        ("--out", str(out), "--summary", str(few)),
        ("--out", str(out), "--summary", str(out)),
        ("--out", str(link), "--summary", str(few)),
    ]
    for args in cases:
        code, _, err = batch(few, *args)
        assert code == 3 and "SR5002" in err and ("is the cohort input" in err or "is the same file as" in err), (args, err)
        assert few.read_bytes() == before
        assert not out.exists()
    # a hard link is the same file too
    hard = tmp_path / "hard.jsonl"
    hard.hardlink_to(few)
    code, _, err = batch(few, "--out", str(hard))
    assert code == 3 and "is the cohort input" in err and few.read_bytes() == before
    # a .yaml output inside a cohort folder would become a learner of the next run
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.yaml").write_text("kind: learner\nid: A\nholdings: []\n", encoding="utf-8")
    code, _, err = batch(folder, "--out", str(folder / "out.yaml"))
    assert code == 3 and "is the cohort input" in err


# --- 9. outputs that cannot be written


def test_outputs_that_cannot_be_written_are_refused_before_deciding(few: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    for args, said in [
        (("--out", "/proc/x.jsonl"), "cannot be written"),
        (("--out", str(tmp_path / "nodir" / "o.jsonl")), "does not exist"),
        (("--out", "/dev/null"), "not a regular file"),
        (("--out", str(out), "--summary", "/proc/s.csv"), "cannot be written"),
        (("--out", str(out), "--summary", str(tmp_path / "nodir" / "s.csv")), "does not exist"),
    ]:
        code, _, err = batch(few, *args)
        assert code == 3 and "SR5002" in err and said in err and "internal error" not in err, (args, err)
        assert not out.exists()
    code, _, err = cli("cohort-report", "--learners", str(few), "--target", "exu:BIT", *DAY, "--charts", "/proc/charts")
    assert code == 3 and "SR5002" in err and "cannot be written" in err and "internal error" not in err, err
    (tmp_path / "file").write_text("x")
    code, _, err = cli("cohort-report", "--learners", str(few), "--target", "exu:BIT", *DAY, "--charts", str(tmp_path / "file" / "charts"))
    assert code == 3 and "SR5002" in err and "internal error" not in err, err


def test_a_full_disk_mid_batch_is_exit_3_and_keeps_what_was_written(few: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o.jsonl"
    real_open = Path.open
    writes = []

    class Full:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            writes.append(data)
            if len(writes) > 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            return int(self.fh.write(data))

        def flush(self) -> None:
            self.fh.flush()

    def fake_open(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = real_open(self, mode, *args, **kwargs)
        return Full(fh) if self == out and mode == "ab" else fh

    monkeypatch.setattr(Path, "open", fake_open)
    code, _, err = batch(few, "--out", str(out))
    assert code == 3 and "No space left on device" in err and "--resume" in err and "internal error" not in err, err
    assert len(writes) == 3
    assert [json.loads(line)["index"] for line in out.read_text().splitlines()] == [0, 1]


# --- 2. resuming only this run's own results


def test_resume_refuses_lines_made_under_another_command_target_day_rules_or_input(few: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    code, _, err = batch(few, "--out", str(out))
    assert code == 0, err
    full = out.read_bytes()
    first = full.splitlines(keepends=True)[:2]
    base = ["batch", "--learners", str(few), "--out", str(out), "--resume"]
    for more, said in [
        (("--target", "exu:BIT", "--as-of", "2026-10-15", "--command", "assess"), "another --command audit (this run: assess)"),
        (("--target", "exu:GCDS", "--as-of", "2026-10-15"), "another --target exu:BIT (this run: exu:GCDS)"),
        (("--target", "exu:BIT", "--as-of", "2026-10-16"), "another --as-of 2026-10-15 (this run: 2026-10-16)"),
        (("--target", "exu:BIT", "--as-of", "2026-10-15", "--look-ahead"), "another --look-ahead false (this run: true)"),
        (("--target", "exu:BIT", "--as-of", "2026-10-15", "--rules", str(ROOT / "rules"), "--rules", str(ROOT / "frameworks")), None),
    ]:
        out.write_bytes(b"".join(first))
        code, _, err = cli(*base, *more)
        if said is None:  # the shipped base named explicitly is the same rule base: resumed
            assert code == 0 and "2 already in the output" in err, err
            continue
        assert code == 3 and "SR5002" in err and said in err, (more, err)
        assert out.read_bytes() == b"".join(first)
    # a changed rule base (its digest differs)
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    some = sorted(rules.rglob("*.yaml"))[0]
    some.write_text(some.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    out.write_bytes(b"".join(first))
    code, _, err = cli(*base, "--target", "exu:BIT", *DAY, "--rules", str(rules), "--rules", str(ROOT / "frameworks"))
    assert code == 3 and "another rule base sha256:" in err, err
    # a learner whose input changed since (same id, other holdings)
    changed = json.loads(LINES[1])
    changed["holdings"] = changed["holdings"][:1]
    few.write_text("\n".join([LINES[0], json.dumps(changed), *LINES[2:4]]) + "\n", encoding="utf-8")
    out.write_bytes(b"".join(first))
    code, _, err = batch(few, "--out", str(out), "--resume")
    assert code == 3 and "line 2: learner 'C-00002' changed in the cohort input" in err, err
    # an index given twice
    out.write_bytes(first[0] + first[0])
    code, _, err = batch(few, "--out", str(out), "--resume")
    assert code == 3 and "a second time" in err, err


# --- 3. one bad learner never stops the batch


def _deep(levels: int) -> str:
    return '{"kind":"learner","id":"DEEP","holdings":' + "[" * levels + "]" * levels + "}"


def test_bad_json_lines_are_error_rows_with_stable_codes(tmp_path: Path) -> None:
    good = LINES[:2]
    bad = [
        (_deep(200_000), "SR1008"),  # json.loads would end in RecursionError
        (_deep(900), "SR1008"),  # parsed, then too deep for the learner reader
        ('{"kind":"learner","id":"BIG","holdings":[{"credential":"exu:COMP1010","credits":' + "9" * 5000 + "}]}", "SR2011"),
        ('{"kind":"learner","id":"TWICE","id":"TWICE2","holdings":[]}', "SR1002"),
        (b'{"kind":"learner","id":"\xff\xfe","holdings":[]}'.decode("latin-1"), "SR1009"),
    ]
    path = tmp_path / "bad.jsonl"
    raw = [line.encode("utf-8") for line in good[:1]]
    raw += [line.encode("latin-1") if code == "SR1009" else line.encode("utf-8") for line, code in bad]
    raw += [good[1].encode("utf-8")]
    path.write_bytes(b"\n".join(raw) + b"\n")
    out = tmp_path / "o.jsonl"
    code, _, err = batch(path, "--out", str(out))
    assert code == 3 and "internal error" not in err and "Traceback" not in err, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [("decision" in r) for r in rows] == [True, False, False, False, False, False, True]
    for row, (_, want) in zip(rows[1:6], bad, strict=True):
        diag = row["error"]["diagnostics"][0]
        assert diag["code"] == want and diag["file"] == str(path) and diag["line"] == row["index"] + 1, row


def test_a_huge_json_line_is_skipped_with_a_bound_on_memory(tmp_path: Path) -> None:
    import tracemalloc

    from stackrules.cohort import inputs

    path = tmp_path / "huge.jsonl"
    with path.open("wb") as fh:
        fh.write(LINES[0].encode() + b"\n")
        fh.write(b'{"id":"HUGE","notes":"' + b"x" * (4 * inputs.MAX_LINE) + b'"}\n')
        fh.write(LINES[1].encode() + b"\n")
    tracemalloc.start()
    try:
        items = read_cohort(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [i.key for i in items] == ["C-00001", "line 2", "C-00002"]
    assert items[1].errors[0].code == "SR1007" and items[1].errors[0].line == 2
    assert peak < 2.5 * inputs.MAX_LINE, peak  # the line (four times the bound) was never held whole


def test_load_learner_of_a_deep_dict_is_a_learner_error() -> None:
    import stackrules

    doc: dict[str, Any] = {"kind": "learner", "id": "x", "holdings": []}
    inner = doc
    for _ in range(900):
        inner["extra"] = {}
        inner = inner["extra"]
    with pytest.raises(stackrules.LearnerError) as found:
        stackrules.load_learner(doc)
    assert found.value.diagnostics[0].code == "SR1008"
    credential: dict[str, Any] = {"x": 1}
    for _ in range(900):  # an inline credential too deep even for the verifier's bound
        credential = {"nested": credential}
    with pytest.raises(stackrules.LearnerError) as found:
        stackrules.load_learner({"id": "x", "holdings": [{"verifiable": credential}]})
    assert found.value.diagnostics[0].code == "SR1008"
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(stackrules.LearnerError):
        stackrules.load_learner({"id": "x", "holdings": looped})


def test_bad_csv_rows_are_their_learners_error_rows(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(
        b"learner_id,credential,awarded,grade,status\n"
        b"S1,exu:COMP1010,2025-06-30,CR,\n"
        b"S2,exu:COMP1010,2025-06-30,\xe9,\n"
        b"S3,exu:COMP1010,2025-06-30," + b"H" * 140_000 + b",\n"
        b"S4,exu:COMP1010,2025-06-30,HD,\n"
    )
    items = read_cohort(path)
    assert [(i.key, i.errors[0].code if i.errors else None, i.where.rsplit(":", 1)[1]) for i in items] == [
        ("S1", None, "2"),
        ("S2", "SR1009", "3"),
        ("S3", "SR1017", "4"),
        ("S4", None, "5"),
    ]
    out = tmp_path / "o.jsonl"
    code, _, err = batch(path, "--out", str(out))
    assert code == 3 and "internal error" not in err, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [("decision" in r) for r in rows] == [True, False, False, True]
    twice = tmp_path / "twice.csv"
    twice.write_text("learner_id,credential,grade,grade\nS1,exu:COMP1010,HD,CR\n", encoding="utf-8")
    code, _, err = batch(twice, "--out", str(out))
    assert code == 3 and "column grade more than once" in err, err


def test_error_rows_carry_the_line_of_the_input(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "learner_id,credential,awarded,grade,status\nS1,exu:COMP1010,2025-06-30,CR,\nS2,exu:COMP1010,2025-13-30,HD,\nS2,exu:MATH1010,2025-06-30,HD,\n",
        encoding="utf-8",
    )
    out = tmp_path / "o.jsonl"
    code, _, err = batch(path, "--out", str(out))
    assert code == 3, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    diag = rows[1]["error"]["diagnostics"][0]
    assert (diag["file"], diag["line"]) == (str(path), 3), diag


def test_a_linked_learner_outside_the_cohort_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    outside = tmp_path / "secret.yaml"
    shutil.copy(ROOT / "examples" / "learners" / "ben.yaml", outside)
    shutil.copy(ROOT / "examples" / "learners" / "tariq.yaml", folder / "a.yaml")
    (folder / "b.yaml").symlink_to(outside)
    items = read_cohort(folder)
    assert [(i.key, bool(i.errors)) for i in items] == [("L-0005", False), ("b", True)]
    assert "outside the cohort folder" in items[1].errors[0].message


# --- 4. impact compares answers only


def _fake_runs(monkeypatch: pytest.MonkeyPatch, sides: list[list[dict[str, Any]]]) -> None:
    """batch.run as impact calls it, once per rule base, giving these decision documents (or errors) in turn."""
    from stackrules.cohort import batch as batch_module
    from stackrules.cohort import impact as impact_module

    calls = iter(sides)

    def run(engine: Any, job: Any, items: Any, **kwargs: Any) -> Any:
        docs = next(calls)
        for item, doc in zip(items, docs, strict=True):
            body = {"error": doc["error"]} if "error" in doc else {"decision": doc}
            line = batch_module.line_of(item, {"kind": "audit", **body})
            yield batch_module.Result(item.index, item.key, line, "error" if "error" in doc else str(doc["status"]))

    monkeypatch.setattr(impact_module.batch, "run", run)


def test_impact_counts_indeterminate_and_error_sides_as_could_not_compare(few: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    timed_out = {"status": "indeterminate", "proof": "time_limit", "credits": {"remaining": None}, "missing": []}
    unproven = {"status": "not_met", "proof": "time_limit", "credits": {"remaining": "30"}, "missing": ["a"]}
    answer = {"status": "not_met", "proof": "optimal", "credits": {"remaining": "24"}, "missing": ["b"]}
    other = {"status": "not_met", "proof": "optimal", "credits": {"remaining": "24"}, "missing": ["c"]}
    error = {"error": {"diagnostics": []}}
    _fake_runs(monkeypatch, [[timed_out, unproven, answer, answer], [answer, answer, answer, answer]])
    args = ["impact", "--before", str(ROOT / "rules"), "--after", str(ROOT / "rules"), "--rules", str(ROOT / "frameworks")]
    args += ["--learners", str(few), "--target", "exu:BIT", *DAY, "--workers", "1"]
    code, out, err = cli(*args)
    assert code == 4, (out, err)  # nothing changed, but two learners could not be compared: not 0
    assert "Learners whose decision changes: 0 of 4" in out and "could not compare  2" in out and "unchanged          2" in out, out
    assert "before not decided within the time limit, after not_met" in out
    _fake_runs(monkeypatch, [[error, answer, answer, answer], [error, answer, answer, other]])
    code, out, err = cli(*args, "--format", "json")
    found = json.loads(out)
    assert code == 2 and found["summary"]["could not compare"] == 1 and found["summary"]["changed"] == 1
    assert found["could_not_compare"] == [{"index": 0, "learner": "C-00001", "before": "could not be read", "after": "could not be read"}]
    _fake_runs(monkeypatch, [[answer, answer, answer, answer], [answer, answer, answer, other]])
    code, out, err = cli(*args)
    assert code == 2 and "[no rule file differs]" in out and "[]" not in out, out


def test_impact_of_a_cohort_no_learner_of_which_can_be_read_is_not_0(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n[1]\n", encoding="utf-8")
    code, out, err = cli(
        "impact", "--before", str(ROOT / "rules"), "--after", str(ROOT / "rules"), "--rules", str(ROOT / "frameworks"),
        "--learners", str(bad), "--target", "exu:BIT", *DAY,
    )  # fmt: skip
    assert code == 3 and "could not compare  2" in out, (out, err)


# --- 5. cohort reports of one command, each learner once, from well-formed rows


def test_cohort_report_refuses_mixes_duplicates_and_malformed_rows(few: Path, tmp_path: Path) -> None:
    audits, plans = tmp_path / "a.jsonl", tmp_path / "p.jsonl"
    assert batch(few, "--out", str(audits))[0] == 0
    assert batch(few, "--out", str(plans), "--command", "plan")[0] in (0, 3)
    code, out, err = cli("cohort-report", "--decisions", str(audits))
    assert code == 0 and "Cohort: 4 learners" in out, err
    code, _, err = cli("cohort-report", "--decisions", str(audits), "--decisions", str(plans))
    assert code == 3 and "a plan decision" in err and "one command's decisions" in err, err
    code, _, err = cli("cohort-report", "--decisions", str(audits), "--decisions", str(audits))
    assert code == 3 and "again" in err, err
    code, _, err = cli("cohort-report", "--learners", str(few), "--target", "exu:BIT", *DAY, "--command", "audit", "--command", "plan")
    assert code == 3 and "one command's decisions" in err, err
    row = json.loads(audits.read_text().splitlines()[0])
    bad = tmp_path / "bad.jsonl"
    for change in [
        lambda d: d["credits"].update(remaining="abc"),
        lambda d: d.update(nodes=[1]),
        lambda d: d.update(credit="zz"),
        lambda d: d.update(credit=[{"rule": "r", "sources": ["x:y"], "granted": [{"credits": "zz"}]}]),
        lambda d: d.update(nodes=[{"id": 3, "status": "not_met"}]),
    ]:
        doc = json.loads(json.dumps(row))
        change(doc["decision"])
        bad.write_text(audits.read_text() + json.dumps(doc) + "\n")
        code, _, err = cli("cohort-report", "--decisions", str(bad))
        assert code == 3 and "SR5002" in err and "line 5 is not a batch result" in err and "internal error" not in err, err
    bad.write_text(audits.read_text() + '{"learner":"x","decision":' + "[" * 100_000 + "]" * 100_000 + "}\n")
    code, _, err = cli("cohort-report", "--decisions", str(bad))
    assert code == 3 and "line 5 is not" in err and "internal error" not in err, err


def test_cohort_report_of_learners_none_of_which_can_be_read_is_not_0(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n[1]\n", encoding="utf-8")
    code, out, err = cli("cohort-report", "--learners", str(bad), "--target", "exu:BIT", *DAY)
    assert code == 3 and "2 of 2 learners could not be read" in err, (out, err)


# --- 6. no formulas in the CSV summary


def test_summary_cells_that_a_spreadsheet_would_run_get_an_apostrophe(tmp_path: Path) -> None:
    import csv

    ids = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tT", "\rR", "plain"]
    cohort = tmp_path / "c.jsonl"
    cohort.write_text("\n".join(json.dumps({"kind": "learner", "id": i, "holdings": []}) for i in ids) + "\n", encoding="utf-8")
    out, summary = tmp_path / "o.jsonl", tmp_path / "s.csv"
    code, _, err = batch(cohort, "--out", str(out), "--summary", str(summary))
    assert code == 0, err
    with summary.open(newline="", encoding="utf-8") as fh:
        learners = [row["learner"] for row in csv.DictReader(fh)]
    assert learners == ["'" + i for i in ids[:-1]] + ["plain"]
    assert [json.loads(line)["learner"] for line in out.read_text(encoding="utf-8").splitlines()] == ids


# --- 8. a Dask scheduler that cannot be reached


def test_an_unreachable_or_malformed_dask_scheduler_is_refused_promptly(few: Path, tmp_path: Path) -> None:
    import time

    pytest.importorskip("distributed")
    for address in ("garbage://x", "tcp://127.0.0.1:1", "nonsense"):
        started = time.monotonic()
        code, _, err = batch(few, "--out", str(tmp_path / "o.jsonl"), "--executor", "dask", "--scheduler", address)
        assert code == 3 and "SR5002" in err and "cannot reach the Dask scheduler" in err and "Traceback" not in err, (address, err)
        assert time.monotonic() - started < 30


# --- 7. SIGTERM and Ctrl-C


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c"])
def test_a_stopped_batch_writes_what_finished_leaves_no_process_and_prints_no_traceback(how: str, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    psutil = pytest.importorskip("psutil")
    cohort = tmp_path / "c.jsonl"
    cohort.write_text("\n".join(LINES[:200]) + "\n", encoding="utf-8")
    out, summary = tmp_path / "o.jsonl", tmp_path / "s.csv"
    cmd = [sys.executable, "-m", "stackrules", "batch", "--learners", str(cohort), "--target", "exu:BIT", *DAY]
    cmd += ["--out", str(out), "--summary", str(summary), "--workers", "2"]
    env = {**os.environ, "STACKRULES_CACHE": "off"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    children: list[Any] = []
    stopped = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        children = psutil.Process(proc.pid).children(recursive=True) or children
        if out.exists() and out.read_bytes().count(b"\n") >= 6 and children:
            if how == "sigterm":
                os.kill(proc.pid, signal.SIGTERM)
            else:  # a terminal's Ctrl-C reaches the whole process group
                os.killpg(proc.pid, signal.SIGINT)
            stopped = True
            break
        time.sleep(0.02)
    try:
        _, err = proc.communicate(timeout=120)
    finally:  # whatever happened, nothing this test started outlives it
        _, leftover = psutil.wait_procs(children, timeout=5)
        for c in leftover:
            c.kill()
        proc.kill()
    assert stopped, "the batch finished before it could be stopped"
    text = err.decode()
    assert proc.returncode == 1 and "interrupted:" in text and "--resume" in text, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    kept = out.read_text(encoding="utf-8").splitlines()
    indexes = [json.loads(line)["index"] for line in kept]
    assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes) and 6 <= len(kept) < 200
    assert len(summary.read_text(encoding="utf-8").splitlines()) == len(kept) + 1
    assert not leftover, leftover  # no worker nor forkserver outlived the batch


# --- 10. smaller


def test_batch_refuses_a_day_out_of_range_and_an_unknown_explore_target(few: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    code, _, err = cli("batch", "--learners", str(few), "--target", "exu:BIT", "--as-of", "0001-01-01", "--out", str(out))
    assert code == 3 and "outside the years" in err and not out.exists(), err
    code, _, err = cli("batch", "--learners", str(few), "--command", "explore", "--target", "exu:NOPE", *DAY, "--out", str(out))
    assert code == 3 and "unknown target `exu:NOPE`" in err and not out.exists(), err


def test_a_lone_surrogate_in_a_json_line_is_an_error_row_and_the_batch_goes_on(tmp_path: Path) -> None:
    # `\ud800` is a valid JSON escape but half of a UTF-16 pair: nothing can write it out, so it is refused as a
    # line, not met as an internal error halfway through the output (which lost the learners after it)
    cohort = ROOT / "examples" / "cohort" / "cohort.jsonl"
    lines = cohort.read_text(encoding="utf-8").splitlines()
    source = tmp_path / "sur.jsonl"
    source.write_text("\n".join([*lines[:2], '{"kind": "learner", "id": "S\\ud800", "holdings": []}', *lines[2:4]]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["batch", "--learners", str(source), "--target", "exu:BIT", "--as-of", "2026-10-15", "--workers", "1", "--out", str(out)])
    assert result.exit_code == 3, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5
    assert rows[2]["error"]["diagnostics"][0]["code"] == "SR1009" and "ud800" in rows[2]["error"]["diagnostics"][0]["message"]
    assert "internal error" not in result.output


def test_a_cohort_report_refuses_one_learner_decided_twice(tmp_path: Path) -> None:
    # the same learner on two input lines is decided twice by batch; a report of it would count that learner twice
    lines = (ROOT / "examples" / "cohort" / "cohort.jsonl").read_text(encoding="utf-8").splitlines()
    source = tmp_path / "dup.jsonl"
    source.write_text("\n".join([*lines[:3], lines[2]]) + "\n", encoding="utf-8")
    out = tmp_path / "dup.out.jsonl"
    CliRunner().invoke(main, ["batch", "--learners", str(source), "--target", "exu:BIT", "--as-of", "2026-10-15", "--workers", "1", "--out", str(out)])
    result = CliRunner().invoke(main, ["cohort-report", "--decisions", str(out)])
    assert result.exit_code == 3, result.output
    assert "line 4 gives learner" in result.output and "again" in result.output
