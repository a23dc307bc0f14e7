"""Planning: the cheapest way to complete a target, and exploring every target.

A plan is the audit's completion model with the objective changed: least
added credit (``credits``), least cost (``cost``), or fewest terms
(``terms``), honouring prerequisites (transitively: a prerequisite the
learner lacks is added too), ``incompatible``, offerings and a per-term load.
Alternatives are found by excluding each plan found and solving again.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, replace
from fractions import Fraction

from ..compile.target import prerequisites_met
from ..decisions.audit import AuditDecision, AuditStatus, Proof
from ..decisions.plan import Alternative, NoPlan, Objective, Plan, PlanCost, PlanStatus, PlanStep, PlanTerm
from ..errors import RequestError
from ..language.documents import Learner
from ..language.models import Requirement
from ..language.quantity import total
from ..rulebase.index import RuleBase
from .audit import Context, audit_record
from .checker import verify
from .choice import Choice
from .problem import Item, Problem, build_problem
from .solve import _Builder

OBJECTIVES = ("credits", "cost", "terms")


MAX_TERMS = 24


@dataclass(frozen=True)
class PlanOptions:
    objective: str = "credits"
    alternatives: int = 0
    max_load: Fraction | None = None  # credit per term, in the target's system; default half a full-time year
    terms: tuple[str, ...] = ()  # the term calendar, repeating; default: every offering name, sorted


def _calendar(rb: RuleBase, opts: PlanOptions) -> tuple[str, ...]:
    if opts.terms:
        return opts.terms
    return rb.offerings or ("term",)


def _prereq_rows(b: _Builder, p: Problem) -> None:
    """An added credential needs its prerequisites held or added."""
    held = {it.credential for it in p.items if it.origin == "holding"}
    added: dict[str, list[int]] = {}  # credential -> the variables that give it: added, or granted as credit
    for it in p.items:
        if it.origin in ("addition", "grant") and it.index in b.u and it.multiplicity == 1:
            added.setdefault(it.credential, []).append(b.u[it.index])
    for it in p.items:
        if it.origin != "addition" or it.index not in b.u:
            continue
        info = p.rb.credentials.get(it.credential)
        if info is None or info.prerequisites is None:
            continue
        need = _prereq_var(b, info.prerequisites, held, added, p.rb)
        if need is None:
            b.m.fix(b.u[it.index], 0.0)  # its prerequisites cannot be met
        elif need != -1:
            b.m.row({b.u[it.index]: 1.0, need: -1.0}, hi=0)


def _prereq_var(b: _Builder, r: Requirement, held: set[str], added: dict[str, list[int]], rb: RuleBase) -> int | None:
    """A variable that is 1 only if ``r`` is met by held, granted or added credentials; -1 if already met; None if never."""
    if r.credential is not None:
        if r.credential in held:
            return -1
        ways = added.get(r.credential, [])
        if len(ways) <= 1:
            return ways[0] if ways else None
        v = b.m.var("has")
        b.m.row({v: 1.0, **{w: -1.0 for w in ways}}, hi=0)
        return v
    kids = [_prereq_var(b, c, held, added, rb) for c in r.children()]
    if not kids:
        return -1  # pools in prerequisites are not modelled: treated as met (docs/language.md)
    k = len(kids) if r.all is not None else 1 if r.any is not None else (r.at_least or 1)
    if sum(1 for x in kids if x == -1) >= k:
        return -1
    live = [x for x in kids if x is not None and x != -1]
    done = sum(1 for x in kids if x == -1)
    if done + len(live) < k:
        return None
    v = b.m.var("prereq")
    row = {x: -1.0 for x in live}
    row[v] = float(k - done)
    b.m.row(row, hi=0)
    return v


def _schedule(
    p: Problem, added: list[Item], calendar: tuple[str, ...], load: Fraction, choice: Choice, fixed: dict[str, int] | None = None
) -> tuple[tuple[PlanTerm, ...], tuple[str, ...]]:
    """Term by term, prerequisites first, within offerings and the load.

    ``fixed`` gives each credential's term when the solver chose them (objective
    ``terms``); otherwise a list schedule: earliest term first, by id.
    """
    held = {it.credential for it in p.items if it.origin == "holding"}
    held |= {p.items[i].credential for claims in choice.claims.values() for i, _ in claims if p.items[i].origin == "grant"}
    if fixed is not None:
        terms: list[PlanTerm] = []
        for t in sorted(set(fixed.values())):
            its = sorted((it for it in added if fixed.get(it.key) == t), key=lambda it: it.key)
            used = sum((it.credits for it in its), Fraction(0))
            terms.append(PlanTerm(t, calendar[(t - 1) % len(calendar)], tuple(it.key for it in its), used))
        return tuple(terms), tuple(sorted(it.key for it in added if it.key not in fixed))
    todo = sorted(added, key=lambda it: it.key)
    done: set[str] = set(held)
    terms = []
    for t in range(MAX_TERMS):
        name = calendar[t % len(calendar)]
        taken: list[Item] = []
        used = Fraction(0)
        for it in list(todo):
            info = p.rb.credentials.get(it.credential)
            offered = not info or not info.offered or name in info.offered
            ready = info is None or info.prerequisites is None or prerequisites_met(info.prerequisites, done)
            if offered and ready and used + it.credits <= load:
                taken.append(it)
                used += it.credits
                todo.remove(it)
        done |= {it.credential for it in taken}
        if taken:
            terms.append(PlanTerm(t + 1, name, tuple(it.key for it in taken), used))
        if not todo:
            break
    return tuple(terms), tuple(it.key for it in todo)


def _load(ctx: Context, p: Problem, opts: PlanOptions) -> Fraction:
    """Credit per term: as asked, else half a full-time year of the target's system."""
    return opts.max_load if opts.max_load is not None else ctx.rb.systems[p.version.system].full_time_year / 2


def _cost_scale(items: list[Item]) -> int:
    d = 1
    for it in items:
        if it.cost is not None:
            d = d * it.cost.denominator // math.gcd(d, it.cost.denominator)
    return d


@dataclass
class _Attempt:
    """One solve of a plan model: the solution and what it needs to be read."""

    status: str
    choice: Choice | None
    chosen: list[Item]
    fixed: dict[str, int] | None
    primary: int | None  # the first objective level's optimum
    bound: float | None  # for the full model: the LP bound of the first level


def _model(
    p: Problem, opts: PlanOptions, calendar: tuple[str, ...], load: Fraction, cuts: list[list[int]]
) -> tuple[_Builder, list[Item], list[dict[int, int]], dict[int, dict[int, float]]]:
    b = _Builder(p)
    b.build(True, True)
    _prereq_rows(b, p)
    adds = [it for it in p.items if it.origin == "addition" and it.index in b.u]
    for cut in cuts:
        # exclude a plan already found: not exactly the same set of additions
        row = {b.u[i]: (1.0 if i in cut else -1.0) for i in (it.index for it in adds)}
        b.m.row(row, hi=len(cut) - 0.5)
    levels = b.objectives(True)
    credits = {b.u[it.index]: int(it.credits * int(b.scale)) for it in adds}
    zvars: dict[int, dict[int, float]] = {}
    if opts.objective == "cost":
        cs = _cost_scale(adds)
        levels = [{b.u[it.index]: int((it.cost or 0) * cs) for it in adds if it.cost}, credits, *levels[1:]]
    elif opts.objective == "terms":
        span, zvars = _terms_model(b, p, adds, calendar, load)
        levels = [span, credits, *levels[1:]]
    else:
        levels = [credits, *levels[1:]]
    return b, adds, levels, zvars


def _attempt(p: Problem, opts: PlanOptions, calendar: tuple[str, ...], load: Fraction, cuts: list[list[int]], deadline: float) -> _Attempt:
    b, adds, levels, zvars = _model(p, opts, calendar, load, cuts)
    own = 1 if opts.objective == "credits" else 2  # the plan's own levels; the rest are the audit's order
    sol = b.m.solve(levels[:own], deadline)
    if sol.status == "infeasible" or not sol.values:
        return _Attempt(sol.status, None, [], None, None, None)
    if sol.status == "optimal" and levels[own:]:
        # The plan (its set of additions) is chosen; among the ways to use it, the audit's order of
        # section 11 picks the claims. Solving that order over every plan of equal cost as well would
        # cost far more and change no figure a plan reports (docs/language.md, "Plans").
        for level in levels[:own]:
            b.m.row({j: float(w) for j, w in level.items()}, hi=round(sum(w * sol.values[j] for j, w in level.items())) + 0.5)
        for it in adds:
            b.m.fix(b.u[it.index], float(round(sol.values[b.u[it.index]])))
        tie = b.m.solve(levels[own:], deadline)
        if tie.values:
            sol = replace(tie, status="optimal")
    choice = Choice(sol.status, completion=True)
    for (i, leaf), j in sorted(b.x.items()):
        k = round(sol.values[j])
        if k > 0:
            choice.claims.setdefault(leaf, []).append((i, k))
    for (i, leaf), j in sorted(b.s.items()):
        if round(sol.values[j]) > 0:
            choice.source_claims.setdefault(leaf, []).append(i)
    choice.apps = [a for a, j in sorted(b.a.items()) if round(sol.values[j]) > 0]
    chosen = [x for it in adds for x in _members(p, it, round(sol.values[b.u[it.index]]))]
    fixed = _fixed_terms(p, chosen, zvars, sol.values) if opts.objective == "terms" else None
    primary = round(sum(w * sol.values[j] for j, w in levels[0].items())) if levels and levels[0] else 0
    return _Attempt(sol.status, choice, chosen, fixed, primary, None)


def plan_decision(ctx: Context, learner: Learner, target: str, as_of: dt.date, opts: PlanOptions, time_limit: float) -> Plan | NoPlan:
    if opts.objective not in OBJECTIVES:
        raise RequestError("SR5002", f"unknown objective `{opts.objective}`", "use credits, cost or terms")
    if opts.alternatives < 0 or opts.alternatives > 20:
        raise RequestError("SR5002", "alternatives must be between 0 and 20", None)
    deadline = time.monotonic() + time_limit
    calendar = _calendar(ctx.rb, opts)

    def problem(quick: bool = False, bound: Fraction | None = None) -> Problem:
        return build_problem(ctx.rb, learner.doc, target, as_of, False, compiler=ctx.compiler, plan=opts.objective, quick=quick, bound=bound)

    plans: list[tuple[Choice, list[Item], dict[str, int] | None]] = []
    proof = "optimal"
    p: Problem | None = None
    if opts.objective != "terms" and opts.alternatives == 0:
        # Fast path (docs/design.md): plan first without the credentials whose prerequisites the learner
        # lacks (unless a leaf names them); the rest merge into few groups. That plan's objective
        # bounds the optimum, which lets the full model drop every credential needing prerequisites
        # that ready ones dominate. If what is left was in the first model, the fast plan is
        # optimal; else the full model's LP bound may prove it; else the (smaller) full model is solved.
        fast = problem(quick=True)
        quick = _attempt(fast, opts, calendar, _load(ctx, fast, opts), [], deadline)
        if quick.status == "optimal" and quick.choice is not None and quick.primary is not None:
            bound = total(it.credits if opts.objective == "credits" else it.cost or Fraction(0) for it in quick.chosen)
            p = problem(bound=bound)
            proven = p.unready <= fast.unready
            if not proven:
                b, _, levels, _ = _model(p, opts, calendar, _load(ctx, p, opts), [])
                lp = b.m.relaxation(levels[0], deadline)
                proven = lp is not None and quick.primary <= math.ceil(lp - 1e-6)
            if proven:
                p = fast
                plans.append((quick.choice, quick.chosen, quick.fixed))
    if p is None:
        p = problem()
    load = _load(ctx, p, opts)
    if not plans:
        cuts: list[list[int]] = []
        for _ in range(opts.alternatives + 1):
            got = _attempt(p, opts, calendar, load, cuts, deadline)
            if got.choice is None:
                if got.status == "time_limit":
                    proof = "indeterminate"
                break
            if got.status != "optimal":
                proof = "indeterminate"
            plans.append((got.choice, got.chosen, got.fixed))
            cuts.append(sorted({it.index for it in got.chosen}))
            if got.status != "optimal":
                break
    if not plans:
        why = "no set of catalogue credentials completes the target within its rules and limits"
        return NoPlan(p.version.id, p.version.title, learner.id, Objective(opts.objective), as_of, why, ctx.prov, Proof(proof))
    first, alternatives = plans[0], plans[1:]
    ev = verify(p, first[0])
    audit = audit_record(p, first[0], ev, ctx.prov, learner)
    summaries = tuple(_summary(p, alt, calendar, load) for alt in alternatives)
    for alt in alternatives:
        verify(p, alt[0])
    return _plan_record(p, first, opts, calendar, load, audit, Proof(proof), summaries)


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


def _fixed_terms(p: Problem, chosen: list[Item], zvars: dict[int, dict[int, float]], values: list[float]) -> dict[str, int]:
    """The term the solver gave each chosen credential (members of a group fill its terms in order)."""
    out: dict[str, int] = {}
    by_index: dict[int, list[Item]] = {}
    for it in chosen:
        by_index.setdefault(it.index, []).append(it)
    for index, its in by_index.items():
        slots: list[int] = []
        for z, t in sorted(zvars.get(index, {}).items(), key=lambda kv: kv[1]):
            slots += [int(t)] * round(values[z])
        for it, t in zip(sorted(its, key=lambda it: it.key), slots, strict=False):
            out[it.key] = t
    return out


def _terms_model(b: _Builder, p: Problem, adds: list[Item], calendar: tuple[str, ...], load: Fraction) -> tuple[dict[int, int], dict[int, dict[int, float]]]:
    """Term variables for the ``terms`` objective: the makespan level, and each item's term variables."""
    total = sum((it.credits * it.multiplicity for it in adds), Fraction(0))
    horizon = min(MAX_TERMS, max(1, math.ceil(total / load)) + len(calendar) + 4)
    scale = b.scale
    span = b.m.var("terms", 0, float(horizon))
    order: dict[int, dict[int, float]] = {}
    for it in adds:
        info = p.rb.credentials.get(it.credential)
        zs: dict[int, float] = {}
        for t in range(horizon):
            name = calendar[t % len(calendar)]
            if info is not None and info.offered and name not in info.offered:
                continue
            z = b.m.var(f"term[{it.key},{t + 1}]", 0, float(it.multiplicity))
            w = b.m.var(f"busy[{it.key},{t + 1}]")
            b.m.row({z: 1.0, w: -float(it.multiplicity)}, hi=0)
            b.m.row({span: 1.0, w: -float(t + 1)}, lo=0)
            zs[z] = float(t + 1)
        row = dict.fromkeys(zs, 1.0)
        row[b.u[it.index]] = -1.0
        b.m.row(row, lo=0, hi=0)
        order[it.index] = zs
    for t in range(horizon):
        row = {}
        for it in adds:
            for z, tt in order[it.index].items():
                if tt == t + 1:
                    row[z] = float(it.credits * scale)
        if row:
            b.m.row(row, hi=float(load * scale))
    by_cred = {it.credential: it for it in adds if it.multiplicity == 1}
    for it in adds:
        info = p.rb.credentials.get(it.credential)
        if info is None or info.prerequisites is None or it.multiplicity != 1:
            continue
        for n in _credentials_in(info.prerequisites):
            pre = by_cred.get(n)
            if pre is None:
                continue
            # when both are added, the prerequisite comes in an earlier term
            row = dict(order[it.index])
            for z, tt in order[pre.index].items():
                row[z] = row.get(z, 0.0) - tt
            row[b.u[pre.index]] = -float(horizon + 1)
            row[b.u[it.index]] = row.get(b.u[it.index], 0.0) - float(horizon + 1)
            b.m.row(row, lo=1.0 - 2 * (horizon + 1))
    return {span: 1}, order


def _credentials_in(r: Requirement) -> list[str]:
    out = [r.credential] if r.credential else []
    for c in r.children():
        out += _credentials_in(c)
    return out


def _summary(p: Problem, plan: tuple[Choice, list[Item], dict[str, int] | None], calendar: tuple[str, ...], load: Fraction) -> Alternative:
    choice, added, fixed = plan
    credits = sum((it.credits for it in added), Fraction(0))
    cost = sum((it.cost or Fraction(0) for it in added), Fraction(0))
    terms, _ = _schedule(p, added, calendar, load, choice, fixed)
    return Alternative(tuple(sorted(it.key for it in added)), credits, cost, len(terms))


def _plan_record(
    p: Problem,
    plan: tuple[Choice, list[Item], dict[str, int] | None],
    opts: PlanOptions,
    calendar: tuple[str, ...],
    load: Fraction,
    audit: AuditDecision,
    proof: Proof,
    alternatives: tuple[Alternative, ...],
) -> Plan:
    choice, added, fixed = plan
    credits = sum((it.credits for it in added), Fraction(0))
    cost = sum((it.cost or Fraction(0) for it in added), Fraction(0))
    currencies = sorted({c.currency for it in added if (c := p.rb.credentials.get(it.credential)) and c.currency})
    terms, unscheduled = _schedule(p, added, calendar, load, choice, fixed)
    leaf_of: dict[int, list[str]] = {}
    for leaf, claims in choice.claims.items():
        for i, _ in claims:
            node = p.nodes[leaf]
            while node.id is None and node.parent is not None:
                node = node.parent
            leaf_of.setdefault(i, []).append(node.id or p.version.id)
    needed_by: dict[str, list[str]] = {}
    for it in added:
        info = p.rb.credentials.get(it.credential)
        if info is not None and info.prerequisites is not None:
            for pre in _credentials_in(info.prerequisites):
                needed_by.setdefault(pre, []).append(it.key)
    feeds: dict[int, list[str]] = {}
    for app in p.apps:
        for source_leaf in app.root.leaves():
            for i in choice.source_claims.get(source_leaf.index, []):
                feeds.setdefault(i, []).append(app.rule.id)
    steps = []
    for it in sorted(added, key=lambda it: it.key):
        why = []
        if it.index in feeds:
            why.append("earns credit under " + ", ".join(sorted(set(feeds[it.index]))))
        if it.index in leaf_of:
            why.append("counts towards " + ", ".join(sorted(set(leaf_of[it.index]))))
        if it.key in needed_by:
            why.append("prerequisite of " + ", ".join(sorted(needed_by[it.key])))
        steps.append(PlanStep(it.key, it.attrs.title, it.credits, it.cost, "; ".join(why) or "completes the total"))
    return Plan(
        target=audit.target,
        title=audit.title,
        learner=audit.learner,
        status=PlanStatus.MET if not added and audit.status is AuditStatus.MET else PlanStatus.PLANNED,
        objective=Objective(opts.objective),
        as_of=audit.as_of,
        credits=audit.credits,
        added=tuple(sorted(it.key for it in added)),
        added_credits=credits,
        cost=PlanCost(cost, currencies[0] if len(currencies) == 1 else tuple(currencies)),
        max_load=load,
        terms=terms,
        unscheduled=unscheduled,
        steps=tuple(steps),
        credit=audit.credit,
        proof=proof,
        provenance=audit.provenance,
        alternatives=alternatives,
    )
