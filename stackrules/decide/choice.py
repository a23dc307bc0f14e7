"""A choice: which claims and rule applications an allocation makes, from the solver or the fast path.

The checker reads a choice without trusting where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class Choice:
    """What the solver chose: claims, applications used, and its proof status."""

    status: str  # optimal | infeasible | time_limit
    claims: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # leaf -> [(item, count)]
    source_claims: dict[int, list[int]] = field(default_factory=dict)  # from-leaf -> [item]
    apps: list[int] = field(default_factory=list)
    completion: bool = True  # the model required the target to be met (with additions)
    bound: float | None = None
    # when nothing completes the target (``completion`` False with catalogue additions allowed): node -> whether
    # that node alone can be completed from the catalogue, proven by the solver (None: not decided in time)
    alone: dict[int, bool | None] = field(default_factory=dict)
    # nodes whose parts can each be completed but not together: node -> the limits (or "total") that rule it out
    blocked_by: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # nodes that could be completed but for a `holds` condition a completion leaves as it stands: node -> the nodes
    # whose conditions (the ids, with the condition in words) taking the study would change
    conditioned: dict[int, tuple[str, ...]] = field(default_factory=dict)
    path: Literal["solver", "fast"] = "solver"  # what made it: the exact solver or the greedy fast path (internal, not in the JSON)
