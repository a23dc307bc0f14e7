"""The independent checker refuses wrong choices.

Each test builds a real problem (the case base in ``tests/cases/_base`` plus
a qualification and credit rules written for it), takes the choice the exact
solver makes (which the checker accepts), corrupts it in one deliberate way,
and expects :func:`verify` to refuse it with the message of that rejection.
The last tests check that the statuses the checker reports follow from the
claims alone (pending study, minimum limits, nested totals).
"""

from __future__ import annotations

import copy
import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

import stackrules
from stackrules.decide.checker import verify, verify_outcome
from stackrules.decide.choice import Choice
from stackrules.decide.problem import Problem, build_problem
from stackrules.decide.solve import solve
from stackrules.errors import VerificationError

BASE = Path(__file__).parent / "cases" / "_base"
AS_OF = dt.date(2026, 6, 30)


def problem(tmp_path: Path, docs: dict[str, Any], holdings: list[Any], target: str = "t:Q", look_ahead: bool = False) -> Problem:
    folder = tmp_path / "rules"
    folder.mkdir(parents=True)
    for name, doc in docs.items():
        (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    engine = stackrules.load(BASE, folder)
    learner = stackrules.load_learner({"id": "L", "holdings": [h if isinstance(h, dict) else {"credential": h} for h in holdings]})
    return build_problem(engine.rules, learner.doc, target, AS_OF, look_ahead, compiler=engine.compiled)


def qual(requires: Any, credits: int = 12, **more: Any) -> dict[str, Any]:
    return {"kind": "qualification", "id": "t:Q", "title": "Q", "provider": "t", "credits": credits, "requires": requires, **more}


def rule(rid: str, source: Any, grant: list[Any], into: str = "t:Q") -> dict[str, Any]:
    return {"kind": "credit_rule", "id": rid, "type": "rpl", "into": into, "from": source, "grant": grant}


def solved(p: Problem) -> Choice:
    """The solver's choice, which the checker accepts (the corruptions start from a valid choice)."""
    choice = solve(p, 30.0)
    verify(p, choice)
    return choice


def leaf(p: Problem, node_id: str) -> int:
    """The index of the leaf with ``node_id`` (or the only leaf under it)."""
    (node,) = [n for n in p.top.walk() if n.id == node_id]
    (only,) = node.leaves()
    return only.index


def item(p: Problem, key: str, origin: str | None = None) -> int:
    (found,) = [it.index for it in p.items if it.key == key and (origin is None or it.origin == origin)]
    return found


def refused(p: Problem, choice: Choice, message: str) -> None:
    with pytest.raises(VerificationError, match="failed verification: " + message):
        verify(p, choice)


# ---------------------------------------------------------------- claims


def test_a_claim_on_a_node_that_is_not_a_leaf(tmp_path: Path) -> None:
    p = problem(tmp_path, {"q.yaml": qual({"id": "core", "all": ["t:A1", "t:A2"]})}, ["t:A1", "t:A2"])
    choice = solved(p)
    bad = copy.deepcopy(choice)
    bad.claims[p.top.index] = [(item(p, "t:A1"), 1)]
    refused(p, bad, r"a claim on node \d+, which is not a leaf of the target")


def test_a_named_credential_leaf_claims_two_credentials(tmp_path: Path) -> None:
    p = problem(tmp_path, {"q.yaml": qual({"all": [{"id": "one", "all": ["t:A1"]}, {"id": "more", "credits": 6}]})}, ["t:A1", "t:A2"])
    choice = solved(p)
    bad = copy.deepcopy(choice)
    bad.claims[leaf(p, "one")].append((item(p, "t:A2"), 1))
    refused(p, bad, "`[^`]+` claims more than one credential")


def test_another_providers_holding_claimed_directly(tmp_path: Path) -> None:
    p = problem(tmp_path, {"q.yaml": qual({"id": "any", "credits": 12})}, ["t:A1", "t:A2", "e:U1"])
    bad = copy.deepcopy(solved(p))
    bad.claims[leaf(p, "any")].append((item(p, "e:U1"), 1))
    refused(p, bad, "`e:U1` is from another provider and was claimed directly")


def test_a_filter_violated(tmp_path: Path) -> None:
    p = problem(
        tmp_path,
        {"q.yaml": qual({"all": [{"id": "as", "credits": 6, "where": {"tags": "a"}}, {"id": "bs", "credits": 6, "where": {"tags": "b"}}]})},
        ["t:A1", "t:B1", "t:B2"],
    )
    choice = solved(p)
    bad = copy.deepcopy(choice)
    # B2 (tagged b) put where only tag a is accepted
    bad.claims[leaf(p, "as")] = [(item(p, "t:B2"), 1)]
    refused(p, bad, "`t:B2` cannot fill `")


def test_a_leaf_condition_violated(tmp_path: Path) -> None:
    # min_grade on the leaf: a P is below the C it asks for
    p = problem(
        tmp_path,
        {"q.yaml": qual({"id": "good", "credits": 6, "min_grade": "C"}, credits=6)},
        [{"credential": "t:A1", "grade": "P"}, {"credential": "t:A2", "grade": "D"}],
    )
    choice = solved(p)
    assert choice.claims[leaf(p, "good")] == [(item(p, "t:A2"), 1)]
    bad = copy.deepcopy(choice)
    bad.claims[leaf(p, "good")] = [(item(p, "t:A1"), 1)]
    refused(p, bad, "`t:A1` cannot fill `")


def test_an_item_claimed_more_times_than_it_exists(tmp_path: Path) -> None:
    p = problem(tmp_path, {"q.yaml": qual({"id": "any", "credits": 12})}, ["t:A1", "t:A2"])
    bad = copy.deepcopy(solved(p))
    bad.claims[leaf(p, "any")] = [(item(p, "t:A1"), 2)]
    refused(p, bad, "`t:A1` claimed 2 times")


def test_a_double_claim(tmp_path: Path) -> None:
    p = problem(tmp_path, {"q.yaml": qual({"all": [{"id": "as", "credits": 6, "where": {"tags": "a"}}, {"id": "any", "credits": 6}]})}, ["t:A1", "t:B1"])
    choice = solved(p)
    bad = copy.deepcopy(choice)
    # A1 counted by both pools, in place of B1
    bad.claims[leaf(p, "any")] = [(item(p, "t:A1"), 1)]
    bad.claims[leaf(p, "as")] = [(item(p, "t:A1"), 1)]
    refused(p, bad, "`t:A1` is claimed twice, by `")


def test_shares_with_allows_the_same_double_claim(tmp_path: Path) -> None:
    # the control for the test above: with `shares_with` the same two claims are accepted
    tree = {"all": [{"id": "as", "credits": 6, "where": {"tags": "a"}}, {"id": "any", "credits": 6, "shares_with": ["as"]}]}
    p = problem(tmp_path, {"q.yaml": qual(tree, credits=6)}, ["t:A1"])
    choice = solved(p)
    assert choice.claims[leaf(p, "as")] == choice.claims[leaf(p, "any")] == [(item(p, "t:A1"), 1)]
    ev = verify(p, choice)
    assert ev.status[p.top.index] == "met"


def test_incompatible_credentials_both_counted(tmp_path: Path) -> None:
    p = problem(tmp_path, {"q.yaml": qual({"id": "xs", "credits": 6, "where": {"tags": "x"}}, credits=6)}, ["t:X1", "t:X2"])
    choice = solved(p)
    bad = copy.deepcopy(choice)
    bad.claims[leaf(p, "xs")] = [(item(p, "t:X1"), 1), (item(p, "t:X2"), 1)]
    refused(p, bad, "`t:X1` and `t:X2` are incompatible and both count")


def test_incompatible_credentials_both_counted_one_through_a_credit_rule(tmp_path: Path) -> None:
    # t:X1 feeds a rule for 6 cp of credit while t:X2, incompatible with it, counts directly: the same content twice
    docs = {"q.yaml": qual({"id": "any", "credits": 12}), "r.yaml": rule("r", "t:X1", [{"unspecified": 6}])}
    p = problem(tmp_path, docs, ["t:X1", "t:X2", "t:A1"])
    (app,) = p.apps
    bad = copy.deepcopy(solved(p))
    bad.apps = [app.index]
    (source_leaf,) = app.root.leaves()
    bad.source_claims = {source_leaf.index: [item(p, "t:X1")]}
    bad.claims[leaf(p, "any")] = [(item(p, "t:X2"), 1), (item(p, "credit:r:1"), 1)]
    refused(p, bad, "`t:X1` and `t:X2` are incompatible and both count")


def test_a_credential_held_and_granted_counts_twice(tmp_path: Path) -> None:
    # a specified grant of t:A1 and the learner's own t:A1 are one credential: only one may count
    docs = {"q.yaml": qual({"id": "any", "credits": 12}), "r.yaml": rule("r", "e:U1", ["t:A1"])}
    p = problem(tmp_path, docs, ["t:A1", "t:A2", "e:U1"])
    choice = solved(p)
    assert not choice.apps  # home study completes the target: no credit is used
    (app,) = p.apps
    bad = copy.deepcopy(choice)
    bad.apps = [app.index]
    (source_leaf,) = app.root.leaves()
    bad.source_claims = {source_leaf.index: [item(p, "e:U1")]}
    bad.claims[leaf(p, "any")] = [(item(p, "t:A1", "holding"), 1), (item(p, "t:A1", "grant"), 1), (item(p, "t:A2"), 1)]
    refused(p, bad, "`t:A1` counts twice")


# ---------------------------------------------------------------- credit rules


def _credit_problem(tmp_path: Path, holdings: list[Any]) -> Problem:
    docs = {"q.yaml": qual({"id": "any", "credits": 12}), "r.yaml": rule("r", {"count": 1, "where": {"provider": "e"}}, [{"unspecified": 6}])}
    return problem(tmp_path, docs, holdings)


def test_credit_claimed_without_its_rule_application(tmp_path: Path) -> None:
    p = _credit_problem(tmp_path, ["t:A1", "t:A2", "e:U1"])
    choice = solved(p)
    assert not choice.apps
    bad = copy.deepcopy(choice)
    bad.claims[leaf(p, "any")] = [(item(p, "t:A1"), 1), (item(p, "credit:r:1"), 1)]
    refused(p, bad, "`credit:r:1` is credit from an application that was not used")


def test_a_source_feeding_an_application_that_is_not_used(tmp_path: Path) -> None:
    p = _credit_problem(tmp_path, ["t:A1", "t:A2", "e:U1"])
    bad = copy.deepcopy(solved(p))
    (source_leaf,) = p.apps[0].root.leaves()
    bad.source_claims = {source_leaf.index: [item(p, "e:U1")]}
    refused(p, bad, "`e:U1` feeds an application that was not used")


def test_a_source_feeding_two_applications(tmp_path: Path) -> None:
    p = _credit_problem(tmp_path, ["e:U1", "e:U2"])
    choice = solved(p)
    assert len(choice.apps) == 2  # both grants are needed for the 12 cp
    bad = copy.deepcopy(choice)
    first, second = (a.root.leaves()[0].index for a in p.apps)
    bad.source_claims = {first: [item(p, "e:U1")], second: [item(p, "e:U1")]}
    refused(p, bad, "`e:U1` feeds two rule applications")


def test_a_source_also_claimed_directly(tmp_path: Path) -> None:
    # a home holding may be a source of credit (here for 12 cp of credit) or count directly, not both
    docs = {"q.yaml": qual({"id": "any", "credits": 12}), "r.yaml": rule("r", "t:A1", [{"unspecified": 12}])}
    p = problem(tmp_path, docs, ["t:A1"])
    choice = solved(p)
    assert choice.apps == [0]
    bad = copy.deepcopy(choice)
    bad.claims[leaf(p, "any")].append((item(p, "t:A1", "holding"), 1))
    refused(p, bad, "`t:A1` is both a source of credit and claimed directly")


def test_a_source_the_rule_does_not_accept(tmp_path: Path) -> None:
    docs = {"q.yaml": qual({"id": "any", "credits": 12}), "r.yaml": rule("r", "e:U1", [{"unspecified": 12}])}
    p = problem(tmp_path, docs, ["e:U1", "e:U3"])
    choice = solved(p)
    assert choice.apps == [0]
    bad = copy.deepcopy(choice)
    (source_leaf,) = p.apps[0].root.leaves()
    bad.source_claims[source_leaf.index] = [item(p, "e:U3")]
    refused(p, bad, "`e:U3` cannot be a source of `r`")


def test_an_application_whose_sources_do_not_meet_from(tmp_path: Path) -> None:
    docs = {"q.yaml": qual({"id": "any", "credits": 12}), "r.yaml": rule("r", {"all": ["e:U1", "e:U2"]}, [{"unspecified": 12}])}
    p = problem(tmp_path, docs, ["e:U1", "e:U2"])
    choice = solved(p)
    assert choice.apps == [0]
    bad = copy.deepcopy(choice)
    u2 = item(p, "e:U2")
    bad.source_claims = {lf: [i for i in its if i != u2] for lf, its in bad.source_claims.items()}
    refused(p, bad, "application 1 of `r` is used, but its sources do not meet `from`")


# ---------------------------------------------------------------- completions and limits


def _short_problem(tmp_path: Path, **more: Any) -> Problem:
    """A learner one credential short: the solver completes the target with a catalogue addition."""
    return problem(tmp_path, {"q.yaml": qual({"id": "core", "all": ["t:A1", "t:A2"]}, **more)}, ["t:A1"])


def test_an_addition_outside_a_completion(tmp_path: Path) -> None:
    p = _short_problem(tmp_path)
    choice = solved(p)
    assert choice.completion and any(p.items[i].origin == "addition" for its in choice.claims.values() for i, _ in its)
    bad = copy.deepcopy(choice)
    bad.completion = False
    refused(p, bad, "`t:A2` was added outside a completion")


# ---------------------------------------------------------------- the decision's status and its completion witness


def _outcome_refused(p: Problem, choice: Choice, status: str, remaining: Fraction | None, listed: list[str], message: str) -> None:
    ev = verify(p, choice)
    with pytest.raises(VerificationError, match="failed verification: " + message):
        verify_outcome(p, choice, ev, status, remaining, listed)


def test_the_true_outcome_and_its_witness_pass(tmp_path: Path) -> None:
    p = _short_problem(tmp_path)
    choice = solved(p)
    verify_outcome(p, choice, verify(p, choice), "not_met", Fraction(6), ["t:A2"])


def test_a_wrong_status_is_refused(tmp_path: Path) -> None:
    p = _short_problem(tmp_path)
    choice = solved(p)
    _outcome_refused(p, choice, "met", Fraction(6), ["t:A2"], "the status is `met`, but the claims make it `not_met`")


def test_a_too_high_or_too_low_remaining_is_refused(tmp_path: Path) -> None:
    p = _short_problem(tmp_path)
    choice = solved(p)
    _outcome_refused(p, choice, "not_met", Fraction(12), ["t:A2"], "`remaining` is 12, but the completion adds 6")
    _outcome_refused(p, choice, "not_met", Fraction(0), ["t:A2"], "`remaining` is 0, but the completion adds 6")


def test_a_remaining_without_a_completion_or_a_missing_credential_not_added_is_refused(tmp_path: Path) -> None:
    p = _short_problem(tmp_path)
    choice = solved(p)
    _outcome_refused(p, choice, "not_met", Fraction(6), ["t:B1"], "`t:B1` is listed as missing, but the completion does not add it")
    bad = copy.deepcopy(choice)
    bad.claims = {lf: [(i, k) for i, k in its if p.items[i].origin != "addition"] for lf, its in bad.claims.items()}
    bad.completion = False
    _outcome_refused(p, bad, "not_met", Fraction(6), [], "`remaining` is 6, but the choice completes nothing")


def test_a_witness_that_does_not_complete_the_target_is_refused(tmp_path: Path) -> None:
    p = _short_problem(tmp_path)
    choice = solved(p)
    ev = verify(p, choice)
    bad = copy.deepcopy(choice)
    bad.claims = {lf: [(i, k) for i, k in its if p.items[i].origin != "addition"] for lf, its in bad.claims.items()}
    with pytest.raises(VerificationError, match="the learner's items and the listed additions do not complete the target"):
        verify_outcome(p, bad, ev, "not_met", Fraction(0), [])


def test_a_completion_that_does_not_complete(tmp_path: Path) -> None:
    p = _short_problem(tmp_path)
    bad = copy.deepcopy(solved(p))
    bad.claims = {lf: [(i, k) for i, k in its if p.items[i].origin != "addition"] for lf, its in bad.claims.items()}
    refused(p, bad, "the completion does not complete the target")


def test_a_completion_short_of_the_total(tmp_path: Path) -> None:
    # the tree is met by one credential, but the qualification's 12 cp need a second one
    p = problem(tmp_path, {"q.yaml": qual({"any": [{"id": "one", "all": ["t:A1"]}, {"id": "two", "all": ["t:A2"]}]})}, ["t:A1", "t:A2"])
    choice = solved(p)
    assert len(choice.claims) == 2
    bad = copy.deepcopy(choice)
    del bad.claims[leaf(p, "two")]
    refused(p, bad, "the completion does not complete the target")


def test_a_nested_total_not_reached(tmp_path: Path) -> None:
    # the nested certificate's own 12 cp: its `any` is met by A1 alone, its total is not
    inner = {"kind": "qualification", "id": "t:GC", "title": "GC", "provider": "t", "credits": 12, "requires": {"id": "base", "any": ["t:A1", "t:A2"]}}
    outer = qual({"all": [{"id": "cert", "qualification": "t:GC"}, {"id": "more", "credits": 6}]}, credits=12)
    outer["credits"] = 18
    p = problem(tmp_path, {"inner.yaml": inner, "q.yaml": outer}, ["t:A1", "t:A2", "t:B1"])
    choice = solved(p)
    assert verify(p, choice).status[p.top.index] == "met"
    (a2_leaf,) = [lf for lf, its in choice.claims.items() if its == [(item(p, "t:A2"), 1)]]
    bad = copy.deepcopy(choice)
    del bad.claims[a2_leaf]
    # ... and the outer total still holds (B1 moved to a spare pool): only the nested total fails
    bad.claims[leaf(p, "more")] = [(item(p, "t:B1"), 1), (item(p, "t:A2"), 1)]
    refused(p, bad, "the completion does not complete the target")
    bad.completion = False
    ev = verify(p, bad)
    (cert,) = [n for n in p.top.walk() if n.id == "cert"]
    (base,) = [n for n in p.top.walk() if n.id == "t:GC#base"]
    # its `any` has a met child (A1), yet the certificate's own total is not reached: not met
    assert [ev.status[c.index] for c in base.children] == ["met", "not_met"]
    assert ev.status[base.index] == ev.status[cert.index] == "not_met"


@pytest.mark.parametrize(
    ("limit", "broken"),
    [
        ({"id": "cap", "max_credits": 6, "where": {"level": 1}}, "limit `cap` is broken: 12 > 6"),
        ({"id": "few", "max_count": 1, "where": {"tags": "a"}}, "limit `few` is broken: 2 > 1"),
        ({"id": "share", "max_share": "1/4", "where": {"level": 1}}, "limit `share` is broken: 12 > 6"),
    ],
)
def test_a_maximum_limit_broken(tmp_path: Path, limit: dict[str, Any], broken: str) -> None:
    p = problem(tmp_path, {"q.yaml": qual({"id": "any", "credits": 24}, credits=24, limits=[limit])}, ["t:A1", "t:A2", "t:B1", "t:B2", "t:B3"])
    choice = solved(p)
    claimed = [p.items[i].key for its in choice.claims.values() for i, _ in its]
    assert sorted(claimed) in (["t:A1", "t:B1", "t:B2", "t:B3"], ["t:A2", "t:B1", "t:B2", "t:B3"])  # one level-1 unit, at the limit
    (extra,) = {"t:A1", "t:A2"} - set(claimed)
    bad = copy.deepcopy(choice)
    bad.claims[leaf(p, "any")].append((item(p, extra), 1))
    refused(p, bad, broken)


@pytest.mark.parametrize(
    "limit",
    [
        {"id": "some", "min_credits": 12, "where": {"tags": "b"}},
        {"id": "some", "min_count": 2, "where": {"tags": "b"}},
        {"id": "some", "min_share": "1", "where": {"tags": "b"}},
        {"id": "some", "min_gpa": 6},
        {"id": "some", "min_distinct": {"count": 2, "of": "tags"}},
    ],
)
def test_a_minimum_limit_broken(tmp_path: Path, limit: dict[str, Any]) -> None:
    holdings = [
        {"credential": "t:A1", "grade": "H"},
        {"credential": "t:A2", "grade": "P"},
        {"credential": "t:B1", "grade": "D"},
        {"credential": "t:B2", "grade": "D"},
    ]
    p = problem(tmp_path, {"q.yaml": qual({"id": "any", "credits": 12}, limits=[limit])}, holdings)
    choice = solved(p)
    assert sorted(p.items[i].key for i, _ in choice.claims[leaf(p, "any")]) == ["t:B1", "t:B2"] or limit.get("min_distinct") or limit.get("min_gpa")
    # the two a-tagged units (GPA 5.5, one tag) also make 12 cp, but break the minimum
    bad = copy.deepcopy(choice)
    bad.claims[leaf(p, "any")] = [(item(p, "t:A1"), 1), (item(p, "t:A2"), 1)]
    refused(p, bad, "the completion does not complete the target")
    # outside a completion the same claims are a valid progress report: the limit is `short`, the target not met
    bad.completion = False
    ev = verify(p, bad)
    assert [r.status for r in ev.limits] == ["short"]
    assert ev.status[p.top.index] == "not_met"


# ---------------------------------------------------------------- statuses follow from the claims


def test_statuses_follow_from_the_claims_not_the_solver(tmp_path: Path) -> None:
    p = problem(tmp_path, {"q.yaml": qual({"all": [{"id": "one", "all": ["t:A1"]}, {"id": "two", "all": ["t:A2"]}]})}, ["t:A1", "t:A2"])
    choice = solved(p)
    ev = verify(p, choice)
    assert ev.status[p.top.index] == "met"
    (one,) = [n for n in p.top.walk() if n.id == "one"]
    (two,) = [n for n in p.top.walk() if n.id == "two"]
    # a choice that drops one claim, still labelled `optimal` by whoever made it
    weaker = Choice("optimal", claims={leaf(p, "one"): choice.claims[leaf(p, "one")]}, completion=False)
    ev = verify(p, weaker)
    assert (ev.status[one.index], ev.status[two.index], ev.status[p.top.index]) == ("met", "not_met", "not_met")
    assert [it.key for it in ev.claimed[p.top.index]] == ["t:A1"]


def test_a_pending_claim_is_marked_and_makes_the_target_met_pending(tmp_path: Path) -> None:
    p = problem(
        tmp_path,
        {"q.yaml": qual({"all": [{"id": "one", "all": ["t:A1"]}, {"id": "two", "all": ["t:A2"]}]})},
        ["t:A1", {"credential": "t:A2", "status": "in_progress"}],
        look_ahead=True,
    )
    choice = solved(p)
    ev = verify(p, choice)
    (one,) = [n for n in p.top.walk() if n.id == "one"]
    (two,) = [n for n in p.top.walk() if n.id == "two"]
    assert (ev.status[one.index], ev.status[two.index], ev.status[p.top.index]) == ("met", "met_pending", "met_pending")
    assert [(it.key, it.pending) for it in ev.claimed[p.top.index]] == [("t:A1", False), ("t:A2", True)]
    # the same claims on completed study: met, nothing pending
    done = problem(tmp_path / "done", {"q.yaml": qual({"all": [{"id": "one", "all": ["t:A1"]}, {"id": "two", "all": ["t:A2"]}]})}, ["t:A1", "t:A2"])
    ev = verify(done, solved(done))
    assert ev.status[done.top.index] == "met"
    assert not any(it.pending for it in ev.claimed[done.top.index])


def test_a_pending_claim_in_the_public_decision(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "q.yaml").write_text(yaml.safe_dump(qual({"id": "core", "all": ["t:A1", "t:A2"]})), encoding="utf-8")
    engine = stackrules.load(BASE, folder)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "t:A1"}, {"credential": "t:A2", "status": "planned"}]})
    got = engine.audit(learner, "t:Q", AS_OF, look_ahead=True).to_json()
    assert got["status"] == "met_pending" and got["pending"] == ["t:A2"]
    (core,) = [n for n in got["nodes"] if n["id"] == "core"]
    assert core["status"] == "met_pending" and core["pending"] == ["t:A2"]


def test_a_graded_record_under_a_grade_average(tmp_path: Path) -> None:
    """A record carries no credit, so its grade weighs nothing in `min_gpa` (a credit-weighted mean): the solver's
    row and the reported average leave it out, and the checker accepts the decision instead of refusing it."""
    catalog = {
        "kind": "catalog",
        "provider": {"id": "u", "name": "U"},
        "credit_system": {"id": "u-sch", "full_time_year": 30},
        "grade_scale": {"order": ["F", "P", "D"], "pass": "P", "points": {"F": 0, "P": 4, "D": 6}},
        "credentials": [{"id": "u:R1", "title": "Recital", "credits": 0, "type": "record"}, {"id": "u:A1", "title": "A1", "credits": 3}],
    }
    qual = {
        "kind": "qualification",
        "id": "u:Q",
        "title": "Q",
        "provider": "u",
        "credits": 3,
        "requires": {"all": [{"id": "recital", "count": 1, "where": {"type": "record"}}, {"id": "rest", "credits": 3}]},
        "limits": [{"id": "gpa", "min_gpa": 5}],
    }
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    engine = stackrules.load(tmp_path)
    met = engine.audit(
        stackrules.load_learner({"id": "L", "holdings": [{"credential": "u:R1", "grade": "P"}, {"credential": "u:A1"}]}), "u:Q", dt.date(2026, 6, 30)
    )
    assert met.to_json()["status"] == "met"
    short = engine.audit(stackrules.load_learner({"id": "L", "holdings": [{"credential": "u:R1", "grade": "P"}]}), "u:Q", dt.date(2026, 6, 30))
    assert (short.to_json()["status"], short.to_json()["credits"]["remaining"]) == ("not_met", "3")
