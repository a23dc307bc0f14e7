"""Finds of the helpers of 2026-11-30's last session (a transfer officer and integrator, an adversary, a rule author)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import stackrules

from .conftest import ROOT

DAY = dt.date(2026, 11, 29)


def _learner(*holdings: dict[str, Any]) -> stackrules.Learner:
    return stackrules.load_learner({"kind": "learner", "id": "P", "holdings": list(holdings)})


def _mc(n: int, grade: str | None = "B") -> dict[str, Any]:
    return {"credential": f"eux:DS-MC{n}", "awarded": "2025-06-30", **({"grade": grade} if grade else {})}


def _refused(engine: stackrules.Engine, *holdings: dict[str, Any]) -> dict[tuple[str, str], str]:
    doc = engine.assess(_learner(*holdings), "exu:GCDS", DAY).to_json()
    return {(r["rule"], src): r["detail"] for r in doc["refused"] for src in r["sources"]}


def test_a_stack_refused_because_its_source_overlaps_study_still_to_add_says_so(engine: stackrules.Engine) -> None:
    # "any two" data micro-credentials stack, but DS-MC1 is `incompatible` with DATA5001, which foundations still
    # needs: stacking it would leave DATA5001 unable to count. The refusal said "it would not reduce the study"
    audit = engine.audit(_learner(_mc(1), _mc(3)), "exu:GCDS", DAY).to_json()
    assert audit["credits"]["remaining"] == "24"
    refused = _refused(engine, _mc(1), _mc(3))
    assert refused[("eux-ds-stack", "eux:DS-MC1")].startswith("`eux:DS-MC1` is incompatible with `exu:DATA5001` (for `foundations`), which the study still")
    assert refused[("eux-ds-stack", "eux:DS-MC3")] == "without `eux:DS-MC1`, whose credit could not count, it would not reduce the study that remains"
    # two that overlap nothing foundations needs stack
    assert engine.audit(_learner(_mc(3), _mc(4)), "exu:GCDS", DAY).to_json()["credits"]["remaining"] == "12"


def test_a_rule_missing_one_of_its_named_sources_says_which(engine: stackrules.Engine) -> None:
    refused = _refused(engine, _mc(1))
    assert refused[("eux-ds-foundations", "eux:DS-MC1")] == "the rule also needs `eux:DS-MC2`, which the learner does not have"
    refused = _refused(engine, _mc(1), _mc(2, "E"))
    assert refused[("eux-ds-foundations", "eux:DS-MC2")] == "grade E is below the minimum C"
    assert refused[("eux-ds-foundations", "eux:DS-MC1")] == "the rule also needs `eux:DS-MC2`, which the learner has, but not as the rule's conditions ask"


def test_an_ungraded_source_is_said_to_have_no_grade_not_grade_none(engine: stackrules.Engine) -> None:
    refused = _refused(engine, _mc(1, None), _mc(2))
    assert refused[("eux-ds-foundations", "eux:DS-MC1")] == "no grade is recorded, and the rule needs at least C"
    assert "none" not in engine.assess(_learner(_mc(1, None), _mc(2)), "exu:GCDS", DAY).text()


def test_serve_reports_an_invalid_rule_base_as_check_does_not_as_a_traceback(tmp_path: Any) -> None:
    # a newcomer's find: the server's startup failed with a uvicorn traceback and the first diagnostic as a tuple
    import subprocess
    import sys

    bad = tmp_path / "rules"
    bad.mkdir()
    (bad / "x.yaml").write_text("kind: catalog\nprovider: zz\ncredentials: [\n", encoding="utf-8")
    env = {"STACKRULES_CACHE": "off", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "stackrules", "serve", "--port", "0", "--rules", str(bad)], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 3
    assert "x.yaml:4:1: error[SR1001]: invalid YAML" in run.stderr and "= help:" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_a_whole_qualification_waived_shows_its_requirements_waived_and_a_statement_that_adds_up(engine: stackrules.Engine) -> None:
    # an adversary's find: "MET ... 0 of 6 requirements met" with every node `[ ] ... (not met)`, and the statement's
    # "0 = 144 required - 0 counted + -144 counted or added beyond what the requirements need"
    learner = stackrules.load_learner(
        {
            "id": "L2",
            "holdings": [{"credential": "exu:COMP1010", "awarded": "2025-01-01", "grade": "HD"}],
            "exceptions": [{"type": "waive", "node": "exu:BIT", "reason": "r", "approved_by": "adean-education", "date": "2025-01-01"}],
        }
    )
    audit = engine.audit(learner, "exu:BIT", dt.date(2026, 1, 1))
    assert audit.status == "met"
    assert {n["status"] for n in audit.to_json()["nodes"]} == {"waived"}
    assert "Progress: 0% of the credit, 6 of 6 requirements met (6 waived, counted as met)." in audit.text()
    assert "(not met" not in audit.text()
    statement = engine.assess(learner, "exu:BIT", dt.date(2026, 1, 1)).text()
    assert "Study remaining: 0 exu-cp = 144 required - 0 counted - 144 waived or exempt (see Exceptions)." in statement
    assert "+ -" not in statement


def _college_and_university(tmp: Any) -> stackrules.Engine:
    (tmp / "uni.yaml").write_text(
        "kind: catalog\nprovider: {id: un, name: Uni}\ncredit_system: {id: un-cp, full_time_year: 48}\ncredentials:\n"
        '  - {id: "un:A1", title: A1, credits: 6, offered: [S1], cost: {amount: 1000, currency: AUD}}\n'
        '  - {id: "un:A2", title: A2, credits: 6, offered: [S2], cost: {amount: 1000, currency: AUD}}\n'
        '  - {id: "un:B1", title: B1, credits: 6, offered: [S1, S2], cost: {amount: 5000, currency: AUD}}\n',
        encoding="utf-8",
    )
    (tmp / "college.yaml").write_text(
        "kind: catalog\nprovider: {id: cl, name: College}\ncredit_system: {id: cl-cp, full_time_year: 48}\ncredentials:\n"
        '  - {id: "cl:C1", title: C1, credits: 6, offered: [T1, T2], cost: {amount: 300, currency: AUD}}\n',
        encoding="utf-8",
    )
    (tmp / "rule.yaml").write_text('kind: credit_rule\nid: c1-b1\ntype: precedent\ninto: "un:Q"\nfrom: "cl:C1"\ngrant: ["un:B1"]\n', encoding="utf-8")
    (tmp / "q.yaml").write_text(
        'kind: qualification\nid: "un:Q"\ntitle: Q\nprovider: un\ncredits: 18\nrequires:\n  all: ["un:A1", "un:A2", "un:B1"]\n', encoding="utf-8"
    )
    return stackrules.load(tmp)


def test_a_college_s_own_periods_run_beside_the_university_calendar_not_after_it(tmp_path: Any) -> None:
    # a rule author's find: the college's T1 and T2 joined the plan's calendar as terms 3 and 4 ("6 terms (S1, S2,
    # T1, T2, repeating)", two of them empty). The calendar is the target's; the college course is placed in it
    engine = _college_and_university(tmp_path)
    plan = engine.plan(stackrules.load_learner({"id": "L"}), "un:Q", DAY, objective="cost")
    doc = plan.to_json()
    assert doc["calendar"] == ["S1", "S2"] and doc["proof"] == "optimal"
    assert sorted(doc["added"]) == ["cl:C1", "un:A1", "un:A2"] and len(doc["terms"]) == 2
    [step] = [s for s in doc["steps"] if s["credential"] == "cl:C1"]
    assert "offered there in T1, T2, which this plan's calendar does not name: placed in this plan's calendar and load, to check its timing" in step["why"]
    # a calendar that names the college's periods holds the course to them
    named = engine.plan(stackrules.load_learner({"id": "L"}), "un:Q", DAY, objective="cost", terms=("S1", "T1", "S2", "T2")).to_json()
    [where] = [t["name"] for t in named["terms"] if "cl:C1" in t["credentials"]]
    assert where in ("T1", "T2")


def test_a_refused_badge_says_its_subject_was_not_checked_unless_it_was() -> None:
    # a newcomer's find: `verify --format json` without --identity gave "subject_checked": true for the two refused
    # badges (expired, bad signature), which fail before the subject step
    import json
    import subprocess
    import sys

    from .conftest import ROOT

    def checked(*identity: str) -> dict[str, bool]:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "stackrules",
                "verify",
                *(f"badges/eva/ds-mc{n}{e}" for n, e in ((1, ".json"), (3, ".jwt"), (4, ".svg"))),
                "--as-of",
                "2026-11-29",
                "--format",
                "json",
                *identity,
            ],
            cwd=ROOT / "examples" / "learners",
            capture_output=True,
            text=True,
            timeout=120,
        )
        doc = json.loads(run.stdout)
        rows = doc["credentials"]
        return {r["source"]: r["subject_checked"] for r in rows}

    assert set(checked().values()) == {False}
    # with an identity: the verified badge's subject was checked; those refused before step 8 were not
    assert checked("--identity", "did:example:eva") == {"badges/eva/ds-mc1.json": True, "badges/eva/ds-mc3.jwt": False, "badges/eva/ds-mc4.svg": False}


def test_credit_resting_on_a_source_the_learner_file_describes_says_so(engine: stackrules.Engine) -> None:
    # an adversary's find: 72 exu-cp from an "Advanced Diploma" whose type, AQF level and field only the learner file
    # gave, shown as plainly as credit from a catalogued qualification
    fake = stackrules.load_learner(
        {
            "id": "F1",
            "holdings": [
                {
                    "credential": "fake:ADV",
                    "title": "Advanced Diploma of Stuff",
                    "provider": "fake",
                    "credits": "2 eftsl",
                    "type": "qualification",
                    "framework_level": "aqf:6",
                    "fields": ["asced:020100"],
                }
            ],
        }
    )
    audit = engine.audit(fake, "exu:BIT", dt.date(2026, 11, 28))
    [credit] = audit.to_json()["credit"]
    assert credit["described_by_learner"] == ["fake:ADV"]
    assert "from fake:ADV (described by the learner file, not a catalogue: check its evidence)" in audit.text()
    statement = engine.assess(fake, "exu:BIT", dt.date(2026, 11, 28))
    assert statement.to_json()["granted"][0]["sources"][0]["described_by_learner"] is True
    assert "for: fake:ADV Advanced Diploma of Stuff (described by the learner file, not a catalogue: check its evidence)" in statement.text()
    # the plan and explore say it too
    plan = engine.plan(fake, "exu:BIT", dt.date(2026, 11, 28)).text()
    assert "      fake:ADV: described by the learner file, not a catalogue: check its evidence" in plan
    [row] = [r for r in engine.explore(fake, dt.date(2026, 11, 28), plans=False).to_json()["qualifications"] if r["target"] == "exu:BIT"]
    assert row["why"].endswith("it counts credit from `fake:ADV`, described by the learner file, not a catalogue: check its evidence")
    # a catalogued source is not flagged
    priya = engine.audit(stackrules.load_learner(ROOT / "examples" / "learners" / "priya.yaml"), "exu:BIT", dt.date(2026, 11, 28)).to_json()
    assert all("described_by_learner" not in c for c in priya["credit"])


def _rule_base(folder: Path, catalog: str, qualification: str) -> Path:
    """``folder`` holding one catalogue (c.yaml) and one qualification (q.yaml), as written."""
    (folder / "c.yaml").write_text(catalog, encoding="utf-8")
    (folder / "q.yaml").write_text(qualification, encoding="utf-8")
    return folder


def test_an_empty_range_and_a_repeatable_shortfall_are_said_as_what_they_are(tmp_path: Any) -> None:
    # a rule author's finds: `number: {gte: 4000, lt: 3000}` got SR4001's generic "check the filter", and a pool of
    # 4 that one choir unit (repeatable 3 times) fills 3 places of was "only 3 credentials ... match"
    from stackrules.engine import load_with_diagnostics

    _rule_base(
        tmp_path,
        catalog="kind: catalog\nprovider: {id: rg, name: RG}\ncredit_system: {id: rg-cp, full_time_year: 48}\n"
        'id_pattern: "{provider}:{subject}{number}"\ncredentials:\n'
        '  - {id: "rg:HIST3001", title: H1, credits: 6}\n  - {id: "rg:MUSC1500", title: Choir, credits: 3, repeatable: {max: 3}}\n',
        qualification='kind: qualification\nid: "rg:Q"\ntitle: Q\nprovider: rg\nrequires:\n  all:\n'
        "    - {id: upper, credits: 12, where: {subject: HIST, number: {gte: 4000, lt: 3000}}}\n"
        "    - {id: choir, count: 4, where: {subject: MUSC}}\n",
    )
    _, diags = load_with_diagnostics(tmp_path)
    said = {d.line: (d.code, d.message, d.help) for d in diags}
    assert (
        said[7][0] == "SR4001"
        and said[7][2] == "its `number` must be at least 4000 and less than 3000: no value is, so the range is empty (are the bounds swapped?)"
    )
    assert said[8][1] == "what matches this pool fills at most 3 of the 4 places it needs: 1 credential, taken up to its `repeatable` bound"


def _first_version_2024(folder: Path) -> Path:
    """A rule base whose qualification `ex:Q` has one version, in force from 2024-01-01 (``folder``, made)."""
    folder.mkdir(exist_ok=True)
    _rule_base(
        folder,
        catalog='kind: catalog\nprovider: {id: ex, name: EX}\ncredit_system: {id: ex-cp, full_time_year: 48}\ncredentials:\n  - {id: "ex:A1", title: A1, credits: 6}\n',
        qualification='kind: qualification\nid: "ex:Q"\ntitle: Q\nprovider: ex\neffective: {from: 2024-01-01}\nrequires: {all: ["ex:A1"]}\n',
    )
    return folder


def test_explore_says_a_qualification_it_cannot_audit_is_not_audited_and_what_to_do(tmp_path: Any) -> None:
    # a rule author's find: a learner who commenced before the first version got the bare SR5001 text as a ranked row
    engine = stackrules.load(_first_version_2024(tmp_path))
    early = stackrules.load_learner({"id": "E", "enrolments": [{"qualification": "ex:Q", "commenced": "2023-02-27"}]})
    [row] = engine.explore(early, dt.date(2026, 11, 28), plans=False).to_json()["qualifications"]
    assert row["status"] == "unavailable"
    assert row["why"] == (
        "not audited: no version of `ex:Q` is in force on 2023-02-27, the day the learner commenced it (their enrolment's `commenced`);"
        " its versions are in force from 2024-01-01 (no end date): correct the enrolment's date, or audit against a version with --catalog-year (catalog_year in the API)"
    )


def test_a_met_audit_does_not_show_the_limit_of_an_alternative_not_taken_as_short(tmp_path: Any) -> None:
    # a rule author's find: a met BA listed "[ ] choir-semesters in choir: 0, at least 4" though the internship counts
    _rule_base(
        tmp_path,
        catalog="kind: catalog\nprovider: {id: pr, name: PR}\ncredit_system: {id: pr-cp, full_time_year: 48}\n"
        "terms:\n  - {id: 2025-S1, from: 2025-01-15, until: 2025-05-31}\ncredentials:\n"
        '  - {id: "pr:CHOIR", title: Choir, credits: 3, tags: [choir], repeatable: {max: 4}}\n  - {id: "pr:INTERN", title: Internship, credits: 12}\n',
        qualification='kind: qualification\nid: "pr:Q"\ntitle: Q\nprovider: pr\nrequires:\n  id: practice\n  any:\n'
        "    - {id: choir, count: 4, where: {tags: choir}, limits: [{id: choir-semesters, min_distinct: {count: 4, of: term}}]}\n"
        '    - "pr:INTERN"\n',
    )
    engine = stackrules.load(tmp_path)
    d = engine.audit(stackrules.load_learner({"id": "L", "holdings": [{"credential": "pr:INTERN"}]}), "pr:Q", dt.date(2026, 1, 1))
    assert d.status == "met"
    assert "  [-] choir-semesters in choir: 0, at least 4, not needed: `choir` is an alternative not taken [" in d.text()


def test_towards_follows_a_retired_unit_into_pools_and_keeps_records_out_of_credit_pools(tmp_path: Any) -> None:
    # a rule author's finds: `towards` of a renumbered unit listed only the leaf naming its successor, though the
    # audit counts it in a subject pool; a record (no credit) was listed towards pools of credit
    _rule_base(
        tmp_path,
        catalog="kind: catalog\nprovider: {id: tw, name: TW}\ncredit_system: {id: tw-cp, full_time_year: 48}\n"
        'id_pattern: "{provider}:{subject}{number}"\ncredentials:\n'
        '  - {id: "tw:HIST2005", title: Old, credits: 6}\n  - {id: "tw:HIST2050", title: New, credits: 6, supersedes: ["tw:HIST2005"]}\n'
        '  - {id: "tw:LANG0001", title: Exam, type: record, credits: 0}\n',
        qualification='kind: qualification\nid: "tw:Q"\ntitle: Q\nprovider: tw\nrequires:\n  all:\n    - {id: core, all: ["tw:HIST2050"]}\n'
        "    - {id: minor, credits: 6, where: {subject: HIST}}\n    - {id: exam, count: 1, where: {type: record}}\n    - {id: electives, credits: 6}\n",
    )
    engine = stackrules.load(tmp_path)
    day = dt.date(2026, 1, 1)
    old = {r["node"] for r in engine.counts_towards("tw:HIST2005", day).to_json()["counts_towards"]}
    assert {"tw:Q#core", "tw:Q#minor", "tw:Q#electives"} <= old
    # the audit agrees: a holding of the retired unit counts in the minor
    audit = engine.audit(stackrules.load_learner({"id": "L", "holdings": [{"credential": "tw:HIST2005"}, {"credential": "tw:HIST2050"}]}), "tw:Q", day)
    assert "tw:HIST2005" in next(n for n in audit.to_json()["nodes"] if n["id"] == "minor")["claimed"]
    exam = {r["node"] for r in engine.counts_towards("tw:LANG0001", day).to_json()["counts_towards"]}
    assert exam == {"tw:Q#exam"}


def test_a_catalogue_year_that_gives_the_learner_s_own_version_is_not_called_a_what_if(engine: stackrules.Engine) -> None:
    # a newcomer's find: GCDS has one undated version, and `--catalog-year 2020` said "(a what-if, not the learner's own)"
    eva = stackrules.load_learner(ROOT / "examples" / "learners" / "eva.yaml")
    day = dt.date(2026, 11, 28)
    for d in (engine.audit(eva, "exu:GCDS", day, catalog_year=2020), engine.plan(eva, "exu:GCDS", day, catalog_year=2020)):
        version = d.to_json()["version"]
        assert version["chosen_by"] == "catalog_year" and version["same_as_own"] is True
        assert "which is the learner's own version too" in d.text() and "not the learner's own" not in d.text()
    dana = stackrules.load_learner(ROOT / "examples" / "learners" / "dana.yaml")
    other = engine.audit(dana, "exu:BIT", day, catalog_year=2020)
    assert "same_as_own" not in other.to_json()["version"] and "(a what-if, not the learner's own)" in other.text()


def test_a_rule_whose_grant_the_learner_already_has_says_so(engine: stackrules.Engine) -> None:
    # a newcomer's find: uscc:STAT200 (credited as exu:MATH1020) was refused "it would not reduce the study that
    # remains" for a learner who holds MATH1020 itself
    lena = stackrules.load_learner(
        {
            "id": "L",
            "holdings": [
                {"credential": "uscc:STAT200", "awarded": "2025-05-15", "grade": "B"},
                {"credential": "exu:MATH1020", "awarded": "2026-06-30", "grade": "DN"},
            ],
        }
    )
    refused = {r["rule"]: r["detail"] for r in engine.assess(lena, "exu:BIT", dt.date(2026, 11, 28)).to_json()["refused"]}
    assert refused["exu-uscc-stat200"] == "what it grants (`exu:MATH1020`) already counts: the learner has it, and a credential counts once"


def test_a_wider_limit_names_every_entry_that_can_take_its_study_whatever_the_completion_chose(engine: stackrules.Engine) -> None:
    # a newcomer's find: Ben's "at least 24 exu-cp level 3 or above" named "electives, security", leaving out computing,
    # which his own plan fills with level-3 units, and the 2020 rules (the same pools) named all three
    ben = stackrules.load_learner(ROOT / "examples" / "learners" / "ben.yaml")
    day = dt.date(2026, 11, 28)
    for year in (None, 2020):
        missing = {m["node"]: m["text"] for m in engine.audit(ben, "exu:BIT", day, catalog_year=year).to_json()["missing"]}
        assert "(the entries for computing, electives, security above can take it)" in missing["exu:BIT"], (year, missing)


def test_still_needed_says_its_figures_leave_prerequisites_to_the_plan(engine: stackrules.Engine) -> None:
    # an advisor's find: Priya's audit and statement said 84 exu-cp remaining; her proven plan needs 90, for
    # prerequisites, and nothing in either text said the figure leaves them out
    priya = stackrules.load_learner(ROOT / "examples" / "learners" / "priya.yaml")
    day = dt.date(2026, 11, 28)
    note = "(credit only: prerequisites and term offerings are not counted here; `stackrules plan` orders this study and adds what a prerequisite needs)"
    audit = engine.audit(priya, "exu:BIT", day).text()
    assert note in audit.split("Still needed")[1]
    assert note in engine.assess(priya, "exu:BIT", day).text().split("Study that remains")[1]
    eva = engine.audit(stackrules.load_learner(ROOT / "examples" / "learners" / "eva.yaml"), "exu:GCDS", day).text()
    assert note not in eva  # met: nothing to add


def test_a_second_holding_of_a_credential_is_named_by_the_credential_in_text() -> None:
    # a newcomer's find: "exu:COMP1030@2 Computer Systems (6 exu-cp, CR, 2026-06-30)", "evu:MUAP150@8": internal keys
    import stackrules as sr

    d = sr.load().audit(sr.load_learner(ROOT / "examples" / "real" / "bm-performance-ben.yaml"), "evu:BM-PERF", dt.date(2026, 11, 28))
    lines = d.text().split("Requirements")[1].split("Limits")[0]
    assert "evu:MUAP150 " in lines and "@" not in lines
    assert any("@" in c for n in d.to_json()["nodes"] for c in n["claimed"])  # the JSON keeps the keys


def test_explore_says_the_records_a_plan_adds(engine: stackrules.Engine) -> None:
    # the last reader's find: "30 us-sch and 4 records to go ... least-credit plan adds 23 credentials, 30 us-sch"
    ben = stackrules.load_learner(ROOT / "examples" / "learners" / "ben.yaml")
    d = engine.explore(ben, dt.date(2026, 11, 28))
    [row] = [r for r in d.to_json()["qualifications"] if r["target"] == "evu:BM-PERF"]
    assert row["plan_records"] == 4
    assert "least-credit plan adds 23 credentials, 30 us-sch and 4 records" in d.text()


def test_not_counted_names_each_holding_with_its_title(engine: stackrules.Engine) -> None:
    # the last reader's find: the audit's "Not counted" gave bare codes where the statement gives titles
    chen = engine.audit(stackrules.load_learner(ROOT / "examples" / "learners" / "chen.yaml"), "exu:BIT", dt.date(2026, 11, 28)).text()
    assert "  exu:SEC3001 Network Security: in progress: it counts only with look-ahead" in chen.split("Not counted")[1]


def test_no_version_when_the_learner_commenced_is_said_at_the_enrolment(tmp_path: Any) -> None:
    # a rule author's find: SR5001 pointed at `<request>:1:1`, not at the `commenced` the learner file gives
    from click.testing import CliRunner

    from stackrules.cli import main

    _first_version_2024(tmp_path / "rules")
    (tmp_path / "l.yaml").write_text('kind: learner\nid: E\nenrolments:\n  - {qualification: "ex:Q", commenced: 2023-02-27}\n', encoding="utf-8")
    for command in ("audit", "assess", "plan"):
        run = CliRunner().invoke(
            main, [command, "--rules", str(tmp_path / "rules"), "--learner", str(tmp_path / "l.yaml"), "--target", "ex:Q", "--as-of", "2026-11-28"]
        )
        assert run.exit_code == 3, (command, run.output)
        assert f"{tmp_path / 'l.yaml'}:4:40: error[SR5001]: no version of `ex:Q` is in force on 2023-02-27" in run.output, (command, run.output)


def test_the_plan_checker_holds_another_provider_s_credential_to_its_periods_only_when_the_calendar_names_them(tmp_path: Any) -> None:
    # the checker, handed schedules: the college's C1 (T1, T2) in S1 passes on a calendar of S1, S2 (its periods run
    # beside it) and fails on one that names T1 and T2; the university's own A1 (S1) in S2 fails on either
    from fractions import Fraction

    from stackrules.decide.plancheck import PlannedTerm, check_plan
    from stackrules.errors import VerificationError

    engine = _college_and_university(tmp_path)
    rb = engine.rules
    home = rb.version("un:Q", dt.date(2026, 1, 1))
    assert home is not None

    def check(calendar: tuple[str, ...], term: str, credential: str) -> None:
        info = rb.credentials[credential]
        credit = rb.rescale(info.credits, rb.providers[info.provider].system, "un-cp")
        check_plan(
            rb, "un-cp", {}, [PlannedTerm(1, term, (credential,))], Fraction(24), [], credit, info.cost or Fraction(0), 1, True,
            as_of=DAY, home=home.is_home, calendar=calendar,
        )  # fmt: skip

    check(("S1", "S2"), "S1", "cl:C1")
    with pytest.raises(VerificationError, match="offered only in T1, T2"):
        check(("S1", "T1", "S2", "T2"), "S1", "cl:C1")
    for calendar in (("S1", "S2"), ("S1", "T1", "S2", "T2")):
        with pytest.raises(VerificationError, match="offered only in S1"):
            check(calendar, "S2", "un:A1")
