"""What a decision chooses between: items, credit-rule applications, refusals.

An *item* is something a leaf can claim: a holding of the learner, credit a
rule application could grant, or a catalogue credential that could be added.
The problem (``problem.py``) gathers them; credit-rule application
(``credit.py``) and catalogue additions (``catalogue.py``) add to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..compile.tree import CNode
from ..rulebase.filters import Attrs
from ..rulebase.index import RuleInfo
from .holdings import HoldingView


@dataclass
class Item:
    """Something a leaf can claim: a holding, granted credit, or a catalogue addition."""

    index: int
    key: str
    credential: str
    origin: str  # holding | grant | addition
    attrs: Attrs  # credits in the target's system
    pending: bool = False
    points: Fraction | None = None
    multiplicity: int = 1
    members: tuple[str, ...] = ()
    app: int | None = None
    holding: HoldingView | None = None
    cost: Fraction | None = None

    @property
    def credits(self) -> Fraction:
        return self.attrs.credits


@dataclass
class Application:
    """One possible application of a credit rule (slot ``number`` of the rule)."""

    index: int
    rule: RuleInfo
    number: int
    into: str
    root: CNode  # the expanded `from` tree
    grants: list[int] = field(default_factory=list)  # item indices
    exempt: list[int] = field(default_factory=list)  # node indices
    # the application of one source (a plan's rule whose `from` takes one credential: decide/credit.py): the rule's
    # applications are then not interchangeable, and one is used without the ones numbered before it
    source: int | None = None


@dataclass
class Refusal:
    rule: str
    sources: tuple[str, ...]
    reason: str  # cap | not_needed | condition | source_used | not_effective
    detail: str
