"""A credit statement made with look-ahead says, in its text, what it counts as passed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import stackrules
from stackrules.render.text import render_text

from .conftest import ROOT


def test_the_statement_text_names_the_study_in_progress_it_rests_on(tmp_path: Path) -> None:
    (tmp_path / "q.yaml").write_text('kind: qualification\nid: "t:Q"\ntitle: Q\nprovider: t\nrequires: {all: ["t:B1"]}\n', encoding="utf-8")
    (tmp_path / "r.yaml").write_text('{kind: credit_rule, id: r, type: rpl, into: "t:Q", from: "e:U1", grant: ["t:B1"]}\n', encoding="utf-8")
    engine = stackrules.load(ROOT / "tests" / "cases" / "_base", tmp_path)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "e:U1", "status": "in_progress"}]})
    text = render_text(engine.assess(learner, "t:Q", dt.date(2026, 6, 30), look_ahead=True).record)
    assert "With look-ahead: this statement counts study in progress or planned as if passed: e:U1." in text
    assert "for: e:U1 U1 (in progress or planned: counted with look-ahead)" in text
