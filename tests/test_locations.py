"""`file:line` in decisions and diagnostics are relative to the rules' folder (docs/language.md section 16)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import stackrules
from stackrules.cli import main
from stackrules.errors import RuleBaseError
from stackrules.source.files import names_base, read_documents

from .conftest import AS_OF, ROOT

AMIRA = ROOT / "examples" / "learners" / "amira.yaml"


def _copy_base(to: Path) -> Path:
    for folder in ("frameworks", "rules"):
        shutil.copytree(ROOT / folder, to / folder)
    return to


def _audit_bytes(base: Path, *args: str) -> tuple[str, str]:
    result = CliRunner().invoke(
        main,
        [
            "audit",
            "--rules",
            str(base / "frameworks"),
            "--rules",
            str(base / "rules"),
            "--learner",
            str(AMIRA),
            "--target",
            "exu:BIT",
            "--as-of",
            "2026-11-28",
            *args,
        ],
    )
    assert result.exit_code in (0, 2), result.output
    return result.stdout, result.stderr


def test_the_same_rules_give_the_same_bytes_wherever_they_lie(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a = _copy_base(tmp_path / "a" / "deep")
    b = _copy_base(tmp_path / "b")
    monkeypatch.chdir(tmp_path / "a")  # one copy under the working folder, the other outside it
    for fmt in ("json", "text"):
        out_a, _ = _audit_bytes(a, "--format", fmt)
        out_b, _ = _audit_bytes(b, "--format", fmt)
        assert out_a == out_b
        assert "rules/example-university/" in out_a and str(tmp_path) not in out_a
    # and the same bytes as the shipped base itself
    shipped = CliRunner().invoke(main, ["audit", "--learner", str(AMIRA), "--target", "exu:BIT", "--as-of", "2026-11-28", "--format", "json"])
    assert shipped.stdout == _audit_bytes(b, "--format", "json")[0]


def test_the_api_names_files_from_the_folder_given(tmp_path: Path) -> None:
    base = _copy_base(tmp_path / "x")
    engine = stackrules.load(base)  # one folder: names are relative to it
    assert engine.rules.qualifications["exu:BIT"][-1].loc.file == "rules/example-university/bit-2025.yaml"
    engine = stackrules.load(base / "rules", base / "frameworks")
    assert engine.rules.qualifications["exu:BIT"][-1].loc.file == "rules/example-university/bit-2025.yaml"
    decision = engine.audit(stackrules.load_learner(AMIRA), "exu:BIT", AS_OF)
    assert "rules/example-university/" in decision.dumps() and str(tmp_path) not in decision.dumps()


def test_diagnostics_name_files_from_the_folder_given_and_the_cli_quotes_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for where in ("one", "two"):
        folder = tmp_path / where / "mine"
        folder.mkdir(parents=True)
        (folder / "cat.yaml").write_text("kind: catalog\nprovider: {id: zed, name: Zed}\ncredit_system: ectz\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "one")
    renders = []
    for where in ("one", "two"):
        with pytest.raises(RuleBaseError) as caught:
            stackrules.load(tmp_path / where / "mine")
        renders.append([d.render() for d in caught.value.diagnostics])
        result = CliRunner().invoke(main, ["check", str(tmp_path / where / "mine")])
        assert result.exit_code == 3
        assert result.stderr.startswith("cat.yaml:3:16: error[SR3004]: unknown credit system `ectz`")
        assert "credit_system: ectz" in result.stderr and "^^^^" in result.stderr  # the line is found and quoted
    assert renders[0] == renders[1]
    assert renders[0][0].startswith("cat.yaml:3:16:")


def test_names_base() -> None:
    assert names_base([ROOT / "frameworks", ROOT / "rules"]) == ROOT
    assert names_base([ROOT / "rules"]) == ROOT / "rules"
    assert names_base([ROOT / "rules" / "example-university" / "bit-2025.yaml"]) == ROOT / "rules" / "example-university"
    assert names_base([]) is None
    loaded, _ = read_documents([ROOT / "rules" / "example-university" / "bit-2025.yaml"])
    assert [x.file for x in loaded] == ["bit-2025.yaml"]
    assert os.path.isabs(str(names_base([ROOT])))
