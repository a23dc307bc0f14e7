"""Property tests: the exact solver against a brute-force oracle on tiny instances.

The oracle knows nothing of the engine's model: it tries every way of giving
each catalogue credential to one leaf (or to none), keeps those that meet the
tree, the total and the limits, and takes the cheapest in credential not yet
held. The engine must agree on the status and on ``remaining``; adding a
holding must never turn met into not met nor raise ``remaining``; and the same
input must give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stackrules

AS_OF = dt.date(2026, 6, 30)


@dataclass(frozen=True)
class Cred:
    id: str
    credits: int
    level: int
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Leaf:
    kind: str  # credential | credits | count
    credential: str | None = None
    amount: int = 0
    tag: str | None = None


@dataclass(frozen=True)
class Group:
    kind: str  # all | any | at_least
    children: tuple[Any, ...]
    k: int = 0


@dataclass(frozen=True)
class Instance:
    creds: tuple[Cred, ...]
    tree: Any
    total: int
    max_level1: int | None
    held: frozenset[str]


def _leaves(node: Any) -> list[Leaf]:
    if isinstance(node, Leaf):
        return [node]
    return [leaf for c in node.children for leaf in _leaves(c)]


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    n = draw(st.integers(2, 5))
    creds = tuple(
        Cred(f"t:K{i}", draw(st.sampled_from([3, 6, 6, 12])), draw(st.integers(1, 3)), tuple(sorted(draw(st.sets(st.sampled_from(["a", "b"]), max_size=2)))))
        for i in range(n)
    )
    ids = [c.id for c in creds]

    def leaf() -> Leaf:
        kind = draw(st.sampled_from(["credential", "credits", "count"]))
        if kind == "credential":
            return Leaf("credential", credential=draw(st.sampled_from(ids)))
        if kind == "credits":
            return Leaf("credits", amount=draw(st.sampled_from([3, 6, 9, 12])), tag=draw(st.sampled_from([None, "a", "b"])))
        return Leaf("count", amount=draw(st.integers(1, 2)), tag=draw(st.sampled_from([None, "a", "b"])))

    n_leaves = draw(st.integers(1, 3))
    kids = tuple(leaf() for _ in range(n_leaves))
    kind = draw(st.sampled_from(["all", "any", "at_least"])) if n_leaves > 1 else "all"
    tree = Group(kind, kids, k=draw(st.integers(1, n_leaves)) if kind == "at_least" else 0)
    total = draw(st.sampled_from([0, 6, 12, 18]))
    max_level1 = draw(st.sampled_from([None, 6, 12]))
    held = frozenset(draw(st.sets(st.sampled_from(ids), max_size=n)))
    return Instance(creds, tree, total, max_level1, held)


# ---------------------------------------------------------------- the oracle


def _met(node: Any, got: dict[int, list[Cred]], counter: list[int]) -> bool:
    """Is ``node`` met; leaves are numbered in tree order (``counter``), not by value."""
    if isinstance(node, Leaf):
        claims = got.get(counter[0], [])
        counter[0] += 1
        if node.kind == "credential":
            return any(c.id == node.credential for c in claims)
        if node.kind == "credits":
            return sum(c.credits for c in claims) >= node.amount
        return len(claims) >= node.amount
    kids = [_met(c, got, counter) for c in node.children]
    need = len(kids) if node.kind == "all" else 1 if node.kind == "any" else node.k
    return sum(kids) >= need


def _accepts(leaf: Leaf, c: Cred) -> bool:
    if leaf.kind == "credential":
        return c.id == leaf.credential
    return leaf.tag is None or leaf.tag in c.tags


def oracle(inst: Instance) -> Fraction | None:
    """Least credit of credentials not held that completes the target; None if nothing does."""
    leaves = _leaves(inst.tree)
    options: list[list[int | None]] = [[None] + [i for i, lf in enumerate(leaves) if _accepts(lf, c)] for c in inst.creds]
    best: Fraction | None = None
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
        if not _met(inst.tree, got, [0]):
            continue
        cost = Fraction(sum(c.credits for c in used if c.id not in inst.held))
        if best is None or cost < best:
            best = cost
    return best


# ---------------------------------------------------------------- the same instance as YAML


def _node_doc(node: Any) -> Any:
    if isinstance(node, Leaf):
        if node.kind == "credential":
            return node.credential
        doc: dict[str, Any] = {"credits" if node.kind == "credits" else "count": node.amount}
        if node.tag:
            doc["where"] = {"tags": node.tag}
        return doc
    if node.kind == "at_least":
        return {"at_least": node.k, "of": [_node_doc(c) for c in node.children]}
    return {node.kind: [_node_doc(c) for c in node.children]}


def engine_for(inst: Instance, folder: Path) -> stackrules.Engine:
    catalog = {
        "kind": "catalog",
        "provider": {"id": "t", "name": "T"},
        "credit_system": {"id": "t-cp", "full_time_year": 48},
        "credentials": [{"id": c.id, "title": c.id, "credits": c.credits, "level": c.level, "tags": list(c.tags)} for c in inst.creds],
    }
    qual: dict[str, Any] = {"kind": "qualification", "id": "t:Q", "title": "Q", "provider": "t", "credits": inst.total, "requires": _node_doc(inst.tree)}
    if inst.max_level1 is not None:
        qual["limits"] = [{"id": "cap", "max_credits": inst.max_level1, "where": {"level": 1}}]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (folder / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    return stackrules.load(folder)


def audit(engine: stackrules.Engine, held: frozenset[str]) -> stackrules.Decision:
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": h} for h in sorted(held)]})
    return engine.audit(learner, "t:Q", AS_OF)


_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(instances())
def test_solver_agrees_with_brute_force(tmp_path_factory: Any, inst: Instance) -> None:
    engine = engine_for(inst, tmp_path_factory.mktemp("rb"))
    decision = audit(engine, inst.held)
    want = oracle(inst)
    assert decision.remaining == want, (inst, decision.to_json()["nodes"])
    assert decision.status == ("met" if want == 0 else "not_met")


@_SETTINGS
@given(instances(), st.integers(0, 4))
def test_adding_a_holding_never_hurts(tmp_path_factory: Any, inst: Instance, pick: int) -> None:
    engine = engine_for(inst, tmp_path_factory.mktemp("rb"))
    extra = inst.creds[pick % len(inst.creds)].id
    before = audit(engine, inst.held)
    after = audit(engine, inst.held | {extra})
    if before.status == "met":
        assert after.status == "met"
    if before.remaining is not None:
        assert after.remaining is not None and after.remaining <= before.remaining


@_SETTINGS
@given(instances())
def test_same_input_same_bytes(tmp_path_factory: Any, inst: Instance) -> None:
    engine = engine_for(inst, tmp_path_factory.mktemp("rb"))
    assert audit(engine, inst.held).dumps() == audit(engine, inst.held).dumps()


# ---------------------------------------------------------------- with a credit rule


@dataclass(frozen=True)
class RuleInstance:
    base: Instance
    grant: str  # "specified" (as t:K0) or "unspecified" (6 cp tagged a)
    holds_source: bool


@st.composite
def rule_instances(draw: st.DrawFn) -> RuleInstance:
    return RuleInstance(draw(instances()), draw(st.sampled_from(["specified", "unspecified"])), draw(st.booleans()))


def rule_engine(ri: RuleInstance, folder: Path) -> stackrules.Engine:
    engine_for(ri.base, folder)
    (folder / "e.yaml").write_text(
        yaml.safe_dump(
            {
                "kind": "catalog",
                "provider": {"id": "e", "name": "E"},
                "credit_system": {"id": "ects", "full_time_year": 60},
                "credentials": [{"id": "e:S", "title": "S", "credits": 7.5}],
            }
        )
    )
    grant: Any = "t:K0" if ri.grant == "specified" else {"unspecified": "7.5 ects", "tags": ["a"]}
    (folder / "r.yaml").write_text(yaml.safe_dump({"kind": "credit_rule", "id": "r", "type": "articulation", "into": "t:Q", "from": "e:S", "grant": [grant]}))
    return stackrules.load(folder)


def rule_oracle(ri: RuleInstance) -> Fraction | None:
    """Granted credit is free study: the oracle treats it as one more held credential."""
    inst = ri.base
    if not ri.holds_source:
        return oracle(inst)
    if ri.grant == "specified":
        return oracle(Instance(inst.creds, inst.tree, inst.total, inst.max_level1, inst.held | {"t:K0"}))
    extra = Cred("t:GRANT", 6, 0, ("a",))
    return oracle(Instance((*inst.creds, extra), inst.tree, inst.total, inst.max_level1, inst.held | {"t:GRANT"}))


def rule_audit(engine: stackrules.Engine, ri: RuleInstance, held: frozenset[str]) -> stackrules.Decision:
    holdings = [{"credential": h} for h in sorted(held)] + ([{"credential": "e:S"}] if ri.holds_source else [])
    return engine.audit(stackrules.load_learner({"id": "L", "holdings": holdings}), "t:Q", AS_OF)


@_SETTINGS
@given(rule_instances())
def test_solver_agrees_with_brute_force_with_credit_rules(tmp_path_factory: Any, ri: RuleInstance) -> None:
    engine = rule_engine(ri, tmp_path_factory.mktemp("rb"))
    decision = rule_audit(engine, ri, ri.base.held)
    assert decision.remaining == rule_oracle(ri), (ri, decision.to_json()["credit"])


@_SETTINGS
@given(rule_instances(), st.integers(0, 4))
def test_adding_a_holding_never_hurts_with_credit_rules(tmp_path_factory: Any, ri: RuleInstance, pick: int) -> None:
    engine = rule_engine(ri, tmp_path_factory.mktemp("rb"))
    before = rule_audit(engine, ri, ri.base.held)
    more = RuleInstance(ri.base, ri.grant, True)
    extra = ri.base.held | {ri.base.creds[pick % len(ri.base.creds)].id}
    for after in (rule_audit(engine, more, ri.base.held), rule_audit(engine, ri, extra)):
        if before.status == "met":
            assert after.status == "met"
        if before.remaining is not None:
            assert after.remaining is not None and after.remaining <= before.remaining
