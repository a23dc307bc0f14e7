"""The advanced-standing statement as text.

An assessment is the audit's joint decision seen from the credit office: the
credit granted towards the target rule by rule (type, basis, sources, as
what, how much), after caps; all prior learning refused or left unused, with
the reason; and the study that remains. Its figures reconcile as printed:
counted is credit granted plus own study, granted is what reduces the study
that remains plus what cannot, and remaining is required less counted plus
what counts beyond the requirements' needs.
"""

from __future__ import annotations

from ..decisions.assess import EXPLANATION, AssessStatement, NotCreditedReason
from ..decisions.audit import AuditStatus
from .audit import DESCRIBED, ORDER_NOTE, equivalent_lines, exception_sections, version_line
from .common import CONFIDENCE, footer, grant_name, missing_lines, n, section


def assess_text(d: AssessStatement) -> str:
    c = d.credits
    unit = c.system
    out = [f"Advanced standing statement: {d.title} ({d.target})", f"Learner {d.learner}, assessed as of {d.as_of.isoformat()}"]
    if d.version is not None:
        out.append(version_line(d.version))  # which rules it rests on: a requested catalogue year's is said to be a what-if
    out.append("")
    rules = len({g.rule for g in d.granted})
    applied = len(d.granted)  # a rule applied to several sources (one grant each) is one rule
    undecided = d.status is AuditStatus.INDETERMINATE
    if undecided:
        # an officer must not issue this: its figures are the best choice found when time ran out, not a decision
        out.append("Status: NOT DECIDED within the time limit. This is not a statement of credit: run it again with a longer --time-limit.")
        out.append("The figures below are those of the best choice found so far.")
    if d.pending:
        # look-ahead: as the audit marks it, the statement says what it rests on that is not done
        out.append(f"With look-ahead: this statement counts study in progress or planned as if passed: {', '.join(d.pending)}.")
    so_far = " so far" if undecided else ""
    out.append(
        f"Credit granted{so_far}: {n(c.granted)} {unit}"
        + (f", by {rules} rule{'s' * (rules != 1)}" + (f" applied {applied} times." if applied > rules else ".") if rules else ".")
    )
    if c.granted:
        out.append(f"  reduces the study that remains: {n(c.applicable)} {unit}")
        if c.unusable:
            why = "; ".join(f"{s.node} counts {n(s.counted)} {unit} where it needs {n(s.needed)}" for s in d.surplus if s.credit)
            over = sum((s.credit for s in d.surplus), c.unusable * 0) - c.unusable
            rest = f", and the total takes {n(over)} {unit} of the excess" if over > 0 else ""
            out.append(f"  cannot be used: {n(c.unusable)} {unit} ({why}{rest}; a grant is not split)")
    dropped = sum((nu.credits for g in d.granted for nu in g.not_used), c.granted * 0)
    if dropped:
        # granted by a rule the choice applies, counted nowhere: in none of the figures, and said apart from them
        out.append(f"  the rules also grant {n(dropped)} {unit} that the target does not count, in no figure here (why: under each rule below)")
    towards = f"Counted towards the {n(c.required)} {unit} required" if c.required is not None else "Counted (the target has no credit total)"
    out.append(f"{towards}{so_far}: {n(c.counted)} {unit} ({n(c.granted)} {unit} credit granted + {n(c.counted_study)} {unit} own study).")
    if d.status is AuditStatus.INDETERMINATE:
        out.append("Study remaining: not decided within the time limit.")
    elif c.remaining is None:
        out.append("Study remaining: no combination of catalogue study completes it.")
    else:
        # records carry no credit (section 17): said in their own words beside the credit, as the audit says them
        recs = f" and {c.remaining_records} record{'s' * (c.remaining_records != 1)}" if c.remaining_records else ""
        if c.required is None:
            out.append(f"Study remaining: {n(c.remaining)} {unit}{recs}, what the requirements still need (no credit total).")
        else:
            sums = f"{n(c.required)} required - {n(c.counted)} counted"
            if c.beyond_need is not None and c.beyond_need > 0:
                sums += f" + {n(c.beyond_need)} counted or added beyond what the requirements need"
            elif c.beyond_need is not None and c.beyond_need < 0:
                # a waiver (or exemption) of a node holding the total, the whole qualification's say, takes its need away
                sums += f" - {n(-c.beyond_need)} waived or exempt (see Exceptions)"
            out.append(f"Study remaining: {n(c.remaining)} {unit}{recs} = {sums}.")
    if d.granted:
        out.append("")
        out.append("Credit granted, rule by rule")
        for g in d.granted:
            basis = g.basis.reference if g.basis is not None else "no basis recorded"
            out.append(f"  {g.rule} ({g.type}): {g.title or ''} [{g.location}]".replace(":  [", ": [").rstrip())
            out.append(f"      basis: {basis}")
            if g.confidence is not None:
                out.append(f"      {CONFIDENCE.format(confidence=g.confidence)}")
            out.append(
                "      for: "
                + ", ".join(
                    f"{s.holding} {s.title}"
                    + (" (in progress or planned: counted with look-ahead)" if s.holding in d.pending else "")
                    + (f" (tagged {', '.join(s.stated_tags)} by the learner file, not the catalogue)" if s.stated_tags else "")
                    + (f" ({DESCRIBED})" if s.described else "")
                    for s in g.sources
                )
            )
            for item in g.granted:
                out.append(f"      granted: {grant_name(item.as_, item.title)}, {n(item.credits)} {unit}")
            for nu in g.not_used:
                out.append(f"      not counted: {grant_name(nu.as_, nu.title)}, {n(nu.credits)} {unit}; {nu.reason}: {nu.detail}")
            for x in g.exempt:
                out.append(f"      exempt from: {x}")
    section(
        out,
        "Caps",
        [
            f"  {cap.id}: {n(cap.value)} of at most {n(cap.bound)} {unit} used{so_far}, room for {n(max(cap.bound - cap.value, cap.bound * 0))} more"
            + _at(cap.location)
            for cap in d.caps
        ],
    )
    section(
        out,
        "Credit refused",
        [f"  {', '.join(r.sources)} under {r.rule}: {r.explanation or EXPLANATION[r.reason]} ({r.detail})" + _at(r.location) for r in d.refused],
    )
    section(
        out,
        "Not assessed: no credit rule applies to it (refer to a credit officer)",
        [
            f"  {x.holding} {x.title}" + (f": the nearest rule does not apply, since {x.nearest}" if x.nearest else "")
            for x in d.not_credited
            if x.reason is NotCreditedReason.NO_RULE
        ],
    )
    section(
        out,
        "Prior learning not credited",
        [f"  {x.holding} {x.title}: {x.detail}" for x in d.not_credited if x.reason is NotCreditedReason.OTHER and not x.own],
    )
    section(
        out,
        "Prior learning not decided within the time limit",
        [f"  {x.holding} {x.title}: whether it earns credit is not known" for x in d.not_credited if x.reason is NotCreditedReason.NOT_DECIDED and not x.own],
    )
    # the learner's study at the awarding provider itself (in progress, failed, incompatible) is no credit decision
    section(out, "Own study not counted (not a credit decision)", [f"  {x.holding} {x.title}: {x.detail}" for x in d.not_credited if x.own])
    section(out, "Counted as another credential (not a credit decision: the rules name it in its place)", equivalent_lines(d.equivalents))
    exception_sections(out, d.target, d.exceptions, d.exceptions_refused)
    section(out, "Study that remains", missing_lines(d.remaining_study, unit) + ([f"  ({ORDER_NOTE})"] if d.credits.remaining else []))
    out += ["", footer(d.provenance)]
    return "\n".join(out) + "\n"


def _at(location: str | None) -> str:
    return f" [{location}]" if location else ""
