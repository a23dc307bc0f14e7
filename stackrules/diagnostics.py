"""Diagnostics: the closed registry of codes, and how a diagnostic is rendered.

Codes are stable: never renumbered, never reused. ``docs/diagnostics.md`` lists
every code with what it means and how to fix it; a test keeps the two in step.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Code:
    code: str
    slug: str
    severity: Severity
    summary: str
    fix: str


_CODES: tuple[Code, ...] = (
    # 1xxx: reading files (strict YAML)
    Code("SR1001", "yaml-syntax", "error", "the file is not valid YAML", "fix the syntax at the position shown"),
    Code("SR1002", "duplicate-key", "error", "a mapping has the same key twice", "remove or rename the second occurrence"),
    Code("SR1003", "anchor-alias", "error", "YAML anchors and aliases are not allowed", "write the value out in full"),
    Code("SR1004", "tab-indent", "error", "a tab is used for indentation", "indent with spaces"),
    Code(
        "SR1005", "ambiguous-boolean", "error", "a YAML 1.1 boolean word (yes, no, on, off, y, n) is unquoted", "quote it if you mean text, or write true/false"
    ),
    Code("SR1006", "leading-zero", "error", "a number has a leading zero (YAML 1.1 reads it as octal)", "quote it if it is a code, or drop the leading zero"),
    Code("SR1007", "file-too-large", "error", "the file is over the size limit", "split the rule base into several files"),
    Code("SR1008", "too-deep", "error", "the document nests deeper than the limit", "flatten the structure, for instance with `define:` and `ref`"),
    Code("SR1009", "not-utf8", "error", "the file is not UTF-8 text", "save the file as UTF-8"),
    Code("SR1010", "multiple-documents", "error", "a file holds more than one YAML document", "put each document in its own file"),
    Code("SR1011", "not-a-document", "error", "the file is empty or its top level is not a mapping", "start the file with `kind:` and the document's keys"),
    Code("SR1012", "unreadable", "error", "a path cannot be read", "check that the path exists and is readable"),
    Code("SR1013", "not-a-file", "error", "a path names a folder, a pipe or a device, not a regular file", "name a YAML file"),
    Code("SR1014", "no-documents", "error", "a folder given as a rule base holds no YAML file", "name the folder that holds the `.yaml` files, or add them"),
    Code("SR1015", "too-many-values", "error", "the document holds more values than the limit", "split it into several files"),
    Code("SR1016", "list-too-long", "error", "a list or mapping has more entries than the limit", "split it, or spread it over several files"),
    Code("SR1017", "text-too-long", "error", "a text value is longer than the limit", "shorten it; put long notes in a linked document"),
    # 2xxx: document shape
    Code("SR2001", "unknown-key", "error", "a key is not allowed here", "remove it, or correct its spelling as suggested"),
    Code("SR2002", "missing-key", "error", "a required key is missing", "add the key"),
    Code("SR2003", "wrong-type", "error", "a value has the wrong type", "write a value of the type named in the message"),
    Code("SR2004", "invalid-value", "error", "a value is not one of the allowed values or out of range", "use one of the values named in the message"),
    Code("SR2005", "unknown-kind", "error", "`kind:` is missing or names no known document kind", "use one of the kinds listed in the message"),
    Code(
        "SR2006",
        "invalid-quantity",
        "error",
        "a credit quantity cannot be read",
        'write a number (`6`, `1.5`, `"2/3"`) optionally followed by a credit system (`"30 ects"`)',
    ),
    Code("SR2007", "invalid-id", "error", "an identifier has the wrong form", "providers are lowercase slugs; credentials are `provider:CODE`"),
    Code("SR2008", "invalid-node", "error", "a requirement node mixes forms that cannot go together", "see the table of node forms in docs/language.md"),
    Code("SR2009", "invalid-date", "error", "a date is not an ISO date (YYYY-MM-DD)", "write the date as YYYY-MM-DD"),
    Code(
        "SR2010",
        "invalid-filter",
        "error",
        "a filter names an unknown attribute or a condition that does not fit it",
        "use the attributes and conditions listed in docs/language.md",
    ),
    Code(
        "SR2011",
        "number-too-large",
        "error",
        "a number is over its bound (10^9 in size; `within_years` at most 200)",
        "write a smaller number: credits, costs, years, loads and counts are at most 1000000000",
    ),
    Code(
        "SR2012",
        "number-too-precise",
        "error",
        "a number has more than 12 digits after the point or in its denominator",
        "round it to at most 12 decimal places, or use a smaller denominator",
    ),
    Code("SR2013", "date-out-of-range", "error", "a date is outside the years 1000 to 8999", "write the date as it is meant, YYYY-MM-DD"),
    # 3xxx: meaning across files
    Code(
        "SR3001",
        "unknown-credential",
        "error",
        "a credential or qualification id is not defined anywhere in the rule base",
        "define it (a credential in a catalog, a qualification in a `kind: qualification` document), or correct the id",
    ),
    Code("SR3002", "unknown-provider", "error", "a provider has no catalog", "add a catalog for the provider, or correct the id"),
    Code("SR3003", "unknown-level", "error", "a framework level or qualification type is not defined", "use a level of a loaded framework"),
    Code(
        "SR3004", "unknown-credit-system", "error", "a credit system is not defined", "use a system from `credit_systems`, or declare it inline in the catalog"
    ),
    Code("SR3005", "unknown-node", "error", "a node id, `ref` name or `shares_with` target does not exist", "use an id defined in the qualification"),
    Code("SR3006", "duplicate-id", "error", "an id is defined twice", "rename one, or give versions non-overlapping `effective` ranges"),
    Code("SR3007", "overlapping-versions", "error", "two versions of a qualification have overlapping `effective` ranges", "make the ranges disjoint"),
    Code("SR3008", "cycle", "error", "prerequisites, qualification nesting or `ref` form a cycle", "break the cycle"),
    Code("SR3009", "at-least-too-many", "error", "`at_least` asks for more children than the node has", "lower `at_least` or add children"),
    Code("SR3010", "contradictory-limits", "error", "limits contradict each other (a minimum above a maximum)", "relax one of the limits"),
    Code(
        "SR3011",
        "no-grade-scale",
        "error",
        "a grade condition applies to a provider without a grade scale",
        "give the provider's catalog a `grade_scale`, or remove the condition",
    ),
    Code("SR3012", "unknown-grade", "error", "a grade is not in the provider's grade scale", "use a grade from the scale"),
    Code("SR3013", "unknown-framework", "error", "a framework is not defined", "load the framework's file, or correct the id"),
    Code(
        "SR3014",
        "unknown-holding",
        "error",
        "a learner holds a credential that no catalog defines and that is not described inline",
        "describe it inline (title, provider, credits) or correct the id",
    ),
    Code("SR3016", "invalid-range", "error", "an `effective` range ends before it starts", "swap or correct the dates"),
    Code(
        "SR3017",
        "described-under-catalog",
        "error",
        "a learner describes inline a holding of a provider that has a catalog (a learner file cannot create its credentials or credit), or gives a catalogued holding a description (`level`, `fields`, `type`, ...) that would not be read",
        "name one of the provider's catalogue credentials, without a description; inline descriptions are for providers without a catalog",
    ),
    Code(
        "SR3018",
        "share-without-total",
        "error",
        "a `max_share` or `min_share` limit stands in a qualification that has no `credits` total",
        "give the qualification `credits:`, or bound the credit itself with `max_credits` / `min_credits`",
    ),
    Code(
        "SR3019",
        "not-national",
        "error",
        "a qualification's `home_catalogs` names a catalogue that is not `national: true`",
        "mark that catalogue `national: true`, or count its credentials through a credit rule",
    ),
    Code(
        "SR3020",
        "shares-with-itself",
        "error",
        "a node names itself in `shares_with` (sharing is between two nodes: its own leaves never claim one credential twice)",
        "name the other node that may count the same credentials, or remove the entry",
    ),
    Code(
        "SR3021",
        "incompatible-with-itself",
        "error",
        "a credential names itself in `incompatible` (two holdings of one credential are repeats: `repeatable` bounds them)",
        "name the other credential that may not count beside it, or remove the entry",
    ),
    # 4xxx: warnings
    Code(
        "SR4001",
        "unsatisfiable-node",
        "warning",
        "no credential in the rule base could ever satisfy this node",
        "check the filter and the credit amounts, or add credentials",
    ),
    Code("SR4002", "rule-never-applies", "warning", "this credit rule can never apply", "check `into`, `from` and `effective`"),
    Code(
        "SR4003",
        "id-pattern-mismatch",
        "warning",
        "a credential's id does not follow its catalog's `id_pattern`, so it has no subject or number",
        "give it `subject:` and `number:`, or correct the id",
    ),
    Code(
        "SR4004",
        "terms-without-calendar",
        "warning",
        "a `terms_since` condition (it never holds) or a distinct-terms limit (only stated terms count) stands in a qualification whose provider, and each of its home catalogues, has no `terms:` calendar",
        "give the provider's catalog a `terms:` calendar, or test the dated fact another way",
    ),
    Code(
        "SR4005",
        "share-never-both",
        "warning",
        "a `share` list names a credential that one of the two nodes can never claim, so it never counts in both",
        "list only credentials both nodes accept, or correct the id or the nodes' filters",
    ),
    Code(
        "SR4006",
        "odd-offering",
        "warning",
        "an `offered` period that looks like a slip: a near miss of a period its catalogue's other credentials use, or a dated term in a catalogue without a `terms:` calendar; a plan cycles through every period named, so one stray name lengthens every plan",
        "use the period the other credentials use (e.g. `S1`), or give the catalogue a `terms:` calendar",
    ),
    Code(
        "SR4007",
        "total-out-of-reach",
        "warning",
        "a qualification's credit total is more than every credential its requirements accept adds up to; only claimed credit counts towards the total, so no learner reaches it without an approved exception",
        "lower `credits`, or add a pool (a node with `credits:` and, if need be, a `where:` filter) that can claim the rest",
    ),
    # 5xxx: requests
    Code(
        "SR5001",
        "unknown-target",
        "error",
        "the target is not an auditable qualification",
        "name a qualification or a framework qualification type with `requires`",
    ),
    Code("SR5002", "bad-argument", "error", "a command-line or API argument is invalid", "see `stackrules COMMAND --help`"),
    Code(
        "SR5003",
        "inexact-figures",
        "error",
        "a decision's credit figures are too fine or too large for the solver to decide exactly",
        "round credits to at most 3 decimals, or use a credit system with smaller numbers",
    ),
    # 6xxx: verifiable credentials (issuer documents, credential files, signing keys)
    Code(
        "SR6001",
        "invalid-issuer-key",
        "error",
        "an issuer's key is not a usable public key (a malformed multikey, JWK or did:key)",
        "copy the key again from the issuer",
    ),
    Code(
        "SR6002",
        "unusable-status-list",
        "error",
        "an issuer's status-list copy does not exist, cannot be read, or is not a Bitstring Status List credential",
        "save the issuer's status-list credential beside the issuer document and name it relative to it",
    ),
    Code(
        "SR6003",
        "issuer-listed-twice",
        "error",
        "an issuer id is listed by two issuer documents in force on a common day",
        "list each issuer id in one issuer document, or give the documents non-overlapping `effective` ranges",
    ),
    Code(
        "SR6004",
        "achievement-other-provider",
        "error",
        "an issuer maps an achievement to a credential of another provider",
        "map achievements to the issuer's own provider's credentials",
    ),
    Code("SR6005", "unreadable-credential", "error", "a credential file cannot be read (missing, not a regular file, or too large)", "check the path"),
    Code(
        "SR6006",
        "bad-signing-key",
        "error",
        "a signing key file cannot be read or holds no Ed25519 secret key",
        "make one with `stackrules keygen --out KEYFILE`",
    ),
    Code(
        "SR6007",
        "credential-file-in-data",
        "error",
        "a learner given as data (the Python API or HTTP) names a credential file",
        "give the credential inline (`verifiable:` with the credential or its VC-JWT), or load the learner from its file",
    ),
)

CODES: dict[str, Code] = {c.code: c for c in _CODES}


@dataclass(frozen=True)
class Retired:
    """A code no longer reported; its number is never given to another meaning."""

    code: str
    slug: str
    summary: str
    why: str


RETIRED: tuple[Retired, ...] = (
    Retired(
        "SR3015",
        "cross-framework",
        "levels of two frameworks were compared without a crosswalk",
        "never reported: such a comparison is false, not an error (a condition across frameworks holds only through a crosswalk)",
    ),
)


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding about the input, with where it is and what to do."""

    file: str
    line: int
    column: int
    code: str
    message: str
    help: str | None = None
    end_column: int | None = None
    # a JSON pointer (RFC 6901) into a learner given as data (a line of a .jsonl cohort), where line and column say little
    pointer: str = ""

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    def order(self) -> tuple[str, int, int, str, str, str, int, str]:
        """The order diagnostics are reported in: by place and code, then every other field (the same bytes on every run)."""
        return (self.file, self.line, self.column, self.code, self.message, self.help or "", self.end_column or 0, self.pointer)

    @property
    def slug(self) -> str:
        return CODES[self.code].slug

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "slug": self.slug,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
        }
        if self.pointer:
            out["pointer"] = self.pointer
        if self.help:
            out["help"] = self.help
        return out

    def render(self, source_lines: Sequence[str] | None = None, *, line_text: str | None = None) -> str:
        """``file:line:column: error[CODE]: message``, the source line, a caret, help.

        The source line is ``line_text`` or taken from ``source_lines``; a
        long line is shown as a window around the column. Everything that
        came from input is escaped (:func:`escape_text`): a file name, value
        or line cannot drive the terminal.
        """
        head = f"{self.file}:{self.line}:{self.column}: {self.severity}[{self.code}]: {self.message}"
        parts = [escape_text(head)]
        if line_text is None and source_lines is not None and 1 <= self.line <= len(source_lines):
            line_text = source_lines[self.line - 1]
        if line_text is not None:
            text = line_text.rstrip("\r\n").replace("\t", " ")
            at = self.column - 1
            span = self.end_column - self.column if self.end_column is not None and self.end_column > self.column else 1
            start = max(0, at - QUOTE_WIDTH // 2) if len(text) > QUOTE_WIDTH else 0
            before = "..." if start > 0 else ""
            after = "..." if len(text) > start + QUOTE_WIDTH else ""
            shown = before + escape_text(text[start : start + QUOTE_WIDTH]) + after
            gutter = f"{self.line:>4} | "
            offset = min(len(before) + len(escape_text(text[start:at])) + max(0, at - len(text)), len(shown))
            width = max(1, min(len(escape_text(text[at : at + span])), len(shown) - offset))
            parts.append(gutter + shown)
            parts.append(" " * (len(gutter) + offset) + "^" * width)
        if self.help:
            parts.append(escape_text(f"  = help: {self.help}"))
        return "\n".join(parts)


QUOTE_WIDTH = 160  # characters of a source line quoted under a diagnostic


# C0 controls but the newline, DEL, C1 controls, bidi embeddings, overrides, isolates and marks, line and paragraph separators
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _escape_char(m: re.Match[str]) -> str:
    c = m.group()
    return {"\t": "\\t", "\r": "\\r"}.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def escape_text(text: str) -> str:
    """``text`` safe to print: every control character but the newline, ANSI escape
    sequences (their ESC), NUL and bidirectional overrides appear as visible
    escapes (``\\x1b``, ``\\x00``, ``\\u202e``) instead of acting on the terminal."""
    return _UNSAFE.sub(_escape_char, text)


def did_you_mean(word: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The closest known names to ``word``, best first."""
    pool = sorted(set(known))
    close = difflib.get_close_matches(word, pool, n=n, cutoff=0.6)
    if not close:
        lowered = {k.lower(): k for k in pool}
        # the same cutoff, ignoring case: a looser one suggested `exu-cp` for `us-sch`
        close = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)]
    return close


def suggestion(word: str, known: Iterable[str]) -> str | None:
    close = did_you_mean(word, known)
    if not close:
        return None
    return "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
