"""The rule base: every validated document, indexed and resolved.

Quantities are converted into exact rationals in the right credit system,
framework levels are ordered, versions of qualifications are kept side by
side. :mod:`stackrules.rulebase.build` builds it; :mod:`stackrules.rulebase.checks`
runs the semantic passes over it and hands it out only when they found no error.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..language.documents import Loaded
from ..language.models import CatalogDoc, CreditRuleDoc, Effective, FrameworkDoc, GradeScale, Limit, Requirement, ShareOf, UnspecifiedGrant
from ..language.positions import Path
from ..language.quantity import Quantity, convert

if TYPE_CHECKING:
    from ..credentials import IssuerTrust


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a thing is defined, for explanations (``file:line``)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def loc_of(item: Loaded, path: Path) -> Loc:
    s = item.smap.span(path)
    return Loc(item.file, s.line, s.column)


@dataclass(frozen=True)
class System:
    id: str
    full_time_year: Fraction
    name: str | None = None


@dataclass(frozen=True)
class ProviderInfo:
    id: str
    name: str
    system: str
    grade_scale: GradeScale | None
    loc: Loc
    terms: tuple[tuple[str, dt.date, dt.date], ...] = ()  # the calendar: (term, first day, last day)
    national: bool = False  # a nationally owned catalogue: home study in qualifications that list it

    def term_of(self, day: dt.date | None) -> str | None:
        """The calendar term a date falls in (None: no calendar, or between terms)."""
        if day is None:
            return None
        for tid, lo, hi in self.terms:
            if lo <= day <= hi:
                return tid
        return None

    def grade_rank(self, grade: str) -> int | None:
        if self.grade_scale is None or grade not in self.grade_scale.order:
            return None
        return self.grade_scale.order.index(grade)

    def passes(self, grade: str | None) -> bool:
        if grade is None or self.grade_scale is None:
            return True
        rank = self.grade_rank(grade)
        pass_rank = self.grade_rank(self.grade_scale.pass_)
        return rank is not None and pass_rank is not None and rank >= pass_rank

    def points(self, grade: str | None) -> Fraction | None:
        if grade is None or self.grade_scale is None or self.grade_scale.points is None:
            return None
        return self.grade_scale.points.get(grade)


@dataclass(frozen=True, slots=True)
class ApproverInfo:
    """An approver a provider lists (``kind: approvers``): whose exceptions count, of which types, how far."""

    id: str
    provider: str
    name: str
    may: frozenset[str]
    scope: str  # "nodes" or "qualification"
    loc: Loc


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    """A catalogue credential with its credit in its provider's system."""

    id: str
    provider: str
    title: str
    type: str
    credits: Fraction
    level: int | None
    framework_level: str | None
    tags: tuple[str, ...]
    fields: tuple[str, ...]
    competencies: tuple[str, ...]
    prerequisites: Requirement | None
    incompatible: tuple[str, ...]
    cost: Fraction | None
    currency: str | None
    offered: tuple[str, ...]
    loc: Loc
    subject: str | None = None
    number: int | None = None
    supersedes: tuple[str, ...] = ()
    equivalent: tuple[str, ...] = ()
    repeat_max: int | None = None  # repeatable: how many passing holdings may count (None: one, section 16)


@dataclass(frozen=True)
class QualVersion:
    """One auditable version: a qualification document or a framework type with `requires`."""

    id: str
    title: str
    provider: str | None  # None: a framework target, every provider counts directly
    system: str
    credits: Fraction | None  # None: no total (section 17), met when the tree is
    type: str | None
    framework_level: str | None
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    effective: Effective | None
    requires: Requirement
    define: dict[str, Requirement]
    limits: tuple[Limit, ...]
    loc: Loc
    origin: Loaded = field(compare=False, repr=False)
    base_path: Path = ()
    home_catalogs: tuple[str, ...] = ()  # national catalogues that count as home study (section 17)

    def in_force(self, day: dt.date) -> bool:
        return self.effective is None or self.effective.contains(day)

    def is_home(self, provider: str) -> bool:
        """Does a credential of ``provider`` count directly (home study), without a credit rule?"""
        return self.provider is None or provider == self.provider or provider in self.home_catalogs


@dataclass(frozen=True)
class RuleInfo:
    doc: CreditRuleDoc
    loc: Loc
    origin: Loaded = field(compare=False, repr=False)

    @property
    def id(self) -> str:
        return self.doc.id


@dataclass(frozen=True)
class RuleBase:
    systems: dict[str, System]
    frameworks: dict[str, FrameworkDoc]
    level_order: dict[str, tuple[str, int]]  # "aqf:7" -> ("aqf", rank)
    crosswalk: dict[str, tuple[str, ...]]  # "qf-ehea:first-cycle" -> ("eqf:6",) both directions
    providers: dict[str, ProviderInfo]
    credentials: dict[str, CredentialInfo]
    qualifications: dict[str, tuple[QualVersion, ...]]
    rules: tuple[RuleInfo, ...]
    documents: tuple[Loaded, ...] = field(repr=False)
    approvers: dict[str, dict[str, ApproverInfo]] = field(default_factory=dict)  # provider -> approver id -> approver
    issuers: tuple[IssuerTrust, ...] = ()  # the trust list of the `issuer` documents (docs/language.md section 15), by id
    # indexes built on first use and never changed after (a memo, not state); never pickled: rebuilt on demand
    memo: dict[object, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["memo"] = {}
        return state

    def convert(self, q: Quantity, context_system: str) -> Fraction:
        """``q`` in ``context_system`` (a bare number is already in it)."""
        return in_system(self.systems, q, context_system)

    def rescale(self, value: Fraction, source_system: str, target_system: str) -> Fraction:
        if source_system == target_system:
            return value
        return convert(value, self.systems[source_system].full_time_year, self.systems[target_system].full_time_year)

    def grant_amount(self, g: UnspecifiedGrant, into: QualVersion) -> Fraction:
        """An unspecified grant's credit in ``into``'s system: a quantity, or a share of its credits."""
        amount = g.unspecified
        if isinstance(amount, Quantity):
            return self.convert(amount, into.system)
        assert isinstance(amount, ShareOf)
        return amount.share * into.credits if into.credits is not None else Fraction(0)  # a share of no total is nothing

    def version(self, qid: str, day: dt.date) -> QualVersion | None:
        for v in self.qualifications.get(qid, ()):
            if v.in_force(day):
                return v
        return None

    def versions_on(self, day: dt.date) -> list[QualVersion]:
        """Each qualification's version in force on ``day`` (its latest version when none is)."""
        return [self.version(qid, day) or versions[-1] for qid, versions in sorted(self.qualifications.items())]

    def qualification_ids(self) -> list[str]:
        return sorted(self.qualifications)

    @functools.cached_property
    def incompatible_with(self) -> dict[str, frozenset[str]]:
        """Each credential in an `incompatible` pair, with its partners, whichever side declares the pair."""
        out: dict[str, set[str]] = {}
        for c in self.credentials.values():
            for other in c.incompatible:
                out.setdefault(c.id, set()).add(other)
                out.setdefault(other, set()).add(c.id)
        return {c: frozenset(partners) for c, partners in out.items()}

    @functools.cached_property
    def credentials_by_id(self) -> tuple[CredentialInfo, ...]:
        """Every credential, in id order (computed once: 20,000-credential bases are sorted once)."""
        return tuple(sorted(self.credentials.values(), key=lambda c: c.id))

    @functools.cached_property
    def credentials_by_provider(self) -> dict[str, tuple[CredentialInfo, ...]]:
        """Each provider's credentials, in id order."""
        out: dict[str, list[CredentialInfo]] = {}
        for c in self.credentials_by_id:
            out.setdefault(c.provider, []).append(c)
        return {p: tuple(cs) for p, cs in out.items()}

    @functools.cached_property
    def equivalents(self) -> dict[str, frozenset[str]]:
        """Each credential that `supersedes` or `equivalent` links to others: the others it stands for.

        Links go both ways and chain (a course renumbered twice stands for both older numbers); only
        credentials that have such a link are keys.
        """
        parent: dict[str, str] = {}

        def root(x: str) -> str:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for c in self.credentials_by_id:
            for other in (*c.supersedes, *c.equivalent):
                if other in self.credentials:
                    a, b = root(c.id), root(other)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
        groups: dict[str, set[str]] = {}
        for x in parent:
            groups.setdefault(root(x), set()).add(x)
        return {x: frozenset(g - {x}) for g in groups.values() if len(g) > 1 for x in g}

    @functools.cached_property
    def dated_terms(self) -> dict[str, str]:
        """Each dated term of a provider's `terms:` calendar -> that provider (the first by id): a term that happens
        once, which neither a catalogue's `offered` nor a plan's calendar may name (they repeat)."""
        out: dict[str, str] = {}
        for pid, prov in sorted(self.providers.items()):
            for tid, _, _ in prov.terms:
                out.setdefault(tid, pid)
        return out

    @functools.cached_property
    def superseded(self) -> frozenset[str]:
        """Credentials another one supersedes: retired, so never proposed as study still to take."""
        return frozenset(old for c in self.credentials_by_id for old in c.supersedes)

    def relation(self, held: str, named: str) -> str:
        """How ``held`` stands for ``named``: `supersedes`, `superseded`, or `equivalent`."""
        h, n = self.credentials.get(held), self.credentials.get(named)
        if h is not None and named in h.supersedes:
            return "supersedes"
        if n is not None and held in n.supersedes:
            return "superseded"
        return "equivalent"

    def level_key(self, level: str) -> tuple[str, int] | None:
        return self.level_order.get(level)

    def levels_in(self, level: str, framework: str) -> list[int]:
        """Ranks in ``framework`` that ``level`` equals, directly or through a crosswalk."""
        key = self.level_order.get(level)
        if key is None:
            return []
        if key[0] == framework:
            return [key[1]]
        out = []
        for other in self.crosswalk.get(level, ()):
            k2 = self.level_order.get(other)
            if k2 is not None and k2[0] == framework:
                out.append(k2[1])
        return out


def in_system(systems: dict[str, System], q: Quantity, context: str) -> Fraction:
    """``q`` in ``context`` (a bare number is already in it), exactly."""
    if q.system is None or q.system == context:
        return q.value
    return convert(q.value, systems[q.system].full_time_year, systems[context].full_time_year)


def iter_nodes(node: Requirement, path: Path) -> Iterator[tuple[Requirement, Path]]:
    """Every node of a tree, depth first, with its path in the document."""
    yield node, path
    for key in ("all", "any", "of"):
        kids = getattr(node, key)
        if kids:
            for i, kid in enumerate(kids):
                yield from iter_nodes(kid, path + (key, i))


def system_of_catalog(doc: CatalogDoc) -> str:
    cs = doc.credit_system
    return cs if isinstance(cs, str) else cs.id
