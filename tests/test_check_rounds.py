"""A document refused for unknown keys is still checked for what it names, in the same round (docs/diagnostics.md).

A newcomer fixing a misspelt key was told, only on the next `check`, that the same file named a credential or a type
that does not exist: errors came a few at a time. The document is now validated again without its unknown keys,
and the references it makes are checked beside the rest of the rule base.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import stackrules
from stackrules.cli import main
from stackrules.errors import RuleBaseError

ROOT = Path(__file__).resolve().parent.parent


def _base(tmp_path: Path) -> Path:
    for part in ("frameworks", "rules"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _found(base: Path) -> list[tuple[str, str, int, int]]:
    with pytest.raises(RuleBaseError) as caught:
        stackrules.load(base / "frameworks", base / "rules")
    return [(d.code, Path(d.file).name, d.line, d.column) for d in caught.value.diagnostics]


def test_an_unknown_key_and_the_names_the_same_file_gets_wrong_are_reported_together(tmp_path: Path) -> None:
    base = _base(tmp_path)
    mds = base / "rules" / "example-university" / "mds.yaml"
    gcds = base / "rules" / "example-university" / "gcds.yaml"
    # two unknown keys in one node (a node reports one at a time) and an unknown credential beside them
    _edit(mds, "{id: research, title: Research, all: [exu:COMP5010,", "{id: research, titl: Research, nots: x, all: [exu:COMP5O10,")
    # an unknown filter attribute, and a misspelt qualification type
    _edit(gcds, "where: {tags: data, framework_level", "where: {tags: data, lvl: 3, framework_level")
    _edit(gcds, "type: aqf:graduate-certificate", "type: aqf:graduate-certifcate")
    found = _found(base)
    assert found == [
        ("SR3003", "gcds.yaml", 5, 7),
        ("SR2010", "gcds.yaml", 13, 84),
        ("SR2001", "mds.yaml", 13, 22),
        ("SR2001", "mds.yaml", 13, 38),
        ("SR3001", "mds.yaml", 13, 53),
    ], found
    result = CliRunner().invoke(main, ["check", str(base / "frameworks"), str(base / "rules")])
    assert result.exit_code == 3
    assert "unknown qualification type `aqf:graduate-certifcate`" in result.output
    assert "unknown credential `exu:COMP5O10`" in result.output and "did you mean `exu:COMP5010`" in result.output
    assert "5 errors" in result.output


def test_what_leaving_a_key_out_could_cause_is_not_reported(tmp_path: Path) -> None:
    # a misspelt `effective` left out makes the 2025 rules overlap the 2020 ones (SR3007): that is the key's doing,
    # not a second mistake, so only the unknown key is reported. (The overlapping version is set aside whole, so the
    # credential misspelt in it waits for the next round.)
    base = _base(tmp_path)
    bit = base / "rules" / "example-university" / "bit-2025.yaml"
    _edit(bit, "effective: {from: 2025-01-01}", "efective: {from: 2025-01-01}")
    _edit(bit, "all: [exu:COMP1010, exu:COMP1020,", "all: [exu:COMP1010, exu:COMP1O20,")
    found = _found(base)
    assert found == [("SR2001", "bit-2025.yaml", 9, 1)], found


def test_a_document_that_leaving_keys_out_cannot_mend_gives_its_own_errors_only(tmp_path: Path) -> None:
    # a wrong type beside the unknown key: the document is not validated again, so nothing it names is checked
    # (an unknown credential in it waits for the next round, as before)
    base = _base(tmp_path)
    mds = base / "rules" / "example-university" / "mds.yaml"
    _edit(mds, "{id: research, title: Research, all: [exu:COMP5010,", "{id: research, titl: Research, all: [exu:COMP5O10,")
    _edit(mds, "credits: 96", "credits: ninety-six")
    found = _found(base)
    assert found == [("SR2006", "mds.yaml", 7, 10), ("SR2001", "mds.yaml", 13, 22)], found


def test_a_wrong_value_beside_an_unknown_key_in_one_node_is_reported_with_it(tmp_path: Path) -> None:
    # a node reports its first unknown key only; once it is left out, the list written where a number belongs (in
    # the document as written) is found in the same run. A required key misspelt is never reported as missing.
    base = _base(tmp_path)
    gcds = base / "rules" / "example-university" / "gcds.yaml"
    mds = base / "rules" / "example-university" / "mds.yaml"
    _edit(gcds, "note: Half a year", "nte: Half a year")
    _edit(gcds, "credits: 24\n", "credits: [24]\n")
    _edit(mds, "title: Master of Data Science", "titel: Master of Data Science")
    found = _found(base)
    assert found == [("SR2006", "gcds.yaml", 7, 10), ("SR2001", "gcds.yaml", 9, 1), ("SR2001", "mds.yaml", 3, 1)], found
    result = CliRunner().invoke(main, ["check", str(base / "frameworks"), str(base / "rules")])
    assert "a number is needed here, not a list" in result.output, result.output
    assert "missing" not in result.output


def test_a_catalogue_refused_for_a_misspelt_key_reports_the_credentials_it_names_that_do_not_exist(tmp_path: Path) -> None:
    base = _base(tmp_path)
    catalog = base / "rules" / "example-university" / "catalog.yaml"
    _edit(catalog, 'prerequisites: "exu:COMP1010", offered: [S2]', 'prerequisites: "exu:COMP1011", ofered: [S2]')
    found = _found(base)
    assert found == [("SR3001", "catalog.yaml", 8, 171), ("SR2001", "catalog.yaml", 8, 187)], found


def test_a_framework_refused_for_a_misspelt_key_does_not_make_every_level_it_defines_unknown(tmp_path: Path) -> None:
    base = _base(tmp_path)
    _edit(base / "frameworks" / "aqf.yaml", "\nsource:", "\nsorce:")
    _edit(base / "frameworks" / "credit-systems.yaml", "\nnote:", "\nnte:")
    found = _found(base)
    assert found == [("SR2001", "aqf.yaml", 4, 1), ("SR2001", "credit-systems.yaml", 2, 1)], found


def test_findings_at_one_place_come_in_the_same_order_on_every_run(tmp_path: Path) -> None:
    # three unknown levels in one filter are reported at one position: they were ordered by Python's hash seed
    base = _base(tmp_path)
    _edit(base / "rules" / "training-packages" / "ict40120.yaml", '{in: ["aqf:3", "aqf:4", "aqf:5"]}', '{in: ["aqf:55", "aqf:33", "aqf:44"]}')
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        run = subprocess.run(
            [sys.executable, "-m", "stackrules", "check", str(base / "frameworks"), str(base / "rules")],
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=False,
        )
        assert run.returncode == 3, run.stderr
        outputs.add(run.stdout + run.stderr)
    assert len(outputs) == 1
    text = outputs.pop().decode()
    assert text.index("aqf:33") < text.index("aqf:44") < text.index("aqf:55"), text
