"""Catalogue additions: the credentials a completion (``remaining``) or a plan may add.

Interchangeable catalogue credentials are merged into one item with a
multiplicity (their compiled signature: same leaves, credit and limits);
what the learner has, what takes part in an incompatibility and what needs
prerequisites stays single. A plan may also add other providers' credentials
that a credit rule could take as sources, and the prerequisites of whatever
it adds.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Callable
from fractions import Fraction

from ..compile.target import CompiledTarget, prerequisites_met
from ..compile.tree import CNode
from ..rulebase.filters import credential_attrs
from ..rulebase.index import QualVersion, RuleBase, iter_nodes
from .items import Item


def add_catalogue(
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
    # with shares_with one added credential may fill two leaves, which a merged group's claims cannot tell
    # from two copies: every entry stays single. (`min_distinct` does not need that: the compiled signature
    # keeps apart credentials that differ in what it counts, and each term is a later term of its own.)
    sharing = any(n.shares_with for n in ct.top.walk())
    distinct = any(lim.kind == "min_distinct" for n in ct.top.walk() for lim in n.limits)
    every_leaf = all(leaf.index in open_leaves for leaf in ct.top.leaves())
    # entries never merged: the learner has them, they are in an incompatibility, or claims are shared
    fixed = set(range(len(entries))) if sharing else set(lay.involved) | {lay.position[c] for c in present if c in lay.position}
    fixed |= {k for k, e in enumerate(entries) if rb.credentials[e.credential].repeat_max is not None}  # repeats stay single
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
        # a repeatable credential may be added again up to its bound (with what is held, a row of the model)
        repeats = rb.credentials[entry.credential].repeat_max if len(members) == 1 else None
        if repeats is not None and (distinct or plan is not None):
            # each repeat is an item of its own: a later term of its own for distinct-term limits, and in a plan
            # a term of its own in the schedule (the plan's audit is re-checked with the terms it is given)
            for r in range(1, repeats + 1):
                key = entry.credential if r == 1 else f"{entry.credential}@+{r}"
                attrs = dataclasses.replace(entry.attrs, term=f"later:{entry.credential}#{r}")
                item = Item(len(items), key, entry.credential, "addition", attrs, cost=entry.cost, members=(entry.credential,))
                items.append(item)
                for leaf in fits:
                    eligible[leaf].append(item.index)
            continue
        item = Item(len(items), entry.credential, entry.credential, "addition", entry.attrs, cost=entry.cost, members=tuple(map(ids.__getitem__, members)))
        item.multiplicity = repeats or len(members)
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
    # costs as integer ranks (a price unknown is the dearest), offerings as bit masks (0: every term)
    costs, _ = lay.weights("cost")
    dear = 1 + max(costs, default=0)
    price = [costs[k] if entries[k].cost is not None else dear for k in range(len(entries))]
    names: dict[str, int] = {}
    offered = [sum(1 << names.setdefault(t, len(names)) for t in lay.offered[k]) for k in range(len(entries))]

    def covers(a: int, b: int) -> bool:
        return a == 0 or (b != 0 and b & ~a == 0)

    # group -> (cost, offerings) -> the sorted weights of its ready, free members with them
    stand_in: dict[int, dict[tuple[int, int], list[int]]] = {}
    for _, members in lay.groups("audit"):
        for k in members:
            if k not in unready and k not in fixed:
                stand_in.setdefault(entries[k].group, {}).setdefault((price[k], offered[k]), []).append(weights[k])
    for sigs in stand_in.values():
        for ws in sigs.values():
            ws.sort()
    kept: set[int] = set()
    lists_of: dict[tuple[int, int, int], list[list[int]]] = {}
    memo: dict[tuple[int, int, int, int], bool] = {}
    for k in unready:
        w = weights[k]
        if w > top:
            continue  # heavier than the whole plan
        g = entries[k].group
        key = (g, w, price[k], offered[k])
        if key not in memo:
            at = (g, price[k], offered[k])
            lists = lists_of.get(at)
            if lists is None:
                lists = lists_of[at] = [
                    ws for h in ct.dominators[g] for (cost, o), ws in stand_in.get(h, {}).items() if cost <= price[k] and covers(o, offered[k])
                ]
            swaps = sum(bisect.bisect_right(ws, w) for ws in lists)
            low = min((ws[0] for ws in lists), default=0)
            memo[key] = swaps == 0 or low <= 0 or swaps <= (top - w) // low
        if memo[key]:
            kept.add(k)
    return kept


def add_external(
    rb: RuleBase, v: QualVersion, items: list[Item], trees: list[tuple[CNode, QualVersion]], accepts: Callable[[CNode, Item, tuple[str, ...]], bool]
) -> None:
    """Other providers' catalogue credentials that some credit rule for the target could take as a source."""
    have = {it.credential for it in items}
    others = sorted((c for provider, cs in rb.credentials_by_provider.items() if not v.is_home(provider) for c in cs), key=lambda c: c.id)
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
            # a superseded credential is retired: a prerequisite naming it is met by its successor instead
            if n.credential and n.credential not in have and n.credential in rb.credentials and n.credential not in rb.superseded:
                have.add(n.credential)
                queue.append(n.credential)
                c = rb.credentials[n.credential]
                attrs = credential_attrs(rb, c.id, system)
                items.append(Item(len(items), c.id, c.id, "addition", attrs, cost=c.cost, members=(c.id,)))
