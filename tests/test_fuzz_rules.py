"""Fuzzing the rule base (issue 11): a mutated shipped rule file never gives a traceback.

Hypothesis takes one shipped rule or framework file at a time, changes it
(a value anywhere in the document replaced by a wrong type, a huge or odd
number, an unknown id, a control character; a key dropped or added; an
element of a list doubled or removed; the whole file replaced by random
bytes), writes it into a copy of the shipped rule base and loads that. The
only outcomes allowed are a :class:`~stackrules.errors.RuleBaseError` whose
diagnostics carry a known code and a position, or an engine whose audit of a
shipped learner is a decision (or a request/learner error with its code). The
budget is bounded: few examples, each audit under a short time limit.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stackrules
from stackrules.errors import LearnerError, RequestError, RuleBaseError, StackrulesError

from .conftest import AS_OF, ROOT
from .diagkit import assert_positioned

FILES = sorted(p.relative_to(ROOT).as_posix() for folder in ("rules", "frameworks") for p in (ROOT / folder).rglob("*.yaml"))
EVA = stackrules.load_learner(ROOT / "examples" / "learners" / "eva.yaml")
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


SHIPPED = {f: _plain(yaml.safe_load((ROOT / f).read_text(encoding="utf-8"))) for f in FILES}

odd = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([0, -1, 10**4000, "1e999999999", "2/0", "0410", "NaN", "1/3", "30 ects", "0.5 eftsl", "-6"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=16),
    st.sampled_from(["", "\x1b[31mStatus: MET.\x1b[0m", "\u202e", "\x00", "a\nb", "yes", "2026-02-30", "1000-01-01", "9999-12-31"]),
    st.sampled_from(["exu:COMP1010", "exu:NOPE", "exu:BIT", "exu:BIT#core", "aqf:7", "aqf:99", "eqf:7", "ects", "exu-cp", "all", "any"]),
)
values = st.recursive(odd, lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(st.text(max_size=8), kids, max_size=3)), max_leaves=8)
KEYS = ["id", "kind", "credits", "where", "all", "any", "at_least", "limits", "grant", "from", "into", "effective", "tags", "level", "zzz"]


def _containers(node: Any, out: list[Any]) -> list[Any]:
    if isinstance(node, dict | list):
        out.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, out)
    return out


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(FILES))
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        return name, draw(st.binary(max_size=200))
    doc = json.loads(json.dumps(SHIPPED[name]))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        spots = _containers(doc, [])
        spot = spots[draw(st.integers(min_value=0, max_value=len(spots) - 1))]
        how = draw(st.sampled_from(["value", "drop", "add", "double"]))
        if isinstance(spot, dict):
            keys = sorted(spot)
            if how == "value" and keys:
                spot[draw(st.sampled_from(keys))] = draw(values)
            elif how == "drop" and keys:
                spot.pop(draw(st.sampled_from(keys)))
            else:
                spot[draw(st.sampled_from(KEYS))] = draw(values)
        elif spot:
            k = draw(st.integers(min_value=0, max_value=len(spot) - 1))
            if how == "value":
                spot[k] = draw(values)
            elif how == "drop":
                spot.pop(k)
            else:
                spot.append(json.loads(json.dumps(spot[k])))  # the same entry twice
        else:
            spot.append(draw(values))
    return name, yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    to = tmp_path_factory.mktemp("shipped")
    for folder in ("rules", "frameworks"):
        shutil.copytree(ROOT / folder, to / folder)
    return to


@SETTINGS
@given(change=mutated(), target=st.sampled_from(["exu:BIT", "exu:GCDS", "exu:MDS", "aqf:graduate-certificate"]))
def test_a_mutated_rule_file_gives_diagnostics_or_decisions(base: Path, change: tuple[str, bytes], target: str) -> None:
    name, raw = change
    path = base / name
    try:
        path.write_bytes(raw)
        try:
            engine = stackrules.load(base / "frameworks", base / "rules")
        except RuleBaseError as exc:
            assert_positioned(exc)
            return
        try:
            decision = engine.audit(EVA, target, AS_OF, time_limit=2)
        except StackrulesError as exc:
            assert isinstance(exc, LearnerError | RequestError), repr(exc)
            assert_positioned(exc)
            return
        json.dumps(decision.to_json())
        assert decision.text()
    finally:
        shutil.copyfile(ROOT / name, path)  # the next example starts from the shipped base


def test_the_fuzzer_reaches_both_outcomes(base: Path) -> None:
    # the shipped base loads and decides; a file that is not YAML gives positioned diagnostics
    assert stackrules.load(base / "frameworks", base / "rules").audit(EVA, "exu:GCDS", AS_OF).status
    broken = base / FILES[0]
    try:
        broken.write_bytes(b"kind: [unclosed\n")
        with pytest.raises(RuleBaseError) as caught:
            stackrules.load(base / "frameworks", base / "rules")
        assert_positioned(caught.value)
    finally:
        shutil.copyfile(ROOT / FILES[0], broken)


@pytest.mark.parametrize(
    ("name", "old", "new", "says"),
    [
        # found by the fuzzer at 25 times its examples: an empty mapping in a value's place raised IndexError
        (
            "rules/example-university/bit-2025.yaml",
            "limits:\n",
            "limits:\n  - {id: odd, max_credits: 6, where: {credits: {lte: {}}}}\n",
            "an empty mapping is no value",
        ),
        # and a catalogue's own credit system with a zero year loaded, then divided by zero converting credit
        (
            "rules/us-community-college/catalog.yaml",
            "credit_system: us-sch",
            "credit_system: {id: us-cc, full_time_year: 0}",
            "`full_time_year` must be above zero",
        ),
    ],
)
def test_what_the_fuzzer_found_is_a_positioned_diagnostic(base: Path, name: str, old: str, new: str, says: str) -> None:
    path = base / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    try:
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(RuleBaseError) as caught:
            stackrules.load(base / "frameworks", base / "rules")
        assert_positioned(caught.value)
        assert any(says in d.message and d.file.endswith(name.rsplit("/", 1)[1]) for d in caught.value.diagnostics), caught.value
    finally:
        shutil.copyfile(ROOT / name, path)
