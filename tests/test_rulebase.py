"""The checked rule base: indexing, then named passes in order; what a newcomer gets wrong first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import stackrules
from stackrules.cli import main
from stackrules.errors import RuleBaseError
from stackrules.rulebase.build import index_documents
from stackrules.rulebase.checks import build
from stackrules.rulebase.passes import PASSES, run_passes
from stackrules.source.files import read_documents

from .conftest import AS_OF, ROOT

DIAG = ROOT / "tests" / "diagnostics"


def test_the_passes_are_named_and_ordered() -> None:
    assert [p.name for p in PASSES] == [
        "credentials",
        "prerequisite-cycles",
        "supersedes-cycles",
        "qualification-trees",
        "nesting-cycles",
        "credit-rules",
        "offerings",
        "learners",
    ]


def test_a_later_pass_uses_what_an_earlier_one_built() -> None:
    loaded, _ = read_documents([DIAG / "base", DIAG / "cases" / "SR3008-prerequisite-cycle.yaml"])
    for p in PASSES:
        ix = index_documents(loaded)
        assert ix.report.diags == []  # indexing alone finds nothing wrong here
        run_passes(ix, (p,))
        codes = [d.code for d in ix.report.diags]
        # the cycle needs the graph the `credentials` pass builds: alone, the cycle pass finds no edge
        assert codes == [], (p.name, codes)
    ix = index_documents(loaded)
    run_passes(ix, PASSES[:2])
    assert [d.code for d in ix.report.diags] == ["SR3008"]


def test_build_is_index_then_every_pass() -> None:
    loaded, _ = read_documents([ROOT / "frameworks", ROOT / "rules", ROOT / "examples" / "learners"])
    ix = index_documents(loaded)
    run_passes(ix)
    rb, diags = build(loaded)
    assert rb is not None and diags == ix.report.diags


def test_rules_without_frameworks_is_a_positioned_unknown_credit_system_not_a_crash() -> None:
    """The commonest newcomer mistake: `rules/` without `frameworks/` (it used to raise KeyError: 'ects')."""
    with pytest.raises(RuleBaseError) as caught:
        stackrules.load(ROOT / "rules")
    diags = caught.value.diagnostics
    systems = [d for d in diags if d.code == "SR3004" and d.message == "unknown credit system `ects`"]
    assert systems and systems[0].file.endswith("euro-university/catalog.yaml") and (systems[0].line, systems[0].column) == (4, 16)
    assert systems[0].help and "credit_systems" in systems[0].help
    loaded, _ = read_documents([ROOT / "rules"])
    _, raw = build(loaded)
    assert raw[0].code == "SR3004"  # reported while indexing, before any check uses the system


def test_cli_check_rules_without_frameworks_exits_3_with_diagnostics() -> None:
    result = CliRunner().invoke(main, ["check", str(ROOT / "rules")])
    assert result.exit_code == 3, result.output
    assert "error[SR3004]: unknown credit system `ects`" in result.stderr
    assert "internal error" not in result.stderr
    # one missing framework is one mistake: shown in full three times, then where else it occurs
    err = result.stderr
    assert err.count("unknown framework `aqf`") == 3
    assert "error[SR3013]: 79 more like this (`aqf`): example-university/catalog.yaml lines 8, 9," in err
    assert "103 errors" in err  # the count is of every diagnostic, as JSON lists them all
    assert "note: no framework or credit-system document was loaded" in err and "stackrules check rules frameworks" in err
    assert "did you mean `exu-cp`" not in err  # `us-sch` is not a near miss of `exu-cp`
    as_json = CliRunner().invoke(main, ["check", str(ROOT / "rules"), "--format", "json"])
    assert len(json.loads(as_json.stdout)["diagnostics"]) == 104  # 103 errors and the warning


def test_a_clean_check_with_warnings_prints_one_summary() -> None:
    result = CliRunner().invoke(main, ["check", str(ROOT / "frameworks")])
    assert result.exit_code == 0, result.output
    assert "ok: 12 documents checked, 1 warning" in result.stdout
    assert "0 errors" not in result.stderr


def test_an_unknown_system_does_not_crash_the_pool_check_which_waits_for_comparable_credit(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "kind: catalog\nprovider: {id: zed, name: Zed}\ncredit_system: nope\ncredentials:\n  - {id: 'zed:Z1', title: Z1, credits: 6}\n", encoding="utf-8"
    )
    (tmp_path / "q.yaml").write_text("kind: qualification\nid: 'own:Q'\ntitle: Q\nprovider: own\ncredits: 6\nrequires: {credits: 6}\n", encoding="utf-8")
    (tmp_path / "own.yaml").write_text(
        "kind: catalog\nprovider: {id: own, name: Own}\ncredit_system: {id: own-cp, full_time_year: 48}\ncredentials: []\n", encoding="utf-8"
    )
    loaded, _ = read_documents([tmp_path])
    _, diags = build(loaded)
    assert [d.code for d in diags] == ["SR3004"]


def test_an_empty_folder_is_an_error_not_the_shipped_base(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a rule\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(empty)])
    assert result.exit_code == 3
    assert "error[SR1014]" in result.stderr and "holds no YAML file" in result.stderr
    assert "ok:" not in result.stdout
    learner = ROOT / "examples" / "learners" / "amira.yaml"
    result = CliRunner().invoke(main, ["audit", "--rules", str(empty), "--learner", str(learner), "--target", "exu:BIT", "--as-of", "2026-11-28"])
    assert result.exit_code == 3
    assert result.stderr.count("error[") == 1 and "error[SR1014]" in result.stderr  # the rules are blamed, not the learner
    with pytest.raises(RuleBaseError) as caught:
        stackrules.load(empty, ROOT / "frameworks")  # one empty folder in a list is an error too
    assert [d.code for d in caught.value.diagnostics if d.severity == "error"] == ["SR1014"]


def _learner_help(engine: stackrules.Engine, node: str) -> str | None:
    from stackrules.errors import LearnerError

    doc = {
        "id": "L-x",
        "exceptions": [{"type": "waive", "node": node, "reason": "r", "approved_by": "a", "date": "2026-01-01"}],
    }
    with pytest.raises(LearnerError) as caught:
        engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF)
    (d,) = caught.value.diagnostics
    return d.help


def test_did_you_mean_for_a_node_outside_its_qualification_is_the_whole_id(engine: stackrules.Engine) -> None:
    """docs/language.md section 16, "Ids in messages": `core` is not valid in a learner's exception; `exu:BIT#core` is."""
    assert _learner_help(engine, "exu:BIT#cor") == "did you mean `exu:BIT#core`?"
    assert _learner_help(engine, "exu:BTI#core") == "did you mean `exu:BIT#core`?"
    assert _learner_help(engine, "exu:BTI") == "did you mean `exu:BIT`?"  # waiving a whole qualification names it alone


def test_did_you_mean_for_an_exempt_grant_is_the_whole_id(tmp_path: Path) -> None:
    rule = "kind: credit_rule\nid: r\ntype: policy\ninto: exu:BIT\nfrom: exu:COMP1010\ngrant: [{exempt: 'exu:BIT#cor'}]\n"
    (tmp_path / "r.yaml").write_text(rule, encoding="utf-8")
    loaded, _ = read_documents([ROOT / "frameworks", ROOT / "rules", tmp_path / "r.yaml"])
    _, diags = build(loaded)
    (d,) = [d for d in diags if d.code == "SR3005"]
    assert d.help == "did you mean `exu:BIT#core`?"


def test_a_filter_quantity_in_an_unknown_system_is_reported(tmp_path: Path) -> None:
    """A `credits:` condition in an unknown system used to be compared as a bare number, silently."""
    q = "kind: qualification\nid: 'exu:Q'\ntitle: Q\nprovider: exu\ncredits: 6\nrequires: {credits: 6, where: {credits: {gte: '6 ectz'}}}\n"
    (tmp_path / "q.yaml").write_text(q, encoding="utf-8")
    loaded, _ = read_documents([ROOT / "frameworks", ROOT / "rules", tmp_path / "q.yaml"])
    _, diags = build(loaded)
    errors = [d for d in diags if d.severity == "error"]
    assert [(d.code, d.message, d.line, d.column) for d in errors] == [("SR3004", "unknown credit system `ectz`", 6, 41)]
    assert errors[0].help == "did you mean `ects`?"
