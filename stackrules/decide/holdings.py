"""Learners: loading one (file or dict), and what each holding is worth."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from ..language.models import Holding, LearnerDoc
from ..rulebase.filters import Attrs, credential_attrs
from ..rulebase.index import RuleBase


@dataclass(frozen=True)
class HoldingView:
    """One holding as the engine sees it on a given day."""

    index: int
    key: str  # unique: the credential id, with `@2`, `@3` for repeats
    holding: Holding
    provider: str
    system: str | None
    credits: Fraction  # in `system`
    attrs: Attrs  # credits still in the holding's own system here
    counts: bool
    pending: bool
    why_not: str | None
    points: Fraction | None
    why_code: str | None = None  # a cause of the decisions' UnusedCause when ``why_not`` is not only "does not count"


def view_holdings(rb: RuleBase, learner: LearnerDoc, as_of: dt.date, look_ahead: bool, places: Sequence[str] = ()) -> list[HoldingView]:
    """Each holding as it stands on ``as_of``; ``places`` says where each comes from (``Learner.holding_places``), for reasons."""
    out: list[HoldingView] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(learner.holdings):
        n = seen.get(h.credential, 0) + 1
        seen[h.credential] = n
        key = h.credential if n == 1 else f"{h.credential}@{n}"
        info = rb.credentials.get(h.credential)
        provider = h.credential.partition(":")[0]
        prov = rb.providers.get(provider)
        if info is not None:
            system: str | None = prov.system if prov else None
            credits = info.credits
            term = h.term or (prov.term_of(h.awarded) if prov else None)
            if term is None and h.status == "in_progress" and look_ahead:
                # study in progress is taken now: in the calendar's term that holds as_of, else in a term of its own
                # (after every completed one), so that a distinct-terms limit counts it (a choir sung this term)
                term = (prov.term_of(as_of) if prov else None) or f"in progress on {as_of.isoformat()}"
            attrs = credential_attrs(rb, info.id, grade=h.grade, awarded=h.awarded, term=term, held=True)
            if h.tags:  # the holding's own tags (a topics course's section attribute), added to the credential's (section 17)
                attrs = dataclasses.replace(attrs, tags=tuple(dict.fromkeys((*attrs.tags, *h.tags))))
        else:
            q = h.credits
            system = q.system if q and q.system else (prov.system if prov else None)
            credits = q.value if q else Fraction(0)
            attrs = Attrs(
                id=h.credential,
                provider=provider,
                type=h.type or "unit",
                credits=credits,
                level=h.level,
                framework_level=h.framework_level,
                tags=h.tags,
                fields=h.fields,
                competencies=h.competencies,
                grade=h.grade,
                awarded=h.awarded,
                title=h.title,
                system=system,
                subject=h.subject,
                number=h.number,
                term=h.term
                or (prov.term_of(h.awarded) if prov else None)
                or ((prov.term_of(as_of) if prov else None) or f"in progress on {as_of.isoformat()}" if h.status == "in_progress" and look_ahead else None),
            )
        pending = h.status != "completed"
        why_not = None
        why_code: str | None = None
        if pending and not look_ahead:
            why_not = f"{h.status.replace('_', ' ')}: it counts only with look-ahead"
        elif h.awarded is not None and h.awarded > as_of:
            why_not = f"awarded on {h.awarded}, after {as_of}"
        elif h.grade is not None and (prov is None or prov.grade_scale is None):
            why_not = f"graded {h.grade} by `{provider}`, which has no grade scale: a grade that cannot be checked does not count"
            why_code = "ungraded_provider"
        elif prov is not None and not prov.passes(h.grade):
            why_not = f"grade {h.grade} is below the pass grade {prov.grade_scale.pass_ if prov.grade_scale else ''}".rstrip()
        points = prov.points(h.grade) if prov else None
        out.append(HoldingView(i, key, h, provider, system, credits, attrs, why_not is None, pending and why_not is None, why_not, points, why_code))
    bounds = rb.memo.get("repeat bounds")
    if bounds is None:  # once per rule base: a scan of every credential
        bounds = rb.memo.setdefault("repeat bounds", {cid: info.repeat_max for cid, info in rb.credentials.items() if info.repeat_max is not None})
    return _once_each(rb, out, bounds, places)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _named(rb: RuleBase, credential: str) -> str:
    """A credential as a person reads it: its title and id."""
    info = rb.credentials.get(credential)
    return f"{info.title} (`{credential}`)" if info is not None and info.title else f"`{credential}`"


def _once_each(rb: RuleBase, views: list[HoldingView], repeatable: dict[str, int] | None = None, places: Sequence[str] = ()) -> list[HoldingView]:
    """One credential held twice counts once (sections 16 and 18), as its latest passing attempt.

    Among the holdings of one credential that would count, the one kept is a
    completed one before a pending one, then the latest ``awarded`` (an undated
    one before any dated one), then the last listed. With look-ahead the latest
    attempt in progress is kept beside it, and the model counts one of the two.
    The others do not count, so they can neither be claimed nor feed a credit
    rule, and their reason names the record kept. A `repeatable` credential (section 17) keeps every
    passing holding, each its own item: the model counts at most its bound.
    """
    repeatable = repeatable or {}
    by_credential: dict[str, list[HoldingView]] = {}
    for hv in views:
        if hv.counts:
            by_credential.setdefault(hv.holding.credential, []).append(hv)
    dropped: dict[int, HoldingView] = {}
    for group in by_credential.values():
        if len(group) < 2:
            continue
        if group[0].holding.credential in repeatable:
            # every passing holding is its own item; which of them count, up to the bound, is the decision's choice
            # like any claim (a model row), so holding more never undoes a met requirement (six lessons spread over
            # four terms count before six in one). Among equal choices the later holdings count (model.py)
            continue
        kept = max(group, key=_latest)
        # with look-ahead an attempt in progress is the latest, assumed passed; the latest completed one is the record
        # until its result comes. Both stay items, of which the model counts one (its repeat row): the completed one
        # wherever it serves (met before met_pending), the attempt in progress where only it can (a better grade, a
        # recent pass), so a retake already under way is never asked for again
        retake = max((hv for hv in group if hv.pending), key=_latest, default=None) if not kept.pending else None
        when = held_when(kept.holding)
        where = places[kept.index] if kept.index < len(places) else f"the {_ordinal(kept.index + 1)} holding"
        # the records kept take the group's first keys (the plain id unless an earlier attempt did not pass), the others the rest in order
        keys = sorted((hv.key for hv in group), key=lambda k: int(k.rpartition("@")[2]) if "@" in k else 1)
        stay = [kept] if retake is None else sorted((kept, retake), key=lambda hv: hv.index)
        for hv, key in zip(stay, keys, strict=False):
            dropped[hv.index] = replace(hv, key=key)
        others = [hv for hv in group if hv not in stay]
        for hv, key in zip(others, keys[len(stay) :], strict=True):
            why = f"held again: {_named(rb, hv.holding.credential)} counts once, as the holding {when} ({where}, the latest passing attempt)"
            if retake is not None:
                why = f"held again: {_named(rb, hv.holding.credential)} counts once, as the holding {when} ({where}, the latest completed attempt) or the attempt in progress"
            dropped[hv.index] = replace(hv, key=key, counts=False, pending=False, why_not=why, why_code="repeat")
    return [dropped.get(hv.index, hv) for hv in views]


def _latest(hv: HoldingView) -> tuple[bool, bool, dt.date, int]:
    """The order of attempts at one credential: a completed one before one in progress, then the latest ``awarded``
    (an undated one before any dated one), then the last listed."""
    return (not hv.pending, hv.holding.awarded is not None, hv.holding.awarded or dt.date.min, hv.index)


def held_when(h: Holding) -> str:
    """A holding's date as a person finds it in the learner's file: "awarded 2025-05-02", or "undated"."""
    return f"awarded {h.awarded.isoformat()}" if h.awarded is not None else "undated"
