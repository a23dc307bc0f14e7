"""Schedules inside the plan model: terms, offerings, the load, and prerequisites by term.

Every plan, whatever its objective, is chosen with these rows (docs/language.md
section 16, "Plans"), so a plan the solver proves optimal is one a student can
carry out term by term:

- an added credential is taken in one term of the horizon, and only in a term
  whose name is among its offerings (``offered``; none listed: every term);
- the credit taken in one term is at most the load;
- a credential may be taken in term *t* only when its prerequisite tree is met
  before *t*: by credentials the learner holds (in-progress ones too with
  look-ahead), by credentials taken in earlier terms, or by credit a rule
  grants, which exists only from the term after the last of the sources the
  plan adds for it (credit from a held source exists from the start);
- the last term used is a variable, so that the objective ``terms`` (or a tie
  break) can minimise it.

Prerequisite trees are all/any/at_least over named credentials; a pool inside
a prerequisite tree counts as met (docs/language.md, "Plans").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from ..compile.tree import group_kind
from ..compile.tree import need as group_need
from ..language.models import Requirement
from ..rulebase.filters import Attrs, Matcher
from ..rulebase.index import CredentialInfo
from .model import AuditModel
from .problem import Item, Problem
from .semantics import grade_and_years

MAX_TERMS = 24  # the longest plan considered; a target that needs more is not planned


class Ready:
    """What the learner has from the first term, for prerequisites: held (in progress too, with look-ahead) and counting.

    Membership (``c in ready``) is having the credential at all. A prerequisite leaf with conditions
    (``{credential: A1, min_grade: C}``, ``within_years``) is met from the start only by a holding that passes
    them (:meth:`meets`), as a leaf of the target is; study a plan adds, or credit a rule grants, is assumed to.
    """

    def __init__(self, p: Problem) -> None:
        self.rb, self.as_of = p.rb, p.as_of
        self.attrs: dict[str, list[Attrs]] = {}
        for it in p.items:
            if it.origin in ("holding", "external"):
                self.attrs.setdefault(it.credential, []).append(it.attrs)

    def __contains__(self, credential: object) -> bool:
        return credential in self.attrs

    def meets(self, r: Requirement, above: Conditions = ()) -> bool:
        """Whether prerequisite leaf ``r`` is met by what the learner holds: one holding passes the leaf's own grade and
        date and those of the groups above it (``above``, from :func:`conditions_below`)."""
        held = self.attrs.get(r.credential or "")
        if not held:
            return False
        wanted = conditions_below(r, above)
        return any(all(grade_and_years(self.rb, g, y, a, self.as_of) for g, y in wanted) for a in held)


Conditions = tuple[tuple[str | None, Fraction | None], ...]  # (min_grade, within_years) of a node and the groups above it


def conditions_below(r: Requirement, above: Conditions) -> Conditions:
    """The grade and date conditions that hold for ``r``'s subtree: those above it and its own (section 6: a node's
    `min_grade` and `within_years` hold for everything it counts)."""
    if r.min_grade is None and r.within_years is None:
        return above
    return (*above, (r.min_grade, r.within_years))


@dataclass
class Timing:
    """The schedule's variables in one plan model."""

    horizon: int
    calendar: tuple[str, ...]
    take: dict[int, dict[int, int]]  # added item -> term (from 1) -> variable: copies taken that term
    last: int  # variable: the last term used (0 when nothing is added)

    def term_name(self, t: int) -> str:
        return self.calendar[(t - 1) % len(self.calendar)]


def held_to(info: CredentialInfo | None, calendar: tuple[str, ...], home: Callable[[str], bool]) -> tuple[str, ...]:
    """The offerings a plan holds a credential to (empty: any term of its calendar).

    Its own `offered`, except for another provider's credential none of whose offering names the plan's calendar
    uses (a community college's T1 and T2 beside a university's S1 and S2): those periods run beside the calendar's,
    not after them, so the plan places it in the calendar's terms and its step says to check the timing with that
    provider, as for another provider's credential that names no terms at all.
    """
    if info is None or not info.offered:
        return ()
    if not home(info.provider) and not set(info.offered) & set(calendar):
        return ()
    return info.offered


def offered_in(p: Problem, it: Item, name: str, calendar: tuple[str, ...]) -> bool:
    offered = held_to(p.rb.credentials.get(it.credential), calendar, p.version.is_home)
    return not offered or name in offered


def add_schedule(b: AuditModel, p: Problem, adds: list[Item], calendar: tuple[str, ...], load: Fraction, horizon: int, ready: Ready) -> Timing:
    """Add the schedule rows for ``adds`` (items with a use variable) to the model ``b``."""
    m = b.milp
    timing = Timing(horizon, calendar, {}, m.var("last-term", 0, float(horizon)))
    for it in adds:
        u = b.u[it.index]
        take: dict[int, int] = {}
        for t in range(1, horizon + 1):
            if offered_in(p, it, timing.term_name(t), timing.calendar):
                take[t] = m.var(f"take[{it.key},{t}]", 0, float(it.multiplicity))
        row = dict.fromkeys(take.values(), 1.0)
        row[u] = -1.0
        m.row(row, lo=0, hi=0)  # taken once per copy added (never: no term offers it)
        for t, z in take.items():
            if it.multiplicity == 1:
                m.row({timing.last: 1.0, z: -float(t)}, lo=0)
            else:
                busy = m.var(f"busy[{it.key},{t}]")
                m.row({z: 1.0, busy: -float(it.multiplicity)}, hi=0)
                m.row({timing.last: 1.0, busy: -float(t)}, lo=0)
        timing.take[it.index] = take
    for t in range(1, horizon + 1):
        row = {timing.take[it.index][t]: b.c(it.credits) for it in adds if t in timing.take[it.index]}
        if row:
            m.row(row, hi=b.c(load))
    copies: dict[str, list[int]] = {}
    for it in adds:
        copies.setdefault(it.credential, []).append(it.index)
    repeats = [its for its in copies.values() if len(its) > 1]  # a repeatable credential: each repeat in a term of its own
    for members in repeats:
        for t in range(1, horizon + 1):
            row = {timing.take[i][t]: 1.0 for i in members if t in timing.take[i]}
            if len(row) > 1:
                m.row(row, hi=1)
    # a distinct-terms limit counts a plan term only when an addition it claims is taken then (AuditModel._limit)
    for w, i, t in b.term_links:
        taken = timing.take.get(i, {})
        if t in taken:
            m.row({w: 1.0, taken[t]: -1.0}, hi=0)
        else:
            m.fix(w, 0.0)
    _prerequisite_rows(b, p, adds, timing, ready)
    return timing


def distinct_term_members(p: Problem, adds: list[Item]) -> list[list[int]]:
    """For each `min_distinct: {of: term}` limit, the additions it may count (eligible under its node, admitted by its filter)."""
    out = []
    index = {it.index for it in adds}
    for n in p.top.walk():
        for lim in n.limits:
            if lim.kind != "min_distinct" or lim.of != "term":
                continue
            matcher = Matcher(p.rb, n.target_fields)
            under = {i for leaf in n.leaves() for i in p.eligible.get(leaf.index, []) if i in index}
            members = sorted(i for i in under if lim.where is None or matcher.match(lim.where, p.items[i].attrs))
            if len(members) > 1:
                out.append(members)
    return out


def _prerequisite_rows(b: AuditModel, p: Problem, adds: list[Item], timing: Timing, ready: Ready) -> None:
    m = b.milp
    singles: dict[str, list[int]] = {}  # credential -> added single items
    for it in adds:
        if it.multiplicity == 1:
            singles.setdefault(it.credential, []).append(it.index)
    grants: dict[str, list[int]] = {}  # credential -> grant items (credit granted as that credential)
    for it in p.items:
        if it.origin == "grant" and it.index in b.u and it.app is not None:
            grants.setdefault(it.credential, []).append(it.index)
    sources: dict[int, list[tuple[int, list[int]]]] = {}  # app -> [(added source item, its source-claim vars)]
    for app in p.apps:
        by_item: dict[int, list[int]] = {}
        for leaf in app.root.leaves():
            for i in p.source_eligible.get(leaf.index, []):
                if p.items[i].origin == "addition" and (i, leaf.index) in b.s:
                    by_item.setdefault(i, []).append(b.s[(i, leaf.index)])
        sources[app.index] = sorted(by_item.items())

    def done_before(i: int, t: int) -> dict[int, float]:
        return {z: 1.0 for tt, z in timing.take.get(i, {}).items() if tt < t}

    ready_vars: dict[tuple[int, int], int] = {}  # (application, term) -> its credit-ready variable

    def grant_ready(app: int, t: int) -> int:
        key = (app, t)
        if key not in ready_vars:
            g = m.var(f"credit-ready[{app},{t}]", 0, 1, integer=False)
            m.row({g: 1.0, b.a[app]: -1.0}, hi=0)
            for i, svars in sources[app]:
                # the source is used by this application only if taken before term t
                row = {g: 1.0, **dict.fromkeys(svars, 1.0)}
                for z, c in done_before(i, t).items():
                    row[z] = row.get(z, 0.0) - c
                m.row(row, hi=1)
            ready_vars[key] = g
        return ready_vars[key]

    memo: dict[tuple[int, int, Conditions], bool | dict[int, float]] = {}

    def met(r: Requirement, t: int, above: Conditions = ()) -> bool | dict[int, float]:
        """True, False, or an expression (var -> coefficient) that is at most 1 and is 1 only if ``r`` is met before ``t``."""
        key = (id(r), t, above)
        if key in memo:
            return memo[key]
        out: bool | dict[int, float]
        if r.credential is not None:
            c = r.credential
            if ready.meets(r, above):
                out = True
            else:
                ways: list[dict[int, float]] = [done_before(i, t) for i in singles.get(c, [])]
                ways += [{grant_ready(p.items[g].app, t): 1.0} for g in grants.get(c, []) if p.items[g].app is not None]  # type: ignore[arg-type]
                ways = [w for w in ways if w]
                if not ways:
                    out = False
                elif len(ways) == 1:
                    out = ways[0]
                else:
                    v = m.var(f"has[{c},{t}]")
                    row: dict[int, float] = {v: 1.0}
                    for w in ways:
                        for j, coef in w.items():
                            row[j] = row.get(j, 0.0) - coef
                    m.row(row, hi=0)
                    out = {v: 1.0}
        else:
            kids = [met(c, t, conditions_below(r, above)) for c in r.children()]
            if not kids:
                out = True  # a pool in a prerequisite tree counts as met
            else:
                k = group_need(group_kind(r), len(kids), r.at_least or 1)
                done = sum(1 for x in kids if x is True)
                live = [x for x in kids if isinstance(x, dict)]
                if done >= k:
                    out = True
                elif done + len(live) < k:
                    out = False
                else:
                    v = m.var(f"prereq[{t}]")
                    row = {v: float(k - done)}
                    for x in live:
                        for j, coef in x.items():
                            row[j] = row.get(j, 0.0) - coef
                    m.row(row, hi=0)
                    out = {v: 1.0}
        memo[key] = out
        return out

    for it in adds:
        info = p.rb.credentials.get(it.credential)
        if info is None or info.prerequisites is None:
            continue
        for t, z in timing.take[it.index].items():
            need = met(info.prerequisites, t)
            if need is True:
                continue
            if need is False:
                m.fix(z, 0.0)
                continue
            row = {z: 1.0}
            for j, coef in need.items():
                row[j] = row.get(j, 0.0) - coef * it.multiplicity
            m.row(row, hi=0)


def read_schedule(p: Problem, timing: Timing, chosen: dict[int, list[Item]], values: list[float]) -> dict[str, int]:
    """The term of each chosen credential (a group's members fill its terms in order)."""
    out: dict[str, int] = {}
    for index, its in chosen.items():
        slots: list[int] = []
        for t, z in sorted(timing.take.get(index, {}).items()):
            slots += [t] * round(values[z])
        for it, t in zip(sorted(its, key=lambda x: x.key), slots, strict=False):
            out[it.key] = t
    return out


def add_prerequisite_rows(b: AuditModel, p: Problem, ready: Ready) -> None:
    """The schedule without terms (a relaxation): an added credential needs its prerequisites held, granted or added."""
    have: dict[str, list[int]] = {}  # credential -> the variables that give it: added, or granted as credit
    for it in p.items:
        if it.origin == "addition" and it.index in b.u and it.multiplicity == 1:
            have.setdefault(it.credential, []).append(b.u[it.index])
        elif it.origin == "grant" and it.app is not None:
            have.setdefault(it.credential, []).append(b.a[it.app])  # granted when the application is used, claimed or not

    def var(r: Requirement, above: Conditions = ()) -> int | None:
        """A variable that is 1 only if ``r`` is met; -1 if already met; None if never."""
        if r.credential is not None:
            if ready.meets(r, above):
                return -1
            ways = have.get(r.credential, [])
            if len(ways) <= 1:
                return ways[0] if ways else None
            v = b.milp.var("has")
            b.milp.row({v: 1.0, **{w: -1.0 for w in ways}}, hi=0)
            return v
        kids = [var(c, conditions_below(r, above)) for c in r.children()]
        if not kids:
            return -1  # a pool in a prerequisite tree counts as met
        k = group_need(group_kind(r), len(kids), r.at_least or 1)
        done = sum(1 for x in kids if x == -1)
        live = [x for x in kids if x is not None and x != -1]
        if done >= k:
            return -1
        if done + len(live) < k:
            return None
        v = b.milp.var("prereq")
        row = {v: float(k - done)}
        for x in live:
            # two prerequisites may rest on one variable (credit for both from one application): each counts
            row[x] = row.get(x, 0.0) - 1.0
        b.milp.row(row, hi=0)
        return v

    for it in p.items:
        if it.origin != "addition" or it.index not in b.u:
            continue
        info = p.rb.credentials.get(it.credential)
        if info is None or info.prerequisites is None:
            continue
        need = var(info.prerequisites)
        if need is None:
            b.milp.fix(b.u[it.index], 0.0)  # its prerequisites cannot be met
        elif need != -1:
            b.milp.row({b.u[it.index]: float(it.multiplicity), need: -float(it.multiplicity)}, hi=0)


def list_schedule(
    p: Problem, chosen: list[Item], grants: list[tuple[tuple[str, ...], tuple[str, ...]]], calendar: tuple[str, ...], load: Fraction, ready: Ready
) -> dict[str, int] | None:
    """A schedule for ``chosen`` found term by term (an upper bound on the fewest terms), or None within MAX_TERMS.

    ``grants``: (credentials granted, the sources the plan adds for them). Each term takes what is
    offered and ready, longest chain of dependants first, within the load.
    """

    def met(r: Requirement, have: set[str], above: Conditions = ()) -> bool:
        """``have``: what earlier terms took and the credit it earned (a held credential meets a leaf by its conditions)."""
        if r.credential is not None:
            return r.credential in have or ready.meets(r, above)
        kids = [met(c, have, conditions_below(r, above)) for c in r.children()]
        if not kids:
            return True
        need = group_need(group_kind(r), len(kids), r.at_least or 1)
        return sum(kids) >= need

    names = {it.credential for it in chosen}
    depends: dict[str, set[str]] = {}
    for it in chosen:
        info = p.rb.credentials.get(it.credential)
        pre = info.prerequisites if info else None
        mentioned = {n for n in _named(pre)} if pre is not None else set()
        for granted, sources in grants:
            if mentioned & set(granted):
                mentioned |= set(sources)
        depends[it.key] = {c for c in mentioned if c in names}
    depth: dict[str, int] = {}

    def chain(key: str, seen: frozenset[str] = frozenset()) -> int:
        if key not in depth:
            after = [k for k, deps in depends.items() if key in deps and k not in seen]
            depth[key] = 1 + max((chain(k, seen | {key}) for k in after), default=0)
        return depth[key]

    todo = sorted(chosen, key=lambda it: (-chain(it.credential), it.key))
    # what goes in terms of its own: the repeats of one credential, and (to be sure its count holds; this is a
    # first schedule, an upper bound, and the model with terms may put two of them in one term) what a
    # distinct-terms limit counts
    apart: list[set[int]] = []
    copies: dict[str, set[int]] = {}
    for it in chosen:
        copies.setdefault(it.credential, set()).add(it.index)
    apart += [its for its in copies.values() if len(its) > 1]
    apart += [set(members) for members in distinct_term_members(p, chosen)]
    done: set[str] = set()  # what earlier terms took (what is held, `ready`, is read leaf by leaf)
    out: dict[str, int] = {}
    for t in range(1, MAX_TERMS + 1):
        if not todo:
            break
        name = calendar[(t - 1) % len(calendar)]
        have = set(done)
        for granted, sources in grants:
            if all(s in done or s in ready for s in sources):
                have |= set(granted)
        used = Fraction(0)
        taken: list[Item] = []
        busy: set[int] = set()  # the groups of `apart` this term already has one of
        for it in todo:
            info = p.rb.credentials.get(it.credential)
            if not offered_in(p, it, name, calendar) or used + it.credits > load:
                continue
            if info is not None and info.prerequisites is not None and not met(info.prerequisites, have):
                continue
            mine = {g for g, members in enumerate(apart) if it.index in members}
            if mine & busy:
                continue
            busy |= mine
            taken.append(it)
            used += it.credits
        for it in taken:
            out[it.key] = t
            todo.remove(it)
        done |= {it.credential for it in taken}
    return None if todo else out


def _named(r: Requirement) -> list[str]:
    out = [r.credential] if r.credential else []
    for c in r.children():
        out += _named(c)
    return out
