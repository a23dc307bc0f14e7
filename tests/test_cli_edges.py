"""The command line's edges: usage errors, exit codes per command, the graph's nodes, `towards` on a day.

docs/language.md sections 12 and 16: a usage error is bad input (exit 3) and
follows `--format json`; `assess`, `explore`, `towards`, `graph` and `schema`
exit 0 when they print their output; `towards` and `graph` honour `--as-of`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import stackrules
from stackrules.cli import main
from stackrules.compile.graph import Towards, to_json

from .conftest import ROOT

EX = ROOT / "examples" / "learners"
AMIRA = str(EX / "amira.yaml")
DAY = "2026-11-28"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


USAGE_ERRORS = [
    (["audit", "--learner", AMIRA], "Missing option '--target'"),
    (["audit", "--target", "exu:BIT"], "Missing option '--learner'"),
    (["audit", "--learner", AMIRA, "--target", "exu:BIT", "--bogus"], "No such option"),
    (["assess", "--learner", AMIRA, "--target", "exu:BIT", "--time-limit", "soon"], "'soon' is not a valid float"),
    (["plan", "--learner", AMIRA, "--target", "exu:BIT", "--alternatives", "99"], "99 is not in the range"),
    (["plan", "--learner", AMIRA, "--target", "exu:BIT", "--objective", "speed"], "'speed' is not one of"),
    (["explore", "--learner", AMIRA, "--bogus"], "No such option"),
    (["graph", "--depth", "0"], "0 is not in the range"),
    (["graph", "--depth", "2"], "`--depth` bounds the neighbourhood of `--focus`, and no `--focus` is given"),
    (["towards"], "Missing argument 'CREDENTIAL'"),
    (["check", "--bogus"], "No such option"),
]


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS, ids=[" ".join(a[:1] + a[-1:]) for a, _ in USAGE_ERRORS])
def test_a_usage_error_exits_3_and_follows_format_json(args: list[str], message: str) -> None:
    code, out, err = run(*args, "--format", "json")
    assert code == 3, (out, err)
    diags = json.loads(out)["diagnostics"]
    assert [d["code"] for d in diags] == ["SR5002"] and message in diags[0]["message"]
    assert diags[0]["help"] == f"see `stackrules {args[0]} --help`"
    code, out, err = run(*args)
    assert code == 3 and out == "" and "Usage: stackrules" in err and message in err


def test_format_json_is_read_as_click_reads_it() -> None:
    code, out, _ = run("audit", "--learner", AMIRA, "--format=json")
    assert code == 3 and json.loads(out)["diagnostics"][0]["code"] == "SR5002"
    code, out, err = run("audit", "--learner", AMIRA, "--format", "json", "--format", "text")  # the last one wins
    assert code == 3 and out == "" and "Missing option '--target'" in err


def test_help_version_and_no_command() -> None:
    assert run("--version")[0] == 0
    code, out, _ = run("audit", "--help")
    assert code == 0 and out.startswith("Usage: stackrules audit")
    code, _, err = run()
    assert code == 3 and "Commands:" in err


def test_an_unreadable_learner_exits_3_in_json(tmp_path: Path) -> None:
    for learner in (str(tmp_path / "none.yaml"), str(tmp_path)):
        code, out, _ = run("audit", "--learner", learner, "--target", "exu:BIT", "--format", "json")
        assert code == 3 and json.loads(out)["diagnostics"][0]["code"] in ("SR1012", "SR1013")


def test_commands_that_print_their_output_exit_0() -> None:
    # an assessment stopped by the time limit says so in its status; it is still printed, so exit 0
    code, out, _ = run("assess", "--learner", str(EX / "ben.yaml"), "--target", "exu:BIT", "--as-of", DAY, "--time-limit", "0.000000001", "--format", "json")
    assert code == 0 and json.loads(out)["status"] == "indeterminate"
    code, out, _ = run("assess", "--learner", str(EX / "tariq.yaml"), "--target", "exu:BIT", "--as-of", DAY, "--format", "json")
    assert code == 0 and json.loads(out)["target"] == "exu:BIT"
    code, out, _ = run("explore", "--learner", str(EX / "ben.yaml"), "--as-of", DAY, "--no-plans", "--format", "json")
    assert code == 0 and json.loads(out)["qualifications"]
    for args in (["graph", "--format", "json"], ["towards", "exu:COMP1010", "--format", "json"], ["schema", "learner"]):
        code, out, _ = run(*args)
        assert code == 0 and json.loads(out)


@pytest.mark.parametrize(
    "args",
    [
        ["graph", "--focus", "exu:NOPE"],
        ["graph", "--as-of", "tomorrow"],
        ["towards", "exu:NOPE"],
        ["towards", "exu:COMP1010", "--as-of", "28/11/2026"],
        ["assess", "--learner", AMIRA, "--target", "exu:NOPE"],
        ["explore", "--learner", AMIRA, "--as-of", "soon"],
        # Python's date.fromisoformat reads these too; the language's days are YYYY-MM-DD only
        ["audit", "--learner", AMIRA, "--target", "exu:BIT", "--as-of", "20261128"],
        ["plan", "--learner", AMIRA, "--target", "exu:BIT", "--as-of", "2026-W48-6"],
    ],
)
def test_bad_input_to_the_other_commands_exits_3_and_follows_format_json(args: list[str]) -> None:
    code, out, _ = run(*args, "--format", "json")
    assert code == 3 and json.loads(out)["diagnostics"][0]["code"] in ("SR5001", "SR5002")
    code, out, err = run(*args)
    assert code == 3 and out == "" and "error[SR500" in err


@pytest.mark.parametrize("day", ["2019-06-01", "2024-06-01", DAY])
def test_every_graph_node_has_a_kind_and_a_label(day: str) -> None:
    code, out, _ = run("graph", "--format", "json", "--as-of", day)
    assert code == 0
    nodes = json.loads(out)["nodes"]
    assert nodes and all(n.get("kind") and n.get("label") for n in nodes), [n for n in nodes if not (n.get("kind") and n.get("label"))]
    levels = [n for n in nodes if n["id"].startswith("level:")]
    assert {n["id"] for n in levels} >= {"level:eqf:6", "level:qf-ehea:first-cycle", "level:aqf:7"}  # crosswalk-only levels too
    assert all(n["kind"] == "level" and n["label"] == n["id"].removeprefix("level:") for n in levels)


def test_every_node_of_a_compiled_tree_has_a_position_of_its_own(engine: stackrules.Engine) -> None:
    # A requirement with both a group and a pool (the data major: `all: [DATA2001, DATA3001]`, `credits: 12`) put its
    # inner group and the group's first child at one position: the graph, which names unnamed nodes by position, drew
    # DATA2001 as requiring itself
    day = dt.date(2026, 11, 28)
    for v in engine.rules.versions_on(day):
        top = engine.compiled(v, day).top
        paths = [n.path for n in top.walk()]
        assert len(paths) == len(set(paths)), (v.id, sorted(p for p in paths if paths.count(p) > 1))
    edges = to_json(engine.graph(day))["edges"]
    assert edges and not [e for e in edges if e["source"] == e["target"]]


def test_the_graph_of_a_day_has_the_rules_and_versions_in_force(engine: stackrules.Engine) -> None:
    def rules_and_titles(day: dt.date) -> tuple[set[str], set[str]]:
        data = to_json(engine.graph(day))
        return {n["id"] for n in data["nodes"] if n["kind"] == "rule"}, {n["label"] for n in data["nodes"] if n["kind"] == "qualification"}

    rules_2020, titles_2020 = rules_and_titles(dt.date(2020, 6, 1))
    rules_2026, titles_2026 = rules_and_titles(dt.date(2026, 11, 28))
    # the diploma articulation starts in 2024; the certificate IV one ended in 2023
    assert "rule:exu-tafe-dip-it" not in rules_2020 and "rule:exu-tafe-cert4-it" in rules_2020
    assert "rule:exu-tafe-dip-it" in rules_2026 and "rule:exu-tafe-cert4-it" not in rules_2026
    assert "Bachelor of Information Technology (2020 rules)" in titles_2020 and "Bachelor of Information Technology" in titles_2026
    assert "Bachelor of Information Technology (2020 rules)" not in titles_2026


def test_towards_leaves_out_rules_not_in_force() -> None:
    # in 2020 the articulation agreement (from 2024) is not in force: only the AQF default for a related Diploma is
    code, out, _ = run("towards", "tafe-nsw:ICT50220", "--as-of", "2020-06-01", "--format", "json")
    rows = json.loads(out)["counts_towards"]
    assert code == 0 and [(r["node"], r["qualifications"], r["via"]) for r in rows] == [
        (None, ["exu:BIT"], ["aqf-diploma-3y-bachelor"]),  # towards the total
        ("exu:BIT#electives", ["exu:BIT"], ["aqf-diploma-3y-bachelor"]),  # and the pool its block credit fits
    ]
    code, out, _ = run("towards", "tafe-nsw:ICT50220", "--as-of", DAY, "--format", "json")
    rows = json.loads(out)["counts_towards"]
    # while the agreement is in force the AQF default does not take the Diploma into the BIT (it refuses it): not named
    assert {tuple(r["via"]) for r in rows} == {("exu-tafe-dip-it",)} and all(r["how"] == "credit" for r in rows)
    code, out, _ = run("towards", "tafe-nsw:BSB50120", "--as-of", DAY)
    assert code == 0 and out == f"tafe-nsw:BSB50120 counts towards nothing in force on {DAY}\n"  # a Diploma of Business: unrelated


def test_towards_follows_a_rule_that_selects_its_source_by_field_only_into_related_targets(engine: stackrules.Engine) -> None:
    # The AQF defaults select their source with `where: {related_field: true, ...}`: the graph matched it without a
    # target and found nothing, so `towards` said the Advanced Diploma of IT counted towards nothing while Priya's
    # audit granted 72 exu-cp from it. The consumes edge now names the targets the source is related to
    rows = engine.counts_towards("tafe-nsw:ICT60220", dt.date(2026, 11, 28)).to_json()["counts_towards"]
    assert [(r["node"], r["qualifications"], r["via"]) for r in rows] == [
        (None, ["exu:BIT"], ["aqf-level-6-3y-bachelor"]),
        ("exu:BIT#electives", ["exu:BIT"], ["aqf-level-6-3y-bachelor"]),  # where Priya's audit puts the 72 exu-cp
    ]
    priya = engine.assess(stackrules.load_learner(ROOT / "examples/learners/priya.yaml"), "exu:BIT", dt.date(2026, 11, 28)).to_json()
    assert any(g["rule"] == "aqf-level-6-3y-bachelor" for g in priya["granted"])
    edges = [e for e in to_json(engine.graph(dt.date(2026, 11, 28)))["edges"] if e["source"] == "credential:tafe-nsw:ICT60220"]
    assert {"kind": "consumes", "source": "credential:tafe-nsw:ICT60220", "target": "rule:aqf-level-6-3y-bachelor"} in edges  # all its targets


def test_towards_does_not_follow_a_field_rule_into_an_unrelated_target(tmp_path: Path) -> None:
    # the shipped base has one related bachelor only: with a Bachelor of Arts beside it, the IT Advanced Diploma still
    # counts towards the BIT alone (the AQF default's edge names its targets, and towards follows it there only)
    import shutil

    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    (tmp_path / "rules" / "example-university" / "ba.yaml").write_text(
        "kind: qualification\nid: exu:BA\ntitle: Bachelor of Arts\nprovider: exu\ntype: aqf:bachelor\nframework_level: aqf:7\n"
        'credits: 144\nfields: ["asced:100000"]\nrequires: {id: arts, credits: 144, where: {tags: arts}}\n',
        encoding="utf-8",
    )
    engine = stackrules.load(tmp_path / "rules", ROOT / "frameworks")
    day = dt.date(2026, 11, 28)
    assert "exu:BA" in engine.qualifications()
    rows = engine.counts_towards("tafe-nsw:ICT60220", day).to_json()["counts_towards"]
    assert {(tuple(r["qualifications"]), tuple(r["via"])) for r in rows} == {(("exu:BIT",), ("aqf-level-6-3y-bachelor",))}
    edges = [e for e in to_json(engine.graph(day))["edges"] if e["source"] == "credential:tafe-nsw:ICT60220" and e["kind"] == "consumes"]
    assert edges == [{"kind": "consumes", "source": "credential:tafe-nsw:ICT60220", "target": "rule:aqf-level-6-3y-bachelor", "into": ["exu:BIT"]}]


def test_towards_names_the_pools_block_credit_fills(engine: stackrules.Engine) -> None:
    # Block credit (an `unspecified` grant with tags) was drawn as counting towards the qualification's total only:
    # `towards eux:DS-MC3` left out the data-electives pool that the audit and the plan fill with it (a newcomer's read)
    rows = engine.counts_towards("eux:DS-MC3", dt.date(2026, 11, 28)).to_json()["counts_towards"]
    assert ("exu:GCDS#data-electives", ["eux-ds-stack"]) in [(r["node"], r["via"]) for r in rows]
    eva = engine.audit(stackrules.load_learner(ROOT / "examples/learners/eva.yaml"), "exu:GCDS", dt.date(2026, 11, 28)).to_json()
    data = next(n for n in eva["nodes"] if n["id"] == "data-electives")
    assert any(k.startswith("credit:eux-ds-stack") for k in data["claimed"])


def test_a_specific_rule_not_in_force_does_not_block_the_policy_default(engine: stackrules.Engine) -> None:
    # The TAFE Diploma's articulation agreement starts in 2024; in 2020 it still "took precedence over the policy
    # default", and a learner with the Diploma was granted nothing
    learner = stackrules.load_learner({"id": "T", "holdings": [{"credential": "tafe-nsw:ICT50220", "awarded": "2019-12-01"}]})
    d = engine.assess(learner, "exu:BIT", dt.date(2020, 6, 1)).to_json()
    assert [(g["rule"], g["granted"][0]["credits"]) for g in d["granted"]] == [("aqf-diploma-3y-bachelor", "48")]
    assert not [r for r in d["refused"] if r["reason"] == "source_used"]


def test_towards_names_nodes_by_id_and_title_never_by_position() -> None:
    code, out, _ = run("towards", "exu:COMP1010", "--as-of", DAY)
    assert code == 0 and "@" not in out
    assert out.splitlines() == [
        "exu:BIT#computing (Computing electives): directly",
        "exu:BIT#core (Core units): directly",
        "exu:BIT#electives (Free electives): directly",
    ]
    code, out, _ = run("towards", "eux:DS-MC1", "--as-of", DAY)
    # both ways in, as short as each other (a newcomer, 2026-11-30: only the first was shown)
    assert "exu:GCDS#data-electives (Data electives), also in exu:MDS: via eux-ds-foundations or via eux-ds-stack" in out.splitlines()
    assert "exu:GCDS (Graduate Certificate in Data Science), credit towards its total: via eux-ds-stack" in out.splitlines()
    code, out, _ = run("towards", "eux:DS-MC1", "--as-of", DAY, "--format", "json")
    row = next(r for r in json.loads(out)["counts_towards"] if r["node"] == "exu:GCDS#data-electives")
    assert (row["via"], row["also_via"]) == (["eux-ds-foundations"], [["eux-ds-stack"]])


def test_towards_a_qualification_lists_the_nodes_that_nest_it() -> None:
    code, out, err = run("towards", "exu:GCDS", "--as-of", DAY)
    assert code == 0, err
    assert out == "exu:MDS#gradcert (Graduate Certificate in Data Science): nested there\n"
    code, out, _ = run("towards", "exu:GCDS", "--as-of", DAY, "--format", "json")
    data = json.loads(out)
    assert data["kind"] == "qualification" and data["counts_towards"][0]["how"] == "nested"


ORG = {
    "frameworks.yaml": "kind: credit_systems\nsystems: [{id: cp, name: Credit points, full_time_year: 48}]\n",
    "org.yaml": (
        "kind: catalog\nprovider: {id: org, name: Org}\ncredit_system: cp\ncredentials:\n"
        "  - {id: org:U1, title: Unit one, type: unit, credits: 12}\n"
        "  - {id: org:U2, title: Unit two, type: unit, credits: 12}\n"
    ),
    "ext.yaml": "kind: catalog\nprovider: {id: ext, name: Elsewhere}\ncredit_system: cp\ncredentials:\n  - {id: ext:X1, title: Outside unit, type: unit, credits: 12}\n",
    "q-old.yaml": (
        "kind: qualification\nid: org:Q\ntitle: Old Q\nprovider: org\ncredits: 24\ntags: [old]\neffective: {until: 2024-12-31}\n"
        "requires: {all: [{id: both, title: Both units, all: [org:U1, org:U2]}]}\n"
    ),
    "q-new.yaml": (
        "kind: qualification\nid: org:Q\ntitle: New Q\nprovider: org\ncredits: 24\ntags: [new]\neffective: {from: 2025-01-01}\n"
        "requires: {all: [{id: both, title: Both units, all: [org:U1, org:U2]}]}\n"
    ),
    "rule.yaml": (
        "kind: credit_rule\nid: ext-into-new\ntype: precedent\ntitle: Outside unit into the new Q\n"
        "basis: {reference: test}\ninto: {where: {tags: new}}\nfrom: {all: [ext:X1]}\ngrant: [org:U1]\n"
    ),
}


def test_towards_matches_into_where_against_the_version_in_force(write) -> None:  # type: ignore[no-untyped-def]
    folder = write(ORG)
    engine = stackrules.load(folder)
    before = engine.counts_towards("ext:X1", dt.date(2024, 6, 1))
    after = engine.counts_towards("ext:X1", dt.date(2025, 6, 1))
    assert before.rows == ()  # the version in force in 2024 is tagged `old`: the rule's filter does not match it
    assert [(r.node, r.title, r.how, r.via) for r in after.rows] == [("org:Q#both", "Both units", "credit", ("ext-into-new",))]
    code, out, _ = run("towards", "ext:X1", "--rules", str(folder), "--as-of", "2024-06-01")
    assert code == 0 and out == "ext:X1 counts towards nothing in force on 2024-06-01\n"


def test_counts_towards_is_a_result_like_the_other_calls(engine: stackrules.Engine) -> None:
    found = engine.counts_towards("exu:COMP1010", dt.date(2026, 11, 28))
    assert isinstance(found, Towards) and isinstance(found, stackrules.Towards)
    data = found.to_json()
    assert data["credential"] == "exu:COMP1010" and data["kind"] == "credential" and data["as_of"] == "2026-11-28"
    assert set(data["counts_towards"][0]) == {"node", "title", "qualifications", "how", "via"}
    assert found.dumps() == json.dumps(data, indent=2)
    with pytest.raises(stackrules.RequestError, match="unknown credential or qualification `exu:COMP101`"):
        engine.counts_towards("exu:COMP101", dt.date(2026, 11, 28))
    with pytest.raises(stackrules.RequestError, match="as_of"):
        engine.counts_towards("exu:COMP1010", "2026-11-28")  # type: ignore[arg-type]


@pytest.mark.parametrize("given", ["examples/learners/amira.yaml", ROOT / "examples" / "learners" / "amira.yaml", {"id": "L"}, 42])
def test_a_learner_that_is_not_loaded_is_a_request_error_naming_load_learner(engine: stackrules.Engine, given: object) -> None:
    day = dt.date(2026, 11, 28)
    calls: list[Callable[[], object]] = [
        lambda: engine.audit(given, "exu:BIT", day),  # type: ignore[arg-type]
        lambda: engine.assess(given, "exu:BIT", day),  # type: ignore[arg-type]
        lambda: engine.plan(given, "exu:BIT", day),  # type: ignore[arg-type]
        lambda: engine.explore(given, day),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(stackrules.RequestError, match=r"must be a stackrules\.Learner") as info:
            call()
        assert info.value.help is not None and "stackrules.load_learner(path)" in info.value.help
        # printing the error (or its traceback) shows the fix too, not only the message
        assert str(info.value).endswith("[SR5002]; " + info.value.help) and "stackrules.load_learner(path)" in str(info.value)


def test_overlapping_builds_on_threads_never_switch_the_collector_under_each_other() -> None:
    import gc
    import threading

    from stackrules.engine import bulk

    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with bulk():
            a_inside.set()
            b_inside.wait(10)
        a_left.set()

    def second() -> None:
        a_inside.wait(10)
        with bulk():
            b_inside.set()
            a_left.wait(10)
            seen["after the first left"] = gc.isenabled()  # still inside the second build
        seen["after both left"] = gc.isenabled()

    was = gc.isenabled()
    for start_enabled in (True, False):
        (gc.enable if start_enabled else gc.disable)()
        for event in (a_inside, b_inside, a_left):
            event.clear()
        seen.clear()
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert seen == {"after the first left": False, "after both left": start_enabled}
    (gc.enable if was else gc.disable)()


def test_a_day_the_calendar_lacks_is_named_so_not_a_wrong_format() -> None:
    # 2025-06-31 is written as YYYY-MM-DD: telling the user to write YYYY-MM-DD would send them in circles
    with pytest.raises(stackrules.LearnerError) as caught:
        stackrules.load_learner({"kind": "learner", "id": "x", "holdings": [{"credential": "exu:COMP1010", "awarded": "2025-06-31"}]})
    assert "`2025-06-31` is not a day of the calendar" in str(caught.value)
    result = CliRunner().invoke(main, ["audit", "--learner", str(ROOT / "examples/learners/eva.yaml"), "--target", "exu:BIT", "--as-of", "2026-02-30"])
    assert result.exit_code == 3
    assert "`--as-of 2026-02-30` is not a day of the calendar" in result.stderr


def test_a_load_in_exponent_form_is_called_that_not_not_a_number() -> None:
    args = ["plan", "--learner", str(ROOT / "examples/learners/eva.yaml"), "--target", "exu:BIT", "--as-of", "2026-11-28", "--max-load", "1e999999999"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3
    assert "`1e999999999` is written with an exponent: write the number in digits" in result.stderr
    assert "is not a number" not in result.stderr


@pytest.mark.parametrize("written", ["20240315", "2024-W11-5", "2024075"])
def test_a_learner_day_in_another_iso_form_is_refused_where_it_is(written: str, tmp_path: Path) -> None:
    # `awarded: "20240315"` was read as 15 March 2024, and a week date as its day: the language has YYYY-MM-DD only
    path = tmp_path / "l.yaml"
    path.write_text(f'kind: learner\nid: L\nholdings:\n  - {{credential: "exu:COMP1010", grade: CR, awarded: "{written}"}}\n', encoding="utf-8")
    code, out, _ = run("audit", "--learner", str(path), "--target", "exu:BIT", "--as-of", DAY, "--format", "json")
    diag = json.loads(out)["diagnostics"][0]
    assert code == 3 and diag["line"] == 4 and "write YYYY-MM-DD" in diag["message"], diag
