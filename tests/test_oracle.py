"""Property tests: the exact solver against a brute-force oracle on tiny instances.

The oracle knows nothing of the engine's model: it tries every way of giving
each catalogue credential to one leaf (or to none), keeps those that meet the
tree, the total and the limits (nested qualifications' included: their own
total, a cap on their tree's root node and one on the qualification), and takes the cheapest in credential not yet
held. The engine must agree on the status and on ``remaining``; adding a
holding must never turn met into not met nor raise ``remaining``; and the same
input must give the same bytes. The widened oracle (at the end) adds nested
groups, several limits at once, pending study with look-ahead (`met_pending`),
`shares_with` between two nodes (everything, or only a `share` list), and a waiver, substitution or addition.
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
class Nest:
    """A nested qualification ``{qualification: id}``: its own tree, total, root-node cap and qualification-level cap."""

    id: str
    inner: Group
    total: int
    cap_a: int | None  # on the nested tree's root node: at most this much credit of tag a
    max_count: int | None  # the nested qualification's own limit: at most this many credentials

    @property
    def children(self) -> tuple[Any, ...]:
        return (self.inner,)


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


@st.composite
def nested_instances(draw: st.DrawFn) -> Instance:
    """An outer tree holding one or two levels of nested qualifications with limits of their own."""
    base = draw(instances())
    ids = [c.id for c in base.creds]
    leaf_budget = [4 - len(_leaves(base.tree))]

    def group(depth: int) -> Group:
        kids: list[Any] = []
        for _ in range(draw(st.integers(1, max(1, min(2, leaf_budget[0]))))):
            if leaf_budget[0] <= 0:
                break
            leaf_budget[0] -= 1
            kind = draw(st.sampled_from(["credential", "credits", "count"]))
            if kind == "credential":
                kids.append(Leaf("credential", credential=draw(st.sampled_from(ids))))
            elif kind == "credits":
                kids.append(Leaf("credits", amount=draw(st.sampled_from([6, 9, 12])), tag=draw(st.sampled_from([None, "a", "b"]))))
            else:
                kids.append(Leaf("count", amount=draw(st.integers(1, 2)), tag=draw(st.sampled_from([None, "a", "b"]))))
        if depth < 2 and draw(st.booleans()):
            kids.append(nest(depth + 1))
        if not kids:
            kids.append(Leaf("count", amount=1))
        kind = draw(st.sampled_from(["all", "any"])) if len(kids) > 1 else "all"
        return Group(kind, tuple(kids))

    def nest(depth: int) -> Nest:
        return Nest(
            f"t:N{depth}",
            group(depth),
            draw(st.sampled_from([0, 6, 12])),
            draw(st.sampled_from([None, 0, 6])),
            draw(st.sampled_from([None, 1, 2])),
        )

    outer = Group(base.tree.kind, (*base.tree.children, nest(1)), k=base.tree.k)
    return Instance(base.creds, outer, base.total, base.max_level1, base.held)


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
    if isinstance(node, Nest):
        start = counter[0]
        ok = _met(node.inner, got, counter)
        return ok and sum(c.credits for i in range(start, counter[0]) for c in got.get(i, [])) >= node.total
    kids = [_met(c, got, counter) for c in node.children]
    need = len(kids) if node.kind == "all" else 1 if node.kind == "any" else node.k
    return sum(kids) >= need


def _within_caps(node: Any, got: dict[int, list[Cred]], counter: list[int]) -> bool:
    """Does every nested qualification's cap hold for what its subtree claims (met or not)?"""
    if isinstance(node, Leaf):
        counter[0] += 1
        return True
    start = counter[0]
    ok = all([_within_caps(c, got, counter) for c in node.children])
    if isinstance(node, Nest):
        claimed = [c for i in range(start, counter[0]) for c in got.get(i, [])]
        if node.cap_a is not None and sum(c.credits for c in claimed if "a" in c.tags) > node.cap_a:
            ok = False
        if node.max_count is not None and len(claimed) > node.max_count:
            ok = False
    return ok


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
        if not _within_caps(inst.tree, got, [0]):
            continue
        if not _met(inst.tree, got, [0]):
            continue
        cost = Fraction(sum(c.credits for c in used if c.id not in inst.held))
        if best is None or cost < best:
            best = cost
    return best


# ---------------------------------------------------------------- the same instance as YAML


def _nests(node: Any) -> list[Nest]:
    if isinstance(node, Leaf):
        return []
    own = [node] if isinstance(node, Nest) else []
    return own + [n for c in node.children for n in _nests(c)]


def _nest_doc(n: Nest) -> dict[str, Any]:
    """The nested qualification: the cap on its tree's root node, the count limit on the qualification."""
    requires = _node_doc(n.inner)
    if n.cap_a is not None:
        requires["limits"] = [{"id": f"cap-{n.id[2:].lower()}", "max_credits": n.cap_a, "where": {"tags": "a"}}]
    doc: dict[str, Any] = {"kind": "qualification", "id": n.id, "title": n.id, "provider": "t", "credits": n.total, "requires": requires}
    if n.max_count is not None:
        doc["limits"] = [{"id": f"count-{n.id[2:].lower()}", "max_count": n.max_count}]
    return doc


def _node_doc(node: Any) -> Any:
    if isinstance(node, Nest):
        return {"qualification": node.id}
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


def _cred_doc(c: Cred) -> dict[str, Any]:
    """A catalogue entry; a credential of no credit is a record (section 17: a recital attended, an exam passed)."""
    if c.credits == 0:
        return {"id": c.id, "title": c.id, "type": "record", "level": c.level, "tags": list(c.tags)}
    return {"id": c.id, "title": c.id, "credits": c.credits, "level": c.level, "tags": list(c.tags)}


def engine_for(inst: Instance, folder: Path) -> stackrules.Engine:
    catalog = {
        "kind": "catalog",
        "provider": {"id": "t", "name": "T"},
        "credit_system": {"id": "t-cp", "full_time_year": 48},
        "credentials": [_cred_doc(c) for c in inst.creds],
    }
    qual: dict[str, Any] = {"kind": "qualification", "id": "t:Q", "title": "Q", "provider": "t", "credits": inst.total, "requires": _node_doc(inst.tree)}
    if inst.max_level1 is not None:
        qual["limits"] = [{"id": "cap", "max_credits": inst.max_level1, "where": {"level": 1}}]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (folder / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    for n in _nests(inst.tree):
        (folder / f"{n.id[2:]}.yaml").write_text(yaml.safe_dump(_nest_doc(n), sort_keys=False))
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


@_SETTINGS
@given(nested_instances())
def test_solver_agrees_with_brute_force_on_nested_qualifications(tmp_path_factory: Any, inst: Instance) -> None:
    """Nested trees (one or two levels) with limits on their root node and on the nested qualification."""
    engine = engine_for(inst, tmp_path_factory.mktemp("rb"))
    decision = audit(engine, inst.held)
    want = oracle(inst)
    assert decision.remaining == want, (inst, decision.to_json()["nodes"], decision.to_json()["limits"])
    assert decision.status == ("met" if want == 0 else "not_met")
    assert all(lim["status"] == "ok" for lim in decision.to_json()["limits"] if lim["kind"].startswith("max"))


# ---------------------------------------------------------------- records (section 17)


@st.composite
def record_instances(draw: st.DrawFn) -> Instance:
    """Some catalogue entries are records: no credit, counted in `count` leaves and credential leaves."""
    base = draw(instances())
    records = draw(st.sets(st.integers(0, len(base.creds) - 1), min_size=1, max_size=len(base.creds)))
    creds = tuple(Cred(c.id, 0, c.level, c.tags) if i in records else c for i, c in enumerate(base.creds))
    return Instance(creds, base.tree, base.total, base.max_level1, base.held)


def record_oracle(inst: Instance) -> tuple[Fraction, int] | None:
    """The least credit not yet held that completes the target, then the fewest records not yet held (lexicographic)."""
    leaves = _leaves(inst.tree)
    options: list[list[int | None]] = [[None] + [i for i, lf in enumerate(leaves) if _accepts(lf, c)] for c in inst.creds]
    best: tuple[Fraction, int] | None = None
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
        new = [c for c in used if c.id not in inst.held]
        cost = (Fraction(sum(c.credits for c in new)), sum(1 for c in new if c.credits == 0))
        if best is None or cost < best:
            best = cost
    return best


@_SETTINGS
@given(record_instances())
def test_records_agree_with_brute_force(tmp_path_factory: Any, inst: Instance) -> None:
    """`remaining` is credit; the records a completion also needs are `remaining_records`, and the target is met only with neither."""
    engine = engine_for(inst, tmp_path_factory.mktemp("rb"))
    data = audit(engine, inst.held).to_json()
    want = record_oracle(inst)
    got_remaining = data["credits"]["remaining"]
    if want is None:
        assert got_remaining is None, (inst, data["nodes"])
        return
    assert (Fraction(got_remaining), data["credits"].get("remaining_records", 0)) == want, (inst, data["nodes"], data["missing"])
    assert data["status"] == ("met" if want == (0, 0) else "not_met")


# ---------------------------------------------------------------- `when` (section 17)


@dataclass(frozen=True)
class WhenInstance:
    base: Instance
    track: dict[int, str]  # top-level child -> the `track` fact it applies to; the learner's track is "a"


@st.composite
def when_instances(draw: st.DrawFn) -> WhenInstance:
    base = draw(instances())
    n = len(base.tree.children)
    track = {i: draw(st.sampled_from(["a", "b"])) for i in sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n)))}
    return WhenInstance(base, track)


def when_oracle(wi: WhenInstance) -> Fraction | None:
    """A child whose `when` names another track is not part of the tree: met under `all`, nothing under `any` / `at_least`."""
    inst = wi.base
    leaves = _leaves(inst.tree)  # the tree is one group of leaves
    aside = {i for i, t in wi.track.items() if t != "a"}
    options: list[list[int | None]] = [[None] + [i for i, lf in enumerate(leaves) if i not in aside and _accepts(lf, c)] for c in inst.creds]
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
        kids = [(inst.tree.kind == "all") if i in aside else _met(leaf, got, [i]) for i, leaf in enumerate(leaves)]
        need = len(kids) if inst.tree.kind == "all" else 1 if inst.tree.kind == "any" else inst.tree.k
        if sum(kids) < need:
            continue
        cost = Fraction(sum(c.credits for c in used if c.id not in inst.held))
        if best is None or cost < best:
            best = cost
    return best


@_SETTINGS
@given(when_instances())
def test_when_agrees_with_brute_force(tmp_path_factory: Any, wi: WhenInstance) -> None:
    folder = tmp_path_factory.mktemp("rb")
    engine_for(wi.base, folder)
    path = folder / "q.yaml"
    qual = yaml.safe_load(path.read_text())
    group = qual["requires"]
    key = next(k for k in ("all", "any", "of") if k in group)
    kids = group[key] if isinstance(group, dict) else None
    assert kids is not None
    for i, t in wi.track.items():
        kid = kids[i] if isinstance(kids[i], dict) else {"credential": kids[i]}
        kids[i] = {**kid, "when": {"fact": {"track": t}}}
    path.write_text(yaml.safe_dump(qual, sort_keys=False))
    engine = stackrules.load(folder)
    learner = stackrules.load_learner({"id": "L", "facts": {"track": "a"}, "holdings": [{"credential": h} for h in sorted(wi.base.held)]})
    decision = engine.audit(learner, "t:Q", AS_OF)
    want = when_oracle(wi)
    assert decision.remaining == want, (wi, decision.to_json()["nodes"])
    assert decision.status == ("met" if want == 0 else "not_met")


# ---------------------------------------------------------------- `terms_since` (section 17)

CALENDAR = [(f"{y}-S{k}", dt.date(y, 1 if k == 1 else 7, 15), dt.date(y, 5 if k == 1 else 11, 30)) for y in (2024, 2025, 2026) for k in (1, 2)]


@dataclass(frozen=True)
class SinceInstance:
    base: Instance
    at_least: dict[int, int]  # top-level child -> `when: {terms_since: {declared: {gte: N}}}`
    declared: dt.date | None  # the learner's `declared` fact (None: not stated)


@st.composite
def since_instances(draw: st.DrawFn) -> SinceInstance:
    base = draw(instances())
    n = len(base.tree.children)
    at_least = {i: draw(st.integers(0, 5)) for i in sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n)))}
    declared = draw(st.one_of(st.none(), st.dates(dt.date(2023, 12, 1), dt.date(2026, 6, 30))))
    return SinceInstance(base, at_least, declared)


@_SETTINGS
@given(since_instances())
def test_terms_since_agrees_with_brute_force(tmp_path_factory: Any, si: SinceInstance) -> None:
    """A child applies when enough calendar terms have begun since `declared` (counted here by hand); no date: never."""
    folder = tmp_path_factory.mktemp("rb")
    engine_for(si.base, folder)
    catalog = yaml.safe_load((folder / "catalog.yaml").read_text())
    catalog["terms"] = [{"id": t, "from": lo.isoformat(), "until": hi.isoformat()} for t, lo, hi in CALENDAR]
    (folder / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    qual = yaml.safe_load((folder / "q.yaml").read_text())
    group = qual["requires"]
    kids = group[next(k for k in ("all", "any", "of") if k in group)]
    for i, k in si.at_least.items():
        kid = kids[i] if isinstance(kids[i], dict) else {"credential": kids[i]}
        kids[i] = {**kid, "when": {"terms_since": {"declared": {"gte": k}}}}
    (folder / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    engine = stackrules.load(folder)
    facts = {} if si.declared is None else {"declared": si.declared.isoformat()}
    learner = stackrules.load_learner({"id": "L", "facts": facts, "holdings": [{"credential": h} for h in sorted(si.base.held)]})
    decision = engine.audit(learner, "t:Q", AS_OF)
    begun = None if si.declared is None else len([t for t, lo, _ in CALENDAR if si.declared < lo <= AS_OF])
    track = {i: "a" if begun is not None and begun >= k else "b" for i, k in si.at_least.items()}
    want = when_oracle(WhenInstance(si.base, track))
    assert decision.remaining == want, (si, begun, decision.to_json()["nodes"])
    assert decision.status == ("met" if want == 0 else "not_met")


# ---------------------------------------------------------------- filters that compare with a learner fact (section 17)


@dataclass(frozen=True)
class FactInstance:
    base: Instance
    stated: frozenset[str]  # which of the tags `a`, `b` the learner states as the facts `ta`, `tb`


@st.composite
def fact_instances(draw: st.DrawFn) -> FactInstance:
    return FactInstance(draw(instances()), frozenset(draw(st.sets(st.sampled_from(["a", "b"])))))


def _unstated(node: Any, stated: frozenset[str]) -> Any:
    """The tree as the oracle reads it: a pool on a tag the learner does not state accepts nothing (tag `zz`)."""
    if isinstance(node, Leaf):
        return Leaf(node.kind, node.credential, node.amount, "zz") if node.tag is not None and node.tag not in stated else node
    return Group(node.kind, tuple(_unstated(c, stated) for c in node.children), node.k)


def _fact_doc(node: Any) -> Any:
    """Each pool's `where: {tags: X}` written as `where: {tags: {fact: tX}}`."""
    if isinstance(node, dict):
        out = {k: _fact_doc(v) for k, v in node.items()}
        if isinstance(node.get("where"), dict) and isinstance(node["where"].get("tags"), str):
            out["where"] = {"tags": {"fact": "t" + node["where"]["tags"]}}
        return out
    if isinstance(node, list):
        return [_fact_doc(c) for c in node]
    return node


@_SETTINGS
@given(fact_instances())
def test_fact_filters_agree_with_brute_force(tmp_path_factory: Any, fi: FactInstance) -> None:
    """A filter on a learner fact reads the learner's value; a fact not stated matches nothing (a limit's too)."""
    folder = tmp_path_factory.mktemp("rb")
    engine_for(fi.base, folder)
    path = folder / "q.yaml"
    qual = yaml.safe_load(path.read_text())
    qual["requires"] = _fact_doc(qual["requires"])
    for lim in qual.get("limits", []):
        lim["where"] = {"level": {"fact": "year"}}  # the learner states `year: 1`: the cap on level 1 as before
    path.write_text(yaml.safe_dump(qual, sort_keys=False))
    engine = stackrules.load(folder)
    facts: dict[str, Any] = {"t" + t: t for t in sorted(fi.stated)}
    facts["year"] = 1
    learner = stackrules.load_learner({"id": "L", "facts": facts, "holdings": [{"credential": h} for h in sorted(fi.base.held)]})
    decision = engine.audit(learner, "t:Q", AS_OF)
    inst = fi.base
    want = oracle(Instance(inst.creds, _unstated(inst.tree, fi.stated), inst.total, inst.max_level1, inst.held))
    assert decision.remaining == want, (fi, decision.to_json()["nodes"])
    assert decision.status == ("met" if want == 0 else "not_met")


# ---------------------------------------------------------------- repeatable credentials (section 17)


@dataclass(frozen=True)
class RepeatInstance:
    base: Instance
    bound: dict[str, int]  # repeatable credentials and their `max`
    held: dict[str, int]  # how many passing holdings of each credential


@st.composite
def repeat_instances(draw: st.DrawFn) -> RepeatInstance:
    base = draw(instances())
    ids = [c.id for c in base.creds]
    repeatable = draw(st.sets(st.sampled_from(ids), min_size=1, max_size=2))
    bound = {c: draw(st.integers(2, 3)) for c in sorted(repeatable)}
    held = {c: draw(st.integers(1, bound.get(c, 1) + 1)) for c in sorted(base.held)}
    return RepeatInstance(base, bound, held)


def repeat_oracle(ri: RepeatInstance) -> Fraction | None:
    """Each repeatable credential is up to `max` copies, every other one copy; copies not held cost their credit."""
    inst = ri.base
    leaves = _leaves(inst.tree)
    copies = [c for c in inst.creds for _ in range(ri.bound.get(c.id, 1))]
    options: list[list[int | None]] = [[None] + [i for i, lf in enumerate(leaves) if _accepts(lf, c)] for c in copies]
    best: Fraction | None = None
    for choice in itertools.product(*options):
        got: dict[int, list[Cred]] = {}
        for c, i in zip(copies, choice, strict=True):
            if i is not None:
                got.setdefault(i, []).append(c)
        used = [c for c, i in zip(copies, choice, strict=True) if i is not None]
        if any(leaves[i].kind == "credential" and len(v) > 1 for i, v in got.items()):
            continue
        if sum(c.credits for c in used) < inst.total:
            continue
        if inst.max_level1 is not None and sum(c.credits for c in used if c.level == 1) > inst.max_level1:
            continue
        if not _met(inst.tree, got, [0]):
            continue
        per_id: dict[str, int] = {}
        for c in used:
            per_id[c.id] = per_id.get(c.id, 0) + 1
        cost = Fraction(sum(max(0, k - ri.held.get(cid, 0)) * next(c.credits for c in inst.creds if c.id == cid) for cid, k in per_id.items()))
        if best is None or cost < best:
            best = cost
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(repeat_instances())
def test_repeatable_credentials_agree_with_brute_force(tmp_path_factory: Any, ri: RepeatInstance) -> None:
    """Repeats count once per passing holding up to `max`; a credential held more often than it may count counts its bound."""
    folder = tmp_path_factory.mktemp("rb")
    engine_for(ri.base, folder)
    path = folder / "catalog.yaml"
    catalog = yaml.safe_load(path.read_text())
    for entry in catalog["credentials"]:
        if entry["id"] in ri.bound:
            entry["repeatable"] = {"max": ri.bound[entry["id"]]}
    path.write_text(yaml.safe_dump(catalog, sort_keys=False))
    engine = stackrules.load(folder)
    holdings = [{"credential": cid, "awarded": f"2020-01-{k + 1:02d}"} for cid, n in sorted(ri.held.items()) for k in range(n)]
    decision = engine.audit(stackrules.load_learner({"id": "L", "holdings": holdings}), "t:Q", AS_OF)
    want = repeat_oracle(ri)
    assert decision.remaining == want, (ri, decision.to_json()["nodes"], decision.to_json()["missing"])
    assert decision.status == ("met" if want == 0 else "not_met")


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


# ---------------------------------------------------------------- widened: nested trees, several limits, pending study, sharing, exceptions


@dataclass(frozen=True)
class Wide:
    creds: tuple[Cred, ...]
    tree: Group  # children are leaves or groups of leaves; the top's children are nodes n0, n1, ...
    total: int
    limits: tuple[tuple[str, str, int], ...]  # (kind, filter key, bound): max_credits level1 | max_count tag a | min_credits tag b
    held: frozenset[str]
    pending: frozenset[str]  # held, but in progress (counted with look-ahead)
    shares: tuple[int, int] | None  # top child i shares_with top child j
    exception: tuple[str, int, str, str] | None  # (waive | add | substitute, top child, credential, instead_of)
    share_only: frozenset[str] | None = None  # with `shares`: `share: [ids]`, only these may count in both (section 17)


def _waives_everything(top: Group) -> bool:
    """Section 18 as built: waiving a top child that alone meets the top group (one choice of an `any` or `at_least:
    1`, the only child of an `all`) waives the qualification, and the oracle's approver `a` may approve for nodes only:
    the waiver is refused."""
    return top.kind == "any" or (top.kind == "at_least" and top.k == 1) or (top.kind == "all" and len(top.children) == 1)


@st.composite
def wide_instances(draw: st.DrawFn) -> Wide:
    n = draw(st.integers(2, 4))
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
            return Leaf("credits", amount=draw(st.sampled_from([3, 6, 9])), tag=draw(st.sampled_from([None, "a", "b"])))
        return Leaf("count", amount=draw(st.integers(1, 2)), tag=draw(st.sampled_from([None, "a", "b"])))

    def group(children: tuple[Any, ...]) -> Group:
        kind = draw(st.sampled_from(["all", "any", "at_least"])) if len(children) > 1 else "all"
        return Group(kind, children, k=draw(st.integers(1, len(children))) if kind == "at_least" else 0)

    kids: list[Any] = []
    for _ in range(draw(st.integers(2, 3))):
        kids.append(leaf() if draw(st.booleans()) else group(tuple(leaf() for _ in range(draw(st.integers(1, 2))))))
    if sum(len(_leaves(c)) for c in kids) > 4:
        kids = kids[:2]
    tree = group(tuple(kids))
    total = draw(st.sampled_from([0, 6, 12]))
    limits = tuple(draw(st.sets(st.sampled_from([("max_credits", "level1", 6), ("max_count", "a", 1), ("min_credits", "b", 6)]), max_size=2)))
    held = frozenset(draw(st.sets(st.sampled_from(ids), max_size=n)))
    pending = frozenset(draw(st.sets(st.sampled_from(sorted(held)), max_size=2))) if held else frozenset()
    shares = None
    if draw(st.booleans()):
        i, j = draw(st.permutations(range(len(kids))))[:2]
        shares = (i, j)
    exception = None
    choice = draw(st.sampled_from([None, "waive", "add", "substitute"]))
    if choice is not None:
        k = draw(st.integers(0, len(kids) - 1))
        named = [lf.credential for lf in _leaves(kids[k]) if lf.kind == "credential"]
        cred = draw(st.sampled_from(ids))
        if choice == "substitute" and named:
            exception = ("substitute", k, cred, draw(st.sampled_from(named)))
        elif choice == "add" and any(lf.kind != "credential" for lf in _leaves(kids[k])):
            exception = ("add", k, cred, "")
        elif choice == "waive":
            exception = ("waive", k, "", "")
    share_only = frozenset(draw(st.sets(st.sampled_from(ids), min_size=1))) if shares is not None and draw(st.booleans()) else None
    return Wide(creds, tree, total, tuple(sorted(limits)), held, pending, shares, exception, share_only)


def _limit_ok(kind: str, key: str, bound: int, used: list[Cred]) -> bool:
    if kind == "max_credits":
        return sum(c.credits for c in used if c.level == 1) <= bound
    if kind == "max_count":
        return sum(1 for c in used if key in c.tags) <= bound
    return sum(c.credits for c in used if key in c.tags) >= bound


def wide_oracle(w: Wide) -> tuple[str, Fraction | None]:
    """The status and ``remaining`` by brute force: every assignment of credentials to leaves (or two sharing leaves)."""
    top = list(w.tree.children)
    owner: list[int] = []  # leaf -> its top child
    leaves: list[Leaf] = []
    for k, child in enumerate(top):
        for lf in _leaves(child):
            owner.append(k)
            leaves.append(lf)
    waived = {w.exception[1]} if w.exception and w.exception[0] == "waive" and not _waives_everything(w.tree) else set()
    share = {w.shares[0], w.shares[1]} if w.shares else set()

    def accepts(i: int, c: Cred) -> bool:
        if owner[i] in waived:
            return False  # a waived node claims nothing
        lf = leaves[i]
        if _accepts(lf, c):
            return True
        if w.exception is None or owner[i] != w.exception[1] or c.id not in w.held or c.id != w.exception[2]:
            return False  # an exception lets the learner's own credential count, not study still to take
        if w.exception[0] == "add":
            return lf.kind != "credential"
        return w.exception[0] == "substitute" and lf.kind == "credential" and lf.credential == w.exception[3]

    def options(c: Cred) -> list[tuple[int, ...]]:
        one = [i for i in range(len(leaves)) if accepts(i, c)]
        out: list[tuple[int, ...]] = [(), *((i,) for i in one)]
        if w.shares and (w.share_only is None or c.id in w.share_only):
            out += [(i, j) for i in one for j in one if i < j and owner[i] != owner[j] and {owner[i], owner[j]} == share]
        return out

    def met(node: Any, got: dict[int, list[Cred]], counter: list[int], depth: int, k: int) -> bool:
        if depth == 1 and k in waived:
            counter[0] += len(_leaves(node))
            return True
        if isinstance(node, Leaf):
            claims = got.get(counter[0], [])
            counter[0] += 1
            if node.kind == "credential":
                return len(claims) == 1
            if node.kind == "credits":
                return sum(c.credits for c in claims) >= node.amount
            return len(claims) >= node.amount
        kids = [met(c, got, counter, depth + 1, i if depth == 0 else k) for i, c in enumerate(node.children)]
        need = len(kids) if node.kind == "all" else 1 if node.kind == "any" else node.k
        return sum(kids) >= need

    best: dict[str, Fraction] = {}
    for choice in itertools.product(*(options(c) for c in w.creds)):
        got: dict[int, list[Cred]] = {}
        for c, where in zip(w.creds, choice, strict=True):
            for i in where:
                got.setdefault(i, []).append(c)
        if any(leaves[i].kind == "credential" and len(v) > 1 for i, v in got.items()):
            continue
        used = [c for c, where in zip(w.creds, choice, strict=True) if where]
        if sum(c.credits for c in used) < w.total or not all(_limit_ok(kind, key, bound, used) for kind, key, bound in w.limits):
            continue
        if not met(w.tree, got, [0], 0, -1):
            continue
        cost = Fraction(sum(c.credits for c in used if c.id not in w.held))
        kind = "added" if cost else "pending" if any(c.id in w.pending for c in used) else "done"
        if kind not in best or cost < best[kind]:
            best[kind] = cost
    if "done" in best:
        return "met", Fraction(0)
    if "pending" in best:
        return "met_pending", Fraction(0)
    return "not_met", best.get("added")


def wide_engine(w: Wide, folder: Path) -> stackrules.Engine:
    catalog = {
        "kind": "catalog",
        "provider": {"id": "t", "name": "T"},
        "credit_system": {"id": "t-cp", "full_time_year": 48},
        "credentials": [{"id": c.id, "title": c.id, "credits": c.credits, "level": c.level, "tags": list(c.tags)} for c in w.creds],
    }
    kids = []
    for k, child in enumerate(w.tree.children):
        doc = _node_doc(child)
        doc = {"id": f"n{k}", **(doc if isinstance(doc, dict) else {"all": [doc]})}
        if w.shares and w.shares[0] == k:
            doc["shares_with"] = [f"n{w.shares[1]}"]
            if w.share_only is not None:
                doc["share"] = sorted(w.share_only)
        kids.append(doc)
    requires: dict[str, Any] = {"at_least": w.tree.k, "of": kids} if w.tree.kind == "at_least" else {w.tree.kind: kids}
    qual: dict[str, Any] = {"kind": "qualification", "id": "t:Q", "title": "Q", "provider": "t", "credits": w.total, "requires": requires}
    filters = {"level1": {"level": 1}, "a": {"tags": "a"}, "b": {"tags": "b"}}
    if w.limits:
        qual["limits"] = [{"id": f"lim{i}", kind: bound, "where": filters[key]} for i, (kind, key, bound) in enumerate(w.limits)]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (folder / "q.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    approvers = {"kind": "approvers", "provider": "t", "approvers": [{"id": "a", "name": "A", "may": ["waive", "substitute", "add"]}]}
    (folder / "approvers.yaml").write_text(yaml.safe_dump(approvers, sort_keys=False))
    return stackrules.load(folder)


def wide_learner(w: Wide) -> stackrules.Learner:
    holdings = [{"credential": h, **({"status": "in_progress"} if h in w.pending else {})} for h in sorted(w.held)]
    exceptions = []
    if w.exception is not None:
        kind, k, cred, instead = w.exception
        e: dict[str, Any] = {"type": kind, "node": f"t:Q#n{k}", "reason": "r", "approved_by": "a", "date": "2026-01-01"}
        if kind != "waive":
            e["credential"] = cred
        if kind == "substitute":
            e["instead_of"] = instead
        exceptions.append(e)
    return stackrules.load_learner({"id": "L", "holdings": holdings, "exceptions": exceptions})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(wide_instances())
def test_solver_agrees_with_brute_force_on_nested_trees_limits_pending_sharing_and_exceptions(tmp_path_factory: Any, w: Wide) -> None:
    engine = wide_engine(w, tmp_path_factory.mktemp("rb"))
    decision = engine.audit(wide_learner(w), "t:Q", AS_OF, look_ahead=True)
    assert (decision.status, decision.remaining) == wide_oracle(w), (w, decision.to_json()["nodes"])
