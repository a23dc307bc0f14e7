"""Section 16's "most progress", against a brute force on tiny instances.

In a not-met audit with a completion (``remaining`` a number), the nodes
reported met are as many as any least-``remaining`` completion lets the
learner's own holdings meet (no catalogue addition counted), so no node is
reported not met that the holdings could meet as well, at no cost to
``remaining`` and without losing another met node. "Still needed" adds up:
the ``missing`` entries' credits sum to ``remaining``.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings

import stackrules
from tests.test_oracle import AS_OF, Cred, Group, Instance, Leaf, _accepts, _leaves, instances, oracle


def _doc(node: Any, ids: list[str]) -> Any:
    """The requirement tree with an id on every node (pre-order ``n0``, ``n1``, ...), so every status is reported."""
    nid = f"n{len(ids)}"
    ids.append(nid)
    if isinstance(node, Leaf):
        if node.kind == "credential":
            return {"id": nid, "credential": node.credential}
        doc: dict[str, Any] = {"id": nid, "credits" if node.kind == "credits" else "count": node.amount}
        if node.tag:
            doc["where"] = {"tags": node.tag}
        return doc
    kids = [_doc(c, ids) for c in node.children]
    if node.kind == "at_least":
        return {"id": nid, "at_least": node.k, "of": kids}
    return {"id": nid, node.kind: kids}


def _own_met(node: Any, got: dict[int, list[Cred]], counter: list[int], out: list[bool]) -> bool:
    """Each node's status (pre-order, as ``_doc`` numbers them) from the claims in ``got``; leaves numbered in tree order."""
    slot = len(out)
    out.append(False)
    if isinstance(node, Leaf):
        claims = got.get(counter[0], [])
        counter[0] += 1
        if node.kind == "credential":
            ok = any(c.id == node.credential for c in claims)
        elif node.kind == "credits":
            ok = sum(c.credits for c in claims) >= node.amount
        else:
            ok = len(claims) >= node.amount
    else:
        kids = [_own_met(c, got, counter, out) for c in node.children]
        ok = sum(kids) >= (len(kids) if node.kind == "all" else 1 if node.kind == "any" else node.k)
    out[slot] = ok
    return ok


def _achieved(inst: Instance, own: dict[int, list[Cred]]) -> tuple[int, int]:
    """Section 16's "most achieved towards each node's need" as docs/language.md reads it: each pool's own
    credit (or count) up to its need, and the qualification's own credit up to its total; credit, then counts."""
    credit = count = 0
    for k, leaf in enumerate(_leaves(inst.tree)):
        claims = own.get(k, [])
        if leaf.kind == "credits":
            credit += min(sum(c.credits for c in claims), leaf.amount)
        elif leaf.kind == "count":
            count += min(len(claims), leaf.amount)
    distinct = {c.id: c.credits for v in own.values() for c in v}
    return credit + min(sum(distinct.values()), inst.total), count


def _best_progress(inst: Instance, remaining: Fraction) -> list[tuple[set[int], tuple[int, int]]]:
    """For every completion with ``remaining`` added credit: the nodes (pre-order index) the holdings alone meet, and what they achieve."""
    leaves = _leaves(inst.tree)
    options: list[list[int | None]] = [[None] + [i for i, lf in enumerate(leaves) if _accepts(lf, c)] for c in inst.creds]
    found: list[tuple[set[int], tuple[int, int]]] = []
    for choice in itertools.product(*options):
        got: dict[int, list[Cred]] = {}
        for c, i in zip(inst.creds, choice, strict=True):
            if i is not None:
                got.setdefault(i, []).append(c)
        used = [c for c, i in zip(inst.creds, choice, strict=True) if i is not None]
        if any(leaves[i].kind == "credential" and len(v) > 1 for i, v in got.items()):
            continue
        if sum(c.credits for c in used) < inst.total:
            continue
        if inst.max_level1 is not None and sum(c.credits for c in used if c.level == 1) > inst.max_level1:
            continue
        flags: list[bool] = []
        if not _own_met(inst.tree, got, [0], flags) or sum(c.credits for c in used if c.id not in inst.held) != remaining:
            continue
        own = {k: [c for c in v if c.id in inst.held] for k, v in got.items()}
        own_flags: list[bool] = []
        _own_met(inst.tree, own, [0], own_flags)
        # progress counts only on the completion's path: under no branch of an `any` / `at_least` it leaves unmet
        path = _on_path(inst.tree, flags)
        found.append(({k for k, f in enumerate(own_flags) if f and k in path}, _achieved(inst, own)))
    return found


def _on_path(tree: Any, met: list[bool]) -> set[int]:
    """The nodes (pre-order) whose every branch above them, a child of an `any` / `at_least`, is ``met``."""
    out: set[int] = set()
    counter = [0]

    def walk(node: Any, live: bool) -> None:
        k = counter[0]
        counter[0] += 1
        if live:
            out.add(k)
        if not isinstance(node, Leaf):
            for c in node.children:
                walk(c, live and (node.kind == "all" or met[counter[0]]))

    walk(tree, True)
    return out


def _subtrees(tree: Any, ids: list[str]) -> list[set[str]]:
    """For each node (pre-order), the ids of the nodes in its subtree, itself included."""
    out: list[set[str]] = []
    counter = [0]

    def walk(node: Any) -> set[str]:
        k = counter[0]
        counter[0] += 1
        out.append(set())
        got = {ids[k]}
        if not isinstance(node, Leaf):
            for c in node.children:
                got |= walk(c)
        out[k] = got
        return got

    walk(tree)
    return out


def _engine(inst: Instance, folder: Path, ids: list[str]) -> stackrules.Engine:
    catalog = {
        "kind": "catalog",
        "provider": {"id": "t", "name": "T"},
        "credit_system": {"id": "t-cp", "full_time_year": 48},
        "credentials": [{"id": c.id, "title": c.id, "credits": c.credits, "level": c.level, "tags": list(c.tags)} for c in inst.creds],
    }
    qual: dict[str, Any] = {"kind": "qualification", "id": "t:Q", "title": "Q", "provider": "t", "credits": inst.total, "requires": _doc(inst.tree, ids)}
    if inst.max_level1 is not None:
        qual["limits"] = [{"id": "cap", "max_credits": inst.max_level1, "where": {"level": 1}}]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (folder / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    return stackrules.load(folder)


# found by this property on 2026-11-30: a merged group of two 6-cp credentials, one copy claimed in each pool (one of
# them past its need, for the total), was reported once, as if shared: "Still needed" added up to 9 of 15
SPLIT_GROUP = Instance(
    creds=(Cred("t:K0", 3, 1, ()), Cred("t:K1", 6, 1, ()), Cred("t:K2", 3, 1, ()), Cred("t:K3", 6, 1, ())),
    tree=Group("at_least", (Leaf("count", None, 1, None), Leaf("credits", None, 6, None)), k=2),
    total=18,
    max_level1=None,
    held=frozenset({"t:K0"}),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(instances())
@example(inst=SPLIT_GROUP)
def test_not_met_audit_shows_every_node_the_holdings_can_meet(tmp_path_factory: Any, inst: Instance) -> None:
    ids: list[str] = []
    engine = _engine(inst, tmp_path_factory.mktemp("rb"), ids)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": h} for h in sorted(inst.held)]})
    got = engine.audit(learner, "t:Q", AS_OF).to_json()
    remaining = None if got["credits"]["remaining"] is None else Fraction(got["credits"]["remaining"])
    assert remaining == oracle(inst)
    if remaining is None:
        return
    # "Still needed" adds up to `remaining`
    assert sum((Fraction(m["credits"]) for m in got["missing"]), Fraction(0)) == remaining, got["missing"]
    if got["status"] != "not_met":
        return
    status = {n["id"]: n["status"] for n in got["nodes"]}
    # the engine's completion path: a branch is taken when the holdings meet it or "Still needed" adds under it
    adds = {m["node"] for m in got["missing"]}
    subtree = _subtrees(inst.tree, ids)
    completed = [status[nid] == "met" or bool(adds & subtree[k]) for k, nid in enumerate(ids)]
    path = _on_path(inst.tree, completed)
    reported = {k for k, nid in enumerate(ids) if status[nid] == "met" and k in path}
    found = _best_progress(inst, remaining)
    options = [o for o, _ in found]
    assert options, "the brute force finds the engine's completion"
    # no least-remaining completion keeps every reported met node and meets one more from the holdings
    for k, nid in enumerate(ids):
        if k not in reported:
            better = [o for o in options if reported | {k} <= o]
            assert not better, (nid, got["nodes"], inst)
    # and none meets more nodes from the holdings in any other way
    assert len(reported) == max(len(o) for o in options), (got["nodes"], inst)
    # among those, none achieves more towards the nodes' needs
    claimed = {nid: n for nid, n in ((n["id"], n) for n in got["nodes"])}
    credit = count = 0
    for k, leaf in enumerate(_leaves(inst.tree)):
        node = claimed[_leaf_ids(inst.tree, ids)[k]]
        if leaf.kind == "credits":
            credit += min(Fraction(node["credits"]), leaf.amount)
        elif leaf.kind == "count":
            count += min(len(node["claimed"]), leaf.amount)
    mine = (credit + min(Fraction(got["credits"]["counted"]), inst.total), count)
    assert mine == max(a for o, a in found if len(o) == len(reported)), (got["nodes"], inst)


def _leaf_ids(tree: Any, ids: list[str]) -> list[str]:
    """The ids ``_doc`` gave the leaves, in tree order."""
    out: list[str] = []

    def walk(node: Any) -> None:
        out_index = len(seen)
        seen.append(node)
        if isinstance(node, Leaf):
            out.append(ids[out_index])
        else:
            for c in node.children:
                walk(c)

    seen: list[Any] = []
    walk(tree)
    return out


def _case_engine(tmp: Path) -> tuple[stackrules.Engine, dict[str, Any]]:
    case = yaml.safe_load((Path(__file__).parent / "cases" / "progress-restricted-pool-first.yaml").read_text(encoding="utf-8"))
    for name, doc in case["rules"].items():
        (tmp / name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return stackrules.load(tmp), case


def test_progress_rows_only_for_audits_not_met(tmp_path: Path, monkeypatch: Any) -> None:
    """Met audits never pay for most progress; a not-met audit with a completion gets it after least remaining."""
    from stackrules.decide.model import AuditModel

    calls: list[bool] = []
    real = AuditModel.add_progress

    def spy(self: AuditModel) -> None:
        calls.append(self.additions)
        real(self)

    monkeypatch.setattr(AuditModel, "add_progress", spy)
    engine, case = _case_engine(tmp_path)
    not_met = engine.audit(stackrules.load_learner(case["learner"]), "d:Q", AS_OF)
    assert not_met.status == "not_met" and calls == [True]
    calls.clear()
    held = ["d:DATA1", "d:DATA2", "d:GEN1", "d:GEN2", "d:GEN3", "d:GEN4"]
    met = engine.audit(stackrules.load_learner({"id": "M", "holdings": [{"credential": c} for c in held]}), "d:Q", AS_OF)
    assert met.status == "met" and calls == []


def test_progress_inside_a_node_that_does_not_apply(tmp_path: Path) -> None:
    """A waived node and a sign-off inside a `when` node that does not apply: that subtree is not modelled,
    and the progress levels of a not-met audit (with and without a completion) count nothing in it."""
    catalog = {
        "kind": "catalog",
        "provider": {"id": "u", "name": "U"},
        "credit_system": {"id": "u-sch", "full_time_year": 30},
        "credentials": [{"id": "u:A1", "title": "A1", "credits": 3, "tags": ["w"]}, {"id": "u:A2", "title": "A2", "credits": 3}],
    }
    cond = {
        "id": "cond",
        "when": {"fact": {"emph": "b"}},
        "all": [{"id": "inner", "credits": 3, "where": {"tags": "w"}}, {"id": "sign", "approval": "audition"}],
    }
    qual = {"kind": "qualification", "id": "u:Q", "title": "Q", "provider": "u", "credits": 6, "requires": {"all": [cond, {"id": "rest", "credits": 6}]}}
    approvers = {"kind": "approvers", "provider": "u", "approvers": [{"id": "dean", "name": "Dean", "may": ["waive"], "scope": "qualification"}]}
    for name, doc in (("catalog", catalog), ("q", qual), ("approvers", approvers)):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    engine = stackrules.load(tmp_path)
    waive = {"type": "waive", "node": "u:Q#inner", "reason": "r", "approved_by": "dean", "date": "2026-01-01"}
    for holdings, remaining in (([{"credential": "u:A2"}], "3"), ([], "6")):
        for exceptions in ([], [waive]):
            learner = stackrules.load_learner({"id": "L", "facts": {"emph": "a"}, "holdings": holdings, "exceptions": exceptions})
            j = engine.audit(learner, "u:Q", AS_OF).to_json()
            assert (j["status"], j["credits"]["remaining"]) == ("not_met", remaining)
            status = {n["id"]: n["status"] for n in j["nodes"]}
            assert status["cond"] == status["sign"] == "not_applicable"
            assert status["rest"] == "not_met"


def test_a_unit_counts_up_to_its_pools_need_in_the_relaxation(tmp_path: Path) -> None:
    # the rows of a pool (and of a credit total or a minimum) count an item's credit up to the need (decide/model.py):
    # the same integer points, a tighter relaxation. A 12-credit unit held towards a 3-credit pool weighs 3 in every
    # row of that pool; with its 12 the relaxation would meet the pool, own-met included, with a quarter of the unit
    from stackrules.decide.model import AuditModel
    from stackrules.decide.problem import build_problem
    from tests.test_oracle import Group, engine_for

    inst = Instance(
        (Cred("t:K0", 12, 2, ("a",)), Cred("t:K1", 3, 2, ("a",)), Cred("t:K2", 6, 2, ("b",))),
        Group("all", (Leaf("credits", amount=3, tag="a"), Leaf("credits", amount=6, tag="b"))),
        0,
        None,
        frozenset({"t:K0"}),
    )
    engine = engine_for(inst, tmp_path)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "t:K0"}]})
    p = build_problem(engine.rules, learner.doc, "t:Q", AS_OF, False, compiler=engine.compiled)
    p.add_catalogue()
    b = AuditModel(p)
    b.build(True, True)
    b.add_progress()
    m = b.milp
    pool = next(leaf for leaf in p.top.leaves() if leaf.credits == 3)
    held = next(it.index for it in p.items if it.credential == "t:K0" and it.origin == "holding")
    claim = b.x[(held, pool.index)]
    weights = [m.row_value[k] for r in range(len(m.rows_lo)) for k in range(m.row_start[r], m.row_start[r + 1]) if m.row_index[k] == claim]
    need = 3 * b.scale
    assert b.cred[held] == 12 * b.scale
    assert need in weights and -need in weights  # the pool's met and own-met rows, and its achieved credit
    assert all(abs(w) <= need for w in weights), weights
    decision = engine.audit(learner, "t:Q", AS_OF)
    assert (decision.status, decision.remaining) == ("not_met", Fraction(6))


def test_a_values_count_is_continuous_and_counts_each_value_once(tmp_path: Path) -> None:
    # a distinct-values limit's columns are continuous in [0, 1] (decide/model.py): with whole claims each value
    # counts 1 when something of it is claimed, else 0, so the integer points are the same and HiGHS has fewer
    # integers to branch and cut on. Four HIST units are held; breadth needs 6 credits from two subjects, so
    # the holdings fill its credit but not its subjects, and the completion adds MATH1000 (3) for the limit
    from stackrules.decide import milp as milp_module

    courses = [{"id": f"u:HIST{1000 + k}", "title": f"HIST {k}", "credits": 3} for k in range(4)]
    courses.append({"id": "u:MATH1000", "title": "MATH", "credits": 3})
    catalog = {"kind": "catalog", "provider": {"id": "u", "name": "U"}, "credit_system": {"id": "u-sch", "full_time_year": 30}}
    catalog |= {"id_pattern": "{provider}:{subject}{number}", "credentials": courses}
    breadth = {"id": "breadth", "credits": 6, "limits": [{"id": "subjects", "min_distinct": {"count": 2, "of": "subject"}}]}
    qual = {"kind": "qualification", "id": "u:Q", "title": "Q", "provider": "u", "requires": {"all": [breadth, {"id": "more", "credits": 6}]}}
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    engine = stackrules.load(tmp_path)
    seen: list[tuple[float, float, bool]] = []
    real = milp_module.Model.var

    def spy(self: Any, name: str, lb: float = 0.0, ub: float = 1.0, integer: bool = True) -> int:
        if name.startswith("distinct["):
            seen.append((lb, ub, integer))
        return real(self, name, lb, ub, integer)

    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": f"u:HIST{1000 + k}"} for k in range(4)]})
    milp_module.Model.var = spy  # type: ignore[method-assign]
    try:
        j = engine.audit(learner, "u:Q", AS_OF).to_json()
    finally:
        milp_module.Model.var = real  # type: ignore[method-assign]
    # the path under test: the values' columns (the completion's and the learner's own) are continuous, at most 1
    assert seen and all(s == (0.0, 1.0, False) for s in seen), seen
    assert (j["status"], j["credits"]["remaining"]) == ("not_met", "3")
    nodes = {n["id"]: n for n in j["nodes"]}
    assert nodes["breadth"]["status"] == "not_met" and nodes["more"]["status"] == "met"
    assert [(lim["status"], lim["value"]) for lim in j["limits"]] == [("short", "1")], j["limits"]
