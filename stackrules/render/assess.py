"""The advanced-standing statement as text.

An assessment is the audit's joint decision seen from the credit office: the
credit granted towards the target rule by rule (type, basis, sources, as
what, how much), after caps; all prior learning refused or left unused, with
the reason; and the study that remains.
"""

from __future__ import annotations

from ..decisions.assess import EXPLANATION, AssessStatement
from .common import footer, missing_lines, n, section


def assess_text(d: AssessStatement) -> str:
    c = d.credits
    unit = c.system
    out = [f"Advanced standing statement: {d.title} ({d.target})", f"Learner {d.learner}, assessed as of {d.as_of.isoformat()}", ""]
    out.append(f"Credit granted: {n(c.granted)} {unit} of the {n(c.required)} {unit} required.")
    rem = "no combination of catalogue study completes it" if c.remaining is None else f"{n(c.remaining)} {unit}"
    out.append(f"Study remaining: {rem}.")
    if d.granted:
        out.append("")
        out.append("Credit granted, rule by rule")
        for g in d.granted:
            basis = g.basis.reference if g.basis is not None else "no basis recorded"
            out.append(f"  {g.rule} ({g.type}): {g.title or ''}".rstrip())
            out.append(f"      basis: {basis}; rule at {g.location}")
            out.append("      for: " + ", ".join(f"{s.holding} {s.title}" for s in g.sources))
            for item in g.granted:
                out.append(f"      granted: {item.as_} ({item.title}), {n(item.credits)} {unit}")
            for x in g.exempt:
                out.append(f"      exempt from: {x}")
    section(out, "Caps", [f"  {cap.id}: {n(cap.value)} of at most {n(cap.bound)} {unit} used" for cap in d.caps])
    section(out, "Credit refused", [f"  {', '.join(r.sources)} under {r.rule}: {EXPLANATION[r.reason]} ({r.detail})" for r in d.refused])
    section(out, "Prior learning not credited", [f"  {x.holding} {x.title}: {x.detail}" for x in d.not_credited])
    section(out, "Study that remains", missing_lines(d.remaining_study, unit))
    out += ["", footer(d.provenance)]
    return "\n".join(out) + "\n"
