"""The rule base as a graph: credentials, qualifications, requirement nodes, credit rules, levels.

Node ids are prefixed by their kind (``credential:exu:COMP1010``,
``qualification:exu:BIT``, ``node:exu:BIT#core``, ``rule:exu-ai-stack``,
``level:aqf:7``). Edges carry a ``kind``: ``requires`` (a qualification or
node to its parts), ``counts_towards`` (a credential to a leaf it can fill),
``nests`` (a node to a qualification nested in it), ``consumes`` (a
credential a credit rule can take as a source), ``grants`` (a rule to the
credential or qualification its credit goes to), ``prerequisite_of``,
``at_level`` and ``crosswalk``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from ..language.models import IntoFilter, SpecifiedGrant
from ..rulebase.filters import Matcher, credential_attrs, version_attrs
from ..rulebase.index import RuleBase, iter_nodes
from .target import CompiledTarget
from .tree import CNode


def build_graph(rb: RuleBase, compiled: Iterable[CompiledTarget]) -> nx.DiGraph:
    g = nx.DiGraph()
    for c in rb.credentials_by_id:
        g.add_node(f"credential:{c.id}", kind="credential", label=c.title, type=c.type, provider=c.provider)
        if c.framework_level:
            g.add_node(f"level:{c.framework_level}", kind="level", label=c.framework_level)
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
        q = f"qualification:{v.id}"
        g.add_node(q, kind="qualification", label=v.title)
        if v.framework_level:
            g.add_edge(q, f"level:{v.framework_level}", kind="at_level")
        _tree(g, ct.top, q, v.id)
        for entry in ct.catalogue:
            for leaf in entry.leaves:
                g.add_edge(f"credential:{entry.credential}", _name(ct.nodes[leaf], v.id), kind="counts_towards")
                fits.setdefault((v.id, entry.credential), []).append(_name(ct.nodes[leaf], v.id))
    quals = {n for n, d in g.nodes(data=True) if d.get("kind") == "qualification"}
    for rule in rb.rules:
        r = f"rule:{rule.id}"
        g.add_node(r, kind="rule", label=rule.doc.title or rule.id, type=rule.doc.type)
        for n, _ in iter_nodes(rule.doc.from_, ()):
            if n.credential:
                g.add_edge(f"credential:{n.credential}", r, kind="consumes")
            elif n.where is not None:
                m = Matcher(rb)
                for cid in rb.credentials:
                    if m.match(n.where, credential_attrs(rb, cid)):
                        g.add_edge(f"credential:{cid}", r, kind="consumes")
        targets = [rule.doc.into] if isinstance(rule.doc.into, str) else _into(rb, rule.doc.into)
        for t in targets:
            if f"qualification:{t}" in quals:
                for grant in rule.doc.grant:
                    if isinstance(grant, SpecifiedGrant):
                        # credit granted as a credential counts only inside the rule's target
                        for leaf_name in fits.get((t, grant.credential), []):
                            g.add_edge(r, leaf_name, kind="grants", credential=grant.credential)
                    else:
                        g.add_edge(r, f"qualification:{t}", kind="grants")
    return g


def _into(rb: RuleBase, into: IntoFilter) -> list[str]:
    return sorted(qid for qid, versions in rb.qualifications.items() if Matcher(rb).match(into.where, version_attrs(versions[-1])))


def _name(n: CNode, qid: str) -> str:
    if n.id is not None:
        return f"node:{qid}#{n.id}" if "#" not in n.id else f"node:{n.id}"
    return f"node:{qid}@{n.path}"


def _tree(g: nx.DiGraph, n: CNode, parent: str, qid: str) -> None:
    me = _name(n, qid)
    label = n.id or n.title or (n.credential if n.kind == "credential" else n.kind)
    g.add_node(me, kind="node", label=label, node_kind=n.kind)
    g.add_edge(parent, me, kind="requires")
    if n.nested:
        g.add_edge(me, f"qualification:{n.nested}", kind="nests")
    if n.kind == "credential" and n.credential:
        g.add_edge(f"credential:{n.credential}", me, kind="counts_towards")
    for c in n.children:
        _tree(g, c, me, qid)


def neighbourhood(g: nx.DiGraph, focus: str, depth: int = 2) -> nx.DiGraph:
    """The subgraph within ``depth`` steps of ``focus`` (either direction)."""
    und = g.to_undirected(as_view=True)
    keep = set(nx.single_source_shortest_path_length(und, focus, cutoff=depth))
    return g.subgraph(keep).copy()


def counts_towards(g: nx.DiGraph, credential: str) -> list[dict[str, Any]]:
    """Every qualification and node a credential can count towards, directly or through credit rules."""
    start = f"credential:{credential}"
    if start not in g:
        return []
    out = []
    # follow counts_towards, consumes and grants forward; requires/nests backward to their qualification
    forward = {"counts_towards", "consumes", "grants"}
    seen = {start: [start]}
    queue = [start]
    while queue:
        cur = queue.pop(0)
        for _, nxt, data in sorted(g.out_edges(cur, data=True)):
            if data["kind"] in forward and nxt not in seen:
                seen[nxt] = [*seen[cur], nxt]
                queue.append(nxt)
    for target, path in sorted(seen.items()):
        kind = g.nodes[target].get("kind")
        if kind == "node":
            quals = [a for a in nx.ancestors(g, target) if g.nodes[a].get("kind") == "qualification"]
            out.append(
                {
                    "node": target.removeprefix("node:"),
                    "qualifications": sorted(q.removeprefix("qualification:") for q in quals),
                    "via": [p for p in path[1:-1] if p.startswith("rule:")],
                }
            )
        elif kind == "qualification" and target != start:
            out.append({"qualification": target.removeprefix("qualification:"), "via": [p for p in path[1:-1] if p.startswith("rule:")]})
    return out


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
