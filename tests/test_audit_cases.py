"""Decision case files: a rule base, a learner, a target and the decision expected.

Each ``tests/cases/*.yaml`` holds ``rules`` (file name -> document, added to
the shared ``_base``), ``learner``, ``target``, ``as_of`` and ``expect``.
Expectations are partial: only the fields named are compared.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

import stackrules
from stackrules.decide.audit import run_audit

HERE = Path(__file__).parent / "cases"
BASE = HERE / "_base"
CASES = sorted(p for p in HERE.glob("*.yaml"))


def _dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def run_case(case: Path, tmp: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = yaml.safe_load(case.read_text(encoding="utf-8"))
    folder = tmp / "rules"
    folder.mkdir()
    for name, doc in (spec.get("rules") or {}).items():
        (folder / name).write_text(_dump(doc), encoding="utf-8")
    engine = stackrules.load(BASE, folder)
    learner = stackrules.load_learner(_stringify(spec["learner"]))
    as_of = spec.get("as_of", dt.date(2026, 6, 30))
    method = spec.get("method", "audit")
    decision = getattr(engine, method)(learner, spec["target"], as_of, look_ahead=bool(spec.get("look_ahead")))
    got = decision.to_json()
    if "path" in spec.get("expect", {}):
        _, choice, _, again = run_audit(engine.context, learner, spec["target"], as_of, bool(spec.get("look_ahead")), 60.0)
        assert again.to_json() == got
        got["path"] = choice.path
    return spec, got


def _stringify(value: Any) -> Any:
    """Dates from PyYAML's loader back to ISO text, as a learner document would have them."""
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def check(expect: dict[str, Any], got: dict[str, Any]) -> None:
    for key, want in expect.items():
        if key == "status":
            assert got["status"] == want
        elif key in ("remaining", "counted", "required"):
            assert got["credits"][key] == (None if want is None else str(want)), key
        elif key == "nodes":
            statuses = {n["id"]: n["status"] for n in got["nodes"]}
            assert {k: statuses.get(k) for k in want} == want
        elif key == "claims":
            claims = {n["id"]: n["claimed"] for n in got["nodes"]}
            assert {k: claims.get(k) for k in want} == want
        elif key == "limits":
            limits = {lim["id"]: [lim["status"], lim["value"]] for lim in got["limits"]}
            assert {k: limits.get(k) for k in want} == {k: [v[0], str(v[1])] for k, v in want.items()}
        elif key == "credit":
            credit = [{"rule": c["rule"], "sources": c["sources"], "granted": {g["as"]: g["credits"] for g in c["granted"]}} for c in got["credit"]]
            assert credit == [{"rule": c["rule"], "sources": c["sources"], "granted": {k: str(v) for k, v in c["granted"].items()}} for c in want]
        elif key == "credit_not_used":  # what an applied rule grants that the choice does not count: [as, reason, detail]
            got_nu = {c["rule"]: [[g["as"], g["reason"], g["detail"]] for g in c.get("not_used", [])] for c in got["credit"]}
            assert {k: got_nu.get(k) for k in want} == want
        elif key == "credit_stated_tags":  # sources whose tags the learner file gives: {rule: {source: [tags]}}
            assert {c["rule"]: c.get("stated_tags", {}) for c in got["credit"] if c["rule"] in want} == want
        elif key == "refused":
            refused = sorted((r["rule"], tuple(r["sources"]), r["reason"]) for r in got["refused"])
            assert refused == sorted((r["rule"], tuple(r["sources"]), r["reason"]) for r in want)
        elif key == "step_why":  # a plan's step -> its `why`
            assert {st["credential"]: st["why"] for st in got["steps"] if st["credential"] in want} == want
        elif key == "relies_on_pending":  # a plan complete only once study in progress or planned is passed
            assert got.get("relies_on_pending", False) == want
        elif key == "limits_not_applied":  # limits whose node is waived, exempt or not applicable
            assert sorted(lim["id"] for lim in got["limits"] if lim.get("not_applied")) == sorted(want)
        elif key == "limits_ungraded":  # `min_gpa` limits that average over no graded credit
            assert sorted(lim["id"] for lim in got["limits"] if lim.get("ungraded")) == sorted(want)
        elif key == "refused_details":  # rule -> the refusal's detail, as the statement says it
            assert {r["rule"]: r.get("detail") for r in got["refused"] if r["rule"] in want} == want
        elif key == "unused":
            assert sorted(u["holding"] for u in got["unused"]) == sorted(want)
        elif key == "unused_causes":
            causes = {u["holding"]: u["cause"] for u in got["unused"]}
            assert {k: causes.get(k) for k in want} == want
        elif key == "exceptions_refused":
            assert [[e["node"], e["reason"]] for e in got["exceptions_refused"]] == want
        elif key == "exceptions_refused_details":
            assert [e["detail"] for e in got["exceptions_refused"]] == want
        elif key == "exceptions":
            assert [e["node"] for e in got["exceptions"]] == want
        elif key == "missing_credentials":
            assert sorted(c for m in got["missing"] for c in m["credentials"]) == sorted(want)
        elif key == "missing_text":
            texts = {m["node"]: m["text"] for m in got["missing"]}
            assert {k: texts.get(k) for k in want} == want
        elif key == "pending":
            assert got["pending"] == want
        elif key == "exceptions_effects":
            assert [e["effect"] for e in got["exceptions"]] == want
        elif key == "node_why":
            assert {n["id"]: n.get("why") for n in got["nodes"] if n["id"] in want} == want
        elif key == "unused_causes":
            assert {u["holding"]: u["cause"] for u in got["unused"] if u["holding"] in want} == want
        elif key == "unused_reasons":
            assert {u["holding"]: u["reason"] for u in got["unused"] if u["holding"] in want} == want
        elif key == "unused_reason_texts":
            assert sorted(u["reason"] for u in got["unused"]) == sorted(want)
        elif key == "remaining_records":
            assert got["credits"].get("remaining_records", 0) == want
        elif key == "missing_records":
            assert {m["node"]: m.get("records", 0) for m in got["missing"]} == want
        elif key == "equivalents":
            assert got.get("equivalents", []) == want
        elif key == "shared":  # holdings counted in more than one requirement
            assert got.get("shared", []) == want
        elif key == "plan_status":  # planned | complete | no_plan | ...
            assert got["status"] == want
        elif key == "cannot_place":  # a plan that cannot be made: credential -> why
            assert {c["credential"]: c["why"] for c in got["cannot_place"]} == want
        elif key == "added":  # a plan's additions
            assert got["added"] == want
        elif key == "plan_terms":  # how many terms a plan's schedule takes
            assert len(got["terms"]) == want
        elif key == "path":  # which path decided: the greedy fast path, or the solver (the fast path declined)
            assert got["path"] == want
        else:
            raise AssertionError(f"unknown expectation `{key}`")


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case(case: Path, tmp_path: Path) -> None:
    spec, got = run_case(case, tmp_path)
    check(spec["expect"], got)
