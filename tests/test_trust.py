"""Trust boundaries (LANGUAGE.md section 18): only regular files are read, and nothing from input drives the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import stackrules
from stackrules.diagnostics import Diagnostic, escape_text
from stackrules.source.files import quote_lines, read_bytes

from .conftest import AS_OF, ROOT

EXAMPLES = ROOT / "examples" / "learners"


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STACKRULES_CACHE": "off"}
    return subprocess.run([sys.executable, "-m", "stackrules", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _audit(learner: str | Path) -> subprocess.CompletedProcess[str]:
    return _cli("audit", "--learner", str(learner), "--target", "exu:GCDS", "--as-of", "2026-11-28")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_a_device_or_a_folder_as_learner_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "learner.yaml"
    os.mkfifo(fifo)  # no writer: reading it would block for ever
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    for path, what in ((fifo, "a pipe"), (Path("/dev/zero"), "a device or other special file"), (folder, "a folder")):
        if not path.exists():
            continue
        out = _audit(path)
        assert out.returncode == 3, out.stderr
        assert "error[SR1013]" in out.stderr and f"is {what}, not a regular file" in out.stderr, out.stderr
        assert "Traceback" not in out.stderr
        with pytest.raises(stackrules.LearnerError) as err:
            stackrules.load_learner(path)
        assert [d.code for d in err.value.diagnostics] == ["SR1013"]


def test_reading_stops_at_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stackrules.source import files

    monkeypatch.setattr(files, "MAX_BYTES", 100)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 101)
    raw, diags = read_bytes(big)
    assert raw is None and [d.code for d in diags] == ["SR1007"]
    big.write_bytes(b"#" * 100)
    raw, diags = read_bytes(big)
    assert raw == b"#" * 100 and diags == []


def test_quoting_reads_only_up_to_the_lines_quoted_and_cuts_long_lines(tmp_path: Path) -> None:
    f = tmp_path / "f.yaml"
    f.write_text("a: 1\n" + "b: " + "x" * 100_000 + "\nc: 3\n", encoding="utf-8")
    got = quote_lines(f, [(2, 4), (3, 1)])
    assert got[3] == "c: 3" and got[2].startswith("b: xxx") and len(got[2]) < 2_000
    assert quote_lines(Path("/dev/zero"), [(1, 1)]) == {}
    shown = Diagnostic(str(f), 2, 90_000, "SR1001", "bad").render(line_text=got[2])
    assert max(len(line) for line in shown.splitlines()) < 300


HOSTILE = "L-1\x1b[31m\x00\u202e"


def test_escape_text_shows_every_control_ansi_nul_and_bidi_override() -> None:
    assert escape_text("a\x1b[31mb\x00c\u202ed\u2066e\tf\rg\nh\x7f\x9b") == "a\\x1b[31mb\\x00c\\u202ed\\u2066e\\tf\\rg\nh\\x7f\\x9b"
    assert escape_text("plain text, ünïcödé and → arrows\n") == "plain text, ünïcödé and → arrows\n"


def test_a_hostile_learner_id_and_title_are_escaped_in_the_explanation(tmp_path: Path, engine: stackrules.Engine) -> None:
    learner = tmp_path / "hostile.yaml"
    learner.write_text(
        'kind: learner\nid: "L-1\\e[31m\\0\\u202e"\nname: "x\\e[2J"\n'
        "holdings:\n"
        '  - {credential: "zz:X1", title: "Evil\\e[31m\\0\\u202e", provider: zz, credits: "6 ects"}\n',
        encoding="utf-8",
    )
    loaded = stackrules.load_learner(learner)
    assert loaded.id == HOSTILE  # the value itself is kept as written
    text = engine.audit(loaded, "exu:GCDS", AS_OF).text()
    for bad in ("\x1b", "\x00", "\u202e"):
        assert bad not in text
    assert "L-1\\x1b[31m\\x00\\u202e" in text
    out = _audit(learner)
    assert out.returncode == 2, out.stderr
    assert "\x1b" not in out.stdout + out.stderr and "\u202e" not in out.stdout and "L-1\\x1b[31m" in out.stdout


def test_a_hostile_value_in_a_diagnostic_is_escaped(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('kind: learner\nid: L-1\nholdings:\n  - {credential: "x\\e[31mStatus: MET\\u202e"}\n', encoding="utf-8")
    out = _audit(bad)
    assert out.returncode == 3 and "Traceback" not in out.stderr
    assert "\x1b" not in out.stderr and "\u202e" not in out.stderr and "\\x1b[31mStatus: MET\\u202e" in out.stderr
