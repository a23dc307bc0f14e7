"""Trust boundaries (docs/language.md section 18): only regular files are read, and nothing from input drives the terminal."""

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


# -- bounded inputs: every bound a positioned diagnostic, found while reading (docs/language.md section 18)


def _codes(text: str) -> list[tuple[str, int, int]]:
    from stackrules.source.yamlreader import read_yaml

    return [(d.code, d.line, d.column) for d in read_yaml(text.encode(), "f.yaml")[2]]


def test_a_list_or_mapping_past_its_length_is_refused_at_the_first_entry_over() -> None:
    from stackrules.source.yamlreader import MAX_ENTRIES

    items = ",".join(["1"] * (MAX_ENTRIES + 5))
    assert _codes(f"kind: catalog\nx: [{items}]\n") == [("SR1016", 2, 5 + 2 * MAX_ENTRIES)]
    assert _codes(f"kind: catalog\nx: [{items[: 2 * MAX_ENTRIES - 1]}]\n") == []
    keys = "".join(f"k{i}: 1\n" for i in range(MAX_ENTRIES + 1))
    assert _codes("kind: catalog\n" + keys)[0][0] == "SR1016"


def test_the_values_of_a_document_are_counted_as_they_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from stackrules.source import yamlreader

    monkeypatch.setattr(yamlreader, "MAX_VALUES", 1000)
    row = f"  - [{','.join(['1'] * 9)}]\n"
    rows = row * 200  # 2,004 values, no list over its length
    found = _codes("kind: catalog\nx:\n" + rows)
    assert found == [("SR1015", 102, 14)]  # the 1,001st value (keys count): the fifth item of the 100th row
    assert _codes("kind: catalog\nx:\n" + row * 99) == []


def test_the_reader_keeps_no_event_memory_grows_with_the_data_not_the_events() -> None:
    # a legal 4 MiB list: the events are not all held at once (they were 340 times the text)
    import tracemalloc

    from stackrules.source.yamlreader import MAX_ENTRIES

    text = b"kind: catalog\nx: [" + b",".join([b"1"] * (MAX_ENTRIES - 1)) + b"]\n"
    from stackrules.source.yamlreader import read_yaml

    tracemalloc.start()
    data, _, diags = read_yaml(text, "f.yaml")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert diags == [] and len(data["x"]) == MAX_ENTRIES - 1
    assert peak < 400 * len(text), peak  # spans and paths for each value; no Mark objects kept


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1e999999999", "SR2011"),
        ("1e308", "SR2011"),
        ("9" * 5001, "SR2011"),
        ("1000000001", "SR2011"),
        ("-1000000001", "SR2011"),
        ("1e-999999999", "SR2012"),
        ("0.0000000000001", "SR2012"),
        ('"1/3000000000000"', "SR2012"),
        ('"1.0000000000001 ects"', "SR2012"),
        (f'"{"9" * 5001} ects"', "SR2011"),
        (f'"1/{"3" * 5001}"', "SR2012"),
    ],
)
def test_numbers_past_their_bounds_are_refused_at_once_with_a_position(value: str, code: str, tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(f"kind: catalog\nprovider: {{id: zed, name: Zed}}\ncredit_system: ects\ncredentials:\n  - {{id: zed:Z1, title: Z, credits: {value}}}\n")
    from stackrules.source.files import read_documents

    _, diags = read_documents([f])
    assert [(d.code, d.line, d.column) for d in diags] == [(code, 5, 37)]
    assert len(diags[0].message) < 200


@pytest.mark.parametrize("value", ["1000000000", "0.000000000001", '"1/999999999999"', "1.500000000000000", "2e3", '"30 ects"'])
def test_numbers_within_their_bounds_are_read(value: str, tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(f"kind: catalog\nprovider: {{id: zed, name: Zed}}\ncredit_system: ects\ncredentials:\n  - {{id: zed:Z1, title: Z, credits: {value}}}\n")
    from stackrules.source.files import read_documents

    loaded, diags = read_documents([f])
    assert diags == [] and len(loaded) == 1


def test_a_learner_given_as_data_is_bounded_too() -> None:
    from fractions import Fraction

    from stackrules.language.quantity import NumberBound, to_fraction

    for bad in (10**5000, Fraction(1, 10**13), Fraction(10**10), "1" * 5001):
        with pytest.raises(NumberBound):
            to_fraction(bad)
    with pytest.raises(stackrules.LearnerError) as err:
        stackrules.load_learner({"id": "L-1", "holdings": [{"credential": "zz:X", "title": "X", "provider": "zz", "credits": 10**5000}]})
    assert [d.code for d in err.value.diagnostics] == ["SR2011"]


def test_dates_are_bounded_so_date_arithmetic_stays_in_the_calendar(engine: stackrules.Engine, tmp_path: Path) -> None:
    import datetime as dt

    learner = tmp_path / "l.yaml"
    learner.write_text("kind: learner\nid: L-1\nholdings:\n  - {credential: exu:COMP1010, awarded: 0001-01-01}\n", encoding="utf-8")
    with pytest.raises(stackrules.LearnerError) as err:
        stackrules.load_learner(learner)
    assert [(d.code, d.line, d.column) for d in err.value.diagnostics] == [("SR2013", 4, 41)]
    ok = stackrules.load_learner(EXAMPLES / "ben.yaml")
    for day in (dt.date(1, 1, 1), dt.date(9999, 12, 31)):
        with pytest.raises(stackrules.RequestError):
            engine.audit(ok, "exu:BIT", day)


def test_a_line_break_in_a_learner_value_shown_inline_is_refused(tmp_path: Path) -> None:
    # escaping keeps line breaks, so a learner id with one could start a forged "Status: MET." line
    learner = tmp_path / "forged.yaml"
    learner.write_text('kind: learner\nid: "L-1, as of 2026-11-28\\nStatus: MET."\nholdings:\n  - {credential: "zz:X1", title: "a\\nb"}\n', encoding="utf-8")
    with pytest.raises(stackrules.LearnerError) as err:
        stackrules.load_learner(learner)
    assert [(d.code, d.line, d.column) for d in err.value.diagnostics] == [("SR2004", 2, 5), ("SR2004", 4, 34)]
    with pytest.raises(stackrules.LearnerError):
        stackrules.load_learner({"id": "L-1\nStatus: MET."})
    out = _audit(learner)
    assert out.returncode == 3 and "error[SR2004]" in out.stderr and "Status: MET." not in out.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(os, "symlink"), reason="needs FIFOs and links")
def test_a_rule_base_folder_never_leaves_out_a_yaml_entry_it_cannot_read(tmp_path: Path) -> None:
    # A folder walk kept only regular files: a broken link, a pipe or a device named *.yaml was left out without a
    # word, and `check` said "ok" on a rule base that had lost a credit rule (an agreement's credit changed)
    import shutil

    base = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", base)
    agreement = base / "tafe-nsw" / "articulation-bit.yaml"
    agreement.rename(tmp_path / "moved.yaml")
    agreement.symlink_to(tmp_path / "gone.yaml")
    out = _cli("check", str(base), str(ROOT / "frameworks"))
    assert out.returncode == 3, out.stdout + out.stderr
    assert "error[SR1012]" in out.stderr and "articulation-bit.yaml` is a symbolic link to" in out.stderr and "which does not exist" in out.stderr
    assert "kind: credit_rule" not in out.stderr  # the shipped file of the same name is not quoted for it
    agreement.unlink()
    (tmp_path / "moved.yaml").rename(agreement)
    os.mkfifo(base / "pipe.yaml")
    out = _cli("check", str(base), str(ROOT / "frameworks"), timeout=60)
    assert out.returncode == 3 and "error[SR1013]" in out.stderr and "is a pipe, not a regular file" in out.stderr, out.stderr


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs links")
def test_a_symlinked_folder_of_a_rule_base_is_read_once_or_refused_never_skipped(tmp_path: Path) -> None:
    # A symlinked subfolder was skipped without a word: a folder holding only credit rules vanished from the rule base.
    # A link to a folder inside the rule base is followed, each real folder once; one to a folder outside it (a shared
    # folder elsewhere, `up -> ..`, /proc/self/cwd) is refused by name, never walked and never skipped in silence
    import shutil

    base = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", base)
    shipped = _cli("check", str(base), str(ROOT / "frameworks"))
    (base / "loop").symlink_to(base)  # a link back to the top
    (base / "alias").symlink_to(base / "tafe-nsw")  # a second name for a folder inside: read once
    for name in ("again", "and-again"):  # cycles below the top (two of them: without a stop they grow as 2^depth)
        (base / "example-university" / name).symlink_to(base / "example-university")
    (base / "example-university" / ".#bit-2025.yaml").symlink_to("user@host.1234:1700000000")  # an Emacs lock file
    out = _cli("check", str(base), str(ROOT / "frameworks"))
    assert out.returncode == 0, out.stderr
    assert shipped.stdout.split(",")[0] == out.stdout.split(",")[0]  # "ok: N documents checked": every one, each once
    (base / "tafe-nsw").rename(tmp_path / "elsewhere")
    (base / "tafe-nsw").symlink_to(tmp_path / "elsewhere")
    (base / "up").symlink_to(tmp_path)  # the parent, with a stray YAML file: not read
    (tmp_path / "docker-compose.yaml").write_text("services: {}\n", encoding="utf-8")
    out = _cli("check", str(base), str(ROOT / "frameworks"))
    assert out.returncode == 3 and "SR2005" not in out.stderr, out.stderr
    assert f"error[SR1012]: `{base}/tafe-nsw` is a symbolic link to `{tmp_path / 'elsewhere'}`, a folder outside `{base}`: it is not read" in out.stderr
    assert f"`{base}/up` is a symbolic link to `{tmp_path}`" in out.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["audit", "--learner", str(EXAMPLES / "tariq.yaml"), "--target", "exu:BIT", "--as-of", "2026-11-28"],
        ["graph", "--format", "json"],
        # an error's own JSON on stdout, and a usage error's (found by a review: a traceback, exit 1)
        ["audit", "--learner", "/nonexistent.yaml", "--target", "exu:GCDS", "--format", "json"],
        ["audit", "--targetx", "X", "--format", "json"],
    ],
)
def test_output_to_a_full_disk_is_said_plainly_never_an_internal_error(args: list[str]) -> None:
    # stdout on a full disk was "internal error: OSError ... please report this": a machine's condition, not a bug
    env = {**os.environ, "STACKRULES_CACHE": "off"}
    with open("/dev/full", "w", encoding="utf-8") as full:
        out = subprocess.run([sys.executable, "-m", "stackrules", *args], env=env, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, check=False)
    assert out.returncode == 3, out.stderr
    assert out.stderr.startswith("error[SR5002]: cannot write the output: No space left on device") and "internal error" not in out.stderr
    assert "Traceback" not in out.stderr
