"""The completion model of a not-met audit (decide/solve.py): held at the LP's least remaining, or not.

When the least ``remaining`` is above the LP relaxation's (credit that comes
only in whole courses), the model held at the LP's bound is infeasible: the
smaller model without the row finds a remaining some choice reaches, and the
model within that proven bound decides, with the first level kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

import stackrules
from stackrules.decide import solve as solve_module

AS_OF = dt.date(2026, 6, 30)


def _engine(tmp_path: Path) -> stackrules.Engine:
    # 5 credits of electives from 3-credit courses (the LP takes 5/3 of one: 5; whole courses: 6), and a
    # 4-credit course only under a cap of 0 for level 2 (never usable): the least remaining is 6. Half the
    # 3-credit courses fall under a (loose) cap, so dominance leaves their claims out
    courses = [{"id": f"u:HIST{1000 + k}", "title": f"HIST {1000 + k}", "credits": 3, "level": 1, "tags": ["q"] if k >= 6 else []} for k in range(12)]
    courses += [{"id": f"u:ARTS{2000 + k}", "title": f"ARTS {2000 + k}", "credits": 4, "level": 2, "tags": []} for k in range(3)]
    catalog = {
        "kind": "catalog",
        "provider": {"id": "u", "name": "U"},
        "credit_system": {"id": "u-sch", "full_time_year": 30},
        "id_pattern": "{provider}:{subject}{number}",
        "credentials": courses,
    }
    qual = {
        "kind": "qualification",
        "id": "u:C",
        "title": "C",
        "provider": "u",
        "requires": {"all": [{"id": "electives", "credits": 5}, {"id": "core", "credential": "u:HIST1000"}]},
        "limits": [{"id": "no-level-2", "max_credits": 0, "where": {"level": 2}}, {"id": "q-cap", "max_credits": 30, "where": {"tags": "q"}}],
    }
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(qual, sort_keys=False))
    return stackrules.load(tmp_path)


def test_least_remaining_above_the_lp_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine(tmp_path)
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "u:HIST1000"}]})
    calls: list[tuple[int, bool, str]] = []
    real = solve_module._within

    def watching(p: Any, scale: int, bound: int, lowest: bool, deadline: float) -> Any:
        b, sol = real(p, scale, bound, lowest, deadline)
        calls.append((bound, lowest, sol.status))
        return b, sol

    monkeypatch.setattr(solve_module, "_within", watching)
    d = engine.audit(learner, "u:C", AS_OF)
    assert (d.status, d.remaining) == ("not_met", 6)
    # the path under test: held at the LP's 5, infeasible; then within the 6 a choice reached, first level kept
    assert calls == [(5, True, "infeasible"), (6, False, "optimal")], calls
    missing = d.to_json()["missing"]
    assert [(m["node"], m["credits"]) for m in missing] == [("electives", "6")]
    # the same figures as the full model, without anything left out
    monkeypatch.setattr(solve_module, "dominated_claims", lambda p, bound: frozenset())
    full = engine.audit(learner, "u:C", AS_OF)
    assert (full.status, full.remaining) == ("not_met", 6)
