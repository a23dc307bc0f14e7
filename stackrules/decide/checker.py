"""The independent checker: re-verifies every choice before it becomes a decision.

It does not trust the solver's variables: it re-derives from the rule base
whether each claim is allowed (filters, conditions, exceptions), that no item
is claimed twice (unless `shares_with` allows it), that sources feed one
application and are then not claimed directly, that incompatible credentials
are not both used, that every maximum-type limit holds, and that the
completion the solver found really completes the target. It then evaluates
every node's status from the claims alone. The limits and the nested
qualifications' totals it checks are read again from the qualification
documents (their trees, their ``limits``, nesting walked here), not taken from
the expanded tree, so an expansion that drops or changes one is caught.

Its independence is the short list of modules it may import (pinned by
tests/test_purity.py): the errors, quantities and the document models, the
rule base's index and filters, the expanded tree, the problem and the choice
it is handed, and the node semantics written once (``semantics.py``), never
the solver, the fast path or the explanation. A violation raises
:class:`~stackrules.errors.VerificationError`: a solver bug shows up as an
error, never as a wrong audit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from ..compile.tree import CLimit, CNode
from ..errors import VerificationError
from ..language.models import Filter, Limit, Requirement
from ..language.quantity import Quantity, total
from ..rulebase.filters import Matcher, resolve_facts
from ..rulebase.index import QualVersion, RuleBase
from . import semantics
from .choice import Choice
from .items import Item
from .problem import Problem


@dataclass
class ItemFilter:
    """A view of the choice (done, with pending study, everything): which claimed items it sees.

    It remembers each node's claims as it sees them, as the checker asks for
    the same leaf's claims once per ancestor.
    """

    keep: Callable[[Item], bool]
    seen: dict[int, list[tuple[Item, int]]] = field(default_factory=dict)
    completion: bool = False  # the completion's view: a sign-off still to come counts as given
    # whether the view counts study in progress or planned (look-ahead): a node that stands aside only because of such
    # study (``Problem.aside_pending``) applies in a view without it, and is met there only as its own claims allow
    pending: bool = True

    def __call__(self, it: Item) -> bool:
        return self.keep(it)


@dataclass
class LimitResult:
    node: CNode
    limit: CLimit
    value: Fraction
    status: str  # ok | short
    pending: bool = False  # a minimum reached only with study in progress or planned (look-ahead)
    number: int = 0  # the limit's place among its node's limits (``Problem.in_limit``'s number)
    applied: bool = True  # False: its node is waived, exempt or not applicable (or under one), and the limit is not applied


@dataclass
class Evaluation:
    status: dict[int, str] = field(default_factory=dict)  # node -> met | met_pending | not_met | waived | exempt
    claimed: dict[int, list[Item]] = field(default_factory=dict)  # node -> distinct items its subtree claims (no additions)
    added: dict[int, list[Item]] = field(default_factory=dict)  # node -> additions its subtree claims
    limits: list[LimitResult] = field(default_factory=list)
    exempt: set[int] = field(default_factory=set)
    # granted credit resting on study in progress or planned (a source counted with look-ahead): credit rests on its
    # sources as a claim rests on its holding
    pending_grants: set[int] = field(default_factory=set)


def _accepts(p: Problem, leaf: CNode, it: Item) -> bool:
    if (leaf.index, it.index) in p.blocked:
        return False  # a `block` exception: whatever else would allow it
    if (leaf.index, it.index) in p.exception_claims:
        return True
    return semantics.leaf_accepts(p.rb, leaf, it.attrs, it.credential, p.as_of, Matcher(p.rb, leaf.target_fields))


def _accepts_source(p: Problem, leaf: CNode, it: Item) -> bool:
    """May a from-tree leaf take this holding as a source (a named credential: it, or one it stands for), re-judged?"""
    return semantics.leaf_accepts(p.rb, leaf, it.attrs, it.credential, p.as_of, Matcher(p.rb, leaf.target_fields))


def verify(p: Problem, choice: Choice) -> Evaluation:
    items = p.items
    chosen_apps = set(choice.apps)
    app_of_grant = {g: app.index for app in p.apps for g in app.grants}

    def fail(msg: str) -> None:
        raise VerificationError(f"decision for `{p.version.id}` failed verification: {msg}")

    leaves = {n.index: n for n in p.top.leaves()}
    sharing = semantics.sharing_pairs(p.top)
    uses: dict[int, list[tuple[int, int]]] = {}
    for leaf_i, claims in choice.claims.items():
        leaf = leaves.get(leaf_i)
        if leaf is None:
            fail(f"a claim on node {leaf_i}, which is not a leaf of the target")
            continue
        if leaf.kind == "credential" and sum(k for _, k in claims) > 1:
            fail(f"`{leaf.path}` claims more than one credential")
        for i, k in claims:
            it = items[i]
            if it.origin == "external" or (it.origin in ("holding", "addition") and not p.version.is_home(it.attrs.provider)):
                fail(f"`{it.key}` is from another provider and was claimed directly")
            if it.origin == "grant" and app_of_grant.get(i) not in chosen_apps:
                fail(f"`{it.key}` is credit from an application that was not used")
            if it.origin == "addition" and not choice.completion:
                fail(f"`{it.key}` was added outside a completion")
            if not _accepts(p, leaf, it):
                fail(f"`{it.key}` cannot fill `{leaf.path}`")
            if k > it.multiplicity:
                fail(f"`{it.key}` claimed {k} times")
            uses.setdefault(i, []).append((leaf_i, k))
    for i, lst in uses.items():
        for a in range(len(lst)):
            for b in range(a + 1, len(lst)):
                pair = (min(lst[a][0], lst[b][0]), max(lst[a][0], lst[b][0]))
                if not semantics.may_share(p.rb, sharing, *pair, items[i].credential) and lst[a][1] + lst[b][1] > items[i].multiplicity:
                    fail(f"`{items[i].key}` is claimed twice, by `{p.nodes[lst[a][0]].path}` and `{p.nodes[lst[b][0]].path}`")
    # sources
    fed: dict[int, int] = {}
    for app in p.apps:
        for leaf in app.root.leaves():
            for i in choice.source_claims.get(leaf.index, []):
                if app.index not in chosen_apps:
                    fail(f"`{items[i].key}` feeds an application that was not used")
                if i in fed and fed[i] != app.index:
                    fail(f"`{items[i].key}` feeds two rule applications")
                fed[i] = app.index
                if i in uses:
                    fail(f"`{items[i].key}` is both a source of credit and claimed directly")
                if i not in p.source_eligible.get(leaf.index, []) or not _accepts_source(p, leaf, items[i]):
                    fail(f"`{items[i].key}` cannot be a source of `{app.rule.id}`")
    for a in chosen_apps:
        app = p.apps[a]
        if not _met_source(p, app.root, choice):
            fail(f"application {app.number} of `{app.rule.id}` is used, but its sources do not meet `from`")
    used = set(uses)
    for x, y in p.incompatible:
        if counts_against(p, x, y, used, fed) and counts_against(p, y, x, used, fed):
            fail(f"`{items[x].key}` and `{items[y].key}` are incompatible and both count")
    for group in p.same_credential:
        bound = semantics.repeat_bound(p.rb, items[group[0]].credential)
        copies = sum(min(items[i].multiplicity, sum(k for _, k in uses[i])) for i in group if i in used)
        # a holding fed to a credit rule counts too: its repeat earns credit (an addition fed is taken, and claimed)
        copies += sum(1 for i in group if i in fed and i not in used and items[i].origin != "addition")
        if copies > bound:
            fail(
                f"`{items[group[0]].credential}` counts twice"
                if bound == 1
                else f"`{items[group[0]].credential}` counts {copies} times, more than its bound {bound}"
            )

    rules = derive_rules(p)
    for n in p.top.walk():
        if n.limits != rules.limits.get(n.index, []):
            fail(f"the limits of `{n.id or n.path}` differ from the rule base")
        if n.min_total != rules.totals.get(n.index):
            fail(f"the total of `{n.id or n.path}` differs from the rule base")

    ev = Evaluation()
    ev.exempt = {n for a in chosen_apps for n in p.apps[a].exempt}
    solid: set[int] = set()  # nodes exempt by an application none of whose sources is in progress or planned
    for a in sorted(chosen_apps):
        if any(items[i].pending for i, x in fed.items() if x == a):
            ev.pending_grants.update(p.apps[a].grants)
        else:
            solid.update(p.apps[a].exempt)
    resting = ev.pending_grants
    # an exemption resting on study in progress (look-ahead) exempts its node only once that study is passed
    shaky = ev.exempt - solid
    everything = ItemFilter(lambda it: True, completion=True)
    done = ItemFilter(lambda it: it.origin != "addition" and not it.pending and it.index not in resting, pending=False)
    with_pending = ItemFilter(lambda it: it.origin != "addition")
    met_all: dict[int, bool] = {}
    met_done: dict[int, bool] = {}
    met_pending: dict[int, bool] = {}
    # when nothing claimed is pending or added, the three views see the same claims: evaluate once
    uniform = (
        not shaky
        and not p.aside_pending
        and not p.applies_pending
        and not any(items[i].origin == "addition" or items[i].pending or i in resting for i in used)
        and all(a == b for a, b in p.settled.values())
    )
    # else `done` and `with_pending` see the same claims
    any_pending = bool(shaky) or bool(p.aside_pending) or bool(p.applies_pending) or any(items[i].pending or i in resting for i in used)
    if uniform:
        done = with_pending = everything
        met_done = met_pending = met_all
    values: dict[tuple[int, int], Fraction] = {}  # (node, limit) -> value, for the uniform case
    # maximum-type limits hold for the whole choice, additions included
    for n in p.top.walk():
        for k, lim in enumerate(rules.limits.get(n.index, ())):
            if lim.is_max:
                value = values[(n.index, k)] = _limit_value(p, n, k, lim, choice, everything)
                if value > lim.bound:
                    fail(f"limit `{lim.id or lim.kind}` is broken: {value} > {lim.bound}")
    if choice.completion and not _met(p, rules, p.top, choice, everything, ev.exempt, met_all):
        fail("the completion does not complete the target")
    if choice.completion and p.unflipped:
        # the conditions the tree was decided on still hold with what the completion adds (decide/conditions.py)
        taken_copies = {i: max(min(items[i].multiplicity, sum(k for _, k in uses.get(i, []))), 1) for i in set(uses) | set(fed)}
        taken = [items[i] for i in sorted(taken_copies) if items[i].origin == "addition" for _ in range(taken_copies[i])]
        turned = flipped(p.rb, p.unflipped, [*(hv for hv in p.holdings if hv.counts), *taken], p.facts, p.as_of)
        if turned is not None:
            fail(f"the completion adds what changes whether `{turned.id or turned.path}` applies")
    aside = {m.index for i in p.aside for m in p.nodes[i].walk()}
    off: set[int] = set()  # nodes waived, exempt or not applicable, and everything under them: their limits do not apply
    for n in p.top.walk():
        if n.index in p.waived:
            ev.status[n.index] = "waived"
        elif n.index in aside:
            ev.status[n.index] = "not_applicable"
        elif n.index in p.settled:
            ev.status[n.index] = "met" if p.settled[n.index][0] else "pending_approval"
        elif n.index in solid:
            ev.status[n.index] = "exempt"
        elif _met(p, rules, n, choice, done, solid, met_done):
            ev.status[n.index] = "met"
        elif not uniform and _met(p, rules, n, choice, with_pending, ev.exempt, met_pending):
            ev.status[n.index] = "met_pending"
        else:
            ev.status[n.index] = "not_met"
        ev.claimed[n.index] = _distinct(p, n, choice, with_pending)
        ev.added[n.index] = [] if uniform else [it for it in _distinct(p, n, choice, everything) if it.origin == "addition"]
        if ev.status[n.index] in ("waived", "exempt", "not_applicable") or (n.parent is not None and n.parent.index in off):
            off.add(n.index)
        for k, lim in enumerate(rules.limits.get(n.index, ())):
            value = values[(n.index, k)] if uniform and (n.index, k) in values else _limit_value(p, n, k, lim, choice, with_pending)
            if n.index in off:
                # the node is met without its claims (waived, exempt) or is no requirement of this learner: a limit
                # over what it claims is not applied (it does not keep it from being met), and says so
                ev.limits.append(LimitResult(n, lim, value, "ok", False, k, applied=False))
                continue
            ok = value <= lim.bound if lim.is_max else value >= lim.bound
            # a minimum met only with pending study is met once that study is passed, as a node is `met_pending`
            pending = ok and any_pending and not lim.is_max and _limit_value(p, n, k, lim, choice, done) < lim.bound
            ev.limits.append(LimitResult(n, lim, value, "ok" if ok else "short", pending, k))
    return ev


def verify_outcome(p: Problem, choice: Choice, ev: Evaluation, status: str, remaining: Fraction | None, listed: Iterable[str]) -> None:
    """What a decision says about its target, checked against the choice: the status, and the completion witness.

    The status must be the one the checker's own evaluation gives (``ev``,
    from :func:`verify`). A ``remaining`` figure must come with its witness:
    the choice is a completion, the learner's items plus exactly the catalogue
    credentials it adds meet the target (evaluated again here, from the
    claims and the limits read from the rule base), those additions total
    exactly ``remaining``, and every credential the decision lists as missing
    is one of them. A met decision needs nothing more (``remaining`` 0). That
    no smaller completion exists rests on the solver's proof, not on this check.
    """

    def fail(msg: str) -> None:
        raise VerificationError(f"decision for `{p.version.id}` failed verification: {msg}")

    top = ev.status.get(p.top.index, "not_met")
    if choice.status == "time_limit":
        expected = "indeterminate"
    else:
        expected = "met" if top in ("met", "waived", "exempt") else "met_pending" if top == "met_pending" else "not_met"
    if status != expected:
        fail(f"the status is `{status}`, but the claims make it `{expected}`")
    if remaining is None:
        return
    if not choice.completion:
        fail(f"`remaining` is {remaining}, but the choice completes nothing")
    counts: dict[int, int] = {}
    for claims in choice.claims.values():
        for i, k in claims:
            if p.items[i].origin == "addition":
                counts[i] = counts.get(i, 0) + k
    witness = sum((p.items[i].credits * min(k, p.items[i].multiplicity) for i, k in counts.items()), Fraction(0))
    if witness != remaining:
        fail(f"`remaining` is {remaining}, but the completion adds {witness}")
    if status == "met" and remaining != 0:
        fail(f"the target is met, yet `remaining` is {remaining}")
    exempt = {n for a in choice.apps for n in p.apps[a].exempt}
    if not _met(p, derive_rules(p), p.top, choice, ItemFilter(lambda it: True, completion=True), exempt, {}):
        fail("the learner's items and the listed additions do not complete the target")
    added = {p.items[i].key for i in counts}
    for key in listed:
        if key not in added:
            fail(f"`{key}` is listed as missing, but the completion does not add it")


def _claims(n: CNode, choice: Choice, p: Problem, keep: ItemFilter) -> list[tuple[Item, int]]:
    found = keep.seen.get(n.index)
    if found is None:
        found = keep.seen[n.index] = [(p.items[i], k) for i, k in choice.claims.get(n.index, []) if keep(p.items[i])]
    return found


def _distinct(p: Problem, n: CNode, choice: Choice, keep: ItemFilter) -> list[Item]:
    seen: dict[int, Item] = {}
    for leaf in n.leaves():
        for it, _ in _claims(leaf, choice, p, keep):
            seen[it.index] = it
    return sorted(seen.values(), key=lambda it: _natural(it.key))


def _natural(key: str) -> tuple[str, bool, int]:
    """A claim's key in reading order: `mus:ENS`, `mus:ENS@2`, ..., `mus:ENS@10` (not `@10` before `@2`); additions last."""
    base, _, n = key.partition("@")
    return (base, n.startswith("+"), int(n.lstrip("+")) if n.lstrip("+").isdigit() else 1)


def _counts(p: Problem, n: CNode, choice: Choice, keep: ItemFilter) -> dict[int, int]:
    """Item -> how many copies the subtree uses (a grouped addition may count more than one)."""
    totals: dict[int, int] = {}
    for leaf in n.leaves():
        for it, k in _claims(leaf, choice, p, keep):
            totals[it.index] = totals.get(it.index, 0) + k
    return {i: min(totals[i], p.items[i].multiplicity) for i in totals}


def held_limit_value(p: Problem, n: CNode, number: int, choice: Choice) -> Fraction:
    """The value of ``n``'s limit number ``number`` over what the choice claims of the learner's own (holdings, in
    progress and planned study, granted credit): no addition."""
    return _limit_value(p, n, number, n.limits[number], choice, ItemFilter(lambda it: it.origin != "addition"))


def limit_value_without(p: Problem, n: CNode, number: int, choice: Choice, items: list[int]) -> Fraction:
    """The value of ``n``'s limit number ``number`` over everything the choice claims but ``items``."""
    left_out = set(items)
    return _limit_value(p, n, number, n.limits[number], choice, ItemFilter(lambda it: it.index not in left_out, completion=True))


def total_without(p: Problem, n: CNode, choice: Choice, items: list[int]) -> Fraction:
    """The credit ``n``'s subtree counts of everything the choice claims but ``items`` (for its credit total)."""
    left_out = set(items)
    counts = _counts(p, n, choice, ItemFilter(lambda it: it.index not in left_out, completion=True))
    return total([p.items[i].credits for i in counts], list(counts.values()))


def met_without_sign_offs(p: Problem, n: CNode, choice: Choice) -> bool:
    """Whether the choice meets ``n`` (its completion's additions counted) without any sign-off still to come: a
    completion view that does not assume the approvals will be given."""
    exempt = {x for a in choice.apps for x in p.apps[a].exempt}
    return _met(p, derive_rules(p), n, choice, ItemFilter(lambda it: True), exempt, {})


def graded_weight(p: Problem, n: CNode, number: int, choice: Choice) -> Fraction:
    """The credit of the graded study (grade points known) that ``n``'s `min_gpa` limit number ``number`` averages
    over, in the reported view (with the completion): 0 when it averages over nothing, and so holds."""
    counts = _counts(p, n, choice, ItemFilter(lambda it: True, completion=True))
    return total(p.items[i].credits * k for i, k in counts.items() if p.items[i].points is not None and p.in_limit(n, number, i))


def limit_value_with(p: Problem, n: CNode, number: int, choice: Choice, item: int) -> Fraction:
    """The value of ``n``'s limit number ``number`` over everything the choice claims and one copy of ``item`` more
    (an item the choice leaves out: what counting it would make of the limit)."""
    return _limit_value(p, n, number, n.limits[number], choice, ItemFilter(lambda it: True, completion=True), extra=item)


def _limit_value(p: Problem, n: CNode, number: int, lim: CLimit, choice: Choice, keep: ItemFilter, extra: int | None = None) -> Fraction:
    """The value of ``n``'s limit number ``number`` (``lim``) over what the subtree claims (and ``extra``, once)."""
    counts = _counts(p, n, choice, keep)
    if extra is not None and extra not in counts:
        counts[extra] = 1
    if lim.where is None:
        members = [(p.items[i], k) for i, k in counts.items()]
    else:
        # whether an item falls under a limit does not change between the views of one check: match it once
        members = [(p.items[i], k) for i, k in counts.items() if p.in_limit(n, number, i)]
    if lim.kind.endswith("credits"):
        return total([it.credits for it, _ in members], [k for _, k in members])
    if lim.kind.endswith("count"):
        return Fraction(sum(k for _, k in members))
    if lim.kind == "min_gpa":
        graded = [(it, k) for it, k in members if it.points is not None]
        weight = total([it.credits for it, _ in graded], [k for _, k in graded])
        if weight == 0:
            # nothing graded carries credit (a graded record weighs nothing in a credit-weighted mean): the limit
            # holds, as the model's row and the audit's reported grade average say
            return lim.bound
        return sum((it.credits * k * (it.points or 0) for it, k in graded), Fraction(0)) / weight
    values: set[str] = set()
    for it, _ in members:
        raw = getattr(it.attrs, lim.of or "tags")
        for val in raw if isinstance(raw, tuple) else (raw,):
            if val is not None:
                values.add(str(val))
    return Fraction(len(values))


def _met(p: Problem, rules: Rules, n: CNode, choice: Choice, keep: ItemFilter, exempt: set[int], memo: dict[int, bool]) -> bool:
    """Is ``n`` met by the claims of the items ``keep`` admits? (``memo``: per view, per node.)"""
    if n.index not in memo:
        memo[n.index] = _met_now(p, rules, n, choice, keep, exempt, memo)
    return memo[n.index]


def _met_now(p: Problem, rules: Rules, n: CNode, choice: Choice, keep: ItemFilter, exempt: set[int], memo: dict[int, bool]) -> bool:
    if n.index in p.waived or n.index in exempt:
        return True
    if n.index in p.applies_pending and not keep.pending:
        # it applies only because of study not yet passed: on what is done it stands aside (met under `all`, nothing
        # under `any` / `at_least`), as in the tree completed study gives
        return n.parent is None or n.parent.kind == "all"
    if n.index in p.settled:
        if n.index in p.aside_pending and not keep.pending:
            # it stands aside only because of study not yet passed: on what is done it applies, and nothing of the
            # choice is claimed in it (its subtree is out of this tree)
            return False
        return p.settled[n.index][1 if keep.completion else 0]
    if n.kind == "credential":
        ok = bool(_claims(n, choice, p, keep))
    elif n.kind == "pool":
        claims = _claims(n, choice, p, keep)
        ok = semantics.pool_met(n, total([it.credits for it, _ in claims], [k for _, k in claims]), sum(k for _, k in claims))
    elif n.kind == "competencies":
        ok = semantics.competencies_met(n, (c for it, _ in _claims(n, choice, p, keep) for c in it.attrs.competencies))
    else:
        ok = semantics.group_met(n, [_met(p, rules, c, choice, keep, exempt, memo) for c in n.children])
    min_total = rules.totals.get(n.index)
    if ok and min_total is not None:
        counts = _counts(p, n, choice, keep)
        ok = total([p.items[i].credits for i in counts], list(counts.values())) >= min_total
    if ok:
        for k, lim in enumerate(rules.limits.get(n.index, ())):
            value = _limit_value(p, n, k, lim, choice, keep)
            if not lim.is_max and value < lim.bound:
                ok = False
    return ok


def _met_source(p: Problem, n: CNode, choice: Choice) -> bool:
    if n.kind == "credential":
        return bool(choice.source_claims.get(n.index))
    if n.kind == "pool":
        its = [p.items[i] for i in choice.source_claims.get(n.index, [])]
        return semantics.pool_met(n, total(it.credits for it in its), len(its))
    if n.kind == "competencies":
        return semantics.competencies_met(n, (c for i in choice.source_claims.get(n.index, []) for c in p.items[i].attrs.competencies))
    return semantics.group_met(n, [_met_source(p, c, choice) for c in n.children])


# ---------------------------------------------------------------- limits and totals, from the rule base


@dataclass
class Rules:
    """What the qualification documents say each expanded node must respect: its limits, its nested total."""

    limits: dict[int, list[CLimit]] = field(default_factory=dict)
    totals: dict[int, Fraction] = field(default_factory=dict)


def derive_rules(p: Problem) -> Rules:
    """Walk the target's document, and each nested qualification's, alongside the expanded tree.

    Every limit written on a node (the root of a nested tree included), and a
    nested qualification's own ``limits`` and ``credits``, land on the
    expanded node that governs the same subtree. A tree whose shape does not
    follow the documents is a broken expansion: it fails verification.
    """
    v = p.version
    out = Rules()

    def fail(n: CNode, what: str) -> None:
        raise VerificationError(f"decision for `{v.id}` failed verification: the expanded tree at `{n.id or n.path}` {what}")

    def add(n: CNode, limits: tuple[Limit, ...], qv: QualVersion) -> None:
        if limits:
            out.limits.setdefault(n.index, []).extend(_limits(p, limits, qv))

    def child(n: CNode, i: int, count: int) -> CNode:
        if len(n.children) != count:
            fail(n, f"has {len(n.children)} children where the rule base has {count}")
        return n.children[i]

    def walk(r: Requirement, qv: QualVersion, n: CNode, refs: tuple[str, ...]) -> None:
        if r.ref is not None:
            if r.ref in refs or r.ref not in qv.define:
                fail(n, f"expands `ref: {r.ref}`, which cannot be expanded")
            if r.id is None and not r.limits:
                walk(qv.define[r.ref], qv, n, (*refs, r.ref))
                return
            add(n, r.limits, qv)
            walk(qv.define[r.ref], qv, child(n, 0, 1), (*refs, r.ref))
            return
        add(n, r.limits, qv)
        if r.qualification is not None:
            nested = p.rb.version(r.qualification, p.day)
            if nested is None:
                if n.children:
                    fail(n, f"expands `{r.qualification}`, which has no version in force on {p.day.isoformat()}")
                return
            sub = child(n, 0, 1)
            walk(nested.requires, nested, sub, ())
            add(sub, nested.limits, nested)
            if nested.credits is not None:
                out.totals[sub.index] = p.rb.rescale(nested.credits, nested.system, v.system)
            return
        if r.credential is not None:
            if n.kind != "credential" or n.credential != r.credential:
                fail(n, f"is not the credential `{r.credential}`")
            return
        kids = r.children()
        pool = r.credits is not None or r.count is not None or r.competencies is not None
        group = n
        if kids and pool:
            group = child(n, 0, 2)
            if n.children[1].kind not in ("pool", "competencies"):
                fail(n, "does not end in its pool")
        if pool:
            pnode = n.children[1] if kids else n
            if pnode.where != (None if r.where is None else resolve_facts(r.where, p.facts)):
                fail(n, "filters otherwise than the rule base (as this learner's facts read it)")
        for i, c in enumerate(kids):
            walk(c, qv, child(group, i, len(kids)), refs)

    # from the target's root, also when the problem is one node's subtree (decide/solve.py, completes_alone)
    root = (p.top, *p.top.ancestors())[-1]
    if v.credits is not None:
        out.totals[root.index] = v.credits
    add(root, v.limits, v)
    walk(v.requires, v, child(root, 0, 1), ())
    return out


def _limits(p: Problem, limits: tuple[Limit, ...], qv: QualVersion) -> list[CLimit]:
    """A document's limits with bounds in the target's system (``max_share``/``min_share`` of ``qv``'s credits)."""
    system = p.version.system
    rb = p.rb

    def amount(x: Quantity) -> Fraction:
        return rb.rescale(rb.convert(x, qv.system), qv.system, system)

    share_base = rb.rescale(qv.credits, qv.system, system) if qv.credits is not None else Fraction(0)
    out: list[CLimit] = []
    for lim in limits:
        # a limit's filter as this learner reads it: conditions on learner facts take the learner's (section 17)
        where = None if lim.where is None else resolve_facts(lim.where, p.facts)

        def put(kind: str, bound: Fraction, share: Fraction | None = None, of: str | None = None, lim: Limit = lim, where: Filter | None = where) -> None:
            out.append(CLimit(lim.id, kind, bound, where, of=of, note=lim.note, share=share))

        if lim.max_credits is not None:
            put("max_credits", amount(lim.max_credits))
        if lim.min_credits is not None:
            put("min_credits", amount(lim.min_credits))
        if lim.max_share is not None:
            put("max_credits", lim.max_share * share_base, share=lim.max_share)
        if lim.min_share is not None:
            put("min_credits", lim.min_share * share_base, share=lim.min_share)
        if lim.max_count is not None:
            put("max_count", Fraction(lim.max_count))
        if lim.min_count is not None:
            put("min_count", Fraction(lim.min_count))
        if lim.min_gpa is not None:
            put("min_gpa", lim.min_gpa)
        if lim.min_distinct is not None:
            put("min_distinct", Fraction(lim.min_distinct.count), of=lim.min_distinct.of)
    return out


def counts_against(p: Problem, i: int, other: int, claimed: set[int], fed: dict[int, int]) -> bool:
    """Does item ``i`` count against ``other``, its `incompatible` partner? Claimed, or fed to an application that does
    not grant ``other``'s credential (micro-credentials stacking into the very unit they overlap do not count twice)."""
    if i in claimed:
        return True
    return i in fed and p.items[other].credential not in {p.items[g].credential for g in p.apps[fed[i]].grants}


def flipped(
    rb: RuleBase, unflipped: Sequence[tuple[CNode, Requirement, str]], held: Sequence[semantics.HeldLike], facts: Mapping[str, object], as_of: dt.date
) -> CNode | None:
    """The first node whose `holds` condition, false for the learner as things stand, ``held`` (the holdings plus
    a completion's additions) meets; None when every one stays false (decide/conditions.py writes the model's side)."""
    for node, tree, _ in unflipped:
        if semantics.holds(rb, tree, held, facts, as_of):
            return node
    return None
