"""Evaluating ``where`` filters (docs/language.md section 7) against one credential."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from fractions import Fraction
from typing import Any

from ..language.models import LIST_ATTRIBUTES, FactRef, Filter, Term, UnspecifiedGrant, fact_value
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


def catalogue_index(rb: RuleBase, system: str) -> AttrsIndex:
    """Every credential but awards known only as held (`type: qualification`), in id order, as filters see it in ``system``.

    Built once per credit system and kept in the rule base's memo.
    """
    key = ("catalogue", system)
    found = rb.memo.get(key)
    if found is None:
        items = tuple(credential_attrs(rb, c.id, system) for c in rb.credentials_by_id if c.type != "qualification")
        found = rb.memo.setdefault(key, AttrsIndex.of(items))
    assert isinstance(found, AttrsIndex)
    return found


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


HOLDING_ATTRIBUTES = frozenset({"grade", "awarded", "term"})  # what a holding has and a credential does not


def holding_attributes(f: Filter) -> bool:
    """Whether ``f`` compares, anywhere in it, an attribute only a holding has (`grade`, `awarded`, `term`)."""
    return (
        any(t.attr in HOLDING_ATTRIBUTES for t in f.terms)
        or any(holding_attributes(g) for group in f.any_of for g in group)
        or any(holding_attributes(n) for n in f.nots)
    )


@dataclass(frozen=True)
class Matcher:
    rb: RuleBase
    target_fields: tuple[str, ...] = ()
    # views of credentials, not holdings (towards, the graph): an attribute only a holding has, absent, is unknown.
    # "maybe": the filter may hold for some holding of the credential; "sure": it holds for every one. Each reads
    # a `not` in the other mode (a `not` excludes only what surely matches), so the answer is sound. "" is the
    # plain reading of decisions, where an absent attribute matches nothing
    mode: str = ""

    def match(self, f: Filter, a: Attrs) -> bool:
        if not all(self._term(t, a) for t in f.terms):
            return False
        if not all(any(self.match(g, a) for g in group) for group in f.any_of):
            return False
        if not f.nots:
            return True
        inner = self if not self.mode else Matcher(self.rb, self.target_fields, "sure" if self.mode == "maybe" else "maybe")
        return not any(inner.match(n, a) for n in f.nots)

    def _term(self, t: Term, a: Attrs) -> bool:
        if isinstance(t.value, FactRef):
            # a learner's fact not read yet: only views that know no learner (towards, graph, the rule base's
            # own checks) see one, and for them the condition can hold (some learner states a fact that fits)
            return True
        if t.attr == "related_field":
            return related(a.fields, self.target_fields) == bool(t.value)
        v: Any = getattr(a, t.attr)
        if v is None:
            return self.mode == "maybe" and t.attr in HOLDING_ATTRIBUTES
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


def resolve_facts(f: Filter, facts: Mapping[str, object]) -> Filter:
    """The filter for one learner: each `{fact: name}` value replaced by that learner's fact (section 17).

    A fact the learner does not state, or whose value cannot compare with the attribute (a date for
    `tags`, a list for an order comparison), becomes a condition that matches nothing (`in` no value),
    marked with the fact's name so that explanations can say why.
    """
    if not f.facts():
        return f
    terms = tuple(_resolve(t, facts) if isinstance(t.value, FactRef) else t for t in f.terms)
    any_of = tuple(tuple(resolve_facts(g, facts) for g in group) for group in f.any_of)
    return Filter(terms, any_of, tuple(resolve_facts(g, facts) for g in f.nots))


def _resolve(t: Term, facts: Mapping[str, object]) -> Term:
    name = t.value.name
    nothing = Term(t.attr, "in", (), fact=name)
    stated = facts.get(name)
    if stated is None:
        return nothing
    values = tuple(stated) if isinstance(stated, tuple | list) else (stated,)
    read = [fact_value(t.attr, v) for v in values]
    if not values or any(r is None for r in read):
        return nothing
    if t.op in ("in", "not_in"):
        return Term(t.attr, t.op, tuple(read), fact=name)
    if len(read) > 1:  # a list-valued fact: equal to any of them, or to none of them
        return Term(t.attr, {"eq": "in", "ne": "not_in"}[t.op], tuple(read), fact=name) if t.op in ("eq", "ne") else nothing
    return Term(t.attr, t.op, read[0], fact=name)


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


INDEXED = ("subject", "provider", "type", "level", "tags")  # attributes a filter's candidates are looked up by


ORDER: dict[str, Callable[[Sequence[int], int], tuple[int, int]]] = {  # a number condition as a slice of the sorted numbers
    "gte": lambda ns, v: (bisect_left(ns, v), len(ns)),
    "gt": lambda ns, v: (bisect_right(ns, v), len(ns)),
    "lte": lambda ns, v: (0, bisect_right(ns, v)),
    "lt": lambda ns, v: (0, bisect_left(ns, v)),
    "eq": lambda ns, v: (bisect_left(ns, v), bisect_right(ns, v)),
}


def _plain(value: object) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


@dataclass(frozen=True)
class AttrsIndex:
    """Attributes of many credentials, with their positions bucketed by `subject`, `provider`, `type`, `level`, `tags`.

    :meth:`candidates` gives a superset of the entries a filter can match, in
    their original order, without testing each entry: a filter that names a
    subject (or a tag, a provider, an id prefix) looks at those entries only.
    What matches is still decided by :class:`Matcher`; the index only skips
    entries that cannot match.
    """

    items: tuple[Attrs, ...]
    buckets: dict[tuple[str, object], tuple[int, ...]]
    ids: tuple[str, ...]  # the ids, sorted
    id_positions: tuple[int, ...]  # the position of each id in ``ids`` order
    numbers: tuple[int, ...]  # the course numbers, sorted (entries without one left out)
    number_positions: tuple[int, ...]  # the position of each number in ``numbers`` order

    @classmethod
    def of(cls, items: tuple[Attrs, ...]) -> AttrsIndex:
        buckets: dict[tuple[str, object], list[int]] = {}
        for k, a in enumerate(items):
            for attr in INDEXED:
                v = getattr(a, attr)
                for x in v if attr == "tags" else (v,):
                    if x is not None:
                        buckets.setdefault((attr, x), []).append(k)
        by_id = sorted(range(len(items)), key=lambda k: items[k].id)
        by_number = sorted((k for k, a in enumerate(items) if a.number is not None), key=lambda k: items[k].number or 0)
        return cls(
            items,
            {key: tuple(v) for key, v in buckets.items()},
            tuple(items[k].id for k in by_id),
            tuple(by_id),
            tuple(items[k].number or 0 for k in by_number),
            tuple(by_number),
        )

    def find(self, cid: str) -> int | None:
        """The position of the entry with id ``cid``, if any."""
        at = bisect_left(self.ids, cid)
        return self.id_positions[at] if at < len(self.ids) and self.ids[at] == cid else None

    def positions(self, f: Filter | None) -> Sequence[int]:
        """Positions of the entries ``f`` can match (a superset), ascending; every position when ``f`` is None."""
        found = None if f is None else self._positions(f)
        return range(len(self.items)) if found is None else found

    def candidates(self, f: Filter) -> tuple[Attrs, ...]:
        found = self._positions(f)
        if found is None:
            return self.items
        return tuple(self.items[k] for k in found)

    def _positions(self, f: Filter) -> tuple[int, ...] | None:
        """Positions that can match ``f`` (a superset), ascending; None: any of them can."""
        best: tuple[int, ...] | None = None
        for t in f.terms:
            found = self._term_positions(t)
            if found is not None and (best is None or len(found) < len(best)):
                best = found
        for group in f.any_of:
            alts = [self._positions(g) for g in group]
            if all(alt is not None for alt in alts):
                union = _union([alt for alt in alts if alt is not None])
                if best is None or len(union) < len(best):
                    best = union
        return best

    def _term_positions(self, t: Term) -> tuple[int, ...] | None:
        values = t.value if t.op in ("in", "not_in") else (t.value,)
        if not isinstance(values, tuple) or not all(_plain(v) for v in values):
            return None
        if t.attr in INDEXED and t.op in ("eq", "in"):
            return _union([self.buckets.get((t.attr, v), ()) for v in values])
        if t.attr == "number" and (t.op in ORDER or t.op == "in"):
            ranges = [ORDER[t.op](self.numbers, t.value)] if t.op in ORDER else [(bisect_left(self.numbers, v), bisect_right(self.numbers, v)) for v in values]
            return _union([tuple(sorted(self.number_positions[lo:hi])) for lo, hi in ranges])
        if t.attr == "id" and t.op in ("eq", "in", "prefix", "glob"):
            out: list[tuple[int, ...]] = []
            for v in values:
                # an id equal to the value, or (a prefix, a glob's literal text before its first wildcard) starting with it
                stem = str(v).split("*")[0].split("?")[0].split("[")[0] if t.op == "glob" else str(v)
                hi = lo = bisect_left(self.ids, stem)
                while hi < len(self.ids) and (self.ids[hi] == stem if t.op in ("eq", "in") else self.ids[hi].startswith(stem)):
                    hi += 1
                out.append(tuple(sorted(self.id_positions[lo:hi])))
            return _union(out)
        return None


def _union(parts: list[tuple[int, ...]]) -> tuple[int, ...]:
    """Ascending positions in any of ``parts`` (each ascending)."""
    if len(parts) == 1:
        return parts[0]
    return tuple(sorted(set().union(*parts)))
