"""The audit as an integer program: a :class:`~stackrules.decide.problem.Problem` as rows over exact integers.

Variables: a claim per (item, leaf) the filters allow, a use per item, a
"met" per node, one per rule application (and its source claims). Claims,
node logic, pools, limits, caps and the total are linear constraints over
exact integers (credit scaled to a common denominator). The objective is
docs/language.md section 16's reported choice in order: least ``remaining``; for
an audit that is not met, most progress (:meth:`AuditModel.add_progress`:
the most nodes the learner's own claims meet, then the most achieved towards
each node's need); least credit claimed from pending holdings; least
granted credit; least total credit; fewest rule applications; then the
engine's documented ties (docs/language.md). ``milp.py`` wraps HiGHS.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from ..compile.tree import CLimit, CNode
from ..errors import RequestError
from . import semantics
from .choice import Choice
from .conditions import keep_false
from .problem import Problem

if TYPE_CHECKING:
    from .milp import Model


def _new_model() -> Model:
    # HiGHS and NumPy load on the first model: an audit the fast path decides never needs them
    from .milp import Model

    return Model()


EXACT_RANGE = 10**7  # the largest credit figure, scaled to integers, that the solver decides exactly


def _within_exact_range(figures: list[Fraction], scale: int) -> None:
    """Refuse credit figures the solver cannot tell apart exactly, rather than risk a wrong answer.

    Credit is scaled to integers by the least common denominator. HiGHS works in floating point
    with tolerances; on integers up to 10**7 a difference of one unit is never lost, but figures
    like 11.9999999 next to 12 (scale 10**7) or credits of 10**8 were seen to give a wrong
    "no completion" or a decision the checker refused.
    """
    top = max((abs(v) for v in figures), default=Fraction(0)) * scale
    if top > EXACT_RANGE:
        fine = sorted({v for v in figures if v.denominator > 1000}, key=lambda v: v.denominator)[:3]
        why = f"figures such as {', '.join(str(float(v)) for v in fine)} need a scale of {scale}" if fine else f"a figure of {float(top / scale):g} credits"
        raise RequestError(
            "SR5003",
            f"the credit figures of this decision are too fine or too large to decide exactly ({why})",
            "round credits to at most 3 decimals, or use a credit system with smaller numbers",
        )


def _scale_of(p: Problem) -> int:
    """The problem's common denominator of credit, checked to be within the exact range; found once per set of items.

    Items are only ever appended to a problem (the catalogue, once) and keep their credit, so the count of items
    says whether the figures changed since the scale was found."""
    if p.scale_memo is not None and p.scale_memo[0] == len(p.items):
        return p.scale_memo[1]
    figures = (
        [it.credits for it in p.items]
        + [n.credits for n in p.nodes if n.credits]
        + [lim.bound for n in p.top.walk() for lim in n.limits]
        + [p.top.min_total or Fraction(0)]
    )
    scale = _lcm(figures)
    _within_exact_range(figures, scale)
    p.scale_memo = (len(p.items), scale)
    return scale


def _lcm(values: list[Fraction]) -> int:
    d = 1
    for v in values:
        d = d * v.denominator // math.gcd(d, v.denominator)
    return d


@dataclass
class AuditModel:
    """The audit's integer program over a :class:`~stackrules.decide.problem.Problem`.

    ``build`` adds the variables and rows, ``objectives`` gives section 11's
    levels, ``read`` turns a solution into a :class:`Choice`. A plan builds
    the same model and adds its own rows and levels through ``milp`` (the
    HiGHS wrapper) and the variable tables: ``x`` claims, ``s`` source
    claims, ``u`` uses, ``met`` nodes, ``a`` rule applications.
    """

    p: Problem
    milp: Model = field(default_factory=_new_model)
    x: dict[tuple[int, int], int] = field(default_factory=dict)  # (item, leaf) -> var
    s: dict[tuple[int, int], int] = field(default_factory=dict)  # (item, from-leaf) -> var
    u: dict[int, int] = field(default_factory=dict)  # item -> var
    met: dict[int, int] = field(default_factory=dict)  # node -> var
    a: dict[int, int] = field(default_factory=dict)  # app -> var
    eligible: dict[int, list[int]] = field(default_factory=dict)  # leaf -> items this model may claim
    sharing: semantics.Sharing = field(default_factory=dict)  # leaf pairs that may claim one item (and which credentials)
    cred: list[float] = field(default_factory=list)  # each item's credit, scaled to an integer
    scale: int = 1
    _scaled: dict[Fraction, float] = field(default_factory=dict)  # c(): each credit figure scaled once (scale is set once, by build)
    completion: bool = False  # the model being built must complete the target (additions may come in)
    additions: bool = False  # catalogue credentials may be added (this model completes the target)
    own_met: dict[int, int] = field(default_factory=dict)  # node -> var: met by the learner's own claims (add_progress)
    achieved: dict[int, tuple[int, bool]] = field(default_factory=dict)  # node -> (var, in credit): own progress towards its need
    _exempted: dict[int, list[int]] = field(default_factory=dict)  # node -> the applications that exempt it
    _usages: dict[tuple[int, bool], dict[int, dict[int, float]]] = field(default_factory=dict)
    _could: dict[int, bool] = field(default_factory=dict)  # node -> could the learner's own items meet it
    exclude: frozenset[int] = frozenset()  # additions left out of this model (a plan proved they are never taken)
    drop: frozenset[tuple[int, int]] = frozenset()  # (item, leaf) claims of additions left out (decide/dominance.py)
    # (node, limit number) rows left out, -1 for the node's credit total: a question asked of the rules (would the
    # node be completed without this limit?), never a decision (decide/solve.py, completes_alone)
    skip: frozenset[tuple[int, int]] = frozenset()
    # a plan model with terms (decide/schedule.py): how many terms. A distinct-terms limit then counts the plan's
    # terms in which it claims an addition, instead of one stand-in term per addition
    horizon: int | None = None
    # (variable, added item, term): the variable is at most 1 only if the item is taken in that term (the schedule's row)
    term_links: list[tuple[int, int, int]] = field(default_factory=list)

    def c(self, value: Fraction) -> float:
        got = self._scaled.get(value)
        if got is None:
            v = value * self.scale
            got = self._scaled[value] = float(v.numerator) if v.denominator == 1 else float(v)
        return got

    def build(self, completion: bool, additions: bool = True) -> None:
        self.completion = completion
        """``completion``: the target must be met; ``additions``: catalogue credentials may be added."""
        p, m = self.p, self.milp
        use_additions = self.additions = completion and additions
        out = self.exclude
        drop = self.drop
        self.eligible = {
            leaf: [i for i in lst if p.items[i].origin != "addition" or (use_additions and i not in out and (i, leaf) not in drop)]
            for leaf, lst in p.eligible.items()
        }
        self.scale = _scale_of(p)
        self._scaled.clear()
        items = p.items
        self.cred = [self.c(it.credits) for it in items]
        for it in items:
            if it.origin == "addition" and (not use_additions or it.index in out):
                continue
            self.u[it.index] = m.var(f"use[{it.key}]", 0, float(it.multiplicity))
        for app in p.apps:
            self.a[app.index] = m.var(f"app[{app.rule.id}:{app.number}]")
        numbered = {(app.rule.id, app.number): app.index for app in p.apps}
        for app in p.apps:
            if app.number > 1 and app.source is None:
                # a rule's applications are alike: the k-th is used only when the one before it is
                m.row({self.a[app.index]: 1, self.a[numbered[(app.rule.id, app.number - 1)]]: -1}, hi=0)
            for g in app.grants:
                m.row({self.u[g]: 1, self.a[app.index]: -1}, hi=0)
        exempted = self._exempted
        for app in p.apps:
            for n in app.exempt:
                exempted.setdefault(n, []).append(self.a[app.index])
        # claims
        for leaf in p.top.leaves():
            for i in self.eligible.get(leaf.index, []):
                self.x[(i, leaf.index)] = m.var(f"x[{items[i].key},{leaf.path}]", 0, float(items[i].multiplicity))
        by_item: dict[int, list[int]] = {}
        for i, leaf_index in self.x:
            by_item.setdefault(i, []).append(leaf_index)
        sharing = self.sharing = semantics.sharing_pairs(p.top)
        for it in items:
            if it.index not in self.u:
                continue
            leaves = by_item.get(it.index, [])
            if not sharing:
                row = {self.x[(it.index, lf)]: 1.0 for lf in leaves}
                row[self.u[it.index]] = -1.0
                if it.origin == "addition":
                    # an added credential may be taken without being claimed (a prerequisite, a source):
                    # `u` is what is taken, and claims never exceed it
                    m.row(row, hi=0)
                else:
                    m.row(row, lo=0, hi=0)
            else:
                for lf in leaves:
                    m.row({self.x[(it.index, lf)]: 1, self.u[it.index]: -1}, hi=0)
                if it.origin != "addition":
                    # a holding counted is claimed by at least one leaf; an added credential may be taken without
                    # being claimed (a prerequisite, a credit rule's source), as without sharing above
                    row = {self.x[(it.index, lf)]: 1.0 for lf in leaves}
                    row[self.u[it.index]] = -1.0
                    m.row(row, lo=0)
                for k, l1 in enumerate(leaves):
                    for l2 in leaves[k + 1 :]:
                        if not semantics.may_share(p.rb, sharing, l1, l2, it.credential):
                            m.row({self.x[(it.index, l1)]: 1, self.x[(it.index, l2)]: 1, self.u[it.index]: -1}, hi=0)
        # sources: a holding feeds one application, and is then not claimed directly
        for app in p.apps:
            for leaf in app.root.leaves():
                for i in p.source_eligible.get(leaf.index, []):
                    self.s[(i, leaf.index)] = m.var(f"src[{items[i].key},{leaf.path}]")
        src_by_item: dict[int, list[int]] = {}
        for (i, _), j in self.s.items():
            src_by_item.setdefault(i, []).append(j)
        for i, js in src_by_item.items():
            row = dict.fromkeys(js, 1.0)
            if p.items[i].origin == "addition":
                # study to be taken feeds at most one application, and only if it is added
                if i in self.u:
                    row[self.u[i]] = -1.0
                    m.row(row, hi=0)
                else:
                    for j in js:
                        m.fix(j, 0.0)
            else:
                # a holding feeds at most one application, and is then not claimed directly
                row[self.u[i]] = 1.0
                m.row(row, hi=1)
        self._incompatible_rows()
        for group in p.same_credential:
            # a holding that feeds a credit rule counts as much as one claimed (its repeat earns credit); an addition
            # feeds only when taken, which `u` already counts
            present = {self.u[i]: 1.0 for i in group if i in self.u}
            for i in group:
                if p.items[i].origin != "addition":
                    present.update(dict.fromkeys(src_by_item.get(i, []), 1.0))
            if len(present) > 1:
                m.row(present, hi=float(semantics.repeat_bound(p.rb, p.items[group[0]].credential)))
        # node logic
        self._node(p.top, exempted, direct=True)
        for app in p.apps:
            self._node(app.root, {}, direct=False)
            m.row({self.a[app.index]: 1, self.met[app.root.index]: -1}, hi=0)
            for leaf in app.root.leaves():
                cands = p.source_eligible.get(leaf.index, [])
                if cands:
                    row = {self.s[(i, leaf.index)]: 1.0 for i in cands}
                    # a pool of `count: N` takes N sources and no more (as a credential leaf takes one): a source
                    # beyond them would be said to earn this application's credit while it earns nothing
                    takes = leaf.count if leaf.kind == "pool" and leaf.count is not None and leaf.credits is None else len(cands)
                    row[self.a[app.index]] = -float(min(len(cands), takes))
                    m.row(row, hi=0)
        # exempt nodes claim nothing (those in the tree modelled: one node's subtree alone, decide/solve.py's
        # completes_alone, leaves the others out)
        inside = {n.index for n in p.top.walk()} if exempted and p.top.parent is not None else None
        for node_index, avars in exempted.items():
            if inside is not None and node_index not in inside:
                continue
            node = p.nodes[node_index]
            for leaf in node.leaves():
                xs = [self.x[(i, leaf.index)] for i in self.eligible.get(leaf.index, [])]
                if xs:
                    big = float(sum(p.items[i].multiplicity for i in self.eligible[leaf.index]))
                    for av in avars:
                        row = {xv: 1.0 for xv in xs}
                        row[av] = big
                        m.row(row, hi=big)
        if completion:
            m.fix(self.met[p.top.index], 1.0)
        if use_additions and p.unflipped:
            # a completion leaves every `holds` condition as it stands (decide/conditions.py)
            held = [hv for hv in p.holdings if hv.counts]
            added = [(it, self.u[it.index], m.ub[self.u[it.index]]) for it in items if it.origin == "addition" and it.index in self.u]
            for _, tree, _ in p.unflipped:
                keep_false(m, p.rb, tree, held, added, p.facts, p.as_of)

    def _incompatible_rows(self) -> None:
        """`incompatible`: two items that may not both count (docs/language.md).

        An item counts where it is claimed, and where it feeds a credit rule's application, unless that application
        grants the other item's credential (micro-credentials stacking into credit for the very unit they overlap do
        not count twice). Two pieces of study to be added are never both taken (the plan checker says so too), and
        study to be added is taken at all only apart from an incompatible holding that counts, except where it only
        feeds the application that grants that holding's credential.
        """
        p, m = self.p, self.milp
        direct: dict[int, list[int]] = {}
        for (i, _), xv in self.x.items():
            direct.setdefault(i, []).append(xv)
        app_of = {leaf.index: app.index for app in p.apps for leaf in app.root.leaves()}
        fed: dict[int, list[tuple[int, int]]] = {}  # item -> (its source-claim variable, the application it feeds)
        for (i, leaf), sv in self.s.items():
            fed.setdefault(i, []).append((sv, app_of[leaf]))

        def counts(k: int, other: int) -> dict[int, float]:
            granting = p.items[other].credential
            row = dict.fromkeys(direct.get(k, []), 1.0)
            for sv, a in fed.get(k, []):
                if granting not in {p.items[g].credential for g in p.apps[a].grants}:
                    row[sv] = row.get(sv, 0.0) + 1.0
            return row

        # Without sharing an item's claims and feeds add up to at most 1, so their sum says whether it counts. With
        # `shares_with` a credential claimed by two nodes sums to 2 while it counts once: each way it counts is then
        # set against each way the other does, one row a pair (a holding claimed by both sharing nodes had been kept
        # from counting at all beside an incompatible credential nobody took)
        shared = bool(self.sharing)

        def at_most_one(base: dict[int, float], ways: dict[int, float], other: dict[int, float]) -> None:
            """``base`` plus what one side counts by (``ways``) plus what the other does, at most 1."""
            if not shared:
                row = dict(base)
                for part in (ways, other):
                    for var, c in part.items():
                        row[var] = row.get(var, 0.0) + c
                m.row(row, hi=1)
                return
            firsts: list[dict[int, float]] = [{var: c} for var, c in ways.items()] if ways else ([{}] if base else [])
            for first, (var, c) in itertools.product(firsts, other.items()):
                row = dict(base)
                for v, k in (*first.items(), (var, c)):
                    row[v] = row.get(v, 0.0) + k
                m.row(row, hi=1)

        for i, j in p.incompatible:
            if i not in self.u or j not in self.u:
                continue
            kinds = (p.items[i].origin == "addition", p.items[j].origin == "addition")
            if all(kinds):
                m.row({self.u[i]: 1.0, self.u[j]: 1.0}, hi=1)  # never both taken
                continue
            at_most_one({}, counts(i, j), counts(j, i))
            for add, held in ((i, j), (j, i)):
                if p.items[add].origin == "addition" and p.items[held].origin != "grant":
                    # taken beside a holding that counts only where it feeds the rule granting that holding's credential
                    only = {sv for sv, a in fed.get(add, []) if p.items[held].credential in {p.items[g].credential for g in p.apps[a].grants}}
                    at_most_one({self.u[add]: 1.0, **{sv: -1.0 for sv in only}}, {}, counts(held, add))

    def add_progress(self) -> None:
        """Section 16's "most progress" for an audit that is not met: what the learner's own claims achieve.

        ``own_met`` holds, for every node of the target (leaves included), a
        variable that may be 1 only when the learner's own claims (holdings
        and granted credit, no catalogue addition) meet it; ``achieved``, for
        each pool and each node with a credit total, the credit (or count) of
        own claims towards its need, up to the need. Without additions in the
        model every claim is the learner's own and ``own_met`` is ``met``.
        :meth:`objectives` then maximises both after ``remaining``.

        In a completion model, nodes met count only on the completion's path: a node under a branch of an `any`
        or `at_least` that the completion leaves unmet is not counted as met (:meth:`_on_path`), so the learner's
        own study is placed where the cheapest completion uses it (a minor the held units meet), not parked in a
        major the audit does not choose (where its core and each named leaf would count as met).
        """
        self._own(self.p.top)
        if self.completion and self.additions:
            self._on_path(self.p.top, ())

    def _on_path(self, n: CNode, guards: tuple[int, ...]) -> None:
        """Rows: ``n`` counts as met by the learner's own study only when every branch above it (``guards``: their
        ``met``) is met by the completion. (A pool's credit there still counts towards "most achieved": guarding it
        too made one 60-requirement audit's root solve go from 80 to 440 ms, and the claims-in-alternatives level moves such claims out of
        an alternative not taken when nothing else differs.)"""
        m = self.milp
        own = self.own_met.get(n.index)
        for g in guards:
            if own is not None and own != g and m.ub[own] > 0:
                m.row({own: 1.0, g: -1.0}, hi=0)
        if n.index in self.p.waived or n.index not in self.met:
            return
        for c in n.children:
            if n.kind != "all" and c.index in self.met:
                self._on_path(c, (*guards, self.met[c.index]))
            else:
                self._on_path(c, guards)

    def progress_is_fixed(self) -> bool:
        """After :meth:`add_progress`: no choice can make progress (nothing the learner holds counts anywhere)."""
        m = self.milp
        return not self.achieved and all(m.lb[v] == m.ub[v] for v in self.own_met.values())

    def _own(self, n: CNode) -> int:
        p, m = self.p, self.milp
        if n.index not in self.met:
            # inside a node this learner settles (one that does not apply, a sign-off): its subtree is not
            # modelled and the learner's own claims meet nothing in it, a waived node or a sign-off included
            for c in n.children:
                self._own(c)
            om = self.own_met[n.index] = m.var(f"own-met[{n.path}]")
            m.fix(om, 0.0)
            return om
        if n.index in p.waived:
            self.own_met[n.index] = self.met[n.index]  # met as waived; its subtree is not modelled
            return self.met[n.index]
        for c in n.children:
            self._own(c)
        own_leaf = [(i, self.x[(i, n.index)]) for i in self.eligible.get(n.index, []) if p.items[i].origin != "addition"] if not n.children else []
        # achieved towards the node's need: a pool's own credit (or count), a credit total's own credit, up to the need
        if n.kind == "pool" and own_leaf and (n.credits or n.count):
            amount = self.c(n.credits) if n.credits is not None else float(n.count or 0)
            ach = m.var(f"achieved[{n.path}]", 0, amount, integer=False)
            m.row({ach: 1.0, **{xv: -(min(self.cred[i], amount) if n.credits is not None else 1.0) for i, xv in own_leaf}}, hi=0)
            self.achieved[n.index] = (ach, n.credits is not None)
        own_credit = self._own_credit(n, self.c(n.min_total)) if n.min_total else {}
        if own_credit and n.min_total:
            ach = m.var(f"achieved-total[{n.path}]", 0, self.c(n.min_total), integer=False)
            m.row({ach: 1.0, **{k: -v for k, v in own_credit.items()}}, hi=0)
            self.achieved[n.index] = (ach, True)
        if not self.additions:
            self.own_met[n.index] = self.met[n.index]
            return self.met[n.index]
        om = self.own_met[n.index] = m.var(f"own-met[{n.path}]")
        if not self._could_own(n):
            m.fix(om, 0.0)  # the learner's own items cannot meet it whatever they claim: nothing to branch on
            return om
        m.row({om: 1.0, self.met[n.index]: -1.0}, hi=0)
        need = {om: 1.0}
        for av in self._exempted.get(n.index, []):
            need[av] = need.get(av, 0.0) - 1.0
        neg = {k: -v for k, v in need.items()}
        if n.kind == "credential":
            m.row({**{xv: 1.0 for _, xv in own_leaf}, **neg}, lo=0)
        elif n.kind == "pool":
            amount = self.c(n.credits) if n.credits is not None else float(n.count or 0)
            terms = {xv: (min(self.cred[i], amount) if n.credits is not None else 1.0) for i, xv in own_leaf}
            m.row({**terms, **{k: amount * v for k, v in neg.items()}}, lo=0)
        elif n.kind == "competencies":
            for comp in n.competencies:
                m.row({**{xv: 1.0 for i, xv in own_leaf if comp in p.items[i].attrs.competencies}, **neg}, lo=0)
        elif n.kind == "all":
            for c in n.children:
                m.row({**need, self.own_met[c.index]: -1.0}, hi=0)
        else:
            k = semantics.threshold(n)
            row = {self.own_met[c.index]: -1.0 for c in n.children}
            for key, val in need.items():
                row[key] = row.get(key, 0.0) + k * val
            m.row(row, hi=0)
        if n.min_total is not None:
            m.row({**self._own_credit(n, self.c(n.min_total)), **{k: self.c(n.min_total) * v for k, v in neg.items()}}, lo=0)
        for lim in n.limits:
            if not lim.is_max:
                usage = {i: expr for i, expr in self._usage(n, True).items() if p.items[i].origin != "addition"}
                self._limit(n, lim, usage, need)
        return om

    def _could_own(self, n: CNode) -> bool:
        """Whether the learner's own items could meet ``n`` at all (claims may overlap: an upper bound)."""
        if n.index not in self._could:
            self._could[n.index] = self._could_own_now(n)
        return self._could[n.index]

    def _could_own_now(self, n: CNode) -> bool:
        p = self.p
        if n.index in p.waived or n.index in self._exempted:
            return True
        if n.children:
            ok = [self._could_own(c) for c in n.children]
            if not (all(ok) if n.kind == "all" else sum(ok) >= semantics.threshold(n)):
                return False
        else:
            own = [i for i in self.eligible.get(n.index, []) if p.items[i].origin != "addition"]
            if n.kind == "credential" and not own:
                return False
            if n.kind == "pool":
                got = (
                    sum((p.items[i].credits * p.items[i].multiplicity for i in own), Fraction(0))
                    if n.credits is not None
                    else sum(p.items[i].multiplicity for i in own)
                )
                if got < (n.credits if n.credits is not None else (n.count or 0)):
                    return False
            if n.kind == "competencies" and any(not any(comp in p.items[i].attrs.competencies for i in own) for comp in n.competencies):
                return False
        if n.min_total is not None:
            items = {i for leaf in n.leaves() for i in self.eligible.get(leaf.index, []) if p.items[i].origin != "addition"}
            if sum((p.items[i].credits * p.items[i].multiplicity for i in items), Fraction(0)) < n.min_total:
                return False
        return True

    def _own_credit(self, n: CNode, cap: float) -> dict[int, float]:
        """The credit of the learner's own items ``n``'s subtree uses, as a linear expression, each item's
        counted up to ``cap`` (the need it is compared with: see :meth:`_node`)."""
        row: dict[int, float] = {}
        for i, expr in self._usage(n, True).items():
            if self.p.items[i].origin != "addition":
                for var, coef in expr.items():
                    row[var] = row.get(var, 0.0) + coef * min(self.cred[i], cap)
        return row

    def _claims_in(self, n: CNode, direct: bool) -> dict[int, list[tuple[int, int]]]:
        """Item -> (leaf, claim variable) inside ``n``'s subtree."""
        out: dict[int, list[tuple[int, int]]] = {}
        elig = self.eligible if direct else self.p.source_eligible
        table = self.x if direct else self.s
        for leaf in n.leaves():
            for i in elig.get(leaf.index, []):
                out.setdefault(i, []).append((leaf.index, table[(i, leaf.index)]))
        return out

    def _usage(self, n: CNode, direct: bool) -> dict[int, dict[int, float]]:
        """Item -> a linear expression for how many copies the subtree uses.

        Without `shares_with` every claim is a distinct copy (a merged group of
        catalogue additions may be claimed by several leaves), so the claims add
        up; where two leaves share, an item they both claim counts once.
        """
        if (n.index, direct) in self._usages:
            return self._usages[(n.index, direct)]
        out: dict[int, dict[int, float]] = self._usages.setdefault((n.index, direct), {})
        for i, claims in self._claims_in(n, direct).items():
            leaves = [leaf for leaf, _ in claims]
            vars_ = [v for _, v in claims]
            cred = self.p.items[i].credential
            shared = (
                bool(self.sharing)
                and len(leaves) > 1
                and any(semantics.may_share(self.p.rb, self.sharing, a, b, cred) for k, a in enumerate(leaves) for b in leaves[k + 1 :])
            )
            if not shared:
                out[i] = dict.fromkeys(vars_, 1.0)
            else:
                # with sharing a subtree may claim an item twice; count it once
                w = self.milp.var(f"in[{self.p.items[i].key},{n.path}]", 0, float(self.p.items[i].multiplicity))
                for xv in vars_:
                    self.milp.row({w: 1, xv: -1}, lo=0)
                row = {xv: 1.0 for xv in vars_}
                row[w] = -1.0
                self.milp.row(row, lo=0)
                out[i] = {w: 1.0}
        return out

    def _node(self, n: CNode, exempted: dict[int, list[int]], direct: bool) -> None:
        p, m = self.p, self.milp
        mv = self.met[n.index] = m.var(f"met[{n.path}]")
        # `need` is met minus any exemption: what the node's own logic must support
        need = {mv: 1.0}
        for av in exempted.get(n.index, []):
            need[av] = need.get(av, 0.0) - 1.0
        if n.index in p.waived:
            m.fix(mv, 1.0)
            return
        if direct and n.index in p.settled:
            # not applicable to this learner, or a sign-off: its state is the learner's, not the claims'
            m.fix(mv, 1.0 if p.settled[n.index][1 if self.completion else 0] else 0.0)
            return
        elig = self.eligible if direct else p.source_eligible
        table = self.x if direct else self.s
        if n.kind == "credential":
            xs = {table[(i, n.index)]: 1.0 for i in elig.get(n.index, [])}
            m.row({**xs, **{k: -v for k, v in need.items()}}, lo=0)
            if xs:
                m.row(xs, hi=1)
        elif n.kind == "pool":
            amount = self.c(n.credits) if n.credits is not None else float(n.count or 0)
            # an item counts up to the pool's need (its own credit beyond it meets nothing more): the same integer
            # points, and a tighter relaxation (HiGHS's presolve runs light or not at all on audit models)
            xs_c: dict[int, float] = {}
            for i in elig.get(n.index, []):
                xs_c[table[(i, n.index)]] = min(self.cred[i], amount) if n.credits is not None else 1.0
            m.row({**xs_c, **{k: -amount * v for k, v in need.items()}}, lo=0)
        elif n.kind == "competencies":
            for comp in n.competencies:
                xs = {table[(i, n.index)]: 1.0 for i in elig.get(n.index, []) if comp in p.items[i].attrs.competencies}
                m.row({**xs, **{k: -v for k, v in need.items()}}, lo=0)
        else:
            kids = n.children
            if n.kind == "all":
                for c in kids:
                    m.row({**need, self.met_of(c, exempted, direct): -1.0}, hi=0)
            else:
                k = semantics.threshold(n)
                row = {self.met_of(c, exempted, direct): -1.0 for c in kids}
                for key, val in need.items():
                    row[key] = row.get(key, 0.0) + k * val
                m.row(row, hi=0)
        if n.min_total is not None or n.limits:
            usage = self._usage(n, direct)
            if n.min_total is not None and (n.index, -1) not in self.skip:
                row = {}
                total_need = self.c(n.min_total)
                for i, expr in usage.items():
                    for var, coef in expr.items():
                        row[var] = row.get(var, 0.0) + coef * min(self.cred[i], total_need)
                for key, val in need.items():
                    row[key] = row.get(key, 0.0) - self.c(n.min_total) * val
                m.row(row, lo=0)
            for number, lim in enumerate(n.limits):
                if (n.index, number) not in self.skip:
                    self._limit(n, lim, usage, need)

    def met_of(self, c: CNode, exempted: dict[int, list[int]], direct: bool) -> int:
        if c.index not in self.met:
            self._node(c, exempted, direct)
        return self.met[c.index]

    def _limit(self, n: CNode, lim: CLimit, usage: dict[int, dict[int, float]], need: dict[int, float]) -> None:
        p, m = self.p, self.milp
        number = next(k for k, other in enumerate(n.limits) if other is lim)
        members = [i for i in usage if p.in_limit(n, number, i)]
        row: dict[int, float] = {}
        if lim.kind in ("max_credits", "min_credits", "max_count", "min_count"):
            bound = self.c(lim.bound) if lim.kind.endswith("credits") else float(lim.bound)
            for i in members:
                # towards a minimum (need at most 1), an item counts up to the bound: the same integer points,
                # a tighter relaxation (see _node). A maximum counts every credit
                w = (self.cred[i] if lim.is_max else min(self.cred[i], bound)) if lim.kind.endswith("credits") else 1.0
                for var, coef in usage[i].items():
                    row[var] = row.get(var, 0.0) + coef * w
            if lim.is_max:
                m.row(row, hi=bound)
            else:
                for key, val in need.items():
                    row[key] = row.get(key, 0.0) - bound * val
                m.row(row, lo=0)
        elif lim.kind == "min_gpa":
            big = 0.0
            for i in members:
                pts = p.items[i].points
                if pts is None:
                    continue
                coef_v = self.c(p.items[i].credits * (pts - lim.bound))
                big += abs(coef_v) * p.items[i].multiplicity
                for var, coef in usage[i].items():
                    row[var] = row.get(var, 0.0) + coef * coef_v
            for key, val in need.items():
                row[key] = row.get(key, 0.0) - big * val
            m.row(row, lo=-big)
        elif lim.kind == "min_distinct":
            # each value (or plan term) has a column in [0, 1] no larger than the claims that carry it. The columns
            # are continuous: with whole claims a value's column can reach 1 exactly when something of it is
            # claimed, so the claims that meet the limit are the same as with binaries, and HiGHS has about a
            # hundred fewer integers to branch and cut on in an institution's general-education core
            assert lim.of is not None
            values: dict[str, list[int]] = {}
            planned = self.horizon is not None and lim.of == "term"
            drow: dict[int, float] = {}
            if planned:
                # the model with terms: each plan term counts once when the subtree claims an addition taken then
                assert self.horizon is not None
                added = [i for i in members if p.items[i].origin == "addition"]
                members = [i for i in members if p.items[i].origin != "addition"]
                for t in range(1, self.horizon + 1) if added else ():
                    d = m.var(f"distinct[{n.path},plan term {t}]", integer=False)
                    r1: dict[int, float] = {d: 1.0}
                    for i in added:
                        # w: item i is claimed here and taken in term t (w <= its claims here; w <= taken then)
                        w = m.var(f"claimed-in[{p.items[i].key},{n.path},{t}]", 0, 1, integer=False)
                        r2: dict[int, float] = {w: 1.0}
                        for var, coef in usage[i].items():
                            r2[var] = r2.get(var, 0.0) - coef
                        m.row(r2, hi=0)
                        self.term_links.append((w, i, t))
                        r1[w] = -1.0
                    m.row(r1, hi=0)
                    drow[d] = 1.0
            for i in members:
                raw = getattr(p.items[i].attrs, lim.of)
                for raw_value in raw if isinstance(raw, tuple) else (raw,):
                    if raw_value is not None:
                        values.setdefault(str(raw_value), []).append(i)
            for value_name, its in sorted(values.items()):
                d = m.var(f"distinct[{n.path},{value_name}]", integer=False)
                r2 = {d: 1.0}
                for i in its:
                    for var, coef in usage[i].items():
                        r2[var] = r2.get(var, 0.0) - coef
                m.row(r2, hi=0)
                drow[d] = 1.0
            for key, val in need.items():
                drow[key] = drow.get(key, 0.0) - float(lim.bound) * val
            m.row(drow, lo=0)

    def objectives(self, completion: bool) -> list[dict[int, int]]:
        p = self.p
        levels: list[dict[int, int]] = []

        def credit_level(pred: object) -> dict[int, int]:
            out: dict[int, int] = {}
            for it in p.items:
                if it.index in self.u and pred(it):  # type: ignore[operator]
                    out[self.u[it.index]] = int(self.cred[it.index])  # scaled to a whole number (exact as a float)
            return out

        if completion:
            levels.append(credit_level(lambda it: it.origin == "addition"))  # least remaining
            # records carry no credit (section 17): among completions with the least credit, the fewest records added
            records = {self.u[it.index]: 1 for it in p.items if it.index in self.u and it.origin == "addition" and it.attrs.type == "record"}
            if records:
                levels.append(records)
        if self.own_met:
            levels += self.progress_levels()
        # met before met_pending (section 16): least credit claimed from pending holdings
        if any(it.pending for it in p.items):
            pending = credit_level(lambda it: it.pending)
            # study in progress or planned fed to a credit rule: the credit it earns rests on it (decide/checker.py)
            for (i, _), sv in self.s.items():
                if p.items[i].pending:
                    pending[sv] = pending.get(sv, 0) + int(self.cred[i])
            levels.append(pending)
        levels.append(credit_level(lambda it: it.origin == "grant"))
        levels.append(credit_level(lambda it: it.origin in ("holding", "grant")))
        levels.append({self.a[app.index]: 1 for app in p.apps})
        # claims inside alternatives (children of `any` / `at_least`) only where they complete one
        optional: dict[int, int] = {}
        for n in p.top.walk():
            if n.kind in ("any", "at_least"):
                for c in n.children:
                    for leaf in c.leaves():
                        for i in self.eligible.get(leaf.index, []):
                            optional[self.x[(i, leaf.index)]] = 1
        # "best fit", in the same level: the learner's own study fills the narrower pools first (those that take fewer
        # of the problem's items: a minor's subject before computing electives before free electives), so that what is
        # still needed lands on the broadest (a minor shown met by the held units it asks for, free electives short).
        # Weighed by the rank of the pool's breadth. (As a level of its own, after this one, it made the 60-requirement
        # audits' p50 10 ms slower and their slowest up to six times slower, 148 to 897 ms: audit_bench.py's learners, 2026-12-01.)
        breadth = {at: len(p.eligible.get(at, [])) for (_, at) in self.x if p.nodes[at].kind == "pool"}  # the problem's, whatever this model leaves out
        rank = {size: k for k, size in enumerate(sorted(set(breadth.values())))}
        # a claim inside an alternative weighs more than any breadth: fewest such claims first, then best fit
        optional = dict.fromkeys(optional, len(rank))
        for (i, at), x in self.x.items():
            if p.items[i].origin != "addition" and (weight := rank.get(breadth.get(at, -1), 0)) > 0:
                optional[x] = optional.get(x, 0) + weight
        levels.append(optional)
        # between equally good rule applications, the rule that sorts first by id
        rule_rank = {rid: k for k, rid in enumerate(sorted({app.rule.id for app in p.apps}))}
        levels.append({self.a[app.index]: rule_rank[app.rule.id] for app in p.apps if rule_rank[app.rule.id]})
        # a leaf that names a credential takes that credential itself before one that stands for it (`supersedes`,
        # `equivalent`): holding both OLD and NEW, each counts where it is named, not crossed
        standing_in = {
            x: 1
            for (i, leaf), x in self.x.items()
            if p.items[i].origin != "addition" and p.nodes[leaf].kind == "credential" and p.nodes[leaf].credential not in (None, p.items[i].credential)
        }
        if standing_in:
            levels.append(standing_in)
        # a repeatable credential held more often than its bound: between equally good choices the later holdings count
        later = self._later_repeats_first()
        if later:
            levels.append(later)
        # Among choices equal on every level above, HiGHS's deterministic search decides
        # (docs/language.md, "Ties"): a rank-weighted tie-break level would need a second
        # solve per audit, as its weights do not fold exactly with the levels above.
        return levels

    def _later_repeats_first(self) -> dict[int, int]:
        """For each repeatable credential held more often than its bound, a cost on using each holding: 0 for the
        latest (a completed one before a pending one, then the latest ``awarded``, then the last listed), 1 for the
        one before, and so on."""
        p = self.p
        out: dict[int, int] = {}
        for group in p.same_credential:
            held = [i for i in group if p.items[i].holding is not None and i in self.u]
            if len(held) <= semantics.repeat_bound(p.rb, p.items[group[0]].credential):
                continue

            def age(i: int) -> tuple[bool, bool, dt.date, int]:
                h = p.items[i].holding
                assert h is not None
                return (not h.pending, h.holding.awarded is not None, h.holding.awarded or dt.date.min, h.index)

            for rank, i in enumerate(sorted(held, key=age, reverse=True)):
                if rank:
                    out[self.u[i]] = rank
        return out

    def progress_levels(self) -> list[dict[int, int]]:
        """Section 16's most progress, after :meth:`add_progress`: the most nodes the learner's own claims
        meet (every node, leaves included); then the most achieved towards each node's need, credit
        before counts (a pool of credit and a pool of counts are not in one unit)."""
        return [
            {v: -1 for v in sorted(set(self.own_met.values()))},
            {v: -1 for v, in_credit in self.achieved.values() if in_credit},
            {v: -1 for v, in_credit in self.achieved.values() if not in_credit},
        ]

    def read(self, status: str, values: list[float], completion: bool) -> Choice:
        """The choice a solution's ``values`` make: claims, source claims, rule applications."""
        choice = Choice(status, completion=completion)
        for (i, leaf), j in sorted(self.x.items()):
            k = round(values[j])
            if k > 0:
                choice.claims.setdefault(leaf, []).append((i, k))
        for (i, leaf), j in sorted(self.s.items()):
            if round(values[j]) > 0:
                choice.source_claims.setdefault(leaf, []).append(i)
        choice.apps = [a for a, j in sorted(self.a.items()) if round(values[j]) > 0]
        return choice
