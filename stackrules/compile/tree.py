"""Expanding a qualification's requirement tree into plain decision nodes.

``ref`` blocks and nested ``qualification:`` nodes are expanded in place,
a node that combines a group with a pool becomes an ``all`` of both, and
``min_grade`` / ``within_years`` are pushed down to the leaves they govern.
Quantities are converted into the target's credit system.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

from ..language.models import Condition, Filter, Limit, Requirement
from ..rulebase.filters import resolve_facts
from ..rulebase.index import QualVersion, RuleBase


@dataclass(frozen=True)
class CLimit:
    """A limit over what a node's subtree claims, bounds in the target's system."""

    id: str | None
    kind: str  # max_credits min_credits max_count min_count min_gpa min_distinct
    bound: Fraction
    where: Filter | None
    of: str | None = None  # min_distinct attribute
    note: str | None = None
    share: Fraction | None = None  # the share, for max_share / min_share (shown as such)
    loc: str | None = field(default=None, compare=False)  # file:line in its document (for explanations only)

    @property
    def is_max(self) -> bool:
        return self.kind.startswith("max")


@dataclass
class CNode:
    """One node of an expanded tree. ``kind``: all any at_least credential pool competencies."""

    index: int
    kind: str
    id: str | None
    title: str | None
    path: str  # tree position ("0.001.002"): a stable sort key in tree order
    children: list[CNode] = field(default_factory=list)
    k: int = 0  # at_least
    credential: str | None = None
    credits: Fraction | None = None
    count: int | None = None
    where: Filter | None = None
    competencies: tuple[str, ...] = ()
    min_grade: str | None = None
    within_years: Fraction | None = None
    limits: list[CLimit] = field(default_factory=list)
    min_total: Fraction | None = None  # a nested qualification's own `credits`
    shares_with: tuple[str, ...] = ()
    share: frozenset[str] | None = None  # with `shares_with`: only these credentials may count in both (None: any)
    qualification: str | None = None  # the qualification this node belongs to
    nested: str | None = None  # set on the root of a nested qualification's subtree
    unavailable: str | None = None  # why no claim can meet this node (a nested qualification not in force)
    approval: str | None = None  # an `approval` leaf: whose sign-off it waits for (section 17)
    when: tuple[Condition, ...] = ()  # the node applies only when each of these holds for the learner (section 17)
    unless: tuple[Condition, ...] = ()  # ... and none of these
    parent: CNode | None = field(default=None, repr=False)
    target_fields: tuple[str, ...] = ()
    loc: str | None = None  # file:line of the node in its qualification's document
    _walk: list[CNode] | None = field(default=None, repr=False, compare=False)
    _leaves: list[CNode] | None = field(default=None, repr=False, compare=False)

    @property
    def is_leaf(self) -> bool:
        return self.kind in ("credential", "pool", "competencies", "approval")

    def walk(self) -> list[CNode]:
        """This node and its subtree, depth first (computed once: trees are complete when walked)."""
        if self._walk is None:
            out = [self]
            for c in self.children:
                out.extend(c.walk())
            self._walk = out
        return self._walk

    def leaves(self) -> list[CNode]:
        if self._leaves is None:
            self._leaves = [n for n in self.walk() if n.is_leaf]
        return self._leaves

    def ancestors(self) -> list[CNode]:
        out = []
        p = self.parent
        while p is not None:
            out.append(p)
            p = p.parent
        return out


def group_kind(r: Requirement) -> str:
    """A group node's kind: ``all``, ``any`` or ``at_least``."""
    return "all" if r.all is not None else "any" if r.any is not None else "at_least"


def need(kind: str, children: int, k: int) -> int:
    """How many of ``children`` a group of ``kind`` (``all``, ``any``, ``at_least`` with ``k``) needs met.

    The one place the threshold is written: the node semantics
    (decide/semantics.py) and prerequisite trees read it here.
    """
    if kind == "all":
        return children
    if kind == "any":
        return 1
    return k


class TreeError(Exception):
    """A tree cannot be expanded (a broken invariant: checks should have caught it)."""


@dataclass
class Expander:
    rb: RuleBase
    day: dt.date
    system: str
    nodes: list[CNode] = field(default_factory=list)
    facts: Mapping[str, object] | None = None  # the learner's facts, for filters that compare with one (None: not read)

    def where(self, f: Filter | None) -> Filter | None:
        """A filter with the learner's facts read into it (section 17), when the tree is expanded for a learner."""
        if f is None or self.facts is None:
            return f
        return resolve_facts(f, self.facts)

    def new(self, kind: str, **kw: object) -> CNode:
        n = CNode(index=len(self.nodes), kind=kind, **kw)  # type: ignore[arg-type]
        self.nodes.append(n)
        return n

    def limits(self, limits: tuple[Limit, ...], v: QualVersion, at: tuple[str | int, ...] | None = None) -> list[CLimit]:
        """A node's limits in the target's system; ``at``: the document path of the ``limits`` list, for locations."""
        out: list[CLimit] = []
        share_base = self.rb.rescale(v.credits, v.system, self.system) if v.credits is not None else Fraction(0)
        for j, written in enumerate(limits):
            first = len(out)
            lim = written if written.where is None or self.facts is None else written.model_copy(update={"where": self.where(written.where)})

            def q(x: object) -> Fraction:
                from ..language.quantity import Quantity

                assert isinstance(x, Quantity)
                return self.rb.rescale(self.rb.convert(x, v.system), v.system, self.system)

            if lim.max_credits is not None:
                out.append(CLimit(lim.id, "max_credits", q(lim.max_credits), lim.where, note=lim.note))
            if lim.min_credits is not None:
                out.append(CLimit(lim.id, "min_credits", q(lim.min_credits), lim.where, note=lim.note))
            if lim.max_share is not None:
                out.append(CLimit(lim.id, "max_credits", lim.max_share * share_base, lim.where, note=lim.note, share=lim.max_share))
            if lim.min_share is not None:
                out.append(CLimit(lim.id, "min_credits", lim.min_share * share_base, lim.where, note=lim.note, share=lim.min_share))
            if lim.max_count is not None:
                out.append(CLimit(lim.id, "max_count", Fraction(lim.max_count), lim.where, note=lim.note))
            if lim.min_count is not None:
                out.append(CLimit(lim.id, "min_count", Fraction(lim.min_count), lim.where, note=lim.note))
            if lim.min_gpa is not None:
                out.append(CLimit(lim.id, "min_gpa", lim.min_gpa, lim.where, note=lim.note))
            if lim.min_distinct is not None:
                out.append(CLimit(lim.id, "min_distinct", Fraction(lim.min_distinct.count), lim.where, of=lim.min_distinct.of, note=lim.note))
            if at is not None:
                where = f"{v.origin.file}:{v.origin.smap.span((*at, j)).line}"
                out[first:] = [replace(c, loc=where) for c in out[first:]]
        return out

    def qualification(self, v: QualVersion, prefix: str, stack: tuple[str, ...]) -> CNode:
        if v.id in stack:
            raise TreeError(f"qualifications nest in a cycle: {' -> '.join(stack + (v.id,))}")
        root = self.node(v.requires, v, prefix, "0.000", stack + (v.id,), None, None, dpath=(*v.base_path, "requires"))
        return root

    def node(
        self,
        r: Requirement,
        v: QualVersion,
        prefix: str,
        pos: str,
        stack: tuple[str, ...],
        min_grade: str | None,
        within: Fraction | None,
        refs: tuple[str, ...] = (),
        dpath: tuple[str | int, ...] | None = None,
    ) -> CNode:
        n = self._node(r, v, prefix, pos, stack, min_grade, within, refs, dpath)
        if r.when is not None:
            n.when = (*n.when, r.when)
        if r.unless is not None:
            n.unless = (*n.unless, r.unless)
        return n

    def _node(
        self,
        r: Requirement,
        v: QualVersion,
        prefix: str,
        pos: str,
        stack: tuple[str, ...],
        min_grade: str | None,
        within: Fraction | None,
        refs: tuple[str, ...],
        dpath: tuple[str | int, ...] | None,
    ) -> CNode:
        nid = (prefix + r.id) if r.id else None
        path = pos or "0"
        mg = r.min_grade or min_grade
        wy = r.within_years if r.within_years is not None else within
        if within is not None and r.within_years is not None:
            wy = min(within, r.within_years)
        where = None
        if dpath is not None:
            span = v.origin.smap.span(dpath)
            where = f"{v.origin.file}:{span.line}"
        common = dict(
            id=nid,
            title=r.title,
            path=path,
            qualification=v.id,
            target_fields=v.fields,
            shares_with=tuple(s if s == "all" else prefix + s for s in r.shares_with),
            share=None if r.share is None else frozenset(r.share),
            loc=where,
        )
        node: CNode
        if r.ref is not None:
            if r.ref in refs:
                raise TreeError(f"`ref` blocks form a cycle through `{r.ref}`")
            inner = self.node(
                v.define[r.ref],
                v,
                prefix,
                f"{pos or '0'}.000",
                stack,
                mg,
                wy,
                refs + (r.ref,),
                dpath=(*v.base_path, "define", r.ref) if dpath is not None else None,
            )
            if r.id is None and not r.limits:
                return inner
            node = self.new("all", **common)
            node.children = [inner]
        elif r.qualification is not None:
            nested = self.rb.version(r.qualification, self.day)
            if nested is None:
                # a node no claim can meet: the audit reports it not met, with the reason
                node = self.new("any", unavailable=f"no version of `{r.qualification}` is in force on {self.day.isoformat()}", **common)
                node.limits = self.limits(r.limits, v, (*dpath, "limits") if dpath is not None else None)
                return node
            if nested.id in stack:
                raise TreeError(f"qualifications nest in a cycle: {' -> '.join(stack + (nested.id,))}")
            node = self.new("all", **common)
            sub = self.node(
                nested.requires,
                nested,
                f"{nested.id}#",
                f"{pos or '0'}.000",
                stack + (nested.id,),
                None,
                None,
                dpath=(*nested.base_path, "requires") if dpath is not None else None,
            )
            sub.nested = nested.id
            sub.min_total = self.rb.rescale(nested.credits, nested.system, self.system) if nested.credits is not None else None
            # the nested root keeps its own limits; the nested qualification's apply to the same subtree
            sub.limits = [*sub.limits, *self.limits(nested.limits, nested, (*nested.base_path, "limits") if dpath is not None else None)]
            node.children = [sub]
        elif r.credential is not None:
            node = self.new("credential", credential=r.credential, min_grade=mg, within_years=wy, **common)
        elif r.approval is not None:
            node = self.new("approval", approval=r.approval, **common)
        else:
            group = r.all is not None or r.any is not None or r.at_least is not None
            pool = r.credits is not None or r.count is not None or r.competencies is not None
            kids: list[CNode] = []
            if group:
                kind = group_kind(r)
                key = "all" if r.all is not None else "any" if r.any is not None else "of"
                # with a pool beside it the group is an inner node at `path.000` (below): its children lie under it,
                # never at its own position (a graph drew the first child as requiring itself)
                base = f"{path}.000" if pool else (pos or "0")
                for i, child in enumerate(r.children()):
                    cpath = (*dpath, key, i) if dpath is not None else None
                    kids.append(self.node(child, v, prefix, f"{base}.{i:03d}", stack, mg, wy, refs, dpath=cpath))
            if pool:
                pkind = "competencies" if r.competencies is not None else "pool"
                pcommon = (
                    dict(common)
                    if not group
                    else dict(id=None, title=None, path=path + ".999", qualification=v.id, target_fields=v.fields, shares_with=(), share=None)
                )
                credits = None
                if r.credits is not None:
                    credits = self.rb.rescale(self.rb.convert(r.credits, v.system), v.system, self.system)
                pnode = self.new(
                    pkind,
                    credits=credits,
                    count=r.count,
                    where=self.where(r.where),
                    competencies=r.competencies or (),
                    min_grade=mg,
                    within_years=wy,
                    **pcommon,
                )
                if not group:
                    node = pnode
                    node.limits = self.limits(r.limits, v, (*dpath, "limits") if dpath is not None else None)
                    return node
                kids.append(pnode)
            if group and pool:
                node = self.new("all", **common)
                inner = self.new(kind, path=path + ".000", id=None, title=None, qualification=v.id, target_fields=v.fields)
                inner.children = kids[:-1]
                inner.k = r.at_least or 0
                node.children = [inner, kids[-1]]
            else:
                node = self.new(kind, **common)
                node.children = kids
                node.k = r.at_least or 0
        node.limits = node.limits or self.limits(r.limits, v, (*dpath, "limits") if dpath is not None else None)
        return node


def link(root: CNode) -> None:
    """Set parents; called once the tree is complete."""
    for n in root.walk():
        for c in n.children:
            c.parent = n


def expand(rb: RuleBase, v: QualVersion, day: dt.date, facts: Mapping[str, object] | None = None) -> tuple[CNode, list[CNode]]:
    """The tree of ``v`` on ``day``; ``facts``: a learner's, read into filters that compare with one (section 17)."""
    ex = Expander(rb, day, v.system, facts=facts)
    root = ex.qualification(v, "", ())
    top = ex.new("all", id=None, title=v.title, path="0", qualification=v.id, target_fields=v.fields, loc=str(v.loc))
    top.children = [root]
    top.min_total = v.credits
    top.limits = ex.limits(v.limits, v, (*v.base_path, "limits"))
    link(top)
    return top, ex.nodes
