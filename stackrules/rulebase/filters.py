"""Evaluating ``where`` filters (LANGUAGE.md section 7) against one credential."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fnmatch import fnmatchcase
from fractions import Fraction
from typing import Any

from ..language.models import LIST_ATTRIBUTES, Filter, Term, UnspecifiedGrant
from ..language.quantity import Quantity
from .index import QualVersion, RuleBase


@dataclass(frozen=True, slots=True)
class Attrs:
    """What a filter can see of a credential, a holding or granted credit."""

    id: str
    provider: str
    type: str
    credits: Fraction
    level: int | None = None
    framework_level: str | None = None
    tags: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    competencies: tuple[str, ...] = ()
    grade: str | None = None
    awarded: dt.date | None = None
    source: str = "home"
    title: str | None = None
    system: str | None = None  # the credit system `credits` is in
    subject: str | None = None
    number: int | None = None
    has_credits: bool = True  # false for a qualification without a total: a condition on `credits` is then false
    term: str | None = None  # the term a holding was taken in; a credential not yet held: a later term of its own

    def counted_as(self, credits: Fraction, system: str | None, source: str) -> Attrs:
        """The same credential with its credit in another system (``dataclasses.replace`` is slow on hot paths)."""
        a = self
        return Attrs(
            a.id,
            a.provider,
            a.type,
            credits,
            a.level,
            a.framework_level,
            a.tags,
            a.fields,
            a.competencies,
            a.grade,
            a.awarded,
            source,
            a.title,
            system,
            a.subject,
            a.number,
            a.has_credits,
            a.term,
        )


def credential_attrs(
    rb: RuleBase,
    cid: str,
    system: str | None = None,
    source: str = "home",
    provider: str | None = None,
    grade: str | None = None,
    awarded: dt.date | None = None,
    term: str | None = None,
    held: bool = False,
) -> Attrs:
    """A catalogue credential as a filter sees it, its credit in ``system`` (default: its provider's).

    A holding (``held``) was taken in ``term`` (None: not known); a credential not held yet would be
    taken in a later term of its own, so distinct-term limits (`min_distinct of: term`) count each
    catalogue addition as a term of its own; granted credit (``source="credit"``) has no term.
    """
    c = rb.credentials[cid]
    own = rb.providers[c.provider].system
    target = system or own
    return Attrs(
        id=c.id,
        provider=provider or c.provider,
        type=c.type,
        credits=rb.rescale(c.credits, own, target),
        level=c.level,
        framework_level=c.framework_level,
        tags=c.tags,
        fields=c.fields,
        competencies=c.competencies,
        grade=grade,
        awarded=awarded,
        title=c.title,
        source=source,
        system=target,
        subject=c.subject,
        number=c.number,
        term=term if held or source == "credit" else f"later:{c.id}",
    )


def grant_attrs(g: UnspecifiedGrant, key: str, provider: str, credits: Fraction, system: str | None, title: str | None = None) -> Attrs:
    """Unspecified credit as a filter sees it: the attributes the grant gives, `source: credit`."""
    return Attrs(
        id=key,
        provider=provider,
        type=g.type,
        credits=credits,
        level=g.level,
        framework_level=g.framework_level,
        tags=g.tags,
        fields=g.fields,
        competencies=g.competencies,
        title=title or g.title,
        source="credit",
        system=system,
        subject=g.subject,
        number=g.number,
    )


def version_attrs(v: QualVersion) -> Attrs:
    """A qualification as an `into: {where: ...}` filter sees it."""
    return Attrs(
        id=v.id,
        provider=v.provider or "",
        type=v.type or "",
        credits=v.credits if v.credits is not None else Fraction(0),
        has_credits=v.credits is not None,
        framework_level=v.framework_level,
        fields=v.fields,
        tags=v.tags,
        system=v.system,
    )


def narrow_field(code: str) -> str:
    """The narrow field of education: 4 digits of ASCED, 3 of ISCED-F, else the code."""
    scheme, _, rest = code.partition(":")
    if scheme == "asced":
        return f"asced:{rest[:4]}"
    if scheme == "isced-f":
        return f"isced-f:{rest[:3]}"
    return code


def related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return bool({narrow_field(x) for x in a} & {narrow_field(y) for y in b})


@dataclass(frozen=True)
class Matcher:
    rb: RuleBase
    target_fields: tuple[str, ...] = ()

    def match(self, f: Filter, a: Attrs) -> bool:
        if not all(self._term(t, a) for t in f.terms):
            return False
        if not all(any(self.match(g, a) for g in group) for group in f.any_of):
            return False
        return not any(self.match(n, a) for n in f.nots)

    def _term(self, t: Term, a: Attrs) -> bool:
        if t.attr == "related_field":
            return related(a.fields, self.target_fields) == bool(t.value)
        v: Any = getattr(a, t.attr)
        if v is None:
            return False
        if t.attr == "credits":
            return a.has_credits and self._credits(t, a)
        if t.attr in LIST_ATTRIBUTES:
            have = set(v)
            if t.op == "eq":
                return t.value in have
            if t.op == "in":
                return bool(have & set(t.value))
            if t.op == "not_in":
                return not (have & set(t.value))
            if t.op == "ne":
                return t.value not in have
            if t.op == "prefix":
                return any(str(x).startswith(t.value) for x in have)
            if t.op == "glob":
                return any(fnmatchcase(str(x), t.value) for x in have)
            return False
        if t.op == "eq":
            return bool(v == t.value)
        if t.op == "ne":
            return bool(v != t.value)
        if t.op == "in":
            return v in t.value
        if t.op == "not_in":
            return v not in t.value
        if t.op == "prefix":
            return str(v).startswith(t.value)
        if t.op == "glob":
            return fnmatchcase(str(v), t.value)
        return self._order(t, a, v)

    def _order(self, t: Term, a: Attrs, v: Any) -> bool:
        if t.attr == "framework_level":
            key = self.rb.level_key(t.value)
            if key is None:
                return False
            ranks = self.rb.levels_in(v, key[0])
            return any(_cmp(t.op, r, key[1]) for r in ranks)
        if t.attr == "grade":
            prov = self.rb.providers.get(a.provider)
            if prov is None:
                return False
            mine, bound = prov.grade_rank(v), prov.grade_rank(t.value)
            if mine is None or bound is None:
                return False
            return _cmp(t.op, mine, bound)
        return _cmp(t.op, v, t.value)

    def _credits(self, t: Term, a: Attrs) -> bool:
        def val(q: Quantity) -> Fraction:
            if q.system is None or a.system is None or q.system not in self.rb.systems:
                return q.value
            return self.rb.rescale(q.value, q.system, a.system)

        if t.op in ("in", "not_in"):
            found = any(a.credits == val(q) for q in t.value)
            return found if t.op == "in" else not found
        right = val(t.value)
        if t.op == "eq":
            return a.credits == right
        if t.op == "ne":
            return a.credits != right
        return _cmp(t.op, a.credits, right)


def _cmp(op: str, left: Any, right: Any) -> bool:
    if op == "gte":
        return bool(left >= right)
    if op == "gt":
        return bool(left > right)
    if op == "lte":
        return bool(left <= right)
    if op == "lt":
        return bool(left < right)
    raise ValueError(f"not an order comparison: {op}")
