"""A holding held again names the one that counts as a person finds it: the file and line, or the badge (sections 16 and 18)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import stackrules

from .conftest import ROOT

DAY = dt.date(2026, 11, 29)


def reasons(engine: stackrules.Engine, path: Path) -> dict[str, str]:
    decision = engine.audit(stackrules.load_learner(path), "exu:GCDS", DAY).to_json()
    return {u["holding"]: u["reason"] for u in decision["unused"] if u["cause"] == "repeat"}


def test_held_again_names_the_file_and_line_or_the_badge(engine: stackrules.Engine, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "learners" / "badges", tmp_path / "badges")
    path = tmp_path / "learner.yaml"
    path.write_text(
        "kind: learner\n"
        "id: L-0010\n"
        'identities: ["did:example:eva"]\n'
        "holdings:\n"
        "  - {credential: eux:DS-MC1, awarded: 2024-06-30, grade: C}\n"
        "  - verifiable: badges/eva/ds-mc1.json\n"
        "  - {credential: eux:DS-MC2, awarded: 2024-06-30, grade: C}\n"
        "  - {credential: eux:DS-MC2, awarded: 2024-09-30, grade: C}\n",
        encoding="utf-8",
    )
    found = reasons(engine, path)
    file = stackrules.load_learner(path).origin.smap.file
    assert found == {
        "eux:DS-MC1@2": "held again: Data Science micro-credential 1: Data Foundations (`eux:DS-MC1`) counts once, as the holding awarded "
        "2025-06-30 (the verified credential `badges/eva/ds-mc1.json`, the latest passing attempt)",
        "eux:DS-MC2@2": "held again: Data Science micro-credential 2: Statistical Learning (`eux:DS-MC2`) counts once, as the holding awarded "
        f"2024-09-30 ({file}:8, the latest passing attempt)",
    }
    assert all("holdings[" not in r for r in found.values())
