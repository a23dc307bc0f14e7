"""The audit explanation: requirements, limits, credit, what is still needed."""

from __future__ import annotations

from ..decisions.audit import AuditDecision, AuditStatus
from .common import MARK, WORD, footer, missing_lines, n, section, wrap


def audit_text(d: AuditDecision) -> str:
    c = d.credits
    unit = c.system
    out = [f"{d.title} ({d.target}) for learner {d.learner}, as of {d.as_of.isoformat()}"]
    status = WORD[d.status].upper() if d.status is not AuditStatus.MET_PENDING else "MET PENDING (in-progress study must be passed)"
    rem = "no catalogue completion" if c.remaining is None else f"{n(c.remaining)} {unit} remaining"
    out.append(f"Status: {status}. {n(c.counted)} of {n(c.required)} {unit} counted; {rem}.")
    v = d.version
    if v.effective_from or v.effective_until:
        start = v.effective_from.isoformat() if v.effective_from else "the start"
        until = v.effective_until.isoformat() if v.effective_until else "now"
        out.append(f"Rules in force from {start} until {until} ({v.location}).")
    if d.look_ahead:
        out.append("Look-ahead: in-progress and planned study counts, marked (pending).")
    out.append("")
    out.append("Requirements")
    depth: dict[str, int] = {}
    pending = set(d.pending)
    for node in d.nodes:
        lvl = depth[node.parent] + 1 if node.parent is not None and node.parent in depth else 0
        depth[node.id] = lvl
        pad = "  " * (lvl + 1)
        progress = ""
        if node.required is not None:
            progress = f", {n(node.credits)} of {n(node.required)} {unit}"
        elif node.claimed:
            progress = f", {n(node.credits)} {unit}"
        title = f" {node.title}" if node.title else ""
        out.append(f"{pad}{MARK[node.status]} {node.id}:{title} ({WORD[node.status]}{progress})")
        if node.claimed and not any(m.parent == node.id and m.claimed for m in d.nodes):
            names = [k + (" (pending)" if k in pending else "") for k in node.claimed]
            out.extend(wrap(names, indent=pad + "    "))
        for e in node.exceptions:
            out.append(f"{pad}    by exception: {e}")
    if d.limits:
        out.append("")
        out.append("Limits")
        for lim in d.limits:
            rel = "at most" if lim.kind.is_max else "at least"
            where = f" in {lim.node}" if lim.node else ""
            share = f" ({n(lim.share)} of the degree)" if lim.share is not None else ""
            out.append(f"  {MARK[lim.status]} {lim.id}{where}: {n(lim.value)}, {rel} {n(lim.bound)}{share}")
    if d.credit:
        out.append("")
        out.append("Credit granted")
        for cr in d.credit:
            basis = f"; basis: {cr.basis.reference}" if cr.basis is not None else ""
            out.append(f"  {cr.rule} ({cr.type}){basis}")
            out.append(f"      from {', '.join(cr.sources) or 'no sources'}")
            for g in cr.granted:
                out.append(f"      grants {g.as_}: {n(g.credits)} {unit}")
            for x in cr.exempt:
                out.append(f"      exempts {x}")
    section(out, "Credit refused", [f"  {r.rule}: {', '.join(r.sources)}: {r.reason.replace('_', ' ')} ({r.detail})" for r in d.refused])
    section(out, "Still needed", missing_lines(d.missing, unit))
    section(out, "Not counted", [f"  {u.holding}: {u.reason}" for u in d.unused])
    section(
        out,
        "Exceptions",
        [f"  {e.type} {e.node}: {e.reason} (approved by {e.approved_by} on {e.date.isoformat()}); {e.effect}" for e in d.exceptions],
    )
    out += ["", footer(d.provenance, proof=d.proof)]
    return "\n".join(out) + "\n"
