"""Learners: loading one (file or dict), and what each holding is worth."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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


def view_holdings(rb: RuleBase, learner: LearnerDoc, as_of: dt.date, look_ahead: bool) -> list[HoldingView]:
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
            attrs = credential_attrs(rb, info.id, grade=h.grade, awarded=h.awarded)
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
            )
        pending = h.status != "completed"
        why_not = None
        if pending and not look_ahead:
            why_not = f"{h.status.replace('_', ' ')}: it counts only with look-ahead"
        elif h.awarded is not None and h.awarded > as_of:
            why_not = f"awarded on {h.awarded}, after {as_of}"
        elif prov is not None and not prov.passes(h.grade):
            why_not = f"grade {h.grade} is below the pass grade {prov.grade_scale.pass_ if prov.grade_scale else ''}".rstrip()
        points = prov.points(h.grade) if prov else None
        out.append(HoldingView(i, key, h, provider, system, credits, attrs, why_not is None, pending and why_not is None, why_not, points))
    return out
