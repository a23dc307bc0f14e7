"""Found by a newcomer with the shipped examples (2026-11-30)."""

from __future__ import annotations

from pathlib import Path

import stackrules

from .conftest import AS_OF, ROOT


def test_a_total_reached_with_a_requirement_unmet_says_so(tmp_path: Path) -> None:
    """Amira's 2024 what-if said "144 of 144 exu-cp counted; 6 exu-cp remaining (the study still needed passes the need
    by 6 exu-cp: units come whole)": the total is reached, and a requirement still needs study, which lands past it.
    (Her what-if no longer reaches it with usable credit: her security units, in the major not taken, now count in
    the free electives past their need. Here a limit is what still needs study.)"""
    (tmp_path / "cat.yaml").write_text(
        "kind: catalog\nprovider: {id: tr, name: TR}\ncredit_system: {id: tr-cp, full_time_year: 48}\ncredentials:\n"
        + "".join(f'  - {{id: "tr:L1{k}", title: L1{k}, credits: 6, level: 1}}\n' for k in range(4))
        + '  - {id: "tr:L30", title: L30, credits: 6, level: 3}\n',
        encoding="utf-8",
    )
    (tmp_path / "q.yaml").write_text(
        'kind: qualification\nid: "tr:Q"\ntitle: Q\nprovider: tr\ncredits: 24\nrequires:\n  all:\n    - {id: any-study, credits: 24}\n'
        "limits:\n  - {id: upper, min_credits: 6, where: {level: 3}}\n",
        encoding="utf-8",
    )
    engine = stackrules.load(tmp_path)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": f"tr:L1{k}"} for k in range(4)]})
    line = engine.audit(learner, "tr:Q", AS_OF).text().splitlines()[1]
    assert line == (
        "Status: NOT MET. 24 of 24 tr-cp counted; 6 tr-cp remaining (the credit total is reached, but requirements still need "
        "this study, listed under Still needed, which takes the total to 30 tr-cp)."
    ), line


def test_a_holding_not_assessed_names_the_nearest_rule_as_not_applying(engine: stackrules.Engine) -> None:
    """Priya's statement listed BSB50120 under "Not assessed: no credit rule covers it", then named the rule that
    considered it: an officer could not tell a referral from a refusal."""
    priya = stackrules.load_learner(ROOT / "examples/learners/priya.yaml")
    text = engine.assess(priya, "exu:BIT", AS_OF).text()
    block = text.split("Not assessed: no credit rule applies to it (refer to a credit officer)\n", 1)[1].split("\n\n", 1)[0]
    assert block.startswith(
        "  tafe-nsw:BSB50120 Diploma of Business: the nearest rule does not apply, since `aqf-diploma-3y-bachelor` takes study like it only"
    ), block


def test_graph_labels_name_a_requirement_tree_and_a_bare_group_by_their_qualification(engine: stackrules.Engine) -> None:
    """`graph --focus exu:GCDS --depth 1 --format mermaid` labelled MDS's group that nests GCDS only "all", and GCDS's
    requirement tree with GCDS's own title, the label of the qualification beside it."""
    from stackrules.compile.graph import neighbourhood, to_mermaid

    g = engine.graph(AS_OF)
    text = to_mermaid(neighbourhood(g, "qualification:exu:GCDS", 1))
    labels = [line.split('["', 1)[1].rstrip('"]') for line in text.splitlines() if '["' in line]
    assert "requirements of exu:GCDS" in labels and "all within exu:MDS#gradcert" in labels, labels
    assert "all" not in labels and labels.count("Graduate Certificate in Data Science") == 1, labels


def test_a_time_limit_that_is_no_number_is_said_so(engine: stackrules.Engine) -> None:
    """`--time-limit nan` was refused as "must be above zero", and `inf` was taken as no limit at all (an adversary,
    2026-11-30)."""
    import math

    import pytest

    from stackrules.errors import RequestError

    eva = stackrules.load_learner(ROOT / "examples/learners/eva.yaml")
    for value in (math.nan, math.inf):
        with pytest.raises(RequestError) as caught:
            engine.audit(eva, "exu:GCDS", AS_OF, time_limit=value)
        assert f"the time limit must be a number of seconds, not {value}" in str(caught.value.diagnostic().message)


def test_an_exemption_of_a_node_outside_the_rules_targets_is_warned_about(tmp_path: Path) -> None:
    """A rule `into: t:Q2` exempting `t:GC#g`, a node of a qualification Q2 does not nest, passed `check` clean and
    never exempted anything (an adversary, 2026-11-30)."""
    from stackrules.engine import load_with_diagnostics

    for name, body in (
        ("GC", "requires: {all: [{id: g, credits: 12, where: {tags: a}}]}"),
        ("Q2", 'requires: {all: [{id: base, all: ["t:A1"]}]}'),
        ("Q3", 'requires: {all: [{id: inner, qualification: "t:GC"}]}'),
    ):
        (tmp_path / f"{name}.yaml").write_text(f'kind: qualification\nid: "t:{name}"\ntitle: {name}\nprovider: t\n{body}\n', encoding="utf-8")
    rule = 'kind: credit_rule\nid: r-ex\ntype: rpl\ntitle: x\nbasis: {reference: rpl}\ninto: "{into}"\nfrom: "u:CS1"\ngrant: [{exempt: "t:GC#g"}]\n'
    (tmp_path / "r.yaml").write_text(rule.replace("{into}", "t:Q2"), encoding="utf-8")
    _, diags = load_with_diagnostics(ROOT / "tests/cases/_base", tmp_path, cache=None)
    hit = [d for d in diags if d.code == "SR4002"]
    assert len(hit) == 1 and "`t:GC#g` is a node of `t:GC`, which this rule's `into: t:Q2` neither is nor nests" in hit[0].message, diags
    # into a qualification that nests t:GC: no warning
    (tmp_path / "r.yaml").write_text(rule.replace("{into}", "t:Q3"), encoding="utf-8")
    _, diags = load_with_diagnostics(ROOT / "tests/cases/_base", tmp_path, cache=None)
    assert not [d for d in diags if d.code == "SR4002"], diags


def test_explore_says_what_a_target_with_no_study_to_add_waits_for(tmp_path: Path) -> None:
    """A learner whose only gap is a sign-off read "0 gbu-cp to go: ;" in explore (a rule author, 2026-11-30)."""
    import datetime as dt

    (tmp_path / "q.yaml").write_text(
        'kind: qualification\nid: "t:Q"\ntitle: Q\nprovider: t\n'
        'requires: {all: [{id: core, all: ["t:A1"]}, {id: audition, approval: "department audition"}]}\n',
        encoding="utf-8",
    )
    engine = stackrules.load(ROOT / "tests/cases/_base", tmp_path)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "t:A1"}]})
    row = next(r for r in engine.explore(learner, dt.date(2026, 6, 30), plans=False).to_json()["qualifications"] if r["target"] == "t:Q")
    assert row["why"].startswith("no study to add, but not complete: audition: waiting for approval: department audition"), row


def test_a_commencement_before_every_version_names_the_learner_s_date(tmp_path: Path) -> None:
    """ "no version of `gbu:BBUS` is in force on 2023-02-27" did not say the date was the learner's commencement, nor
    what to do (a rule author, 2026-11-30)."""
    import datetime as dt

    import pytest

    from stackrules.errors import RequestError

    (tmp_path / "q.yaml").write_text(
        'kind: qualification\nid: "t:Q"\ntitle: Q\nprovider: t\neffective: {from: 2025-01-01}\nrequires: {all: ["t:A1"]}\n', encoding="utf-8"
    )
    engine = stackrules.load(ROOT / "tests/cases/_base", tmp_path)
    learner = stackrules.load_learner({"id": "L", "enrolments": [{"qualification": "t:Q", "commenced": "2023-02-27"}]})
    with pytest.raises(RequestError) as caught:
        engine.audit(learner, "t:Q", dt.date(2026, 6, 30))
    d = caught.value.diagnostic()
    assert d.message == "no version of `t:Q` is in force on 2023-02-27, the day the learner commenced it (their enrolment's `commenced`)"
    assert d.help is not None and "--catalog-year" in d.help
    assert engine.audit(learner, "t:Q", dt.date(2026, 6, 30), catalog_year=2025).status == "not_met"


def test_an_exception_naming_a_bare_node_id_is_told_the_qualification_form(tmp_path: Path) -> None:
    """`node: "capstone-signoff"` read "unknown qualification `capstone-signoff`" with the help "define it in a catalog,
    or correct the id as suggested" and no suggestion (a rule author, 2026-11-30)."""
    import pytest

    path = tmp_path / "l.yaml"
    path.write_text("kind: learner\nid: L\nexceptions:\n  - {type: waive, node: core, reason: r, approved_by: a, date: 2025-01-01}\n", encoding="utf-8")
    (tmp_path / "q.yaml").write_text('kind: qualification\nid: "t:Q"\ntitle: Q\nprovider: t\nrequires: {all: [{id: core, all: ["t:A1"]}]}\n', encoding="utf-8")
    engine = stackrules.load(ROOT / "tests/cases/_base", tmp_path / "q.yaml")
    with pytest.raises(stackrules.LearnerError) as caught:
        engine.audit(stackrules.load_learner(path), "t:Q", AS_OF)
    d = caught.value.diagnostics[0]
    assert (d.code, d.line, d.message) == ("SR3001", 4, "`core` names no qualification: a node is written `QUALIFICATION#node`"), d
    assert d.help == "did you mean `t:Q#core`?"


def test_a_stray_offering_period_is_warned_about(tmp_path: Path) -> None:
    """`offered: [Sem1, S2]` on one unit beside everyone's S1, or `[2026-S1]` in a catalogue without a calendar, passed
    `check` clean and made every plan a term or two longer (a rule author, 2026-11-30)."""
    from stackrules.engine import load_with_diagnostics

    units = "\n".join(f'  - {{id: "w:U{i}", title: U{i}, credits: 6, offered: [S1, S2]}}' for i in range(4))
    for stray, said in (("Sem1", "`Sem1` is offered by 1 credential of this catalogue, and `S1` by 4"), ("2026-S1", "`2026-S1` looks like a dated term")):
        (tmp_path / "w.yaml").write_text(
            f"kind: catalog\nprovider: {{id: w, name: W}}\ncredit_system: {{id: w-cp, full_time_year: 48}}\ncredentials:\n{units}\n"
            f'  - {{id: "w:X", title: X, credits: 6, offered: [{stray}]}}\n',
            encoding="utf-8",
        )
        _, diags = load_with_diagnostics(tmp_path / "w.yaml", cache=None)
        hit = [d for d in diags if d.code == "SR4006"]
        assert len(hit) == 1 and hit[0].message.startswith(said) and hit[0].line == 9, [(d.code, d.line, d.message) for d in diags]


def test_study_past_a_pools_need_for_a_limit_is_not_said_to_be_units_coming_whole(tmp_path: Path) -> None:
    """A minimum limit inside a pool made the headline say "passes the need by 24: units come whole", though every
    unit was 6 cp and the limit was the cause (a rule author, 2026-11-30)."""
    import datetime as dt

    (tmp_path / "q.yaml").write_text(
        'kind: qualification\nid: "t:Q"\ntitle: Q\nprovider: t\ncredits: 18\nrequires:\n  all:\n    - {id: core, all: ["t:A1"]}\n'
        "    - {id: electives, credits: 12, where: {tags: b}, limits: [{id: upper, min_credits: 12, where: {level: 3}}]}\n",
        encoding="utf-8",
    )
    engine = stackrules.load(ROOT / "tests/cases/_base", tmp_path)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "t:B1"}, {"credential": "t:B2"}]})
    line = engine.audit(learner, "t:Q", dt.date(2026, 6, 30)).text().splitlines()[1]
    assert line == (
        "Status: NOT MET. 12 of 18 t-cp counted; 18 t-cp remaining (the study still needed passes the need by 12 t-cp: "
        "a limit asks for study past what a requirement needs, as Still needed says)."
    ), line


def test_a_duplicate_node_id_says_where_the_first_one_is() -> None:
    """The duplicate node-id error did not say where the first one was, though duplicate credentials do (a rule author,
    2026-11-30)."""
    from stackrules.engine import load_with_diagnostics

    cases = ROOT / "tests/diagnostics"
    _, diags = load_with_diagnostics(cases / "base", cases / "cases" / "SR3006-duplicate-node-id.yaml", cache=None)
    assert [d.message for d in diags if d.code == "SR3006"] == ["node id `a` is used twice in `acme:Q` (first at 7:23)"]


def test_one_mistake_in_a_file_the_reader_refuses_is_one_error(tmp_path: Path) -> None:
    """A tab in a catalogue gave five errors ("provider `gbu` has no catalog" in every file of that provider, "unknown
    qualification" in the rules into it), and a qualification left out for an unknown credit system gave "unknown
    qualification" in every rule into it (a rule author, 2026-11-30)."""
    from stackrules.engine import load_with_diagnostics

    (tmp_path / "cat.yaml").write_text(
        'kind: catalog\nprovider: {id: w, name: W}\ncredit_system: {id: w-cp, full_time_year: 48}\ncredentials:\n\t- {id: "w:U1", title: U1, credits: 6}\n',
        encoding="utf-8",
    )
    (tmp_path / "q.yaml").write_text('kind: qualification\nid: "w:Q"\ntitle: Q\nprovider: w\nrequires: {all: ["w:U1"]}\n', encoding="utf-8")
    (tmp_path / "r.yaml").write_text(
        'kind: credit_rule\nid: r1\ntype: rpl\ntitle: R\nbasis: {reference: x}\ninto: "w:Q"\nfrom: "t:A1"\ngrant: ["w:U1"]\n', encoding="utf-8"
    )
    _, diags = load_with_diagnostics(ROOT / "tests/cases/_base", tmp_path, cache=None)
    assert [(d.code, d.file.rsplit("/", 1)[-1]) for d in diags if d.severity == "error"] == [("SR1004", "cat.yaml")], diags
    (tmp_path / "cat.yaml").write_text(
        'kind: catalog\nprovider: {id: w, name: W}\ncredit_system: {id: w-cp, full_time_year: 48}\ncredentials:\n  - {id: "w:U1", title: U1, credits: 6}\n',
        encoding="utf-8",
    )
    (tmp_path / "q.yaml").write_text('kind: qualification\nid: "w:Q"\ntitle: Q\nprovider: w\ncredits: "144 cp"\nrequires: {all: ["w:U1"]}\n', encoding="utf-8")
    _, diags = load_with_diagnostics(ROOT / "tests/cases/_base", tmp_path, cache=None)
    assert [(d.code, d.file.rsplit("/", 1)[-1]) for d in diags if d.severity == "error"] == [("SR3004", "q.yaml")], diags


def test_a_period_named_twice_by_one_credential_counts_once(tmp_path: Path) -> None:
    """SR4006 counted `offered: [S1, S1, S1]` as three credentials offering S1 (an adversary, 2026-11-30)."""
    from stackrules.engine import load_with_diagnostics

    (tmp_path / "w.yaml").write_text(
        "kind: catalog\nprovider: {id: w, name: W}\ncredit_system: {id: w-cp, full_time_year: 48}\ncredentials:\n"
        '  - {id: "w:U1", title: U1, credits: 6, offered: [S1, S1, S1]}\n  - {id: "w:X", title: X, credits: 6, offered: [Sem1]}\n',
        encoding="utf-8",
    )
    _, diags = load_with_diagnostics(tmp_path / "w.yaml", cache=None)
    assert not [d for d in diags if d.code == "SR4006"], [d.message for d in diags]


def test_requirements_that_ask_for_more_than_the_total_are_said_to(tmp_path: Path) -> None:
    """A total of 12 with a core of t:D1 (12) and a free pool of 6 read "passes the need by 6 t-cp: units come whole"
    (an adversary, 2026-11-30): the requirements ask for 18, more than the total."""
    import datetime as dt

    (tmp_path / "q.yaml").write_text(
        'kind: qualification\nid: "t:Q"\ntitle: Q\nprovider: t\ncredits: 12\nrequires:\n  all:\n    - {id: core, all: ["t:D1"]}\n'
        "    - {id: free, credits: 6}\n",
        encoding="utf-8",
    )
    engine = stackrules.load(ROOT / "tests/cases/_base", tmp_path)
    line = engine.audit(stackrules.load_learner({"id": "L"}), "t:Q", dt.date(2026, 6, 30)).text().splitlines()[1]
    assert line == (
        "Status: NOT MET. 0 of 12 t-cp counted; 18 t-cp remaining (the study still needed passes the need by 6 t-cp: "
        "the requirements together ask for more than the credit total)."
    ), line


def test_a_catalogue_year_with_no_version_is_said_as_the_year_asked_for(engine: stackrules.Engine) -> None:
    """After the commencement message was added, `--catalog-year 2019` read "the day the learner commenced it" and
    advised --catalog-year (a newcomer, 2026-11-30): the day is the year asked for."""
    import pytest

    from stackrules.errors import RequestError

    dana = stackrules.load_learner(ROOT / "examples/learners/dana.yaml")
    with pytest.raises(RequestError) as caught:
        engine.audit(dana, "exu:BIT", AS_OF, catalog_year=2019)
    d = caught.value.diagnostic()
    assert d.message == "no version of `exu:BIT` is in force on 2019-01-01, in the catalogue year 2019 asked for"
    assert d.help == "its versions are in force 2020-01-01 to 2024-12-31, from 2025-01-01 (no end date): ask for a year one of them is in force"


def test_each_member_of_a_merged_group_says_where_its_own_copy_counts(engine: stackrules.Engine) -> None:
    """Noor's terms plan said COMP5020 and DATA5007 each "count towards advanced, exu:GCDS#data-electives": two copies
    of one merged group of interchangeable units, one in each node, said of both (a newcomer, 2026-11-30)."""
    noor = stackrules.load_learner(ROOT / "examples/learners/noor.yaml")
    plan = engine.plan(noor, "exu:MDS", AS_OF, objective="terms", max_load=36).to_json()
    towards = [tuple(s["counts_towards"]) for s in plan["steps"]]
    assert all(len(t) <= 1 for t in towards), towards


def test_a_plan_says_when_it_adds_past_a_requirements_need_for_a_limit(engine: stackrules.Engine) -> None:
    """Priya's cost plan adds 90 exu-cp beside the audit's 84 remaining, and only one step said why (a newcomer,
    2026-11-30): the first line says it too."""
    priya = stackrules.load_learner(ROOT / "examples/learners/priya.yaml")
    line = engine.plan(priya, "exu:BIT", AS_OF, objective="cost").text().splitlines()[2]
    assert "Add 15 credentials, 90 exu-cp (6 exu-cp of it counts past what a requirement needs, for a limit the steps name)" in line, line


def test_fewer_alternatives_than_asked_for_says_why(engine: stackrules.Engine) -> None:
    """`--alternatives 2` for Tom printed no Alternatives section and said nothing (a newcomer, 2026-11-30)."""
    tom = stackrules.load_learner(ROOT / "examples/real/ict40120-tom.yaml")
    d = engine.plan(tom, "tp-ict:ICT40120", AS_OF, alternatives=2)
    note = d.to_json()["fewer_alternatives"]
    assert note.startswith("none of the 2 alternatives asked for: no other plan completes the target but this one with more added"), note
    assert f"Alternatives: {note}." in d.text()
    assert "fewer_alternatives" not in engine.plan(tom, "tp-ict:ICT40120", AS_OF).to_json()


def test_explore_says_when_a_complete_target_rests_on_an_unconfirmed_rule(engine: stackrules.Engine) -> None:
    """Tariq's Certificate IV showed "complete" in explore with no caveat, while its audit says the rule it rests on is
    not confirmed (a newcomer, 2026-11-30)."""
    tariq = stackrules.load_learner(ROOT / "examples/learners/tariq.yaml")
    row = next(r for r in engine.explore(tariq, AS_OF, plans=False).to_json()["qualifications"] if r["target"] == "tp-ict:ICT40120")
    assert row["why"] == "complete, resting on credit rule `rto-mutual-recognition-ict40120` marked not confirmed", row


def test_an_audit_with_badges_ends_as_any_audit_does(engine: stackrules.Engine) -> None:
    """The eva-badges audit had a blank line between the legend and the footer, which no other audit has (a
    newcomer, 2026-11-30)."""
    eva = stackrules.load_learner(ROOT / "examples/learners/eva-badges.yaml")
    lines = engine.audit(eva, "exu:GCDS", AS_OF).text().rstrip("\n").split("\n")
    assert lines[-2].startswith("Marks: ") and lines[-1].startswith("stackrules "), lines[-3:]


def test_a_repeat_after_what_it_unlocks_is_not_called_its_prerequisite(tmp_path: Path) -> None:
    """A repeat of ENS in the term of the LES it would unlock, or later, read "prerequisite of p:LES" (an adversary,
    2026-11-30): a prerequisite is completed in an earlier term."""
    import datetime as dt

    (tmp_path / "p.yaml").write_text(
        "kind: catalog\nprovider: {id: pq, name: P}\ncredit_system: {id: pq-cp, full_time_year: 24}\ncredentials:\n"
        '  - {id: "pq:ENS", title: Ensemble, credits: 1, tags: [ens], repeatable: {max: 4}, offered: [S1, S2]}\n'
        '  - {id: "pq:LES", title: Lesson, credits: 2, tags: [les], repeatable: {max: 3}, offered: [S1], prerequisites: "pq:ENS"}\n',
        encoding="utf-8",
    )
    (tmp_path / "q.yaml").write_text(
        'kind: qualification\nid: "pq:Q"\ntitle: Q\nprovider: pq\nrequires:\n  all:\n'
        "    - {id: ens, credits: 3, where: {tags: ens}, limits: [{id: ens-terms, min_distinct: {count: 3, of: term}}]}\n"
        "    - {id: les, credits: 4, where: {tags: les}}\n",
        encoding="utf-8",
    )
    engine = stackrules.load(tmp_path)
    steps = engine.plan(stackrules.load_learner({"id": "L"}), "pq:Q", dt.date(2026, 6, 1)).to_json()["steps"]
    first_les = min(s["term"] for s in steps if s["credential"] == "pq:LES")
    ens = [(s["term"], "prerequisite of pq:LES" in s["why"]) for s in steps if s["credential"] == "pq:ENS"]
    assert ens and all(said == (term < first_les) for term, said in ens), (first_les, ens)
    assert any(said for _, said in ens)


def test_a_statement_shows_a_holding_counted_as_the_credential_that_supersedes_it(engine: stackrules.Engine) -> None:
    """Mei's statement did not say that ICTICT418 counts as ICTICT451, which supersedes it, though her audit does (a
    newcomer, 2026-11-30)."""
    mei = stackrules.load_learner(ROOT / "examples/real/ict40120-mei.yaml")
    d = engine.assess(mei, "tp-ict:ICT40120", AS_OF)
    assert [(e["holding"], e["as"]) for e in d.to_json()["equivalents"]] == [("tp-ict:ICTICT418", "tp-ict:ICTICT451")]
    assert "  tp-ict:ICTICT418 counts as tp-ict:ICTICT451 in core (tp-ict:ICTICT451 superseding it)" in d.text()
