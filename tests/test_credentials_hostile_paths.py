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
