"""The rule base as a graph: credentials, qualifications, requirement nodes, credit rules, levels.

Node ids are prefixed by their kind (``credential:exu:COMP1010``,
``qualification:exu:BIT``, ``node:exu:BIT#core``, ``rule:exu-ai-stack``,
``level:aqf:7``). Edges carry a ``kind``: ``requires`` (a qualification or
node to its parts), ``counts_towards`` (a credential to a leaf it can fill),
``nests`` (a node to a qualification nested in it), ``consumes`` (a
credential a credit rule can take as a source), ``grants`` (a rule to the
credential or qualification its credit goes to), ``prerequisite_of``,
``at_level`` and ``crosswalk``. Every node has a ``kind`` and a ``label``.

The graph is of one day (docs/language.md section 16, "Dates"): the qualification
versions and the credit rules in force that day, and an ``into: {where}``
filter is matched against the version in force.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx

from ..diagnostics import escape_text
from ..language.models import Filter, IntoFilter, Requirement, SpecifiedGrant, UnspecifiedGrant
from ..rulebase.filters import Matcher, catalogue_index, credential_attrs, grant_attrs, holding_attributes, version_attrs
from ..rulebase.index import QualVersion, RuleBase, iter_nodes
from .target import CompiledTarget, catalogue_fits, leaf_accepts_static
from .tree import CNode


def build_graph(rb: RuleBase, compiled: Iterable[CompiledTarget], day: dt.date) -> nx.DiGraph:
    """The graph of ``compiled`` (the versions in force on ``day``) and the credit rules in force that day."""
    g = nx.DiGraph()
    for c in rb.credentials_by_id:
        g.add_node(f"credential:{c.id}", kind="credential", label=c.title, type=c.type, provider=c.provider)
        if c.framework_level:
            g.add_edge(f"credential:{c.id}", f"level:{c.framework_level}", kind="at_level")
        if c.prerequisites is not None:
            for n, _ in iter_nodes(c.prerequisites, ()):
                if n.credential:
                    g.add_edge(f"credential:{n.credential}", f"credential:{c.id}", kind="prerequisite_of")
    for a, others in sorted(rb.crosswalk.items()):
        for b in others:
            g.add_edge(f"level:{a}", f"level:{b}", kind="crosswalk")
    compiled = list(compiled)
    fits: dict[tuple[str, str], list[str]] = {}  # (qualification, credential) -> leaves it can fill
    for ct in compiled:
        v = ct.version
        _qualification(g, rb, v, ct.top)
        for entry in ct.catalogue:
            fits[(v.id, entry.credential)] = _entry_edges(g, rb, v, ct.nodes, entry.credential, entry.leaves)
        _held_only_edges(g, rb, v, ct.top)
        _retired_edges(g, rb, v, ct.top)
    trees = {ct.version.id: (ct.version, ct.top) for ct in compiled}
    _rule_edges(g, rb, day, trees, lambda t, credential: fits.get((t, credential), []))
    _name_the_rest(g, rb, day)
    return g


def towards_graph(rb: RuleBase, trees: Iterable[tuple[QualVersion, CNode, Sequence[CNode]]], day: dt.date, credential: str | None) -> nx.DiGraph:
    """The part of :func:`build_graph`'s graph that :func:`counts_towards` reads for ``credential`` (None: for a qualification).

    ``trees``: each version in force on ``day`` with its expanded tree and nodes (compile/tree.py, ``expand``): no
    catalogue is compiled. Every tree is drawn as :func:`build_graph` draws it (the `requires` and `nests` edges that
    name a row's node and its qualifications, the named leaves), and of the edges that leave a credential only
    ``credential``'s: the leaves it can fill (:func:`~stackrules.compile.target.catalogue_fits`, the compiler's own
    test for one credential), the credit rules that take it as a source and what those grant. Each edge is made by
    the code that makes it in the whole graph, so a row is the same in both (tests/test_institution.py compares them
    for every credential and qualification of every decision case's rule base, the shipped base and a generated
    institution's sample). Over an institution (1,500
    qualifications, 20,000 credentials) the whole graph took minutes to build (every catalogue compiled and
    11 million edges); this takes about a second.
    """
    g = nx.DiGraph()
    by_id: dict[str, tuple[QualVersion, CNode, Sequence[CNode]]] = {}
    for v, top, nodes in trees:
        by_id[v.id] = (v, top, nodes)
        _qualification(g, rb, v, top)
    if credential is not None:
        info = rb.credentials[credential]
        g.add_node(f"credential:{credential}", kind="credential", label=info.title, type=info.type, provider=info.provider)
        for v, top, nodes in by_id.values():
            found = catalogue_fits(rb, v, top.leaves(), credential)
            if found is not None:
                _entry_edges(g, rb, v, nodes, credential, found)
            _held_only_edges(g, rb, v, top, credential)
            _retired_edges(g, rb, v, top, credential)
        memo: dict[tuple[str, str], list[str]] = {}

        def fits(t: str, granted: str) -> list[str]:
            """The leaves of ``t`` a granted credential fills, as :func:`_entry_edges` names them (no edge drawn)."""
            if (t, granted) not in memo:
                v, top, nodes = by_id[t]
                found = catalogue_fits(rb, v, top.leaves(), granted)
                memo[(t, granted)] = [] if found is None else _entry_leaves(rb, v, nodes, granted, found)
            return memo[(t, granted)]

        _rule_edges(g, rb, day, {t: (v, top) for t, (v, top, _) in by_id.items()}, fits, credential)
    _name_the_rest(g, rb, day)
    return g


def _qualification(g: nx.DiGraph, rb: RuleBase, v: QualVersion, top: CNode) -> None:
    """A qualification's node and its tree."""
    q = f"qualification:{v.id}"
    g.add_node(q, kind="qualification", label=v.title)
    if v.credits is None:
        g.nodes[q]["no_total"] = True  # met when its tree is (section 17): credit counts towards it, not a total
    if v.framework_level:
        g.add_edge(q, f"level:{v.framework_level}", kind="at_level")
    _tree(g, top, q, v.id, rb)


def _entry_leaves(rb: RuleBase, v: QualVersion, nodes: Sequence[CNode], credential: str, leaves: Iterable[int]) -> list[str]:
    """The names of the leaves a catalogue entry counts towards: a record carries no credit, so a pool of credit takes nothing from it (section 17)."""
    record = rb.credentials[credential].type == "record"
    return [_name(nodes[leaf], v.id) for leaf in leaves if not (record and nodes[leaf].kind == "pool" and nodes[leaf].count is None)]


def _entry_edges(g: nx.DiGraph, rb: RuleBase, v: QualVersion, nodes: Sequence[CNode], credential: str, leaves: Iterable[int]) -> list[str]:
    """A catalogue entry's `counts_towards` edges; the names of the leaves they go to."""
    names = _entry_leaves(rb, v, nodes, credential, leaves)
    for name in names:
        g.add_edge(f"credential:{credential}", name, kind="counts_towards")
    return names


def _rule_edges(
    g: nx.DiGraph,
    rb: RuleBase,
    day: dt.date,
    trees: Mapping[str, tuple[QualVersion, CNode]],
    fits: Callable[[str, str], list[str]],
    only: str | None = None,
) -> None:
    """The credit rules in force on ``day``: their sources' `consumes` edges and their `grants`.

    ``fits(t, credential)``: the leaves of ``t`` a credential fills. With ``only``, the sources are that credential
    alone and only the rules it is a source of grant (:func:`towards_graph`).
    """
    quals = {n for n, d in g.nodes(data=True) if d.get("kind") == "qualification"}
    # a policy default does not take a source that a specific rule in force takes into the same target (section 16's
    # precedence): its edges are made last, leaving out those (source, target) pairs
    specific: set[tuple[str, str]] = set()
    for rule in sorted(rb.rules, key=lambda rl: rl.doc.type == "policy"):
        if rule.doc.effective is not None and not rule.doc.effective.contains(day):
            continue
        if only is not None and not _may_take(rb, rule.doc.from_, only):
            continue  # not a source of this rule: none of its edges is reached from ``only``
        r = f"rule:{rule.id}"
        g.add_node(r, kind="rule", label=rule.doc.title or rule.id, type=rule.doc.type)
        targets = [rule.doc.into] if isinstance(rule.doc.into, str) else _into(rb, rule.doc.into, day)
        policy = rule.doc.type == "policy"

        def consume(cid: str, into: list[str], r: str = r, targets: list[str] = targets, policy: bool = policy) -> None:
            """``cid`` is a source of rule ``r`` into ``into`` (all of its ``targets``: an edge without `into`)."""
            if policy:
                into = [t for t in into if (cid, t) not in specific]
            else:
                specific.update((cid, t) for t in into)
            if into == targets:
                g.add_edge(f"credential:{cid}", r, kind="consumes")
            elif into:
                g.add_edge(f"credential:{cid}", r, kind="consumes", into=into)

        sources = rb.credentials if only is None else (only,)
        for n, _ in iter_nodes(rule.doc.from_, ()):
            if n.credential:
                if only is None or n.credential == only:
                    consume(n.credential, targets)
            elif n.where is not None and _reads_target(n.where):
                # `related_field` compares a source's fields with the target's: a source is consumed for the
                # targets whose fields it is related to, and the edge names them (`into`)
                matchers = [(t, Matcher(rb, tv.fields)) for t in targets if (tv := rb.version(t, day)) is not None]
                for cid in sources:
                    attrs = credential_attrs(rb, cid)
                    into = [t for t, m in matchers if m.match(n.where, attrs)]
                    if into:
                        consume(cid, into)
            elif n.where is not None:
                m = Matcher(rb)
                for cid in sources:
                    if m.match(n.where, credential_attrs(rb, cid)):
                        consume(cid, targets)
        if only is not None and not g.has_edge(f"credential:{only}", r):
            continue  # its grants are reached from no source in this graph
        for t in targets:
            if f"qualification:{t}" in quals:
                for grant in rule.doc.grant:
                    if isinstance(grant, SpecifiedGrant):
                        # credit granted as a credential counts only inside the rule's target
                        for leaf_name in fits(t, grant.credential):
                            g.add_edge(r, leaf_name, kind="grants", credential=grant.credential)
                    else:
                        g.add_edge(r, f"qualification:{t}", kind="grants")
                        # block credit also counts in the requirements whose filters its attributes pass (a tagged pool)
                        pools = _block_credit_leaves(rb, *trees[t], rule.id, grant) if isinstance(grant, UnspecifiedGrant) and t in trees else []
                        for pool in pools:
                            g.add_edge(r, _name(pool, t), kind="grants", credential=f"credit:{rule.id}")


def _name_the_rest(g: nx.DiGraph, rb: RuleBase, day: dt.date) -> None:
    """Give a kind and a label to the nodes only an edge made: levels, nested qualifications not in force."""
    for n, d in g.nodes(data=True):
        if "kind" in d:
            continue
        kind, _, ident = n.partition(":")
        d["kind"] = kind
        if kind == "qualification" and ident in rb.qualifications:
            d["label"] = (rb.version(ident, day) or rb.qualifications[ident][-1]).title
        else:
            d["label"] = ident


def _may_take(rb: RuleBase, tree: Requirement, credential: str) -> bool:
    """Whether a rule's `from` may take ``credential`` as a source in some target (a `related_field` filter: maybe)."""
    attrs = credential_attrs(rb, credential)
    m = Matcher(rb)
    return any(n.credential == credential or (n.where is not None and (_reads_target(n.where) or m.match(n.where, attrs))) for n, _ in iter_nodes(tree, ()))


def _held_only_edges(g: nx.DiGraph, rb: RuleBase, v: QualVersion, top: CNode, only: str | None = None) -> None:
    """Pools whose filter compares what only a holding has (`awarded`, `grade`, `term`: "CS5206 taken before
    AY2011/2012"): a credential counts towards one when some holding of it may pass (rulebase/filters.py, Matcher's
    "maybe"). The compiled catalogue is what may still be added, which such a filter never takes. ``only``: that
    credential's edges alone."""
    pools = [leaf for leaf in top.leaves() if leaf.kind == "pool" and leaf.where is not None and holding_attributes(leaf.where)]
    if not pools:
        return
    index = catalogue_index(rb, v.system)
    for leaf in pools:
        assert leaf.where is not None
        maybe = Matcher(rb, leaf.target_fields, "maybe")
        for a in index.candidates(leaf.where):
            if only is not None and a.id != only:
                continue
            info = rb.credentials[a.id]
            if not v.is_home(info.provider) or (info.type == "record" and leaf.count is None):
                # as the audit counts a holding: another provider's credential only through a credit rule, and a record
                # (no credit, section 17) never in a pool of credit (an adversary found both drawn as counting directly)
                continue
            src, dst = f"credential:{a.id}", _name(leaf, v.id)
            if not g.has_edge(src, dst) and maybe.match(leaf.where, a):  # (one the credential itself passes is drawn already)
                g.add_edge(src, dst, kind="counts_towards", held="a holding that passes the filter")


def _retired_edges(g: nx.DiGraph, rb: RuleBase, v: QualVersion, top: CNode, only: str | None = None) -> None:
    """A superseded credential is no longer in the catalogue a plan adds from, but a holding of it still counts in
    every pool whose filter it passes, as the audit counts it (a renumbered HIST2005 in a history minor): drawn.
    ``only``: that credential's edges alone."""
    retired = [c for c in sorted(rb.superseded) if c in rb.credentials and v.is_home(rb.credentials[c].provider) and only in (None, c)]
    if not retired:
        return
    pools = [leaf for leaf in top.leaves() if leaf.kind == "pool"]
    for c in retired:
        attrs = credential_attrs(rb, c, v.system)
        record = rb.credentials[c].type == "record"
        for leaf in pools:
            if record and leaf.count is None:
                continue
            dst = _name(leaf, v.id)
            if not g.has_edge(f"credential:{c}", dst) and leaf_accepts_static(rb, leaf, attrs, Matcher(rb, leaf.target_fields), c):
                g.add_edge(f"credential:{c}", dst, kind="counts_towards")


def _block_credit_leaves(rb: RuleBase, v: QualVersion, top: CNode, rule_id: str, grant: UnspecifiedGrant) -> list[CNode]:
    """The pools of ``v``'s tree ``top`` that an `unspecified` grant's credit could fill, on its attributes (tags, level, ...)."""
    try:
        credits = rb.grant_amount(grant, v)
    except (KeyError, ValueError, ZeroDivisionError):
        return []  # a share of a total the target lacks: nothing to match
    attrs = grant_attrs(grant, f"credit:{rule_id}", v.provider or "", credits, v.system, grant.title)
    return [leaf for leaf in top.leaves() if leaf.kind == "pool" and leaf_accepts_static(rb, leaf, attrs, Matcher(rb, leaf.target_fields), attrs.id)]


def _reads_target(f: Filter) -> bool:
    """Whether ``f`` compares with the target (``related_field``), anywhere in it."""
    return (
        any(t.attr == "related_field" for t in f.terms) or any(_reads_target(g) for group in f.any_of for g in group) or any(_reads_target(g) for g in f.nots)
    )


def _into(rb: RuleBase, into: IntoFilter, day: dt.date) -> list[str]:
    """The qualifications whose version in force on ``day`` matches an ``into: {where}`` filter."""
    m = Matcher(rb)
    found = []
    for qid in sorted(rb.qualifications):
        v = rb.version(qid, day)
        if v is not None and m.match(into.where, version_attrs(v)):
            found.append(qid)
    return found


def _name(n: CNode, qid: str) -> str:
    if n.id is not None:
        return f"node:{qid}#{n.id}" if "#" not in n.id else f"node:{n.id}"
    return f"node:{qid}@{n.path}"


def _tree(g: nx.DiGraph, n: CNode, parent: str, qid: str, rb: RuleBase) -> None:
    me = _name(n, qid)
    if n.parent is None:
        # a qualification's requirement tree: said as such, not by its group's kind ("all") or by the
        # qualification's own title (which labels the qualification's node)
        label = f"requirements of {qid}" + (f" ({n.id})" if n.id else "")
    else:
        up = n.parent
        while up is not None and up.id is None and up.parent is not None:
            up = up.parent
        within = f"{qid}#{up.id}" if up is not None and up.id is not None else f"the requirements of {qid}"
        label = n.id or n.title or (n.credential if n.kind == "credential" and n.credential else f"{n.kind} within {within}")
    g.add_node(me, kind="node", label=label, node_kind=n.kind)
    if n.title:
        g.nodes[me]["title"] = n.title
    g.add_edge(parent, me, kind="requires")
    if n.nested:
        g.add_edge(me, f"qualification:{n.nested}", kind="nests")
    if n.kind == "credential" and n.credential:
        g.add_edge(f"credential:{n.credential}", me, kind="counts_towards")
        # a holding of a credential it supersedes, is superseded by or is equivalent to counts there too (the audit's
        # leaf acceptance: compile/target.py, leaf_accepts_static)
        for other in sorted(rb.equivalents.get(n.credential, ())):
            g.add_edge(f"credential:{other}", me, kind="counts_towards", as_=n.credential)
    for c in n.children:
        _tree(g, c, me, qid, rb)


def neighbourhood(g: nx.DiGraph, focus: str, depth: int = 2) -> nx.DiGraph:
    """The subgraph within ``depth`` steps of ``focus`` (either direction)."""
    und = g.to_undirected(as_view=True)
    keep = set(nx.single_source_shortest_path_length(und, focus, cutoff=depth))
    return g.subgraph(keep).copy()


How = Literal["direct", "credit", "nested"]


@dataclass(frozen=True)
class Towards:
    """What a credential (or a qualification) can count towards on one day: :meth:`Engine.counts_towards`.

    Each row names a requirement node by its id outside its qualification
    (``exu:BIT#core``: the nearest node with an id that holds the leaf or pool
    it can fill), or ``None`` for credit towards a qualification's total; the
    node's or qualification's title; every qualification the node is part of
    (the one it belongs to and those that nest it); ``how`` (``direct``: it
    fills the node itself; ``credit``: through the credit rules in ``via``;
    ``nested``: the qualification asked about is nested there).
    """

    credential: str
    kind: Literal["credential", "qualification"]
    as_of: dt.date
    rows: tuple[TowardsRow, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "credential": self.credential,
            "kind": self.kind,
            "as_of": self.as_of.isoformat(),
            "counts_towards": [r.to_json() for r in self.rows],
        }

    def dumps(self) -> str:
        """The document as indented JSON text (the same bytes for the same answer)."""
        return json.dumps(self.to_json(), indent=2)

    def text(self) -> str:
        if not self.rows:
            return escape_text(f"{self.credential} counts towards nothing in force on {self.as_of.isoformat()}\n")
        lines = []
        for r in self.rows:
            how = {"direct": "directly", "nested": "nested there"}.get(r.how) or " or ".join(f"via {', '.join(v)}" for v in (r.via, *r.also_via))
            if r.node is None:
                lines.append(f"{r.qualifications[0]} ({r.title}), credit towards {'its total' if r.total else 'it (it has no credit total)'}: {how}")
                continue
            also = [q for q in r.qualifications if not r.node.startswith(q + "#")]
            held = " (a holding whose date, grade or term passes its filter)" if r.held else ""
            lines.append(f"{r.node} ({r.title}){', also in ' + ', '.join(also) if also else ''}: {how}{held}")
        return escape_text("\n".join(lines) + "\n")


@dataclass(frozen=True)
class TowardsRow:
    node: str | None
    title: str
    qualifications: tuple[str, ...]
    how: How
    via: tuple[str, ...]
    total: bool = True  # a qualification's row: whether it has a credit total (text only)
    held: bool = False  # only a holding that passes the pool's filter on its date, grade or term counts (text only)
    also_via: tuple[tuple[str, ...], ...] = ()  # other ways in through credit rules, as short as `via`

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"node": self.node, "title": self.title, "qualifications": list(self.qualifications), "how": self.how, "via": list(self.via)}
        if self.also_via:
            out["also_via"] = [list(v) for v in self.also_via]
        return out


def counts_towards(g: nx.DiGraph, credential: str, kind: Literal["credential", "qualification"], day: dt.date) -> Towards:
    """Every node and qualification ``credential`` can count towards in ``g``, directly or through credit rules.

    For a qualification, the nodes that nest it (the next step of a stack).
    """
    start = f"{kind}:{credential}"
    if start not in g:
        return Towards(credential, kind, day, ())
    found: dict[tuple[str | None, str], TowardsRow] = {}
    holding: dict[str, tuple[str, ...]] = {}  # a node's qualifications, walked once per node (rows share nodes)

    def add(target: str, how: How, via: tuple[str, ...]) -> None:
        data = g.nodes[target]
        if data["kind"] == "qualification":
            qid = target.removeprefix("qualification:")
            row = TowardsRow(None, str(data["label"]), (qid,), how, via, not data.get("no_total", False))
        else:
            named = _named(g, target)
            if named.startswith("qualification:"):  # a leaf right under the root: the qualification itself
                return add(named, how, via)
            if named not in holding:
                holding[named] = tuple(sorted(q.removeprefix("qualification:") for q in _holding(g, named)))
            quals = list(holding[named])
            held = how == "direct" and "held" in (g.get_edge_data(start, target) or {})
            row = TowardsRow(named.removeprefix("node:"), str(g.nodes[named].get("title") or g.nodes[named]["label"]), tuple(quals), how, via, held=held)
        key = (row.node, row.qualifications[0] if row.node is None else "")
        had = found.get(key)
        if had is None or (len(row.via), row.via) < (len(had.via), had.via):
            # the shortest way in (then the first by name); other ways as short are kept beside it
            routes = () if had is None or len(had.via) != len(row.via) else tuple(sorted({had.via, *had.also_via} - {row.via}))
            found[key] = dataclasses.replace(row, also_via=routes)
        elif len(row.via) == len(had.via) and row.via != had.via and row.via not in had.also_via:
            found[key] = dataclasses.replace(had, also_via=tuple(sorted({*had.also_via, row.via})))

    if kind == "qualification":
        for src, _, data in g.in_edges(start, data=True):
            if data["kind"] == "nests":
                add(src, "nested", ())
    else:
        # follow counts_towards, consumes and grants forward (breadth first: the shortest way in)
        forward = {"counts_towards", "consumes", "grants"}
        seen: dict[str, tuple[str, ...]] = {start: (start,)}
        # every shortest way to each node, as the rules it passes through (a node reached as soon through two rules
        # has both: DS-MC1 reaches GCDS's data electives through eux-ds-foundations and through eux-ds-stack)
        ways: dict[str, set[tuple[str, ...]]] = {start: {()}}
        queue = [start]
        only: dict[str, set[str]] = {}  # a rule reached through a consumes edge that names its targets: those only
        while queue:
            cur = queue.pop(0)
            mine = {(*w, cur.removeprefix("rule:")) if cur.startswith("rule:") else w for w in ways[cur]}
            for _, nxt, data in sorted(g.out_edges(cur, data=True)):
                if data["kind"] == "consumes" and "into" in data:
                    only.setdefault(nxt, set()).update(f"qualification:{t}" for t in data["into"])
                if data["kind"] == "grants" and cur in only and not _holding(g, nxt, ("requires",)) & only[cur]:
                    # a grant followed only into the targets the source was consumed for: a node is in every tree that
                    # holds it by `requires` edges (a nested qualification's named node is in the nesting tree too: an
                    # adversary found a grant into one dropped or kept by which tree's id sorted first)
                    continue
                if data["kind"] not in forward:
                    continue
                if nxt not in seen:
                    seen[nxt] = (*seen[cur], nxt)
                    ways[nxt] = set(mine)
                    queue.append(nxt)
                elif len(seen[nxt]) == len(seen[cur]) + 1:
                    ways[nxt] |= mine
        for target in sorted(seen):
            if target == start or g.nodes[target]["kind"] not in ("node", "qualification"):
                continue
            for via in sorted(ways[target]):
                add(target, "credit" if via else "direct", via)
    rows = sorted(found.values(), key=lambda r: (r.qualifications[0], r.node or "", r.via))
    return Towards(credential, kind, day, tuple(rows))


def _holding(g: nx.DiGraph, node: str, kinds: tuple[str, ...] = ("requires", "nests")) -> set[str]:
    """The qualifications ``node`` is part of: the one whose tree holds it and every one that nests that one, at any depth
    (``kinds``: ``("requires",)`` for the trees alone, each nested qualification's expansion included).

    Walked up those edges only: every other edge into a tree (a credential that counts there, a rule's grant) starts
    outside the qualifications, and following them (``nx.ancestors``) visited the whole catalogue for each row, which
    took minutes on an institution's rule base.
    """
    found: set[str] = set()
    seen = {node}
    stack = [node]
    while stack:
        cur = stack.pop()
        if g.nodes[cur]["kind"] == "qualification":
            found.add(cur)
        for up, _, kind in g.in_edges(cur, data="kind"):
            if kind in kinds and up not in seen:
                seen.add(up)
                stack.append(up)
    return found


def _named(g: nx.DiGraph, node: str) -> str:
    """The nearest node with an id that holds ``node`` (itself if named), else its qualification."""
    cur = node
    while True:
        if cur.startswith("qualification:") or "#" in cur:
            return cur
        parents: list[str] = sorted(p for p, _, d in g.in_edges(cur, data=True) if d["kind"] == "requires")
        if not parents:
            return cur
        cur = parents[0]


def to_json(g: nx.DiGraph) -> dict[str, Any]:
    data: dict[str, Any] = nx.node_link_data(g, edges="edges")
    data["nodes"] = sorted(data["nodes"], key=lambda n: n["id"])
    data["edges"] = sorted(data["edges"], key=lambda e: (e["source"], e["target"]))
    return data


def from_json(data: dict[str, Any]) -> nx.DiGraph:
    g: nx.DiGraph = nx.node_link_graph(data, directed=True, edges="edges")
    return g


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


_SHAPES = {"qualification": "box", "node": "ellipse", "credential": "note", "rule": "diamond", "level": "plaintext"}


def to_dot(g: nx.DiGraph) -> str:
    lines = ["digraph stackrules {", "  rankdir=LR;", "  node [fontname=Helvetica];"]
    for n, d in sorted(g.nodes(data=True)):
        lines.append(f"  {_q(n)} [label={_q(str(d.get('label') or n))}, shape={_SHAPES.get(d.get('kind', ''), 'ellipse')}];")
    for a, b, d in sorted(g.edges(data=True)):
        lines.append(f"  {_q(a)} -> {_q(b)} [label={_q(d.get('kind', ''))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(g: nx.DiGraph) -> str:
    ids = {n: f"n{k}" for k, n in enumerate(sorted(g.nodes))}
    lines = ["flowchart LR"]
    for n, d in sorted(g.nodes(data=True)):
        label = str(d.get("label") or n).replace('"', "'")
        lines.append(f'  {ids[n]}["{label}"]')
    for a, b, d in sorted(g.edges(data=True)):
        lines.append(f"  {ids[a]} -->|{d.get('kind', '')}| {ids[b]}")
    return "\n".join(lines) + "\n"
