"""A degreepath-style baseline: enumerate every allocation of claims, keep the best.

degreepath (St. Olaf's audit engine) solves each rule by enumerating the
combinations of courses that could satisfy it and trying them against the
rest of the tree. This module does the same over the same compiled problem
the engine uses (items, leaves, eligibility), so both answer the same
question on the same instance: which allocation meets the most of the tree.
It stops at ``limit`` seconds and says so.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from fractions import Fraction

from stackrules.compile.tree import CNode
from stackrules.decide.problem import Problem


class TimedOut(Exception):
    pass


def _met(n: CNode, got: dict[int, list[int]], p: Problem) -> bool:
    if n.kind == "credential":
        return bool(got.get(n.index))
    if n.kind == "pool":
        its = [p.items[i] for i in got.get(n.index, [])]
        if n.credits is not None:
            return sum((it.credits for it in its), Fraction(0)) >= n.credits
        return len(its) >= (n.count or 0)
    if n.kind == "competencies":
        return set(n.competencies) <= {c for i in got.get(n.index, []) for c in p.items[i].attrs.competencies}
    kids = [_met(c, got, p) for c in n.children]
    need = len(kids) if n.kind == "all" else 1 if n.kind == "any" else n.k
    ok = sum(kids) >= need
    if ok and n.min_total is not None:
        used = {i for leaf in n.leaves() for i in got.get(leaf.index, [])}
        ok = sum((p.items[i].credits for i in used), Fraction(0)) >= n.min_total
    return ok


def _score(top: CNode, got: dict[int, list[int]], p: Problem) -> int:
    return sum(1 for n in top.walk() if n.id is not None and _met(n, got, p)) + (1000 if _met(top, got, p) else 0)


def _options(leaf: CNode, free: list[int], p: Problem) -> Iterator[tuple[int, ...]]:
    """Every way the leaf could claim from the free items, lazily (the caller checks the clock)."""
    elig = [i for i in p.eligible.get(leaf.index, []) if i in free and p.items[i].origin != "addition"]
    if leaf.kind == "credential":
        yield from ((i,) for i in elig)
    elif leaf.kind == "pool" and leaf.credits is not None:
        smallest = min((p.items[i].credits for i in elig), default=Fraction(1))
        largest_minimal = int(leaf.credits / smallest) + 1  # a minimal combination is never longer
        for size in range(1, min(len(elig), largest_minimal) + 1):
            for combo in itertools.combinations(elig, size):
                total = sum((p.items[i].credits for i in combo), Fraction(0))
                if total >= leaf.credits and total - min(p.items[i].credits for i in combo) < leaf.credits:
                    yield combo  # minimal combinations, as degreepath's "credits" rules do
    else:
        need = leaf.count or len(leaf.competencies) or 1
        yield from itertools.combinations(elig, min(need, len(elig)))
    yield ()


def search(p: Problem, limit: float) -> tuple[bool, int, float]:
    """(met, allocations tried, seconds). Raises TimedOut past ``limit`` seconds."""
    start = time.perf_counter()
    leaves = p.top.leaves()
    best = [-1]
    tried = [0]
    met = [False]

    def go(k: int, free: list[int], got: dict[int, list[int]]) -> None:
        if time.perf_counter() - start > limit:
            raise TimedOut
        if k == len(leaves):
            tried[0] += 1
            s = _score(p.top, got, p)
            if s > best[0]:
                best[0] = s
                met[0] = _met(p.top, got, p)
            return
        leaf = leaves[k]
        for combo in _options(leaf, free, p):
            if time.perf_counter() - start > limit:
                raise TimedOut
            got[leaf.index] = list(combo)
            go(k + 1, [i for i in free if i not in combo], got)
        del got[leaf.index]

    go(0, [it.index for it in p.items], {})
    return met[0], tried[0], time.perf_counter() - start
