"""The audit explanation: requirements, limits, credit, what is still needed."""

from __future__ import annotations

from typing import Any

from .common import MARK, WORD, footer, missing_lines, section, wrap


def audit_text(d: dict[str, Any]) -> str:
    c = d["credits"]
    unit = c["system"]
    out = [f"{d['title']} ({d['target']}) for learner {d['learner']}, as of {d['as_of']}"]
    status = WORD.get(d["status"], d["status"]).upper() if d["status"] != "met_pending" else "MET PENDING (in-progress study must be passed)"
    rem = "no catalogue completion" if c["remaining"] is None else f"{c['remaining']} {unit} remaining"
    out.append(f"Status: {status}. {c['counted']} of {c['required']} {unit} counted; {rem}.")
    v = d.get("version") or {}
    if v.get("effective_from") or v.get("effective_until"):
        out.append(f"Rules in force from {v.get('effective_from') or 'the start'} until {v.get('effective_until') or 'now'} ({v['location']}).")
    if d.get("look_ahead"):
        out.append("Look-ahead: in-progress and planned study counts, marked (pending).")
    out.append("")
    out.append("Requirements")
    depth: dict[str, int] = {}
    pending = set(d.get("pending", []))
    for n in d["nodes"]:
        lvl = depth[n["parent"]] + 1 if n.get("parent") in depth else 0
        depth[n["id"]] = lvl
        pad = "  " * (lvl + 1)
        progress = ""
        if "required" in n:
            progress = f", {n['credits']} of {n['required']} {unit}"
        elif n["claimed"]:
            progress = f", {n['credits']} {unit}"
        title = f" {n['title']}" if n.get("title") else ""
        out.append(f"{pad}{MARK.get(n['status'], '[?]')} {n['id']}:{title} ({WORD.get(n['status'], n['status'])}{progress})")
        if n["claimed"] and not any(m.get("parent") == n["id"] and m["claimed"] for m in d["nodes"]):
            names = [k + (" (pending)" if k in pending else "") for k in n["claimed"]]
            out.extend(wrap(names, indent=pad + "    "))
        for e in n.get("exceptions", []):
            out.append(f"{pad}    by exception: {e}")
    if d["limits"]:
        out.append("")
        out.append("Limits")
        for lim in d["limits"]:
            rel = "at most" if lim["kind"].startswith("max") else "at least"
            where = f" in {lim['node']}" if lim.get("node") else ""
            share = f" ({lim['share']} of the degree)" if lim.get("share") else ""
            out.append(f"  {MARK[lim['status']]} {lim['id']}{where}: {lim['value']}, {rel} {lim['bound']}{share}")
    if d.get("credit"):
        out.append("")
        out.append("Credit granted")
        for cr in d["credit"]:
            basis = f"; basis: {cr['basis']['reference']}" if cr.get("basis") else ""
            out.append(f"  {cr['rule']} ({cr['type']}){basis}")
            out.append(f"      from {', '.join(cr['sources']) or 'no sources'}")
            for g in cr["granted"]:
                out.append(f"      grants {g['as']}: {g['credits']} {unit}")
            for n in cr.get("exempt", []):
                out.append(f"      exempts {n}")
    section(out, "Credit refused", [f"  {r['rule']}: {', '.join(r['sources'])}: {r['reason'].replace('_', ' ')} ({r['detail']})" for r in d["refused"]])
    section(out, "Still needed", missing_lines(d["missing"], unit))
    section(out, "Not counted", [f"  {u['holding']}: {u['reason']}" for u in d["unused"]])
    section(
        out,
        "Exceptions",
        [f"  {e['type']} {e['node']}: {e['reason']} (approved by {e['approved_by']} on {e['date']}); {e['effect']}" for e in d["exceptions"]],
    )
    out += ["", footer(d, proof=True)]
    return "\n".join(out) + "\n"
