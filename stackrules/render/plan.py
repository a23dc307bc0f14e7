"""Plans and explorations as text: what to add, term by term, and what a learner can finish."""

from __future__ import annotations

from ..decisions.audit import Proof
from ..decisions.explore import Exploration, ExploreRow, UnavailableRow, share_to_go
from ..decisions.plan import NoPlan, Plan, PlanCost, PlanStatus
from .audit import DESCRIBED, version_line
from .common import CONFIDENCE, footer, grant_name, n, section


def _of_it(d: Plan, unit: str) -> str:
    """What the added credit holds: study that earns other credit through rules, and credit that counts nowhere."""
    parts = []
    alone = d.uncounted - d.uncounted_earning  # study whose own credit counts nowhere
    if d.earned_credit and d.earned_credit != d.earning_study:
        earns = f"{n(d.earning_study)} {unit} of it earns {n(d.earned_credit)} {unit} of credit through credit rules"
        if d.uncounted_earning and d.uncounted_earning == d.earning_study:
            # one and the same study: said once (a newcomer read "4.8 of it earns 6 ...; 4.8 of it counts towards no
            # requirement" as two units)
            earns += ", which counts towards no requirement: it meets a prerequisite"
            alone = d.uncounted - d.uncounted_earning
        elif d.uncounted_earning:
            alone = d.uncounted
        parts.append(earns)
    else:
        alone = d.uncounted
    if alone:
        parts.append(f"{n(alone)} {unit} of it counts towards no requirement: taken for a prerequisite")
    if d.for_limits:
        parts.append(f"{n(d.for_limits)} {unit} of it counts past what a requirement needs, for a limit the steps name")
    return (" of study" if d.earned_credit and d.earned_credit != d.earning_study else "") + (f" ({'; '.join(parts)})" if parts else "")


def _repeats_set_the_length(d: Plan) -> str | None:
    """Why a plan takes more terms than its credit needs, when the repeats of one credential are the reason."""
    taken: dict[str, int] = {}
    for t in d.terms:
        for c in set(t.credentials):
            taken[c] = taken.get(c, 0) + 1
    if not taken or not d.max_load:
        return None
    credential, most = max(sorted(taken.items()), key=lambda kv: kv[1])
    least = -(-d.added_credits // d.max_load)  # the terms the added credit needs at the load
    if most < 2 or most != len(d.terms) or most <= least:
        return None
    return (
        f"Each repeat of a repeatable credential is taken in a term of its own (the planner's rule, not the catalogue's): `{credential}`"
        f" is taken {most} times, so the plan takes {_terms(most)}"
        + (f" where its credit alone would fit in {_terms(int(least))};" if least else " (records, which carry no credit);")
        + " where several may be taken in one term, fewer terms may do."
    )


def _terms(count: int) -> str:
    return f"{count} term" + ("" if count == 1 else "s")


def _credentials(count: int) -> str:
    return f"{count} credential" + ("" if count == 1 else "s")


def _cost_text(cost: PlanCost) -> str:
    cur = cost.currency if isinstance(cost.currency, str) else "/".join(cost.currency)
    text = f"cost {n(cost.amount)} {cur}".rstrip() if cur or cost.amount != 0 else ""
    if cost.unknown:
        # "cost 1200 AUD +2 of unknown cost"; with no known amount, no "+" to a cost never stated
        k = len(cost.unknown)
        unknown = f"{k} credential{'' if k == 1 else 's'} of unknown cost"
        text = f"{text} + {unknown}" if text else unknown
    return text


_BETTER = {"credits": "adds less credit", "cost": "costs less", "terms": "takes fewer terms"}  # than an unproven plan


def plan_text(d: Plan | NoPlan) -> str:
    out = [f"Plan for {d.title} ({d.target}), learner {d.learner}, as of {d.as_of.isoformat()}"]
    if d.version is not None:
        out.append(version_line(d.version))
    if isinstance(d, NoPlan):
        out.append(f"No plan: {d.why}.")
        if any(c.credential for c in d.cannot_place):
            # named from one completion of the requirements (without the schedule): other completions take others
            out.append("What one way to complete the target would take, and why it cannot be placed:")
        out += [f"  {c.credential}: {c.why}" if c.credential else f"  {c.why}" for c in d.cannot_place]
        out += ["", footer(d.provenance)]
        return "\n".join(out) + "\n"
    unit = d.credits.system
    if d.status is PlanStatus.MET:
        out.append("Already complete: nothing to add.")
    elif not d.added:
        once = [
            *(["the in-progress and planned study counted (look-ahead) is passed"] if d.relies_on_pending else []),
            *([f"the sign-off{'s' if len(d.awaiting) > 1 else ''} below {'are' if len(d.awaiting) > 1 else 'is'} given"] if d.awaiting else []),
        ]
        out.append("Nothing to add: the target is complete once " + (" and ".join(once) if once else "nothing more is needed") + ".")
    waiting = [f"Not in the plan: `{node}` waits for a sign-off ({why}); the target is complete only once it is given." for node, why in d.awaiting]
    if not d.added:
        out += [*waiting, "", footer(d.provenance)]
        return "\n".join(out) + "\n"
    price = _cost_text(d.cost)
    ties = ", then ".join(t.value for t in d.tie_breaks)
    out.append(
        f"Objective: least {d.objective}, then {ties}. Add {_credentials(len(d.added))}"
        + (f" ({len(set(d.added))} distinct, repeats counted each time)" if len(set(d.added)) != len(d.added) else "")
        + f", {n(d.added_credits)} {unit}"
        + (f" and {records} record{'s' * (records != 1)} (no credit)" if (records := sum(t.records for t in d.terms)) else "")
        + _of_it(d, unit)
        + (f", {price}" if price else "")
        + f"; {_terms(len(d.terms))} of at most {n(d.max_load)} {unit}{' each' if len(d.terms) != 1 else ''}"
        + (
            f" ({', '.join(d.calendar)}, repeating)."
            if d.calendar
            else " (the terms are numbered, not named: no credential in the plan's catalogue names its offerings)."
        )
    )
    repeats = _repeats_set_the_length(d)
    if repeats:
        out.append(repeats)
    proven = "proven" if d.tie_breaks_proven else "the best found within the search's bound on work or time, not proven"
    if d.proof is Proof.OPTIMAL:
        out.append(f"Proof: {d.proof} (least {d.objective}); tie breaks {proven}; the schedule and the figures are re-verified from the rules.")
    else:
        out.append(
            f"Proof: not proven ({d.proof}): the time limit stopped the search before it proved that no plan {_BETTER[d.objective.value]};"
            " this is the best plan found, one that can be carried out (the schedule and the figures are re-verified from the rules)."
            " Raise --time-limit to prove it."
        )
    out += waiting
    if d.added_while_pending:
        names = ", ".join(c for c, _ in d.added_while_pending)
        out.append(
            f"Without look-ahead, study in progress or planned does not count, so this plan takes it again as if it were not passed: {names}."
            " `--look-ahead` plans on passing it."
        )
    if d.added_unverified:
        names = ", ".join(c for c, _, _ in d.added_unverified)
        out.append(
            f'The learner gave badges for {names} that did not verify (see "Unverified credentials"): this plan takes them again;'
            " a valid badge from the issuer would count instead."
        )
    if d.credit_changed:
        out.append(f"The credit used differs from the audit's: keeping the audit's credit would not give the least {d.objective}.")
    lines = []
    for t in d.terms:
        if t.credentials:
            amount = f"{n(t.credits)} {unit}" if t.credits or not t.records else ""
            if t.records:
                amount += (" and " if amount else "") + f"{t.records} record{'s' * (t.records != 1)}"
            lines.append(f"  term {t.term}{f' ({t.name})' if t.name else ''}, {amount}: {', '.join(t.credentials)}")
        else:
            lines.append(f"  term {t.term}{f' ({t.name})' if t.name else ''}: nothing ({t.why_empty})")
    section(out, "Term by term", lines)
    section(
        out,
        "Why each one",
        [
            f"  {s.credential} {s.title or ''} ({'a record' if s.record else f'{n(s.credits)} {unit}'}, term {s.term}): {s.why}"
            + (f" [{s.location}]" if s.location else "")
            for s in d.steps
        ],
    )
    credit: list[str] = []
    for c in d.credit:
        credit.append(
            f"  {c.rule}: from {', '.join(c.sources)} "
            + (
                f"grants {', '.join(grant_name(g.as_, g.title) for g in c.granted)}"
                if c.granted
                else "grants credit that counts towards no requirement" + (" (see the step that earns it)" if set(c.sources) & set(d.added) else "")
            )
            + f" [{c.location}]"
        )
        if c.confidence is not None:
            # the plan rests on this figure as the audit does, and says so as the audit and the statement do
            credit.append(f"      {CONFIDENCE.format(confidence=c.confidence)}")
        for source in c.described:
            credit.append(f"      {source}: {DESCRIBED}")
    section(out, "Credit used", credit)
    section(
        out,
        "Alternatives",
        [
            f"  {k}. {n(a.added_credits)} {unit}, {_cost_text(a.cost) or 'no cost'}, {_terms(a.terms)}: {', '.join(a.added)}"
            for k, a in enumerate(d.alternatives, 2)
        ],
    )
    if d.fewer_alternatives is not None:
        out += ["", f"Alternatives: {d.fewer_alternatives}."]
    out += ["", footer(d.provenance)]
    return "\n".join(out) + "\n"


def _percent_to_go(r: ExploreRow) -> str:
    """The share still to do, rounded up (the audit's progress is rounded down: the two add up to 100%), but never to
    100% while something counts, nor to 0% while something remains."""
    share = share_to_go(r)
    pct = -(-share.numerator * 100 // share.denominator)
    if share < 1:
        pct = min(pct, 99)
    return f"{max(pct, 1)}%"


def explore_text(d: Exploration) -> str:
    out = [
        f"What learner {d.learner} can finish, as of {d.as_of.isoformat()} (least remaining first, as a share of each target; equal shares by full-time years)",
        "",
    ]
    # the qualifications the time limit left unaudited are said once, after the rest (each is a row of the JSON)
    late = [r for r in d.qualifications if isinstance(r, UnavailableRow) and r.not_reached]
    for k, r in enumerate((r for r in d.qualifications if not (isinstance(r, UnavailableRow) and r.not_reached)), 1):
        if isinstance(r, ExploreRow):
            title = f" {r.title}" if r.title else ""
            if r.plan_size is None:
                plan = ""  # no plan was asked for
            elif r.plan_status == "no_plan":
                plan = "; no plan completes it within its rules, the offerings and the load"
            elif r.plan_credits is None:  # not_decided: the time limit was spent before a plan was made or ruled out
                plan = "; not planned within the time limit (raise --time-limit to plan it)"
            else:
                records = f" and {r.plan_records} record{'s' * (r.plan_records != 1)}" if r.plan_records else ""
                plan = f"; least-credit plan adds {_credentials(r.plan_size)}, {n(r.plan_credits)} {r.system}{records}"
                if r.remaining is not None and r.plan_credits != r.remaining:
                    # study that earns credit at its own rate, is taken only for a prerequisite, or is there for a limit past
                    # a requirement's need (found by newcomers: "144 to go ... adds 141.6" said nothing of why, and Priya's
                    # 87.6 against 84 is partly a limit's, which the words had left out)
                    plan += (
                        f" of study, not the {n(r.remaining)} to go (`plan` says why: study elsewhere that earns credit through"
                        " credit rules, study only for a prerequisite, or study a limit asks for past a requirement's need)"
                    )
        else:
            title = plan = ""
        at = f" [{r.location}]" if isinstance(r, ExploreRow) and r.location else ""
        share = f" ({_percent_to_go(r)} to go)" if isinstance(r, ExploreRow) and r.remaining is not None and r.remaining else ""
        out.append(f"{k:>3}. {r.target}{title}{share}: {r.why}{plan}{at}")
    if late:
        said = late[0].why.removeprefix("not audited: ").replace("this qualification was", "they were")
        out.append(f"     and {len(late)} more not audited: {said} (each is listed in --format json)")
    # the footer every explanation ends with (the rules it read); a learner's credential sections go before it
    out += ["", footer(d.provenance)]
    return "\n".join(out) + "\n"
