"""The decision problem for one (learner, target, day): items, leaves, applications.

This module gathers everything an audit chooses between, with no solver in
sight: the learner's holdings that count, the exceptions that apply, the
credit that rule applications could grant (``credit.py``), the catalogue
credentials that could be added for ``remaining`` (``catalogue.py``, when a
model asks for them), and which item may fill which leaf. ``model.py`` turns
it into an integer program; ``checker.py`` re-verifies a choice against it
independently.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from fractions import Fraction

from ..compile.target import CompiledTarget, compile_target
from ..compile.tree import CNode
from ..decisions.base import q
from ..errors import RequestError
from ..language.models import Condition, LearnerDoc, LearnerException, Requirement
from ..language.quantity import Quantity, fmt
from ..rulebase.filters import Matcher
from ..rulebase.index import QualVersion, RuleBase
from . import semantics
from .authority import RefusedReason, exception_refusal
from .catalogue import add_catalogue, mandatory_fills, unready_with
from .credit import apply_credit_rules, in_scope
from .holdings import HoldingView, view_holdings
from .items import Application, Item, Refusal

__all__ = ["Application", "Compiler", "Item", "Problem", "Refusal", "build_problem", "target_version"]


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
    most_credit: Fraction | None = None  # a plan's: the most credit an optimal plan adds (catalogue._stood_in)
    most_guessed: bool = False  # most_credit is a guess, which the plan's first solve checks
    exceptions_refused: list[tuple[LearnerException, RefusedReason, str]] = field(default_factory=list)  # section 18
    catalogue_added: bool = False
    scale_memo: tuple[int, int] | None = None  # (items then, their credit's common denominator): decide/model.py
    before_catalogue: int = 0  # how many items came before the catalogue's
    unready: frozenset[str] = frozenset()  # catalogue credentials in the model whose prerequisites the learner lacks
    # a plan's: credit every plan adds through these catalogue entries (catalogue.mandatory_fills)
    fills: tuple[Fraction, frozenset[int]] = (Fraction(0), frozenset())
    # the checker's memo: (node, limit) -> item -> does the limit's filter admit it (items never change)
    limit_members: dict[tuple[int, int], dict[int, bool]] = field(default_factory=dict)
    # nodes whose met-ness this learner settles, not claims (section 17): node -> (met as things stand, met in a
    # completion). A node that does not apply (`when` / `unless`) is met under `all` and counts for nothing under
    # `any` / `at_least`; an `approval` node is met once approved, and a completion assumes its approval comes.
    settled: dict[int, tuple[bool, bool]] = field(default_factory=dict)
    settled_why: dict[int, str] = field(default_factory=dict)  # node -> `not_applicable` / `pending_approval` reason
    aside: frozenset[int] = frozenset()  # the settled nodes that do not apply (a sign-off among them is not pending)
    # with look-ahead, nodes that do not apply only because of study in progress or planned (they apply on completed
    # study alone): met in the view with that study, not in the view of what is done, as a claim resting on it is
    aside_pending: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # -> the keys of the study it rests on
    # with look-ahead, nodes that apply only because of study in progress or planned (a `when: {holds: X}` with X
    # pending): in the view of what is done they stand aside, as in the tree completed study gives -> that study's keys
    applies_pending: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    applies_why: Mapping[int, str] = field(default_factory=dict)  # such a node -> its condition and that study, said
    # with look-ahead, whether study in progress or planned changes whether some node applies (either way): the tree
    # then differs from the one completed study alone gives
    judged_on_pending: bool = False
    blocked: frozenset[tuple[int, int]] = frozenset()  # (leaf, item) pairs a `block` exception forbids
    # holdings no credit rule takes that a rule into the target would take in a related field: item -> (rule id,
    # the fields of the qualification the rule grants into)
    unrelated: dict[int, list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)
    facts: Mapping[str, object] = field(default_factory=dict)  # the learner's facts (section 17), as filters read them
    matchers: dict[tuple[str, ...], Matcher] = field(default_factory=dict)  # by a node's target fields (in_limit)
    # `holds` conditions (section 17) that are false for this learner where it matters (a node stands aside on a
    # `when`, or applies despite an `unless`), each with the node it decides: a completion keeps every one false,
    # so that the learner's holdings plus what it adds decide the tree's conditions as they stand (decide/model.py
    # writes the rows, decide/checker.py checks every completion against them)
    unflipped: tuple[tuple[CNode, Requirement, str], ...] = ()  # (node, the `holds` tree, the condition in words)

    def in_limit(self, n: CNode, number: int, i: int) -> bool:
        """Whether limit ``number`` of node ``n`` counts item ``i`` (its filter, matched once: items never change)."""
        lim = n.limits[number]
        if lim.where is None:
            return True
        known = self.limit_members.setdefault((n.index, number), {})
        hit = known.get(i)
        if hit is None and self.compiled is not None and self.items[i].origin == "addition":
            # an addition that is a catalogue entry as compiled: the compiler matched it against every limit
            ct = self.compiled
            k = ct.layout.position.get(self.items[i].credential)
            at = ct.limit_place.get((n.index, number))
            # (the node must be the compiled tree's own: a credit rule's `from` tree numbers its nodes apart)
            mine = n.index < len(ct.nodes) and ct.nodes[n.index] is n
            if mine and k is not None and at is not None and ct.catalogue[k].attrs is self.items[i].attrs:
                hit = known[i] = ct.catalogue[k].limits[at]
        if hit is None:
            m = self.matchers.get(n.target_fields)
            if m is None:
                m = self.matchers[n.target_fields] = Matcher(self.rb, n.target_fields)
            hit = known[i] = m.match(lim.where, self.items[i].attrs)
        return hit

    def add_catalogue(self) -> None:
        """Add the catalogue credentials that could complete the target (once; no-op after)."""
        if self.catalogue_added or not self.with_additions or self.compiled is None:
            return
        self.catalogue_added = True
        self.before_catalogue = len(self.items)
        # a credential a `holds` condition could count is added as itself, never as a merged group's member: the
        # rows that keep the condition as it stands (decide/conditions.py) read each addition's own attributes
        single = (
            frozenset(
                e.credential for e in self.compiled.catalogue if any(semantics.could_count(self.rb, tree, e.attrs, self.facts) for _, tree, _ in self.unflipped)
            )
            if self.unflipped
            else frozenset()
        )
        fills = (Fraction(0), frozenset[int]())
        if self.plan is not None:
            # nodes whose met-ness is not (only) their claims': waived, settled for this learner, exempted by a
            # credit rule, or with an exception's claim
            aside = frozenset(self.waived | set(self.settled) | {n for app in self.apps for n in app.exempt} | {leaf for leaf, _ in self.exception_claims})
            fills = mandatory_fills(self.compiled, self.top, self.items, self.eligible, self.apps, self.source_eligible, self.open_leaves, aside)
        self.fills = fills
        self.unready = add_catalogue(
            self.rb,
            self.compiled,
            self.items,
            self.eligible,
            set(self.open_leaves),
            self.plan,
            self.quick,
            self.bound,
            self.most_credit,
            single,
            fills,
        )
        self.incompatible, self.same_credential = _constraints(self.rb, self.items)

    def unready_with(self, bound: Fraction) -> frozenset[str]:
        """A plan's fast model: the ``unready`` of the full model within ``bound`` (the same learner and target), not built."""
        assert self.compiled is not None and self.plan is not None
        return unready_with(self.rb, self.compiled, self.items[: self.before_catalogue], self.plan, bound, self.fills)


def target_version(rb: RuleBase, learner: LearnerDoc, target: str, as_of: dt.date) -> tuple[QualVersion, dt.date]:
    if target not in rb.qualifications:
        from ..diagnostics import suggestion

        if target in rb.credentials:
            # a unit or badge, not something to complete: said as such, not as unknown
            raise RequestError(
                "SR5001",
                f"`{target}` is a credential, not a qualification: a target is a qualification",
                f"`towards {target}` says which qualifications it counts towards",
            )
        raise RequestError("SR5001", f"unknown target `{target}`", suggestion(target, rb.qualifications) or "name a qualification of the rule base")
    commenced = commencement(learner, target, as_of)
    day = commenced or as_of
    v = rb.version(target, day)
    if v is None:
        ranges = ", ".join(span_text(x.effective.from_, x.effective.until) for x in rb.qualifications[target] if x.effective)
        if commenced is not None:
            # the day is the learner's: the version of the day they commenced is the one a learner is audited against
            raise RequestError(
                "SR5001",
                f"no version of `{target}` is in force on {day}, the day the learner commenced it (their enrolment's `commenced`)",
                f"its versions are in force {ranges}: correct the enrolment's date, or audit against a version with --catalog-year (catalog_year in the API)",
            )
        raise RequestError("SR5001", f"no version of `{target}` is in force on {day}", f"its versions are in force {ranges}")
    return v, day


def commencement(learner: LearnerDoc, target: str, as_of: dt.date) -> dt.date | None:
    """The commencement a decision on ``as_of`` goes by: of the learner's enrolments in ``target``, the latest that
    began on or before ``as_of`` (a re-enrolment supersedes the one before), else the earliest one still to come;
    never the order they are listed in."""
    days = sorted(e.commenced for e in learner.enrolments if e.qualification == target and e.commenced is not None)
    began = [d for d in days if d <= as_of]
    return began[-1] if began else (days[0] if days else None)


Compiler = Callable[[QualVersion, dt.date, Mapping[str, object] | None], CompiledTarget]


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
    places: Sequence[str] = (),
    most_credit: Fraction | None = None,
    judge_on_done: bool = False,
) -> Problem:
    """The problem of deciding ``learner`` against ``target`` on ``as_of``.

    ``judge_on_done``: with look-ahead, judge `when` / `unless` on completed study alone (the tree as it stands
    today), while study in progress or planned still counts in claims: :func:`~stackrules.decide.audit.run_audit`
    asks for it when the two trees differ (``Problem.judged_on_pending``).
    """
    v, day = target_version(rb, learner, target, as_of)
    # the tree as this learner sees it: filters that compare with a learner fact read the learner's (section 17)
    ct = compiler(v, day, learner.facts) if compiler is not None else compile_target(rb, v, day, learner.facts)
    top = ct.top
    nodes = list(ct.nodes)  # from-trees of credit rules are numbered after the target's nodes
    valued = [e for e in learner.exceptions if e.type == "value"]
    if valued:
        # `value` exceptions change a node's threshold for this learner: on this problem's own copy of the tree
        top, nodes = copy.deepcopy((top, nodes))
    holdings = view_holdings(rb, learner, as_of, look_ahead, places)
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
        # its own provider or a national catalogue it lists (section 17); for a framework target any catalogued
        # holding; a holding described inline is external whatever the target: it counts only through credit rules (section 18)
        home = v.is_home(hv.provider) if v.provider is not None else hv.holding.credential in rb.credentials
        a = hv.attrs
        attrs = a.counted_as(in_target(hv.credits, hv.system), v.system, "home")
        items.append(
            Item(len(items), hv.key, hv.holding.credential, "holding" if home else "external", attrs, pending=hv.pending, points=hv.points, holding=hv)
        )

    # ---- exceptions
    waived: set[int] = set()
    approved: set[int] = set()
    blocks: list[tuple[set[int], str]] = []
    exceptions: list[tuple[LearnerException, str]] = []
    substitutes: list[tuple[set[int], str, str, LearnerException]] = []
    adds: list[tuple[set[int], str, LearnerException]] = []
    exceptions_refused: list[tuple[LearnerException, RefusedReason, str]] = []
    waivers: list[tuple[LearnerException, set[int]]] = []  # the waivers counted, with the nodes each waives
    narrow: list[tuple[LearnerException, set[int]]] = []  # those of approvers who may approve only for nodes
    # the nodes that do not apply to this learner and so are met under an `all` (their `when` / `unless`, facts the
    # learner states included): what alone meets every requirement is judged on the tree this learner has
    before = _settle(rb, learner, v, as_of, top, holdings, set(), judge_on_done) if learner.exceptions else None
    standing = {i for i in before.aside if (up := nodes[i].parent) is None or up.kind == "all"} if before is not None else set()
    for e in learner.exceptions:
        qid, _, local = e.node.partition("#")
        scoped = [n for n in top.walk() if in_scope(n, qid, local)] if local else ([top] if qid == v.id else [])
        # waiving a node that alone meets every requirement waives the qualification, and a new threshold there is
        # a new threshold for the qualification (a block there restricts one node, as on any other)
        whole = e.type in ("waive", "value") and any(_is_everything(top, n, standing) for n in scoped)
        refused = exception_refusal(rb, v, e, as_of, bool(scoped), whole=whole)
        signs = sorted({m.id or m.path for n in scoped for m in n.walk() if m.kind == "approval"}) if e.type == "waive" else []
        # (section 18's order: a type the approver may not approve comes before a date after as_of)
        if signs and (refused is None or refused[0] in ("dated_after_as_of", "needs_qualification_scope")):
            # a sign-off is met only by an `approve` exception (section 17): waiving it, or a requirement that holds it,
            # would sign it off under another name, by an approver who may not approve
            if all(n.kind == "approval" for n in scoped):
                said = f"`{e.node}` is a sign-off, met only by an `approve` exception, not waived"
            else:
                held = ", ".join(f"`{x}`" for x in signs)
                said = f"`{e.node}` holds the sign-off {held}, met only by an `approve` exception, not waived: waive its other requirements one by one"
            refused = ("type_not_permitted", said)
        if refused is not None:
            exceptions_refused.append((e, *refused))
            continue
        subtree = {m.index for n in scoped for m in n.walk()}
        if e.type == "waive":
            waived |= {n.index for n in scoped}
            exceptions.append((e, f"`{e.node}` is waived" + _waived_total(v, top, scoped)))
            waivers.append((e, {n.index for n in scoped}))
            if _scope_of(rb, v, e) != "qualification":
                narrow.append(waivers[-1])
        elif e.type == "approve":
            signed = [n for n in scoped if n.kind == "approval"]
            if not signed:
                exceptions.append((e, f"not applied: `{e.node}` is not an `approval` node"))
                continue
            approved |= {n.index for n in signed}
            exceptions.append((e, f"`{e.node}` is approved ({signed[0].approval})"))
        elif e.type == "value":
            assert e.value is not None
            changed = _revalue(rb, v, scoped, e.value)
            exceptions.append((e, changed))
        elif e.type == "block":
            assert e.credential
            blocks.append((subtree, e.credential))
            exceptions.append((e, f"`{e.credential}` may not count in `{e.node}`"))
        elif e.type == "substitute":
            assert e.credential and e.instead_of
            if not any(m.kind == "credential" and m.credential == e.instead_of for n in scoped for m in n.walk()):
                # (a what-if against another version, or a node that changed): there is nothing to stand in for
                exceptions.append((e, f"not applied: `{e.instead_of}` is not a requirement of `{e.node}` in this version of the rules"))
                continue
            substitutes.append((subtree, e.credential, e.instead_of, e))
            exceptions.append((e, f"`{e.credential}` counts instead of `{e.instead_of}` in `{e.node}`"))
        else:
            assert e.credential
            adds.append((subtree, e.credential, e))
            exceptions.append((e, f"`{e.credential}` may be claimed by `{e.node}`"))
    if len(narrow) > 1 and _waived_whole(top, {i for _, ids in narrow for i in ids}, standing):
        # node by node, they waive every requirement: the qualification under other names, which needs the
        # qualification's scope as one waiver of it does (the waivers an approver with that scope gave stand)
        refused_now = {id(e) for e, _ in narrow}
        waived = {i for e, ids in waivers if id(e) not in refused_now for i in ids}
        for e, _ in narrow:
            rest = [f"`{o.node}`" for o, _ in narrow if o is not e]
            others = f"waiver{'s' if len(rest) > 1 else ''} of {', '.join(rest)}"
            exceptions_refused.append(
                (
                    e,
                    "needs_qualification_scope",
                    f"`{e.node}` and the {others} together waive every requirement of `{v.id}`, and `{e.approved_by}` may approve only for nodes",
                )
            )
        exceptions = [(e, said) for e, said in exceptions if id(e) not in refused_now]
    waived_subtree = {m.index for n in nodes if n.index in waived for m in n.walk() if m.index != n.index}

    # ---- nodes this learner settles: those that do not apply (`when` / `unless`), and sign-offs
    # (what stands aside does not depend on sign-offs: the settling made for the exceptions serves unless one was approved)
    settle = before if before is not None and not approved else _settle(rb, learner, v, as_of, top, holdings, approved, judge_on_done)
    settled, settled_why, aside, unflipped = settle.settled, settle.why, settle.aside, settle.unflipped
    waived_subtree |= {m.index for i in settled for m in nodes[i].walk()}

    # ---- credit rules: which apply, their sources, their applications
    def leaf_accepts(leaf: CNode, it: Item, fields: tuple[str, ...]) -> bool:
        return semantics.leaf_accepts(rb, leaf, it.attrs, it.credential, as_of, matcher(fields))

    credit = apply_credit_rules(rb, v, day, as_of, top, nodes, items, plan, leaf_accepts, learner.facts)
    apps, source_eligible, refusals = credit.apps, credit.source_eligible, credit.refusals
    unrelated = credit.unrelated

    # ---- eligibility of the learner's items (holdings and granted credit)
    exception_claims: dict[tuple[int, int], LearnerException] = {}
    open_leaves = [leaf for leaf in top.leaves() if leaf.index not in waived_subtree and leaf.index not in waived]
    # A holding of a catalogue credential fits, before grades and dates, the leaves the compiler found for it,
    # except leaves whose filters read what only a holding has (grade, award date, source): those, and every
    # other item, are matched leaf by leaf. Exceptions can make any leaf accept an item.
    fits: dict[int, tuple[int, ...]] = {}
    for it in items:
        own_tags = it.holding is not None and bool(it.holding.holding.tags)  # its own tags: matched leaf by leaf
        k = ct.layout.position.get(it.credential) if it.origin == "holding" and not own_tags else None
        if k is not None:
            fits[it.index] = ct.catalogue[k].leaves
    by_index = {leaf.index: leaf for leaf in open_leaves}
    matched = [leaf for leaf in open_leaves if leaf.index in ct.holding_leaves]
    eligible: dict[int, list[int]] = {leaf.index: [] for leaf in open_leaves}
    for it in items:
        if it.origin == "external" or (it.origin == "addition" and not v.is_home(it.attrs.provider)):
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
    # `block` exceptions (section 17): a credential may not count in a node, whatever else allows it
    blocked: set[tuple[int, int]] = set()
    for subtree, cred in blocks:
        for leaf_index, lst in eligible.items():
            if leaf_index in subtree:
                gone = [i for i in lst if items[i].credential == cred]
                blocked |= {(leaf_index, i) for i in gone}
                lst[:] = [i for i in lst if items[i].credential != cred]

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
        settled=settled,
        settled_why=settled_why,
        aside_pending=settle.aside_pending,
        applies_pending=settle.applies_pending,
        applies_why=settle.applies_why,
        judged_on_pending=settle.judged_on_pending,
        aside=aside,
        blocked=frozenset(blocked),
        unrelated=unrelated,
        facts=learner.facts,
        unflipped=unflipped,
    )
    problem.exceptions_refused = exceptions_refused
    problem.most_credit = most_credit
    if plan is not None:
        problem.add_catalogue()  # plans always choose from the catalogue
    return problem


def _revalue(rb: RuleBase, v: QualVersion, scoped: list[CNode], value: Quantity) -> str:
    """Apply a `value` exception to its node (this problem's copy): a pool's credit or count, a group's `at_least`."""
    n = scoped[0]
    whole = value.value.denominator == 1
    if not value.value and n.kind in ("pool", "at_least"):
        # a threshold of nothing is a waiver under another name: it takes a `waive`, with a waiver's rules (who may
        # waive, sign-offs never waived)
        return f"not applied: a `value` of 0 would waive `{n.id}`; a waiver is a `waive` exception"
    if n.kind == "pool" and n.credits is not None:
        wanted = rb.convert(value, v.system)
        # more than the whole qualification (without a total: than a hundred years of full-time study): a slip, and a
        # figure too large to decide exactly, not a threshold
        year = rb.systems[v.system].full_time_year
        if v.credits is not None and wanted > v.credits:
            return f"not applied: a `value` of {value} is more than the qualification's total of {fmt(v.credits)} {v.system}"
        if wanted > 100 * year:
            return f"not applied: a `value` of {value} is more than a hundred years of full-time study ({fmt(100 * year)} {v.system})"
        least = _least_unit(rb, v)
        if least is not None and wanted < least:
            # below the smallest unit the provider's catalogue has, any one credential the pool accepts meets it: a
            # waiver under another name, as a value of 0 is (an approver who may only set values could waive with it)
            return (
                f"not applied: a `value` of {value} is less than the smallest credential of `{v.provider}`'s catalogue"
                f" ({fmt(least)} {v.system}), so any one credential would meet `{n.id}`: a waiver under another name, which is a `waive` exception"
            )
        old, n.credits = n.credits, wanted
        return f"`{n.id}` needs {fmt(wanted)} {v.system} instead of {fmt(old)}"
    if n.kind == "pool" and n.count is not None and whole:
        old_count, n.count = n.count, int(value.value)
        return f"`{n.id}` needs {n.count} instead of {old_count}"
    if n.kind == "at_least" and whole and 0 < value.value <= len(n.children):
        old_k, n.k = n.k, int(value.value)
        return f"`{n.id}` needs {n.k} of its parts instead of {old_k}"
    return f"not applied: `{n.id}` has no threshold a `value` of {value} can set (a credit or count pool, or `at_least` up to its parts)"


def _least_unit(rb: RuleBase, v: QualVersion) -> Fraction | None:
    """The smallest credit of a credential in the target provider's catalogue, in the target's system (None: none)."""
    if v.provider is None or v.provider not in rb.providers:
        return None
    system = rb.providers[v.provider].system
    credits = [c.credits for c in rb.credentials_by_provider.get(v.provider, ()) if c.credits > 0 and c.type != "qualification"]
    return rb.rescale(min(credits), system, v.system) if credits else None


def span_text(start: dt.date | None, until: dt.date | None) -> str:
    """A version's effective dates in words: "2024-01-01 to 2024-12-31", "from 2024-01-01 (no end date)"."""
    if start is not None and until is not None:
        return f"{start} to {until}"
    if start is not None:
        return f"from {start} (no end date)"
    return f"until {until}" if until is not None else "always"


@dataclass(frozen=True)
class _Settled:
    settled: dict[int, tuple[bool, bool]]
    why: dict[int, str]
    aside: frozenset[int]
    unflipped: tuple[tuple[CNode, Requirement, str], ...]
    aside_pending: dict[int, tuple[str, ...]]  # aside only because of study in progress or planned -> that study's keys
    judged_on_pending: bool  # study in progress or planned changes whether some node applies
    applies_pending: dict[int, tuple[str, ...]]  # applies only because of such study -> its keys
    applies_why: dict[int, str]  # such a node -> why, said


def _settle(
    rb: RuleBase, learner: LearnerDoc, v: QualVersion, as_of: dt.date, top: CNode, holdings: list[HoldingView], approved: set[int], on_done: bool = False
) -> _Settled:
    """Which nodes do not apply to this learner, the state of each sign-off (section 17), and the `holds` conditions
    a completion must leave false (``Problem.unflipped``).

    With look-ahead, study in progress or planned counts in `holds` as it counts in claims, unless ``on_done`` (the
    tree completed study alone gives). A node that stands aside only because of such study is said to rest on it
    (``aside_pending``, and its reason names the study); ``judged_on_pending`` says whether such study changes any
    node's standing either way.

    A sign-off that does not apply is not applicable like any other node, not pending: its condition is
    tested before its approval. A condition whose other parts (facts, terms) hold but whose `holds` node does not
    could be made true by study a completion adds (a `holds` test only gains from more holdings): it is recorded,
    for the node it decides, when its value decides that node (the first failing `when`, every `unless`).
    """
    settled: dict[int, tuple[bool, bool]] = {}
    why: dict[int, str] = {}
    aside: set[int] = set()
    unflipped: list[tuple[CNode, Requirement, str]] = []
    done = [hv for hv in holdings if hv.counts and not hv.pending]
    counting = done if on_done else [hv for hv in holdings if hv.counts]
    ahead = [hv for hv in holdings if hv.counts and hv.pending]
    aside_pending: dict[int, tuple[str, ...]] = {}
    applies_pending: dict[int, tuple[str, ...]] = {}
    applies_why: dict[int, str] = {}
    differs = False
    # `terms_since` counts on the calendar of the target's provider, as holdings' terms are derived from theirs
    provider = rb.providers.get(v.provider) if v.provider is not None else None
    calendar = provider.terms if provider is not None else ()

    def unknown(cond: Condition) -> str:
        """Why a `terms_since` in the condition could not be counted, if so, and what the learner states for each fact
        the condition names (said after the condition: `stream: Honours` beside "when stream is honours")."""
        stated = []
        for name in cond.fact or {}:
            have = learner.facts.get(name)
            stated.append(f"no `{name}`" if have is None else f"`{name}: {have}`")
        if stated:
            return "; the learner states " + ", ".join(stated)
        for name in cond.terms_since or {}:
            if semantics.fact_date(learner.facts.get(name)) is None:
                return f" (the learner states no date as `{name}`)"
            if not calendar:
                return f" (`{v.provider or v.id}` has no `terms:` calendar to count on)"
        return ""

    def flippable(cond: Condition) -> Requirement | None:
        """The `holds` node of a false condition whose other parts hold: more study could make it true.

        Not on completed study alone (``on_done``) when study in progress or planned already makes it true: that
        tree is the one of today, which a decision that is not met there does not keep (``run_audit``)."""
        if cond.holds is None:
            return None
        if on_done and ahead and semantics.condition_holds(rb, cond, learner.facts, [*done, *ahead], calendar, as_of):
            return None
        return cond.holds if semantics.condition_holds(rb, cond, learner.facts, counting, calendar, as_of, with_holds=False) else None

    def standing(n: CNode, held: list[HoldingView]) -> bool:
        """Whether ``n`` applies on ``held`` (its own conditions only)."""
        return all(semantics.condition_holds(rb, c, learner.facts, held, calendar, as_of) for c in n.when) and not any(
            semantics.condition_holds(rb, c, learner.facts, held, calendar, as_of) for c in n.unless
        )

    def resting(n: CNode) -> str:
        """When ``n`` stands aside only because of study in progress or planned: that study, said after the reason."""
        nonlocal differs
        if on_done or not ahead or not standing(n, done):
            return ""
        differs = True
        alone = [hv for hv in ahead if standing(n, [*done, hv]) is False]
        aside_pending[n.index] = tuple(hv.key for hv in (alone or ahead))
        named = ", ".join(f"`{hv.key}` ({str(hv.holding.status).replace('_', ' ')})" for hv in (alone or ahead))
        return f", which rests on study not yet passed: {named}"

    def coming(n: CNode) -> str:
        """On completed study alone (``on_done``): the study in progress or planned that would make ``n`` apply."""
        if not on_done or not ahead or not standing(n, [*done, *ahead]):
            return ""
        named = ", ".join(f"`{hv.key}` ({str(hv.holding.status).replace('_', ' ')})" for hv in ahead if standing(n, [*done, hv]))
        return f"; it applies once {named or 'the study in progress or planned'} is passed"

    def stated(hv: HoldingView) -> str | None:
        """What of a holding only the learner file says (section 18): an inline description, or its own tags."""
        info = rb.credentials.get(hv.holding.credential)
        if info is None:
            return "described by the learner file, not a catalogue"
        extra = [t for t in hv.holding.tags if t not in info.tags]
        return f"tagged {', '.join(extra)} by the learner file, not the catalogue" if extra else None

    def on_stated(cond: Condition) -> str:
        """When a `holds` test that sets a node aside holds only through what the learner file states: that, named."""
        said = [hv for hv in counting if stated(hv) is not None]
        if cond.holds is None or not said:
            return ""
        rest = [hv for hv in counting if stated(hv) is None]
        if semantics.condition_holds(rb, cond, learner.facts, rest, calendar, as_of):
            return ""
        alone = [hv for hv in said if semantics.condition_holds(rb, cond, learner.facts, [*rest, hv], calendar, as_of)]
        return "; it rests on what only the learner file states: " + ", ".join(f"`{hv.key}` ({stated(hv)})" for hv in (alone or said))

    def visit(n: CNode) -> None:
        nonlocal differs
        if ahead and (n.when or n.unless) and standing(n, done) != standing(n, [*done, *ahead]):
            differs = True  # (either way: a node that applies only because of such study too)
            if not on_done and not standing(n, done):
                # it applies only because of study not yet passed: what is done sees it stand aside
                alone = [hv for hv in ahead if standing(n, [*done, hv])]
                applies_pending[n.index] = tuple(hv.key for hv in (alone or ahead))
                named = ", ".join(f"`{hv.key}` ({str(hv.holding.status).replace('_', ' ')})" for hv in (alone or ahead))
                conds = "; ".join(
                    [*("applies only " + semantics.condition_text(c) for c in n.when), *("does not apply " + semantics.condition_text(c) for c in n.unless)]
                )
                applies_why[n.index] = f"{conds}, and it applies because of study not yet passed: {named}"
        for cond in n.when:
            if not semantics.condition_holds(rb, cond, learner.facts, counting, calendar, as_of):
                tree = flippable(cond)
                if tree is not None:
                    unflipped.append((n, tree, "applies only " + semantics.condition_text(cond)))
                return stand_aside(n, "applies only " + semantics.condition_text(cond) + unknown(cond) + resting(n) + coming(n))
        for cond in n.unless:
            if semantics.condition_holds(rb, cond, learner.facts, counting, calendar, as_of):
                return stand_aside(n, "does not apply " + semantics.condition_text(cond) + resting(n) + on_stated(cond))
            tree = flippable(cond)
            if tree is not None:
                unflipped.append((n, tree, "does not apply " + semantics.condition_text(cond)))
        if n.kind == "approval":
            ok = n.index in approved
            settled[n.index] = (ok, True)  # a completion assumes the sign-off will come (docs/language.md, "Sign-offs")
            if not ok:
                # whose sign-off it waits for: the target provider's approvers who may approve (section 18)
                may = sorted((a for a in rb.approvers.get(v.provider or "", {}).values() if "approve" in a.may), key=lambda a: a.id)
                whose = " or ".join(f"{a.name} ({a.id})" for a in may) if may else f"no approver `{v.provider or v.id}` lists may approve it yet"
                why[n.index] = f"{n.approval or 'an approval'}, from {whose}" if may else f"{n.approval or 'an approval'} ({whose})"
        for c in n.children:
            visit(c)
        return None

    def stand_aside(n: CNode, reason: str) -> None:
        # not part of the tree for this learner: met under `all` (nothing to do), nothing under `any` / `at_least`
        value = n.parent is None or n.parent.kind == "all"
        settled[n.index] = (value, value)
        why[n.index] = reason
        aside.add(n.index)

    visit(top)
    return _Settled(settled, why, frozenset(aside), tuple(unflipped), aside_pending, differs, applies_pending, applies_why)


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


def _scope_of(rb: RuleBase, v: QualVersion, e: LearnerException) -> str | None:
    """The scope of the approver an exception names (``nodes`` or ``qualification``), None when none is listed."""
    approver = rb.approvers.get(v.provider, {}).get(e.approved_by) if v.provider is not None else None
    return approver.scope if approver is not None else None


def _waived_whole(top: CNode, waived: set[int], standing: AbstractSet[int] = frozenset()) -> bool:
    """Whether the waived nodes alone meet every requirement: each group met by its waived parts (``all``: every part,
    ``any`` / ``at_least``: enough), nothing else counted but the parts of an ``all`` that do not apply to this learner
    (``standing``); the credit total, which a waiver leaves as it is, aside."""

    def met(n: CNode) -> bool:
        if n.index in waived or n.index in standing:
            return True
        if n.kind == "all":
            return bool(n.children) and all(met(c) for c in n.children)
        if n.kind in ("any", "at_least"):
            return sum(1 for c in n.children if met(c)) >= max(semantics.threshold(n), 1)
        return False

    return met(top)


def _is_everything(top: CNode, n: CNode, standing: AbstractSet[int] = frozenset()) -> bool:
    """Whether waiving ``n`` alone meets every requirement of the target: each group from it up to the top is met by
    that one branch (an `all` of it alone, an `any` or `at_least: 1` it is a choice of): `requires: {id: whole, ...}`,
    a group around it, a nested qualification that is the target's only requirement, one choice of a top-level
    `any`. Such a waiver waives the qualification under another name, and section 18's scope applies to it."""
    node = n
    while node is not top:
        parent = node.parent
        if parent is None or parent.kind not in ("all", "any", "at_least"):
            return False
        others = [c for c in parent.children if c is not node]
        # an `all` whose other parts do not apply to this learner (met as they stand) is met by this one alone
        if any(c.index not in standing for c in others) if parent.kind == "all" else semantics.threshold(parent) != 1:
            return False
        node = parent
    return True


def _waived_total(v: QualVersion, top: CNode, scoped: list[CNode]) -> str:
    """What a waiver leaves of the target's credit total, said for the learner: a waiver grants no credit, so a total
    the qualification sets still counts the credit the waived requirement needed (docs/language.md, "Exceptions")."""
    need = sum((n.credits if n.kind == "pool" and n.credits is not None else n.min_total or Fraction(0) for n in scoped if n is not top), Fraction(0))
    if top.min_total is None or not need:
        return ""
    return f"; a waiver grants no credit ({q(need)} {v.system} needed there), so the total of {q(top.min_total)} {v.system} is unchanged"
