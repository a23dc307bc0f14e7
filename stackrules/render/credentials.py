"""Text for a decision's verifiable credentials: which verified (and became which holding), which were refused and why."""

from __future__ import annotations

from ..decisions.credentials import CredentialReport


def credentials_lines(report: CredentialReport) -> list[str]:
    """The sections a decision's explanation gains for a learner with ``verifiable:`` holdings (each after a blank line)."""
    out: list[str] = []
    if report.verified:
        out += ["", "Verified credentials"]
        for v in report.verified:
            awarded = f", awarded {v.awarded.isoformat()}" if v.awarded else ""
            grade = f", grade {v.grade}" if v.grade is not None else ""
            out.append(f"  {v.holding}: {v.source}{awarded}{grade}")
            out.append(f"      issuer {v.issuer} (trusted as {v.trust_entry}), proof {v.proof}" + (f", in {v.part_of}" if v.part_of else ""))
    out += ["", "Unverified credentials (earn nothing)"]
    if not report.unverified:
        out.append("  none")
    for u in report.unverified:
        who = f" from {u.issuer}" if u.issuer else ""
        out.append(f"  {u.source}{who}: {u.reason.replace('_', ' ')} ({u.message})")
    return out


def with_credentials(text: str, report: CredentialReport) -> str:
    """``text`` (an explanation ending in its footer line) with the credential sections before the footer."""
    lines = text.rstrip("\n").split("\n")
    head, foot = lines[:-1], lines[-1:]
    while head and head[-1] == "":
        head.pop()
    return "\n".join([*head, *credentials_lines(report), "", *foot]) + "\n"
