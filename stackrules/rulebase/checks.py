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

from ..diagnostics import Diagnostic
from ..language.documents import Loaded
from .build import index_documents
from .index import RuleBase
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
    return ix.rb, diags
