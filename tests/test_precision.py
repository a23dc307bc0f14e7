"""Credit figures the solver cannot decide exactly are refused (SR5003), never answered wrongly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import stackrules
from stackrules.cli import main
from stackrules.errors import RequestError

from .conftest import AS_OF

CATALOG = """kind: catalog
provider: {{id: p, name: P}}
credit_system: {{id: p-cp, full_time_year: 48}}
credentials:
  - {{id: "p:A", title: A, credits: 6}}
  - {{id: "p:B", title: B, credits: {b}, tags: [x]}}
  - {{id: "p:C", title: C, credits: 6, tags: [x]}}
"""
QUAL = """kind: qualification
id: "p:Q"
title: Q
provider: p
credits: 18
requires:
  all:
    - {id: a, all: ["p:A"]}
    - {id: b, credits: 12, where: {tags: x}}
"""


def _base(tmp_path: Path, b: str) -> Path:
    (tmp_path / "cat.yaml").write_text(CATALOG.format(b=b))
    (tmp_path / "q.yaml").write_text(QUAL)
    (tmp_path / "l.yaml").write_text('kind: learner\nid: L\nholdings:\n  - {credential: "p:A"}\n  - {credential: "p:B"}\n')
    return tmp_path


@pytest.mark.parametrize("b", ["11.9999999", "11.999999999", "100000000"])
def test_figures_beyond_the_exact_range_are_refused(tmp_path: Path, b: str) -> None:
    folder = _base(tmp_path, b)
    engine = stackrules.load(folder)
    learner = stackrules.load_learner(folder / "l.yaml")
    with pytest.raises(RequestError) as err:
        engine.audit(learner, "p:Q", AS_OF)
    assert err.value.code == "SR5003"
    res = CliRunner().invoke(
        main, ["audit", "--rules", str(folder), "--learner", str(folder / "l.yaml"), "--target", "p:Q", "--as-of", "2026-11-28", "--format", "json"]
    )
    assert res.exit_code == 3, res.output
    assert json.loads(res.output)["diagnostics"][0]["code"] == "SR5003"


def test_figures_within_the_range_are_decided(tmp_path: Path) -> None:
    # 11.5 and 6 need a scale of 2: the learner's B and the catalogue's C complete the pool
    folder = _base(tmp_path, "11.5")
    engine = stackrules.load(folder)
    d = engine.audit(stackrules.load_learner(folder / "l.yaml"), "p:Q", AS_OF).to_json()
    assert d["status"] == "not_met" and d["credits"]["remaining"] == "6"
