"""Found by a newcomer writing a rule base of their own (2026-12-01, the second pass that day)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

import stackrules
from stackrules.cli import main

from .conftest import AS_OF, ROOT

CATALOG = (
    "kind: catalog\nprovider: {id: acme, name: Acme}\ncredit_system: {id: acme-cp, full_time_year: 120}\ncredentials:\n"
    '  - {id: "acme:ITC101", title: Intro, credits: 10, level: 1, tags: [computing]}\n'
    '  - {id: "acme:ITC102", title: Web, credits: 10, level: 1, tags: [computing]}\n'
    '  - {id: "acme:BUS101", title: Business, credits: 10, level: 1, tags: [business]}\n'
)
LEARNER = {"id": "L", "holdings": [{"credential": "acme:ITC101"}, {"credential": "acme:ITC102"}, {"credential": "acme:BUS101"}]}


def _base(tmp_path: Path, qualification: str) -> stackrules.Engine:
    (tmp_path / "cat.yaml").write_text(CATALOG, encoding="utf-8")
    (tmp_path / "q.yaml").write_text(qualification, encoding="utf-8")
    engine, diags = stackrules.engine.load_with_diagnostics(tmp_path, cache=None)
    assert [d.code for d in diags] == ["SR4007"], [d.render() for d in diags]  # the check warned first
    return engine


def test_a_total_no_requirement_can_reach_is_blamed_not_a_limit(tmp_path: Path) -> None:
    """A total of 600 over two named units: the audit said "no set of catalogue credentials completes the target
    within its limits" (it has none), listed no requirement and said "0 of 0 requirements met"."""
    engine = _base(tmp_path, 'kind: qualification\nid: "acme:X"\ntitle: X\nprovider: acme\ncredits: 600\nrequires:\n  all: [acme:ITC101, acme:ITC102]\n')
    d = engine.audit(stackrules.load_learner(LEARNER), "acme:X", AS_OF)
    [missing] = d.to_json()["missing"]
    assert missing["text"] == ("the requirements are met, but no catalogue credential they accept would bring the credit counted to the total of 600 acme-cp")
    text = d.text()
    assert "0 of 0" not in text and "limits" not in text.split("Still needed")[1].split("\n\n")[0]
    assert "Progress: 3% of the credit, no requirement with an id to count" in text
    assert "  (none is listed: the target's requirements have no `id`; give them ids to have each reported)" in text.splitlines()


def test_with_limits_the_reason_names_the_limits_and_the_total(tmp_path: Path) -> None:
    engine = _base(
        tmp_path,
        'kind: qualification\nid: "acme:X"\ntitle: X\nprovider: acme\ncredits: 600\nrequires:\n  all: [acme:ITC101, acme:ITC102]\n'
        "limits:\n  - {id: first-year, max_credits: 20, where: {level: 1}}\n",
    )
    [missing] = engine.audit(stackrules.load_learner(LEARNER), "acme:X", AS_OF).to_json()["missing"]
    assert missing["text"] == "no set of catalogue credentials meets the requirements, its limits and its credit total of 600 acme-cp together"


NEW_STUDENT = {
    "kind": "learner",
    "id": "C-00001",
    "enrolments": [{"qualification": "exu:BIT", "commenced": "2026-07-20"}],
    "holdings": [{"credential": c, "status": "in_progress"} for c in ("exu:COMP1010", "exu:COMP1030", "exu:MATH1010", "exu:MATH1020")],
}


def test_a_plans_counted_credit_is_what_the_learner_has(engine: stackrules.Engine) -> None:
    """A new student (everything in progress, no look-ahead) had `counted: 12` in the plan's `credits`, and the batch
    summary said 12 counted and 12 granted: the credit two US college courses the plan adds earn through credit rules."""
    d = engine.plan(stackrules.load_learner(NEW_STUDENT), "exu:BIT", AS_OF).to_json()
    earned = Fraction(d["credit_from_added_study"]["granted"])
    assert earned > 0, d["credit_from_added_study"]  # the case: study the plan adds earns credit
    c = d["credits"]
    assert c["counted"] == "0" and c["remaining"] == "144", c
    # as in an audit: counted + remaining = required + beyond_need
    assert Fraction(c["counted"]) + Fraction(c["remaining"]) == Fraction(c["required"]) + Fraction(c.get("beyond_need", "0"))


def test_the_batch_summary_of_plans_and_explorations(tmp_path: Path) -> None:
    learners = tmp_path / "c.jsonl"
    learners.write_text(json.dumps(NEW_STUDENT) + "\n", encoding="utf-8")
    for command, want in (("plan", "0,C-00001,planned,optimal,0,144,0,"), ("explore", "0,C-00001,explored,,,,,")):
        summary = tmp_path / f"{command}.csv"
        args = ["batch", "--learners", str(learners), "--command", command, "--as-of", AS_OF.isoformat(), "--out", str(tmp_path / f"{command}.jsonl")]
        result = CliRunner().invoke(main, [*args, "--summary", str(summary), *(["--target", "exu:BIT"] if command == "plan" else [])])
        assert result.exit_code == 0, result.output
        row = summary.read_text(encoding="utf-8").splitlines()[1]
        assert row.startswith(want), row


def test_a_grant_that_could_not_count_is_not_needed_rather_than_capped(engine: stackrules.Engine) -> None:
    """With the credit cap full, CS101 was refused "a cap on credit leaves no room": it would only grant COMP1010, which
    the TAFE articulation already grants, so raising the cap frees nothing (section 16: `cap` only when a limit that
    could count the grant is full)."""
    learner = stackrules.load_learner(
        {
            "id": "CAP-1",
            "enrolments": [{"qualification": "exu:BIT", "commenced": "2026-02-23"}],
            "holdings": [
                {"credential": "tafe-nsw:ICT50220", "awarded": "2022-12-01"},
                {"credential": "tafe-nsw:ICT60220", "awarded": "2023-12-01"},
                *({"credential": c, "awarded": "2024-06-01", "grade": "A"} for c in ("uscc:CS101", "uscc:STAT200", "uscc:CS102")),
            ],
        }
    )
    d = engine.assess(learner, "exu:BIT", AS_OF).to_json()
    assert any(c["id"] == "credit-cap" and c["value"] == c["bound"] for c in d["caps"]), d["caps"]  # the cap is full
    [refusal] = [r for r in d["refused"] if r["rule"] == "exu-uscc-cs101"]
    assert refusal["reason"] == "not_needed", refusal
    assert refusal["detail"] == "what it grants already counts: `exu:COMP1010` is granted under `exu-tafe-dip-it`; a credential counts once"


def test_a_batch_error_row_points_into_the_learner(tmp_path: Path) -> None:
    """An unknown credential on line 4 of a .jsonl cohort was reported at `<learner>:1:1`: no line, no holding."""
    learners = tmp_path / "c.jsonl"
    rows = [
        {"kind": "learner", "id": "A", "holdings": [{"credential": "exu:COMP1010", "awarded": "2025-06-30", "grade": "HD"}]},
        {"kind": "learner", "id": "B", "holdings": [{"credential": "exu:COMP1010"}, {"credential": "exu:NOPE"}]},
        {"kind": "learner", "id": "C", "holdings": [{"credential": "exu:COMP1010", "awarded": "2025-02-30"}]},
    ]
    learners.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(main, ["batch", "--learners", str(learners), "--target", "exu:BIT", "--as-of", AS_OF.isoformat(), "--out", str(out)])
    assert result.exit_code == 3, result.output
    errors = [json.loads(line).get("error") for line in out.read_text(encoding="utf-8").splitlines()]
    assert errors[0] is None
    # the decision's finding (an unknown credential) and the reader's (no such day) alike
    [unknown] = errors[1]["diagnostics"]
    assert (unknown["code"], unknown["file"], unknown["line"], unknown["pointer"]) == ("SR3014", str(learners), 2, "/holdings/1/credential")
    [day] = errors[2]["diagnostics"]
    assert (day["code"], day["line"], day["pointer"]) == ("SR2009", 3, "/holdings/0/awarded")


def test_a_learner_given_as_data_is_never_placed_at_a_synthetic_line(engine: stackrules.Engine) -> None:
    """Found beside the batch pointers: over HTTP, a learner holding a unit twice read "counts once, as the holding
    awarded 2025-06-30 (<request>:64, ...)", a line of the source map that gives each value of the body a line of its
    own; the API said "holdings[15]". A learner given as data is placed by its index, whichever way it came."""
    from stackrules.service.worker import learner_from_json
    from stackrules.source.learners import load_learner_data

    doc = json.loads((ROOT / "examples" / "cohort" / "cohort.jsonl").read_text(encoding="utf-8").splitlines()[8])
    over_http, _, _ = learner_from_json(doc)
    assert over_http is not None
    in_batch, _ = load_learner_data(doc)
    reasons = {json.dumps(engine.audit(learner, "exu:BIT", AS_OF).to_json()["unused"]) for learner in (stackrules.load_learner(doc), over_http, in_batch)}
    assert len(reasons) == 1, reasons
    assert "(holdings[15], the latest passing attempt)" in reasons.pop()


def test_a_plan_adds_the_credential_the_audit_names_among_equals(engine: stackrules.Engine) -> None:
    """Ravi's audit said the algorithms-theory node still needs `nus:CS4231 ... counts in both algorithms-theory and
    breadth-depth`; his plan added nus:CS4235, as good on every level: an advisor reading both saw two answers. Among
    plans equal on every level (nearness to the audit included), the plan takes the credentials the audit names."""
    ravi = stackrules.load_learner(ROOT / "examples/real/bcomp-cs-ravi.yaml")
    audit = engine.audit(ravi, "nus:BCOMP-CS", AS_OF).text()
    plan = engine.plan(ravi, "nus:BCOMP-CS", AS_OF).to_json()
    assert "nus:CS4231 (4 nus-mc) counts in both algorithms-theory and breadth-depth" in audit
    assert plan["added"] == ["nus:CS4231"], plan["added"]


def test_sr4007_counts_a_repeatable_credential_a_unit_requirement_names_once(tmp_path: Path) -> None:
    """`all: [A, B, R]` with R repeatable six times: the unit requirement takes R once (the audit counts 14 of 24),
    but the check counted R six times and said nothing (an adversary, 2026-12-01). In a pool R counts up to its bound."""
    (tmp_path / "cat.yaml").write_text(
        "kind: catalog\nprovider: {id: h, name: H}\ncredit_system: {id: h-cp, full_time_year: 48}\ncredentials:\n"
        '  - {id: "h:A", title: A, credits: 6}\n  - {id: "h:B", title: B, credits: 6}\n'
        '  - {id: "h:R", title: R, credits: 2, tags: [r], repeatable: {max: 6}}\n',
        encoding="utf-8",
    )
    unit = 'kind: qualification\nid: "h:Q"\ntitle: Q\nprovider: h\ncredits: 24\nrequires:\n  all: [h:A, h:B, h:R]\n'
    (tmp_path / "q.yaml").write_text(unit, encoding="utf-8")
    _, diags = stackrules.engine.load_with_diagnostics(tmp_path, cache=None)
    assert [(d.code, d.message.split(": only")[0]) for d in diags] == [
        ("SR4007", "the total is 24 h-cp, but every credential the requirements accept adds up to 14 h-cp")
    ], [d.render() for d in diags]
    pool = 'kind: qualification\nid: "h:Q"\ntitle: Q\nprovider: h\ncredits: 24\nrequires:\n  all: [h:A, h:B, {id: r, credits: 12, where: {tags: r}}]\n'
    (tmp_path / "q.yaml").write_text(pool, encoding="utf-8")
    _, diags = stackrules.engine.load_with_diagnostics(tmp_path, cache=None)
    assert diags == [], [d.render() for d in diags]  # 6 + 6 + 2 x 6 reach 24


def test_a_cap_refusal_names_only_the_credit_that_could_count(tmp_path: Path) -> None:
    """A rule granting H1 and H2, H1 held already and the credit cap full: refused `cap` (H2 could count with room),
    but the detail said "no room for 12 h-cp more", H1's 6 included, which could never count (an adversary)."""
    (tmp_path / "h.yaml").write_text(
        "kind: catalog\nprovider: {id: h, name: Home}\ncredit_system: {id: h-cp, full_time_year: 48}\ncredentials:\n"
        '- {id: "h:H1", title: H1, credits: 6, level: 1}\n- {id: "h:H2", title: H2, credits: 6, level: 1}\n- {id: "h:H3", title: H3, credits: 6, level: 2}\n',
        encoding="utf-8",
    )
    (tmp_path / "x.yaml").write_text(
        "kind: catalog\nprovider: {id: x, name: X}\ncredit_system: {id: x-cp, full_time_year: 48}\ncredentials:\n"
        '- {id: "x:E0", title: E0, credits: 6}\n- {id: "x:E1", title: E1, credits: 6}\n',
        encoding="utf-8",
    )
    (tmp_path / "q.yaml").write_text(
        'kind: qualification\nid: "h:Q"\ntitle: Q\nprovider: h\ncredits: 24\nrequires: {all: [{id: p, credits: 24}]}\n'
        "limits:\n- {id: ccap, max_credits: 6, where: {source: credit}}\n",
        encoding="utf-8",
    )
    for rule, source, grant in (("r0", "x:E1", "[h:H3]"), ("r1", "x:E0", "[h:H1, h:H2]")):
        (tmp_path / f"{rule}.yaml").write_text(f"kind: credit_rule\nid: {rule}\ntype: precedent\ninto: h:Q\nfrom: {source}\ngrant: {grant}\n", encoding="utf-8")
    engine = stackrules.load(tmp_path)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": c} for c in ("x:E0", "x:E1", "h:H1")]})
    [refusal] = [r for r in engine.assess(learner, "h:Q", AS_OF).to_json()["refused"] if r["rule"] == "r1"]
    assert (refusal["reason"], refusal["detail"]) == ("cap", "limit `ccap` leaves no room for 6 h-cp more (6 of at most 6)"), refusal


def test_an_assessment_says_which_rules_it_rests_on_and_a_what_if_says_so(engine: stackrules.Engine) -> None:
    """A statement made with --catalog-year had no "Rules:" line and no `version` in JSON: an officer could send a
    what-if as the learner's own statement (a newcomer, 2026-12-01)."""
    tariq = stackrules.load_learner(ROOT / "examples/learners/tariq.yaml")
    what_if = engine.assess(tariq, "exu:BIT", AS_OF, catalog_year=2023)
    assert what_if.to_json()["version"]["chosen_by"] == "catalog_year"
    assert "(a what-if, not the learner's own)" in what_if.text().splitlines()[2]
    own = engine.assess(tariq, "exu:BIT", AS_OF)
    assert own.to_json()["version"]["chosen_by"] == "commencement" and own.text().splitlines()[2].startswith("Rules: ")


def test_check_refuses_a_credit_rule_in_force_on_no_day(tmp_path: Path) -> None:
    """`effective: {from: 2025-06-01, until: 2025-01-01}` on a credit rule passed `check` (SR3016 was said of
    qualifications only), and the audit printed "in force from 2025-06-01 until 2025-01-01"."""
    (tmp_path / "cat.yaml").write_text(CATALOG, encoding="utf-8")
    (tmp_path / "q.yaml").write_text(
        'kind: qualification\nid: "acme:X"\ntitle: X\nprovider: acme\ncredits: 20\nrequires:\n  all: [acme:ITC101, acme:ITC102]\n', encoding="utf-8"
    )
    (tmp_path / "r.yaml").write_text(
        "kind: credit_rule\nid: r\ntype: precedent\ninto: acme:X\nfrom: acme:BUS101\ngrant: [acme:ITC101]\neffective: {from: 2025-06-01, until: 2025-01-01}\n",
        encoding="utf-8",
    )
    with pytest.raises(stackrules.RuleBaseError) as caught:
        stackrules.load(tmp_path)
    assert [(d.code, Path(d.file).name, d.line) for d in caught.value.diagnostics] == [("SR3016", "r.yaml", 7)]


def test_sr4007_counts_only_the_qualifications_own_providers_credentials(tmp_path: Path) -> None:
    """Another provider's catalogue loaded beside made the warning go: its credentials were counted as if a pool could
    claim them, which only a credit rule's grant can do (a newcomer, 2026-12-01)."""
    (tmp_path / "cat.yaml").write_text(CATALOG, encoding="utf-8")
    (tmp_path / "q.yaml").write_text(
        'kind: qualification\nid: "acme:X"\ntitle: X\nprovider: acme\ncredits: 40\nrequires:\n  all: [acme:ITC101, {id: free, credits: 10}]\n', encoding="utf-8"
    )
    (tmp_path / "other.yaml").write_text(
        "kind: catalog\nprovider: {id: beta, name: Beta}\ncredit_system: {id: beta-cp, full_time_year: 120}\ncredentials:\n"
        '  - {id: "beta:CODE1", title: Bootcamp, credits: 60}\n',
        encoding="utf-8",
    )
    _, diags = stackrules.engine.load_with_diagnostics(tmp_path, cache=None)
    assert [d.code for d in diags] == ["SR4007"] and "adds up to 30 acme-cp" in diags[0].message, [d.render() for d in diags]


def test_study_past_the_total_because_units_come_whole_is_not_blamed_on_a_limit(tmp_path: Path) -> None:
    """The requirements need 10 more, the total 5 beyond them, in 10 cp units: the headline said "passes the need by 5:
    a limit asks for study past what a requirement needs" of a target with only a maximum (a newcomer's 70 cp diploma)."""
    (tmp_path / "cat.yaml").write_text(CATALOG, encoding="utf-8")
    (tmp_path / "q.yaml").write_text(
        'kind: qualification\nid: "acme:X"\ntitle: X\nprovider: acme\ncredits: 25\nrequires:\n  all: [acme:ITC101, {id: any, credits: 10}]\n'
        "limits:\n  - {id: cap, max_credits: 100, where: {level: 1}}\n",
        encoding="utf-8",
    )
    engine = stackrules.load(tmp_path)
    d = engine.audit(stackrules.load_learner({"id": "L", "holdings": [{"credential": "acme:ITC101"}]}), "acme:X", AS_OF)
    line = d.text().splitlines()[1]
    assert line.endswith("(the study still needed passes the need by 5 acme-cp: units come whole)."), line
