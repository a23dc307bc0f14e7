"""Fuzzing learner files (docs/language.md section 18): never a traceback, always a positioned diagnostic or a decision.

Hypothesis writes random text, random YAML-shaped structures and mutations of
the shipped example learners (wrong types, huge and tiny numbers, odd ids and
dates, control characters, nesting, repeated holdings, exceptions of every
kind), reads each the way the command line does (a file) or the way the
service and the API do (a dict), and decides an audit with it. The only
outcomes allowed are a decision that renders as text and JSON, or a
:class:`~stackrules.errors.StackrulesError` whose diagnostics carry a known
code and a position. The budget is bounded: few examples, each audit under a
short time limit.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stackrules
from stackrules.errors import LearnerError, RequestError, StackrulesError

from .conftest import AS_OF, ROOT
from .diagkit import assert_positioned

EXAMPLES = sorted((ROOT / "examples" / "learners").glob("*.yaml"))
ENGINE = stackrules.load()
TARGETS = ("exu:BIT", "exu:GCDS", "exu:MDS")
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _iso(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


SHIPPED = [_iso(yaml.safe_load(p.read_text(encoding="utf-8"))) for p in EXAMPLES]

ids = st.sampled_from(
    ["exu:COMP1010", "exu:COMP1020", "exu:X3001", "tafe-nsw:ICT50220", "eux:DS-MC1", "uscc:CS101", "ext:badge", "exu:BIT", "exu:BIT#core", "exu:BIT#computing"]
)
texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "\x1b[31mStatus: MET.\x1b[0m", "\u202e", "\x00", "a\nb", "yes", "0410", "1e999999999", "NaN", "-0", "2026-02-30"]),
    ids,
)
numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([-1, 0, 10**9 + 1, 10**9]),
    st.builds(lambda: 10**4000),  # over every bound, but printable (Python prints at most 4,300 digits)
    st.floats(allow_nan=True, allow_infinity=True),
    st.fractions(max_denominator=10**14).map(str),
)
dates = st.one_of(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat), st.dates().map(lambda d: d))
scalars = st.one_of(st.none(), st.booleans(), texts, numbers, dates)
values = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=8), kids, max_size=4)), max_leaves=12)
KEYS = ["credential", "awarded", "grade", "status", "title", "provider", "credits", "type", "level", "framework_level", "tags", "evidence", "term"]
EXCEPTION_KEYS = ["type", "node", "credential", "instead_of", "reason", "approved_by", "date"]


@st.composite
def holdings(draw: st.DrawFn) -> dict[str, Any]:
    h: dict[str, Any] = {"credential": draw(ids)}
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=4, unique=True)):
        h[key] = draw(st.one_of(scalars, st.sampled_from(["in_progress", "planned", "completed", "HD", "PS", "FL", "C", "NYC", "A"])))
    return h


@st.composite
def exceptions(draw: st.DrawFn) -> dict[str, Any]:
    e: dict[str, Any] = {
        "type": draw(st.sampled_from(["waive", "substitute", "add", "approve", "nope"])),
        "node": draw(ids),
        "reason": draw(texts),
        "approved_by": draw(st.sampled_from(["adean-education", "head-computing", "rpl-panel", "me", ""])),
        "date": draw(dates),
    }
    for key in draw(st.lists(st.sampled_from(EXCEPTION_KEYS), max_size=2, unique=True)):
        e[key] = draw(st.one_of(scalars, ids))
    return e


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    doc: dict[str, Any] = json.loads(json.dumps(draw(st.sampled_from(SHIPPED))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        how = draw(st.sampled_from(["value", "holding", "exception", "drop", "twice", "key", "whole"]))
        held = doc.get("holdings")
        dicts = [h for h in held if isinstance(h, dict)] if isinstance(held, list) else []
        if how == "value" and dicts:
            h = dicts[draw(st.integers(min_value=0, max_value=len(dicts) - 1))]
            h[draw(st.sampled_from(KEYS))] = draw(values)
        elif how == "holding" and isinstance(held, list | type(None)):
            doc["holdings"] = [*(held or []), draw(holdings())]
        elif how == "exception" and isinstance(doc.get("exceptions"), list | type(None)):
            doc["exceptions"] = [*(doc.get("exceptions") or []), draw(exceptions())]
        elif how == "drop" and doc:
            doc.pop(draw(st.sampled_from(sorted(doc))))
        elif how == "twice" and dicts and isinstance(held, list):
            h = dict(dicts[draw(st.integers(min_value=0, max_value=len(dicts) - 1))])
            h["awarded"] = draw(dates)
            held.append(h)
        elif how == "key":
            doc[draw(st.sampled_from(["id", "name", "enrolments", "holdings", "exceptions", "facts", "kind", "zzz"]))] = draw(values)
        elif how == "whole":
            return draw(values)
    return doc


def _decide(learner: stackrules.Learner, target: str) -> None:
    try:
        decision = ENGINE.audit(learner, target, AS_OF, time_limit=2)
    except StackrulesError as exc:
        assert isinstance(exc, LearnerError | RequestError), repr(exc)
        assert_positioned(exc)
        return
    json.dumps(decision.to_json())
    assert decision.text()


def _through_a_file(tmp: Path, raw: bytes, target: str) -> None:
    path = tmp / "learner.yaml"
    path.write_bytes(raw)
    try:
        learner = stackrules.load_learner(path)
    except StackrulesError as exc:
        assert_positioned(exc)
        return
    _decide(learner, target)


def _through_a_dict(data: Any, target: str) -> None:
    try:
        learner = stackrules.load_learner(data)
    except StackrulesError as exc:
        assert_positioned(exc)
        return
    _decide(learner, target)


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


@SETTINGS
@given(doc=mutated(), target=st.sampled_from(TARGETS))
def test_mutated_example_learners_as_files(tmp_path_factory: Any, doc: Any, target: str) -> None:
    _through_a_file(tmp_path_factory.mktemp("fuzz"), _dump(doc), target)


@SETTINGS
@given(doc=mutated(), target=st.sampled_from(TARGETS))
def test_mutated_example_learners_as_dicts(doc: Any, target: str) -> None:
    _through_a_dict(doc if isinstance(doc, dict) else {"id": "L", "holdings": doc}, target)


@SETTINGS
@given(
    raw=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.lists(
            st.sampled_from(
                [
                    "kind: learner\n",
                    "id: L\n",
                    "holdings:\n",
                    "  - {credential: exu:COMP1010}\n",
                    "- ",
                    "  ",
                    ": ",
                    "{",
                    "[",
                    "&a ",
                    "*a ",
                    "\t",
                    "---\n",
                    "!!python/object:os.system ",
                    "'",
                    '"',
                    "\n",
                ]
            ),
            max_size=30,
        ).map(lambda xs: "".join(xs).encode()),
    )
)
def test_random_bytes_as_a_learner_file(tmp_path_factory: Any, raw: bytes) -> None:
    _through_a_file(tmp_path_factory.mktemp("fuzz"), raw, "exu:BIT")


def test_the_fuzzer_reaches_decisions_and_diagnostics_both() -> None:
    """The generators are not all refused at the first key: the shipped learners decide, and a broken one is diagnosed."""
    _through_a_dict(SHIPPED[0], "exu:BIT")
    decided = ENGINE.audit(stackrules.load_learner(SHIPPED[0]), "exu:BIT", AS_OF, time_limit=2)
    assert decided.status == "met"
    broken = {**SHIPPED[0], "holdings": [{"credential": "exu:COMP1010", "credits": 10**5001}]}
    try:
        stackrules.load_learner(broken)
    except LearnerError as exc:
        assert [d.code for d in exc.diagnostics] == ["SR2011"]
    else:
        raise AssertionError("a 5,001-digit credit was accepted")
