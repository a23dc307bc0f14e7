"""The command line: exit codes, output formats, diagnostics (docs/language.md section 12)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from stackrules.cli import main

from .conftest import ROOT

EX = ROOT / "examples" / "learners"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_shipped_base_is_clean() -> None:
    code, out, _ = run("check")
    assert code == 0 and out.startswith("ok:")


def test_check_with_rules_checks_that_base_as_the_other_commands_read_it() -> None:
    # `--rules` replaces the shipped base for every command; `check --rules rules --rules frameworks` read the shipped
    # base and then the same files again on top of it: 165 "already defined" errors (found by a newcomer)
    code, out, _ = run("check")
    again, out2, _ = run("check", "--rules", str(ROOT / "rules"), "--rules", str(ROOT / "frameworks"))
    assert (code, again) == (0, 0), out2
    assert out2.splitlines()[-1] == out.splitlines()[-1]  # "ok: 37 documents checked, 0 warnings"


def test_check_invalid_file_exits_3_with_a_caret(write) -> None:  # type: ignore[no-untyped-def]
    folder = write({"bad.yaml": "kind: catalog\nprovider: {id: zed, name: Zed}\ncredit_system: ects\ncredentials: [{id: zed:Z1, titel: Z}]\n"})
    code, _, err = run("check", str(folder / "bad.yaml"))
    assert code == 3
    assert "bad.yaml:4:28: error[SR2001]: unknown key `titel`" in err
    assert "^^^^^" in err and "did you mean `title`?" in err


def test_check_json_diagnostics(write) -> None:  # type: ignore[no-untyped-def]
    folder = write({"bad.yaml": "kind: catalogue\n"})
    code, out, _ = run("check", "--format", "json", str(folder))
    data = json.loads(out)
    assert code == 3 and data["diagnostics"][0]["code"] == "SR2005"
    assert {"code", "severity", "message", "file", "line", "column"} <= set(data["diagnostics"][0])


@pytest.mark.parametrize(
    ("learner", "target", "extra", "code", "status"),
    [
        ("amira", "exu:BIT", [], 0, "met"),
        ("ben", "exu:BIT", [], 2, "not_met"),
        ("chen", "exu:BIT", ["--look-ahead"], 0, "met_pending"),
        ("eva", "exu:GCDS", [], 0, "met"),
    ],
)
def test_audit_exit_codes(learner: str, target: str, extra: list[str], code: int, status: str) -> None:
    got, out, _ = run("audit", "--learner", str(EX / f"{learner}.yaml"), "--target", target, "--as-of", "2026-11-28", "--format", "json", *extra)
    assert got == code and json.loads(out)["status"] == status


def test_audit_text_explains() -> None:
    code, out, _ = run("audit", "--learner", str(EX / "tariq.yaml"), "--target", "exu:BIT", "--as-of", "2026-11-28")
    assert code == 2
    for phrase in ("Status: NOT MET", "Credit granted", "exu-tafe-dip-it", "Credit refused", "not effective", "Still needed"):
        assert phrase in out


def test_bad_inputs_exit_3_never_a_traceback(write) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("audit", "--learner", str(EX / "ben.yaml"), "--target", "exu:BITT", "--as-of", "2026-11-28")
    assert code == 3 and "error[SR5001]: unknown target `exu:BITT`" in err and "exu:BIT" in err and "Traceback" not in err + out
    code, _, err = run("audit", "--learner", str(EX / "ben.yaml"), "--target", "exu:BIT", "--as-of", "28/11/2026")
    assert code == 3 and "SR5002" in err
    code, _, err = run("audit", "--learner", "missing.yaml", "--target", "exu:BIT")
    assert code == 3 and "SR1012" in err
    folder = write({"l.yaml": "kind: learner\nid: L\nholdings: [{credential: exu:COMP1011}]\n"})
    code, out, _ = run("audit", "--learner", str(folder / "l.yaml"), "--target", "exu:BIT", "--format", "json")
    assert code == 3 and json.loads(out)["diagnostics"][0]["code"] == "SR3014"


def test_rules_option_replaces_the_shipped_base(write) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("audit", "--learner", str(EX / "ben.yaml"), "--target", "exu:BIT", "--rules", str(ROOT / "frameworks"))
    assert code == 3 and "unknown" in err


def test_assess_plan_explore_graph_towards() -> None:
    code, out, _ = run("assess", "--learner", str(EX / "sam.yaml"), "--target", "exu:BIT", "--as-of", "2026-11-28")
    assert code == 0 and "Advanced standing statement" in out and "grade D is below the minimum C" in out
    code, out, _ = run("plan", "--learner", str(EX / "ben.yaml"), "--target", "exu:BIT", "--as-of", "2026-11-28", "--objective", "cost", "--format", "json")
    assert code == 0 and json.loads(out)["added"]
    code, out, _ = run("explore", "--learner", str(EX / "eva.yaml"), "--as-of", "2026-11-28", "--no-plans")
    assert code == 0 and "exu:GCDS" in out.splitlines()[2]
    code, out, _ = run("graph", "--focus", "exu:GCDS", "--format", "mermaid")
    assert code == 0 and out.startswith("flowchart LR")
    code, out, _ = run("towards", "eux:DS-MC1")
    assert code == 0 and "via eux-ds-foundations" in out
    code, _, err = run("graph", "--focus", "exu:GCDZ")
    assert code == 3 and "did you mean" in err


def test_schema_command() -> None:
    code, out, _ = run("schema", "catalog")
    assert code == 0 and json.loads(out)["title"] == "stackrules catalog document"


def test_console_script_and_module_entry_point() -> None:
    proc = subprocess.run([sys.executable, "-m", "stackrules", "check"], capture_output=True, text=True, cwd=Path("/"), check=False)
    assert proc.returncode == 0, proc.stderr


def test_time_limit_gives_indeterminate_exit_4() -> None:
    code, out, _ = run(
        "audit", "--learner", str(EX / "ben.yaml"), "--target", "exu:BIT", "--as-of", "2026-11-28", "--time-limit", "0.000000001", "--format", "json"
    )
    data = json.loads(out)
    assert code == 4 and data["status"] == "indeterminate" and data["credits"]["remaining"] is None


def test_plan_exit_codes() -> None:
    code, _, _ = run("plan", "--learner", str(EX / "ben.yaml"), "--target", "exu:BIT", "--as-of", "2026-11-28", "--time-limit", "0.000000001")
    assert code == 4
    code, out, _ = run("plan", "--learner", str(EX / "amira.yaml"), "--target", "exu:BIT", "--as-of", "2026-11-28", "--format", "json")
    assert code == 0 and json.loads(out)["status"] == "met" and json.loads(out)["added"] == []


def test_same_bytes_across_processes_and_hash_seeds() -> None:
    import os

    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "stackrules",
                "audit",
                "--learner",
                str(EX / "tariq.yaml"),
                "--target",
                "exu:BIT",
                "--as-of",
                "2026-11-28",
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        outs.append(proc.stdout)
    assert outs[0] == outs[1] and outs[0]


def test_a_closed_pipe_stops_quietly_with_141() -> None:
    # `stackrules graph --format json | head -1`: the reader goes away; this was an "internal error: BrokenPipeError"
    proc = subprocess.Popen([sys.executable, "-m", "stackrules", "graph", "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert (proc.wait(timeout=60), err) == (141, b"")


def test_every_request_error_carries_help() -> None:
    # a bad --time-limit or --as-of gave a SR5002 diagnostic without help (found by an adversarial run)
    for args in (["--time-limit", "-1"], ["--as-of", "0999-01-01"]):
        code, out, _ = run("audit", "--learner", str(EX / "eva.yaml"), "--target", "exu:BIT", "--format", "json", *args)
        diag = json.loads(out)["diagnostics"][0]
        assert code == 3 and diag["code"] == "SR5002" and diag["help"], diag


def test_a_pipe_closed_part_way_is_141_not_a_cut_output_called_success() -> None:
    """`stackrules graph --format json | head -3` exited 0 (a newcomer, 2026-11-30): the reader closed the pipe after
    the first 64 KiB, CPython took the write a signal cut short as done, and the rest was dropped in silence."""
    proc = subprocess.Popen([sys.executable, "-m", "stackrules", "graph", "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.read(1000)  # the output has begun (and is longer than a pipe holds), then the reader goes
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert first.startswith(b"{") and (proc.wait(timeout=60), err) == (141, b"")


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["audit", "--help"]])
def test_click_s_own_output_to_a_full_disk_is_sr5002_not_a_traceback(args: list[str]) -> None:
    """`stackrules --help > /dev/full` printed a Python traceback and exited 1 (an adversary, 2026-11-30)."""
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "stackrules", *args], stdout=full, stderr=subprocess.PIPE, text=True, check=False)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr and "error[SR5002]: cannot write the output" in proc.stderr, proc.stderr


def test_a_batch_whose_stderr_is_full_still_writes_its_outputs(tmp_path: Path) -> None:
    """`stackrules batch ... 2>/dev/full` exited 3 before writing its summary, though the decisions were all written
    (an adversary, 2026-11-30): the tally on stderr is a report, written last, and its loss loses nothing else."""
    cohort = tmp_path / "five.jsonl"
    lines = (Path(__file__).resolve().parent.parent / "examples" / "cohort" / "cohort.jsonl").read_text(encoding="utf-8").splitlines()[:5]
    cohort.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, summary = tmp_path / "out.jsonl", tmp_path / "summary.csv"
    args = ["batch", "--learners", str(cohort), "--target", "exu:GCDS", "--out", str(out), "--summary", str(summary), "--as-of", "2026-11-28", "--workers", "1"]
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "stackrules", *args], stdout=subprocess.PIPE, stderr=full, check=False)
    assert proc.returncode == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5 and len(summary.read_text(encoding="utf-8").splitlines()) == 6
