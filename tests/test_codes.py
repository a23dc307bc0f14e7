"""The registry of diagnostic codes: each number has one meaning, a retired one is never live again."""

from __future__ import annotations

import re
from pathlib import Path

from stackrules.diagnostics import _CODES, CODES, RETIRED

DOCS = (Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md").read_text(encoding="utf-8")


def test_each_code_is_registered_once() -> None:
    assert len(CODES) == len(_CODES), "two registry entries share a code"
    assert len({c.slug for c in _CODES}) == len(_CODES), "two registry entries share a slug"


def test_retired_codes_stay_retired_and_are_marked_in_the_docs() -> None:
    live = set(CODES)
    for r in RETIRED:
        assert r.code not in live and r.slug not in {c.slug for c in _CODES}, f"{r.code} is live again"
        row = re.search(rf"^\| `{r.code}` \| {r.slug} \| retired \|", DOCS, re.MULTILINE)
        assert row, f"{r.code} is not marked retired in docs/diagnostics.md"


def test_the_code_deleted_before_this_registry_had_retirements_is_retired() -> None:
    # SR3015 (cross-framework) was removed from the registry without a mark; its number stays taken
    assert "SR3015" in {r.code for r in RETIRED}
    assert "SR3015" not in CODES


def test_no_number_is_missing_from_a_series_unless_retired() -> None:
    known = set(CODES) | {r.code for r in RETIRED}
    for series in sorted({c[:3] for c in known}):
        numbers = sorted(int(c[3:]) for c in known if c.startswith(series))
        missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
        assert not missing, f"{series}xxx: {missing} were deleted without being retired"
