"""Compiled targets: what an audit of one qualification version needs, learner or not.

Expanding the requirement tree and matching every catalogue credential
against every leaf does not depend on the learner, so it is done once per
(version, nested versions) and shared by every audit, plan and exploration
of that target. A :class:`CompiledTarget` is never changed after it is built.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..language.models import Requirement
from ..rulebase.filters import Attrs, AttrsIndex, Matcher, catalogue_index
from ..rulebase.index import CredentialInfo, QualVersion, RuleBase, iter_nodes
from .tree import CLimit, CNode, expand, group_kind, need


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """A catalogue credential as an addition: attributes in the target's system, and where it fits."""

    credential: str
    attrs: Attrs
    cost: Fraction | None
    leaves: tuple[int, ...]  # leaf indices it can fill (before exceptions)
    group: int  # equal (credit, leaves, limits) signatures share a number: interchangeable for `remaining`
    cheapness: int = 0  # rank by (no cost last, cost, id): a plan names a group's cheapest members first
    limits: tuple[bool, ...] = ()  # whether each limit of the tree (CompiledTarget.limit_place) counts it


@dataclass(frozen=True)
class CatalogueLayout:
    """The catalogue arranged for adding it to a problem quickly (positions index ``catalogue``).

    A learner changes little of it: which credentials need prerequisites they
    lack, and which they already have. Everything else is arranged here, once:
    what audits need when the target is compiled, what only plans need (groups
    per objective, weights) on the first plan that asks, then kept.
    """

    position: Mapping[str, int]  # credential -> its entry
    ids: tuple[str, ...]  # entry -> its credential
    prereq: frozenset[int]  # entries whose prerequisites name a credential (not met by nothing)
    mentions: Mapping[str, tuple[int, ...]]  # credential -> entries whose prerequisites name it
    named: frozenset[int]  # entries that fill a leaf naming them
    involved: frozenset[int]  # entries in an `incompatible` pair
    entries: tuple[CatalogueEntry, ...] = field(repr=False)
    offered: tuple[tuple[str, ...], ...] = field(repr=False)  # each entry's offerings (plans schedule by them)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # filled once per name, never changed

    def groups(self, name: str) -> tuple[tuple[tuple[object, ...], tuple[int, ...]], ...]:
        """For an audit ("audit") or a plan objective: (group key, its entries), entries cheapest first for plans."""
        return self._arranged(name)[0]

    def slot(self, name: str) -> tuple[int, ...]:
        """Each entry's place in :meth:`groups`."""
        return self._arranged(name)[1]

    def firsts(self, name: str) -> tuple[int, ...]:
        """Each group's first entry in catalogue order (the least position): where its merged item sorts."""
        key = "firsts:" + name
        found = self._memo.get(key)
        if found is None:
            found = self._memo.setdefault(key, tuple(min(members) for _, members in self.groups(name)))
        return found  # type: ignore[no-any-return]

    def ready_groups(self, name: str) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
        """:meth:`groups` without the entries whose prerequisites name a credential (``prereq``), and each
        one's first entry in catalogue order (0 for a group left empty)."""
        key = "ready:" + name
        found = self._memo.get(key)
        if found is None:
            kept = tuple(tuple(k for k in members if k not in self.prereq) for _, members in self.groups(name))
            found = self._memo.setdefault(key, (kept, tuple(min(m, default=0) for m in kept)))
        return found  # type: ignore[no-any-return]

    def _arranged(self, name: str) -> tuple[tuple[tuple[tuple[object, ...], tuple[int, ...]], ...], tuple[int, ...]]:
        found = self._memo.get(name)
        if found is None:
            found = self._memo.setdefault(name, _arrange(self.entries, self.offered, name))
        return found  # type: ignore[no-any-return]

    def weights(self, name: str) -> tuple[tuple[int, ...], int]:
        """Each entry's credit ("credits") or cost ("cost") as exact integers, and the scale: weight = value * scale."""
        key = "weights:" + name
        found = self._memo.get(key)
        if found is None:
            raw = [e.attrs.credits if name == "credits" else (e.cost or Fraction(0)) for e in self.entries]
            scale = math.lcm(*(w.denominator for w in raw)) if raw else 1
            found = self._memo.setdefault(key, (tuple(w.numerator * (scale // w.denominator) for w in raw), scale))
        return found  # type: ignore[no-any-return]


def _arrange(
    entries: tuple[CatalogueEntry, ...], offered: tuple[tuple[str, ...], ...], name: str
) -> tuple[tuple[tuple[tuple[object, ...], tuple[int, ...]], ...], tuple[int, ...]]:
    # a plan tells apart what any of its levels or its schedule does: cost (a level or a tie break) and offerings
    keys: dict[str, Callable[[int], tuple[object, ...]]] = {
        "audit": lambda k: (entries[k].group,),
        "plan": lambda k: (entries[k].group, entries[k].cost, offered[k]),
    }
    key = keys["audit" if name == "audit" else "plan"]
    order = range(len(entries)) if name == "audit" else sorted(range(len(entries)), key=lambda k: entries[k].cheapness)
    found: dict[tuple[object, ...], list[int]] = {}
    for k in order:
        found.setdefault(key(k), []).append(k)
    where = [0] * len(entries)
    for place, members in enumerate(found.values()):
        for k in members:
            where[k] = place
    return tuple((g, tuple(members)) for g, members in found.items()), tuple(where)


@dataclass(frozen=True)
class CompiledTarget:
    version: QualVersion
    top: CNode
    nodes: tuple[CNode, ...]
    catalogue: tuple[CatalogueEntry, ...]  # only credentials some leaf can use, sorted by id
    dominators: tuple[tuple[int, ...], ...]  # per group: the groups whose members can always replace its members
    layout: CatalogueLayout
    holding_leaves: frozenset[int]  # leaves whose filters read what only a holding has (grade, award date, source)
    # (node index, limit number) -> the place of that limit's verdict in each entry's ``limits``: an addition's
    # limits are matched once here, not again in every audit (decide/problem.py, Problem.in_limit)
    limit_place: Mapping[tuple[int, int], int] = field(default_factory=dict)


def nested_choice(rb: RuleBase, v: QualVersion, day: dt.date) -> tuple[tuple[str, object], ...]:
    """Which version of each nested qualification is in force on ``day`` (the cache key)."""
    out: list[tuple[str, object]] = []
    seen: set[str] = set()
    stack = [v]
    while stack:
        cur = stack.pop()
        trees = [cur.requires, *cur.define.values()]
        while trees:
            node = trees.pop()
            if node.qualification is not None and node.qualification not in seen:
                seen.add(node.qualification)
                nv = rb.version(node.qualification, day)
                out.append((node.qualification, nv.effective.from_ if nv and nv.effective else None))
                if nv is not None:
                    stack.append(nv)
            trees.extend(node.children())
    return tuple(sorted(out, key=lambda x: x[0]))


def tree_facts(rb: RuleBase, v: QualVersion, day: dt.date) -> tuple[str, ...]:
    """The learner facts that filters in ``v``'s tree compare with (nested versions in force on ``day`` too), sorted."""
    names: set[str] = set()
    seen: set[str] = set()
    stack = [v]
    while stack:
        cur = stack.pop()
        for lim in cur.limits:
            if lim.where is not None:
                names |= lim.where.facts()
        trees = [cur.requires, *cur.define.values()]
        while trees:
            node = trees.pop()
            if node.where is not None:
                names |= node.where.facts()
            for lim in node.limits:
                if lim.where is not None:
                    names |= lim.where.facts()
            if node.qualification is not None and node.qualification not in seen:
                seen.add(node.qualification)
                nv = rb.version(node.qualification, day)
                if nv is not None:
                    stack.append(nv)
            trees.extend(node.children())
    return tuple(sorted(names))


def target_key(v: QualVersion, nested: tuple[tuple[str, object], ...]) -> tuple[object, ...]:
    return (v.id, v.effective.from_ if v.effective else None, nested)


def leaf_accepts_static(rb: RuleBase, leaf: CNode, a: Attrs, matcher: Matcher, credential: str) -> bool:
    """Does a leaf accept a credential, on its attributes alone (no grade, no date)?"""
    if leaf.kind == "approval":
        return False  # a sign-off claims nothing
    if leaf.kind == "credential":
        return credential == leaf.credential or (leaf.credential is not None and credential in rb.equivalents.get(leaf.credential, ()))
    if leaf.where is not None and not matcher.match(leaf.where, a):
        return False
    return not (leaf.kind == "competencies" and not set(leaf.competencies) & set(a.competencies))


def catalogue_fits(rb: RuleBase, v: QualVersion, leaves: Sequence[CNode], credential: str) -> tuple[int, ...] | None:
    """The leaves (of ``leaves``, ``v``'s tree's) that ``credential`` fills as an entry of :func:`compile_target`'s
    catalogue, in the order the entry lists them; None when it is no entry (not home study, superseded, unknown).

    The compiler's test for one credential, without compiling the catalogue: the index only skips credentials that
    cannot match, and what matches is :func:`leaf_accepts_static`'s (tests/test_institution.py checks this against
    the compiled catalogue for every credential of the shipped base).
    """
    index = catalogue_index(rb, v.system)
    k = index.find(credential)
    _, home_set = _home(rb, v, index)
    if k is None or k not in home_set:
        return None
    attrs = index.items[k]
    pools = [
        leaf.index
        for leaf in leaves
        if leaf.kind != "credential"
        and (
            (leaf.where is None and leaf.kind not in ("approval", "competencies"))
            or leaf_accepts_static(rb, leaf, attrs, Matcher(rb, leaf.target_fields), credential)
        )
    ]
    named = [
        leaf.index
        for leaf in leaves
        if leaf.kind == "credential"
        and leaf.credential is not None
        and (credential == leaf.credential or credential in rb.equivalents.get(leaf.credential, ()))
    ]
    if not pools and not named:
        return None
    return tuple(sorted((*pools, *named))) if named else tuple(pools)


def compile_target(rb: RuleBase, v: QualVersion, day: dt.date, facts: Mapping[str, object] | None = None) -> CompiledTarget:
    """``facts``: a learner's, read into the filters that compare with one (None: left unread, as no learner's)."""
    top, nodes = expand(rb, v, day, facts)
    leaves = top.leaves()
    limited = [(n, lim) for n in top.walk() for lim in n.limits]
    matchers: dict[tuple[str, ...], Matcher] = {}

    def matcher(fields: tuple[str, ...]) -> Matcher:
        if fields not in matchers:
            matchers[fields] = Matcher(rb, fields)
        return matchers[fields]

    # The catalogue's index gives each leaf's candidates (a filter naming a subject, a tag, a provider, an id
    # pattern or a number range looks only at those), and each candidate is tested once per leaf.
    index = catalogue_index(rb, v.system)
    items = index.items
    home, home_set = _home(rb, v, index)
    accepted: dict[int, list[int]] = {}  # position -> the open leaves accepting it, in leaf order
    for leaf in leaves:
        if leaf.kind == "credential":
            continue
        if leaf.where is None and leaf.kind not in ("approval", "competencies"):
            for k in home:  # a pool without a filter takes any home credential
                accepted.setdefault(k, []).append(leaf.index)
            continue
        m = matcher(leaf.target_fields)
        for k in index.positions(leaf.where):
            if k in home_set and leaf_accepts_static(rb, leaf, items[k], m, items[k].id):
                accepted.setdefault(k, []).append(leaf.index)
    by_name: dict[str, list[int]] = {}
    for leaf in leaves:
        if leaf.kind == "credential" and leaf.credential is not None:
            for name in (leaf.credential, *sorted(rb.equivalents.get(leaf.credential, ()))):
                by_name.setdefault(name, []).append(leaf.index)
    named_at: dict[int, list[int]] = {}
    for name, ks in by_name.items():
        at = index.find(name)
        if at is not None and at in home_set:
            named_at[at] = ks
    # A limit's verdict depends only on the attributes its filter reads: credentials that agree on all
    # of those (most of a large catalogue falls into few such classes) are matched once.
    seen: set[str] = set()
    for _, lim in limited:
        if lim.where is not None:
            seen |= lim.where.attributes()
    read = tuple(sorted("fields" if name == "related_field" else name for name in seen))
    # `min_distinct` counts distinct values of an attribute: only credentials that agree on it are interchangeable
    spread = tuple(sorted({lim.of for _, lim in limited if lim.kind == "min_distinct" and lim.of is not None}))
    verdicts: dict[tuple[object, ...], tuple[bool, ...]] = {}
    rows: list[tuple[CredentialInfo, Attrs, tuple[int, ...], int, tuple[bool, ...]]] = []
    numbers: dict[tuple[object, ...], int] = {}
    for k in sorted(accepted.keys() | named_at.keys()):
        attrs = items[k]
        pools = tuple(accepted.get(k, ()))
        named = named_at.get(k)
        fits = tuple(sorted((*pools, *named))) if named else pools
        key = tuple(getattr(attrs, name) for name in read) if read else ()
        member = verdicts.get(key)
        if member is None:
            member = verdicts[key] = tuple(lim.where is None or matcher(n.target_fields).match(lim.where, attrs) for n, lim in limited)
        signature: tuple[object, ...] = ((attrs.credits.numerator, attrs.credits.denominator), fits, member)
        if spread:  # breadth limits tell credentials apart by the attributes they count
            signature += (tuple(getattr(attrs, of) for of in spread),)
        rows.append((rb.credentials[attrs.id], attrs, fits, numbers.setdefault(signature, len(numbers)), member))
    # cheapest first (no cost last), then by id; costs compared as integers on one scale
    costs = [r[0].cost for r in rows]
    scale = math.lcm(*(x.denominator for x in costs if x is not None)) if any(x is not None for x in costs) else 1
    rank = [(1, 0) if x is None else (0, x.numerator * (scale // x.denominator)) for x in costs]
    order = sorted(range(len(rows)), key=lambda k: rank[k])  # stable: rows are in id order
    cheapness = [0] * len(rows)
    for place, k in enumerate(order):
        cheapness[k] = place
    entries = [CatalogueEntry(c.id, attrs, c.cost, fits, group, cheapness[k], member) for k, (c, attrs, fits, group, member) in enumerate(rows)]
    layout = _layout(rb, entries, {leaf.index for leaf in leaves if leaf.kind == "credential"}, _incompatible(rb))
    holding_leaves = frozenset(leaf.index for leaf in leaves if leaf.where is not None and leaf.where.attributes() & {"grade", "awarded", "source"})
    limit_place = {(n.index, k): at for at, (n, k) in enumerate((n, k) for n in top.walk() for k in range(len(n.limits)))}  # `limited`'s order
    return CompiledTarget(v, top, tuple(nodes), tuple(entries), _dominators(numbers, [lim for _, lim in limited], spread), layout, holding_leaves, limit_place)


def _home(rb: RuleBase, v: QualVersion, index: AttrsIndex) -> tuple[tuple[int, ...], frozenset[int]]:
    """The catalogue positions that count as home study in ``v`` (its provider's, its national catalogues'), not superseded."""
    key = ("home", v.system, v.provider, v.home_catalogs)
    found = rb.memo.get(key)
    if found is None:
        positions = tuple(k for k, a in enumerate(index.items) if v.is_home(a.provider) and a.id not in rb.superseded)
        found = rb.memo.setdefault(key, (positions, frozenset(positions)))
    return found  # type: ignore[no-any-return]


def _incompatible(rb: RuleBase) -> frozenset[str]:
    """Credentials in an `incompatible` pair, either side."""
    found = rb.memo.get("incompatible")
    if found is None:
        pairs = {c.id for c in rb.credentials.values() if c.incompatible} | {o for c in rb.credentials.values() for o in c.incompatible}
        found = rb.memo.setdefault("incompatible", frozenset(pairs))
    return found  # type: ignore[no-any-return]


def _layout(rb: RuleBase, entries: list[CatalogueEntry], named_leaves: set[int], involved: frozenset[str]) -> CatalogueLayout:
    prereq: set[int] = set()
    mentions: dict[str, list[int]] = {}
    for k, e in enumerate(entries):
        pre = rb.credentials[e.credential].prerequisites
        if pre is None or prerequisites_met(pre, set()):
            continue
        prereq.add(k)
        for n, _ in iter_nodes(pre, ()):
            if n.credential:
                mentions.setdefault(n.credential, []).append(k)
    return CatalogueLayout(
        position={e.credential: k for k, e in enumerate(entries)},
        ids=tuple(e.credential for e in entries),
        prereq=frozenset(prereq),
        mentions={c: tuple(ks) for c, ks in mentions.items()},
        named=frozenset(k for k, e in enumerate(entries) if named_leaves.intersection(e.leaves)),
        involved=frozenset(k for k, e in enumerate(entries) if e.credential in involved),
        entries=tuple(entries),
        offered=tuple(rb.credentials[e.credential].offered for e in entries),
    )


def prerequisites_met(r: Requirement, have: set[str], strict: bool = False) -> bool:
    """Is a prerequisite tree met by these credentials? (Pools in prerequisites count as met.) With ``strict``, a leaf
    under a grade or a date condition (its own or a group's above it) is not met by having the credential alone (the
    holding may not pass it)."""
    if strict and (r.min_grade is not None or r.within_years is not None):
        return False  # (a group's condition holds for every leaf below it)
    if r.credential is not None:
        return r.credential in have
    kids = [prerequisites_met(c, have, strict) for c in r.children()]
    if not kids:
        return True
    return sum(kids) >= need(group_kind(r), len(kids), r.at_least or 1)


def _dominators(numbers: dict[tuple[object, ...], int], limits: list[CLimit], spread: tuple[str, ...] = ()) -> tuple[tuple[int, ...], ...]:
    """For each signature group, the groups (itself included) whose members can stand in for its members.

    A credential ``r`` can stand in for ``c`` when it carries the same credit,
    fits every leaf ``c`` fits, and is no worse under every limit: inside each
    maximum ``c`` falls under, outside each minimum ``c`` counts towards. Grade
    limits do not see additions (they have no grade); under `min_distinct` the
    two must also agree on the attributes it counts (``spread``, the
    signature's fourth part), except the term: each addition is taken in a
    later term of its own. Learner-independent, so computed once per target.
    """
    groups = sorted(numbers.items(), key=lambda kv: kv[1])
    masks: list[tuple[object, int, int, int]] = []  # credit, fits, max-limit membership, min-limit membership
    for sig, _ in groups:
        credits, fits, member = sig[:3]
        if len(sig) > 3:  # the same credit and the same values of what `min_distinct` counts
            values = sig[3]
            assert isinstance(values, tuple)
            credits = (credits, tuple(x for of, x in zip(spread, values, strict=True) if of != "term"))
        assert isinstance(fits, tuple) and isinstance(member, tuple)
        fit_mask = sum(1 << leaf for leaf in set(fits))
        over = sum(1 << k for k, (lim, inside) in enumerate(zip(limits, member, strict=True)) if inside and lim.is_max and lim.kind != "min_gpa")
        under = sum(
            1 << k for k, (lim, inside) in enumerate(zip(limits, member, strict=True)) if inside and not lim.is_max and lim.kind in ("min_credits", "min_count")
        )
        masks.append((credits, fit_mask, over, under))
    by_credit: dict[object, list[int]] = {}
    for g, (credits, _, _, _) in enumerate(masks):
        by_credit.setdefault(credits, []).append(g)
    out: list[tuple[int, ...]] = []
    for credits, fits_g, over_g, under_g in masks:
        out.append(tuple(h for h in by_credit[credits] if masks[h][1] & fits_g == fits_g and masks[h][2] & ~over_g == 0 and masks[h][3] & under_g == under_g))
    return tuple(out)
