"""Pieces every text rendering shares: marks, words, titled sections, the footer."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from ..decisions.audit import Missing
from ..decisions.base import Provenance, q

MARK = {
    "met": "[x]",
    "met_pending": "[~]",
    "not_met": "[ ]",
    "waived": "[w]",
    "exempt": "[e]",
    "not_applicable": "[-]",
    "pending_approval": "[?]",
    "ok": "[x]",
    "short": "[ ]",
}


WORD = {
    "met": "met",
    "met_pending": "met once in-progress or planned study is passed",
    "not_met": "not met",
    "waived": "waived",
    "exempt": "exempt",
    "not_applicable": "not applicable",
    "pending_approval": "pending approval",
    "indeterminate": "indeterminate (the time limit stopped the solver before it proved an answer)",
}


LEGEND = (
    "Marks: [x] met, [~] met once study in progress or planned is passed, [ ] not met, [w] waived, [e] exempt;"
    " (in progress), (planned): counted only with look-ahead; [file:line] where the rule is written."
)

CONFIDENCE = "not confirmed: this figure rests on a source marked `{confidence}`; confirm it before relying on it"


def grant_name(as_: str, title: str | None) -> str:
    """Granted credit as people name it: a credential with its title, block credit by its title (never `credit:RULE:N` alone)."""
    if as_.startswith("credit:"):
        return title or "unspecified credit"
    return f"{as_} {title}" if title else as_


def n(value: Fraction | None) -> str:
    """A quantity as the JSON writes it (``None`` for a missing one, as text has always shown it)."""
    return str(q(value))


def section(out: list[str], title: str, lines: list[str]) -> None:
    """A titled block of an explanation, left out when it has nothing to say."""
    if lines:
        out += ["", title, *lines]


def missing_lines(missing: Iterable[Missing], unit: str) -> list[str]:
    """What is still needed, one line per node: `core (12 cp): ...`."""
    return [f"  {m.node}" + _amount(m, unit) + f": {m.text}" for m in missing]


def _amount(m: Missing, unit: str) -> str:
    """`(12 cp)`; records in their own words: `(2 records)`, `(3 cp and 1 record)`, never `(0 cp)`."""
    if m.credits is None or (m.credits == 0 and not m.records):
        return ""
    said = [f"{n(m.credits)} {unit}"] if m.credits or not m.records else []
    if m.records:
        said.append(f"{m.records} record{'' if m.records == 1 else 's'}")
    return " (" + " and ".join(said) + ")"


def footer(prov: Provenance, proof: str | None = None) -> str:
    return f"{prov.engine}, rules {prov.rules_digest[:19]}" + (f", proof: {proof}" if proof is not None else "")


def wrap(items: list[str], width: int = 88, indent: str = "      ") -> list[str]:
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
