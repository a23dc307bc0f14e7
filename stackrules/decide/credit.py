"""Credit-rule application: which rules apply to the target, their sources, their applications.

For one (learner, target, day): the credit rules whose ``into`` is the target
or a qualification nested in it, the items that could be each rule's sources
(its ``from`` tree, its ``when`` conditions; a policy default gives way to a
specific rule for the same source), and as many applications of each rule as
its candidate sources allow, each with its own copy of the ``from`` tree and
the items its ``grant`` would add (docs/language.md section 9). Refusals known
before any choice (a condition not met, a rule not in force, a policy
default overridden) are recorded here; the rest are the explanation's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

from ..compile.tree import CNode, Expander, link
from ..language.models import ExemptGrant, IntoFilter, SpecifiedGrant, UnspecifiedGrant
from ..rulebase.filters import Matcher, credential_attrs, grant_attrs, resolve_facts, version_attrs
from ..rulebase.index import QualVersion, RuleBase, RuleInfo, iter_nodes
from . import semantics
from .catalogue import add_external
from .items import Application, Item, Refusal
from .semantics import years_before

Accepts = Callable[[CNode, Item, tuple[str, ...]], bool]


@dataclass
class CreditRules:
    """The applications that could be used, the sources each ``from`` leaf may take, the refusals known up front."""

    apps: list[Application]
    source_eligible: dict[int, list[int]]  # from-tree leaf index -> item indices
    refusals: list[Refusal]
    # items no rule takes that a rule into the target would take in a related field: item -> (rule id, the fields
    # of the qualification it grants into)
    unrelated: dict[int, list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)


def apply_credit_rules(
    rb: RuleBase,
    v: QualVersion,
    day: dt.date,
    as_of: dt.date,
    top: CNode,
    nodes: list[CNode],
    items: list[Item],
    plan: str | None,
    accepts: Accepts,
    facts: Mapping[str, object] | None = None,
) -> CreditRules:
    """Every application of every rule that could grant credit towards ``v`` (granted items are appended to ``items``).

    ``nodes`` numbers the target's tree; each from-tree is numbered after it.
    A plan (``plan`` names its objective) also adds other providers'
    catalogue credentials a rule could take as sources (micro-credentials
    that stack). ``accepts`` decides whether a leaf may take an item.
    ``facts``: the learner's, read into filters that compare with one (section 17).
    """
    targets = {v.id: v}
    for n in top.walk():
        if n.nested:
            nv = rb.version(n.nested, day)
            if nv is not None:
                targets[n.nested] = nv
    apps: list[Application] = []
    source_eligible: dict[int, list[int]] = {}
    refusals: list[Refusal] = []
    unrelated: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
    # from-trees share the node numbering of the target tree, so indices never collide
    ex = Expander(rb, day, v.system, nodes=nodes, facts=facts)

    def into_of(rule: RuleInfo) -> QualVersion | None:
        into = rule.doc.into
        if isinstance(into, str):
            return targets.get(into)
        assert isinstance(into, IntoFilter)
        for tv in targets.values():
            if Matcher(rb).match(into.where if facts is None else resolve_facts(into.where, facts), version_attrs(tv)):
                return tv
        return None

    sources_all = [it for it in items]
    applicable: list[tuple[RuleInfo, QualVersion]] = []
    held = {it.credential for it in items}
    for rule in rb.rules:
        if plan is None and not _could_use(rb, rule, held):
            continue  # a rule whose sources are named credentials the learner does not hold
        tv = into_of(rule)
        if tv is None:
            continue
        applicable.append((rule, tv))

    def source_ok(rule: RuleInfo, it: Item) -> str | None:
        when = rule.doc.when
        if when is None or it.origin == "addition" or it.pending:
            # study not yet taken, or in progress or planned (look-ahead), is assumed recent and at the grade needed
            # (docs/language.md, "Conditions"): what rests on it is pending
            return None
        a = it.attrs
        if when.within_years is not None:
            if a.awarded is None:
                return "the award date is unknown, and the rule needs it within " + _years(when.within_years)
            limit = years_before(as_of, when.within_years)
            if a.awarded < limit:
                return f"awarded {a.awarded}, more than {_years(when.within_years)} before {as_of}"
        if when.min_grade is not None:
            prov = rb.providers.get(a.provider)
            mine = prov.grade_rank(a.grade) if (prov and a.grade) else None
            need = prov.grade_rank(when.min_grade) if prov else None
            if not a.grade:
                return f"no grade is recorded, and the rule needs at least {when.min_grade}"
            if mine is None or need is None or mine < need:
                return f"grade {a.grade} is below the minimum {when.min_grade}"
        return None

    non_policy_sources: dict[str, set[int]] = {}
    rule_candidates: dict[str, list[int]] = {}
    rule_trees: dict[str, CNode] = {}
    for rule, tv in applicable:
        tree = ex.node(rule.doc.from_, tv, f"rule:{rule.id}#", "", (), None, None)
        link(tree)
        rule_trees[rule.id] = tree
    if plan is not None and v.provider is not None:
        # other providers' credentials the learner could take to earn credit (micro-credentials that stack)
        add_external(rb, v, items, [(rule_trees[r.id], tv) for r, tv in applicable], accepts, top, tuple(r.id for r, _ in applicable))
        sources_all = list(items)
    by_credential: dict[str, list[Item]] = {}
    for it in sources_all:
        by_credential.setdefault(it.credential, []).append(it)
    for rule, tv in applicable:
        tree = rule_trees[rule.id]
        cands: list[int] = []
        leaves = tree.leaves()
        named = [leaf.credential for leaf in leaves if leaf.kind == "credential" and leaf.credential]
        # a `from` of named credentials looks only at items of those credentials and of the credentials they
        # stand for (`supersedes` / `equivalent`, section 17), in item order
        wanted = {c for n in named for c in (n, *rb.equivalents.get(n, ()))}
        pool = sorted((it for c in wanted for it in by_credential.get(c, [])), key=lambda it: it.index) if len(named) == len(leaves) else sources_all
        for it in pool:
            if any(accepts(leaf, it, tv.fields) for leaf in leaves):
                why = source_ok(rule, it)
                if why is None:
                    cands.append(it.index)
                else:
                    refusals.append(Refusal(rule.id, (it.key,), "condition", why))
        rule_candidates[rule.id] = cands
        relaxed = [r for r in (_unrelated(leaf) for leaf in leaves) if r is not None]
        if relaxed:
            for it in sources_all:
                if it.origin == "external" and it.index not in cands and not any(accepts(leaf, it, tv.fields) for leaf in leaves):
                    if any(accepts(leaf, it, tv.fields) for leaf in relaxed):
                        unrelated.setdefault(it.index, []).append((rule.id, tv.fields))
        if rule.doc.type != "policy" and (rule.doc.effective is None or rule.doc.effective.contains(as_of)):
            # a specific rule takes precedence over a policy default only while it is in force (one that starts
            # later, or has ended, grants nothing on the day, and is refused as not in force below)
            non_policy_sources.setdefault(tv.id, set()).update(cands)
    # the trees above are templates for finding candidates: each application gets its own copy
    for rule, tv in applicable:
        cands = rule_candidates[rule.id]
        if rule.doc.type == "policy":
            blocked = non_policy_sources.get(tv.id, set())
            for i in cands:
                if i in blocked:
                    refusals.append(
                        Refusal(rule.id, (items[i].key,), "source_used", "a specific rule for this source takes precedence over the policy default")
                    )
            cands = [i for i in cands if i not in blocked]
        if not cands:
            continue
        if rule.doc.effective is not None and not rule.doc.effective.contains(as_of):
            refusals.append(Refusal(rule.id, tuple(items[i].key for i in cands), "not_effective", _effective_text(rule, as_of)))
            continue
        size = max(1, _min_sources(rule_trees[rule.id]))
        # a plan may take hundreds of a catalogue's credentials as sources of a rule that takes one at a time
        # ("each unmatched sophomore course earns 3 credits"): alike applications that could each take any of them
        # would be applications x candidates claims (601,348 for one institution plan). Each candidate gets its own
        # application instead: the same plans, one claim each. (Every candidate is one item: the catalogue's merged
        # groups are added to a plan's problem after its credit rules are applied, problem.py)
        alone = list(cands) if plan is not None and _one_source(rule_trees[rule.id]) else None
        slots = len(alone) if alone is not None else max(1, len(cands) // size)
        for number in range(1, slots + 1):
            root = ex.node(rule.doc.from_, tv, f"rule:{rule.id}:{number}#", "", (), None, None)
            link(root)
            app = Application(len(apps), rule, number, tv.id, root, source=None if alone is None else alone[number - 1])
            for leaf in root.leaves():
                source_eligible[leaf.index] = (
                    [i for i in cands if accepts(leaf, items[i], tv.fields)]
                    if alone is None
                    else [i for i in alone[number - 1 : number] if accepts(leaf, items[i], tv.fields)]
                )
            for j, g in enumerate(rule.doc.grant):
                if isinstance(g, ExemptGrant):
                    qid, _, local = g.exempt.partition("#")
                    app.exempt += [n.index for n in top.walk() if in_scope(n, qid, local)]
                    continue
                items.append(_grant_item(rb, rule, number, j, g, tv, v, len(items), app.index))
                app.grants.append(len(items) - 1)
            apps.append(app)
    return CreditRules(apps, source_eligible, refusals, unrelated)


def _unrelated(leaf: CNode) -> CNode | None:
    """``leaf`` without its `related_field: true` condition (None when it has none): what it would take in a related field."""
    if leaf.where is None or not any(t.attr == "related_field" and t.value is True for t in leaf.where.terms):
        return None
    kept = tuple(t for t in leaf.where.terms if not (t.attr == "related_field" and t.value is True))
    return replace(leaf, where=replace(leaf.where, terms=kept), _walk=None, _leaves=None)


def in_scope(node: CNode, qid: str, local: str) -> bool:
    """Is ``node`` the node ``qid#local``?"""
    if node.qualification != qid or node.id is None:
        return False
    return node.id == local or node.id == f"{qid}#{local}"


def _could_use(rb: RuleBase, rule: RuleInfo, held: set[str]) -> bool:
    """Could any of ``held`` be a source of ``rule``? Exact for `from` trees of named credentials (and their partners)."""
    named = True
    for n, _ in iter_nodes(rule.doc.from_, ()):
        if n.credential is not None:
            if n.credential in held or not held.isdisjoint(rb.equivalents.get(n.credential, ())):
                return True
        elif n.credits is not None or n.count is not None or n.competencies is not None:
            named = False
    return not named


def _grant_item(
    rb: RuleBase, rule: RuleInfo, number: int, j: int, g: SpecifiedGrant | UnspecifiedGrant, tv: QualVersion, v: QualVersion, index: int, app: int
) -> Item:
    provider = tv.provider or ""
    if isinstance(g, SpecifiedGrant):
        c = rb.credentials[g.credential]
        attrs = credential_attrs(rb, c.id, v.system, source="credit", provider=provider)
        return Item(index, c.id, c.id, "grant", attrs, app=app)
    credits = rb.rescale(rb.grant_amount(g, tv), tv.system, v.system)
    extra = sum(1 for k, other in enumerate(rule.doc.grant) if k < j and isinstance(other, UnspecifiedGrant))
    key = f"credit:{rule.id}:{number}" + (f".{extra + 1}" if extra else "")
    attrs = grant_attrs(g, key, provider, credits, v.system, g.title or f"credit under {rule.id}")
    return Item(index, key, key, "grant", attrs, app=app)


def _one_source(node: CNode) -> bool:
    """Whether ``node`` (a rule's `from`) is met by any one credential it accepts: a pool of one, nothing more asked."""
    return node.kind == "pool" and node.count == 1 and node.credits is None and node.min_total is None and not node.limits


def _min_sources(node: CNode) -> int:
    if node.kind == "credential":
        return 1
    if node.kind == "pool":
        return node.count or 1
    if node.kind == "competencies":
        return 1
    sizes = sorted(_min_sources(c) for c in node.children)
    return sum(sizes[: semantics.threshold(node)])


def _years(y: Fraction) -> str:
    return f"{y} year" + ("" if y == 1 else "s")


def _effective_text(rule: RuleInfo, as_of: dt.date) -> str:
    eff = rule.doc.effective
    assert eff is not None
    return f"in force from {eff.from_ or 'the start'} until {eff.until or 'further notice'}, not on {as_of}"
