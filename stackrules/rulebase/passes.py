"""The semantic checks: named passes over the indexed rule base, run in order.

As a compiler names its stages, each pass has a name and a function that
reads the index (:class:`Context`) and reports diagnostics; a later pass may
use what an earlier one built (the prerequisite and nesting graphs). The
passes, in order:

``credentials``
    incompatible, `supersedes` and `equivalent` ids, and each prerequisite
    node (ids, grades, quantities, filters, limits); builds the prerequisite
    and supersedes graphs
``prerequisite-cycles``
    prerequisites that form a cycle (SR3008)
``supersedes-cycles``
    credentials that supersede each other in a cycle (SR3008)
``qualification-trees``
    each version's tree and `define:` blocks: nodes, unique node ids, `ref`
    names and their cycles, `shares_with`, limits; builds the nesting graph;
    then warns about pools no credential could fill (SR4001)
``nesting-cycles``
    qualifications that nest in a cycle (SR3008)
``credit-rules``
    `into`, `from`, `when` and `grant` of every credit rule; a rule whose
    `into` matches nothing (SR4002)
``learners``
    learner documents checked along with the rule base
    (:func:`stackrules.rulebase.learner.check_learner`)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from ..diagnostics import CODES, did_you_mean, suggestion
from ..language.documents import Loaded
from ..language.models import Credential, ExemptGrant, FactRef, Filter, IntoFilter, LearnerDoc, Limit, Requirement, SpecifiedGrant, UnspecifiedGrant
from ..language.positions import Path
from ..language.quantity import Quantity, fmt
from .build import Indexed, Reporter
from .filters import Matcher, catalogue_index, credential_attrs, grant_attrs, version_attrs
from .index import QualVersion, RuleBase, RuleInfo, iter_nodes
from .learner import check_learner, has_node_id, node_suggestion

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class Context:
    """What every pass reads (the index) and the graphs passes build for later ones."""

    rb: RuleBase
    report: Reporter
    qual_types: dict[str, tuple[Loaded, int]]
    cred_src: dict[str, tuple[Loaded, Path]]
    unknown_systems: bool
    prereq: nx.DiGraph
    nest: nx.DiGraph
    supersede: nx.DiGraph
    _into: dict[Filter, bool] = field(default_factory=dict)  # whether an `into` filter matches any qualification
    depths: dict[str, int] = field(default_factory=dict)  # qualification -> its deepest tree with `ref` blocks replaced
    _all_tags: set[str] | None = None  # every tag the rule base's credentials and grants carry (_tags), found once

    @classmethod
    def of(cls, ix: Indexed) -> Context:
        import networkx as nx  # only a full load checks cycles: a cached load never imports it

        return cls(ix.rb, ix.report, ix.qual_types, ix.cred_src, ix.unknown_systems, nx.DiGraph(), nx.DiGraph(), nx.DiGraph())

    def known_ids(self) -> set[str]:
        return set(self.rb.credentials) | set(self.rb.qualifications)

    def unknown(self, cid: str, item: Loaded, path: Path, what: str = "credential", help_: str | None = None) -> None:
        prov = cid.partition(":")[0]
        if what == "qualification" and any(getattr(x.doc, "kind", None) == "qualification" and getattr(x.doc, "id", None) == cid for x in self.rb.documents):
            # its document is loaded and was left out for an error reported there: one mistake, one error
            return
        if what == "qualification":
            # only a qualification fits here: a credential of that id is named as what it is, not offered back
            if help_ is None and cid in self.rb.credentials:
                help_ = f"`{cid}` is a credential in a catalogue, not a qualification: name a qualification here"
            known = set(self.rb.qualifications)
        else:
            known = self.known_ids()
        help_ = help_ or suggestion(cid, known - {cid})
        if help_ is None and prov not in self.rb.providers:
            near = suggestion(prov, self.rb.providers)
            help_ = f"no catalog defines provider `{prov}`" + (f": {near}" if near else "")
        if help_ is None and what == "qualification":
            help_ = "no `kind: qualification` document defines it (a document with an error above defines nothing until it is fixed)"
        self.report.error(item, path, "SR3001", f"unknown {what} `{cid}`", help_)

    def node_basics(self, n: Requirement, p: Path, item: Loaded, v: QualVersion | None) -> None:
        """Checks that need only the node itself and the rule base."""
        if n.credential is not None:
            if n.credential not in self.rb.credentials and n.credential not in self.rb.qualifications:
                self.unknown(n.credential, item, p + ("credential",) if _has_key(item, p, "credential") else p)
            elif n.min_grade is not None:
                self.grade(n.min_grade, n.credential.partition(":")[0], item, p + ("min_grade",))
        elif n.min_grade is not None and v is not None and v.provider is not None:
            self.grade(n.min_grade, v.provider, item, p + ("min_grade",))
        if n.qualification is not None and n.qualification not in self.rb.qualifications:
            self.unknown(n.qualification, item, p + ("qualification",), "qualification")
        if n.at_least is not None and n.of is not None and n.at_least > len(n.of):
            self.report.error(
                item,
                p + ("at_least",),
                "SR3009",
                f"`at_least: {n.at_least}` but the node has only {len(n.of)} children",
                f"lower it to at most {len(n.of)}, or add children",
            )
        if n.credits is not None:
            self.quantity(n.credits, item, p + ("credits",))
        if n.where is not None:
            self.filter_levels(n.where, item, p + ("where",))
        self.limits(n.limits, item, p, v)

    def grade(self, grade: str, provider: str, item: Loaded, path: Path) -> None:
        prov = self.rb.providers.get(provider)
        if prov is None:
            return
        if prov.grade_scale is None:
            self.report.error(
                item,
                path,
                "SR3011",
                f"provider `{provider}` has no grade scale, so `{grade}` cannot be compared",
                f"add a `grade_scale` to the catalog of `{provider}`, or remove the grade condition",
            )
        elif grade not in prov.grade_scale.order:
            self.report.error(
                item,
                path,
                "SR3012",
                f"`{grade}` is not a grade of `{provider}`",
                suggestion(grade, prov.grade_scale.order) or ("grades: " + ", ".join(prov.grade_scale.order)),
            )

    def quantity(self, q: Quantity, item: Loaded, path: Path) -> None:
        if q.system is not None and q.system not in self.rb.systems:
            self.report.error(item, path, "SR3004", f"unknown credit system `{q.system}`", suggestion(q.system, self.rb.systems))

    def filter_levels(self, f: Filter, item: Loaded, path: Path) -> None:
        """Framework levels and credit systems a filter names must exist (a quantity in an unknown system compares with nothing)."""
        for t in f.terms:
            if t.attr == "credits":
                for q in t.value if isinstance(t.value, tuple) else (t.value,):
                    if q.system is not None and q.system not in self.rb.systems:
                        self.report.error(item, path + ("credits",), "SR3004", f"unknown credit system `{q.system}`", suggestion(q.system, self.rb.systems))
            if t.attr == "framework_level":
                for val in t.value if isinstance(t.value, tuple) else (t.value,):
                    if val not in self.rb.level_order:
                        self.report.error(item, path + ("framework_level",), "SR3003", f"unknown framework level `{val}`", suggestion(val, self.rb.level_order))
        for group in f.any_of:
            for g in group:
                self.filter_levels(g, item, path)
        for g in f.nots:
            self.filter_levels(g, item, path)

    def limits(self, limits: tuple[Limit, ...], item: Loaded, p: Path, v: QualVersion | None) -> None:
        for i, lim in enumerate(limits):
            lp = p + ("limits", i)
            for key in ("max_credits", "min_credits"):
                q = getattr(lim, key)
                if q is not None:
                    self.quantity(q, item, lp + (key,))
            if lim.where is not None:
                self.filter_levels(lim.where, item, lp + ("where",))
            if lim.min_distinct is not None and lim.min_distinct.of == "term" and v is not None:
                prov = self.rb.providers.get(v.provider) if v.provider is not None else None
                # a holding's term comes from its own provider's calendar: the target's, or a home catalogue's
                homes = [self.rb.providers.get(h) for h in v.home_catalogs]
                if (prov is None or not prov.terms) and not any(h is not None and h.terms for h in homes):
                    # holdings' terms are derived from the provider's calendar: without one only a stated `term:` counts
                    self.report.error(
                        item,
                        lp + ("min_distinct", "of"),
                        "SR4004",
                        f"a holding's term comes from its provider's calendar, and `{v.provider or v.id}` (and its home catalogues, if"
                        " any) has no `terms:`: only holdings that state their `term` add one to this limit",
                        f"give the catalog of `{v.provider}` a `terms:` calendar" if v.provider else CODES["SR4004"].fix,
                    )
            if v is not None and v.credits is None:
                for key in ("max_share", "min_share"):
                    if getattr(lim, key) is not None:
                        self.report.error(
                            item,
                            lp + (key,),
                            "SR3018",
                            f"`{key}` is a share of the qualification's `credits`, and `{v.id}` has no credit total",
                            "give the qualification `credits:`, or bound the credit itself with `max_credits` / `min_credits`",
                            on_key=True,
                        )
            if lim.min_gpa is not None and v is not None and v.provider is not None:
                scale = self.rb.providers[v.provider].grade_scale
                if scale is None or scale.points is None:
                    self.report.error(
                        item,
                        lp + ("min_gpa",),
                        "SR3011",
                        f"`min_gpa` needs grade points, and provider `{v.provider}` has none",
                        "add `points:` to the provider's `grade_scale`",
                    )
            pairs = (("min_credits", "max_credits"), ("min_count", "max_count"), ("min_share", "max_share"))
            for lo_key, hi_key in pairs:
                lo, hi = getattr(lim, lo_key), getattr(lim, hi_key)
                if lo is not None and hi is not None and _val(lo) > _val(hi):
                    self.report.error(
                        item, lp + (lo_key,), "SR3010", f"`{lo_key}` is above `{hi_key}` in the same limit", "lower the minimum or raise the maximum"
                    )
        for i, a in enumerate(limits):
            for b in limits[i + 1 :]:
                if a.where != b.where:
                    continue
                for lo_key, hi_key in (("min_credits", "max_credits"), ("min_count", "max_count"), ("min_share", "max_share")):
                    for lo_l, hi_l in ((a, b), (b, a)):
                        lo, hi = getattr(lo_l, lo_key), getattr(hi_l, hi_key)
                        if lo is not None and hi is not None and _val(lo) > _val(hi):
                            idx = limits.index(lo_l)
                            self.report.error(
                                item,
                                p + ("limits", idx, lo_key),
                                "SR3010",
                                f"`{lo_key}` is above the `{hi_key}` of another limit with the same filter",
                                "lower the minimum or raise the maximum",
                            )

    def expanded(self, v: QualVersion, item: Loaded, base: Path) -> None:
        """The requirement tree as it is decided, with every `ref` replaced by its block: no deeper than a document
        may nest (SR1008), and no node id twice (SR3006: a block with ids used by two `ref`s)."""
        depth: dict[str, int] = {}
        ids: dict[str, Counter[str]] = {}

        def walk(n: Requirement) -> tuple[int, Counter[str]]:
            if n.ref is not None and n.ref in v.define:
                if n.ref not in depth:
                    depth[n.ref], ids[n.ref] = walk(v.define[n.ref])
                got = Counter(ids[n.ref])
                if n.id is not None:
                    got[n.id] += 1
                return depth[n.ref], got
            deepest, seen = 0, Counter([n.id] if n.id is not None else [])
            for key in ("all", "any", "of"):
                for kid in getattr(n, key) or ():
                    d, c = walk(kid) if isinstance(kid, Requirement) else (0, Counter())
                    deepest = max(deepest, d)
                    seen.update(c)
            return deepest + 1, seen

        written: Counter[str] = Counter()
        for root in (v.requires, *v.define.values()):
            written.update(n.id for n, _ in iter_nodes(root, ()) if n.id is not None)
        try:
            levels, seen = walk(v.requires)
        except RecursionError:  # a chain of blocks far deeper than any document may nest
            levels, seen = MAX_TREE + 1, Counter()
        self.depths[v.id] = max(self.depths.get(v.id, 0), levels)
        if levels > MAX_TREE:
            self.report.error(
                item,
                base + ("requires",),
                "SR1008",
                f"`{v.id}`'s requirements nest more than {MAX_TREE} levels deep once `ref` blocks are replaced by what they define",
                "flatten the chain of `ref` blocks: a block may list the nodes of another instead of naming it",
            )
        for nid, k in sorted(seen.items()):
            if k > 1 and written[nid] < 2:  # written twice is reported where it is written
                self.report.error(
                    item,
                    base + ("requires",),
                    "SR3006",
                    f"node id `{nid}` appears {k} times in `{v.id}` once `ref` blocks are replaced by what they define",
                    "a block used by more than one `ref` must not give its nodes ids (or define one block per use)",
                )

    def holds_node(self, n: Requirement, p: Path, item: Loaded) -> None:
        """A node of a `holds` condition: a test of the learner's holdings as they stand (decide/semantics.holds),
        which reads credentials, pools, groups, `min_grade` and `within_years`; what it would not read is refused."""
        unread = [k for k in ("limits", "ref", "qualification", "approval", "when", "unless", "shares_with", "share") if getattr(n, k)]
        if n.children() and (n.credits is not None or n.count is not None or n.competencies is not None):
            # a group with a pool after it (section 6: the pool counts what the group leaves) is not a test the
            # condition reads: it would read the pool alone
            self.report.error(
                item,
                p + ("credits" if n.credits is not None else "count" if n.count is not None else "competencies",),
                "SR2008",
                "a `holds` condition tests a group or a pool, not a group with a pool after it",
                "test the two apart: `holds: {all: [GROUP, {credits: ..., where: ...}]}`",
                on_key=True,
            )
        for k in unread:
            self.report.error(
                item,
                p + (k,),
                "SR2008",
                f"a `holds` condition tests the learner's holdings (credentials, credit, counts, competencies, `min_grade`,"
                f" `within_years`): `{k}` is not read there",
                "make it a node of the qualification, or test what it stands for with a credential or a pool",
                on_key=True,
            )

    def qualification(self, v: QualVersion) -> None:
        item, base = v.origin, v.base_path
        found = len(self.report.diags)  # what is reported of this version from here on
        ids: dict[str, Path] = {}
        import networkx as nx

        refs = nx.DiGraph()
        trees: list[tuple[Requirement, Path, str | None]] = [(v.requires, base + ("requires",), None)]
        trees += [(node, base + ("define", name), name) for name, node in sorted(v.define.items())]
        self.limits(v.limits, item, base, v)
        for i, pid in enumerate(v.home_catalogs):
            prov = self.rb.providers.get(pid)
            if prov is None:
                self.report.error(item, base + ("home_catalogs", i), "SR3002", f"provider `{pid}` has no catalog", suggestion(pid, self.rb.providers))
            elif not prov.national:
                self.report.error(
                    item,
                    base + ("home_catalogs", i),
                    "SR3019",
                    f"`{pid}` is not a national catalogue: only `national: true` catalogues count as home study elsewhere",
                    f"mark the catalog of `{pid}` `national: true`, or count its credentials through a credit rule",
                )
        for root, rpath, defname in trees:
            for n, p in iter_nodes(root, rpath):
                self.node_basics(n, p, item, v)
                for key in ("when", "unless"):
                    cond = getattr(n, key)
                    if cond is not None and cond.terms_since:
                        prov = self.rb.providers.get(v.provider) if v.provider is not None else None
                        if prov is None or not prov.terms:
                            self.report.error(
                                item,
                                p + (key, "terms_since"),
                                "SR4004",
                                f"`terms_since` counts terms on the calendar of `{v.provider or v.id}`, which has no `terms:`: this condition never holds",
                                f"give the catalog of `{v.provider}` a `terms:` calendar" if v.provider else CODES["SR4004"].fix,
                                on_key=True,
                            )
                    if cond is not None and defname is None and p == rpath:
                        # (a root that is a `ref` to a block with a condition: see below)
                        self.report.error(
                            item,
                            p + (key,),
                            "SR2008",
                            f"`{key}` on the root of `requires` would make the whole of `{v.id}` apply to some learners only"
                            " (one it does not apply to would be met with no study)",
                            "put the condition on the nodes it concerns",
                            on_key=True,
                        )
                    if cond is not None and cond.holds is not None:
                        for hn, hp in iter_nodes(cond.holds, p + (key, "holds")):
                            self.node_basics(hn, hp, item, None)
                            self.holds_node(hn, hp, item)
                if n.id is not None:
                    if n.id in ids:
                        first = item.smap.span(ids[n.id] + ("id",))
                        self.report.error(
                            item,
                            p + ("id",),
                            "SR3006",
                            f"node id `{n.id}` is used twice in `{v.id}` (first at {first.line}:{first.column})",
                            "node ids must be unique inside a qualification",
                        )
                    ids[n.id] = p
                if n.ref is not None and defname is None and p == rpath and n.ref in v.define:
                    block = v.define[n.ref]
                    for key in ("when", "unless"):
                        if getattr(block, key) is not None:
                            self.report.error(
                                item,
                                p + ("ref",),
                                "SR2008",
                                f"the root of `requires` is `ref: {n.ref}`, whose block has `{key}`: the whole of `{v.id}` would apply to"
                                " some learners only (one it does not apply to would be met with no study)",
                                "put the condition on the nodes it concerns",
                                on_key=True,
                            )
                if n.ref is not None:
                    if n.ref not in v.define:
                        self.report.error(
                            item,
                            p + ("ref",),
                            "SR3005",
                            f"`ref: {n.ref}` names no block under `define:`",
                            suggestion(n.ref, v.define) or "define it under the qualification's `define:`",
                        )
                    else:
                        refs.add_edge(defname or "#requires", n.ref)
                if n.qualification is not None and n.qualification in self.rb.qualifications:
                    self.nest.add_edge(v.id, n.qualification)
                if n.credential is not None and n.credential in self.rb.qualifications:
                    self.nest.add_edge(v.id, n.credential)
        cycles = _cycles(refs)
        for cycle in cycles:
            name = cycle[0]
            self.report.error(
                item, base + ("define", name), "SR3008", "`ref` blocks form a cycle: " + " -> ".join(cycle + [name]), "remove one `ref` of the cycle"
            )
        if not cycles:
            self.expanded(v, item, base)
        for root, rpath, _ in trees:
            for n, p in iter_nodes(root, rpath):
                for i, other in enumerate(n.shares_with):
                    if other == n.id:
                        self.report.error(
                            item,
                            p + ("shares_with", i),
                            "SR3020",
                            f"node `{n.id}` names itself in `shares_with`: a node shares with another node",
                            CODES["SR3020"].fix,
                        )
                    elif other not in ids and other != "all":
                        self.report.error(item, p + ("shares_with", i), "SR3005", f"`shares_with` names unknown node `{other}`", suggestion(other, ids))
                for i, cid in enumerate(n.share or ()):
                    if cid not in self.rb.credentials:
                        self.unknown(cid, item, p + ("share", i))
                        continue
                    named = {m.id: m for r, _, _ in trees for m, _ in iter_nodes(r, ()) if m.id is not None}
                    sides = [(n.id or "this node", n)] + [(o, named[o]) for o in n.shares_with if o in named and o != n.id]
                    never = [name for name, side in sides if self.could_claim(side, cid, v) is False]
                    if never:
                        self.report.error(
                            item,
                            p + ("share", i),
                            "SR4005",
                            f"`share` lists `{cid}`, which " + " and ".join(f"`{x}`" for x in never) + " can never claim, so it is never counted in both",
                            CODES["SR4005"].fix,
                        )
        self.satisfiable(v, trees)
        if not any(d.severity == "error" or d.code == "SR4001" for d in self.report.diags[found:]):
            # (a tree with an error, an unknown credential say, would make the total look out of reach; a pool nothing
            # fills, SR4001, already says why)
            self.total_reachable(v, trees)

    def could_claim(self, r: Requirement, cid: str, v: QualVersion) -> bool | None:
        """Could a leaf of ``r``'s subtree claim ``cid`` (named, a partner named, or matching a pool's filter)?
        None: the subtree has `ref` blocks or nested qualifications, which this check does not follow."""
        c = self.rb.credentials[cid]
        if not v.is_home(c.provider):
            return False  # another provider's credential counts only as granted credit, which is a home credential
        attrs = credential_attrs(self.rb, cid, v.system)
        matcher = Matcher(self.rb, v.fields)
        unsure = False
        for m, _ in iter_nodes(r, ()):
            if m.ref is not None or m.qualification is not None:
                unsure = True
                continue
            if m.credential is not None:
                takes = m.credential == cid or cid in self.rb.equivalents.get(m.credential, ())
            else:
                pool = m.credits is not None or m.count is not None or (m.competencies is not None and bool(set(m.competencies) & set(c.competencies)))
                takes = pool and (m.where is None or matcher.match(m.where, attrs))
            if takes:
                return True
        return None if unsure else False

    def total_reachable(self, v: QualVersion, trees: list[tuple[Requirement, Path, str | None]]) -> None:
        """Warn (SR4007) when a qualification's credit total is more than its requirements could ever claim.

        Only claimed credit counts towards the total (docs/language.md, "Claims"), so the most any learner can
        count is the credit of every credential some leaf accepts (a repeatable one up to its bound): counted
        generously (a credential two leaves accept once, every credential a pool's filter matches). Not checked
        when the trees nest other qualifications, or when granted credit a rule makes up could land in a pool.
        """
        if self.unknown_systems or v.credits is None:
            return
        matcher = Matcher(self.rb, v.fields)
        catalogue = catalogue_index(self.rb, v.system)
        times: dict[str, int] = {}  # how often each credential accepted can count: a unit requirement takes it once
        most = Fraction(0)

        def add(cid: str, credits: Fraction, repeats: bool) -> None:
            nonlocal most
            info = self.rb.credentials.get(cid)
            if info is not None and not v.is_home(info.provider):
                return  # another provider's credential counts only as granted credit (a rule that grants some is followed below)
            n = info.repeat_max if repeats and info is not None and info.repeat_max is not None else 1
            if n > times.get(cid, 0):
                most += credits * (n - times.get(cid, 0))
                times[cid] = n

        pools: list[Filter] = []
        for root, rpath, _ in trees:
            for n, _ in iter_nodes(root, rpath):
                if n.qualification is not None:
                    return  # a nested qualification's tree is its own: not followed here
                if n.credential is not None:
                    for cid in (n.credential, *self.rb.equivalents.get(n.credential, ())):
                        if cid in self.rb.credentials:
                            add(cid, credential_attrs(self.rb, cid, v.system).credits, False)
                elif n.credits is not None or n.count is not None or n.competencies is not None:
                    pools.append(n.where or Filter())
        for f in pools:
            for a in catalogue.candidates(f):
                if most >= v.credits:
                    return  # (most pools reach the total within their first matches: the scan stops there)
                if matcher.match(f, a):
                    add(a.id, a.credits, True)
        if most >= v.credits:
            return
        for rule in self.rb.rules:
            for j, g in enumerate(rule.doc.grant):
                if isinstance(g, UnspecifiedGrant):
                    made = grant_attrs(g, f"credit:{rule.id}:{j}", v.provider or "", self.rb.grant_amount(g, v), v.system)
                    if any(matcher.match(f, made) for f in pools):
                        return  # credit a rule makes up (any amount, any number of times) could fill a pool
        if most < v.credits:
            unit = v.system
            self.report.diags.append(
                v.origin.smap.diag(
                    v.base_path + ("credits",),
                    "SR4007",
                    f"the total is {fmt(v.credits)} {unit}, but every credential the requirements accept adds up to"
                    f" {fmt(most)} {unit}: only claimed credit counts, so no learner reaches the total without an approved exception",
                    CODES["SR4007"].fix,
                )
            )

    def satisfiable(self, v: QualVersion, trees: list[tuple[Requirement, Path, str | None]]) -> None:
        """Warn about pools that no credential in the whole rule base could fill.

        Not when a credit system is unknown (already an error): credit in it
        cannot be compared, and a warning built on it would mislead.
        """
        if self.unknown_systems:
            return
        matcher = Matcher(self.rb, v.fields)
        catalogue = catalogue_index(self.rb, v.system)
        grants = []
        for rule in self.rb.rules:
            for j, g in enumerate(rule.doc.grant):
                if isinstance(g, UnspecifiedGrant) and (not isinstance(g.unspecified, Quantity) or g.unspecified.system in (None, *self.rb.systems)):
                    grants.append(grant_attrs(g, f"credit:{rule.id}:{j}", v.provider or "", self.rb.grant_amount(g, v), v.system))
        for root, rpath, _ in trees:
            for n, p in iter_nodes(root, rpath):
                if n.credits is None and n.count is None and n.competencies is None:
                    continue
                f = n.where or Filter()
                need = Fraction(0)
                if n.credits is not None and (n.credits.system is None or n.credits.system in self.rb.systems):
                    need = self.rb.convert(n.credits, v.system)
                # scan until the pool is shown fillable (usually after a few credentials)
                have, count, uncovered = Fraction(0), 0, set(n.competencies or ())
                distinct = 0  # distinct credentials matched (``count`` counts each up to its repeat bound)
                records = 0  # matching records: they carry no credit (section 17)
                # only the catalogue credentials the filter can match (the index skips the rest), then granted credit
                # a distinct-terms limit needs as many items as terms: each holding adds at most one term
                terms_needed = max((lim.min_distinct.count for lim in n.limits if lim.min_distinct is not None and lim.min_distinct.of == "term"), default=0)
                for a in (*catalogue.candidates(f), *grants):
                    if have >= need and count >= max(n.count or 0, terms_needed) and not uncovered:
                        break
                    if matcher.match(f, a):
                        # a repeatable credential (section 17) can fill a pool up to its bound of times
                        info = self.rb.credentials.get(a.id)
                        times = info.repeat_max if info is not None and info.repeat_max is not None else 1
                        have += a.credits * times
                        count += times
                        distinct += 1
                        records += a.credits == 0 and info is not None and info.type == "record"
                        uncovered.difference_update(a.competencies)
                shortfalls: list[tuple[Path, str, str]] = []
                if n.credits is not None and have < need:
                    unit = v.system  # need and have are in the qualification's system (converted above)
                    msg = f"no credentials in the rule base add up to the {fmt(need)} {unit} this pool needs: what its filter matches adds up to {fmt(have)} {unit}"
                    fix = "check the filter, or add credentials that match it"
                    if records and have == 0:
                        fix = "the credentials it matches are records, which carry no credit: count them with `count:` instead of `credits:`"
                    shortfalls.append((("credits",), msg, fix))
                if n.count is not None and count < n.count:
                    if count and distinct < count:
                        # repeatable credentials fill places up to their bounds: "only 3 credentials match" was said of one
                        msg = (
                            f"what matches this pool fills at most {count} of the {n.count} places it needs: {distinct}"
                            f" credential{'s' * (distinct != 1)}, taken up to its `repeatable` bound"
                        )
                    elif count:
                        msg = f"only {count} credential{'s' * (count != 1)} in the rule base match{'es' * (count == 1)} this pool, which needs {n.count}"
                    else:
                        msg = f"no credential in the rule base matches this pool, which needs {n.count}"
                    shortfalls.append((("count",), msg, "check the filter, or add credentials that match it"))
                if terms_needed and count < terms_needed:
                    at = next(k for k, lim in enumerate(n.limits) if lim.min_distinct is not None and lim.min_distinct.count == terms_needed)
                    msg = (
                        f"this pool can hold at most {count} credential{'s' * (count != 1)} (its matches, each up to its `repeatable` bound),"
                        f" so no learner reaches the {terms_needed} distinct terms its limit needs"
                    )
                    shortfalls.append((("limits", at, "min_distinct"), msg, "raise a `repeatable` bound, add credentials that match, or lower the count"))
                for i, comp in enumerate(n.competencies or ()):
                    if comp in uncovered:
                        msg = f"no credential in the rule base covers competency `{comp}`"
                        shortfalls.append((("competencies", i), msg, "add a credential that lists it under `competencies`"))
                unheard = self._unheard_tags(f) if shortfalls else []
                empty = _empty_range(f) if shortfalls else None
                for sub, msg, help_ in shortfalls:
                    if empty is not None and help_.startswith("check the filter"):
                        help_ = empty  # a range nothing can fall in: the filter is the slip, whatever the catalogue holds
                    elif unheard and help_.startswith("check the filter"):
                        # the commonest cause: a tag no credential carries (a typo), named with the tags that exist
                        help_ = "; ".join(
                            f"no credential or grant has tag `{t}`" + (f" ({near})" if (near := suggestion(t, self._tags())) else "") for t in unheard
                        )
                    self.report.diags.append(v.origin.smap.diag(p + sub, "SR4001", msg, help_))

    def _tags(self) -> set[str]:
        """Every tag a credential or a credit rule's grant carries."""
        if self._all_tags is None:
            found = {t for info in self.rb.credentials.values() for t in info.tags}
            for rule in self.rb.rules:
                for g in rule.doc.grant:
                    found.update(getattr(g, "tags", None) or ())
            self._all_tags = found
        return self._all_tags

    def _unheard_tags(self, f: Filter) -> list[str]:
        """Tags a filter asks for (outside a `not`) that nothing in the rule base carries."""
        known = self._tags()
        asked: list[str] = []
        for t in f.terms:
            if t.attr == "tags" and not isinstance(t.value, FactRef):
                values = [str(x) for x in (t.value if isinstance(t.value, tuple) else (t.value,))]
                if all(v not in known for v in values):  # a list is any of its tags: it matches nothing only if none exists
                    asked += values
        for group in f.any_of:
            for g in group:
                asked += self._unheard_tags(g)
        return sorted(set(asked))

    def rule(self, rule: RuleInfo) -> None:
        item, r = rule.origin, rule.doc
        if isinstance(r.into, str):
            if r.into not in self.rb.qualifications:
                self.unknown(r.into, item, ("into",), "qualification")
                return
            pass
        else:
            into: IntoFilter = r.into
            self.filter_levels(into.where, item, ("into", "where"))
            if into.where not in self._into:  # many rules share one `into` filter: each is tried once
                self._into[into.where] = any(_qual_matches(self.rb, into.where, qid) for qid in self.rb.qualifications)
            if not self._into[into.where] and r.type != "policy":  # policy defaults are general by design
                self.report.diags.append(
                    item.smap.diag(("into",), "SR4002", "`into` matches no qualification in the rule base, so this rule never applies", "check the filter")
                )
        for n, p in iter_nodes(r.from_, ("from",)):
            self.node_basics(n, p, item, None)
            if n.ref is not None:
                self.report.error(item, p + ("ref",), "SR3005", "`ref` cannot be used in a credit rule's `from`", "write the node out in full")
        if r.when and r.when.min_grade is not None:
            provs = {n.credential.partition(":")[0] for n, _ in iter_nodes(r.from_, ()) if n.credential}
            for prov in sorted(provs):
                self.grade(r.when.min_grade, prov, item, ("when", "min_grade"))
        for j, g in enumerate(r.grant):
            gp: Path = ("grant", j)
            if isinstance(g, SpecifiedGrant) and g.credential not in self.rb.credentials:
                self.unknown(g.credential, item, gp)
            elif isinstance(g, UnspecifiedGrant):
                if isinstance(g.unspecified, Quantity):
                    self.quantity(g.unspecified, item, gp + ("unspecified",))
                elif isinstance(r.into, str) and r.into in self.rb.qualifications and all(v.credits is None for v in self.rb.qualifications[r.into]):
                    # a share of the target's total, and the target has none (section 17): it grants nothing
                    self.report.diags.append(
                        item.smap.diag(
                            gp + ("unspecified",),
                            "SR4002",
                            f"a share of the credit total of `{r.into}`, which has none: this grant is always nothing",
                            "grant a quantity (`unspecified: 12`), or give the qualification `credits:`",
                        )
                    )
                if g.framework_level:
                    if g.framework_level not in self.rb.level_order:
                        self.report.error(
                            item,
                            gp + ("framework_level",),
                            "SR3003",
                            f"unknown framework level `{g.framework_level}`",
                            suggestion(g.framework_level, self.rb.level_order),
                        )
            elif isinstance(g, ExemptGrant):
                qid, _, node = g.exempt.partition("#")
                if qid not in self.rb.qualifications:
                    self.unknown(qid, item, gp + ("exempt",), "qualification", node_suggestion(self.rb, qid, node) if node else None)
                elif not node or not any(has_node_id(v, node) for v in self.rb.qualifications[qid]):
                    self.report.error(
                        item,
                        gp + ("exempt",),
                        "SR3005",
                        f"`{g.exempt}` names no node of `{qid}`",
                        (node_suggestion(self.rb, qid, node) if node else None) or "write `QUALIFICATION#node-id`",
                    )
                elif isinstance(r.into, str) and r.into in self.rb.qualifications and not self._within(r.into, qid):
                    # an exemption counts only in the rule's targets: one of a qualification they neither are nor nest
                    self.report.diags.append(
                        item.smap.diag(
                            gp + ("exempt",),
                            "SR4002",
                            f"`{g.exempt}` is a node of `{qid}`, which this rule's `into: {r.into}` neither is nor nests: it never exempts anything",
                            f"exempt a node of `{r.into}` (or of a qualification it nests), or credit into `{qid}`",
                        )
                    )

    def _within(self, top: str, qid: str) -> bool:
        """Whether ``qid`` is ``top`` or a qualification some version of ``top`` nests, at any depth."""
        seen: set[str] = set()
        todo = [top]
        while todo:
            cur = todo.pop()
            if cur == qid:
                return True
            if cur in seen or cur not in self.rb.qualifications:
                continue
            seen.add(cur)
            for v in self.rb.qualifications[cur]:
                todo.extend(n.qualification for n, _ in iter_nodes(v.requires, ()) if n.qualification)
        return False


@dataclass(frozen=True)
class Pass:
    """One named check over the index."""

    name: str
    run: Callable[[Context], None]


def _entry(item: Loaded, path: Path) -> Credential | None:
    """The catalogue entry at ``path`` of ``item`` (``("credentials", i)``), if that is where it is."""
    entries = getattr(item.doc, "credentials", None)
    if len(path) == 2 and path[0] == "credentials" and isinstance(path[1], int) and entries is not None and path[1] < len(entries):
        found = entries[path[1]]
        return found if isinstance(found, Credential) else None
    return None


def check_credentials(ctx: Context) -> None:
    for cid, info in sorted(ctx.rb.credentials.items()):
        item, path = ctx.cred_src[cid]
        for i, other in enumerate(info.incompatible):
            if other == cid:
                ctx.report.error(item, path + ("incompatible", i), "SR3021", f"`{cid}` names itself in `incompatible`", CODES["SR3021"].fix)
            elif other not in ctx.rb.credentials:
                ctx.unknown(other, item, path + ("incompatible", i))
        for key in ("supersedes", "equivalent"):
            for i, other in enumerate(getattr(info, key)):
                if other == cid and key == "equivalent":
                    ctx.report.error(
                        item, path + (key, i), "SR2004", f"`{cid}` names itself in `equivalent`", "name the other credential it stands for, or remove the entry"
                    )
                elif other not in ctx.rb.credentials:
                    # the nearest id is often this entry itself (ICTICT451 for ICTICT418): never suggest that
                    near = suggestion(other, ctx.known_ids() - {cid})
                    older = "list the older credential in its catalogue too, as an entry of its own (a `note` can say what replaced it)"
                    ctx.unknown(other, item, path + (key, i), help_=f"{older}; or {near}" if near else older)
                elif key == "supersedes":
                    ctx.supersede.add_edge(cid, other)
        for i, name in enumerate(info.offered):
            dated = ctx.rb.dated_terms.get(name)
            if dated is not None:
                # plans repeat offering periods (S1, S2, S1, ...): a dated term happens once, and would be repeated
                ctx.report.error(
                    item,
                    path + ("offered", i),
                    "SR2004",
                    f"`{name}` is a dated term of the calendar of `{dated}`: `offered` names the periods that repeat, which plans cycle through",
                    "name the period (e.g. `S1` for `2026-S1`), as every year's offering",
                )
        entry = _entry(item, path)
        if entry is not None and entry.repeatable is not None and entry.repeatable.max_credits is not None:
            # a bound in an unknown system would be read as no bound at all (the credential then counts once)
            ctx.quantity(entry.repeatable.max_credits, item, path + ("repeatable", "max_credits"))
        if info.prerequisites is not None:
            for n, p in iter_nodes(info.prerequisites, path + ("prerequisites",)):
                ctx.node_basics(n, p, item, None)
                if n.credential is not None and n.credential in ctx.rb.credentials:
                    ctx.prereq.add_edge(cid, n.credential)


_DATED = re.compile(r"\d{4}[-_.]")


def check_offerings(ctx: Context) -> None:
    """SR4006: an `offered` period that looks like a slip. Plans cycle through every period a catalogue names (S1, S2,
    repeating), so one credential's `Sem1` beside everyone's `S1`, or a dated `2026-S1` where no `terms:` calendar
    makes it an error (SR2004), adds an empty period to every plan."""
    uses: dict[str, dict[str, int]] = {}  # provider -> period -> how many credentials name it
    for cid, info in ctx.rb.credentials.items():
        for name in dict.fromkeys(info.offered):  # credentials that name it, each once
            per = uses.setdefault(cid.partition(":")[0], {})
            per[name] = per.get(name, 0) + 1
    for cid, info in sorted(ctx.rb.credentials.items()):
        per = uses.get(cid.partition(":")[0], {})
        item, path = ctx.cred_src[cid]
        for i, name in enumerate(info.offered):
            if name in ctx.rb.dated_terms:
                continue  # SR2004 above
            common = [p for p, n in per.items() if p != name and n >= 3 * per[name] and n >= 3]
            near = did_you_mean(name, common)
            if per[name] <= 2 and near:
                said = f"`{name}` is offered by {per[name]} credential{'s' if per[name] > 1 else ''} of this catalogue, and `{near[0]}` by {per[near[0]]}"
                help_ = f"did you mean `{near[0]}`? (a plan cycles through every period named: one stray name lengthens every plan)"
            elif _DATED.match(name):
                said = f"`{name}` looks like a dated term, and `offered` names the periods that repeat (no `terms:` calendar says which it is)"
                help_ = "name the period, as every year's offering (e.g. `S1` for `2026-S1`)"
            else:
                continue
            ctx.report.diags.append(item.smap.diag(path + ("offered", i), "SR4006", said, help_))


def check_prerequisite_cycles(ctx: Context) -> None:
    for cycle in _cycles(ctx.prereq):
        item, path = ctx.cred_src[cycle[0]]
        ctx.report.error(
            item,
            path + ("prerequisites",),
            "SR3008",
            "prerequisites form a cycle: " + " -> ".join(cycle + [cycle[0]]),
            "remove one prerequisite of the cycle",
        )


def check_supersedes_cycles(ctx: Context) -> None:
    for cycle in _cycles(ctx.supersede):
        item, path = ctx.cred_src[cycle[0]]
        ctx.report.error(
            item,
            path + ("supersedes",),
            "SR3008",
            "`supersedes` forms a cycle: " + " -> ".join(cycle + [cycle[0]]),
            "a credential supersedes only older ones: remove one link of the cycle (use `equivalent` for two that count as each other)",
        )


def check_qualification_trees(ctx: Context) -> None:
    for _qid, versions in sorted(ctx.rb.qualifications.items()):
        for v in versions:
            ctx.qualification(v)


MAX_TREE = 64  # levels of requirement nodes a decided tree may have: `ref` blocks and nested qualifications replaced


def check_nesting_cycles(ctx: Context) -> None:
    cycles = _cycles(ctx.nest)
    for cycle in cycles:
        v = ctx.rb.qualifications[cycle[0]][0]
        ctx.report.error(
            v.origin,
            v.base_path + ("requires",),
            "SR3008",
            "qualifications nest in a cycle: " + " -> ".join(cycle + [cycle[0]]),
            "remove one `qualification:` node of the cycle",
        )
    if cycles:
        return
    # the tree a target is decided on holds its nested qualifications' trees: at most MAX_TREE levels in all (an upper
    # bound: each tree's own depth plus the deepest tree nested anywhere in it)
    import networkx as nx

    total: dict[str, int] = {}
    for qid in reversed(list(nx.topological_sort(ctx.nest))):
        total[qid] = ctx.depths.get(qid, 0) + max((total[c] for c in ctx.nest.successors(qid)), default=0)
    for qid, levels in sorted(total.items()):
        if levels > MAX_TREE and ctx.depths.get(qid, 0) <= MAX_TREE and qid in ctx.rb.qualifications:
            v = ctx.rb.qualifications[qid][0]
            ctx.report.error(
                v.origin,
                v.base_path + ("requires",),
                "SR1008",
                f"`{qid}` nests qualifications more than {MAX_TREE} levels deep in all (their trees inside its own)",
                "nest fewer qualifications inside one another: a qualification may list the requirements of another instead",
            )


def check_credit_rules(ctx: Context) -> None:
    for rule in ctx.rb.rules:
        ctx.rule(rule)


def check_learners(ctx: Context) -> None:
    for item in ctx.rb.documents:
        if isinstance(item.doc, LearnerDoc):
            check_learner(ctx.rb, item, ctx.report)


PASSES: tuple[Pass, ...] = (
    Pass("credentials", check_credentials),
    Pass("prerequisite-cycles", check_prerequisite_cycles),
    Pass("supersedes-cycles", check_supersedes_cycles),
    Pass("qualification-trees", check_qualification_trees),
    Pass("nesting-cycles", check_nesting_cycles),
    Pass("credit-rules", check_credit_rules),
    Pass("offerings", check_offerings),
    Pass("learners", check_learners),
)


def run_passes(ix: Indexed, passes: tuple[Pass, ...] = PASSES) -> None:
    """Run ``passes`` in order over the index; each reports into ``ix.report``."""
    ctx = Context.of(ix)
    for p in passes:
        p.run(ctx)


def _has_key(item: Loaded, path: Path, key: str) -> bool:
    return path + (key,) in item.smap.values


def _val(x: object) -> Fraction:
    if isinstance(x, Quantity):
        return x.value
    assert isinstance(x, int | Fraction)
    return Fraction(x)


def _cycles(g: nx.DiGraph) -> list[list[str]]:
    import networkx as nx

    out = []
    for comp in nx.strongly_connected_components(g):
        nodes = sorted(comp)
        if len(nodes) > 1 or g.has_edge(nodes[0], nodes[0]):
            sub = g.subgraph(nodes)
            cyc = nx.find_cycle(sub, source=nodes[0])
            out.append([str(a) for a, _ in cyc])
    return sorted(out)


def _qual_matches(rb: RuleBase, f: Filter, qid: str) -> bool:
    return qid in rb.qualifications and Matcher(rb).match(f, version_attrs(rb.qualifications[qid][-1]))


def _empty_range(f: Filter) -> str | None:
    """A numeric attribute whose bounds in ``f``'s own terms leave nothing between them (`number: {gte: 4000, lt: 3000}`),
    said as help; None when there is none."""
    bounds: dict[str, list[tuple[str, Fraction]]] = {}
    for t in f.terms:
        if t.op in ("gte", "gt", "lte", "lt", "eq") and isinstance(t.value, int | Fraction) and not isinstance(t.value, bool):
            bounds.setdefault(t.attr, []).append((t.op, Fraction(t.value)))
    for attr, said in sorted(bounds.items()):
        low = max(((v, op == "gt") for op, v in said if op in ("gte", "gt", "eq")), default=None)
        high = min(((v, op == "lt") for op, v in said if op in ("lte", "lt", "eq")), default=None)
        if low is None or high is None:
            continue
        if low[0] > high[0] or (low[0] == high[0] and (low[1] or high[1])):
            words = " and ".join(
                f"{ {'gte': 'at least', 'gt': 'more than', 'lte': 'at most', 'lt': 'less than', 'eq': 'exactly'}[op] } {fmt(v)}" for op, v in said
            )
            return f"its `{attr}` must be {words}: no value is, so the range is empty (are the bounds swapped?)"
    return None
