"""The shipped rule base and examples: clean, fast to load, and sourced."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackrules.language.models import FrameworkDoc
from stackrules.rulebase.checks import build
from stackrules.source.files import read_documents, shipped_paths

from .conftest import ROOT

SHIPPED = sorted(p for folder in ("frameworks", "rules") for p in (ROOT / folder).rglob("*.yaml"))


def test_shipped_base_is_found_and_checks_clean() -> None:
    paths = shipped_paths()
    assert [p.name for p in paths] == ["frameworks", "rules"]
    loaded, diags = read_documents(paths)
    rb, more = build(loaded)
    assert rb is not None
    assert diags + more == [], [d.render() for d in diags + more]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.relative_to(ROOT).as_posix() for p in SHIPPED])
def test_every_shipped_file_reads_clean(path: Path) -> None:
    loaded, diags = read_documents([path])
    assert diags == [] and len(loaded) == 1


def test_frameworks_cite_their_sources_and_mark_confidence() -> None:
    loaded, _ = read_documents([ROOT / "frameworks"])
    frameworks = [x.doc for x in loaded if isinstance(x.doc, FrameworkDoc)]
    assert {f.id for f in frameworks} >= {"aqf", "eqf", "qf-ehea", "fheq", "us", "nzqcf"}
    for f in frameworks:
        assert f.source, f"{f.id} has no source"
        assert all(lv.confidence for lv in f.levels), f"{f.id} has levels without confidence"
    text = (ROOT / "frameworks" / "qf-ehea-eqf.yaml").read_text()
    assert "unconfirmed" in text  # the short cycle to EQF 5 is [U] in REFERENCE.md


def test_credit_systems_have_the_required_years(engine) -> None:  # type: ignore[no-untyped-def]
    years = {k: v.full_time_year for k, v in engine.rules.systems.items()}
    assert {k: years[k] for k in ("ects", "uk-credit", "us-sch", "nz-credit", "eftsl")} == {
        "ects": 60,
        "uk-credit": 120,
        "us-sch": 30,
        "nz-credit": 120,
        "eftsl": 1,
    }
