"""Text for a decision's verifiable credentials: which verified (and became which holding), which were refused and why."""

from __future__ import annotations

from ..decisions.credentials import CredentialReport


def one_line(value: object) -> str:
    """A value from a credential on one line: its line breaks shown as ``\\n`` (a credential is written by its issuer,
    or by whoever forged it, so a line break in it must not start a line of the explanation such as ``Status: MET.``)."""
    return str(value).replace("\r", "\\r").replace("\n", "\\n").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def credentials_lines(report: CredentialReport) -> list[str]:
    """The sections a decision's explanation gains for a learner with ``verifiable:`` holdings (each after a blank line)."""
    out: list[str] = []
    if report.verified:
        out += ["", "Verified credentials"]
        for v in report.verified:
            awarded = f", awarded {v.awarded.isoformat()}" if v.awarded else ""
            grade = f", grade {v.grade}" if v.grade is not None else ""
            out.append(f"  {v.holding}: {one_line(v.source)}{awarded}{one_line(grade)}")
            part = f", in {one_line(v.part_of)}" if v.part_of else ""
            out.append(f"      issuer {one_line(v.issuer)} (trusted as {v.trust_entry}), proof {one_line(v.proof)}{part}")
            if not v.subject_checked:
                out.append(f"      subject not checked: the learner lists no identities (subject {one_line(v.subject or 'none')})")
    out += ["", "Unverified credentials (earn nothing)"]
    if not report.unverified:
        out.append("  none")
    for u in report.unverified:
        who = f" from {one_line(u.issuer)}" if u.issuer else ""
        what = f" ({u.claims})" if u.claims else ""
        out.append(f"  {one_line(u.source)}{what}{who}: {reason_words(u.reason)} ({one_line(u.message)})")
    return out


def with_credentials(text: str, report: CredentialReport) -> str:
    """``text`` (an explanation ending in its footer line) with the credential sections before the footer.

    They go before the closing legend of marks (``Marks: ...``) when the
    explanation has one, so the legend and the footer stay last.
    """
    lines = text.rstrip("\n").split("\n")
    head, foot = lines[:-1], lines[-1:]
    while head and head[-1] == "":
        head.pop()
    if head and head[-1].startswith("Marks: "):
        foot = [head.pop(), *foot]  # the legend right above the footer, as without credentials
        while head and head[-1] == "":
            head.pop()
    return "\n".join([*head, *credentials_lines(report), "", *foot]) + "\n"


# each refusal reason (docs/credentials.md) in words for the text; the JSON keeps the code
REASON_WORDS = {
    "malformed": "malformed",
    "unsupported_proof": "unsupported proof",
    "untrusted_issuer": "untrusted issuer",
    "untrusted_key": "untrusted key",
    "signature": "signature does not verify",
    "not_yet_valid": "not yet valid",
    "expired": "expired",
    "revoked": "revoked",
    "suspended": "suspended",
    "status_unknown": "status unknown",
    "subject_mismatch": "not the learner's (subject mismatch)",
    "unknown_achievement": "achievement not mapped to a credential",
    "unknown_grade": "result not a grade of the provider's scale",
    "too_many": "too many credentials",
    "time_limit": "not verified within the time limit",
}


def reason_words(reason: str) -> str:
    """A refusal reason as words (an unknown code: its own words)."""
    return REASON_WORDS.get(reason, reason.replace("_", " "))
