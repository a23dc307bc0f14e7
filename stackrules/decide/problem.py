"""The decision problem for one (learner, target, day): items, leaves, applications.

This module gathers everything an audit chooses between, with no solver in
sight: the learner's holdings that count, the credit that rule applications
could grant, the catalogue credentials that could be added (for
``remaining``), and which item may fill which leaf. :mod:`stackrules.decide.solve`
turns it into an integer program; :mod:`stackrules.decide.checker` re-verifies a
choice against it independently.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from ..compile.target import CompiledTarget, compile_target, prerequisites_met
from ..compile.tree import CNode, Expander, link
from ..errors import RequestError
from ..language.models import ExemptGrant, IntoFilter, LearnerDoc, LearnerException, SpecifiedGrant, UnspecifiedGrant
from ..rulebase.filters import Attrs, Matcher, credential_attrs, grant_attrs, version_attrs
from ..rulebase.index import QualVersion, RuleBase, RuleInfo, iter_nodes
from . import semantics
from .holdings import HoldingView, view_holdings
from .semantics import years_before


@dataclass
class Item:
    """Something a leaf can claim: a holding, granted credit, or a catalogue addition."""

    index: int
    key: str
    credential: str
    origin: str  # holding | grant | addition
    attrs: Attrs  # credits in the target's system
    pending: bool = False
    points: Fraction | None = None
    multiplicity: int = 1
    members: tuple[str, ...] = ()
    app: int | None = None
    holding: HoldingView | None = None
    cost: Fraction | None = None

    @property
    def credits(self) -> Fraction:
        return self.attrs.credits


@dataclass
class Application:
    """One possible application of a credit rule (slot ``number`` of the rule)."""

    index: int
    rule: RuleInfo
    number: int
    into: str
    root: CNode  # the expanded `from` tree
    grants: list[int] = field(default_factory=list)  # item indices
    exempt: list[int] = field(default_factory=list)  # node indices


@dataclass
class Refusal:
    rule: str
    sources: tuple[str, ...]
    reason: str  # cap | not_needed | condition | source_used | not_effective
    detail: str


@dataclass
class Problem:
    rb: RuleBase
    version: QualVersion
    as_of: dt.date
    day: dt.date  # the day the target's tree is expanded for (an enrolment's commencement, else ``as_of``)
    look_ahead: bool
    top: CNode
    nodes: list[CNode]
    holdings: list[HoldingView]
    items: list[Item]
    eligible: dict[int, list[int]]  # leaf node index -> item indices
    apps: list[Application]
    source_eligible: dict[int, list[int]]  # from-tree leaf index -> item indices
    waived: set[int]
    exceptions: list[tuple[LearnerException, str]]  # exception, what it did
    exception_claims: dict[tuple[int, int], LearnerException]  # (leaf, item) allowed by an exception
    refusals_static: list[Refusal]
    incompatible: list[tuple[int, int]]
    same_credential: list[list[int]]
    with_additions: bool
    # what adding the catalogue later needs (it is added only when a model asks for it)
    compiled: CompiledTarget | None = None
    open_leaves: frozenset[int] = frozenset()
    plan: str | None = None  # the plan's objective, for a plan
    quick: bool = False  # a plan's fast first model (see _add_catalogue)
    bound: Fraction | None = None  # an upper bound on the plan's objective, when one is known
    catalogue_added: bool = False
    unready: frozenset[str] = frozenset()  # catalogue credentials in the model whose prerequisites the learner lacks
    # the checker's memo: (node, limit) -> item -> does the limit's filter admit it (items never change)
    limit_members: dict[tuple[int, int], dict[int, bool]] = field(default_factory=dict)

    def add_catalogue(self) -> None:
        """Add the catalogue credentials that could complete the target (once; no-op after)."""
        if self.catalogue_added or not self.with_additions or self.compiled is None:
            return
        self.catalogue_added = True
        self.unready = _add_catalogue(self.rb, self.compiled, self.items, self.eligible, set(self.open_leaves), self.plan, self.quick, self.bound)
        self.incompatible, self.same_credential = _constraints(self.rb, self.items)


def target_version(rb: RuleBase, learner: LearnerDoc, target: str, as_of: dt.date) -> tuple[QualVersion, dt.date]:
    if target not in rb.qualifications:
        from ..diagnostics import suggestion

        raise RequestError("SR5001", f"unknown target `{target}`", suggestion(target, rb.qualifications) or "name a qualification of the rule base")
    day = as_of
    for e in learner.enrolments:
        if e.qualification == target and e.commenced is not None:
            day = e.commenced
    v = rb.version(target, day)
    if v is None:
        ranges = ", ".join(f"{x.effective.from_ or '...'} to {x.effective.until or '...'}" for x in rb.qualifications[target] if x.effective)
        raise RequestError("SR5001", f"no version of `{target}` is in force on {day}", f"versions exist for {ranges}")
    return v, day


def _scope(node: CNode, qid: str, local: str) -> bool:
    """Is ``node`` the node ``qid#local``?"""
    if node.qualification != qid or node.id is None:
        return False
    return node.id == local or node.id == f"{qid}#{local}"


Compiler = Callable[[QualVersion, dt.date], CompiledTarget]


def build_problem(
    rb: RuleBase,
    learner: LearnerDoc,
    target: str,
    as_of: dt.date,
    look_ahead: bool,
    with_additions: bool = True,
    compiler: Compiler | None = None,
    plan: str | None = None,
    quick: bool = False,
    bound: Fraction | None = None,
) -> Problem:
    v, day = target_version(rb, learner, target, as_of)
    ct = compiler(v, day) if compiler is not None else compile_target(rb, v, day)
    top = ct.top
    nodes = list(ct.nodes)  # from-trees of credit rules are numbered after the target's nodes
    holdings = view_holdings(rb, learner, as_of, look_ahead)
    items: list[Item] = []
    matcher_cache: dict[tuple[str, ...], Matcher] = {}

    def matcher(fields: tuple[str, ...]) -> Matcher:
        m = matcher_cache.get(fields)
        if m is None:
            m = matcher_cache[fields] = Matcher(rb, fields)
        return m

    def in_target(value: Fraction, system: str | None) -> Fraction:
        if system is None or system not in rb.systems:
            return value
        return rb.rescale(value, system, v.system)

    # ---- the learner's holdings that count directly (home learning)
    for hv in holdings:
        if not hv.counts:
            continue
        home = v.provider is None or hv.provider == v.provider
        a = hv.attrs
        attrs = a.counted_as(in_target(hv.credits, hv.system), v.system, "home")
        items.append(
            Item(len(items), hv.key, hv.holding.credential, "holding" if home else "external", attrs, pending=hv.pending, points=hv.points, holding=hv)
        )

    # ---- exceptions
    waived: set[int] = set()
    exceptions: list[tuple[LearnerException, str]] = []
    substitutes: list[tuple[set[int], str, str, LearnerException]] = []
    adds: list[tuple[set[int], str, LearnerException]] = []
    for e in learner.exceptions:
        qid, _, local = e.node.partition("#")
        scoped = [n for n in top.walk() if _scope(n, qid, local)] if local else ([top] if qid == v.id else [])
        if not scoped:
            exceptions.append((e, f"not applied: `{e.node}` is not part of `{v.id}` as audited"))
            continue
        subtree = {m.index for n in scoped for m in n.walk()}
        if e.type == "waive":
            waived |= {n.index for n in scoped}
            exceptions.append((e, f"`{e.node}` is waived"))
        elif e.type == "substitute":
            assert e.credential and e.instead_of
            substitutes.append((subtree, e.credential, e.instead_of, e))
            exceptions.append((e, f"`{e.credential}` counts instead of `{e.instead_of}` in `{e.node}`"))
        else:
            assert e.credential
            adds.append((subtree, e.credential, e))
            exceptions.append((e, f"`{e.credential}` may be claimed by `{e.node}`"))
    waived_subtree = {m.index for n in nodes if n.index in waived for m in n.walk() if m.index != n.index}

    # ---- credit rules: which apply, their sources, their applications
    targets = {v.id: v}
    for n in top.walk():
        if n.nested:
            nv = rb.version(n.nested, day)
            if nv is not None:
                targets[n.nested] = nv
    apps: list[Application] = []
    source_eligible: dict[int, list[int]] = {}
    refusals: list[Refusal] = []
    # from-trees share the node numbering of the target tree, so indices never collide
    ex = Expander(rb, day, v.system, nodes=nodes)

    def into_of(rule: RuleInfo) -> QualVersion | None:
        into = rule.doc.into
        if isinstance(into, str):
            return targets.get(into)
        assert isinstance(into, IntoFilter)
        for tv in targets.values():
            if Matcher(rb).match(into.where, version_attrs(tv)):
                return tv
        return None

    sources_all = [it for it in items]
    applicable: list[tuple[RuleInfo, QualVersion]] = []
    held = {it.credential for it in items}
    for rule in rb.rules:
        if plan is None and not _could_use(rule, held):
            continue  # a rule whose sources are named credentials the learner does not hold
        tv = into_of(rule)
        if tv is None:
            continue
        applicable.append((rule, tv))

    def source_ok(rule: RuleInfo, it: Item) -> str | None:
        when = rule.doc.when
        if when is None or it.origin == "addition":
            return None  # study not yet taken is assumed recent and at the grade needed
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
            if mine is None or need is None or mine < need:
                return f"grade {a.grade or 'none'} is below the minimum {when.min_grade}"
        return None

    def leaf_accepts(leaf: CNode, it: Item, fields: tuple[str, ...]) -> bool:
        return semantics.leaf_accepts(rb, leaf, it.attrs, it.credential, as_of, matcher(fields))

    non_policy_sources: dict[str, set[int]] = {}
    rule_candidates: dict[str, list[int]] = {}
    rule_trees: dict[str, CNode] = {}
    for rule, tv in applicable:
        tree = ex.node(rule.doc.from_, tv, f"rule:{rule.id}#", "", (), None, None)
        link(tree)
        rule_trees[rule.id] = tree
    if plan is not None and v.provider is not None:
        # other providers' credentials the learner could take to earn credit (micro-credentials that stack)
        _add_external(rb, v, items, [(rule_trees[r.id], tv) for r, tv in applicable], leaf_accepts)
        sources_all = list(items)
    by_credential: dict[str, list[Item]] = {}
    for it in sources_all:
        by_credential.setdefault(it.credential, []).append(it)
    for rule, tv in applicable:
        tree = rule_trees[rule.id]
        cands: list[int] = []
        leaves = tree.leaves()
        named = [leaf.credential for leaf in leaves if leaf.kind == "credential" and leaf.credential]
        # a `from` of named credentials looks only at items of those credentials (in item order)
        pool = sorted((it for c in set(named) for it in by_credential.get(c, [])), key=lambda it: it.index) if len(named) == len(leaves) else sources_all
        for it in pool:
            if any(leaf_accepts(leaf, it, tv.fields) for leaf in leaves):
                why = source_ok(rule, it)
                if why is None:
                    cands.append(it.index)
                else:
                    refusals.append(Refusal(rule.id, (it.key,), "condition", why))
        rule_candidates[rule.id] = cands
        if rule.doc.type != "policy":
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
        slots = max(1, len(cands) // size)
        for number in range(1, slots + 1):
            root = ex.node(rule.doc.from_, tv, f"rule:{rule.id}:{number}#", "", (), None, None)
            link(root)
            app = Application(len(apps), rule, number, tv.id, root)
            for leaf in root.leaves():
                source_eligible[leaf.index] = [i for i in cands if leaf_accepts(leaf, items[i], tv.fields)]
            for j, g in enumerate(rule.doc.grant):
                if isinstance(g, ExemptGrant):
                    qid, _, local = g.exempt.partition("#")
                    app.exempt += [n.index for n in top.walk() if _scope(n, qid, local)]
                    continue
                items.append(_grant_item(rb, rule, number, j, g, tv, v, len(items), app.index))
                app.grants.append(len(items) - 1)
            apps.append(app)

    # ---- eligibility of the learner's items (holdings and granted credit)
    exception_claims: dict[tuple[int, int], LearnerException] = {}
    open_leaves = [leaf for leaf in top.leaves() if leaf.index not in waived_subtree and leaf.index not in waived]
    # A holding of a catalogue credential fits, before grades and dates, the leaves the compiler found for it,
    # except leaves whose filters read what only a holding has (grade, award date, source): those, and every
    # other item, are matched leaf by leaf. Exceptions can make any leaf accept an item.
    fits: dict[int, tuple[int, ...]] = {}
    for it in items:
        k = ct.layout.position.get(it.credential) if it.origin == "holding" else None
        if k is not None:
            fits[it.index] = ct.catalogue[k].leaves
    by_index = {leaf.index: leaf for leaf in open_leaves}
    matched = [leaf for leaf in open_leaves if leaf.index in ct.holding_leaves]
    eligible: dict[int, list[int]] = {leaf.index: [] for leaf in open_leaves}
    for it in items:
        if it.origin == "external" or (it.origin == "addition" and v.provider is not None and it.attrs.provider != v.provider):
            continue
        known = fits.get(it.index)
        if known is not None and not substitutes and not adds:
            for i in known:
                fit = by_index.get(i)
                if fit is not None and i not in ct.holding_leaves and semantics.conditions(rb, fit, it.attrs, as_of):
                    eligible[i].append(it.index)
            for leaf in matched:
                if leaf_accepts(leaf, it, leaf.target_fields):
                    eligible[leaf.index].append(it.index)
            continue
        for leaf in open_leaves:
            ok = leaf_accepts(leaf, it, leaf.target_fields)
            if not ok:
                for subtree, cred, instead, e in substitutes:
                    if leaf.index in subtree and leaf.kind == "credential" and leaf.credential == instead and it.credential == cred:
                        ok = True
                        exception_claims[(leaf.index, it.index)] = e
                for subtree, cred, e in adds:
                    if leaf.index in subtree and leaf.kind != "credential" and it.credential == cred:
                        ok = True
                        exception_claims[(leaf.index, it.index)] = e
            if ok:
                eligible[leaf.index].append(it.index)

    # catalogue additions (for `remaining`) come in later, when a model needs them: Problem.add_catalogue
    incompatible, same = _constraints(rb, items)
    problem = Problem(
        rb,
        v,
        as_of,
        day,
        look_ahead,
        top,
        nodes,
        holdings,
        items,
        eligible,
        apps,
        source_eligible,
        waived,
        exceptions,
        exception_claims,
        refusals,
        sorted(incompatible),
        same,
        with_additions,
        ct,
        frozenset(leaf.index for leaf in open_leaves),
        plan,
        quick,
        bound,
    )
    if plan is not None:
        problem.add_catalogue()  # plans always choose from the catalogue
    return problem


def _could_use(rule: RuleInfo, held: set[str]) -> bool:
    """Could any of ``held`` be a source of ``rule``? Exact for `from` trees of named credentials."""
    named = True
    for n, _ in iter_nodes(rule.doc.from_, ()):
        if n.credential is not None:
            if n.credential in held:
                return True
        elif n.credits is not None or n.count is not None or n.competencies is not None:
            named = False
    return not named


def _constraints(rb: RuleBase, items: list[Item]) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """Pairs of items that may not both count (`incompatible`), and items that are one credential."""
    by_cred: dict[str, list[int]] = {}
    for it in items:
        by_cred.setdefault(it.credential, []).append(it.index)
    pairs: set[tuple[int, int]] = set()
    for it in items:
        info = rb.credentials.get(it.credential)
        if info is None:
            continue
        for other in info.incompatible:
            for j in by_cred.get(other, []):
                pairs.add((min(it.index, j), max(it.index, j)))
    same = [lst for _, lst in sorted(by_cred.items()) if len(lst) > 1]
    return sorted(pairs), same


def _add_catalogue(
    rb: RuleBase,
    ct: CompiledTarget,
    items: list[Item],
    eligible: dict[int, list[int]],
    open_leaves: set[int],
    plan: str | None = None,
    quick: bool = False,
    bound: Fraction | None = None,
) -> frozenset[str]:
    """Catalogue credentials that could be added, merged when interchangeable.

    Two additions are interchangeable when they fill the same leaves, carry the
    same credit and fall under the same limits (their compiled signature), and
    neither takes part in an incompatibility nor is a credential the learner
    already has. Only credit counts for ``remaining``, so which member of a
    group is "added" is immaterial. A plan (``plan`` names its objective) also
    keeps apart what its objective tells apart (cost, or offerings for terms)
    and names a group's cheapest members first. Credentials whose prerequisites
    the learner lacks stay single, with their prerequisites (transitively; those
    that fill no leaf are added as additions that fill none).

    Which of those are kept: all of them; with ``quick``, only those a leaf
    names (a plan's fast first model); with ``bound``, an upper bound on the
    plan's objective, all but those that ready credentials dominate (see
    :func:`_undominated`). Returns the credentials in the model whose
    prerequisites the learner lacks (a plan's fast path compares them).
    """
    entries, lay = ct.catalogue, ct.layout
    present = {it.credential for it in items}
    held = {it.credential for it in items if it.origin == "holding"}
    # min_distinct tells apart what merging would hide; with shares_with one added credential may fill two leaves,
    # which a merged group's claims cannot tell from two copies: either way every entry stays single
    distinct = any(n.shares_with or any(lim.kind == "min_distinct" for lim in n.limits) for n in ct.top.walk())
    every_leaf = all(leaf.index in open_leaves for leaf in ct.top.leaves())
    # entries never merged: the learner has them, they are in an incompatibility, or all are distinct
    fixed = set(range(len(entries))) if distinct else set(lay.involved) | {lay.position[c] for c in present if c in lay.position}
    unready: set[int] = set()
    single: set[int] = set()
    if plan is not None:
        maybe = {k for c in held for k in lay.mentions.get(c, ())}
        unready = {k for k in lay.prereq if k not in maybe or not _prereq_met(rb, entries[k].credential, held)}
        if quick:
            kept = unready & lay.named
        elif bound is not None and plan in ("credits", "cost"):
            kept = _undominated(ct, unready, fixed, plan, bound)
        else:
            kept = set(unready)
        # what they need (and what other providers' candidates need) stays single, so that a
        # prerequisite row can name it
        queue = sorted({entries[k].credential for k in kept} | {it.credential for it in items if it.origin == "addition"})
        needed = set(queue)
        while queue:
            info = rb.credentials.get(queue.pop())
            if info is None or info.prerequisites is None:
                continue
            for n, _ in iter_nodes(info.prerequisites, ()):
                if n.credential and n.credential not in needed:
                    needed.add(n.credential)
                    queue.append(n.credential)
        single = kept | {lay.position[c] for c in needed if c in lay.position}
    alone = (fixed | single) - (unready - single)
    skip = unready | alone
    made: list[tuple[int, tuple[int, ...]]] = [(k, (k,)) for k in alone]
    layout = plan or "audit"
    slot = lay.slot(layout)
    touched = {slot[k] for k in skip}  # only these groups lose members
    for place, (_, members) in enumerate(lay.groups(layout)):
        if place in touched:
            members = tuple([k for k in members if k not in skip])
        if members:
            made.append((min(members), members))
    made.sort()  # in catalogue (id) order of each one's first member
    ids = lay.ids
    for _, members in made:
        entry = entries[members[0]]
        fits = entry.leaves if every_leaf else tuple(leaf for leaf in entry.leaves if leaf in open_leaves)
        if not fits:
            continue
        item = Item(len(items), entry.credential, entry.credential, "addition", entry.attrs, cost=entry.cost, members=tuple(map(ids.__getitem__, members)))
        item.multiplicity = len(members)
        items.append(item)
        for leaf in fits:
            eligible[leaf].append(item.index)
    if plan is not None:
        _add_prerequisites(rb, items)
    return frozenset(entries[k].credential for k in unready & single)


def _prereq_met(rb: RuleBase, credential: str, held: set[str]) -> bool:
    pre = rb.credentials[credential].prerequisites
    return pre is None or prerequisites_met(pre, held)


def _undominated(ct: CompiledTarget, unready: set[int], fixed: set[int], plan: str, bound: Fraction) -> set[int]:
    """Entries needing prerequisites that an optimal plan within ``bound`` might still need.

    Let D be the ready, freely exchangeable credentials that can stand in for
    ``c`` (its group's dominators, see :mod:`stackrules.compile.target`) and
    are no worse than it on every level of a plan and in its schedule: they
    weigh no more on the objective (credit, or cost), cost no more (a price
    unknown is the dearest), and are offered in every term ``c`` is. An
    optimal plan P has objective at most ``bound``; if it takes ``c``, at most
    ``(bound - w(c)) // min w(D)`` members of D are in P too. When D is
    larger, one of D is unused, and swapping it for ``c`` (in ``c``'s term)
    keeps every leaf, limit, total, term and load, adds no prerequisite and
    worsens no level: ``c`` is not needed. Weights are exact integers on one scale.
    """
    lay = ct.layout
    entries = ct.catalogue
    weights, scale = lay.weights(plan)
    top = math.floor(bound * scale)

    def dearer(a: Fraction | None, b: Fraction | None) -> bool:
        return (a is None and b is not None) or (a is not None and b is not None and a > b)

    def covers(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        return not a or (bool(b) and set(b) <= set(a))

    # group -> (cost, offerings) -> the sorted weights of its ready, free members with them
    stand_in: dict[int, dict[tuple[Fraction | None, tuple[str, ...]], list[int]]] = {}
    for _, members in lay.groups("audit"):
        for k in members:
            if k not in unready and k not in fixed:
                stand_in.setdefault(entries[k].group, {}).setdefault((entries[k].cost, lay.offered[k]), []).append(weights[k])
    for sigs in stand_in.values():
        for ws in sigs.values():
            ws.sort()
    kept: set[int] = set()
    memo: dict[tuple[int, int, Fraction | None, tuple[str, ...]], bool] = {}
    for k in unready:
        w = weights[k]
        if w > top:
            continue  # heavier than the whole plan
        g = entries[k].group
        key = (g, w, entries[k].cost, lay.offered[k])
        if key not in memo:
            lists = [
                ws
                for h in ct.dominators[g]
                for (cost, offered), ws in stand_in.get(h, {}).items()
                if not dearer(cost, entries[k].cost) and covers(offered, lay.offered[k])
            ]
            swaps = sum(bisect.bisect_right(ws, w) for ws in lists)
            low = min((ws[0] for ws in lists), default=0)
            memo[key] = swaps == 0 or low <= 0 or swaps <= (top - w) // low
        if memo[key]:
            kept.add(k)
    return kept


def _add_external(
    rb: RuleBase, v: QualVersion, items: list[Item], trees: list[tuple[CNode, QualVersion]], accepts: Callable[[CNode, Item, tuple[str, ...]], bool]
) -> None:
    """Other providers' catalogue credentials that some credit rule for the target could take as a source."""
    have = {it.credential for it in items}
    others = sorted((c for provider, cs in rb.credentials_by_provider.items() if provider != v.provider for c in cs), key=lambda c: c.id)
    for c in others:
        if c.type == "qualification" or c.id in have:
            continue
        attrs = credential_attrs(rb, c.id, v.system)
        probe = Item(len(items), c.id, c.id, "addition", attrs, cost=c.cost, members=(c.id,))
        if any(accepts(leaf, probe, tv.fields) for tree, tv in trees for leaf in tree.leaves()):
            items.append(probe)


def _add_prerequisites(rb: RuleBase, items: list[Item]) -> None:
    """Prerequisites of candidate additions (transitively), as additions that fill no leaf.

    A prerequisite that some rule could grant is still added as a candidate: the plan may take it
    instead of the credit's source."""
    have = {it.credential for it in items if it.origin != "grant"}
    queue = [it.credential for it in items if it.origin == "addition"]
    system = items[0].attrs.system if items else None
    while queue:
        info = rb.credentials.get(queue.pop())
        if info is None or info.prerequisites is None:
            continue
        for n, _ in iter_nodes(info.prerequisites, ()):
            if n.credential and n.credential not in have and n.credential in rb.credentials:
                have.add(n.credential)
                queue.append(n.credential)
                c = rb.credentials[n.credential]
                attrs = credential_attrs(rb, c.id, system)
                items.append(Item(len(items), c.id, c.id, "addition", attrs, cost=c.cost, members=(c.id,)))


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
