"""Defects an adversarial run found on 2026-11-30 in the day's work, each as a small rule base or learner."""

from __future__ import annotations

from pathlib import Path

import stackrules
from stackrules.engine import load_with_diagnostics
from stackrules.render.text import render_text

from .conftest import AS_OF, ROOT

CATALOG = """kind: catalog
provider: {id: aa, name: A Uni, country: AU}
credit_system: {id: aa-cp, name: A cp, full_time_year: 48}
grade_scale: {order: [F, P, C, D], pass: P}
credentials:
  - {id: "aa:D1", title: Data one, credits: 6, tags: [d]}
  - {id: "aa:S1", title: Sec one, credits: 6, tags: [s]}
  - {id: "aa:G1", title: General one, credits: 6, tags: [g]}
  - {id: "aa:U1", title: Unit one, credits: 6}
"""
QUAL = """kind: qualification
id: "aa:Q"
title: Q
provider: aa
requires:
  all:
    - {id: core, all: ["aa:U1"]}
    - id: major
      any:
        - {id: data, when: {fact: {track: data}}, all: ["aa:D1"]}
        - {id: security, all: ["aa:S1"]}
        - {id: general, all: ["aa:G1"]}
"""
STACK = """kind: credit_rule
id: bb-stack
type: stacking
title: M1 and M2 earn U1
basis: {reference: test}
into: {where: {provider: aa}}
from: {all: [{credential: "bb:M1", min_grade: D}, "bb:M2"]}
when: {min_grade: C}
grant: [aa:U1]
"""
CATALOG_B = """kind: catalog
provider: {id: bb, name: B College, country: AU}
credit_system: {id: bb-cp, name: B cp, full_time_year: 48}
grade_scale: {order: [F, P, C, D], pass: P}
credentials:
  - {id: "bb:M1", title: Micro one, type: micro-credential, credits: 2}
  - {id: "bb:M2", title: Micro two, type: micro-credential, credits: 2}
"""


def _base(tmp_path: Path, *extra: tuple[str, str]) -> stackrules.Engine:
    rules = tmp_path / "rules"
    rules.mkdir()
    for name, text in (("catalog.yaml", CATALOG), ("q.yaml", QUAL), *extra):
        (rules / name).write_text(text, encoding="utf-8")
    return stackrules.load(rules, ROOT / "frameworks")


def _learner(tmp_path: Path, text: str) -> stackrules.Learner:
    (tmp_path / "l.yaml").write_text(text, encoding="utf-8")
    return stackrules.load_learner(tmp_path / "l.yaml")


def test_a_choice_names_only_the_alternatives_open_to_the_learner(tmp_path: Path) -> None:
    # `data` applies only to the data track: "chosen for `major` (any one of `data`, `security`, `general`)" offered it
    engine = _base(tmp_path)
    doc = engine.audit(_learner(tmp_path, "kind: learner\nid: L\nfacts: {track: none}\nholdings: []\n"), "aa:Q", AS_OF).to_json()
    said = [m["text"] for m in doc["missing"] if "chosen for" in m["text"]]
    assert len(said) == 1 and "(any one of `security`, `general`)" in said[0], said


def test_a_plan_states_the_grade_the_rule_s_from_asks_of_each_source(tmp_path: Path) -> None:
    # `from` asks D of bb:M1 (D is above C here), `when` asks C of every source: the step said C for both
    engine = _base(tmp_path, ("catb.yaml", CATALOG_B), ("stack.yaml", STACK))
    plan = engine.plan(_learner(tmp_path, "kind: learner\nid: L\nholdings:\n  - {credential: aa:S1, awarded: 2025-06-30, grade: C}\n"), "aa:Q", AS_OF).to_json()
    why = {s["credential"]: s["why"] for s in plan["steps"]}
    assert "earns credit under bb-stack if passed with grade D or better" in why["bb:M1"]
    assert "earns credit under bb-stack if passed with grade C or better" in why["bb:M2"]


def test_a_retake_names_the_latest_failed_attempt(tmp_path: Path) -> None:
    engine = _base(tmp_path)
    learner = _learner(
        tmp_path,
        "kind: learner\nid: L\nholdings:\n"
        "  - {credential: aa:U1, awarded: 2025-11-28, grade: F}\n"
        "  - {credential: aa:U1, awarded: 2025-06-30, grade: F}\n"
        "  - {credential: aa:S1, awarded: 2025-06-30, grade: C}\n",
    )
    why = {s["credential"]: s["why"] for s in engine.plan(learner, "aa:Q", AS_OF).to_json()["steps"]}
    assert why["aa:U1"].startswith("a retake: the learner was graded F on 2025-11-28, below the pass")


def test_a_credential_incompatible_with_itself_is_a_rule_error_not_an_internal_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "catalog.yaml").write_text(
        CATALOG.replace("title: Unit one, credits: 6}", 'title: Unit one, credits: 6, incompatible: ["aa:U1"]}'), encoding="utf-8"
    )
    (rules / "q.yaml").write_text(QUAL, encoding="utf-8")
    engine, diags = load_with_diagnostics(rules, ROOT / "frameworks")
    assert engine is None and [d.code for d in diags if d.severity == "error"] == ["SR3021"]


def test_a_wrongly_typed_id_says_what_was_written(tmp_path: Path) -> None:
    # "expected wrong, got `5`": the models' own message was replaced by one built from the error's type name
    (tmp_path / "l.yaml").write_text("kind: learner\nid: L\nholdings:\n  - {credential: 5}\n", encoding="utf-8")
    _, diags = load_with_diagnostics(tmp_path / "l.yaml")
    assert [d.message for d in diags if d.code == "SR2003"] == ["expected an id such as `exu:COMP1010`, got the number 5"]


def test_a_plan_finds_a_stacking_route_through_the_target_provider_s_own_micro_credentials(tmp_path: Path) -> None:
    # M1 and M2 (the provider's own, filling no requirement) earn U1 and U2, the prerequisites of U3: 12 cp in all.
    # They were never candidates, so the plan took U1, U2 and U3 (18 cp) and said "optimal (least credits)"
    rules = _stacking_micro_credentials(tmp_path)
    engine = stackrules.load(rules, ROOT / "frameworks")
    plan = engine.plan(_learner(tmp_path, "kind: learner\nid: L\nholdings: []\n"), "aa:Q", AS_OF).to_json()
    assert (sorted(plan["added"]), plan["added_credits"], plan["proof"]) == (["aa:M1", "aa:M2", "aa:U3"], "12", "optimal")


def test_credit_past_the_total_is_said_as_what_it_is(tmp_path: Path) -> None:
    # 6 of 9 cp held; units come in 6s, so the completion adds 6: the audit said "3 aa-cp of the credit counted is
    # beyond what the requirements can use" and "Progress: 33%", blaming the held credit for the completion's overshoot
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "catalog.yaml").write_text(
        "kind: catalog\nprovider: {id: aa, name: A Uni}\ncredit_system: {id: aa-cp, full_time_year: 48}\ngrade_scale: {order: [F, P], pass: P}\n"
        'credentials:\n  - {id: "aa:A1", title: A one, credits: 6}\n  - {id: "aa:A2", title: A two, credits: 6}\n',
        encoding="utf-8",
    )
    (rules / "q.yaml").write_text(
        'kind: qualification\nid: "aa:Q"\ntitle: Q\nprovider: aa\ncredits: 9\nrequires:\n  all:\n    - {id: free, credits: 9}\n', encoding="utf-8"
    )
    engine = stackrules.load(rules, ROOT / "frameworks")
    audit = engine.audit(_learner(tmp_path, "kind: learner\nid: L\nholdings:\n  - {credential: aa:A1, awarded: 2025-06-30, grade: P}\n"), "aa:Q", AS_OF)
    c = audit.to_json()["credits"]
    assert (c["counted"], c["remaining"], c["beyond_need"], c["unusable"]) == ("6", "6", "3", "0")
    text = audit.text()
    assert "6 aa-cp remaining (the study still needed passes the need by 3 aa-cp: units come whole)" in text
    assert "Progress: 66% of the credit" in text


def test_no_plan_names_a_prerequisite_that_can_never_be_taken(tmp_path: Path) -> None:
    # U3's prerequisite U1 runs only in S3; with the calendar S1, S2 "no plan" said "does not fit into 24 terms"
    rules = _u3_needs_u1_and_u2(tmp_path, "[S3]", "")
    engine = stackrules.load(rules, ROOT / "frameworks")
    plan = engine.plan(_learner(tmp_path, "kind: learner\nid: L\nholdings: []\n"), "aa:Q", AS_OF, terms=("S1", "S2")).to_json()
    assert plan["status"] == "no_plan" and plan["proof"] == "infeasible"
    assert plan["cannot_place"] == [
        {"credential": "aa:U3", "why": "its prerequisites cannot be met: aa:U1 is offered only in S3, never in the calendar S1, S2"}
    ]


def _u3_needs_u1_and_u2(tmp_path: Path, u1_offered: str, more: str) -> Path:
    """A rule base whose qualification is one unit, U3, needing U1 and U2 (U1 offered ``u1_offered``; ``more`` catalogue lines)."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "catalog.yaml").write_text(
        "kind: catalog\nprovider: {id: aa, name: A Uni, country: AU}\ncredit_system: {id: aa-cp, name: A cp, full_time_year: 48}\ncredentials:\n"
        f'  - {{id: "aa:U1", title: Unit one, credits: 6, level: 1, offered: {u1_offered}}}\n'
        '  - {id: "aa:U2", title: Unit two, credits: 6, level: 1, offered: [S1, S2]}\n'
        '  - {id: "aa:U3", title: Unit three, credits: 6, level: 2, offered: [S1, S2], prerequisites: {all: ["aa:U1", "aa:U2"]}}\n' + more,
        encoding="utf-8",
    )
    (rules / "q.yaml").write_text(
        'kind: qualification\nid: "aa:Q"\ntitle: Q\nprovider: aa\ncredits: 6\nrequires:\n  all:\n    - {id: core, all: ["aa:U3"]}\n', encoding="utf-8"
    )
    return rules


def test_a_credit_line_points_at_a_step_only_when_a_step_earns_it(tmp_path: Path) -> None:
    # held M1 and M2 earn U1 and U2, which count nowhere but meet U3's prerequisites: "Credit used" said "(see the step
    # that earns it)" where no step does
    rules = _stacking_micro_credentials(tmp_path)
    engine = stackrules.load(rules, ROOT / "frameworks")
    held = "kind: learner\nid: L\nholdings:\n  - {credential: aa:M1, awarded: 2025-06-30}\n  - {credential: aa:M2, awarded: 2025-06-30}\n"
    plan = engine.plan(_learner(tmp_path, held), "aa:Q", AS_OF)
    assert plan.to_json()["added"] == ["aa:U3"]
    assert "  aa-stack: from aa:M1, aa:M2 grants credit that counts towards no requirement [" in plan.text()


def _stacking_micro_credentials(tmp_path: Path) -> Path:
    """:func:`_u3_needs_u1_and_u2` with micro-credentials M1 and M2 that together earn U1 and U2 (a stacking rule)."""
    micro = "".join(f'  - {{id: "aa:M{k}", title: Micro {k}, type: micro-credential, credits: 3, level: 1, offered: [S1, S2]}}\n' for k in (1, 2))
    rules = _u3_needs_u1_and_u2(tmp_path, "[S1, S2]", micro)
    (rules / "stack.yaml").write_text(
        "kind: credit_rule\nid: aa-stack\ntype: stacking\ntitle: M1 and M2 earn U1 and U2\nbasis: {reference: test}\n"
        'into: {where: {provider: aa}}\nfrom: {all: ["aa:M1", "aa:M2"]}\ngrant: [aa:U1, aa:U2]\n',
        encoding="utf-8",
    )
    return rules


def test_credit_refused_because_it_could_not_count_beside_an_incompatible_unit_says_so(tmp_path: Path) -> None:
    # U2 counts in core; M1 teaches the same content (`incompatible`), so the stack of M1 and M2 cannot count
    # beside it. Section 16 gives such a refusal no reason of its own (`not_needed`), but "not needed to complete
    # the target: it would not reduce the study that remains" was false: the electives are still 6 short
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "catalog.yaml").write_text(
        CATALOG.replace('  - {id: "aa:U1", title: Unit one, credits: 6}\n', '  - {id: "aa:U2", title: Unit two, credits: 6, incompatible: ["bb:M1"]}\n'),
        encoding="utf-8",
    )
    (rules / "catb.yaml").write_text(CATALOG_B, encoding="utf-8")
    (rules / "q.yaml").write_text(
        'kind: qualification\nid: "aa:Q"\ntitle: Q\nprovider: aa\ncredits: 12\nrequires:\n  all:\n'
        '    - {id: core, all: ["aa:U2"]}\n    - {id: elec, credits: 6, where: {tags: e}}\n',
        encoding="utf-8",
    )
    (rules / "sa.yaml").write_text(
        "kind: credit_rule\nid: s-a\ntype: stacking\ntitle: M1 and M2 earn electives\nbasis: {reference: test}\ninto: aa:Q\n"
        'from: {all: ["bb:M1", "bb:M2"]}\ngrant: [{unspecified: 6, tags: [e], title: Stacked electives}]\n',
        encoding="utf-8",
    )
    engine = stackrules.load(rules, ROOT / "frameworks")
    learner = _learner(
        tmp_path,
        "kind: learner\nid: L\nholdings:\n" + "".join(f"  - {{credential: {c}, awarded: 2025-06-30, grade: C}}\n" for c in ("aa:U2", "bb:M1", "bb:M2")),
    )
    statement = engine.assess(learner, "aa:Q", AS_OF)
    refused = {r["sources"][0]: r for r in statement.to_json()["refused"]}
    assert refused["bb:M1"]["reason"] == "not_needed"  # the contract's reason
    assert refused["bb:M1"]["explanation"] == "its credit could not count beside study it is incompatible with"
    assert refused["bb:M1"]["detail"] == "`bb:M1` is incompatible with `aa:U2`, which counts"
    assert refused["bb:M2"]["detail"] == "without `bb:M1`, whose credit could not count, it would not reduce the study that remains"
    text = render_text(statement.record)
    assert "its credit could not count beside study it is incompatible with (`bb:M1` is incompatible with `aa:U2`, which counts)" in text
    assert "it would not reduce the study that remains)" not in text.replace("whose credit could not count, it would not", "")
