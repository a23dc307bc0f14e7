"""A learner file cannot create authority, and errors are errors (docs/language.md section 18).

Holdings under a catalogued provider, one credential held twice, grades
without a scale, exceptions without a listed approver, the time limit over
the whole decision, wrong argument types in the Python API, and special files
named as rule files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import stackrules
from stackrules.decide import audit as decide_audit
from stackrules.decide import explore as decide_explore
from stackrules.errors import LearnerError, RequestError

from .conftest import AS_OF, ROOT

EXAMPLES = ROOT / "examples" / "learners"


def _doc(name: str) -> dict[str, Any]:
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    return _iso(data)  # type: ignore[no-any-return]


def _iso(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------- holdings


def test_a_unit_invented_under_a_catalogued_provider_is_an_error_with_position_and_help(engine: stackrules.Engine) -> None:
    doc = _doc("amira.yaml")
    doc["holdings"].append({"credential": "exu:X3001", "title": "Made up", "provider": "exu", "credits": 24, "level": 3})
    with pytest.raises(LearnerError) as caught:
        engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF)
    (d,) = caught.value.diagnostics
    assert d.code == "SR3017" and "exu" in d.message and d.help
    # a catalogue credential described inline is refused too: its credit is the catalogue's, never the learner's
    doc = _doc("amira.yaml")
    doc["holdings"][0] = {**doc["holdings"][0], "credits": 48}
    with pytest.raises(LearnerError) as caught:
        engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF)
    assert [d.code for d in caught.value.diagnostics] == ["SR3017"]
    # a provider without a catalog may still be described inline (sam's badge)
    assert engine.audit(stackrules.load_learner(EXAMPLES / "sam.yaml"), "exu:BIT", AS_OF).status == "not_met"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("level", 3),
        ("fields", ["asced:020100"]),
        ("framework_level", "aqf:9"),
        ("competencies", ["x"]),
        ("type", "record"),
        ("subject", "COMP"),
        ("number", 9999),
    ],
)
def test_a_description_the_catalogue_already_gives_is_refused_never_silently_ignored(engine: stackrules.Engine, key: str, value: object) -> None:
    # These keys on a catalogued holding loaded without a word and were never read: a registrar would believe an
    # override (a level, a field) took effect
    doc = _doc("amira.yaml")
    doc["holdings"][0] = {**doc["holdings"][0], key: value}
    with pytest.raises(LearnerError) as caught:
        engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF)
    (d,) = caught.value.diagnostics
    assert d.code == "SR3017" and f"its `{key}` here would not be read" in d.message and d.help == f"drop `{key}`: the catalogue's description counts"


def test_an_inline_holding_counts_only_through_credit_rules_even_for_a_framework_target(engine: stackrules.Engine) -> None:
    """Section 18: inline holdings are external. A framework type has no provider, yet a self-described certificate is no home study of it."""
    doc = {
        "id": "L-inline",
        "holdings": [{"credential": "ext:grad-cert", "title": "A graduate certificate", "provider": "ext", "credits": "0.5 eftsl", "framework_level": "aqf:8"}],
    }
    d = engine.audit(stackrules.load_learner(doc), "aqf:graduate-certificate", AS_OF).to_json()
    assert d["status"] == "not_met"
    assert [(u["holding"], u["cause"]) for u in d["unused"]] == [("ext:grad-cert", "no_rule")]
    # a catalogue credential still counts directly towards a framework target
    doc = {
        "id": "L-cat",
        "holdings": [{"credential": c, "awarded": "2026-06-30", "grade": "PS"} for c in ("exu:DATA5001", "exu:DATA5002", "exu:DATA5003", "exu:DATA5004")],
    }
    d = engine.audit(stackrules.load_learner(doc), "aqf:graduate-certificate", AS_OF).to_json()
    assert d["credits"]["counted"] != "0"


def test_one_credential_held_twice_counts_once_and_the_reason_names_the_record_kept(engine: stackrules.Engine) -> None:
    doc = {
        "id": "L-twice",
        "holdings": [
            {"credential": "exu:COMP1010", "awarded": "2025-06-30", "grade": "PS"},
            {"credential": "exu:COMP1010", "awarded": "2026-06-30", "grade": "HD"},
        ],
    }
    d = engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF).to_json()
    assert d["credits"]["counted"] == "6"
    (unused,) = [u for u in d["unused"] if u["cause"] == "repeat"]
    assert unused["holding"] == "exu:COMP1010@2"
    assert "2026-06-30" in unused["reason"] and "holdings[1]" in unused["reason"]  # the later passing attempt is kept
    claimed = [c for n in d["nodes"] for c in n["claimed"]]
    assert claimed.count("exu:COMP1010") == 1 and "exu:COMP1010@2" not in claimed


def test_a_failed_attempt_does_not_take_the_place_of_a_pass(engine: stackrules.Engine) -> None:
    doc = {
        "id": "L-retake",
        "holdings": [
            {"credential": "exu:COMP1010", "awarded": "2025-06-30", "grade": "HD"},
            {"credential": "exu:COMP1010", "awarded": "2026-06-30", "grade": "FL"},
        ],
    }
    d = engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF).to_json()
    assert d["credits"]["counted"] == "6"
    causes = {u["holding"]: u["cause"] for u in d["unused"]}
    assert causes == {"exu:COMP1010@2": "does_not_count"}


# ---------------------------------------------------------------- grades


def test_the_tafe_catalogue_has_its_competency_scale(engine: stackrules.Engine) -> None:
    doc = _doc("tariq.yaml")
    base = engine.assess(stackrules.load_learner(doc), "exu:BIT", AS_OF).to_json()
    doc["holdings"][0] = {**doc["holdings"][0], "grade": "C"}
    competent = engine.assess(stackrules.load_learner(doc), "exu:BIT", AS_OF).to_json()
    assert competent["credits"] == base["credits"]
    doc["holdings"][0] = {**doc["holdings"][0], "grade": "NYC"}
    nyc = engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF).to_json()
    assert any(u["holding"] == "tafe-nsw:ICT50220" and u["cause"] == "does_not_count" and "NYC" in u["reason"] for u in nyc["unused"])
    doc["holdings"][0] = {**doc["holdings"][0], "grade": "NOT YET COMPETENT"}
    with pytest.raises(LearnerError) as caught:
        engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF)
    assert [d.code for d in caught.value.diagnostics] == ["SR3012"]


def test_a_grade_from_a_provider_without_a_scale_does_not_count(engine: stackrules.Engine) -> None:
    doc = _doc("sam.yaml")
    doc["holdings"][4] = {**doc["holdings"][4], "grade": "NOT YET COMPETENT"}
    d = engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF).to_json()
    (u,) = [u for u in d["unused"] if u["holding"] == "ext:python-basics"]
    assert u["cause"] == "ungraded_provider" and "no grade scale" in u["reason"]


# ---------------------------------------------------------------- exceptions


def test_dana_s_approved_exceptions_count_and_a_self_approved_one_is_refused(engine: stackrules.Engine) -> None:
    dana = stackrules.load_learner(EXAMPLES / "dana.yaml")
    d = engine.audit(dana, "exu:BIT", AS_OF).to_json()
    assert [e["node"] for e in d["exceptions"]] == ["exu:BIT#core", "exu:BIT#computing"] and d["exceptions_refused"] == []
    assert {n["id"]: n["status"] for n in d["nodes"]}["computing"] == "waived"
    doc = _doc("dana.yaml")
    doc["exceptions"].append({"type": "waive", "node": "exu:BIT", "reason": "I say so", "approved_by": "me", "date": "2099-01-01"})
    doc["exceptions"][1] = {**doc["exceptions"][1], "approved_by": "Head of School of Computing"}
    d = engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF).to_json()
    assert d["status"] == "not_met"
    assert [(e["node"], e["reason"]) for e in d["exceptions_refused"]] == [
        ("exu:BIT#computing", "approver_not_listed"),
        ("exu:BIT", "approver_not_listed"),
    ]
    assert {n["id"]: n["status"] for n in d["nodes"]}["computing"] != "waived"
    text = engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF).text()
    assert "Exceptions refused" in text and "`me` is not an approver `exu` lists" in text


def test_an_approver_without_qualification_scope_cannot_waive_the_whole_award(engine: stackrules.Engine) -> None:
    doc = {"id": "L-w", "exceptions": [{"type": "waive", "node": "exu:BIT", "reason": "r", "approved_by": "head-computing", "date": "2026-01-01"}]}
    d = engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF).to_json()
    assert d["status"] == "not_met" and [e["reason"] for e in d["exceptions_refused"]] == ["needs_qualification_scope"]
    doc["exceptions"][0]["approved_by"] = "adean-education"
    d = engine.audit(stackrules.load_learner(doc), "exu:BIT", AS_OF).to_json()
    assert d["status"] == "met" and d["exceptions_refused"] == []


def test_approvers_of_an_uncatalogued_provider_or_listed_twice_are_errors(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "kind: approvers\nprovider: exu\napprovers:\n  - {id: x, name: Ann, may: [waive]}\n  - {id: x, name: Bo, may: [add]}\n", encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text("kind: approvers\nprovider: nobody\napprovers: [{id: z, name: Cy, may: [waive]}]\n", encoding="utf-8")
    with pytest.raises(stackrules.RuleBaseError) as caught:
        stackrules.load(ROOT / "frameworks", ROOT / "rules", tmp_path)
    assert sorted((d.code, Path(d.file).name, d.line) for d in caught.value.diagnostics if d.severity == "error") == [
        ("SR3002", "b.yaml", 2),
        ("SR3006", "a.yaml", 5),
    ]


# ---------------------------------------------------------------- the time limit


def test_the_time_limit_counts_building_the_model(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Building the problem takes (on this fake clock) longer than the whole limit: the solver gets no time, and the answer says so."""
    ticks = iter(range(0, 10**6, 1000))

    class Clock:
        @staticmethod
        def monotonic() -> float:
            return float(next(ticks))

    monkeypatch.setattr(decide_audit, "time", Clock)
    ben = stackrules.load_learner(EXAMPLES / "ben.yaml")
    d = engine.audit(ben, "exu:BIT", AS_OF, time_limit=500)
    doc = d.to_json()
    assert doc["status"] == "indeterminate"
    assert [m["text"] for m in doc["missing"]] == ["not decided within the time limit: what is still needed is not known"]
    assert {u["cause"] for u in doc["unused"]} <= {"not_decided", "does_not_count"} and any(u["cause"] == "not_decided" for u in doc["unused"])
    assert "not decided within the time limit" in d.text().lower() and "no catalogue" not in d.text()
    a = engine.assess(ben, "exu:BIT", AS_OF, time_limit=500)
    assert a.to_json()["status"] == "indeterminate" and "Study remaining: not decided within the time limit" in a.text()


def test_explore_shares_one_budget(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each audit of an exploration gets what is left of one budget, not a fresh limit (the fake clock spends it on the first)."""
    ticks = iter(range(0, 10**6, 1000))

    class Clock:
        @staticmethod
        def monotonic() -> float:
            return float(next(ticks))

    monkeypatch.setattr(decide_explore, "time", Clock)
    ben = stackrules.load_learner(EXAMPLES / "ben.yaml")
    rows = engine.explore(ben, AS_OF, plans=False, time_limit=1500).to_json()["qualifications"]
    assert any(r["status"] == "indeterminate" for r in rows)
    assert all("not decided within the time limit" in r["why"] for r in rows if r["status"] == "indeterminate")


def _spent_by_the_first(monkeypatch: pytest.MonkeyPatch, step: str, module: Any = decide_explore) -> tuple[list[str], dict[str, bool]]:
    """A clock for ``module`` that stands still until the first call of its ``step`` (``audit_decision``,
    ``plan_decision``, ``run_audit``) returns or raises, which spends the whole budget. Returns the targets ``step``
    was called for, in order, and the switch (set ``"now"`` back to False to start again)."""
    spent = {"now": False}
    called: list[str] = []

    class Clock:
        @staticmethod
        def monotonic() -> float:
            return 1e9 if spent["now"] else 0.0

    real = getattr(module, step)

    def spend(*args: Any, **kwargs: Any) -> Any:
        called.append(args[2])
        try:
            return real(*args, **kwargs)
        finally:
            spent["now"] = True

    monkeypatch.setattr(module, "time", Clock)
    monkeypatch.setattr(module, step, spend)
    return called, spent


def test_explore_starts_no_work_once_its_budget_is_spent(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the budget is spent no audit or plan starts (an institution's exploration ran 140 s on a 10 s limit): the
    qualifications not reached are listed as not audited, with how many were; the learner's enrolment goes first."""
    audited, _ = _spent_by_the_first(monkeypatch, "audit_decision")  # the first audit spends the whole budget
    planned: list[str] = []

    def plan(*args: Any, **kwargs: Any) -> Any:
        planned.append(args[2])
        raise AssertionError("no plan starts once the budget is spent")

    monkeypatch.setattr(decide_explore, "plan_decision", plan)
    ben = stackrules.load_learner(EXAMPLES / "ben.yaml")
    d = engine.explore(ben, AS_OF, time_limit=5)
    rows = d.to_json()["qualifications"]
    assert audited == ["exu:BIT"] and planned == []  # the enrolment first; nothing after the budget
    first = next(r for r in rows if r["target"] == "exu:BIT")
    assert first["status"] == "not_met" and first["plan_size"] == 0 and first["plan_status"] == "not_decided"  # its plan was not made in time
    rest = [r for r in rows if r["target"] != "exu:BIT"]
    assert len(rest) == len(engine.qualifications()) - 1
    assert all(
        r["status"] == "unavailable"
        and f"time limit was spent before this qualification was reached (1 of {len(rows)} audited, the last quarter of the limit kept for the plans"
        in r["why"]
        for r in rest
    )
    text = d.text()
    assert "exu:BIT Bachelor of Information Technology" in text and "; not planned within the time limit (raise --time-limit to plan it)" in text
    # the text says the qualifications not reached once, not a line each (an institution has 1,500)
    assert f"and {len(rest)} more not audited: the time limit was spent before they were reached (1 of {len(rows)} audited" in text
    assert "  2. " not in text and not any(f" {r['target']}: " in text for r in rest)


def test_explore_plans_the_best_ranked_row_first(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every qualification is audited before any plan is made, and plans go best ranked first while the budget lasts."""
    planned, _ = _spent_by_the_first(monkeypatch, "plan_decision")
    eva = stackrules.load_learner(EXAMPLES / "eva.yaml")
    rows = engine.explore(eva, AS_OF, time_limit=5).to_json()["qualifications"]
    assert not any(r["status"] == "unavailable" for r in rows)  # every one audited
    short = [r for r in rows if r["status"] == "not_met" and r["remaining"] is not None]
    # rows are in rank order: the first short one got the plan (exu:MDS; audited after aqf:graduate-certificate)
    assert len(short) > 1 and planned == [short[0]["target"]] == ["exu:MDS"]
    assert short[0]["plan_size"] > 0 and all(r["plan_size"] == 0 and r["plan_credits"] is None for r in short[1:])


# ---------------------------------------------------------------- the Python API


def _calls(engine: stackrules.Engine, ben: stackrules.Learner) -> dict[str, Any]:
    return {
        "learner an int": lambda: engine.audit(5, "exu:BIT", AS_OF),  # type: ignore[arg-type]
        "target an int": lambda: engine.audit(ben, 5, AS_OF),  # type: ignore[arg-type]
        "target None": lambda: engine.assess(ben, None, AS_OF),  # type: ignore[arg-type]
        "as_of a datetime": lambda: engine.audit(ben, "exu:BIT", dt.datetime(2026, 11, 28)),
        "as_of text": lambda: engine.audit(ben, "exu:BIT", "2026-11-28"),  # type: ignore[arg-type]
        "time_limit text": lambda: engine.audit(ben, "exu:BIT", AS_OF, time_limit="3"),  # type: ignore[arg-type]
        "look_ahead text": lambda: engine.audit(ben, "exu:BIT", AS_OF, look_ahead="yes"),  # type: ignore[arg-type]
        "alternatives text": lambda: engine.plan(ben, "exu:BIT", AS_OF, alternatives="2"),  # type: ignore[arg-type]
        "terms one string": lambda: engine.plan(ben, "exu:BIT", AS_OF, terms="S1"),  # type: ignore[arg-type]
        "terms ints": lambda: engine.plan(ben, "exu:BIT", AS_OF, terms=(1, 2)),  # type: ignore[arg-type]
        "max_load a float": lambda: engine.plan(ben, "exu:BIT", AS_OF, max_load=7.5),
        "objective an int": lambda: engine.plan(ben, "exu:BIT", AS_OF, objective=5),  # type: ignore[arg-type]
        "plans text": lambda: engine.explore(ben, AS_OF, plans="no"),  # type: ignore[arg-type]
        "towards an int": lambda: engine.counts_towards(5, AS_OF),  # type: ignore[arg-type]
        "graph an int": lambda: engine.graph(5),  # type: ignore[arg-type]
        "load_learner an int": lambda: stackrules.load_learner(5),  # type: ignore[arg-type]
        "load_learner a list": lambda: stackrules.load_learner([1]),  # type: ignore[arg-type]
        "load an int": lambda: stackrules.load(5),  # type: ignore[arg-type]
        "load a cache of an int": lambda: stackrules.load(ROOT / "frameworks", cache=5),  # type: ignore[arg-type]
    }


def test_wrong_argument_types_are_request_errors_that_say_what_to_pass(engine: stackrules.Engine) -> None:
    ben = stackrules.load_learner(EXAMPLES / "ben.yaml")
    for name, call in _calls(engine, ben).items():
        with pytest.raises(RequestError) as caught:
            call()
        assert caught.value.code == "SR5002", name
        assert " not " in caught.value.message or "unknown objective" in caught.value.message, (name, caught.value.message)


# ---------------------------------------------------------------- special files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_check_of_a_device_or_a_pipe_says_what_it_is_not_that_it_is_missing(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    env = {**os.environ, "STACKRULES_CACHE": "off"}
    for path, what in ((Path("/dev/zero"), "a device"), (fifo, "a pipe")):
        if not path.exists():
            continue
        out = subprocess.run([sys.executable, "-m", "stackrules", "check", str(path)], env=env, capture_output=True, text=True, timeout=60, check=False)
        assert out.returncode == 3 and "SR1013" in out.stderr and what in out.stderr and "does not exist" not in out.stderr, out.stderr


def test_the_approvers_schema_is_printed_and_accepts_the_shipped_document() -> None:
    import json

    import jsonschema
    from click.testing import CliRunner

    from stackrules.cli import main

    result = CliRunner().invoke(main, ["schema", "approvers"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    doc = yaml.safe_load((ROOT / "rules" / "example-university" / "approvers.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(doc)
    bad = {**doc, "approvers": [{"id": "x", "name": "X", "may": ["rubber-stamp"]}]}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))


def test_tags_a_learner_file_gives_a_holding_are_shown_where_it_counts() -> None:
    # section 17 lets a holding carry its own tags (a topics course's section attribute); they can move a unit into a
    # restricted pool, so the explanation shows which tags rest on the learner file alone (found by an adversarial run)
    from .conftest import ROOT

    engine = stackrules.load(ROOT / "rules", ROOT / "frameworks")
    data = yaml.safe_load((ROOT / "examples" / "real" / "ict40120-tom.yaml").read_text(encoding="utf-8"))
    plain = engine.audit(stackrules.load_learner(data), "tp-ict:ICT40120", dt.date(2026, 11, 28))
    assert not any("stated_tags" in a for a in plain.to_json()["applied"])
    for h in data["holdings"]:
        if h["credential"] == "tp-bsb:BSBMGT617":
            h["tags"] = ["ict40120-elective"]
    tagged = engine.audit(stackrules.load_learner(data), "tp-ict:ICT40120", dt.date(2026, 11, 28))
    assert tagged.remaining < plain.remaining  # the learner's tag lets the unit count
    entry = next(a for a in tagged.to_json()["applied"] if a["holding"] == "tp-bsb:BSBMGT617")
    assert entry["stated_tags"] == ["ict40120-elective"]
    assert "tagged ict40120-elective by the learner file, not the catalogue" in tagged.text()


def test_a_stated_term_that_begins_after_the_award_is_refused(tmp_path: Path) -> None:
    # six ensembles awarded in one term but stated as six terms counted six distinct terms (found by an adversarial
    # run): a term that begins after the award date cannot be the holding's, and the learner file is refused there
    catalog = {"kind": "catalog", "provider": {"id": "mus", "name": "Music"}, "credit_system": "us-sch"}
    catalog["terms"] = [{"id": "T1", "from": "2024-01-01", "until": "2024-06-30"}, {"id": "T2", "from": "2024-07-01", "until": "2024-12-31"}]
    catalog["credentials"] = [{"id": "mus:ENS", "title": "Ensemble", "credits": 1, "repeatable": {"max": 4}}]
    qual = {"kind": "qualification", "id": "mus:Q", "title": "Q", "provider": "mus"}
    qual["requires"] = {"id": "ens", "credits": 2, "where": {"id": "mus:ENS"}, "limits": [{"id": "terms", "min_distinct": {"count": 2, "of": "term"}}]}
    (tmp_path / "mus.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    engine = stackrules.load(tmp_path, Path(__file__).parent.parent / "frameworks")
    stated = [{"credential": "mus:ENS", "awarded": "2024-03-01", "term": "T1"}, {"credential": "mus:ENS", "awarded": "2024-03-02", "term": "T2"}]
    with pytest.raises(stackrules.LearnerError) as info:
        engine.audit(stackrules.load_learner({"id": "L", "holdings": stated}), "mus:Q", dt.date(2026, 1, 1))
    diag = info.value.diagnostics[0]
    assert diag.code == "SR2004" and "`term: T2` is not the term this holding's `awarded` 2024-03-02 falls in, `T1`" in diag.message
    assert "`T1`" in (diag.help or "")
    # a term stated for a late award (a grade released after the term) is the learner's to give
    late = [{"credential": "mus:ENS", "awarded": "2024-03-01"}, {"credential": "mus:ENS", "awarded": "2025-02-01", "term": "T2"}]
    assert engine.audit(stackrules.load_learner({"id": "L", "holdings": late}), "mus:Q", dt.date(2026, 1, 1)).status == "met"


def test_explore_counts_as_audited_only_what_was_audited(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A qualification whose audit was refused (the learner commenced before its first version) is not counted among
    the audited when the budget runs out (an adversary's finding: "(1 of N audited)" with none audited)."""
    _spent_by_the_first(monkeypatch, "audit_decision")
    early = stackrules.load_learner({"kind": "learner", "id": "early", "enrolments": [{"qualification": "exu:BIT", "commenced": "2001-02-01"}]})
    rows = engine.explore(early, AS_OF, time_limit=5).to_json()["qualifications"]
    bit = next(r for r in rows if r["target"] == "exu:BIT")
    assert bit["status"] == "unavailable" and bit["why"].startswith("not audited: no version of `exu:BIT` is in force on 2001-02-01")
    rest = [r for r in rows if r["target"] != "exu:BIT"]
    assert rest and all(f"(0 of {len(rows)} audited, " in r["why"] for r in rest)


def test_explore_keeps_a_quarter_of_its_budget_for_plans(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """With plans asked for, audits start only in the first three quarters of the budget (each audit here costs one
    second of a four-second budget: three are audited), and the rest goes to plans of the best-ranked rows; the
    learner's enrolment goes first, then the qualifications naming most of what they hold."""
    clock = {"now": 0.0}
    audited: list[str] = []

    class Clock:
        @staticmethod
        def monotonic() -> float:
            return clock["now"]

    real_audit = decide_explore.audit_decision

    def one_second(*args: Any, **kwargs: Any) -> Any:
        audited.append(args[2])
        clock["now"] += 1.0
        return real_audit(*args, **kwargs)

    monkeypatch.setattr(decide_explore, "time", Clock)
    monkeypatch.setattr(decide_explore, "audit_decision", one_second)
    ben = stackrules.load_learner(EXAMPLES / "ben.yaml")
    rows = engine.explore(ben, AS_OF, time_limit=4).to_json()["qualifications"]
    assert len(audited) == 3 and audited[0] == "exu:BIT"
    assert sum(r["status"] != "unavailable" for r in rows) == 3
    planned = [r for r in rows if r.get("plan_size")]
    assert planned and planned[0]["target"] == "exu:BIT"  # its plan made in the quarter kept
    order = decide_explore._first(engine.context, stackrules.load_learner({"kind": "learner", "id": "x", "holdings": [{"credential": "exu:DATA5001"}]}), AS_OF)
    assert order[0] in ("exu:GCDS", "exu:MDS")  # requirements that name the unit held come first


def test_a_plan_builds_nothing_once_its_time_limit_is_spent(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the time limit a plan builds no problem and no model: it is not decided (over an institution each build
    takes seconds, and a plan given 2.5 s ran 6-10 s)."""
    from stackrules.decide import plan as decide_plan

    _, spent = _spent_by_the_first(monkeypatch, "run_audit", decide_plan)  # the learner's audit spends the whole budget
    built: list[str] = []
    real_build = decide_plan.build_problem

    def build(*args: Any, **kwargs: Any) -> Any:
        built.append(args[2])
        return real_build(*args, **kwargs)

    monkeypatch.setattr(decide_plan, "build_problem", build)
    ben = stackrules.load_learner(EXAMPLES / "ben.yaml")
    for objective in ("credits", "terms"):
        spent["now"] = False
        d = engine.plan(ben, "exu:BIT", AS_OF, objective=objective, time_limit=5)
        doc = d.to_json()
        assert doc["status"] == "no_plan" and doc["proof"] == "indeterminate", doc
        assert "not decided within the time limit" in d.text()
    assert built == []


def test_explore_tells_a_plan_proven_impossible_from_one_not_made_in_time(tmp_path: Path) -> None:
    # both were "no plan was found (none ..., or not within the time limit)", plan_size 0 in the JSON: an advisor
    # could not tell a programme the learner cannot finish here from one the engine ran out of time on. The only
    # unit of t:SHORT is incompatible with one the learner holds, so no plan may add it
    (tmp_path / "c.yaml").write_text(
        "kind: catalog\nprovider: {id: t, name: T}\ncredit_system: {id: t-cp, full_time_year: 48}\ncredentials:\n"
        '  - {id: "t:A", title: A, credits: 6, tags: [ex], incompatible: ["t:H"]}\n  - {id: "t:H", title: H, credits: 6}\n'
        '  - {id: "t:B", title: B, credits: 6, tags: [why]}\n',
        encoding="utf-8",
    )
    (tmp_path / "short.yaml").write_text(
        'kind: qualification\nid: "t:SHORT"\ntitle: Short of units\nprovider: t\nrequires: {id: xs, credits: 6, where: {tags: ex}}\n',
        encoding="utf-8",
    )
    (tmp_path / "ok.yaml").write_text(
        'kind: qualification\nid: "t:OK"\ntitle: Can be finished\nprovider: t\nrequires: {id: ys, credits: 6, where: {tags: why}}\n',
        encoding="utf-8",
    )
    engine = stackrules.load(tmp_path)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "t:H"}]})
    d = engine.explore(learner, AS_OF, time_limit=30)
    rows = {r["target"]: r for r in d.to_json()["qualifications"]}
    assert rows["t:SHORT"]["plan_status"] == "no_plan" and rows["t:SHORT"]["plan_size"] == 0
    assert rows["t:OK"]["plan_status"] == "planned" and rows["t:OK"]["plan_size"] == 1
    short = next(line for line in d.text().splitlines() if "t:SHORT" in line)
    assert "no plan completes it within its rules, the offerings and the load" in short and "time limit" not in short


def test_a_batch_exploration_that_audited_nothing_is_not_decided_not_explored(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # the batch summary said `explored` of a learner whose exploration's time limit was spent before any audit
    from stackrules.cohort.batch import Job, decide_item
    from stackrules.cohort.inputs import Item

    clock = iter([0.0])

    class Spent:
        @staticmethod
        def monotonic() -> float:
            return next(clock, 1e9)  # the start, then past every deadline

    monkeypatch.setattr(decide_explore, "time", Spent)
    ben = stackrules.load_learner(EXAMPLES / "ben.yaml")
    job = Job("explore", None, AS_OF, time_limit=5)
    result = decide_item(engine, job, Item(0, "ben", "ben.yaml", ben))
    doc = json.loads(result.line)["decision"]
    assert doc["audited"] == 0 and doc["not_reached"] == len(engine.qualifications()) == len(doc["qualifications"])
    assert result.status == "not_decided"
    monkeypatch.undo()
    done = decide_item(engine, job, Item(0, "ben", "ben.yaml", ben))
    again = json.loads(done.line)["decision"]
    assert done.status == "explored" and again["audited"] == len(engine.qualifications()) and again["not_reached"] == 0
