"""Badge paths no file system accepts: a positioned SR6005 (or BadgeFileError), never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest

import stackrules
from stackrules.errors import LearnerError
from stackrules.source.badges import BadgeFileError, contained_path, read_badge


def test_a_verifiable_path_with_a_nul_byte_is_sr6005_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "l.yaml").write_text('kind: learner\nid: L-1\nholdings:\n  - verifiable: "badge.json\\u0000.png"\n')
    with pytest.raises(LearnerError) as err:
        stackrules.load_learner(tmp_path / "l.yaml")
    (d,) = err.value.diagnostics
    assert (d.code, d.line, d.column) == ("SR6005", 4, 17)
    assert "NUL" in d.message


def test_read_badge_and_contained_path_refuse_a_nul_byte(tmp_path: Path) -> None:
    with pytest.raises(BadgeFileError, match="NUL"):
        contained_path(tmp_path, "a\0b.json")
    with pytest.raises(BadgeFileError, match="NUL"):
        read_badge(str(tmp_path / "a\0b.json"))


# --- files written: whole or not at all, never overwritten ------------------------------------


def test_a_key_file_whose_write_fails_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from stackrules.source import badges

    real_write = os.write

    def failing_write(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data)[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(badges.os, "write", failing_write)
    with pytest.raises(OSError):
        badges.write_signing_key(tmp_path / "k.json", badges.new_signing_key("https://office.example/i"))
    assert list(tmp_path.iterdir()) == []


def test_new_files_are_written_whole_and_only_once_under_concurrency(tmp_path: Path) -> None:
    import threading

    from stackrules.source.badges import write_new_file

    target = tmp_path / "out.yaml"
    texts = [f"kind: learner\nid: L-{i}\n" + "# padding\n" * 20000 for i in range(8)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(texts))

    def one(text: str) -> None:
        barrier.wait()
        try:
            write_new_file(target, text)
            outcomes.append(text)
        except FileExistsError:
            outcomes.append("exists")

    threads = [threading.Thread(target=one, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    written = [o for o in outcomes if o != "exists"]
    assert len(written) == 1 and target.read_text(encoding="utf-8") == written[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.yaml"]


def test_import_whose_write_fails_leaves_no_learner_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import shutil

    from click.testing import CliRunner

    from stackrules.cli import main
    from stackrules.source import badges

    folder = tmp_path / "sent"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "learners" / "badges" / "eva", folder)
    real_write = os.write

    def failing_write(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data)[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(badges.os, "write", failing_write)
    out = tmp_path / "learner.yaml"
    result = CliRunner().invoke(main, ["import", str(folder), "--id", "L-1", "--identity", "did:example:eva", "--out", str(out), "--as-of", "2026-11-29"])
    assert result.exit_code == 3 and "No space left on device" in result.output, result.output
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["sent"]
