"""Plans a student can carry out: schedules inside the model, the plan checker, and the advisor's tie breaks."""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stackrules
from stackrules.cli import main
from stackrules.decide.plancheck import PlannedTerm, UsedCredit, check_plan
from stackrules.errors import VerificationError
from stackrules.rulebase.filters import credential_attrs

from .conftest import AS_OF, ROOT

EXAMPLES = ROOT / "examples" / "learners"


def _plan(engine: stackrules.Engine, name: str, target: str, **kw: Any) -> dict[str, Any]:
    return engine.plan(stackrules.load_learner(EXAMPLES / f"{name}.yaml"), target, AS_OF, **kw).to_json()


def _when(plan: dict[str, Any]) -> dict[str, int]:
    return {c: t["term"] for t in plan["terms"] for c in t["credentials"]}


# ---- the plan checker, handed broken schedules


def _check(engine: stackrules.Engine, schedule: list[tuple[int, str, tuple[str, ...]]], **kw: Any) -> None:
    args: dict[str, Any] = {
        "held": set(),
        "load": Fraction(24),
        "credit": [],
        "target_met": True,
    }
    args.update(kw)
    planned = [PlannedTerm(i, n, cs) for i, n, cs in schedule]
    rb = engine.rules
    known = [c for _, _, cs in schedule for c in cs if c in rb.credentials]
    credits = sum((rb.credentials[c].credits for c in known), Fraction(0))
    cost = sum((rb.credentials[c].cost or Fraction(0) for c in known), Fraction(0))
    last = max((i for i, _, cs in schedule if cs), default=0)
    held = args["held"]
    holdings = held if isinstance(held, dict) else {c: [credential_attrs(rb, c, held=True)] for c in held}
    check_plan(
        rb,
        "exu-cp",
        holdings,
        planned,
        args["load"],
        args["credit"],
        args.get("credits", credits),
        args.get("cost", cost),
        args.get("terms", last),
        args["target_met"],
        args.get("retakes", frozenset()),
        as_of=AS_OF,
    )


def test_plan_checker_accepts_a_sound_schedule(engine: stackrules.Engine) -> None:
    # COMP1030 (S1) is the prerequisite of COMP2030 (S2)
    _check(engine, [(1, "S1", ("exu:COMP1030",)), (2, "S2", ("exu:COMP2030",))])


@pytest.mark.parametrize(
    ("terms", "kw", "message"),
    [
        ([(1, "S1", ("exu:COMP1030", "exu:COMP2040"))], {}, "before its prerequisites"),
        ([(1, "S2", ("exu:COMP1030",))], {}, "offered only in S1"),
        ([(1, "S1", ("exu:COMP1030", "exu:MATH1010", "exu:ART1001", "exu:BUS1001", "exu:PSYC1001"))], {}, "over the load"),
        ([(1, "S1", ("exu:COMP1030",))], {"held": {"exu:COMP1030"}}, "already held"),
        ([(1, "S1", ("exu:COMP1030",)), (3, "S1", ("exu:COMP1030",))], {}, "taken twice"),
        ([(1, "S1", ("exu:NOPE",))], {}, "not in any catalogue"),
        ([(1, "S1", ("exu:COMP1030",))], {"terms": 2}, "reports 2 terms"),
        ([(1, "S1", ("exu:COMP1030",))], {"credits": Fraction(5)}, "added credit"),
        ([(1, "S1", ("exu:COMP1030",))], {"cost": Fraction(1)}, "a cost of 1"),
        ([(1, "S1", ("exu:COMP1030",))], {"target_met": False}, "not met"),
        ([(0, "S1", ("exu:COMP1030",))], {}, "before the first term"),
    ],
)
def test_plan_checker_rejects_a_broken_schedule(engine: stackrules.Engine, terms: Any, kw: dict[str, Any], message: str) -> None:
    with pytest.raises(VerificationError, match=message):
        _check(engine, terms, **kw)


def test_plan_checker_takes_a_held_credential_again_only_as_a_retake(engine: stackrules.Engine) -> None:
    # a retake a leaf needs (the pass is below its grade, or too old) is allowed; any other held credential is not
    _check(engine, [(1, "S1", ("exu:COMP1030",))], held={"exu:COMP1030"}, retakes=frozenset({"exu:COMP1030"}))
    with pytest.raises(VerificationError, match="already held"):
        _check(engine, [(1, "S1", ("exu:COMP1030",))], held={"exu:COMP1030"}, retakes=frozenset({"exu:MATH1010"}))
    with pytest.raises(VerificationError, match="taken twice"):
        _check(engine, [(1, "S1", ("exu:COMP1030",)), (3, "S1", ("exu:COMP1030",))], held={"exu:COMP1030"}, retakes=frozenset({"exu:COMP1030"}))


def test_plan_checker_rejects_incompatible_credentials(engine: stackrules.Engine) -> None:
    pairs = [(c.id, o) for c in engine.rules.credentials.values() for o in c.incompatible if o in engine.rules.credentials]
    assert pairs, "the shipped base has an incompatible pair"
    a, b = pairs[0]
    name_a = engine.rules.credentials[a].offered[0] if engine.rules.credentials[a].offered else "S1"
    with pytest.raises(VerificationError, match="incompatible"):
        _check(engine, [(1, name_a, (a,))], held={b}, load=Fraction(100))


def test_plan_checker_rejects_a_credential_incompatible_with_one_held_that_alone_declares_the_pair(engine: stackrules.Engine) -> None:
    # the pair is declared on the held side only (exu:DATA5003 names eux:DS-MC4): taking DS-MC4 is the same refusal
    one_sided = [(c.id, o) for c in engine.rules.credentials.values() for o in c.incompatible if c.id not in engine.rules.credentials[o].incompatible]
    assert ("exu:DATA5003", "eux:DS-MC4") in one_sided
    offered = engine.rules.credentials["eux:DS-MC4"].offered
    with pytest.raises(VerificationError, match="`eux:DS-MC4` and `exu:DATA5003` are incompatible"):
        _check(engine, [(1, offered[0] if offered else "S1", ("eux:DS-MC4",))], held={"exu:DATA5003"}, load=Fraction(100))


def test_plan_checker_counts_credit_only_from_the_term_after_its_source(engine: stackrules.Engine) -> None:
    # uscc:CS101 earns exu:COMP1010, the prerequisite of exu:COMP1020 (S2)
    credit = [UsedCredit("exu-uscc-cs101", ("exu:COMP1010",), ("uscc:CS101",))]
    figures = {"credits": Fraction(54, 5)}  # 3 us-sch are 4.8 exu-cp, and 6
    _check(engine, [(1, "S1", ("uscc:CS101",)), (2, "S2", ("exu:COMP1020",))], credit=credit, **figures)
    with pytest.raises(VerificationError, match="before its prerequisites"):
        _check(engine, [(2, "S2", ("uscc:CS101", "exu:COMP1020"))], credit=credit, **figures)


# ---- the shipped learners, as an advisor would read their plans


def test_credit_from_a_course_the_plan_adds_comes_before_what_needs_it(engine: stackrules.Engine) -> None:
    for name, objective in (("eva", "credits"), ("noor", "cost")):
        plan = _plan(engine, name, "exu:BIT", objective=objective)
        when = _when(plan)
        for c in plan["credit"]:
            for g in c["granted"]:
                needs = [cid for cid in when if g["as"] in str(engine.rules.credentials[cid].prerequisites)]
                for cid in needs:
                    assert all(when[s] < when[cid] for s in c["sources"] if s in when), (name, cid, c)


@pytest.mark.parametrize("args", [["--max-load", "3"], ["--terms", "S3"]])
def test_a_plan_that_cannot_be_scheduled_is_no_plan(args: list[str]) -> None:
    base = ["plan", "--learner", str(EXAMPLES / "eva.yaml"), "--target", "exu:BIT", "--as-of", "2026-11-28"]
    res = CliRunner().invoke(main, [*base, *args])
    assert res.exit_code == 2, res.output
    assert "No plan" in res.output and "optimal" not in res.output
    data = json.loads(CliRunner().invoke(main, [*base, *args, "--format", "json"]).output)
    assert data["status"] == "no_plan" and data["cannot_place"]
    assert data["proof"] == "infeasible"  # proven that no plan fits, never "optimal" (found by an advisor's read)


def test_terms_count_the_last_term_and_no_term_is_silently_empty(engine: stackrules.Engine) -> None:
    for name in ("ben", "eva", "noor", "tariq"):
        for objective in ("credits", "cost", "terms"):
            plan = _plan(engine, name, "exu:BIT", objective=objective)
            if plan["status"] != "planned":
                continue
            assert [t["term"] for t in plan["terms"]] == list(range(1, len(plan["terms"]) + 1))
            assert plan["terms"][-1]["credentials"], "the last term is used"
            for t in plan["terms"]:
                assert t["credentials"] or t.get("why_empty"), (name, objective, t)


def test_the_cost_objective_never_takes_an_unpriced_credential_as_free(engine: stackrules.Engine) -> None:
    plan = _plan(engine, "noor", "exu:BIT", objective="cost")
    assert plan["cost"]["unknown"] == []
    for cid in plan["added"]:
        assert engine.rules.credentials[cid].cost is not None
    allowed = _plan(engine, "noor", "exu:BIT", objective="cost", allow_unpriced=True)
    assert Fraction(allowed["cost"]["amount"]) <= Fraction(plan["cost"]["amount"])
    text = engine.plan(stackrules.load_learner(EXAMPLES / "eva.yaml"), "exu:BIT", AS_OF).text()
    assert "of unknown cost" in text  # eva's cheapest plan takes unpriced community-college courses, and says so


def test_equally_good_plans_go_to_the_cheaper_then_the_shorter(engine: stackrules.Engine) -> None:
    for name in ("ben", "noor", "priya"):
        for target in ("exu:BIT", "exu:MDS", "exu:GCDS"):
            by = {o: _plan(engine, name, target, objective=o) for o in ("credits", "cost", "terms")}
            if any(p["status"] != "planned" for p in by.values()):
                continue
            if any(p["cost"]["unknown"] for p in by.values()):
                continue  # only the cost objective refuses unpriced credentials: compare like with like
            credits = {o: Fraction(p["added_credits"]) for o, p in by.items()}
            cost = {o: Fraction(p["cost"]["amount"]) for o, p in by.items()}
            terms = {o: len(p["terms"]) for o, p in by.items()}
            assert credits["credits"] <= min(credits.values())
            assert cost["cost"] <= min(cost.values())
            assert terms["terms"] <= min(terms.values())
            if terms["terms"] == terms["credits"] and credits["terms"] == credits["credits"] and by["terms"]["tie_breaks_proven"]:
                assert cost["terms"] <= cost["credits"], (name, target)


def test_a_plan_keeps_the_audits_credit_and_adds_nothing_already_credited(engine: stackrules.Engine) -> None:
    learner = stackrules.load_learner(EXAMPLES / "eva.yaml")
    audit = engine.audit(learner, "exu:MDS", AS_OF).to_json()
    credited = {g["as"] for c in audit["credit"] for g in c["granted"]}
    plan = engine.plan(learner, "exu:MDS", AS_OF).to_json()
    assert credited and not credited & set(plan["added"]), (credited, plan["added"])
    assert plan["credit_changed"] is False


def test_look_ahead_plans_never_add_in_progress_study(engine: stackrules.Engine) -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        pending = {h["credential"] for h in doc.get("holdings", []) if h.get("status") in ("in_progress", "planned")}
        if not pending:
            continue
        learner = stackrules.load_learner(path)
        plan = engine.plan(learner, "exu:BIT", AS_OF, look_ahead=True).to_json()
        assert not pending & set(plan.get("added", [])), path.name


# ---- plans compared with a brute-force scheduler on tiny catalogues


@st.composite
def _tiny(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 5))
    units = []
    for k in range(n):
        unit: dict[str, Any] = {
            "id": f"t:U{k}",
            "title": f"U{k}",
            "credits": draw(st.sampled_from([6, 12])),
            "tags": [draw(st.sampled_from(["a", "b"]))],
            "cost": {"amount": draw(st.sampled_from([100, 300, 500])), "currency": "AUD"},
        }
        offered = draw(st.sampled_from([[], ["S1"], ["S2"]]))
        if offered:
            unit["offered"] = offered
        if k > 0 and draw(st.booleans()):
            unit["prerequisites"] = f"t:U{draw(st.integers(0, k - 1))}"
        units.append(unit)
    return {
        "units": units,
        "need": draw(st.sampled_from([12, 18, 24])),
        "named": draw(st.sampled_from([None, *[u["id"] for u in units]])),
        "held": sorted({units[i]["id"] for i in draw(st.lists(st.integers(0, n - 1), max_size=2))}),
        "load": draw(st.sampled_from([12, 18])),
        "external": draw(st.booleans()),  # an outside course that earns U0 as credit
    }


def _makespan(units: dict[str, dict[str, Any]], take: set[str], held: set[str], load: int, grants: dict[str, str]) -> int | None:
    """The fewest terms that take ``take`` (breadth-first over what is done), or None within 24."""
    if not take:
        return 0
    frontier: set[frozenset[str]] = {frozenset()}
    for t in range(1, 25):
        name = "S1" if t % 2 else "S2"
        nxt: set[frozenset[str]] = set()
        for done in frontier:
            have = held | done | {g for g, src in grants.items() if src in done or src in held}
            avail = [
                c
                for c in sorted(take - done)
                if (not units[c].get("offered") or name in units[c]["offered"]) and units[c].get("prerequisites", None) in (None, *have)
            ]
            for r in range(len(avail) + 1):
                for pick in itertools.combinations(avail, r):
                    if sum(units[c]["credits"] for c in pick) <= load:
                        state = done | frozenset(pick)
                        if state == take:
                            return t
                        nxt.add(state)
        frontier = nxt
    return None


def _brute(inst: dict[str, Any], objective: str) -> tuple[Fraction, ...] | None:
    units = {u["id"]: u for u in inst["units"]}
    if inst["external"]:
        units["x:E"] = {"id": "x:E", "credits": 6, "tags": []}
    held = set(inst["held"])
    grants = {"t:U0": "x:E"} if inst["external"] else {}
    best: tuple[Fraction, ...] | None = None
    candidates = [c for c in sorted(units) if c not in held]
    for r in range(len(candidates) + 1):
        for take in itertools.combinations(candidates, r):
            taken = set(take)
            have = held | taken
            counted = {c for c in have if c.startswith("t:")}
            if inst["external"] and "x:E" in have:
                counted.add("t:U0")  # granted as credit
            # only what a leaf can claim counts towards the total: the `a` pool and the named unit
            claimable = {c for c in counted if "a" in units[c]["tags"] or c == inst["named"]}
            if sum(units[c]["credits"] for c in claimable) < inst["need"]:
                continue
            if sum(units[c]["credits"] for c in claimable if "a" in units[c]["tags"] and c != inst["named"]) < 6:
                continue  # the named unit is claimed by its own leaf, never also by the pool
            if inst["named"] and inst["named"] not in counted:
                continue
            terms = _makespan(units, taken, held, inst["load"], grants)
            if terms is None:
                continue
            credits = Fraction(sum(units[c]["credits"] for c in taken))
            cost = Fraction(sum(units[c].get("cost", {}).get("amount", 10**6) for c in taken))
            key = {"credits": (credits, cost, Fraction(terms)), "cost": (cost, Fraction(terms), credits), "terms": (Fraction(terms), cost, credits)}[objective]
            if best is None or key < best:
                best = key
    return best


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_tiny(), st.sampled_from(["credits", "cost", "terms"]))
def test_plans_match_a_brute_force_scheduler(tmp_path_factory: Any, inst: dict[str, Any], objective: str) -> None:
    folder: Path = tmp_path_factory.mktemp("rb")
    catalog = {"kind": "catalog", "provider": {"id": "t", "name": "T"}, "credit_system": {"id": "t-cp", "full_time_year": 48}, "credentials": inst["units"]}
    pool: dict[str, Any] = {"all": [{"id": "a-part", "credits": 6, "where": {"tags": "a"}}]}
    if inst["named"]:
        pool["all"].append({"id": "named", "all": [inst["named"]]})
    qual = {"kind": "qualification", "id": "t:Q", "title": "Q", "provider": "t", "credits": inst["need"], "requires": pool}
    (folder / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (folder / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    if inst["external"]:
        ext = {
            "kind": "catalog",
            "provider": {"id": "x", "name": "X"},
            "credit_system": {"id": "x-cp", "full_time_year": 48},
            "credentials": [{"id": "x:E", "title": "E", "credits": 6}],
        }
        rule = {"kind": "credit_rule", "id": "x-e", "type": "articulation", "into": "t:Q", "from": {"all": ["x:E"]}, "grant": ["t:U0"]}
        (folder / "x.yaml").write_text(yaml.safe_dump(ext, sort_keys=False))
        (folder / "rule.yaml").write_text(yaml.safe_dump(rule, sort_keys=False))
    engine = stackrules.load(folder)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": h} for h in inst["held"]]})
    plan = engine.plan(learner, "t:Q", AS_OF, objective=objective, max_load=inst["load"], terms=("S1", "S2"), allow_unpriced=True, time_limit=30).to_json()
    want = _brute(inst, objective)
    if want is None:
        assert plan["status"] == "no_plan", plan
        return
    assert plan["status"] in ("planned", "met"), plan
    got_credits = Fraction(plan["added_credits"])
    got_cost = Fraction(plan["cost"]["amount"]) + 10**6 * len(plan["cost"]["unknown"])
    got_terms = Fraction(len(plan["terms"]))
    got = {"credits": (got_credits, got_cost, got_terms), "cost": (got_cost, got_terms, got_credits), "terms": (got_terms, got_cost, got_credits)}[objective]
    assert got[0] == want[0], (got, want)
    if plan["tie_breaks_proven"]:
        assert got == want, (got, want)


def test_look_ahead_works_for_explore_as_for_audit(engine: stackrules.Engine) -> None:
    learner = stackrules.load_learner(EXAMPLES / "chen.yaml")
    audit = engine.audit(learner, "exu:BIT", AS_OF, look_ahead=True).to_json()
    assert audit["status"] == "met_pending"
    rows = {r["target"]: r for r in engine.explore(learner, AS_OF, plans=False, look_ahead=True).to_json()["qualifications"]}
    assert rows["exu:BIT"]["status"] == "met_pending"
    plain = {r["target"]: r for r in engine.explore(learner, AS_OF, plans=False).to_json()["qualifications"]}
    assert plain["exu:BIT"]["status"] == "not_met"
    res = CliRunner().invoke(
        main, ["explore", "--learner", str(EXAMPLES / "chen.yaml"), "--as-of", "2026-11-28", "--look-ahead", "--no-plans", "--format", "json"]
    )
    assert res.exit_code == 0 and any(r["status"] == "met_pending" for r in json.loads(res.output)["qualifications"])


def test_plan_checker_takes_a_repeat_again_in_a_later_term_only(engine: stackrules.Engine) -> None:
    lesson = "evu:MUAP150"  # 2 us-sch, repeatable up to 22 credits: 11 times
    each = engine.rules.rescale(Fraction(2), "us-sch", "exu-cp")
    kw: dict[str, Any] = {"load": Fraction(100), "held": {lesson}}
    _check(engine, [(1, "S1", (lesson,)), (2, "S2", (lesson,))], credits=2 * each, cost=Fraction(0), **kw)
    with pytest.raises(VerificationError, match="twice in term 1"):
        _check(engine, [(1, "S1", (lesson, lesson))], credits=2 * each, cost=Fraction(0), **kw)
    twelve = [(t, "S1", (lesson,)) for t in range(1, 13)]
    with pytest.raises(VerificationError, match="more than it may be repeated"):
        _check(engine, twelve, credits=12 * each, cost=Fraction(0), **kw)


def test_the_plans_audit_counts_distinct_terms_as_the_schedule_gives_them(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # Dana needs four semesters of ensemble: the plan spreads them over four terms, and the audit checker
    # re-counts the distinct terms from the schedule; handed one term for all, it refuses the plan
    dana = stackrules.load_learner(ROOT / "examples" / "learners" / "dana.yaml")
    d = engine.plan(dana, "evu:BM-PERF", AS_OF).to_json()
    ensembles = [t["term"] for t in d["terms"] for c in t["credentials"] if c.startswith("evu:MORG")]
    assert len(ensembles) == 4 and len(set(ensembles)) == 4
    import stackrules.decide.plan as planning

    real = planning._give_terms

    def one_term(p: Any, chosen: Any, terms: dict[str, int], calendar: tuple[str, ...]) -> None:
        real(p, chosen, dict.fromkeys(terms, 1), calendar)

    monkeypatch.setattr(planning, "_give_terms", one_term)
    with pytest.raises(VerificationError, match="failed verification: the completion does not complete the target"):
        engine.plan(dana, "evu:BM-PERF", AS_OF)


# ---- repeatable credentials and distinct-term limits, against a brute-force scheduler


@st.composite
def _spread(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 4))
    units = []
    for k in range(n):
        unit: dict[str, Any] = {
            "id": f"t:U{k}",
            "title": f"U{k}",
            "credits": draw(st.sampled_from([3, 6])),
            "tags": [draw(st.sampled_from(["a", "a", "b"]))],
            "cost": {"amount": draw(st.sampled_from([100, 300])), "currency": "AUD"},
        }
        offered = draw(st.sampled_from([[], [], ["S1"], ["S2"]]))
        if offered:
            unit["offered"] = offered
        repeats = draw(st.sampled_from([1, 1, 2, 3]))
        if repeats > 1:
            unit["repeatable"] = {"max": repeats}
        if k > 0 and draw(st.booleans()):
            unit["prerequisites"] = f"t:U{draw(st.integers(0, k - 1))}"
        units.append(unit)
    return {
        "units": units,
        "need": draw(st.sampled_from([6, 9, 12])),
        "distinct": draw(st.sampled_from([None, 2, 3])),
        "load": draw(st.sampled_from([6, 9, 12])),
        "held": sorted({units[i]["id"] for i in draw(st.lists(st.integers(0, n - 1), max_size=2))}),
    }


def _spread_brute(inst: dict[str, Any], objective: str) -> tuple[Fraction, ...] | None:
    """The best (objective, tie breaks) over every multiset of additions and every schedule of it.

    The target is met when the `a` units taken carry the credit the pool needs and (with a
    distinct-terms limit) are spread over at least that many terms; each repeat of a unit is
    taken in a term of its own; a prerequisite is taken in an earlier term. A unit held (once, each in a
    term of its own before the plan) counts, and is taken again only if repeatable, up to its bound."""
    units = {u["id"]: u for u in inst["units"]}
    ids = sorted(units)
    held = set(inst["held"])
    bounds = [range(units[c].get("repeatable", {}).get("max", 1) + 1 - (c in held)) for c in ids]
    need_terms = inst["distinct"] or 0
    held_a = [c for c in held if "a" in units[c]["tags"]]
    best: tuple[Fraction, ...] | None = None
    for counts in itertools.product(*bounds):
        copies = dict(zip(ids, counts, strict=True))
        a_units = [c for c in ids if "a" in units[c]["tags"]]
        if sum(units[c]["credits"] * (copies[c] + (c in held)) for c in a_units) < inst["need"]:
            continue
        if sum(copies[c] for c in a_units) + len(held_a) < need_terms:
            continue
        terms = _spread_makespan(units, copies, held, inst["load"], need_terms, len(held_a))
        if terms is None:
            continue
        credits = Fraction(sum(units[c]["credits"] * k for c, k in copies.items()))
        cost = Fraction(sum(units[c]["cost"]["amount"] * k for c, k in copies.items()))
        key = {"credits": (credits, cost, Fraction(terms)), "cost": (cost, Fraction(terms), credits), "terms": (Fraction(terms), cost, credits)}[objective]
        if best is None or key < best:
            best = key
    return best


def _spread_makespan(units: dict[str, dict[str, Any]], copies: dict[str, int], held: set[str], load: int, need_terms: int, spread: int) -> int | None:
    """The fewest terms that take ``copies`` (at most one of each unit per term), breadth first, or None within 24."""
    start = (tuple(sorted(copies.items())), frozenset(held), min(spread, need_terms))
    if not any(copies.values()):
        return 0 if spread >= need_terms else None
    frontier = {start}
    for t in range(1, 25):
        name = "S1" if t % 2 else "S2"
        nxt = set()
        for left, done, spread in frontier:
            avail = [
                c for c, k in left if k > 0 and (not units[c].get("offered") or name in units[c]["offered"]) and units[c].get("prerequisites") in (None, *done)
            ]
            for r in range(len(avail) + 1):
                for pick in itertools.combinations(avail, r):
                    if sum(units[c]["credits"] for c in pick) > load:
                        continue
                    rest = tuple((c, k - (c in pick)) for c, k in left)
                    wider = min(need_terms, spread + any("a" in units[c]["tags"] for c in pick))
                    if not any(k for _, k in rest):
                        if wider >= need_terms:
                            return t
                        continue
                    nxt.add((rest, done | frozenset(pick), wider))
        frontier = nxt
    return None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_spread(), st.sampled_from(["credits", "cost", "terms"]))
def test_repeats_and_distinct_terms_match_a_brute_force_scheduler(tmp_path_factory: Any, inst: dict[str, Any], objective: str) -> None:
    folder: Path = tmp_path_factory.mktemp("rb")
    catalog = {"kind": "catalog", "provider": {"id": "t", "name": "T"}, "credit_system": {"id": "t-cp", "full_time_year": 48}, "credentials": inst["units"]}
    pool: dict[str, Any] = {"id": "pool", "credits": inst["need"], "where": {"tags": "a"}}
    if inst["distinct"]:
        pool["limits"] = [{"id": "spread", "min_distinct": {"count": inst["distinct"], "of": "term"}}]
    qual = {"kind": "qualification", "id": "t:Q", "title": "Q", "provider": "t", "requires": {"all": [pool]}}
    (folder / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (folder / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    engine = stackrules.load(folder)
    holdings = [{"credential": c, "awarded": f"2025-0{k + 1}-15", "term": f"2025-T{k + 1}"} for k, c in enumerate(inst["held"])]
    learner = stackrules.load_learner({"id": "L", "holdings": holdings})
    plan = engine.plan(learner, "t:Q", AS_OF, objective=objective, max_load=inst["load"], terms=("S1", "S2"), time_limit=30).to_json()
    want = _spread_brute(inst, objective)
    if want is None:
        assert plan["status"] == "no_plan", plan
        return
    assert plan["status"] in ("planned", "met"), plan
    for t in plan["terms"]:
        assert len(t["credentials"]) == len(set(t["credentials"])), t  # a repeat in a term of its own
    got_credits = Fraction(plan["added_credits"])
    got_cost = Fraction(plan["cost"]["amount"])
    got_terms = Fraction(len(plan["terms"]))
    got = {"credits": (got_credits, got_cost, got_terms), "cost": (got_cost, got_terms, got_credits), "terms": (got_terms, got_cost, got_credits)}[objective]
    assert got[0] == want[0], (got, want)
    if plan["tie_breaks_proven"]:
        assert got == want, (got, want)


def test_alternatives_with_a_repeatable_credential_are_different_plans(tmp_path: Path) -> None:
    # three repeats of R are alike: excluding the plan R, R must not leave the same plan with another copy of R
    units = [
        {"id": "t:R", "title": "R", "credits": 6, "tags": ["a"], "cost": {"amount": 100, "currency": "AUD"}, "repeatable": {"max": 3}},
        {"id": "t:S", "title": "S", "credits": 6, "tags": ["a"], "cost": {"amount": 200, "currency": "AUD"}},
    ]
    catalog = {"kind": "catalog", "provider": {"id": "t", "name": "T"}, "credit_system": {"id": "t-cp", "full_time_year": 48}, "credentials": units}
    qual = {"kind": "qualification", "id": "t:Q", "title": "Q", "provider": "t", "requires": {"all": [{"id": "pool", "credits": 12, "where": {"tags": "a"}}]}}
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    engine = stackrules.load(tmp_path)
    plan = engine.plan(stackrules.load_learner({"id": "L"}), "t:Q", AS_OF, objective="cost", alternatives=3, max_load=Fraction(12)).to_json()
    found = [tuple(plan["added"])] + [tuple(a["added"]) for a in plan["alternatives"]]
    assert found[:2] == [("t:R", "t:R"), ("t:R", "t:S")], found
    assert len(set(found)) == len(found), found


def test_no_plan_for_a_repeatable_credential_names_the_load_not_the_requirements(tmp_path: Path) -> None:
    # the learner holds R once and needs two more repeats of it, each over the load: the reason is the load,
    # not "no combination of catalogue credentials meets the requirements"
    units = [{"id": "t:R", "title": "R", "credits": 6, "tags": ["a"], "repeatable": {"max": 3}}]
    catalog = {"kind": "catalog", "provider": {"id": "t", "name": "T"}, "credit_system": {"id": "t-cp", "full_time_year": 48}, "credentials": units}
    qual = {"kind": "qualification", "id": "t:Q", "title": "Q", "provider": "t", "requires": {"all": [{"id": "pool", "credits": 18, "where": {"tags": "a"}}]}}
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    engine = stackrules.load(tmp_path)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "t:R", "awarded": "2025-06-01"}]})
    plan = engine.plan(learner, "t:Q", AS_OF, max_load=Fraction(3)).to_json()
    assert plan["status"] == "no_plan"
    assert [(c["credential"], c["why"]) for c in plan["cannot_place"]] == [("t:R", "its 6 t-cp exceed the load of 3 per term")]
    assert Fraction(engine.plan(learner, "t:Q", AS_OF, max_load=Fraction(6)).to_json()["added_credits"]) == 12


def test_plan_checker_judges_a_prerequisites_grade_on_the_holding(engine: stackrules.Engine) -> None:
    # an adversary's find (2026-11-30): a prerequisite `{credential: A1, min_grade: C}` was met by a holding graded P,
    # and the plan said "optimal". The checker reads the leaf's conditions on the holdings as the plan model does
    rb = engine.rules
    leaf = stackrules.language.models.Requirement.model_validate({"credential": "exu:COMP1030", "min_grade": "CR"})
    info = rb.credentials["exu:COMP2030"]
    before = info.prerequisites
    object.__setattr__(info, "prerequisites", leaf)
    try:
        weak = {"exu:COMP1030": [credential_attrs(rb, "exu:COMP1030", grade="P", held=True)]}
        with pytest.raises(VerificationError, match="before its prerequisites are met"):
            _check(engine, [(1, "S2", ("exu:COMP2030",))], held=weak)
        good = {"exu:COMP1030": [credential_attrs(rb, "exu:COMP1030", grade="DN", held=True)]}
        _check(engine, [(1, "S2", ("exu:COMP2030",))], held=good)
        # the same condition written on a group holds for the leaves below it (section 6)
        group = stackrules.language.models.Requirement.model_validate({"all": (leaf.model_copy(update={"min_grade": None}),), "min_grade": "CR"})
        object.__setattr__(info, "prerequisites", group)
        with pytest.raises(VerificationError, match="before its prerequisites are met"):
            _check(engine, [(1, "S2", ("exu:COMP2030",))], held=weak)
        _check(engine, [(1, "S2", ("exu:COMP2030",))], held=good)
    finally:
        object.__setattr__(info, "prerequisites", before)
