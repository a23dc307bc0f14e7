"""Naming a huge or changing folder as a rule base ends at once with a diagnostic, never a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackrules.source import files


def test_a_folder_past_the_walk_bound_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k in range(12):
        (tmp_path / f"d{k}").mkdir()
        (tmp_path / f"d{k}" / "x.yaml").write_text("kind: learner\nid: L\n")
    monkeypatch.setattr(files, "MAX_WALK", 10)
    found, diags = files.expand_paths([tmp_path])
    assert found == [] and [d.code for d in diags] == ["SR1012"] and "more than 10 entries" in diags[0].message


def test_proc_is_walked_without_an_internal_error() -> None:
    if not Path("/proc/self").exists():
        pytest.skip("no /proc on this system")
    found, diags = files.expand_paths(["/proc/self"])
    assert not found and diags and diags[0].code in ("SR1012", "SR1014")
