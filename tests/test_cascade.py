"""One mistake, one error: what follows from a document that failed to load is not reported again."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from stackrules.cli import main
from stackrules.engine import load_with_diagnostics

from .conftest import ROOT


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return tmp_path / "rules"


def _break_a_credit(rules: Path) -> None:
    catalog = rules / "example-university" / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    assert text.count("title: Applied Data Science, credits: 6,") == 1
    catalog.write_text(text.replace("title: Applied Data Science, credits: 6,", "title: Applied Data Science, credits: six,"), encoding="utf-8")


def test_a_malformed_catalogue_entry_is_one_error_not_a_screen_of_them(tmp_path: Path) -> None:
    # the example university's catalogue is left out whole for one bad value; every qualification of `exu` then said
    # "provider `exu` has no catalog" and every rule naming its units "unknown credential": 12 errors and 3 warnings
    rules = _copy(tmp_path)
    _break_a_credit(rules)
    engine, diags = load_with_diagnostics(rules, ROOT / "frameworks")
    assert engine is None
    assert [(d.code, d.file.rsplit("/", 1)[-1], d.line) for d in diags] == [("SR2006", "catalog.yaml", 37)]
    result = CliRunner().invoke(main, ["check", str(rules), str(ROOT / "frameworks")])
    assert result.exit_code == 3
    assert "error[SR2006]" in result.output and "SR3001" not in result.output and "SR3002" not in result.output
    assert "1 error, 0 warnings" in result.output


def test_errors_that_do_not_follow_from_it_are_still_reported(tmp_path: Path) -> None:
    # a qualification of another provider naming a unit no catalogue has: its own mistake, reported beside the first
    rules = _copy(tmp_path)
    _break_a_credit(rules)
    qual = rules / "nus-computing" / "bcomp-cs.yaml"
    text = qual.read_text(encoding="utf-8")
    assert text.count('["nus:CP4101"]') >= 1
    qual.write_text(text.replace('["nus:CP4101"]', '["nus:CP4109"]', 1), encoding="utf-8")
    _, diags = load_with_diagnostics(rules, ROOT / "frameworks")
    assert sorted(d.code for d in diags) == ["SR2006", "SR3001"]
    assert next(d for d in diags if d.code == "SR3001").message == "unknown credential `nus:CP4109`"
