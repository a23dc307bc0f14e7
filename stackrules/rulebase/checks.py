"""Checking a rule base: index the documents, then run every semantic pass.

:func:`build` is the whole stage: :func:`stackrules.rulebase.build.index_documents`
(documents into a :class:`RuleBase`, reporting what cannot be indexed), then
:data:`stackrules.rulebase.passes.PASSES` in order (ids that do not exist, with
the closest known ids; cycles; impossible `at_least`; contradictory limits;
grades outside a scale; quantities in unknown systems; and, as warnings,
nodes no credential could satisfy and credit rules that can never apply).
A learner given to a checked rule base is checked by
:func:`stackrules.rulebase.learner.learner_diagnostics`.
"""

from __future__ import annotations

from dataclasses import replace

from ..diagnostics import Diagnostic
from ..language.documents import Loaded
from ..language.models import Requirement
from .build import index_documents
from .index import CredentialInfo, RuleBase, iter_nodes
from .learner import learner_diagnostics
from .passes import run_passes

__all__ = ["build", "learner_diagnostics"]


def build(loaded: list[Loaded]) -> tuple[RuleBase | None, list[Diagnostic]]:
    """Index the documents and check them; a RuleBase only when nothing is wrong."""
    ix = index_documents(loaded)
    run_passes(ix)
    diags = ix.report.diags
    if any(d.severity == "error" for d in diags):
        return None, diags
    return with_equivalent_prerequisites(ix.rb), diags


# what a document refused only for unknown keys is still checked for once they are left out: references, whose
# truth does not depend on any key (a name the rule base lacks is lacking whatever else the document says). Not
# what leaving a key out could cause: an unknown node (a misspelt `id:`), overlapping versions (a misspelt
# `effective:`), a contradiction, a pool nothing fills
RECOVERED_CODES = frozenset({"SR3001", "SR3002", "SR3003", "SR3004", "SR3012", "SR3013", "SR3020", "SR3021"})


def recovered_findings(loaded: list[Loaded], recovered: list[Loaded]) -> list[Diagnostic]:
    """The errors in what ``recovered`` documents name (:data:`RECOVERED_CODES`), found by checking them beside the
    ``loaded`` ones: reported in the round that reports their unknown keys, not the next. Only errors placed in a
    recovered document are kept (its presence could change what others are found to get wrong)."""
    if not recovered:
        return []
    files = {r.file for r in recovered}
    _, diags = build([*loaded, *recovered])
    return [d for d in diags if d.file in files and d.severity == "error" and d.code in RECOVERED_CODES]


def with_equivalent_prerequisites(rb: RuleBase) -> RuleBase:
    """The rule base with each prerequisite that names a credential accepting its `supersedes` / `equivalent`
    partners too (section 17): a leaf `X` becomes `any: [X, partners...]`.

    Done once the checks have passed (they point into the prerequisites as written, and a course and its
    renumbering must not read as a cycle), so that every reader of prerequisites (the catalogue additions,
    the plan model and its schedules, the plan checker, the graph) accepts a holding of a partner alike.
    """
    links = rb.equivalents
    if not links:
        return rb
    changed: dict[str, CredentialInfo] = {}
    for c in rb.credentials_by_id:
        if c.prerequisites is not None and any(n.credential in links for n, _ in iter_nodes(c.prerequisites, ())):
            changed[c.id] = replace(c, prerequisites=_fold(c.prerequisites, links))
    if not changed:
        return rb
    return replace(rb, credentials={cid: changed.get(cid, c) for cid, c in rb.credentials.items()})


def _fold(r: Requirement, links: dict[str, frozenset[str]]) -> Requirement:
    if r.credential is not None:
        partners = sorted(links.get(r.credential, ()))
        if not partners:
            return r
        # each way keeps the leaf's own grade and date conditions (a prerequisite `{credential: X, min_grade: B}` met by
        # X's old code asks the same grade of it)
        return Requirement.model_construct(
            any=tuple(Requirement.model_construct(credential=x, min_grade=r.min_grade, within_years=r.within_years) for x in (r.credential, *partners))
        )
    updates: dict[str, object] = {}
    for key in ("all", "any", "of"):
        kids = getattr(r, key)
        if kids:
            updates[key] = tuple(_fold(k, links) for k in kids)
    return r.model_copy(update=updates) if updates else r
