"""The audit explanation: requirements, limits, credit, what is still needed.

Every statement cites where its rule is written (``[file:line]``); applied
study shows its title, credit, grade and date; a legend explains the marks.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from ..decisions.audit import Applied, AuditDecision, AuditStatus, Equivalent, ExceptionEntry, ExceptionRefused, LimitStatus, NodeResult, NodeStatus, Version
from .common import CONFIDENCE, LEGEND, MARK, WORD, footer, grant_name, missing_lines, n, section, wrap

_CHOSEN = {
    "commencement": "the one in force when the learner commenced, {day}",
    "as_of": "the one in force on {day}",
    "catalog_year": "the requested catalogue year's, in force on {day} (a what-if, not the learner's own)",
}
_SAME = "the requested catalogue year's, in force on {day}, which is the learner's own version too"


def _percent(part: Fraction, whole: Fraction) -> str:
    if whole <= 0:
        return "100%"
    return f"{int(min(part, whole) * 100 / whole)}%"


# a source whose type, credit, level and fields only the learner file gives (section 18): said wherever it earns credit
DESCRIBED = "described by the learner file, not a catalogue: check its evidence"


def _order_note(remaining: Fraction | None) -> list[str]:
    """Said under study still to add: its figures count credit, not the order study can be taken in."""
    if not remaining:
        return []
    return [f"  ({ORDER_NOTE})"]


# what `remaining` leaves to `plan` (docs/language.md section 11): said wherever study still to add is listed
ORDER_NOTE = "credit only: prerequisites and term offerings are not counted here; `stackrules plan` orders this study and adds what a prerequisite needs"


def version_line(v: Version) -> str:
    """The line saying which version of the qualification is used, where it is written and why it was chosen."""
    if v.effective_from is None and v.effective_until is None:
        span = "version with no effective dates"
    else:
        start = f"from {v.effective_from.isoformat()}" if v.effective_from else "from the start"
        span = f"version in force {start}" + (f" to {v.effective_until.isoformat()}" if v.effective_until else ", no end date set")
    why = "; " + _CHOSEN[v.chosen_by].format(day=v.chosen_on.isoformat() if v.chosen_on else "") if v.chosen_by else ""
    if v.same_as_own:
        why = "; " + _SAME.format(day=v.chosen_on.isoformat() if v.chosen_on else "")
    return f"Rules: {span} [{v.location}]{why}."


def _two_places(x: Fraction) -> str:
    """An exact value rounded half to even at two decimal places, written out (`6.09`)."""
    hundredths = round(x * 100)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _applied(a: Applied | None, key: str, unit: str) -> str:
    if a is None:
        return key
    parts = [f"{n(a.credits)} {unit}"] if a.credits else []
    if a.source == "credit":
        parts.append("credit granted")
    if a.grade:
        parts.append(a.grade)
    if a.awarded:
        parts.append(a.awarded.isoformat())
    if a.status != "completed":
        parts.append(a.status.replace("_", " "))
    if a.stated_tags:
        parts.append("tagged " + ", ".join(a.stated_tags) + " by the learner file, not the catalogue")
    # a second holding of one credential (a retake, a repeat) is keyed `X@2` in the JSON; its date and grade tell it apart
    shown = key.partition("@")[0] if not key.startswith("credit:") else key
    name = grant_name(key, a.title) if a.source == "credit" and key.startswith("credit:") else f"{shown} {a.title}" if a.title else shown
    return f"{name} ({', '.join(parts)})" if parts else name


def equivalent_lines(equivalents: tuple[Equivalent, ...]) -> list[str]:
    """Holdings counted as a credential they stand for, one line each (the audit's and the statement's)."""
    # said of the credential it counts as, named again (after "in core", "which" would read as the node)
    said = {"supersedes": "{as_} being the one it supersedes", "superseded": "{as_} superseding it", "equivalent": "{as_} being its equivalent"}
    return [
        f"  {e.holding} counts as {e.as_} "
        + (f"in {e.node}" if e.rule is None else f"as a source of credit rule {e.rule}")
        + f" ({said[e.relation].format(as_=e.as_)})"
        for e in equivalents
    ]


def _ancestors(node: NodeResult, by_id: Mapping[str, NodeResult]) -> list[NodeResult]:
    out = []
    up = by_id.get(node.parent) if node.parent else None
    while up is not None:
        out.append(up)
        up = by_id.get(up.parent) if up.parent else None
    return out


def audit_text(d: AuditDecision) -> str:
    c = d.credits
    unit = c.system
    out = [f"{d.title} ({d.target}) for learner {d.learner}, as of {d.as_of.isoformat()}"]
    if d.status is AuditStatus.INDETERMINATE:
        of = f"{n(c.counted)} of {n(c.required)} {unit}" if c.required is not None else f"{n(c.counted)} {unit}"
        out.append(f"Status: NOT DECIDED within the time limit. {of} counted so far; what remains is not known.")
    else:
        status = WORD[d.status].upper() if d.status is not AuditStatus.MET_PENDING else "MET PENDING (study in progress or planned must be passed)"
        rem = "no catalogue study completes it" if c.remaining is None else f"{n(c.remaining)} {unit} remaining"
        if c.remaining_records:
            rem += f" and {c.remaining_records} record{'' if c.remaining_records == 1 else 's'}"
        of = (
            f"{n(c.counted)} of {n(c.required)} {unit} counted"
            if c.required is not None
            else f"{n(c.counted)} {unit} counted (no credit total: met when every requirement is)"
        )
        if c.beyond_need:
            # past the total: counted credit the requirements cannot use (a pool already full), or what a completion
            # adds past the need (units come whole). Say which, or the figures do not add up
            past = []
            if c.unusable:
                past.append(f"{n(c.unusable)} {unit} of the credit counted is beyond what the requirements can use")
            if c.beyond_need > c.unusable and c.required is not None and c.remaining and c.counted - c.unusable >= c.required:
                # the total is reached, and a requirement still needs study: it all lands past the total
                past.append(
                    f"the credit total is reached, but requirements still need this study, listed under Still needed, which takes "
                    f"the total to {n(c.counted - c.unusable + c.remaining)} {unit}"
                )
            elif c.beyond_need > c.unusable:
                extra = c.beyond_need - c.unusable
                # study a pool takes wholly past its need is there for a minimum limit or for the credit total; with no
                # minimum limit it is the total's, and what of it passes the total is there because units come whole
                minimums = any(not lim.kind.is_max for lim in d.limits)
                for_limits = min(c.past_pools, extra) if minimums else Fraction(0)
                whole = min(c.units_over + (Fraction(0) if minimums else c.past_pools), extra - for_limits)
                causes = [
                    *(["a limit asks for study past what a requirement needs, as Still needed says"] if for_limits else []),
                    *(["units come whole"] if whole else []),
                    # what neither explains: the requirements themselves ask for more than the credit total
                    *(["the requirements together ask for more than the credit total"] if extra > for_limits + whole else []),
                ]
                past.append(f"the study still needed passes the need by {n(extra)} {unit}: " + ", and ".join(causes))
            rem += f" ({'; '.join(past)})"
        out.append(f"Status: {status}. {of}; {rem}.")
    # a requirement that does not apply to this learner is neither met nor counted; one waiting for a sign-off is not met yet
    # an unmet node inside a met one is an alternative not taken (the other branch of an `any`): not counted either
    by_id = {node.id: node for node in d.nodes}
    unmet = (NodeStatus.NOT_MET, NodeStatus.PENDING_APPROVAL)

    # in an audit not met, a branch of an unmet choice that the completion does not take (no claim in it, nothing in
    # "Still needed" under it) while a sibling is taken is an alternative not taken too ("chosen for `major`")
    kids: dict[str | None, list[NodeResult]] = {}
    for node in d.nodes:
        kids.setdefault(node.parent, []).append(node)
    needed = {m.node for m in d.missing}

    def taken(node: NodeResult) -> bool:
        return bool(node.claimed) or node.id in needed or node.status not in unmet or any(taken(k) for k in kids.get(node.id, []))

    def left_aside(node: NodeResult) -> bool:
        up = by_id.get(node.parent) if node.parent else None
        if d.status is not AuditStatus.NOT_MET or up is None or not up.choice or up.status not in unmet or taken(node):
            return False
        return any(taken(k) for k in kids.get(up.id, []) if k is not node)

    def not_taken(node: NodeResult) -> bool:
        if left_aside(node) or any(left_aside(a) for a in _ancestors(node, by_id)):
            return True
        up = by_id.get(node.parent) if node.parent else None
        while up is not None:
            if up.status not in unmet and up.status is not NodeStatus.NOT_APPLICABLE:
                return node.status in unmet
            up = by_id.get(up.parent) if up.parent else None
        return False

    applies = [node for node in d.nodes if node.status is not NodeStatus.NOT_APPLICABLE and not not_taken(node)]
    met = sum(1 for node in applies if node.status not in unmet)
    # the share of the credit the requirements can use: credit counted past what they need is no progress
    credit = ""
    if c.required is not None:
        usable = f" ({n(c.counted - c.unusable)} of {n(c.required)} {unit}: what counts past a need is left out)" if c.unusable else ""
        credit = f"{_percent(c.counted - c.unusable, c.required)} of the credit{usable}, "
    # cut short by the time limit: what the best choice found so far counts, not a decision
    so_far = " so far (not decided)" if d.status is AuditStatus.INDETERMINATE else ""
    waiting = sum(1 for node in applies if node.status is NodeStatus.MET_PENDING)
    # met once in-progress or planned study is passed is not met yet: said apart, as the marks tell [x] from [~]
    met_now = f"{met - waiting} of {len(applies)} requirement{'' if len(applies) == 1 else 's'} met"
    if not d.nodes:
        # a tree without ids (`all: [a, b]`) lists no requirement: "0 of 0 requirements met" would say nothing true
        met_now = "no requirement with an id to count"
    progress = f"Progress{so_far}: {credit}{met_now}" + (f", {waiting} more once in-progress or planned study is passed" if waiting else "")
    apart = []
    if skipped := sum(1 for node in d.nodes if not_taken(node)):
        apart.append(f"{skipped} alternative{'' if skipped == 1 else 's'} not taken")
    if inapplicable := sum(1 for node in d.nodes if node.status is NodeStatus.NOT_APPLICABLE):
        apart.append(f"{inapplicable} not applicable to this learner")
    if waived := sum(1 for node in applies if node.status is NodeStatus.WAIVED):
        apart.append(f"{waived} waived, counted as met")
    if apart:
        progress += f" ({'; '.join(apart)})"
    if d.gpa is not None:
        progress += f"; GPA {_two_places(d.gpa)} over the graded study counted (credit-weighted grade points)"
    out.append(progress + ".")
    out.append(version_line(d.version))
    if d.look_ahead:
        out.append("Look-ahead: study in progress and planned counts, marked (in progress) or (planned).")
    out.append("")
    out.append("Requirements")
    if not d.nodes:
        out.append("  (none is listed: the target's requirements have no `id`; give them ids to have each reported)")
    depth: dict[str, int] = {}
    pending = set(d.pending)
    applied = {a.holding: a for a in d.applied}
    for node in d.nodes:
        lvl = depth[node.parent] + 1 if node.parent is not None and node.parent in depth else 0
        depth[node.id] = lvl
        pad = "  " * (lvl + 1)
        progress = ""
        if node.required is not None:
            progress = f", {n(node.credits)} of {n(node.required)} {unit}"
        elif node.required_count is not None:
            progress = f", {len(node.claimed)} of {node.required_count}"
        elif node.claimed:
            # said of a choice whose credit comes from more than one of its parts (else it is that part's credit)
            across = node.choice and sum(1 for k in kids.get(node.id, []) if k.claimed) > 1
            progress = f", {n(node.credits)} {unit}" + (" across its choices" if across else "")
        title = f" {node.title}" if node.title else ""
        at = f" [{node.location}]" if node.location else ""
        short = [lim.id for lim in d.limits if lim.node == node.id and lim.status is LimitStatus.SHORT]
        if short:  # a pool can hold all its credit and still fall short of a limit: say which, or "24 of 24, not met" puzzles
            progress += f"; limit{'' if len(short) == 1 else 's'} {', '.join(short)} not reached"
        why = f": {node.why}" if node.why else ""
        word = WORD[node.status] + (" so far" if so_far and node.status is NodeStatus.NOT_MET else "")
        out.append(f"{pad}{MARK[node.status]} {node.id}:{title} ({word}{progress}{why}){at}")
        # what the node claims through parts without an id of their own (`all: [a, b]` beside named groups); what a
        # named part claims is listed under that part
        in_parts = {k for m in d.nodes if m.parent == node.id for k in m.claimed}
        for k in node.claimed:
            if k not in in_parts:
                out.append(f"{pad}    {_applied(applied.get(k), k, unit)}" + (" (pending)" if k in pending and k not in applied else ""))
        for e in node.exceptions:
            out.append(f"{pad}    by exception: {e}")
    if d.limits:
        out.append("")
        out.append("Limits")
        for lim in d.limits:
            rel = "at most" if lim.kind.is_max else "at least"
            where = f" in {lim.node}" if lim.node else ""
            share = f" ({n(lim.share)} of the degree)" if lim.share is not None else ""
            over = f" ({lim.where})" if lim.where else ""
            at = f" [{lim.location}]" if lim.location else ""
            mark = MARK["met_pending"] if lim.met_pending else MARK[lim.status]
            value = "no graded credit counted yet" if lim.ungraded else n(lim.value)
            if lim.not_applied:
                # its node is met without claims (waived, exempt) or does not apply: the limit is not applied
                held = next((x for x in d.nodes if x.id == lim.node), None) if lim.node else None
                aside_words = {NodeStatus.WAIVED: "waived", NodeStatus.EXEMPT: "exempt", NodeStatus.NOT_APPLICABLE: "not applicable to this learner"}
                why = (
                    f"`{lim.node}` is {aside_words[held.status]}"
                    if held is not None and held.status in aside_words
                    else "it is within a requirement waived, exempt or not applicable"
                )
                out.append(f"  [-] {lim.id}{over}{where}: not applied ({why}), {rel} {n(lim.bound)}{share}{at}")
                continue
            held = next((x for x in d.nodes if x.id == lim.node), None) if lim.node else None
            if lim.status == "short" and held is not None and not_taken(held):
                # the limit of an alternative the decision does not take (the choir, where the internship counts) is
                # not short of anything the learner needs
                out.append(f"  [-] {lim.id}{over}{where}: {value}, {rel} {n(lim.bound)}{share}, not needed: `{lim.node}` is an alternative not taken{at}")
                continue
            out.append(f"  {mark} {lim.id}{over}{where}: {value}, {rel} {n(lim.bound)}{share}{at}")
    if d.credit:
        out.append("")
        out.append("Credit granted")
        for cr in d.credit:
            out.append(f"  {cr.rule} ({cr.type}): {cr.title} [{cr.location}]" if cr.title else f"  {cr.rule} ({cr.type}) [{cr.location}]")
            if cr.basis is not None:
                out.append(f"      basis: {cr.basis.reference}")
            if cr.confidence is not None:
                out.append(f"      {CONFIDENCE.format(confidence=cr.confidence)}")
            stated = dict(cr.stated_tags)
            named = [
                s
                + (f" (tagged {', '.join(stated[s])} by the learner file, not the catalogue)" if s in stated else "")
                + (f" ({DESCRIBED})" if s in cr.described else "")
                for s in cr.sources
            ]
            out.append(f"      from {', '.join(named) or 'no sources'}")
            for g in cr.granted:
                out.append(f"      grants {grant_name(g.as_, g.title)}: {n(g.credits)} {unit}")
            for nu in cr.not_used:
                out.append(f"      also grants {grant_name(nu.as_, nu.title)}: {n(nu.credits)} {unit}, not counted ({nu.reason}): {nu.detail}")
            for x in cr.exempt:
                out.append(f"      exempts {x}")
    # said of the credential it counts as, named again (after "in core", "which" would read as the node)
    section(
        out,
        "Counted in more than one requirement",
        [
            f"  {sh.holding} counts in {' and '.join(sh.nodes)}, once in the total"
            + (": the programme lists it as one they may share" if sh.only_listed else ": the programme lets them share credentials")
            for sh in d.shared
        ],
    )
    section(out, "Counted as another credential", equivalent_lines(d.equivalents))
    section(
        out,
        "Credit refused",
        [
            f"  {r.rule}: {', '.join(r.sources)}: {r.explanation or r.reason.replace('_', ' ')} ({r.detail})" + (f" [{r.location}]" if r.location else "")
            for r in d.refused
        ],
    )
    section(out, "Still needed", missing_lines(d.missing, unit) + _order_note(d.credits.remaining))
    section(out, "Not counted", [f"  {u.holding}" + (f" {u.title}" if u.title else "") + f": {u.reason}" for u in d.unused])
    exception_sections(out, d.target, d.exceptions, d.exceptions_refused)
    legend = LEGEND
    shown = {node.status.value for node in d.nodes}
    if "not_applicable" in shown and any(lim.not_applied for lim in d.limits):
        legend += " [-] not applicable to this learner (a limit: not applied)."
    elif "not_applicable" in shown:
        legend += " [-] not applicable to this learner."
    elif any(lim.not_applied for lim in d.limits):
        legend += " [-] a limit not applied."
    if "pending_approval" in shown:
        legend += " [?] waiting for a sign-off (an approval)."
    out += ["", legend, footer(d.provenance, proof=d.proof)]
    return "\n".join(out) + "\n"


def exception_sections(out: list[str], target: str, applied: tuple[ExceptionEntry, ...], refused: tuple[ExceptionRefused, ...]) -> None:
    """The learner's exceptions: applied (with their effect), refused (with why), and those for another qualification.

    An exception for another qualification (a what-if audit of a learner whose exceptions are for their own
    programme) is not refused: it does not apply here, and is said apart from the ones that were refused.
    """
    section(out, "Exceptions", [f"  {e.type} {e.node}: {e.reason} (approved by {e.approved_by} on {e.date.isoformat()}); {e.effect}" for e in applied])
    elsewhere = [e for e in refused if e.reason == "outside_target" and e.node.partition("#")[0] != target]
    section(
        out,
        "Exceptions refused",
        [
            f"  {e.type} {e.node} (approved by {e.approved_by} on {e.date.isoformat()}): {e.reason.replace('_', ' ')} ({e.detail})"
            for e in refused
            if e not in elsewhere
        ],
    )
    section(
        out,
        "Exceptions for other qualifications (not applied here)",
        [f"  {e.type} {e.node} (approved by {e.approved_by} on {e.date.isoformat()})" for e in elsewhere],
    )


__all__ = ["audit_text", "exception_sections", "wrap"]
