"""What an applied credit rule grants that the decision does not count: named under the rule, with section 16's reason."""

from __future__ import annotations

import stackrules
from stackrules.render.text import render_text

from .conftest import AS_OF, ROOT


def test_tariqs_2024_statement_names_the_grant_the_first_year_cap_leaves_out(engine: stackrules.Engine) -> None:
    # a newcomer's find (2026-11-30): the articulation grants exu:COMP1030 too, which was in no list at all
    tariq = stackrules.load_learner(ROOT / "examples/learners/tariq.yaml")
    statement = engine.assess(tariq, "exu:BIT", AS_OF, catalog_year=2024)
    [rule] = statement.to_json()["granted"]
    assert [(g["as"], g["reason"]) for g in rule["not_used"]] == [("exu:COMP1030", "cap")]
    text = render_text(statement.record)
    assert "the rules also grant 6 exu-cp that the target does not count, in no figure here (why: under each rule below)" in text
    assert (
        "not counted: exu:COMP1030 Computer Systems, 6 exu-cp; cap: limit `first-year-cap` has no room for it once the study still to add"
        " counts (54 counted and 6 to add, of at most 60 exu-cp)"
    ) in text
    audit = render_text(engine.audit(tariq, "exu:BIT", AS_OF, catalog_year=2024).record)
    assert "also grants exu:COMP1030 Computer Systems: 6 exu-cp, not counted (cap): limit `first-year-cap`" in audit
    # and "Study that remains" does not offer that room again to the pools: core's exu:INFO1010 takes it (a newcomer,
    # 2026-11-30: "at most 6 exu-cp more level 1 in all" under computing, electives and the total)
    assert "none of it level 1: limit `first-year-cap` (at most 60 exu-cp level 1) is full once the units named above count" in text
    assert "at most 6 exu-cp more level 1" not in text
    # the figures stay those of what counts: 42 granted, 54 counted, 90 to go
    assert statement.to_json()["credits"]["granted"] == "42" and statement.to_json()["credits"]["remaining"] == "90"
