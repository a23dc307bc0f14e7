"""What a newcomer found on 2026-11-30 in the rule author's messages (README only, editing the shipped rules)."""

from __future__ import annotations

import shutil
from pathlib import Path

from stackrules.engine import load_with_diagnostics

from .conftest import AS_OF, ROOT


def test_a_pool_shortfall_is_said_as_a_decimal_not_a_fraction(tmp_path: Path) -> None:
    # "what its filter matches adds up to 956/5 exu-cp" after a pool of the example degree was raised past its catalogue
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    bit = rules / "example-university" / "bit-2025.yaml"
    text = bit.read_text(encoding="utf-8")
    pool = "{id: computing, title: Computing electives, credits: 24,"
    assert pool in text
    bit.write_text(text.replace(pool, pool.replace("credits: 24", "credits: 2400")), encoding="utf-8")
    _, diags = load_with_diagnostics(rules, ROOT / "frameworks", cache=None)
    said = [d.message for d in diags if d.code == "SR4001" and d.file.endswith("bit-2025.yaml")]
    assert len(said) == 1, said
    head = "no credentials in the rule base add up to the 2400 exu-cp this pool needs: what its filter matches adds up to "
    assert said[0].startswith(head) and "/" not in said[0], said
    assert "." in said[0][len(head) :], said  # community-college hours converted: a decimal


def test_one_file_of_a_rule_base_checked_alone_is_told_to_check_it_with_the_rest() -> None:
    _, diags = load_with_diagnostics(ROOT / "rules" / "example-university" / "bit-2025.yaml", cache=None)
    hit = [d for d in diags if d.code == "SR3002"]
    assert hit and hit[0].help == "add a catalog for it, or check this file together with the rest of its rule base (the folder that holds its catalog)"


def test_an_equivalent_is_said_without_a_which_that_reads_as_the_node() -> None:
    # "counts as tp-ict:ICTICT451 in core, which supersedes it": "which" read as `core`
    import stackrules

    engine = stackrules.load()
    mei = stackrules.load_learner(ROOT / "examples/real/ict40120-mei.yaml")
    text = engine.audit(mei, "tp-ict:ICT40120", AS_OF).text()
    assert "tp-ict:ICTICT418 counts as tp-ict:ICTICT451 in core (tp-ict:ICTICT451 superseding it)" in text, text


def test_a_choice_s_credit_is_said_to_be_across_its_choices() -> None:
    # "major: One major (not met, 24 exu-cp)" added data's 18 and security's 6: a major's worth, read as one done
    import stackrules

    chen = stackrules.load_learner(ROOT / "examples/learners/chen.yaml")
    text = stackrules.load().audit(chen, "exu:BIT", AS_OF).text()
    # (since progress counts only on the completion's path, Chen's data units fill pools, not the major not taken:
    # the credit of `major` is the security major's alone, and said without "across its choices")
    assert "  [ ] major: One major (not met, 18 exu-cp) [" in text, text
    assert "    [ ] security: Cyber Security major (not met, 18 exu-cp) [" in text, text
    assert "across its choices" not in text
