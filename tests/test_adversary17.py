"""Defects an adversarial run found on 2026-11-30 in section 17's constructs, each as a small rule base or learner."""

from __future__ import annotations

from pathlib import Path

import pytest

import stackrules
from stackrules.engine import load_with_diagnostics
from stackrules.render.text import render_text

from .conftest import AS_OF

CATALOG = """kind: catalog
provider: {id: mm, name: M College, country: US}
credit_system: {id: mm-sch, name: semester hours, full_time_year: 30}
grade_scale: {order: [F, D, C, B, A], pass: D}
credentials:
  - {id: "mm:THY100", title: Theory one, credits: 3}
  - {id: "mm:HIS301", title: History, credits: 3}
  - {id: "mm:CORE1", title: Core, credits: 3}
"""


def _qual(when: str) -> str:
    return f"""kind: qualification
id: "mm:Q"
title: Q
provider: mm
requires:
  all:
    - {{id: core, all: ["mm:CORE1"]}}
    - {{id: hist, when: {when}, all: ["mm:HIS301"]}}
"""


def _load(tmp_path: Path, qual: str, catalog: str = CATALOG) -> tuple[stackrules.Engine | None, list[stackrules.Diagnostic]]:
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "catalog.yaml").write_text(catalog, encoding="utf-8")
    (rules / "q.yaml").write_text(qual, encoding="utf-8")
    return load_with_diagnostics(rules, cache=None)


def _learner(grade: str, awarded: str = "2025-12-01") -> stackrules.Learner:
    return stackrules.load_learner(
        {
            "id": "L",
            "holdings": [{"credential": "mm:CORE1", "grade": "A"}, {"credential": "mm:THY100", "grade": grade, "awarded": awarded}],
        }
    )


@pytest.mark.parametrize(
    ("when", "grade", "awarded", "applies"),
    [
        ('{holds: {credential: "mm:THY100", min_grade: B}}', "D", "2025-12-01", False),
        ('{holds: {credential: "mm:THY100", min_grade: B}}', "A", "2025-12-01", True),
        ('{holds: {credential: "mm:THY100", within_years: 1}}', "A", "2015-01-01", False),
        ('{holds: {credential: "mm:THY100", within_years: 1}}', "A", "2025-12-01", True),
        ('{holds: {credential: "mm:THY100", within_years: 1.5}}', "A", "2015-01-01", False),
        ('{holds: {all: ["mm:THY100"], min_grade: C}}', "D", "2025-12-01", False),
        ("{holds: {credits: 6, min_grade: C}}", "D", "2025-12-01", False),
        ("{holds: {credits: 6, min_grade: C}}", "A", "2025-12-01", True),
    ],
)
def test_a_holds_condition_reads_min_grade_and_within_years(tmp_path: Path, when: str, grade: str, awarded: str, applies: bool) -> None:
    """`when: {holds: {credential: X, min_grade: B}}` held with a D made the node apply (the grade was not read)."""
    engine, diags = _load(tmp_path, _qual(when))
    assert engine is not None, diags
    d = engine.audit(_learner(grade, awarded), "mm:Q", AS_OF)
    hist = next(n for n in d.to_json()["nodes"] if n["id"] == "hist")  # type: ignore[index, union-attr]
    assert (hist["status"] != "not_applicable") is applies, hist
    if not applies:
        text = render_text(d.record)
        assert "or better" in text or "within 1 year" in text or "within 1.5 years" in text, text
        assert "3/2" not in text, text


@pytest.mark.parametrize(
    ("when", "key"),
    [
        ("{holds: {credits: 3, limits: [{id: g, min_credits: 400}]}}", "limits"),
        ("{holds: {ref: nothing}}", "ref"),
        ('{holds: {qualification: "mm:Q"}}', "qualification"),
        ("{holds: {id: x, approval: dean}}", "approval"),
        ('{holds: {all: ["mm:THY100"], when: {fact: {a: b}}}}', "when"),
    ],
)
def test_a_holds_condition_refuses_what_it_would_not_read(tmp_path: Path, when: str, key: str) -> None:
    engine, diags = _load(tmp_path, _qual(when))
    assert engine is None
    hit = [d for d in diags if d.code == "SR2008" and f"`{key}` is not read there" in d.message]
    assert hit, [(d.code, d.message) for d in diags]
    assert hit[0].line == 8 and hit[0].help


def test_a_condition_on_the_root_of_requires_is_refused(tmp_path: Path) -> None:
    """`requires: {when: ..., all: [...]}` made the qualification MET with no study for a learner it did not apply to."""
    qual = """kind: qualification
id: "mm:Q"
title: Q
provider: mm
requires:
  when: {fact: {area: voice}}
  all: ["mm:CORE1"]
"""
    engine, diags = _load(tmp_path, qual)
    assert engine is None
    hit = [d for d in diags if d.code == "SR2008" and "root of `requires`" in d.message]
    assert hit and hit[0].line == 6, [(d.code, d.line, d.message) for d in diags]


HOME = """kind: catalog
provider: {id: hm, name: Home}
credit_system: {id: hm-sch, name: semester hours, full_time_year: 30}
credentials:
  - {id: "hm:X", title: X, credits: 3}
"""
OTHER = """kind: catalog
provider: {id: oth, name: Other College}
credit_system: {id: oth-sch, name: semester hours, full_time_year: 30}
credentials:
  - {id: "oth:ENS", title: Other ensemble, credits: 1, repeatable: {max: 2}}
"""
RULE = """kind: credit_rule
id: r-ens
type: rpl
title: Other ensembles earn home ensemble credit
basis: {reference: test}
into: "hm:Q"
from: "oth:ENS"
grant: [{unspecified: 1, tags: [ens]}]
"""
ENSEMBLES = """kind: qualification
id: "hm:Q"
title: Q
provider: hm
requires:
  all:
    - {id: ens, credits: 6, where: {tags: ens}}
"""


def _ensembles(tmp_path: Path, other: str = OTHER, rule: str = RULE) -> Path:
    """The home college's ensemble degree, the other college's catalogue and the credit rule between them."""
    rules = tmp_path / "rules"
    rules.mkdir()
    for name, text in (("home.yaml", HOME), ("oth.yaml", other), ("r.yaml", rule), ("q.yaml", ENSEMBLES)):
        (rules / name).write_text(text, encoding="utf-8")
    return rules


def test_a_repeatable_credential_feeds_credit_rules_no_more_often_than_its_bound(tmp_path: Path) -> None:
    """Five holdings of a credential repeatable twice earned five grants through a credit rule (the bound was read
    for claims only); now two, the rest refused as the source used, and the statement counts one rule."""
    rules = _ensembles(tmp_path, other=OTHER, rule=RULE)
    engine = stackrules.load(rules, cache=None)
    days = ["2024-03-01", "2024-09-01", "2025-03-01", "2025-09-01", "2025-10-01"]
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "oth:ENS", "awarded": d} for d in days]})
    d = engine.audit(learner, "hm:Q", AS_OF).to_json()
    assert d["credits"]["counted"] == "2" and len(d["credit"]) == 2, d["credit"]  # type: ignore[index, arg-type]
    refused = d["refused"]
    assert len(refused) == 1 and refused[0]["reason"] == "source_used" and len(refused[0]["sources"]) == 3, refused  # type: ignore[index, arg-type]
    assert "counts at most 2 times" in refused[0]["detail"]  # type: ignore[index]
    statement = render_text(engine.assess(learner, "hm:Q", AS_OF).record)
    assert "by 1 rule applied 2 times." in statement, statement


def test_a_granted_record_with_credit_is_refused_where_it_is_written(tmp_path: Path) -> None:
    """`grant: [{unspecified: 3, type: record}]` loaded, and two records then counted 6 credits."""
    rule = RULE.replace("grant: [{unspecified: 1, tags: [ens]}]", "grant:\n  - {unspecified: 3, type: record, tags: [ens]}")
    rules = _ensembles(tmp_path, other=OTHER, rule=rule)
    engine, diags = load_with_diagnostics(rules, cache=None)
    assert engine is None
    hit = [d for d in diags if d.code == "SR2004" and "a record carries no credit" in d.message]
    assert hit and hit[0].file == "r.yaml" and hit[0].line == 9, [(d.code, d.file, d.line, d.message) for d in diags]
    # the list is not empty as written: no second error says it is ("Tuple should have at least 1 item")
    assert len(diags) == 1, [d.message for d in diags]
    (rules / "r.yaml").write_text(RULE.replace("grant: [{unspecified: 1, tags: [ens]}]", "grant: []"), encoding="utf-8")
    _, diags = load_with_diagnostics(rules, cache=None)
    assert [d.code for d in diags] == ["SR2004"] and "at least 1 item" in diags[0].message


def test_a_repeat_bound_in_an_unknown_credit_system_is_refused(tmp_path: Path) -> None:
    """`repeatable: {max_credits: "3 foo"}` loaded, and the credential silently counted once."""
    other = OTHER.replace("repeatable: {max: 2}", 'repeatable: {max_credits: "3 foo"}')
    rules = _ensembles(tmp_path, other=other, rule=RULE)
    engine, diags = load_with_diagnostics(rules, cache=None)
    assert engine is None
    hit = [d for d in diags if d.code == "SR3004"]
    assert [(d.file, d.line) for d in hit] == [("oth.yaml", 5)], [d.message for d in diags]
    assert "unknown credit system `foo`" in hit[0].message


def test_a_holding_s_term_must_be_on_its_provider_s_calendar(tmp_path: Path, engine: stackrules.Engine) -> None:
    """Four ensembles awarded on one day with `term: A/B/C/D` met "4 distinct semesters" of the music degree."""
    holdings = "".join(f'  - {{credential: "evu:MORG101", awarded: 2026-05-01, term: {t}}}\n' for t in "ABCD")
    path = tmp_path / "l.yaml"
    path.write_text(f"kind: learner\nid: L\nfacts: {{primary_area: piano}}\nholdings:\n{holdings}", encoding="utf-8")
    with pytest.raises(stackrules.LearnerError) as caught:
        engine.audit(stackrules.load_learner(path), "evu:BM-PERF", AS_OF)
    diags = caught.value.diagnostics
    assert [(d.code, d.line) for d in diags] == [("SR2004", 5 + k) for k in range(4)], [d.message for d in diags]
    assert "is not a term of the calendar of `evu`" in diags[0].message and "2026-SP" in diags[0].help


def test_a_plan_calendar_of_dated_terms_is_refused(engine: stackrules.Engine) -> None:
    """`plan --terms 2024-FA,2025-SP` put Ben's missing ensemble into 2024-FA, a term where he already had one, and the
    plan's "4 distinct semesters" were not his; `--terms 2025-FA` named every plan term 2025-FA."""
    from stackrules.errors import RequestError

    from .conftest import ROOT

    ben = stackrules.load_learner(ROOT / "examples/real/bm-performance-ben.yaml")
    for terms in (("2024-FA", "2025-SP"), ("2025-FA",)):
        with pytest.raises(RequestError) as caught:
            engine.plan(ben, "evu:BM-PERF", AS_OF, terms=terms)
        assert caught.value.code == "SR5002" and "dated term of the calendar of `evu`" in str(caught.value)
    assert engine.plan(ben, "evu:BM-PERF", AS_OF).to_json()["status"] == "planned"


def test_towards_follows_supersedes_and_equivalence_into_the_leaves_that_name_the_other(engine: stackrules.Engine) -> None:
    """`towards tp-ict:ICTICT418` said it counts towards nothing, while Mei's audit counts it in the core as the
    ICTICT451 that supersedes it."""
    rows = engine.counts_towards("tp-ict:ICTICT418", AS_OF).to_json()["counts_towards"]
    assert any(r["node"] == "tp-ict:ICT40120#core" and r["how"] == "direct" for r in rows), rows  # type: ignore[index, union-attr]


@pytest.mark.parametrize(
    ("facts", "said"),
    [
        ('{"": x}', "a fact's name is printable text"),
        ("{a: []}", "`a` lists no value"),
        ("{y: 3.5}", "a fact's number is a whole number"),
        ("{y: [3, 3.5]}", "`y: 3.5`: a fact's number is a whole number"),
    ],
)
def test_a_fact_no_filter_could_read_is_refused_where_it_is_written(tmp_path: Path, facts: str, said: str) -> None:
    path = tmp_path / "l.yaml"
    path.write_text(f"kind: learner\nid: L\nfacts: {facts}\n", encoding="utf-8")
    with pytest.raises(stackrules.LearnerError) as caught:
        stackrules.load_learner(path)
    diags = caught.value.diagnostics
    assert [(d.code, d.line) for d in diags] == [("SR2004", 3)] and said in diags[0].message, [d.message for d in diags]


def test_a_condition_on_a_fact_with_no_value_is_refused(tmp_path: Path) -> None:
    """`when: {fact: {honours_aim: []}}` loaded, and its `why` read "applies only when honours_aim is "."""
    engine, diags = _load(tmp_path, _qual("{fact: {aim: []}}"))
    assert engine is None and any(d.code == "SR2004" and "`aim` lists no value" in d.message for d in diags), [d.message for d in diags]


def test_a_distinct_terms_limit_without_a_calendar_is_warned_about(tmp_path: Path) -> None:
    qual = _qual("{fact: {a: b}}").replace(
        '    - {id: core, all: ["mm:CORE1"]}', "    - {id: core, count: 1, limits: [{id: terms, min_distinct: {count: 2, of: term}}]}"
    )
    engine, diags = _load(tmp_path, qual)
    hit = [d for d in diags if d.code == "SR4004"]
    assert engine is not None and len(hit) == 1 and hit[0].severity == "warning" and hit[0].line == 7, [(d.code, d.message) for d in diags]
    assert "only holdings that state their `term` add one" in hit[0].message


@pytest.mark.parametrize("extra", ["limits: [{id: l, max_count: 1}]", "shares_with: [core]", "min_grade: B"])
def test_an_approval_node_refuses_what_it_would_not_read(tmp_path: Path, extra: str) -> None:
    qual = _qual("{fact: {a: b}}").replace('    - {id: hist, when: {fact: {a: b}}, all: ["mm:HIS301"]}', f"    - {{id: audition, approval: dean, {extra}}}")
    engine, diags = _load(tmp_path, qual)
    assert engine is None and any(d.code == "SR2008" and "an `approval` node claims nothing" in d.message for d in diags), [d.message for d in diags]


def test_a_credential_equivalent_to_itself_is_refused(tmp_path: Path) -> None:
    catalog = CATALOG.replace('credits: 3}\n  - {id: "mm:HIS301"', 'credits: 3, equivalent: ["mm:THY100"]}\n  - {id: "mm:HIS301"', 1)
    engine, diags = _load(tmp_path, _qual("{fact: {a: b}}"), catalog)
    assert engine is None and [(d.code, d.line) for d in diags] == [("SR2004", 6)], [d.message for d in diags]


def test_an_empty_text_is_said_in_words(tmp_path: Path) -> None:
    """`approval: ""` gave pydantic's "String should have at least 1 character"."""
    engine, diags = _load(tmp_path, _qual("{fact: {a: b}}").replace('all: ["mm:HIS301"]}', 'approval: ""}'))
    assert engine is None and [(d.code, d.message, d.help) for d in diags] == [("SR2004", "the text is empty", "write the text here")], diags


def test_a_distinct_terms_count_the_repeat_bounds_cannot_reach_is_warned_about(tmp_path: Path) -> None:
    """`min_distinct: {count: 20, of: term}` over credentials that may count 16 times in all loaded without SR4001,
    and the audit then said the node "could be completed on its own from the catalogue"."""
    rules = tmp_path / "rules"
    rules.mkdir()
    catalog = HOME.replace(
        'credentials:\n  - {id: "hm:X", title: X, credits: 3}',
        'credentials:\n  - {id: "hm:ENS", title: Ensemble, credits: 1, tags: [ens], repeatable: {max: 16}}',
    )
    qual = ENSEMBLES.replace(
        "{id: ens, credits: 6, where: {tags: ens}}", "{id: ens, credits: 6, where: {tags: ens}, limits: [{id: t, min_distinct: {count: 20, of: term}}]}"
    )
    (rules / "home.yaml").write_text(catalog, encoding="utf-8")
    (rules / "q.yaml").write_text(qual, encoding="utf-8")
    engine, diags = load_with_diagnostics(rules, cache=None)
    hit = [d for d in diags if d.code == "SR4001"]
    assert engine is not None and len(hit) == 1 and hit[0].line == 7 and "at most 16 credentials" in hit[0].message, [d.message for d in diags]


def test_a_share_of_a_total_the_target_does_not_have_is_warned_about(tmp_path: Path) -> None:
    rule = RULE.replace("grant: [{unspecified: 1, tags: [ens]}]", 'grant: [{unspecified: {share: "1/3"}, tags: [ens]}]')
    rules = _ensembles(tmp_path, other=OTHER, rule=rule)
    engine, diags = load_with_diagnostics(rules, cache=None)
    hit = [d for d in diags if d.code == "SR4002"]
    assert engine is not None and len(hit) == 1 and hit[0].file == "r.yaml" and "which has none" in hit[0].message, [d.message for d in diags]


def test_towards_counts_a_pool_that_a_holding_of_the_credential_may_pass(engine: stackrules.Engine) -> None:
    """`towards nus:CS5206` left out the focus area Kumar's audit counts it in: its filter asks for CS5206 awarded before
    2011-08-01, which a credential (no date) never is, but a holding of it may be."""
    rows = engine.counts_towards("nus:CS5206", AS_OF).to_json()["counts_towards"]
    assert {r["node"] for r in rows} >= {"nus:BCOMP-CS#algorithms-theory", "nus:BCOMP-CS#breadth-depth"}, rows  # type: ignore[index, union-attr]
    text = engine.counts_towards("nus:CS5206", AS_OF).text()
    assert "(Focus area: Algorithms and Theory): directly (a holding whose date, grade or term passes its filter)" in text, text
    assert "or above)): directly\n" in text, text  # breadth-depth takes any CS module: no condition said


def test_a_may_match_reads_a_not_as_excluding_only_what_surely_matches(engine: stackrules.Engine) -> None:
    import datetime as dt

    from stackrules.language.models import parse_filter
    from stackrules.rulebase.filters import Attrs, Matcher

    rb = engine.rules
    day = {"awarded": {"lt": dt.date(2011, 8, 1)}}
    a = Attrs("nus:CS5206", "nus", "unit", 4)  # a credential: no date
    for f, plain, maybe in (
        (parse_filter(day), False, True),  # may be awarded before the day
        (parse_filter({"not": day}), True, True),  # a not on an unknown date excludes nothing surely
        (parse_filter({"not": {"not": day}}), False, True),
        (parse_filter({"id": "nus:CS1010", **day}), False, False),  # another credential: surely not
    ):
        assert Matcher(rb).match(f, a) is plain and Matcher(rb, (), "maybe").match(f, a) is maybe, f


def test_a_dated_holding_s_term_is_the_term_its_date_falls_in(tmp_path: Path, engine: stackrules.Engine) -> None:
    """A reviewer's attack on the first fix: four ensembles awarded on one day, named after four real earlier terms."""
    holdings = "".join(f'  - {{credential: "evu:MORG101", awarded: 2026-04-01, term: {t}}}\n' for t in ("2024-FA", "2025-SP", "2025-FA", "2026-SP"))
    path = tmp_path / "l.yaml"
    path.write_text(f"kind: learner\nid: L\nfacts: {{primary_area: piano}}\nholdings:\n{holdings}", encoding="utf-8")
    with pytest.raises(stackrules.LearnerError) as caught:
        engine.audit(stackrules.load_learner(path), "evu:BM-PERF", AS_OF)
    diags = caught.value.diagnostics
    assert [(d.code, d.line) for d in diags] == [("SR2004", 5), ("SR2004", 6), ("SR2004", 7)], [d.message for d in diags]
    assert "falls in, `2026-SP`" in diags[0].message and "leave `term` out" in diags[0].help


def test_a_condition_on_the_root_reached_through_a_ref_is_refused(tmp_path: Path) -> None:
    qual = 'kind: qualification\nid: "mm:Q"\ntitle: Q\nprovider: mm\ndefine:\n  blk: {when: {fact: {area: voice}}, all: ["mm:CORE1"]}\nrequires: {ref: blk}\n'
    engine, diags = _load(tmp_path, qual)
    assert engine is None and any(d.code == "SR2008" and "`ref: blk`, whose block has `when`" in d.message for d in diags), [d.message for d in diags]


def test_no_calendar_warning_when_a_home_catalogue_has_the_calendar(tmp_path: Path) -> None:
    """SR4004 said only stated terms count, while units of the national catalogue take their terms from its calendar."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "nat.yaml").write_text(
        "kind: catalog\nprovider: {id: nat, name: Nat}\nnational: true\ncredit_system: {id: uc, full_time_year: 20}\n"
        "terms:\n  - {id: T1, from: 2024-01-01, until: 2024-06-30}\n  - {id: T2, from: 2024-07-01, until: 2024-12-31}\n"
        'credentials:\n  - {id: "nat:U1", title: U, credits: 1, repeatable: {max: 4}}\n',
        encoding="utf-8",
    )
    (rules / "rto.yaml").write_text(
        "kind: catalog\nprovider: {id: rto, name: R}\ncredit_system: {id: uc, full_time_year: 20}\ncredentials: []\n", encoding="utf-8"
    )
    (rules / "q.yaml").write_text(
        'kind: qualification\nid: "rto:Q"\ntitle: Q\nprovider: rto\nhome_catalogs: [nat]\n'
        "requires:\n  all:\n    - {id: u, count: 2, limits: [{id: t, min_distinct: {count: 2, of: term}}]}\n",
        encoding="utf-8",
    )
    engine, diags = load_with_diagnostics(rules, cache=None)
    assert engine is not None and not [d for d in diags if d.code == "SR4004"], [d.message for d in diags]


def test_an_offering_named_after_a_dated_term_is_refused(tmp_path: Path) -> None:
    """A reviewer's case: `offered: [2026-S1]` over a dated calendar gave a plan "term 1 (2026-S1) ... term 2 (2026-S1)"."""
    catalog = CATALOG.replace("credentials:", "terms:\n  - {id: 2026-S1, from: 2026-01-05, until: 2026-06-30}\ncredentials:").replace(
        '{id: "mm:HIS301", title: History, credits: 3}', '{id: "mm:HIS301", title: History, credits: 3, offered: [2026-S1]}'
    )
    engine, diags = _load(tmp_path, _qual("{fact: {a: b}}"), catalog)
    assert engine is None and [(d.code, d.line) for d in diags] == [("SR2004", 9)], [(d.line, d.message) for d in diags]
    assert "is a dated term of the calendar of `mm`" in diags[0].message


def test_a_whole_number_written_with_a_point_is_a_whole_number() -> None:
    learner = stackrules.load_learner({"id": "L", "facts": {"year": 3.0, "years": [2, 3.0], "majors": ["a", "b"]}})
    assert learner.doc.facts == {"year": 3, "years": (2, 3), "majors": ("a", "b")}, learner.doc.facts


def test_a_pool_shortfall_is_said_in_the_pool_s_unit(tmp_path: Path) -> None:
    """ "no credentials ... add up to the 6 credit this pool needs" named no unit; "only 0 credentials match" read oddly."""
    rules = _ensembles(tmp_path, other=OTHER.replace("repeatable: {max: 2}", "repeatable: {max: 1}"), rule=RULE.replace("tags: [ens]", "tags: [other]"))
    (rules / "q.yaml").write_text(ENSEMBLES + "    - {id: few, count: 2, where: {tags: nothing}}\n", encoding="utf-8")
    _, diags = load_with_diagnostics(rules, cache=None)
    said = [d.message for d in diags if d.code == "SR4001"]
    assert "no credentials in the rule base add up to the 6 hm-sch this pool needs: what its filter matches adds up to 0 hm-sch" in said, said
    assert "no credential in the rule base matches this pool, which needs 2" in said, said


def test_an_approver_s_refusal_names_the_types_they_may_approve(tmp_path: Path) -> None:
    from .test_newcomer17 import _sign_off_base

    engine = _sign_off_base(tmp_path, "  - {id: clerk, name: Clerk, may: [waive]}\n")
    learner = stackrules.load_learner(
        {"id": "L", "exceptions": [{"type": "approve", "node": "mus:BM#audition", "reason": "x", "approved_by": "clerk", "date": "2026-01-01"}]}
    )
    refused = engine.audit(learner, "mus:BM", AS_OF).to_json()["exceptions_refused"]
    assert refused[0]["detail"] == "`clerk` (Clerk) may approve exceptions of type waive, not approve", refused  # type: ignore[index]


def test_the_checker_refuses_feeds_past_a_repeat_bound_the_model_did_not_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker's own count of feeds: with the model's repeat row loosened (the model reads a bound of 99, the
    checker the rule base's 2), the model grants five and the checker refuses the decision."""
    import types

    from stackrules.decide import model, semantics
    from stackrules.errors import VerificationError

    loose = types.SimpleNamespace(**{k: getattr(semantics, k) for k in dir(semantics) if not k.startswith("__")})
    loose.repeat_bound = lambda rb, credential: 99
    monkeypatch.setattr(model, "semantics", loose)
    engine = stackrules.load(_ensembles(tmp_path), cache=None)
    days = ["2024-03-01", "2024-09-01", "2025-03-01", "2025-09-01", "2025-10-01"]
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "oth:ENS", "awarded": d} for d in days]})
    with pytest.raises(VerificationError, match="`oth:ENS` counts 5 times, more than its bound 2"):
        engine.audit(learner, "hm:Q", AS_OF)


@pytest.mark.parametrize("value", [10**22, [1, 10**12], 1e300, -(10**10)])
def test_a_fact_given_as_data_is_bounded_as_one_read_from_yaml(value: object) -> None:
    """`load_learner({... facts: {x: 10**22}})` and the HTTP service loaded a fact the same learner in YAML is refused
    for (SR2011; an adversary, 2026-11-30): numbers given as data are bounded as numbers read from a file are."""
    with pytest.raises(stackrules.LearnerError) as caught:
        stackrules.load_learner({"id": "L", "facts": {"x": value}})
    diags = caught.value.diagnostics
    assert [d.code for d in diags] == ["SR2011"] and "over the bound of 1000000000" in diags[0].message, [d.message for d in diags]
    assert stackrules.load_learner({"id": "L", "facts": {"x": 10**9}}).doc.facts["x"] == 10**9


@pytest.mark.parametrize(("group", "line"), [("all: []", 6), ("any: []", 6), ("{at_least: 1, of: []}", 6)])
def test_an_empty_group_is_refused_where_it_is_written(tmp_path: Path, group: str, line: int) -> None:
    """`requires: {all: []}` made every learner MET and `any: []` no learner, both with `check` clean (an adversary,
    2026-11-30): a group lists at least one requirement, and the JSON Schema says so too."""
    body = f"  {group}\n" if not group.startswith("{") else "  at_least: 1\n  of: []\n"
    qual = f'kind: qualification\nid: "mm:Q"\ntitle: Q\nprovider: mm\nrequires:\n{body}'
    engine, diags = _load(tmp_path, qual)
    assert engine is None
    hit = [d for d in diags if d.code == "SR2008" and "lists no requirement" in d.message]
    assert hit and hit[0].line == line + (1 if group.startswith("{") else 0), [(d.code, d.line, d.message) for d in diags]
    from stackrules.language.schema import json_schema

    forms = json_schema("qualification")["$defs"]["Requirement"]["anyOf"][1]["properties"]
    assert all(any(f.get("minItems") == 1 for f in forms[k]["anyOf"]) for k in ("all", "any", "of"))


@pytest.mark.parametrize(
    ("value", "code"),
    [(float("nan"), "SR2004"), ([float("inf")], "SR2004"), (True, "SR2004"), ("x" * 70_000, "SR1017"), (list(range(100_001)), "SR1016")],
)
def test_a_fact_given_as_data_is_held_to_a_files_bounds(value: object, code: str) -> None:
    """From a dict (the HTTP service's path) a NaN fact raised decimal.InvalidOperation, and a 70,000-character text,
    a 100,001-item list or `true` were taken, all refused in a YAML file (an adversary, 2026-11-30)."""
    with pytest.raises(stackrules.LearnerError) as caught:
        stackrules.load_learner({"id": "L", "facts": {"f": value}})
    assert [d.code for d in caught.value.diagnostics] == [code], [d.message for d in caught.value.diagnostics]


def test_a_fact_dated_outside_the_calendar_is_sr2013(tmp_path: Path) -> None:
    import datetime as dt

    with pytest.raises(stackrules.LearnerError) as caught:
        stackrules.load_learner({"id": "L", "facts": {"declared": dt.date(9999, 12, 31)}})
    assert [d.code for d in caught.value.diagnostics] == ["SR2013"]
    for facts, code, line in (("{declared: 9999-12-31}", "SR2013", 3), ("{honours: true}", "SR2004", 3)):
        path = tmp_path / "l.yaml"
        path.write_text(f"kind: learner\nid: L\nfacts: {facts}\n", encoding="utf-8")
        with pytest.raises(stackrules.LearnerError) as caught:
            stackrules.load_learner(path)
        assert [(d.code, d.line) for d in caught.value.diagnostics] == [(code, line)], [(d.code, d.message) for d in caught.value.diagnostics]
