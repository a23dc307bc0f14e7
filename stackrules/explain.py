"""Text renderings of decisions, for learners, advisors and registrars."""

from __future__ import annotations

from typing import Any

from .decision import Decision

_MARK = {"met": "[x]", "met_pending": "[~]", "not_met": "[ ]", "waived": "[w]", "exempt": "[e]", "ok": "[x]", "short": "[ ]"}
_WORD = {
    "met": "met",
    "met_pending": "met once in-progress study is passed",
    "not_met": "not met",
    "waived": "waived",
    "exempt": "exempt",
    "indeterminate": "indeterminate (the time limit stopped the solver before it proved an answer)",
}


def render_text(decision: Decision) -> str:
    data = decision.to_json()
    if decision.kind == "audit":
        return audit_text(data)
    if decision.kind == "explore":
        from .plan import explore_text

        return explore_text(data)
    if decision.kind == "plan":
        from .plan import plan_text

        return plan_text(data)
    if decision.kind == "assess":
        from .assess import assess_text

        return assess_text(data)
    return str(data)


def section(out: list[str], title: str, lines: list[str]) -> None:
    """A titled block of an explanation, left out when it has nothing to say."""
    if lines:
        out += ["", title, *lines]


def missing_lines(missing: list[dict[str, Any]], unit: str) -> list[str]:
    """What is still needed, one line per node: `core (12 cp): ...`."""
    return [f"  {m['node']}" + (f" ({m['credits']} {unit})" if m.get("credits") else "") + f": {m['text']}" for m in missing]


def footer(d: dict[str, Any], proof: bool = False) -> str:
    prov = d["provenance"]
    return f"{prov['engine']}, rules {prov['rules_digest'][:19]}" + (f", proof: {d.get('proof')}" if proof else "")


def _join(items: list[str], width: int = 88, indent: str = "      ") -> list[str]:
    lines: list[str] = []
    cur = indent
    for it in items:
        piece = it if cur == indent else ", " + it
        if len(cur) + len(piece) > width and cur != indent:
            lines.append(cur + ",")
            cur = indent + it
        else:
            cur += piece
    if cur != indent:
        lines.append(cur)
    return lines


def audit_text(d: dict[str, Any]) -> str:
    c = d["credits"]
    unit = c["system"]
    out = [f"{d['title']} ({d['target']}) for learner {d['learner']}, as of {d['as_of']}"]
    status = _WORD.get(d["status"], d["status"]).upper() if d["status"] != "met_pending" else "MET PENDING (in-progress study must be passed)"
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
        out.append(f"{pad}{_MARK.get(n['status'], '[?]')} {n['id']}:{title} ({_WORD.get(n['status'], n['status'])}{progress})")
        if n["claimed"] and not any(m.get("parent") == n["id"] and m["claimed"] for m in d["nodes"]):
            names = [k + (" (pending)" if k in pending else "") for k in n["claimed"]]
            out.extend(_join(names, indent=pad + "    "))
        for e in n.get("exceptions", []):
            out.append(f"{pad}    by exception: {e}")
    if d["limits"]:
        out.append("")
        out.append("Limits")
        for lim in d["limits"]:
            rel = "at most" if lim["kind"].startswith("max") else "at least"
            where = f" in {lim['node']}" if lim.get("node") else ""
            share = f" ({lim['share']} of the degree)" if lim.get("share") else ""
            out.append(f"  {_MARK[lim['status']]} {lim['id']}{where}: {lim['value']}, {rel} {lim['bound']}{share}")
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
