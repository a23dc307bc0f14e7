"""Cohort outputs: Parquet summaries, progress bars only on a terminal, and impact and cohort-report stopped by Ctrl-C or SIGTERM."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stackrules.cli import _held_stops, main
from stackrules.cohort.output import summary_rows

ROOT = Path(__file__).resolve().parent.parent
LINES = (ROOT / "examples" / "cohort" / "cohort.jsonl").read_text(encoding="utf-8").splitlines()
DAY = ("--as-of", "2026-10-15")
BASES = ("--before", str(ROOT / "rules"), "--after", str(ROOT / "rules"), "--rules", str(ROOT / "frameworks"))
ENV = {**os.environ, "STACKRULES_CACHE": "off"}


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def cohort(tmp_path: Path, count: int, *extra: str) -> Path:
    path = tmp_path / f"c{count}.jsonl"
    path.write_text("\n".join([*LINES[:count], *extra]) + "\n", encoding="utf-8")
    return path


# --- Parquet summaries


def test_the_parquet_summary_holds_the_csv_summary_typed(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    formula = json.dumps({"kind": "learner", "id": "=HYPERLINK(1)", "holdings": [{"credential": "exu:COMP1010", "awarded": "2025-06-30", "grade": "HD"}]})
    learners = cohort(tmp_path, 40, "{not json", formula)
    out, as_csv, as_parquet = tmp_path / "o.jsonl", tmp_path / "s.csv", tmp_path / "s.parquet"
    code, _, err = cli(
        "batch", "--learners", str(learners), "--target", "exu:BIT", *DAY, "--out", str(out), "--summary", str(as_csv), "--summary", str(as_parquet)
    )
    assert code == 3, err  # one learner could not be read: its error row is in both summaries
    with as_csv.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    table = pq.read_table(as_parquet)
    assert [(f.name, str(f.type)) for f in table.schema] == [
        ("index", "int64"),
        ("learner", "string"),
        ("status", "string"),
        ("proof", "string"),
        ("counted", "double"),
        ("remaining", "double"),
        ("granted", "double"),
        ("seconds", "double"),
    ]
    got = table.to_pylist()
    assert len(got) == len(rows) == 42
    for want, have in zip(rows, got, strict=True):
        assert have["index"] == int(want["index"]) and have["status"] == want["status"]
        assert have["proof"] == (want["proof"] or None) and want["proof"] == ("" if want["status"] == "error" else "optimal")
        # the CSV keeps a spreadsheet from running an id as a formula; Parquet holds the id as given
        assert have["learner"] == (want["learner"][1:] if want["learner"].startswith("'=") else want["learner"])
        for name in ("counted", "remaining", "granted", "seconds"):
            assert have[name] == (None if want[name] == "" else float(Fraction(want[name]))), (name, want, have)
    assert got[40]["status"] == "error" and got[40]["counted"] is None and got[40]["seconds"] is not None
    assert got[41]["learner"] == "=HYPERLINK(1)" and rows[41]["learner"] == "'=HYPERLINK(1)"
    assert {r["status"] for r in got} >= {"not_met", "error"} and any(r["granted"] for r in got)
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # written whole, then renamed into place


def test_a_parquet_summary_without_pyarrow_is_refused_before_deciding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError, as when the extra is not installed
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = tmp_path / "o.jsonl"
    code, _, err = cli(
        "batch", "--learners", str(cohort(tmp_path, 3)), "--target", "exu:BIT", *DAY, "--out", str(out), "--summary", str(tmp_path / "s.parquet")
    )
    assert code == 3 and "a Parquet summary needs pyarrow: pip install -e '.[parquet]' in the project's folder" in err, err
    assert not out.exists() and not (tmp_path / "s.parquet").exists()
    # a CSV summary needs no extra
    code, _, err = cli("batch", "--learners", str(cohort(tmp_path, 3)), "--target", "exu:BIT", *DAY, "--out", str(out), "--summary", str(tmp_path / "s.csv"))
    assert code == 0 and (tmp_path / "s.csv").read_text().count("\n") == 4, err


# --- progress bars: on a terminal only


def test_impact_and_cohort_report_draw_no_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    learners = cohort(tmp_path, 4)
    impact = ["impact", *BASES, "--learners", str(learners), "--target", "exu:BIT", *DAY, "--workers", "1"]
    report = ["cohort-report", "--learners", str(learners), "--target", "exu:BIT", *DAY, "--workers", "1"]
    code, out, err = cli(*impact)  # CliRunner's stderr is not a terminal
    assert code == 0 and "Learners whose decision changes: 0 of 4" in out and "\r[" not in err and "ETA" not in err, err
    code, out, err = cli(*report)
    assert code == 0 and "Remaining credit" in out and "\r[" not in err and "ETA" not in err, err
    # audits make no plans: the planned-terms table says why it is empty
    assert "Planned terms to completion\n  (no plan decisions: plans are made with --command plan)\n" in out, out
    code, out2, err = cli(*report, "--progress")  # asked for: drawn all the same
    assert code == 0 and out2 == out and "\r[" in err and "4/4 learners" in err and "/s  ETA" in err, err
    # the same through a pipe from a real process
    done = subprocess.run([sys.executable, "-m", "stackrules", *impact], capture_output=True, env=ENV, timeout=120)
    assert done.returncode == 0 and b"Learners whose decision changes: 0 of 4" in done.stdout and b"\r[" not in done.stderr, done.stderr


def test_impact_draws_a_bar_with_rate_and_eta_on_a_terminal(tmp_path: Path) -> None:
    learners = cohort(tmp_path, 4)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "stackrules", "impact", *BASES, "--learners", str(learners), "--target", "exu:BIT", *DAY, "--workers", "1"],
            stdout=subprocess.PIPE,
            stderr=follower,
            env=ENV,
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            seen += chunk
        out, _ = proc.communicate(timeout=120)
    finally:
        os.close(leader)
    assert proc.returncode == 0 and b"Learners whose decision changes: 0 of 4" in out
    text = seen.decode()
    assert "\r[" in text and "8/8 decisions" in text and "/s  ETA" in text, text


# --- stopped by Ctrl-C or SIGTERM


def _stopped(cmd: list[str], how: str, after: int) -> tuple[int, str, str, list[Any]]:
    """Run ``cmd`` (a cohort command with --progress), stop it once its bar shows ``after`` done; its exit code, stdout, stderr, leftovers."""
    psutil = pytest.importorskip("psutil")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, start_new_session=True)
    assert proc.stderr is not None and proc.stdout is not None
    err = io.BytesIO()
    progressed = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        while chunk := proc.stderr.read1(4096):  # type: ignore[attr-defined]
            err.write(chunk)
            done = re.findall(rb"\] (\d+)/\d+ ", err.getvalue())
            if done and int(done[-1]) >= after:
                progressed.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    children: list[Any] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not progressed.is_set():
            children = psutil.Process(proc.pid).children(recursive=True) or children
            time.sleep(0.02)
        assert progressed.is_set() and proc.poll() is None, "the command finished before it could be stopped"
        children = psutil.Process(proc.pid).children(recursive=True) or children
        if how == "sigterm":
            os.kill(proc.pid, signal.SIGTERM)
        else:  # a terminal's Ctrl-C reaches the whole process group
            os.killpg(proc.pid, signal.SIGINT)
        out = proc.stdout.read()
        proc.wait(timeout=120)
    finally:  # whatever happened, nothing this test started outlives it
        _, leftover = psutil.wait_procs(children, timeout=5)
        for c in leftover:
            c.kill()
        proc.kill()
        reader.join(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    return proc.returncode, out.decode(), err.getvalue().decode(), leftover


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c"])
def test_a_stopped_impact_writes_no_report_says_so_and_leaves_no_process(how: str, tmp_path: Path) -> None:
    learners = cohort(tmp_path, 120)
    cmd = [sys.executable, "-m", "stackrules", "impact", *BASES, "--learners", str(learners), "--target", "exu:BIT", *DAY]
    code, out, err, leftover = _stopped([*cmd, "--workers", "2", "--progress"], how, 10)
    assert code == 1 and out == "", (out, err)
    assert "interrupted: not every one of the 120 learners was decided under both rule bases; no impact report was written" in err, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err and "Aborted" not in err, err
    assert not leftover, leftover  # no worker nor forkserver outlived the command


def test_a_stopped_cohort_report_writes_no_report_and_no_chart(tmp_path: Path) -> None:
    learners = cohort(tmp_path, 150)
    charts = tmp_path / "charts"
    cmd = [sys.executable, "-m", "stackrules", "cohort-report", "--learners", str(learners), "--target", "exu:BIT", *DAY, "--charts", str(charts)]
    code, out, err, leftover = _stopped([*cmd, "--workers", "2", "--progress"], "sigterm", 10)
    assert code == 1 and out == "", (out, err)
    found = re.search(r"interrupted: (\d+) of 150 learners were decided; no report was written", err)
    assert found and 10 <= int(found.group(1)) < 150, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert list(charts.iterdir()) == [] and not leftover, leftover


def test_charts_stopped_while_drawing_are_whole_or_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("matplotlib")
    from stackrules.cohort import charts as charts_module
    from stackrules.cohort.report import cohort_report

    code, _, err = cli("batch", "--learners", str(cohort(tmp_path, 30)), "--target", "exu:BIT", *DAY, "--out", str(tmp_path / "o.jsonl"))
    assert code == 0, err
    report = cohort_report([json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()])
    renamed: list[str] = []
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        if renamed:  # the second chart is stopped just as it would be renamed into place
            raise KeyboardInterrupt
        real(src, dst)
        renamed.append(str(dst))

    monkeypatch.setattr(charts_module.os, "replace", replace)
    folder = tmp_path / "charts"
    drawn = []
    with pytest.raises(KeyboardInterrupt):
        for path in charts_module.drawing(report, folder, "svg"):
            drawn.append(path)
    assert [str(p) for p in drawn] == renamed and len(drawn) == 1
    assert sorted(p.name for p in folder.iterdir()) == [drawn[0].name]  # the stopped chart left no temporary file
    assert drawn[0].read_text().rstrip().endswith("</svg>")


def test_a_stop_while_output_is_written_is_held_until_it_is_whole() -> None:
    with _held_stops() as came:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handlers run here, between bytecodes: neither stops the process
    assert came == [signal.SIGTERM, signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


# --- worker start-up


def test_local_workers_are_forked_from_a_forkserver_that_imported_stackrules_once(tmp_path: Path) -> None:
    script = tmp_path / "probe.py"  # a file, so that the worker can import its function
    script.write_text("""
import os, sys, time
import psutil
from concurrent.futures import ProcessPoolExecutor
from stackrules.cohort import batch

def probe(_):
    return " ".join(psutil.Process(os.getppid()).cmdline()), time.process_time()

if __name__ == "__main__":
    assert batch.start_method() == "forkserver"
    with ProcessPoolExecutor(max_workers=1, mp_context=batch.context()) as pool:
        server, cpu = pool.submit(probe, 0).result()
    print(server)
    print(cpu)
""")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=ENV, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    server, cpu = done.stdout.splitlines()
    # the worker's parent is the forkserver, started with stackrules to import before it forks
    assert "multiprocessing.forkserver" in server and "'stackrules.cohort.batch'" in server, server
    # so the worker had no stackrules to import: importing it alone takes about half a second of CPU
    assert float(cpu) < 0.25, cpu


def test_the_summary_says_a_plan_the_time_limit_stopped_before_its_proof_is_not_proven() -> None:
    # a plan returned with proof time_limit keeps the status `planned`: the summary's proof column tells it from a proven one
    lines = [
        json.dumps({"index": 0, "learner": "a", "decision": {"status": "planned", "proof": "optimal", "credits": {"counted": "6", "remaining": "12"}}}),
        json.dumps({"index": 1, "learner": "b", "decision": {"status": "planned", "proof": "time_limit", "credits": {"counted": "6", "remaining": "12"}}}),
        json.dumps({"index": 2, "learner": "c", "decision": None, "error": {"message": "x"}}),
    ]
    rows = summary_rows(lines, {})
    assert [(r["status"], r["proof"]) for r in rows] == [("planned", "optimal"), ("planned", "time_limit"), ("error", "")]
