"""Credit-transfer assessment: the advanced-standing statement.

An assessment is the audit's joint decision seen from the credit office: the
credit granted towards the target rule by rule (type, basis, sources, as
what, how much), after caps; all prior learning refused or left unused, with
the reason; and the study that remains.
"""

from __future__ import annotations

from typing import Any

from .common import footer, missing_lines, section


def assess_text(d: dict[str, Any]) -> str:
    c = d["credits"]
    unit = c["system"]
    out = [f"Advanced standing statement: {d['title']} ({d['target']})", f"Learner {d['learner']}, assessed as of {d['as_of']}", ""]
    out.append(f"Credit granted: {c['granted']} {unit} of the {c['required']} {unit} required.")
    rem = "no combination of catalogue study completes it" if c["remaining"] is None else f"{c['remaining']} {unit}"
    out.append(f"Study remaining: {rem}.")
    if d["granted"]:
        out.append("")
        out.append("Credit granted, rule by rule")
        for g in d["granted"]:
            basis = g["basis"]["reference"] if g.get("basis") else "no basis recorded"
            out.append(f"  {g['rule']} ({g['type']}): {g['title'] or ''}".rstrip())
            out.append(f"      basis: {basis}; rule at {g['location']}")
            out.append("      for: " + ", ".join(f"{s['holding']} {s['title']}" for s in g["sources"]))
            for item in g["granted"]:
                out.append(f"      granted: {item['as']} ({item['title']}), {item['credits']} {unit}")
            for n in g["exempt"]:
                out.append(f"      exempt from: {n}")
    section(out, "Caps", [f"  {cap['id']}: {cap['value']} of at most {cap['bound']} {unit} used" for cap in d["caps"]])
    section(out, "Credit refused", [f"  {', '.join(r['sources'])} under {r['rule']}: {r['explanation']} ({r['detail']})" for r in d["refused"]])
    section(out, "Prior learning not credited", [f"  {n['holding']} {n['title']}: {n['detail']}" for n in d["not_credited"]])
    section(out, "Study that remains", missing_lines(d["remaining_study"], unit))
    out += ["", footer(d)]
    return "\n".join(out) + "\n"
