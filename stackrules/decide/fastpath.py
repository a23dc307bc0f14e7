"""The fast path: a greedy allocation for audits the learner's own study completes.

It is accepted only when it is provably optimal by docs/language.md section 16's
order for a met audit (the "most progress" key is applied to not-met audits
only, docs/language.md, so it does not enter here): the independent
checker finds it valid and the target met (so ``remaining`` is 0), no
pending credit (it claims completed study only), no granted credit and no
rule application is used (all 0), and the credit claimed equals the target's
total (the least any completion can claim). Anything else, including a
greedy that fails, goes to the exact solver. Credit rules may be in play
as long as none could exempt a node (an exemption could lower the credit a completion must claim); exceptions and
`shares_with` always go to the solver. The greedy claims completed home
study only (a choice resting on pending study is not provably the one with
the least pending credit), never lets two incompatible holdings (or two
holdings of one credential) both count, and marks its choice
``path="fast"`` so that tests can see which path decided.
"""

from __future__ import annotations

from collections.abc import Collection
from fractions import Fraction

from ..compile.tree import CNode
from ..language.quantity import total
from . import semantics
from .choice import Choice
from .problem import Problem


def greedy_completion(p: Problem) -> Choice | None:
    if any(app.exempt for app in p.apps) or p.waived or p.exception_claims or any(n.shares_with for n in p.top.walk()):
        return None
    if any(n.kind == "competencies" for n in p.top.leaves()):
        return None
    if p.settled:
        return None  # nodes that do not apply, or sign-offs: the solver decides around them
    if any(semantics.repeat_bound(p.rb, p.items[g[0]].credential) > 1 for g in p.same_credential):
        return None  # repeatable credentials held more than once: the solver decides how many copies count
    items = p.items
    # completed home study only: a choice resting on pending study is not provably the least pending credit (section 16)
    own = {leaf: [i for i in lst if items[i].origin == "holding" and not items[i].pending] for leaf, lst in p.eligible.items()}
    reach: dict[int, int] = {}
    for lst in own.values():
        for i in lst:
            reach[i] = reach.get(i, 0) + 1
    reserved = {i for n in p.top.leaves() if n.kind == "credential" for i in own.get(n.index, [])}
    # items that may not both count: `incompatible` pairs, and two holdings of one credential
    clash: dict[int, set[int]] = {}
    for x, y in p.incompatible:
        clash.setdefault(x, set()).add(y)
        clash.setdefault(y, set()).add(x)
    for group in p.same_credential:
        for x in group:
            clash.setdefault(x, set()).update(j for j in group if j != x)
    for scarce_first in (False, True):
        found = _attempt(p, own, reach, reserved, clash, scarce_first)
        if found is not None:
            return found
    return None


def _attempt(p: Problem, own: dict[int, list[int]], reach: dict[int, int], reserved: set[int], clash: dict[int, set[int]], scarce_first: bool) -> Choice | None:
    """One greedy pass: children of `all` in document order, or (``scarce_first``) the scarcest pools first."""
    items = p.items
    used: set[int] = set()
    claims: dict[int, list[int]] = {}

    def order(i: int) -> tuple[bool, int, int, str]:
        # least contested first: not named by a leaf, fillable by few leaves, incompatible with little
        return (i in reserved, reach.get(i, 0), len(clash.get(i, ())), items[i].key)

    def free_of(i: int, taken: Collection[int]) -> bool:
        """May ``i`` count next to ``taken``? (Not used yet, and incompatible with none of it.)"""
        return i not in used and i not in taken and not any(j in taken or j in used for j in clash.get(i, ()))

    def scarcity(c: CNode) -> tuple[bool, int]:
        # named credentials first (they have no choice), then the child the fewest items could fill
        leaves = c.leaves()
        return (any(leaf.kind != "credential" for leaf in leaves), len({i for leaf in leaves for i in own.get(leaf.index, [])}))

    def fill(n: CNode) -> bool:
        if n.kind == "credential":
            free = [i for i in own.get(n.index, []) if free_of(i, ())]
            if not free:
                return False
            used.add(free[0])
            claims[n.index] = [free[0]]
            return True
        if n.kind == "pool":
            got: list[int] = []
            total = Fraction(0)
            free = sorted((i for i in own.get(n.index, []) if free_of(i, ())), key=order)
            while free and not semantics.pool_met(n, total, len(got)):
                # for a credit pool, an item that does not overshoot what is still needed, if there is one
                short = n.credits - total if n.credits is not None else None
                i = next((i for i in free if short is None or items[i].credits <= short), free[0])
                got.append(i)
                total += items[i].credits
                free = [j for j in free if j != i and free_of(j, got)]
            ok = semantics.pool_met(n, total, len(got))
            if not ok:
                return False
            used.update(got)
            claims[n.index] = got
            return True
        need = semantics.threshold(n)
        done = 0
        for c in sorted(n.children, key=scarcity) if scarce_first and n.kind == "all" else n.children:
            if done >= need:
                break
            if n.kind == "all":
                if not fill(c):
                    return False  # the whole fill fails: nothing to undo
                done += 1
                continue
            saved_used, saved_claims = set(used), {k: list(v) for k, v in claims.items()}
            if fill(c):
                done += 1
            else:
                used.clear()
                used.update(saved_used)
                claims.clear()
                claims.update(saved_claims)
        return done >= need

    if not fill(p.top):
        return None
    target = p.top.min_total or Fraction(0)
    claimed = total(items[i].credits for i in used)
    if claimed < target:
        # the total needs more: over-claim into pools, least contested items first
        # pools that must be met before those inside an alternative (a child of `any` or `at_least`), as the solver prefers
        pools = sorted((n for n in p.top.leaves() if n.kind == "pool"), key=lambda n: any(a.kind in ("any", "at_least") for a in n.ancestors()))
        for i in sorted((i for i in reach if i not in used), key=lambda i: (items[i].credits > target - claimed, *order(i))):
            if claimed >= target:
                break
            if not free_of(i, ()):
                continue  # incompatible with what already counts
            if claimed + items[i].credits > target and any(claimed + items[j].credits <= target for j in reach if j not in used and j != i):
                continue  # an item that fits the total exactly may still come
            leaf = next((n for n in pools if i in own.get(n.index, [])), None)
            if leaf is not None:
                claims.setdefault(leaf.index, []).append(i)
                used.add(i)
                claimed += items[i].credits
    if claimed != target:
        return None  # not provably the least total claimed: let the solver decide
    return Choice("optimal", claims={leaf: [(i, 1) for i in its] for leaf, its in claims.items()}, completion=True, path="fast")
