"""What a learner file may not create (docs/language.md section 18): exceptions without a listed approver.

A learner file is an assertion; the rule base is the institution's decision.
An exception counts only when its ``approved_by`` is an approver the target's
provider lists (``kind: approvers``), the approver may approve its type, it is
dated on or before ``as_of``, and its node lies inside the target (the whole
qualification only for an approver with ``scope: qualification``). Anything
else is refused with a reason and shown in the decision; it never stops the
audit.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ..diagnostics import did_you_mean
from ..language.models import LearnerException
from ..rulebase.index import QualVersion, RuleBase

RefusedReason = Literal["approver_not_listed", "type_not_permitted", "dated_after_as_of", "outside_target", "needs_qualification_scope"]


def exception_refusal(
    rb: RuleBase, v: QualVersion, e: LearnerException, as_of: dt.date, in_target: bool, whole: bool = False
) -> tuple[RefusedReason, str] | None:
    """Why ``e`` does not count towards ``v`` on ``as_of`` (reason, words), or None when it counts.

    ``in_target`` says whether the node it names is part of the target as audited; ``whole``, whether that node
    alone meets every requirement (the `requires` node named by id, one choice of a top-level `any`: the
    caller's ``_is_everything`` in decide/problem.py), which is the whole qualification under another name: waiving
    it, or giving it a new `value`, needs the scope the qualification does.
    The first reason that holds is given, in the order of section 18.
    """
    provider = v.provider
    approver = rb.approvers.get(provider, {}).get(e.approved_by) if provider is not None else None
    if approver is None:
        if provider is None:
            return "approver_not_listed", f"`{v.id}` has no provider, so no approver is listed for it"
        listed = rb.approvers.get(provider, {})
        near = did_you_mean(e.approved_by, listed)
        hint = f" (did you mean `{near[0]}`?)" if near else ""
        return "approver_not_listed", f"`{e.approved_by}` is not an approver `{provider}` lists{hint}"
    if e.type not in approver.may:
        may = ", ".join(sorted(approver.may))
        return "type_not_permitted", f"`{approver.id}` ({approver.name}) may approve exceptions of type {may}, not {e.type}"
    if e.date > as_of:
        return "dated_after_as_of", f"dated {e.date.isoformat()}, after {as_of.isoformat()}"
    if not in_target:
        return "outside_target", f"`{e.node}` is not part of `{v.id}` as audited"
    if ("#" not in e.node or whole) and approver.scope != "qualification":
        # a node that holds every requirement is the whole qualification under another name: the same scope
        what = "is the whole qualification" if "#" not in e.node else f"holds every requirement of `{v.id}`"
        return "needs_qualification_scope", f"`{e.node}` {what}, and `{approver.id}` may approve only for nodes"
    return None
