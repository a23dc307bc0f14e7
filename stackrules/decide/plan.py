"""Planning: the cheapest way to complete a target, and exploring every target.

A plan is the audit's completion model with the objective changed: least
added credit (``credits``), least cost (``cost``), or fewest terms
(``terms``), with the other two breaking ties (``TIE_BREAKS``). Whatever the
objective, the schedule is part of the model (decide/schedule.py): offerings,
the per-term load, prerequisites by term (through credit too) and
``incompatible`` are constraints, so every plan can be carried out term by
term; a target that cannot be completed within them has no plan. Between the
objective and the tie breaks, a plan keeps the audit's credit choice. Each
plan is re-verified by the audit checker (the target is met) and by the plan
checker (decide/plancheck.py: the schedule and the figures) before it is
returned. Alternatives exclude each plan found and solve again.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

from ..compile.tree import CNode, group_kind
from ..compile.tree import need as group_need
from ..decisions.audit import AuditDecision, AuditStatus, NodeStatus, Proof
from ..decisions.plan import Alternative, NoPlan, Objective, Plan, PlanCost, PlanStatus, PlanStep, PlanTerm, Unplaceable
from ..errors import RequestError, VerificationError
from ..language.documents import Learner
from ..language.models import Requirement
from ..language.quantity import fmt, total
from ..rulebase.index import RuleBase, RuleInfo
from . import semantics
from .audit import Context, as_if_commenced, audit_record, catalog_day, minimums_served, nearest_id, over_full, run_audit
from .catalogue import offering_names
from .checker import flipped, total_without, verify
from .choice import Choice
from .model import AuditModel
from .plancheck import PlannedTerm, UsedCredit, check_plan
from .problem import Item, Problem, build_problem
from .schedule import (
    MAX_TERMS,
    Conditions,
    Ready,
    Timing,
    add_prerequisite_rows,
    add_schedule,
    conditions_below,
    held_to,
    list_schedule,
    read_schedule,
)

OBJECTIVES = ("credits", "cost", "terms")
# after a plan's own objective, the other two break ties, in this order (docs/language.md section 16)
TIE_BREAKS = {"credits": ("cost", "terms"), "cost": ("terms", "credits"), "terms": ("cost", "credits")}


@dataclass(frozen=True)
class PlanOptions:
    objective: str = "credits"
    alternatives: int = 0
    max_load: Fraction | None = None  # credit per term, in the target's system; default half a full-time year
    terms: tuple[str, ...] = ()  # the term calendar, repeating; default: the offering names of what the plan could add
    allow_unpriced: bool = False  # objective cost: may credentials without a price be chosen?
    look_ahead: bool = False  # in-progress and planned holdings count (and are never added again)
    catalog_year: int | None = None  # what-if: plan for the version of that catalogue year, not the learner's own


# the calendar of a plan none of whose candidates names its offerings: terms numbered, not named (an empty name
# offers nothing that names its terms, and is never shown)
UNNAMED: tuple[str, ...] = ("",)


def _calendar(rb: RuleBase, opts: PlanOptions, p: Problem) -> tuple[str, ...]:
    """``--terms``, else the offering names of what a plan for ``p``'s target could add (not another provider's
    names: a music college's plan is not told it runs in a university's S1 and S2), else :data:`UNNAMED`."""
    if p.compiled is None:
        return opts.terms or UNNAMED
    # a plan's problem: the other credentials its credit rules could take come before the catalogue (add_external)
    assert p.plan is not None and p.catalogue_added
    sources = [it for it in p.items[: p.before_catalogue] if it.origin == "addition"]
    # the target's catalogue names the calendar; other providers' periods (a college's T1 and T2) run beside it, not
    # after it (schedule.held_to): their names make the calendar only when the target's catalogue names none
    names = offering_names(rb, p.compiled, []) or offering_names(rb, p.compiled, sources)
    if opts.terms:
        _known_terms(names, opts.terms)
        return opts.terms
    return names or UNNAMED


def _known_terms(offered: tuple[str, ...], terms: tuple[str, ...]) -> None:
    """``--terms`` names the periods what the plan could add is ``offered`` in: a name that differs from one of them
    only in case (`s1` for `S1`) is a slip (SR5002, with the name to use). A calendar of other names is a calendar:
    what cannot be placed on it makes no plan, each credential named with its offerings (exit 2)."""
    known = set(offered)
    for name in terms:
        if name not in known:
            alike = sorted(k for k in known if k.casefold() == name.casefold())
            if alike:
                raise RequestError(
                    "SR5002",
                    f"`--terms` names `{name}`, and no credential is offered in it: they are offered in `{alike[0]}`",
                    f"names are compared as written: use `{alike[0]}`",
                )


def _calendar_text(calendar: tuple[str, ...]) -> str:
    return ", ".join(calendar) if calendar != UNNAMED else "(its terms have no names: no credential it could add names its offerings)"


def _load(ctx: Context, p: Problem, opts: PlanOptions) -> Fraction:
    """Credit per term: as asked, else half a full-time year of the target's system."""
    return opts.max_load if opts.max_load is not None else ctx.rb.systems[p.version.system].full_time_year / 2


def _ready(p: Problem) -> Ready:
    """Credentials the learner has from the first term: held (in progress too, with look-ahead) and counting, each
    meeting a prerequisite's grade or date only as its holdings do (decide/schedule.py)."""
    return Ready(p)


def _cost_weights(adds: list[Item]) -> dict[int, int]:
    """Each added item's weight on cost, as whole numbers (a price unknown weighs more than any known one)."""
    d = 1
    for it in adds:
        if it.cost is not None:
            d = d * it.cost.denominator // math.gcd(d, it.cost.denominator)
    known = {it.index: int(it.cost * d) for it in adds if it.cost is not None}
    unknown = 2 * max(known.values(), default=0) + 1
    return {it.index: known.get(it.index, unknown) for it in adds}


@dataclass
class _Attempt:
    """One solve of a plan model: the solution and what it needs to be read."""

    status: str
    choice: Choice | None
    chosen: list[Item]
    terms: dict[str, int]
    ties_proven: bool = True
    over: Fraction | None = None  # the model's least credit, when above a guessed ``most_credit`` (no plan read)
    bound: Fraction | None = None  # status "wider": the objective of a plan found, within which a wider model has more
    # status "wider": that plan (the relaxation's, scheduled term by term): a plan, not proven the best, kept in case
    # the wider model is not solved within the time limit
    found: tuple[Choice, list[Item], dict[str, int]] | None = None


@dataclass(frozen=True)
class _Keep:
    """The audit's credit choice, which a plan keeps unless changing it lowers the objective."""

    sources: frozenset[tuple[str, str]]  # (rule id, held source's key)
    # (item key, leaf) of the audit's claims of what the learner has: the plan's claims keep them where they can,
    # so that what it adds lands where the audit's "Still needed" says
    claims: frozenset[tuple[str, int]] = frozenset()
    # the leaves where the audit's completion adds study ("Still needed"): among otherwise equal plans, the one
    # that adds there is chosen, so that what the plan adds to a node is what the audit says it still needs
    completes: frozenset[int] = frozenset()
    # (credential, leaf) of each credential the audit's "Still needed" names (a single, not one of a merged group):
    # among those, the plan takes the very credential the audit names where another would do as well
    names: frozenset[tuple[str, int]] = frozenset()


def _model(
    p: Problem,
    opts: PlanOptions,
    calendar: tuple[str, ...],
    load: Fraction,
    cuts: list[dict[int, int]],
    keep: _Keep,
    horizon: int | None,
    exclude: frozenset[int] = frozenset(),
) -> tuple[AuditModel, list[Item], dict[str, dict[int, int]], list[dict[int, int]], Timing | None]:
    """A plan model: with terms up to ``horizon``, or without terms (``None``: a relaxation of it).

    ``exclude``: additions left out (proven never taken by the plans this model is asked for).
    Returns the model, the addable items, the plan's named levels, the audit's levels, the timing.
    """
    b = AuditModel(p, exclude=exclude, horizon=horizon)
    b.build(True, True)
    adds = [it for it in p.items if it.origin == "addition" and it.index in b.u]
    ready, retakes = _ready(p), _retakes(p)
    for it in adds:
        if _never_added(p, it, ready, retakes):
            b.milp.fix(b.u[it.index], 0.0)
        elif opts.objective == "cost" and it.cost is None and not opts.allow_unpriced:
            b.milp.fix(b.u[it.index], 0.0)  # a price unknown is not free
    # the repeats of one credential are alike: the model takes them in order (a repeat only after the one before),
    # so that a set of additions names one plan and excluding it (an alternative) excludes that plan, not one copy of it
    repeats: dict[str, list[int]] = {}
    for it in adds:
        repeats.setdefault(it.credential, []).append(b.u[it.index])
    for copies in repeats.values():
        for before, after in itertools.pairwise(copies):
            b.milp.row({after: 1.0, before: -1.0}, hi=0)
    timing = None
    if horizon is None:
        add_prerequisite_rows(b, p, ready)
    else:
        timing = add_schedule(b, p, adds, calendar, load, horizon, ready)
    for cut in cuts:
        # exclude a plan already found and every plan that takes all of it and more (that plan plus a unit that
        # counts for nothing is no alternative): some credential it took is taken fewer times. `took[i]` is 1
        # whenever item i is taken at least as often as that plan took it (0 forces it to be taken fewer times)
        if any(i not in b.u for i in cut):
            continue  # a credential of it is left out of this model: no plan here takes all of it
        took = []
        for i, times in sorted(cut.items()):
            y = b.milp.var(f"took-all[{p.items[i].key}]")
            room = max(b.milp.ub[b.u[i]] - times + 1, 1.0)
            b.milp.row({b.u[i]: 1.0, y: -room}, hi=times - 1)
            took.append(y)
        b.milp.row(dict.fromkeys(took, 1.0), hi=len(took) - 0.5)
    # the audit's credit kept: each held source stays with the rule the audit gave it (study the plan
    # adds may earn credit freely)
    kept: dict[int, int] = {}
    for app in p.apps:
        for leaf in app.root.leaves():
            for i in p.source_eligible.get(leaf.index, []):
                if p.items[i].origin != "addition" and (i, leaf.index) in b.s:
                    kept[b.s[(i, leaf.index)]] = -1 if (app.rule.id, p.items[i].key) in keep.sources else 1
    near = len(keep.names) + 1
    named = {
        "credits": {b.u[it.index]: int(b.cred[it.index]) for it in adds if b.cred[it.index]},  # scaled: whole numbers
        # weighed over every addition of the problem, not this model's: a model that leaves some out (the model with
        # terms) must weigh alike, or a cost held at another model's value would hold something else
        "cost": {b.u[i]: w for i, w in _cost_weights([it for it in p.items if it.origin == "addition"]).items() if w and i in b.u},
        "terms": {timing.last: 1} if timing is not None else {},
        "keep": kept,
        # after the plan's own levels: as near the audit as can be (its claims of what the learner has, and
        # additions where its completion adds them)
        # (and among plans equally near, the one adding the very credentials the audit names: each such claim weighs
        # one more, and every other nearness weighs more than all of those together)
        "near": {
            j: -near - (p.items[i].origin == "addition" and (p.items[i].credential, leaf) in keep.names)
            for (i, leaf), j in b.x.items()
            if (p.items[i].key, leaf) in keep.claims or (p.items[i].origin == "addition" and leaf in keep.completes)
        },
    }
    return b, adds, named, b.objectives(True)[1:], timing


def _never_added(p: Problem, it: Item, ready: Ready, retakes: dict[str, str]) -> bool:
    """Held (:func:`_held_again`), or incompatible with something held."""
    return _held_again(p, it, ready, retakes) or bool(_held_incompatible(p.rb, it.credential, ready))


def _held_again(p: Problem, it: Item, ready: Ready, retakes: dict[str, str]) -> bool:
    """Held, and not repeatable (a repeatable one may be taken again), nor one a leaf needs retaken (:func:`_retakes`)."""
    info = p.rb.credentials.get(it.credential)
    return it.credential in ready and (info is None or info.repeat_max is None) and it.credential not in retakes


def _retakes(p: Problem) -> dict[str, str]:
    """Held credentials a plan may take again, as the audit's completion may: a leaf takes the credential but not the
    learner's holding of it, for a grade or an award date the holding does not pass (docs/language.md, "remaining").
    Credential -> why, in words ("graded P, below D for `good`")."""
    out: dict[str, str] = {}
    held = [it for it in p.items if it.origin == "holding" and it.holding is not None]
    if not held:
        return out
    for leaf in p.top.leaves():
        if leaf.min_grade is None and leaf.within_years is None:
            continue
        for it in held:
            if it.credential in out or not any(
                p.items[i].credential == it.credential and p.items[i].origin == "addition" for i in p.eligible.get(leaf.index, [])
            ):
                continue
            here = p.eligible.get(leaf.index, [])
            if any(p.items[h].credential == it.credential and p.items[h].holding is not None for h in here):
                continue  # a holding of it counts there (an attempt in progress, with look-ahead): nothing to retake
            if semantics.conditions(p.rb, leaf, it.attrs, p.as_of):
                continue  # this holding passes there, and is kept out for another reason (an exception's block)
            a, where = it.attrs, nearest_id(leaf, p)
            said = []
            if leaf.min_grade is not None and not semantics.grade_and_years(p.rb, leaf.min_grade, None, a, p.as_of):
                said.append(f"is graded {a.grade}, below the {leaf.min_grade} `{where}` asks for")
            if leaf.within_years is not None and not semantics.grade_and_years(p.rb, None, leaf.within_years, a, p.as_of):
                day = a.awarded.isoformat() if a.awarded else "an unknown day"
                said.append(f"was passed on {day}, longer ago than the {fmt(leaf.within_years)} years `{where}` allows")
            out[it.credential] = " and ".join(said)
    return out


def _held_incompatible(rb: RuleBase, credential: str, ready: Ready) -> list[str]:
    """What the learner has that ``credential`` is `incompatible` with, whichever side declares the pair."""
    partners = rb.incompatible_with.get(credential)
    return sorted(c for c in partners if c in ready) if partners else []


MAX_REASONS = 8  # credentials named in a "no plan" answer


def _order(opts: PlanOptions) -> list[str]:
    """The plan's own levels: its objective, the audit's credit kept, the two tie breaks, nearness to the audit."""
    return [opts.objective, "keep", *TIE_BREAKS[opts.objective], "near"]


def _read(p: Problem, b: AuditModel, adds: list[Item], values: list[float], status: str) -> tuple[Choice, dict[int, list[Item]]]:
    choice = b.read(status, values, True)
    by_index: dict[int, list[Item]] = {}
    for it in adds:
        members = _members(p, it, round(values[b.u[it.index]]))
        if members:
            by_index[it.index] = members
    return choice, by_index


def _grants(p: Problem, choice: Choice) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each application used: the credentials it grants and the sources the plan adds for it."""
    out = []
    for a in choice.apps:
        app = p.apps[a]
        added = {p.items[i].credential for leaf in app.root.leaves() for i in choice.source_claims.get(leaf.index, []) if p.items[i].origin == "addition"}
        out.append((tuple(sorted(p.items[g].credential for g in app.grants)), tuple(sorted(added))))
    return out


NO_PRICE = "it has no price (use --allow-unpriced, or allow_unpriced in the API, to plan with it)"
TIE_NODES = 200  # branch-and-bound nodes for each tie-break solve; past it the best found is used and the plan says so
# the share of the time left that the tie breaks may take, and the point up to which the model with terms may run when
# it only breaks ties: a plan whose objective is proven is never lost to a tie break that runs out of time
TIE_SHARE = 0.5
LATE_SHARE = 0.8


def _share(deadline: float, share: float) -> float:
    """A deadline ``share`` of the way from now to ``deadline``."""
    now = time.monotonic()
    return now + max(deadline - now, 0.0) * share


Enough = Callable[[Fraction], bool]  # does a model have every candidate an optimal plan within this bound may need


def _attempt(
    p: Problem,
    opts: PlanOptions,
    calendar: tuple[str, ...],
    load: Fraction,
    cuts: list[dict[int, int]],
    keep: _Keep,
    deadline: float,
    enough: Enough | None = None,
) -> _Attempt:
    """One plan: optimal on its objective and the audit's credit kept, then the tie breaks, then the audit's order for its claims.

    Two models keep this fast and exact. First the levels before ``terms`` are solved without terms
    (a relaxation: every schedulable plan is a plan of it), and its plan is scheduled term by term.
    That schedule's length L bounds the fewest terms of any plan equal so far, so the model with
    terms needs a horizon of L only; there those levels are held at the relaxation's values (the
    scheduled plan attains them) and the rest are solved. When L is already the least possible
    (the credit to add over the load), the schedule is kept without the second model. When the
    relaxation's plan cannot be scheduled, the model with terms decides alone over MAX_TERMS.
    The objective and the audit's credit kept are proven; each tie break gets TIE_NODES branch-and-bound nodes (a bound on work, not time: the same plan on every run)
    and, when not proven within them, the best one found is used (``ties_proven`` says which).

    ``enough`` (the fast model of a plan: :func:`plan_decision`) says whether this model has every candidate an
    optimal plan within a bound on the objective may need. The relaxation's plan, when it can be scheduled term by
    term, is a plan, and its objective such a bound: when that is not enough, the attempt stops there (status
    "wider", with the bound) rather than break ties in a model whose plan the caller would not use.
    """
    if time.monotonic() >= deadline:
        return _Attempt("time_limit", None, [], {})  # (its models take seconds to build over an institution)
    order = _order(opts)
    ready = _ready(p)
    own = order[:2]  # proven: the objective, the audit's credit kept
    before = order[: order.index("terms")]  # the levels the relaxation decides
    b, adds, named, _, _ = _model(p, opts, calendar, load, cuts, keep, None)
    levels_a = before[:2] if before else ["credits"]  # objective `terms`: any plan's length bounds it
    # a plan of the fast model bounds the least credit of this one (p.bound: every plan of the fast model, or one
    # as good on every level, is a plan of this model), which lets the solve leave out what its LP proves dearer
    at_most = math.floor(p.bound * b.scale) if p.bound is not None and levels_a[0] == "credits" and not cuts else None
    sol = b.milp.solve([named[k] for k in levels_a], deadline, first_at_most=at_most)
    if sol.status != "optimal":
        return _Attempt(sol.status if sol.status == "infeasible" or not sol.values else "time_limit", None, [], {})
    if p.most_guessed and p.most_credit is not None and opts.objective == "credits":
        # merged groups were left out for a guessed bound on an optimal plan's credit (catalogue._stood_in):
        # an optimum within it proves it (this model is within the full one, whose optimum is then within it
        # too); above it, the optimum found bounds the full model's, and the caller solves again with that
        at_least = Fraction(round(sum(w * sol.values[j] for j, w in named["credits"].items())), int(b.scale))
        if at_least > p.most_credit:
            return _Attempt("over", None, [], {}, over=at_least)
    if enough is not None and order[0] in ("credits", "cost"):
        loose, loose_by = _read(p, b, adds, sol.values, "optimal")
        taken = [x for its in loose_by.values() for x in its]
        scheduled = list_schedule(p, taken, _grants(p, loose), calendar, load, ready)
        if scheduled is not None:
            bound = total(it.credits if order[0] == "credits" else it.cost or Fraction(0) for it in taken)
            if not enough(bound):
                return _Attempt("wider", None, [], {}, bound=bound, found=(loose, taken, scheduled))
    proven_ties = True
    if before[2:]:
        for k in levels_a:
            if named[k]:
                b.milp.row({j: float(w) for j, w in named[k].items()}, hi=round(sum(w * sol.values[j] for j, w in named[k].items())) + 0.5)
        # nearness to the audit is decided here too; a plan that then reaches the least terms is nearest among
        # those with the least terms as well (the model with terms, when needed, puts terms first again).
        # The plan just found bounds the tie breaks: what its relaxation proves dearer is left out of the search
        # at most half the time left: past it the plan found so far is kept (its objective proven, the tie breaks
        # said to be unproven), and what follows still has time to schedule it, rather than no plan at all
        tie = b.milp.solve([named[k] for k in before[2:]] + [named["near"]], _share(deadline, TIE_SHARE), TIE_NODES, known=sol.values)
        if tie.values:
            sol = tie
        proven_ties = tie.status == "optimal"
    held_at = {k: round(sum(w * sol.values[j] for j, w in named[k].items())) for k in before}
    choice, by_index = _read(p, b, adds, sol.values, "optimal")
    chosen = [x for its in by_index.values() for x in its]
    first = list_schedule(p, chosen, _grants(p, choice), calendar, load, ready)
    if first is not None and order[0] == "credits":
        least = math.ceil(total(it.credits for it in chosen) / load) if chosen else 0
        if max(first.values(), default=0) <= least:
            # no plan equal on the levels above (they all add this much credit) takes fewer terms
            b, adds, named, audit_levels, _ = _model(p, opts, calendar, load, cuts, keep, None, _unchosen(p, by_index))
            return _finish(p, b, adds, named, audit_levels, None, order, held_at, by_index, first, proven_ties, deadline)
    horizon = max(first.values(), default=1) if first is not None else MAX_TERMS
    # the model with terms holds the levels above at the relaxation's values (when it has a plan to hold them
    # at): additions the relaxation proves too dear for those values are left out of it
    # the model with terms, when it only breaks ties, leaves time for the fallback below (the relaxation's plan as
    # scheduled term by term, whose claims _finish still picks)
    late = _share(deadline, LATE_SHARE) if first is not None and order[0] != "terms" else deadline
    out = _never_tied(b, adds, named, before, held_at, late) if first is not None and order[0] != "terms" else frozenset()
    b, adds, named, audit_levels, timing = _model(p, opts, calendar, load, cuts, keep, horizon, out)
    assert timing is not None
    rest = order
    if first is not None and order[0] != "terms":
        for k in before:
            if named[k]:
                b.milp.row({j: float(w) for j, w in named[k].items()}, hi=held_at[k] + 0.5)
        rest = order[order.index("terms") :]
    tied = rest[0] not in own
    sol = b.milp.solve([named[k] for k in rest], late if tied else deadline, TIE_NODES if tied else None)
    if not sol.values and first is not None and tied:
        # no better schedule found in time: the relaxation's plan, as scheduled term by term
        b, adds, named, audit_levels, _ = _model(p, opts, calendar, load, cuts, keep, None, _unchosen(p, by_index))
        return _finish(p, b, adds, named, audit_levels, None, order, held_at, by_index, first, False, deadline)
    if sol.status == "infeasible" or not sol.values:
        return _Attempt(sol.status, None, [], {})
    proven_ties = proven_ties and (sol.status == "optimal" or not tied)
    if sol.status != "optimal" and not tied:
        return _Attempt(sol.status, None, [], {})
    held_at = {k: round(sum(w * sol.values[j] for j, w in named[k].items())) for k in order if named[k]}
    _, by_index = _read(p, b, adds, sol.values, "optimal")
    terms = read_schedule(p, timing, by_index, sol.values)
    return _finish(p, b, adds, named, audit_levels, timing, order, held_at, by_index, terms, proven_ties, deadline)


def _unchosen(p: Problem, by_index: dict[int, list[Item]]) -> frozenset[int]:
    """The additions a chosen plan does not take: left out of the model that picks its claims."""
    return frozenset(it.index for it in p.items if it.origin == "addition" and it.index not in by_index)


def _never_tied(
    b: AuditModel, adds: list[Item], named: dict[str, dict[int, int]], levels: list[str], held_at: dict[str, int], deadline: float
) -> frozenset[int]:
    """Additions that no plan equal to ``held_at`` on ``levels`` takes, proven on the relaxation ``b``.

    Every plan with terms is a plan of the relaxation, so an addition that the relaxation proves
    dearer than ``held_at`` on one of the levels (reduced-cost fixing with a bound that holds
    whatever the LP solver's accuracy: :meth:`~stackrules.decide.milp.Model.excluded_above`) is in
    no plan that the model with terms, holding those levels, may return.
    """
    cols = {b.u[it.index]: it.index for it in adds}
    out: set[int] = set()
    # measured: the credit and keep levels almost never exclude anything the cost level does not (additions
    # weigh alike in credit), so only cost is bounded when it is held; else the first level
    levels = ["cost"] if "cost" in levels else levels[:1]
    for k in levels:
        if not named[k] or k not in held_at:
            continue
        found = b.milp.excluded_above(named[k], held_at[k], sorted(cols), deadline)
        if found is not None:
            out |= {cols[j] for j in found}
    return frozenset(out)


def _finish(
    p: Problem,
    b: AuditModel,
    adds: list[Item],
    named: dict[str, dict[int, int]],
    audit_levels: list[dict[int, int]],
    timing: Timing | None,
    order: list[str],
    held_at: dict[str, int],
    by_index: dict[int, list[Item]],
    terms: dict[str, int],
    proven_ties: bool,
    deadline: float,
) -> _Attempt:
    """The plan is chosen (its additions and their terms); the audit's order of section 11 picks its claims."""
    for it in adds:
        b.milp.fix(b.u[it.index], float(len(by_index.get(it.index, []))))
        if timing is not None:
            for t, z in timing.take[it.index].items():
                b.milp.fix(z, float(sum(1 for x in by_index.get(it.index, []) if terms[x.key] == t)))
    for k in order:
        if named[k] and k in held_at:
            b.milp.row({j: float(w) for j, w in named[k].items()}, hi=held_at[k] + 0.5)
    sol = b.milp.solve(audit_levels, deadline)
    if not sol.values:
        return _Attempt(sol.status, None, [], {})
    choice, _ = _read(p, b, adds, sol.values, "optimal" if sol.status == "optimal" else sol.status)
    chosen = [x for its in by_index.values() for x in its]
    # the plan's levels are proven; which claims the audit of it reports is proven only when this solve finished
    return _Attempt("optimal", choice, chosen, terms, proven_ties and sol.status == "optimal")


def _keep_of(p: Problem, choice: Choice) -> _Keep:
    """Which held sources feed which rule in ``choice``."""
    sources: set[tuple[str, str]] = set()
    for a in choice.apps:
        app = p.apps[a]
        for leaf in app.root.leaves():
            for i in choice.source_claims.get(leaf.index, []):
                if p.items[i].origin != "addition":
                    sources.add((app.rule.id, p.items[i].key))
    claims = {(p.items[i].key, leaf) for leaf, cl in choice.claims.items() for i, _ in cl if p.items[i].origin != "addition"}
    completes = {leaf for leaf, cl in choice.claims.items() for i, _ in cl if p.items[i].origin == "addition"}
    names = {
        (p.items[i].credential, leaf) for leaf, cl in choice.claims.items() for i, _ in cl if p.items[i].origin == "addition" and p.items[i].multiplicity == 1
    }
    return _Keep(frozenset(sources), frozenset(claims), frozenset(completes), frozenset(names))


def _credit_used(p: Problem, choice: Choice) -> list[UsedCredit]:
    out = []
    for a in choice.apps:
        app = p.apps[a]
        sources = sorted({p.items[i].credential for leaf in app.root.leaves() for i in choice.source_claims.get(leaf.index, [])})
        out.append(UsedCredit(app.rule.id, tuple(sorted(p.items[g].credential for g in app.grants)), tuple(sources)))
    return out


def _why_not(p: Problem, opts: PlanOptions, calendar: tuple[str, ...], load: Fraction, deadline: float) -> tuple[Unplaceable, ...]:
    """Why no plan fits: the credentials that cannot be placed, from a model without terms."""
    b = AuditModel(p)
    b.build(True, True)
    adds = [it for it in p.items if it.origin == "addition" and it.index in b.u]
    ready, retakes = _ready(p), _retakes(p)
    for it in adds:
        if _never_added(p, it, ready, retakes):  # as in the plan model
            b.milp.fix(b.u[it.index], 0.0)
    least = {b.u[it.index]: int(it.credits * b.scale) for it in adds}
    sol = b.milp.solve([least], deadline)
    if sol.status != "optimal":
        clashing = _clashing_needed(p, adds, ready, retakes, least, deadline)
        if clashing:
            return clashing
        return (Unplaceable(None, "no combination of catalogue credentials meets the requirements, whatever the schedule (the audit says what is missing)"),)
    out = []
    unit = p.version.system
    named: set[str] = set()
    # a merged group of interchangeable catalogue entries is named by the members the completion takes
    taken = [m for it in adds for m in _members(p, it, round(sol.values[b.u[it.index]]))]
    beside = frozenset(it.credential for it in taken)
    for it in taken:
        if it.credential in named:
            continue
        named.add(it.credential)  # the repeats of a credential are named once, by the credential
        info = p.rb.credentials.get(it.credential)
        if (offered := held_to(info, calendar, p.version.is_home)) and not set(offered) & set(calendar):
            out.append(Unplaceable(it.credential, f"offered only in {', '.join(offered)}, never in the calendar {_calendar_text(calendar)}"))
        elif it.credits > load:
            out.append(Unplaceable(it.credential, f"its {fmt(it.credits)} {unit} exceed the load of {fmt(load)} per term"))
        elif opts.objective == "cost" and it.cost is None and not opts.allow_unpriced:
            out.append(Unplaceable(it.credential, NO_PRICE))
        elif info is not None and info.prerequisites is not None and (blocked := _blocked_prerequisites(p, info.prerequisites, ready, calendar, beside)):
            out.append(Unplaceable(it.credential, "its prerequisites cannot be met: " + "; ".join(blocked)))
    if not out:
        out.append(Unplaceable(None, f"what completes the target does not fit into {MAX_TERMS} terms of at most {fmt(load)} {unit}"))
    return tuple(out)


def _clashing_needed(p: Problem, adds: list[Item], ready: Ready, retakes: dict[str, str], least: dict[int, int], deadline: float) -> tuple[Unplaceable, ...]:
    """When only credentials `incompatible` with a holding complete the target: those a completion takes, each with the
    holding it clashes with (the audit may still add one, when that holding counts nowhere; a plan never does)."""
    b = AuditModel(p)
    b.build(True, True)
    for it in adds:
        if _held_again(p, it, ready, retakes):  # what the plan model leaves out, but for the incompatible ones
            b.milp.fix(b.u[it.index], 0.0)
    sol = b.milp.solve([least], deadline)
    if sol.status != "optimal":
        return ()
    out = []
    for it in adds:
        clash = _held_incompatible(p.rb, it.credential, ready)
        if clash and round(sol.values[b.u[it.index]]) > 0:
            with_ = ", ".join(clash)
            out.append(Unplaceable(it.credential, f"`incompatible` with {with_}, which the learner holds: a plan never adds it"))
    return tuple(out)


def _at_most(reasons: tuple[Unplaceable, ...]) -> tuple[Unplaceable, ...]:
    """The first MAX_REASONS reasons, and the credentials of the rest named in one line."""
    if len(reasons) <= MAX_REASONS:
        return reasons
    rest = [c.credential for c in reasons[MAX_REASONS:] if c.credential]
    return (
        *reasons[:MAX_REASONS],
        Unplaceable(None, f"and {len(reasons) - MAX_REASONS} more: {', '.join(rest)}" if rest else f"and {len(reasons) - MAX_REASONS} more"),
    )


def _blocked_prerequisites(p: Problem, r: Requirement, ready: Ready, calendar: tuple[str, ...], beside: frozenset[str] = frozenset()) -> list[str]:
    """Why prerequisite tree ``r`` can never be met (empty when it can): each credential it needs that is neither held
    nor can be taken or granted, with why. Granted credit counts as a way (a rule may give it). ``beside``: what the
    completion takes (the credential that needs ``r`` among it): a prerequisite `incompatible` with one of them cannot
    be taken beside it."""
    granted = {it.credential for it in p.items if it.origin == "grant"}
    why: dict[str, str] = {}

    def ok(n: Requirement, above: Conditions = ()) -> bool:
        c = n.credential
        if c is not None:
            if ready.meets(n, above) or c in granted:
                return True
            info = p.rb.credentials.get(c)
            if c in ready:
                # held, but not as the prerequisite asks; a plan does not take it again for a prerequisite
                wanted = conditions_below(n, above)
                asks = " and ".join(
                    dict.fromkeys(
                        x
                        for g, y in wanted
                        for x in (f"grade {g} or better" if g else "", f"a pass within the last {fmt(y)} year{'s' * (y != 1)}" if y else "")
                        if x
                    )
                )
                why[c] = f"{c} is held, but the prerequisite asks for {asks}, which no holding of it has (a plan does not retake it for a prerequisite)"
            elif info is None:
                why[c] = f"{c} is in no catalogue"
            elif (offered := held_to(info, calendar, p.version.is_home)) and not set(offered) & set(calendar):
                why[c] = f"{c} is offered only in {', '.join(offered)}, never in the calendar {_calendar_text(calendar)}"
            elif clash := _held_incompatible(p.rb, c, ready):
                why[c] = f"{c} is incompatible with {', '.join(clash)}, which the learner holds"
            elif taken_too := sorted(p.rb.incompatible_with.get(c, frozenset()) & beside):
                why[c] = f"{c} is incompatible with {', '.join(taken_too)}, which completing the target takes"
            elif info.prerequisites is not None and c not in seen:
                seen.add(c)
                return ok(info.prerequisites)
            else:
                return True
            return False
        kids = [ok(k, conditions_below(n, above)) for k in n.children()]
        return not kids or sum(kids) >= group_need(group_kind(n), len(kids), n.at_least or 1)

    seen: set[str] = set()
    return [] if ok(r) else [why[c] for c in sorted(why)]


def plan_decision(ctx: Context, learner: Learner, target: str, as_of: dt.date, opts: PlanOptions, time_limit: float) -> Plan | NoPlan:
    if opts.objective not in OBJECTIVES:
        raise RequestError("SR5002", f"unknown objective `{opts.objective}`", "use credits, cost or terms")
    if opts.alternatives < 0 or opts.alternatives > 20:
        raise RequestError("SR5002", "alternatives must be between 0 and 20", None)
    if opts.max_load is not None and opts.max_load <= 0:
        raise RequestError("SR5002", "the load per term must be more than 0", None)
    for k, name in enumerate(opts.terms):
        if not name.strip():
            raise RequestError("SR5002", f"term {k + 1} of the calendar has no name", "name every term, e.g. S1,S2")
        if name in opts.terms[:k]:
            raise RequestError("SR5002", f"the term `{name}` is named twice in the calendar", "name each term once: the calendar repeats by itself")
        dated = ctx.rb.dated_terms.get(name)
        if dated is not None:
            # a plan's calendar repeats (S1, S2, S1, ...) from the first term after as_of; a dated term happens once,
            # and naming plan terms after it would put planned study in a term the learner may already have used
            raise RequestError(
                "SR5002",
                f"`{name}` is a dated term of the calendar of `{dated}`, which happens once: a plan's calendar names the offering periods that repeat",
                "name the periods credentials are offered in (e.g. S1,S2), or leave --terms out: the plan then takes its terms from the catalogue's offerings",
            )
    deadline = time.monotonic() + time_limit
    # the audit's credit choice, which the plan keeps unless changing it lowers the objective
    audit_p, audit_choice, _, audit_said = run_audit(ctx, learner, target, as_of, opts.look_ahead, max(deadline - time.monotonic(), 0.01), opts.catalog_year)
    if opts.catalog_year is not None:
        # the audit found the version in force that year (or refused the year): every plan problem takes it too
        learner = as_if_commenced(learner, target, catalog_day(ctx.rb, target, opts.catalog_year))
    keep = _keep_of(audit_p, audit_choice)

    # the most credit an optimal plan adds (docs/design.md, "Plans"): it lets merged catalogue groups that
    # enough others stand in for be left out (catalogue._stood_in). Every plan fits into MAX_TERMS terms of the
    # load, and an optimal plan of the model without terms adds no more credit than one with terms. When the
    # learner's own items meet the target (the audit's choice adds nothing), a plan that adds nothing exists and
    # every optimal plan adds nothing. Not for the objective cost (the relaxation's cheapest plan may add more
    # credit) nor alternatives (a next-best plan may take what an optimal one never needs).
    most: Fraction | None = None
    guess: Fraction | None = None
    if opts.objective != "cost" and opts.alternatives == 0:
        own = audit_said.status in (AuditStatus.MET, AuditStatus.MET_PENDING) and not any(
            audit_p.items[i].origin == "addition" for claims in audit_choice.claims.values() for i, _ in claims
        )
        most = Fraction(0) if own else MAX_TERMS * _load(ctx, audit_p, opts)
        if opts.objective == "credits" and not own and audit_said.credits.remaining is not None:
            # a guess, checked by the first solve (_attempt): the audit's least remaining
            guess = audit_said.credits.remaining

    def problem(quick: bool = False, bound: Fraction | None = None, reduced: bool = True, at_most: Fraction | None = None, guessed: bool = False) -> Problem:
        """A plan's problem; ``at_most``: a bound on an optimal plan's credit known here (a guess, ``guessed``)."""
        fewer = most
        if most is not None and at_most is not None:
            fewer = min(most, at_most)
        elif most is not None and bound is not None and opts.objective == "credits":
            fewer = min(most, bound)  # a plan within the bound adds at most the bound's credit
        built = build_problem(
            ctx.rb,
            learner.doc,
            target,
            as_of,
            opts.look_ahead,
            compiler=ctx.compiler,
            plan=opts.objective,
            quick=quick,
            bound=bound,
            most_credit=fewer if reduced else None,
        )
        built.most_guessed = guessed and fewer is not None
        return built

    def timed_out() -> NoPlan:
        """The time limit spent before a plan's problem was built: not decided (building one over an institution takes
        seconds, and it was built past the limit; a plan given 2.5 s there ran 6-10 s)."""
        return NoPlan(
            audit_p.version.id,
            audit_p.version.title,
            learner.id,
            Objective(opts.objective),
            as_of,
            "not decided within the time limit",
            (),
            ctx.prov,
            Proof.INDETERMINATE,
            audit_said.version,
        )

    plans: list[tuple[Choice, list[Item], dict[str, int]]] = []
    # a plan of the fast model, kept while a wider model is solved: should the time limit stop that solve, it is
    # returned as the best found (proof time_limit), re-verified like any plan, rather than no plan at all
    fallback: tuple[Problem, tuple[Choice, list[Item], dict[str, int]]] | None = None
    proof = "optimal"
    ties_proven = True
    p: Problem | None = None
    if opts.objective != "terms" and opts.alternatives == 0:
        # Fast path (docs/design.md): plan first without the credentials whose prerequisites the learner
        # lacks (unless a leaf names them); the rest merge into few groups. That plan's objective
        # bounds the optimum, which lets the full model drop every credential needing prerequisites
        # that ready ones dominate. If what is left was in the first model, the fast plan is
        # optimal; else the (smaller) full model is solved.
        if time.monotonic() >= deadline:
            return timed_out()
        fast = problem(quick=True, at_most=guess, guessed=guess is not None)
        calendar = _calendar(ctx.rb, opts, fast)  # every plan problem of the learner holds the same rule sources
        answered: dict[Fraction, bool] = {}  # enough's answers for this fast model (its attempt asks first)

        def enough(bound: Fraction) -> bool:
            """Whether the full model within ``bound`` has no candidate needing prerequisites that the fast one lacks."""
            if bound not in answered:
                answered[bound] = fast.unready_with(bound) <= fast.unready
            return answered[bound]

        quick = _attempt(fast, opts, calendar, _load(ctx, fast, opts), [], keep, deadline, enough)
        if fast.most_guessed and (quick.over is not None or quick.status == "infeasible"):
            # the guess was short: the fast model's least credit found within it bounds the fast model's
            # (it is within the fast model); with nothing found, only the horizon's bound is known
            if time.monotonic() >= deadline:
                return timed_out()
            fast = problem(quick=True, at_most=quick.over)
            answered.clear()
            quick = _attempt(fast, opts, calendar, _load(ctx, fast, opts), [], keep, deadline, enough)
        if quick.status == "wider":
            # a plan of the fast model bounds the optimum, and the full model within it has more candidates
            assert quick.bound is not None
            if quick.found is not None:
                fallback = (fast, quick.found)
            if time.monotonic() >= deadline:
                return timed_out()
            p = problem(bound=quick.bound)
        elif quick.status == "optimal" and quick.choice is not None:
            bound = total(it.credits if opts.objective == "credits" else it.cost or Fraction(0) for it in quick.chosen)
            # the same candidates: the fast plan is optimal on every level (an LP bound would prove
            # the objective only, not the tie breaks); the full model is built only when it has others
            if enough(bound):
                p = fast
                plans.append((quick.choice, quick.chosen, quick.terms))
                ties_proven = quick.ties_proven
            else:
                fallback = (fast, (quick.choice, quick.chosen, quick.terms))
                if time.monotonic() >= deadline:
                    return timed_out()
                p = problem(bound=bound)
    if p is None:
        if time.monotonic() >= deadline:
            return timed_out()
        p = problem()
        calendar = _calendar(ctx.rb, opts, p)
    load = _load(ctx, p, opts)
    stopped: str | None = None  # why fewer alternatives than asked: no other plan, or the time limit
    if not plans:
        cuts: list[dict[int, int]] = []
        for _ in range(opts.alternatives + 1):
            got = _attempt(p, opts, calendar, load, cuts, keep, deadline)
            if got.choice is None:
                if got.status == "time_limit":
                    proof = "indeterminate"
                stopped = got.status
                break
            if got.status != "optimal":
                proof = "indeterminate"
            if not plans:
                ties_proven = got.ties_proven
            plans.append((got.choice, got.chosen, got.terms))
            cuts.append(dict(Counter(it.index for it in got.chosen)))
            if got.status != "optimal":
                break
    if not plans and proof == "indeterminate" and fallback is not None:
        # the time limit stopped the wider model before it proved anything: the fast model's plan stands, said to be
        # the best found (its objective not proven, nor its tie breaks), and the checks below re-verify it
        p, plans, proof, ties_proven = fallback[0], [fallback[1]], "time_limit", False
        load = _load(ctx, p, opts)
    if not plans:
        cannot: tuple[Unplaceable, ...] = ()
        if proof == "indeterminate":
            why = "not decided within the time limit"
        else:
            why = "no set of catalogue credentials completes the target within its rules, the offerings and the load"
            # named from every candidate: a group left out for others that stand in for it may be what cannot be placed
            whole = problem(reduced=False) if p.most_credit is not None else p
            cannot = _why_not(whole, opts, calendar, load, deadline)
            if cannot and all(c.why == NO_PRICE for c in cannot):
                # the rules, offerings and load allow a plan: only prices are missing, and the cost objective needs them
                cannot = tuple(Unplaceable(c.credential, "it has no price") for c in cannot)
                priced = any(it.cost is not None for it in whole.items if it.origin == "addition")
                why = (
                    "every way to complete the target takes credentials without a price, which the cost objective does not choose"
                    if priced
                    else "the cost objective needs prices, and no credential that could complete the target has one"
                ) + " (use --allow-unpriced, or allow_unpriced in the API, to plan with them, or the objective credits)"
        # proven that no plan exists: "infeasible", never "optimal" (nothing was optimised); else not decided in time
        done = Proof.INDETERMINATE if proof == "indeterminate" else Proof.INFEASIBLE
        return NoPlan(p.version.id, p.version.title, learner.id, Objective(opts.objective), as_of, why, _at_most(cannot), ctx.prov, done, audit_said.version)
    first, alternatives = plans[0], plans[1:]
    for choice, chosen, terms in plans:
        _give_terms(p, chosen, terms, calendar)
        verify(p, choice)  # raises unless the holdings and the additions complete the target
        _check(p, opts, calendar, load, choice, chosen, terms, choice.completion)
    _give_terms(p, first[1], first[2], calendar)
    ev = verify(p, first[0])
    audit = audit_record(p, first[0], ev, ctx.prov, learner, opts.catalog_year is not None)
    summaries = tuple(_summary(p, alt) for alt in alternatives)
    fewer: str | None = None
    if len(summaries) < opts.alternatives:
        found = (
            f"{len(summaries)} of the {opts.alternatives} alternatives asked for" if summaries else f"none of the {opts.alternatives} alternatives asked for"
        )
        if stopped == "time_limit":
            fewer = f"{found}: the time limit stopped the search for more"
        else:
            # a merged group stands for credentials alike in what the plan weighs: taking another of them is this plan
            alike = sorted({it.credential for it in first[1] if p.items[it.index].multiplicity > 1})
            fewer = f"{found}: no other plan completes the target but this one with more added" + (
                f" (taking another of the credentials alike in credit, cost and where they count as {', '.join(alike)} is not another plan)" if alike else ""
            )
    # study the learner is taking or has planned, not counted without look-ahead: a plan that adds it again says so
    pending: dict[str, str] = {} if opts.look_ahead else {h.credential: str(h.status) for h in learner.doc.holdings if h.status != "completed"}
    # a badge the learner gave for it that did not verify: the plan takes the credential, and says a valid badge would do
    badges = {c: (source, reason) for c, source, reason in learner.unverified_claims}
    record = _plan_record(
        p, first, opts, calendar, load, audit, Proof(proof), keep, ties_proven, summaries, pending, badges, _failed(ctx.rb, learner), deadline
    )
    if audit_said.version.same_as_own and record.version is not None:
        record = replace(record, version=replace(record.version, same_as_own=True))  # (as the audit says it)
    return replace(record, fewer_alternatives=fewer) if fewer is not None else record


def _give_terms(p: Problem, chosen: list[Item], terms: dict[str, int], calendar: tuple[str, ...]) -> None:
    """Each single addition carries the term the schedule gives it, so that the audit checker counts
    distinct terms (``min_distinct: {of: term}``) as the student will take them, not as the model assumed."""
    for it in chosen:
        item = p.items[it.index]
        if item.multiplicity == 1 and it.key in terms:
            t = terms[it.key]
            name = calendar[(t - 1) % len(calendar)]
            item.attrs = replace(item.attrs, term=f"plan term {t}" + (f" ({name})" if name else ""))


def _check(
    p: Problem, opts: PlanOptions, calendar: tuple[str, ...], load: Fraction, choice: Choice, chosen: list[Item], terms: dict[str, int], met: bool
) -> None:
    """The plan checker, on what the plan reports (decide/plancheck.py)."""
    # everything the plan takes (prerequisites too) leaves the tree's `holds` conditions as they stand
    turned = flipped(p.rb, p.unflipped, [*(hv for hv in p.holdings if hv.counts), *chosen], p.facts, p.as_of) if p.unflipped else None
    if turned is not None:
        raise VerificationError(f"plan check: the plan takes what changes whether `{turned.id or turned.path}` applies")
    planned = _terms(p, chosen, terms, calendar)
    check_plan(
        p.rb,
        p.version.system,
        _ready(p).attrs,  # each credential held, with its holdings' grades and dates: the checker judges leaves itself
        [PlannedTerm(t.term, t.name or "", t.credentials) for t in planned],
        load,
        _credit_used(p, choice),
        total(it.credits for it in chosen),
        total(it.cost or Fraction(0) for it in chosen),
        max(terms.values(), default=0),
        met,
        frozenset(_retakes(p)),
        as_of=p.as_of,
        home=p.version.is_home,
        calendar=calendar,
    )


def _members(p: Problem, it: Item, copies: int) -> list[Item]:
    """An added item as ``copies`` named credentials: a merged group names its first members."""
    if copies <= 0:
        return []
    if it.multiplicity == 1:
        return [it]
    out = []
    for cid in it.members[:copies]:
        c = p.rb.credentials[cid]
        attrs = replace(it.attrs, id=cid, title=c.title, tags=c.tags, fields=c.fields, competencies=c.competencies, level=c.level)
        out.append(Item(it.index, cid, cid, it.origin, attrs, cost=c.cost, members=(cid,)))
    return out


def _serves(p: Problem, choice: Choice, node: CNode, i: int) -> str:
    """What an addition a pool takes past its need is there for: a credit total the rest of the choice falls short of
    without it, and the minimum limits it serves (Priya's INFO3010 is there for `upper-level`)."""
    limits, _ = minimums_served(p, node, [i], choice)
    short = [a for a in node.ancestors() if a.min_total is not None and total_without(p, a, choice, [i]) < a.min_total]
    if short:
        whose = p.version.id if short[0] is p.top else f"`{nearest_id(short[0], p)}`"
        return f"towards the total of {whose}" + (f" and {limits}" if limits else "")
    if limits:
        return f"for {limits}"
    if any(a.min_total is not None for a in node.ancestors()):
        return f"towards the total of {p.version.id}"
    return "for the limits"


def _credentials_in(r: Requirement) -> list[str]:
    out = [r.credential] if r.credential else []
    for c in r.children():
        out += _credentials_in(c)
    return out


def _terms(p: Problem, chosen: list[Item], terms: dict[str, int], calendar: tuple[str, ...]) -> tuple[PlanTerm, ...]:
    """The schedule term by term, up to the last term used; a term left empty says why."""
    last = max(terms.values(), default=0)
    by_term: dict[int, list[Item]] = {}
    for it in chosen:
        by_term.setdefault(terms[it.key], []).append(it)
    when: dict[str, int] = {}  # each credential's first term (a repeatable one may be taken again later)
    for it in chosen:
        when[it.credential] = min(when.get(it.credential, terms[it.key]), terms[it.key])
    out = []
    for t in range(1, last + 1):
        name = calendar[(t - 1) % len(calendar)]
        its = sorted(by_term.get(t, []), key=lambda it: (it.credential, it.key))
        empty = None if its else _why_empty(p, chosen, terms, when, t, name, calendar)
        records = sum(1 for it in its if it.attrs.type == "record")
        out.append(PlanTerm(t, name or None, tuple(it.credential for it in its), total(it.credits for it in its), empty, records))
    return tuple(out)


def _why_empty(p: Problem, chosen: list[Item], terms: dict[str, int], when: dict[str, int], t: int, name: str, calendar: tuple[str, ...]) -> str:
    """Why nothing is taken in term ``t``: each later credential is not offered then, or waits for a prerequisite."""
    reasons = []
    for it in sorted(chosen, key=lambda it: (it.credential, it.key)):
        if terms[it.key] <= t:
            continue
        info = p.rb.credentials.get(it.credential)
        if (offered := held_to(info, calendar, p.version.is_home)) and name not in offered:
            reasons.append(f"{it.credential} is offered only in {', '.join(offered)}")
            continue
        waits = sorted(c for c in _credentials_in(info.prerequisites) if when.get(c, 0) >= t) if info and info.prerequisites else []
        if waits:
            reasons.append(f"{it.credential} waits for {', '.join(waits)}")
    return "; ".join(dict.fromkeys(reasons[:3])) or "nothing left can be taken then"


def _cost(p: Problem, added: list[Item]) -> PlanCost:
    priced = [it for it in added if it.cost is not None]
    currencies = sorted({c.currency for it in priced if (c := p.rb.credentials.get(it.credential)) and c.currency})
    return PlanCost(
        total(it.cost or Fraction(0) for it in priced),
        currencies[0] if len(currencies) == 1 else tuple(currencies),
        tuple(sorted(it.credential for it in added if it.cost is None)),
    )


def _summary(p: Problem, plan: tuple[Choice, list[Item], dict[str, int]]) -> Alternative:
    _, added, terms = plan
    return Alternative(tuple(sorted(it.credential for it in added)), total(it.credits for it in added), _cost(p, added), max(terms.values(), default=0))


def _needs_sign_off(p: Problem, chosen: list[Item], node_id: str, deadline: float) -> bool:
    """Does the plan rest on this sign-off: with it never given, do the holdings and the plan's additions (claimed
    anywhere they may be) fail to complete the target? Solved as a question, not a decision, within what is left
    of the plan's time limit; a question not answered in time counts as needed (the plan then says it waits for the
    sign-off)."""
    ids = {n.index for n in p.top.walk() if n.id == node_id and n.index in p.settled}
    never = replace(p, settled={**p.settled, **dict.fromkeys(ids, (False, False))})
    b = AuditModel(never)
    b.build(True, True)
    taken: dict[str, int] = {}
    for it in chosen:
        taken[it.credential] = taken.get(it.credential, 0) + 1
    for i, u in b.u.items():
        it = p.items[i]
        if it.origin == "addition":
            b.milp.ub[u] = min(b.milp.ub[u], float(taken.get(it.credential, 0)))
    return b.milp.solve([{}], max(deadline, time.monotonic() + 0.01)).status != "optimal"


def _plan_record(
    p: Problem,
    plan: tuple[Choice, list[Item], dict[str, int]],
    opts: PlanOptions,
    calendar: tuple[str, ...],
    load: Fraction,
    audit: AuditDecision,
    proof: Proof,
    keep: _Keep,
    ties_proven: bool,
    alternatives: tuple[Alternative, ...],
    pending: dict[str, str],
    badges: dict[str, tuple[str, str]],
    failed: dict[str, str],
    deadline: float,
) -> Plan:
    choice, added, when = plan
    leaf_of: dict[int, list[str]] = {}
    beyond: dict[int, str] = {}  # additions a pool claims past its need (-> the pool): they count for the total and limits
    serves: dict[int, str] = {}  # such an addition -> what it is for: a credit total above its pool, or the limits it counts in
    term_of = {it.index: when[it.key] for it in added}
    # the copies of a merged group of interchangeable entries are named by its members, one each: what each copy does
    # (the node it counts towards, or "past what it needs" with what for), in the order the steps name the members
    slots: dict[int, list[tuple[str, str | None]]] = {}  # item -> per copy: (node, None) or (pool, what it serves)
    for leaf, claims in choice.claims.items():
        node = p.nodes[leaf]
        room = None
        if node.kind == "pool" and node.credits is not None:
            room = node.credits - total(p.items[i].credits * c for i, c in claims if p.items[i].origin != "addition")
        named = node
        while named.id is None and named.parent is not None:
            named = named.parent
        where = named.id or p.version.id
        for i, c in sorted(claims, key=lambda ic: (term_of.get(ic[0], 0), p.items[ic[0]].key)):
            merged = p.items[i].origin == "addition" and p.items[i].multiplicity > 1
            for _ in range(c if merged else 1):
                if room is not None and p.items[i].origin == "addition" and room <= 0:
                    beyond[i] = where
                    serves[i] = serves.get(i) or _serves(p, choice, node, i)
                    slots.setdefault(i, []).append((where, serves[i]))
                    continue
                if room is not None and p.items[i].origin == "addition":
                    room -= p.items[i].credits * (1 if merged else c)
                leaf_of.setdefault(i, []).append(where)
                slots.setdefault(i, []).append((where, None))
    needed_by: dict[str, list[str]] = {}
    first_term: dict[str, int] = {}  # credential -> the first term the plan takes it in
    for it in added:
        first_term[it.credential] = min(first_term.get(it.credential, when[it.key]), when[it.key])
    for it in added:
        info = p.rb.credentials.get(it.credential)
        if info is not None and info.prerequisites is not None:
            for pre in _credentials_in(info.prerequisites):
                needed_by.setdefault(pre, []).append(it.credential)
    feeds: dict[int, list[str]] = {}
    grants_of: dict[int, list[int]] = {}  # an added source -> the grant items of its applications
    leaf_grade: dict[tuple[int, str], str] = {}  # (added source, rule) -> the grade the rule's `from` asks of it
    rules = {app.rule.id: app.rule for app in p.apps}
    for app in p.apps:
        for source_leaf in app.root.leaves():
            for i in choice.source_claims.get(source_leaf.index, []):
                feeds.setdefault(i, []).append(app.rule.id)
                if source_leaf.min_grade is not None:
                    leaf_grade[(i, app.rule.id)] = source_leaf.min_grade
                if app.index in choice.apps:
                    grants_of.setdefault(i, []).extend(app.grants)
    added_index = {it.index for it in added}
    earning: set[int] = set()
    earned = Fraction(0)
    earned_grants: set[int] = set()  # grants resting on study the plan adds
    for a in choice.apps:
        app = p.apps[a]
        fed = {i for leaf in app.root.leaves() for i in choice.source_claims.get(leaf.index, []) if i in added_index}
        if fed:
            earning |= fed
            earned += total(p.items[g].credits for g in app.grants)
            earned_grants.update(app.grants)
    # the plan's figures: what the learner has counts (`counted`), and what the plan adds is `remaining`, the credit its
    # study earns through credit rules included (a learner who holds nothing has nothing counted)
    claimed = {i for claims in choice.claims.values() for i, _ in claims}
    moved = total(p.items[g].credits for g in earned_grants if g in claimed)
    credits = audit.credits
    if moved and credits.remaining is not None:
        credits = replace(
            credits, counted=credits.counted - moved, remaining=credits.remaining + moved, over_full=over_full(p, choice, frozenset(earned_grants))
        )
    steps = []
    uncounted = Fraction(0)
    uncounted_earning = Fraction(0)  # of it: study whose earned credit counts nowhere (it meets a prerequisite)
    for_limits = Fraction(0)  # of it: study a pool takes past its need, for a minimum limit
    retakes = _retakes(p)
    for it in sorted(added, key=lambda it: (when[it.key], it.key)):
        why = []
        if it.credential in pending:
            why.append(f"{pending[it.credential].replace('_', ' ')} now, not counted without look-ahead: here in case it is not passed")
        clash = sorted(c for c in p.rb.incompatible_with.get(it.credential, ()) if c in pending)
        if clash:
            # the learner is taking (or has planned) study it may not count beside: said, not planned over in silence
            taking = ", ".join(f"`{c}` ({pending[c].replace('_', ' ')})" for c in clash)
            why.append(f"incompatible with {taking}, not counted without look-ahead: here in case it is not passed")
        if not p.version.is_home(it.attrs.provider):
            # study elsewhere, for the credit a rule gives it here: its own terms and price are that provider's
            prov = p.rb.providers.get(it.attrs.provider)
            elsewhere = f"study at another provider ({prov.name if prov is not None and prov.name else it.attrs.provider})"
            info = p.rb.credentials.get(it.credential)
            if info is not None and not info.offered:
                # its catalogue names no offerings: the plan puts it in a term of this calendar, with this load
                elsewhere += ", whose catalogue names no terms for it: placed in this plan's calendar and load, to check with that provider"
            elif info is not None and not held_to(info, calendar, p.version.is_home):
                # its own periods run beside this calendar's (schedule.held_to)
                elsewhere += (
                    f", offered there in {', '.join(info.offered)}, which this plan's calendar does not name: placed in this plan's"
                    " calendar and load, to check its timing with that provider"
                )
            if it.cost is None:
                elsewhere += "; its cost is not in the catalogue"
            why.append(elsewhere)
        if it.credential in failed:
            why.append(f"a retake: the learner was graded {failed[it.credential]}, below the pass")
        elif it.credential in retakes:
            why.append(f"a retake: the learner's own {retakes[it.credential]}")
        if it.credential in badges:
            source, reason = badges[it.credential]
            why.append(f"the learner's badge for it ({source}) did not verify ({reason.replace('_', ' ')}): a valid one would count instead")
        if it.index in feeds:
            why.append("earns credit under " + ", ".join(_rule_condition(p, rules[r], it, leaf_grade.get((it.index, r))) for r in sorted(set(feeds[it.index]))))
            # what the credit it earns does: where it counts, and the prerequisites it meets (granted credit for a
            # credential another added unit needs first)
            alike: dict[str, list[str]] = {}  # what the credit does -> the credentials granted that do it
            for g in sorted(set(grants_of.get(it.index, [])), key=lambda g: p.items[g].key):
                does = []
                if leaf_of.get(g):
                    does.append("counts towards " + ", ".join(sorted(set(leaf_of[g]))))
                if p.items[g].credential in needed_by:
                    does.append("meets the prerequisite of " + ", ".join(sorted(set(needed_by[p.items[g].credential]))))
                if does:
                    granted = p.items[g]
                    # block credit (`unspecified`) is named by its title, never by its internal id `credit:RULE:N`
                    name = f"`{granted.attrs.title}`" if granted.credential.startswith("credit:") and granted.attrs.title else granted.credential
                    alike.setdefault(" and ".join(does), []).append(name)
            why += [f"its credit for {', '.join(dict.fromkeys(gs))} {does}" for does, gs in alike.items()]
            earned_here = grants_of.get(it.index, [])
            if earned_here and not any(leaf_of.get(g) for g in earned_here):
                # taken for a prerequisite its credit meets: like study taken only for a prerequisite, it adds credit
                # that counts towards no requirement, and the plan's first line counts it so
                why.append(f"the credit it earns counts towards no requirement of {p.version.id}")
                uncounted += it.credits
                uncounted_earning += it.credits
        mine_leaf, mine_beyond = leaf_of.get(it.index), beyond.get(it.index)
        if p.items[it.index].multiplicity > 1 and slots.get(it.index):
            # one member of a merged group: the copy it names, not every copy the group claims
            where, serve = slots[it.index].pop(0)
            mine_leaf, mine_beyond = ([where], None) if serve is None else (None, where)
            if serve is not None:
                serves[it.index] = serve
        if mine_leaf:
            why.append("counts towards " + ", ".join(sorted(set(mine_leaf))))
        elif mine_beyond is not None:
            why.append(f"counts in {mine_beyond} past what it needs: {serves[it.index]}")
            if serves[it.index].startswith("for "):
                for_limits += it.credits
        # a prerequisite of what the plan takes in a later term (a repeat taken beside or after what it unlocks is not)
        unlocks = sorted({d for d in needed_by.get(it.credential, ()) if first_term.get(d, 0) > when[it.key]})
        if unlocks:
            why.append("prerequisite of " + ", ".join(unlocks))
        if it.index not in feeds and not mine_leaf and mine_beyond is None:
            # taken for what it unlocks: its own credit counts nowhere (a first-year cap already full, say)
            why.append(f"its credit counts towards no requirement of {p.version.id}")
            uncounted += it.credits
        info = p.rb.credentials.get(it.credential)
        location = str(info.loc) if info is not None else None
        # where the step counts: its own claims, and (study that earns credit) where the credit it earns counts
        own_or_earned = [*(mine_leaf or []), *(x for g in grants_of.get(it.index, []) for x in leaf_of.get(g, []))]
        towards = tuple(sorted(set(own_or_earned))) or ((p.version.id,) if mine_beyond is not None else ())
        steps.append(
            PlanStep(
                it.credential,
                it.attrs.title,
                when[it.key],
                it.credits,
                it.cost,
                "; ".join(why) or "completes the total",
                location,
                towards,
                it.attrs.type == "record",
            )
        )
    signs = {n.id: n.approval for n in p.top.walk() if n.kind == "approval" and n.id is not None}
    return Plan(
        target=audit.target,
        title=audit.title,
        learner=audit.learner,
        status=PlanStatus.MET if not added and audit.status is AuditStatus.MET else PlanStatus.PLANNED,
        # (a node set aside only by study not yet passed leaves no node met_pending: the target's status says it)
        relies_on_pending=audit.status is AuditStatus.MET_PENDING or any(n.status is NodeStatus.MET_PENDING for n in audit.nodes),
        objective=Objective(opts.objective),
        tie_breaks=tuple(Objective(t) for t in TIE_BREAKS[opts.objective]),
        as_of=audit.as_of,
        credits=credits,
        added=tuple(sorted(it.credential for it in added)),
        added_credits=total(it.credits for it in added),
        cost=_cost(p, added),
        max_load=load,
        calendar=() if calendar == UNNAMED else calendar,
        terms=_terms(p, added, when, calendar),
        steps=tuple(steps),
        credit=audit.credit,
        credit_changed=_keep_of(p, choice).sources != keep.sources,
        proof=proof,
        tie_breaks_proven=ties_proven,
        provenance=audit.provenance,
        version=audit.version,
        alternatives=alternatives,
        earning_study=total(it.credits for it in added if it.index in earning),
        earned_credit=earned,
        # the sign-off by its name (the audit's `why` adds whose it awaits)
        awaiting=tuple(
            (nd.id, signs.get(nd.id) or "an approval")
            for nd in audit.nodes
            if nd.status is NodeStatus.PENDING_APPROVAL and _needs_sign_off(p, plan[1], nd.id, deadline)
        ),
        added_while_pending=tuple(sorted((c, pending[c]) for c in {it.credential for it in added} if c in pending)),
        added_unverified=tuple(sorted((c, *badges[c]) for c in {it.credential for it in added} if c in badges)),
        uncounted=uncounted,
        uncounted_earning=uncounted_earning,
        for_limits=for_limits,
    )


def _rule_condition(p: Problem, rule: RuleInfo, it: Item, asked: str | None) -> str:
    """A rule the plan's study earns credit under, with the grade it asks (its `when`, and its `from` of this source;
    the higher of the two): study not yet taken is assumed to reach it (docs/language.md, "Plans"), so the plan says
    so ("exu-uscc-cs101 if passed with grade C or better")."""
    grades = [g for g in (rule.doc.when.min_grade if rule.doc.when is not None else None, asked) if g is not None]
    provider = p.rb.providers.get(it.attrs.provider)
    if len(grades) == 2 and provider is not None:
        grades.sort(key=lambda g: _rank(provider.grade_rank(g)))
    return f"{rule.id} if passed with grade {grades[-1]} or better" if grades else rule.id


def _failed(rb: RuleBase, learner: Learner) -> dict[str, str]:
    """Credentials the learner took and failed (completed, graded below the pass): credential -> "FL on 2025-06-30".
    A plan's step that takes one again is a retake, and says so."""
    out: dict[str, tuple[dt.date, str]] = {}
    for h in learner.doc.holdings:
        provider = rb.providers.get(h.credential.partition(":")[0])
        if h.status == "completed" and h.grade is not None and provider is not None and provider.grade_scale is not None and not provider.passes(h.grade):
            day = h.awarded or dt.date.min
            if h.credential not in out or day >= out[h.credential][0]:  # the latest attempt
                out[h.credential] = (day, h.grade + (f" on {h.awarded.isoformat()}" if h.awarded else ""))
    return {c: said for c, (_, said) in out.items()}


def _rank(rank: int | None) -> int:
    return -1 if rank is None else rank
