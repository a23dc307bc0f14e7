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
from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np

from ..compile.target import CompiledTarget, prerequisites_met
from ..compile.tree import CNode
from ..rulebase.filters import catalogue_index, credential_attrs
from ..rulebase.index import CredentialInfo, QualVersion, RuleBase, iter_nodes
from .items import Application, Item


def add_catalogue(
    rb: RuleBase,
    ct: CompiledTarget,
    items: list[Item],
    eligible: dict[int, list[int]],
    open_leaves: set[int],
    plan: str | None = None,
    quick: bool = False,
    bound: Fraction | None = None,
    most_credit: Fraction | None = None,
    single: frozenset[str] = frozenset(),
    fills: Fills = (Fraction(0), frozenset()),
) -> frozenset[str]:
    """Catalogue credentials that could be added, merged when interchangeable (``single``: never merged).

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
    :func:`_undominated`). With ``most_credit`` (a plan that asks for no
    alternatives: the most credit an optimal plan can add, see
    :func:`_stood_in`), merged groups that enough kept groups stand in for
    are left out. ``fills`` (:func:`mandatory_fills`, a plan's): credit every
    plan adds apart from the candidates it names, which sharpens both of those.
    Returns the credentials in the model whose prerequisites the learner lacks
    (a plan's fast path compares them).
    """
    entries, lay = ct.catalogue, ct.layout
    # with shares_with one added credential may fill two leaves, which a merged group's claims cannot tell
    # from two copies: every entry stays single. (`min_distinct` does not need that: the compiled signature
    # keeps apart credentials that differ in what it counts, and each term is a later term of its own.)
    sharing = any(n.shares_with for n in ct.top.walk())
    distinct = any(lim.kind == "min_distinct" for n in ct.top.walk() for lim in n.limits)
    every_leaf = all(leaf.index in open_leaves for leaf in ct.top.leaves())
    unready, fixed, single_entries = _selection(rb, ct, items, plan, quick, bound, sharing, fills)
    fixed |= {lay.position[c] for c in single if c in lay.position}
    alone = (fixed | single_entries) - (unready - single_entries)
    skip = unready | alone
    made: list[tuple[int, tuple[int, ...]]] = [(k, (k,)) for k in alone]
    layout = plan or "audit"
    slot = lay.slot(layout)
    # A plan's unready entries (every one needs a prerequisite) are most of those it skips: the layout keeps each
    # group without the entries needing prerequisites (lay.ready_groups), and only groups with another entry
    # skipped, or with an entry whose prerequisites this learner has, are filtered here
    needing = lay.prereq if plan is not None else frozenset()
    base, firsts = lay.ready_groups(layout) if plan is not None else (tuple(m for _, m in lay.groups(layout)), lay.firsts(layout))
    touched = {slot[k] for k in skip if k not in needing} | {slot[k] for k in needing - unready}
    merged: list[tuple[int, tuple[int, ...]]] = []  # (first entry in catalogue order, members)
    for place, (_, members) in enumerate(lay.groups(layout)):
        if place not in touched:
            if base[place]:
                merged.append((firsts[place], base[place]))
            continue
        members = tuple([k for k in members if k not in skip])
        if members:
            merged.append((min(members), members))
    if plan is not None and most_credit is not None and not sharing and not distinct:
        merged = _stood_in(ct, merged, most_credit, fills)
    made += merged
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
    return frozenset(entries[k].credential for k in unready & single_entries)


def _selection(
    rb: RuleBase,
    ct: CompiledTarget,
    items: list[Item],
    plan: str | None,
    quick: bool,
    bound: Fraction | None,
    sharing: bool,
    fills: Fills = (Fraction(0), frozenset()),
) -> tuple[set[int], set[int], set[int]]:
    """Which entries need prerequisites the learner lacks, which are never merged, and which of those stay single.

    ``items``: the problem's items before the catalogue is added.
    """
    entries, lay = ct.catalogue, ct.layout
    present = {it.credential for it in items}
    held = {it.credential for it in items if it.origin == "holding"}
    # entries never merged: the learner has them, they are in an incompatibility, or claims are shared
    fixed = set(range(len(entries))) if sharing else set(lay.involved) | {lay.position[c] for c in present if c in lay.position}
    fixed |= _repeatable(rb, ct)  # repeats stay single
    unready: set[int] = set()
    single: set[int] = set()
    if plan is not None:
        maybe = {k for c in held for k in lay.mentions.get(c, ())}  # entries whose prerequisites name something held
        unready = set(lay.prereq - {k for k in maybe if k in lay.prereq and _prereq_met(rb, entries[k].credential, held)})
        if quick:
            kept = unready & lay.named
        elif bound is not None and plan in ("credits", "cost"):
            kept = _undominated(ct, unready, fixed, plan, bound, fills)
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
    return unready, fixed, single


def unready_with(rb: RuleBase, ct: CompiledTarget, items: list[Item], plan: str, bound: Fraction, fills: Fills = (Fraction(0), frozenset())) -> frozenset[str]:
    """What :func:`add_catalogue` returns for a plan's full model within ``bound``, without building it.

    ``items``: the problem's items before the catalogue is added (the full model's are the same).
    """
    sharing = any(n.shares_with for n in ct.top.walk())
    unready, _, single = _selection(rb, ct, items, plan, False, bound, sharing, fills)
    return frozenset(ct.catalogue[k].credential for k in unready & single)


def _repeatable(rb: RuleBase, ct: CompiledTarget) -> frozenset[int]:
    """The target's catalogue entries that may be taken again (``repeat_max``), found once per target."""
    found = ct.layout._memo.get("repeatable")
    if found is None:
        found = ct.layout._memo.setdefault(
            "repeatable", frozenset(k for k, e in enumerate(ct.catalogue) if rb.credentials[e.credential].repeat_max is not None)
        )
    return found  # type: ignore[no-any-return]


def _prereq_met(rb: RuleBase, credential: str, held: set[str]) -> bool:
    pre = rb.credentials[credential].prerequisites
    # strict: a holding may not pass a prerequisite's grade or date; such an entry is kept out of the quick plan and
    # never stands in for another, and the plan model decides it (decide/schedule.py, Ready)
    return pre is None or prerequisites_met(pre, held, strict=True)


def _undominated(ct: CompiledTarget, unready: set[int], fixed: set[int], plan: str, bound: Fraction, fills: Fills = (Fraction(0), frozenset())) -> set[int]:
    """Entries needing prerequisites that an optimal plan within ``bound`` might still need.

    What :func:`_undominated_loop` finds, counted on arrays (:func:`_cells`) when they are small
    enough: the stand-ins of an entry in group ``g`` costing ``p`` offered in ``o`` are the ready, free
    entries of the groups that stand in for ``g``, costing at most ``p``, offered whenever ``o`` is. For
    the objective credits they all weigh what the entry weighs (they carry its credit); for cost each
    weighs its price, so they all weigh at most the entry and the least of them is the cheapest price
    with a stand-in. An entry weighing nothing, or (cost) without a price, is always kept: a stand-in
    weighing nothing, if any, makes the least weight 0.

    ``fills`` (objective credits only): every plan adds at least ``fills[0]`` credit through the entries
    ``fills[1]``. Those are then never counted as stand-ins, so a plan taking an entry that is not one of
    them and ``k`` stand-ins adds at least ``w + k * low + fills[0]``: its bound is ``bound - fills[0]``.
    """
    cells = _cells(ct)
    if cells is None:
        return _undominated_loop(ct, unready, fixed, plan, bound)
    group, _, prices, at_price, at_mask, cover, dominators, _ = cells
    weights, scale = ct.layout.weights(plan)
    top = math.floor(bound * scale)
    if top >= 2**62 or max(weights, default=0) >= 2**62:
        return _undominated_loop(ct, unready, fixed, plan, bound)  # (weights beyond int64: counted one by one)
    ws = _weight_array(ct, plan)
    lacking = np.fromiter(unready, dtype=np.int64, count=len(unready))
    cand = lacking[ws[lacking] <= top]
    if not len(cand):
        return set()
    free = np.ones(len(group), dtype=bool)
    free[lacking] = False
    free[list(fixed)] = False
    # each candidate's own bound: less the mandatory fills' credit unless it is one of their candidates
    tops = np.full(len(cand), top, dtype=np.int64)
    if plan == "credits" and fills[0] > 0:
        free[list(fills[1])] = False
        sharper = math.floor((bound - fills[0]) * scale)
        tops[~np.isin(cand, np.fromiter(fills[1], dtype=np.int64, count=len(fills[1])))] = sharper
    exact = np.zeros((len(ct.dominators), len(prices), cover.shape[0]), dtype=np.int64)
    np.add.at(exact, (group[free], at_price[free], at_mask[free]), 1)
    standing = _summed(dominators, np.cumsum(exact, axis=1) @ cover)  # [g, p, o]: stand-ins costing at most p
    # the cheapest price with a stand-in: the first price where the (cumulative) count is not 0
    first = np.argmax(standing > 0, axis=1)  # [g, o]
    w = ws[cand]
    g, o = group[cand], at_mask[cand]
    swaps = standing[g, at_price[cand], o]
    low = w if plan == "credits" else prices[first[g, o]].astype(np.int64)
    # kept: weighing nothing (cost: a price unknown weighs 0), without a stand-in, a least stand-in weighing
    # nothing, or too few stand-ins for a plan within the bound to leave one unused
    # (a candidate heavier than its own bound is in no plan within it: left out)
    keep = (w <= tops) & ((w <= 0) | (swaps == 0) | (low <= 0) | (swaps <= (tops - w) // np.where(low > 0, low, 1)))
    return {int(k) for k in cand[keep]}


def _weight_array(ct: CompiledTarget, plan: str) -> np.ndarray:
    """The layout's weights on ``plan`` as an int64 array, made once per target (the caller checks they fit)."""
    key = "weight-array:" + plan
    found = ct.layout._memo.get(key)
    if found is None:
        found = ct.layout._memo.setdefault(key, np.array(ct.layout.weights(plan)[0], dtype=np.int64))
    return found  # type: ignore[no-any-return]


Cells = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _cells(ct: CompiledTarget) -> Cells | None:
    """The target's catalogue as arrays for counting stand-ins, once per target; None when too large to count this way.

    Each entry's signature group, price (a price unknown is the dearest, one more than any known),
    its index among the sorted prices and among the offerings; ``cover[a, b]``: offerings ``a`` include
    every term of ``b`` (none listed: every term); for each signature group, the groups that stand in
    for it and those that also stand in for each other with it, as flat lists with their starts.
    """
    lay = ct.layout
    if "cells" in lay._memo:
        return lay._memo["cells"]  # type: ignore[no-any-return]
    entries = ct.catalogue
    costs, _ = lay.weights("cost")
    dear = 1 + max(costs, default=0)
    price = np.array([costs[k] if entries[k].cost is not None else dear for k in range(len(entries))], dtype=np.int64)
    prices = np.unique(price)
    masks = sorted(set(lay.offered))
    found: Cells | None = None
    size = len(prices) * len(masks)
    pairs = sum(map(len, ct.dominators))
    if len(ct.dominators) * size <= 5_000_000 and pairs <= 2_000_000 and pairs * size <= 20_000_000:
        index = {m: i for i, m in enumerate(masks)}
        cover = np.array([[not a or (bool(b) and set(b) <= set(a)) for b in masks] for a in masks], dtype=np.int64)
        sets = [frozenset(hs) for hs in ct.dominators]
        both = [tuple(h for h in hs if g in sets[h]) for g, hs in enumerate(ct.dominators)]
        group = np.array([e.group for e in entries], dtype=np.int64)
        at_price = np.searchsorted(prices, price)
        at_mask = np.array([index[o] for o in lay.offered], dtype=np.int64)
        found = (group, price, prices, at_price, at_mask, cover, _flat(ct.dominators), _flat(both))
    return lay._memo.setdefault("cells", found)


def _flat(lists: Sequence[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Lists of group numbers (none empty: each holds its own group) as one array and each list's start."""
    starts = np.cumsum([0] + [len(x) for x in lists[:-1]], dtype=np.int64)
    return np.array([h for x in lists for h in x], dtype=np.int64), starts


def _summed(lists: tuple[np.ndarray, np.ndarray], counts: np.ndarray) -> np.ndarray:
    """For each group ``g``, the sum of ``counts[h]`` over the groups ``h`` of its list."""
    flat, starts = lists
    return np.add.reduceat(counts[flat], starts, axis=0)


def _undominated_loop(ct: CompiledTarget, unready: set[int], fixed: set[int], plan: str, bound: Fraction) -> set[int]:
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


def _stood_in(
    ct: CompiledTarget, merged: list[tuple[int, tuple[int, ...]]], most_credit: Fraction, fills: Fills = (Fraction(0), frozenset())
) -> list[tuple[int, tuple[int, ...]]]:
    """The merged groups of a plan's catalogue less those that enough others stand in for strictly.

    Every member of a merged group is ready (the learner has its prerequisites),
    free (no incompatibility, no repeat, held by nobody, named by no
    prerequisite of anything in the model) and alike in the group on credit,
    leaves, limits, cost and offerings. A group ``Y`` stands in for a group
    ``X`` when ``Y``'s signature group can stand in for ``X``'s (the same
    credit, every leaf ``X`` fills, no worse under every limit:
    :mod:`stackrules.compile.target`), ``Y`` costs no more (a price unknown is
    the dearest) and is offered in every term ``X`` is; strictly, when ``X``
    does not also stand in for ``Y``. Swapping a member of ``X`` in a plan for
    an unused member of ``Y`` (in the same term, on the same leaves) keeps
    every leaf, limit, prerequisite, load and the credit added, and worsens no
    level of a plan's order: not the credit, the cost, the terms, the audit's
    credit kept (held sources only) or the nearness to the audit (the same
    leaves are claimed).

    A plan that takes a member of ``X`` and ``k`` members of groups standing
    in for it adds at least ``(k + 1) * c`` credit (``c``: ``X``'s credit,
    which they share). ``most_credit`` bounds the credit of every optimal plan
    of the models this problem is for (docs/design.md, "Plans"), so
    ``k <= most_credit / c - 1``; ``X`` is left out when the groups that stand
    in for it strictly have ``most_credit // c`` members or more, left out or
    not: in an optimal plan that takes ``X`` one of them is unused, and the
    swap moves a member strictly up the (finite, acyclic) strict order, so
    repeated swaps end in an optimal plan that takes no group left out.

    With ``fills`` (:func:`mandatory_fills`): every plan adds at least
    ``fills[0]`` credit through the entries ``fills[1]``. Those are not
    counted among the stand-ins, so when ``X`` has none of them the plan adds
    at least ``(k + 1) * c + fills[0]``, and ``X`` is left out at
    ``(most_credit - fills[0]) // c`` members standing in for it. The swap
    keeps the fills (it trades a member of ``X`` for one that is not a fill).
    """
    cells = _cells(ct)
    if not merged or cells is None:
        return merged  # (too large to count on arrays: nothing is left out)
    group, _, prices, at_price, at_mask, cover, dominators, equals = cells
    first = np.array([m[0] for _, m in merged], dtype=np.int64)
    g, p, o = group[first], at_price[first], at_mask[first]
    filling = fills[1] if fills[0] > 0 else frozenset()
    holds_fill = [bool(filling) and any(k in filling for k in m) for _, m in merged]
    exact = np.zeros((len(ct.dominators), len(prices), cover.shape[0]), dtype=np.int64)  # members per (group, price, offerings)
    # (a fill's candidates are no stand-ins)
    sizes = [len(m) - (sum(1 for k in m if k in filling) if holds else 0) for (_, m), holds in zip(merged, holds_fill, strict=True)]
    np.add.at(exact, (g, p, o), np.array(sizes, dtype=np.int64))
    within = np.cumsum(exact, axis=1) @ cover  # [h, p, o]: members of h costing at most p, offered whenever o is
    # those standing in strictly: less those of groups each stands in for the other (the same price and offerings)
    standing = _summed(dominators, within)[g, p, o] - _summed(equals, exact)[g, p, o]
    need: dict[tuple[int, bool], int | None] = {}  # (signature group, a fill's) -> the stand-ins that leave it out (None: never)
    out = []
    for x, group_of in enumerate(merged):
        key = (int(g[x]), holds_fill[x])
        if key not in need:
            credits = ct.catalogue[group_of[1][0]].attrs.credits  # one credit per signature group
            most = most_credit if holds_fill[x] else most_credit - fills[0]
            need[key] = math.floor(most / credits) if credits > 0 else None
        least = need[key]
        if least is None or standing[x] < least:
            out.append(group_of)
    return out


Fills = tuple[Fraction, frozenset[int]]  # credit every plan adds through these catalogue entries (positions)


def mandatory_fills(
    ct: CompiledTarget,
    top: CNode,
    items: list[Item],
    eligible: dict[int, list[int]],
    apps: list[Application],
    source_eligible: dict[int, list[int]],
    open_leaves: frozenset[int],
    aside: frozenset[int],
) -> Fills:
    """Named leaves every completion fills with study it adds, and the least credit that takes.

    A leaf counts when every node from the root to it is an ``all`` group (or the leaf), none of them
    in ``aside`` (waived, settled for this learner, exempted by a credit rule, or met by an exception's
    claim: nodes whose met-ness is not its claims'), and it names a credential: it is met only by a
    claim of an eligible item. ``eligible`` is read before the catalogue is added; the items it lists
    for the leaf must all be credit a rule grants, from an application each of whose possible sources
    is an addition (none held) and whose `from` tree needs at least one source claimed. Every completion
    then claims the leaf with a catalogue entry whose compiled ``leaves`` hold it (exceptions only take
    such pairs away) or with such a grant, and so adds at least the least credit among those entries
    and those sources. Leaves are taken in tree order while their entries and sources are disjoint from
    those taken before, so that each leaf taken needs an addition of its own. Returns the sum of those
    least credits and every catalogue entry of a leaf taken (the sources are no catalogue entries).
    None at all when claims are shared (`shares_with`: one addition may fill two named leaves).
    """
    if any(n.shares_with for n in ct.top.walk()):
        return Fraction(0), frozenset()
    by_leaf = _entries_by_leaf(ct)
    total = Fraction(0)
    taken: set[int] = set()
    sources_taken: set[int] = set()
    stack = [top]
    while stack:
        n = stack.pop()
        if n.index in aside:
            continue
        if n.kind == "all":
            stack.extend(reversed(n.children))
            continue
        if n.kind != "credential" or n.credential is None or n.index not in open_leaves:
            continue
        sources = _grant_sources(items, eligible.get(n.index, []), apps, source_eligible)
        cands = by_leaf.get(n.index, ())
        if sources is None or not (cands or sources) or taken.intersection(cands) or sources_taken.intersection(sources):
            continue
        taken.update(cands)
        sources_taken.update(sources)
        total += min([ct.catalogue[k].attrs.credits for k in cands] + [items[i].credits for i in sources])
    return total, frozenset(taken)


def _grant_sources(items: list[Item], fill: list[int], apps: list[Application], source_eligible: dict[int, list[int]]) -> set[int] | None:
    """The additions that could be the sources of the grants ``fill`` lists, each of which needs one of them; None
    when something else can fill the leaf (a holding, a grant from a held source, a `from` tree met without one)."""
    out: set[int] = set()
    for i in fill:
        it = items[i]
        if it.origin != "grant" or it.app is None:
            return None
        app = apps[it.app]
        if app.root.kind not in ("all", "any", "at_least", "credential", "pool") or (app.root.kind == "at_least" and app.root.k < 1):
            return None
        for leaf in app.root.leaves():
            if leaf.kind not in ("credential", "pool") or (leaf.kind == "pool" and not ((leaf.credits or 0) > 0 or (leaf.count or 0) > 0)):
                return None
        mine = {j for leaf in app.root.leaves() for j in source_eligible.get(leaf.index, [])}
        if not mine or any(items[j].origin != "addition" for j in mine):
            return None  # (no source: not counted on; a held one fills the leaf with no credit added)
        out |= mine
    return out


def _entries_by_leaf(ct: CompiledTarget) -> dict[int, tuple[int, ...]]:
    """Leaf index -> the catalogue entries (positions) whose compiled ``leaves`` hold it, once per target."""
    found = ct.layout._memo.get("entries-by-leaf")
    if found is None:
        lists: dict[int, list[int]] = {}
        for k, e in enumerate(ct.catalogue):
            for leaf in e.leaves:
                lists.setdefault(leaf, []).append(k)
        found = ct.layout._memo.setdefault("entries-by-leaf", {leaf: tuple(ks) for leaf, ks in lists.items()})
    return found  # type: ignore[no-any-return]


def add_external(
    rb: RuleBase,
    v: QualVersion,
    items: list[Item],
    trees: list[tuple[CNode, QualVersion]],
    accepts: Callable[[CNode, Item, tuple[str, ...]], bool],
    top: CNode | None = None,
    rules: tuple[str, ...] = (),
) -> None:
    """Catalogue credentials that some credit rule for the target could take as a source: other providers', and the
    target provider's own that fill no requirement themselves (micro-credentials that stack into a unit; those that
    fill one are catalogue additions already, :func:`add_catalogue`). ``rules``: the ids of the rules ``trees`` are."""
    have = {it.credential for it in items}
    others = sorted((c for provider, cs in rb.credentials_by_provider.items() if not v.is_home(provider) for c in cs), key=lambda c: c.id)
    index = catalogue_index(rb, v.system)
    leaves = [(leaf, tv) for tree, tv in trees for leaf in tree.leaves()]

    def probe_of(c: CredentialInfo) -> Item:
        return Item(len(items), c.id, c.id, "addition", credential_attrs(rb, c.id, v.system), cost=c.cost, members=(c.id,))

    def source(c: CredentialInfo) -> Item | None:
        probe = probe_of(c)
        return probe if any(accepts(leaf, probe, tv.fields) for leaf, tv in leaves) else None

    def sources(among: list[CredentialInfo]) -> set[str]:
        """Which of ``among`` some rule leaf accepts: each leaf tests only the credentials the catalogue's index says
        its filter could match (a superset: the filter still decides), not the whole catalogue (over an institution,
        20,000 credentials times every leaf of its rules took about 10 s of each plan)."""
        wanted = {c.id: c for c in among}
        found: set[str] = set()
        for leaf, tv in leaves:
            if leaf.kind == "credential":
                names = {leaf.credential, *rb.equivalents.get(leaf.credential or "", ())}
                candidates = [wanted[n] for n in sorted(n for n in names if n in wanted)]
            elif leaf.where is None:
                candidates = among
            else:
                candidates = [wanted[a.id] for a in index.candidates(leaf.where) if a.id in wanted]
            for c in candidates:
                if c.id not in found and accepts(leaf, probe_of(c), tv.fields):
                    found.add(c.id)
        return found

    pool = [c for c in others if c.type != "qualification" and c.id not in have]
    taken = sources(pool)
    for c in pool:
        if c.id in taken:
            items.append(probe_of(c))
    if top is None or v.provider is None or not trees:
        return
    # the target provider's own: which its rules could take is found once per rule base and set of rules (a scan
    # of the provider's catalogue), then each is kept unless it fills a requirement itself
    key = ("home rule sources", v.provider, v.system, rules)
    # a `from` filter that reads a learner fact depends on the learner: not kept
    personal = any(leaf.where is not None and leaf.where.facts() for tree, _ in trees for leaf in tree.leaves())
    found: list[str] | None = None if personal else rb.memo.get(key)
    if found is None:
        home = sorted((c for provider, cs in rb.credentials_by_provider.items() if v.is_home(provider) for c in cs), key=lambda c: c.id)
        home = [c for c in home if c.type != "qualification"]
        taken = sources(home)
        found = [c.id for c in home if c.id in taken]
        if not personal:
            found = rb.memo.setdefault(key, found)
    for cid in found:
        if cid in have:
            continue
        probe = source(rb.credentials[cid])
        if probe is not None and not any(accepts(leaf, probe, v.fields) for leaf in top.leaves()):
            probe.index = len(items)
            items.append(probe)


def offering_names(rb: RuleBase, ct: CompiledTarget, sources: list[Item]) -> tuple[str, ...]:
    """Every term name in the `offered` lists of what a plan for ``ct`` could add, sorted.

    That is the target's catalogue (every credential that fills a leaf, before any is left out), the
    other credentials ``sources`` a credit rule could take, and their prerequisites, transitively: a
    plan's default calendar. The catalogue's part is found once per target.
    """
    memo = ct.layout._memo
    found = memo.get("offering names")
    if found is None:
        found = memo.setdefault("offering names", _offered_with_prerequisites(rb, {e.credential for e in ct.catalogue}))
    names: set[str] = set(found)
    if sources:
        names |= _offered_with_prerequisites(rb, {it.credential for it in sources})
    return tuple(sorted(names))


def _offered_with_prerequisites(rb: RuleBase, credentials: set[str]) -> frozenset[str]:
    seen = set(credentials)
    queue = sorted(seen)
    names: set[str] = set()
    while queue:
        info = rb.credentials.get(queue.pop())
        if info is None:
            continue
        names.update(info.offered)
        if info.prerequisites is not None:
            for n, _ in iter_nodes(info.prerequisites, ()):
                if n.credential and n.credential not in seen:
                    seen.add(n.credential)
                    queue.append(n.credential)
    return frozenset(names)


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
