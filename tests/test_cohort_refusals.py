"""Cohort commands refuse what would lose data or cannot work, before anything is decided (exit 3, SR5002, never a traceback)."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stackrules.cli import main

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
