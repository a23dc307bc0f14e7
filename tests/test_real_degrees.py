"""Section 17 of the contract (what real degrees need), construct by construct: loading, schema and filters.

Decisions for each construct are in tests/cases/ (met, not met and the variants); these tests pin what the
cases cannot show: what is derived while loading, what is refused, and what the schema offers editors.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest

from stackrules.errors import RuleBaseError
from stackrules.language.models import parse_filter
from stackrules.language.schema import json_schema
from stackrules.rulebase.checks import build
from stackrules.rulebase.filters import Matcher, credential_attrs
from stackrules.source.files import read_documents

from .conftest import ROOT

DIAG_BASE = ROOT / "tests" / "diagnostics" / "base"

NUMBERED = """\
kind: catalog
provider: {id: numb, name: Numbered College}
credit_system: acme-cp
id_pattern: "{provider}:{subject}{number}{suffix}"
credentials:
  - {id: numb:CS1010S, title: Programming Methodology, credits: 4, tags: [prog-intro, core]}
  - {id: numb:MA1513, title: Linear Algebra, credits: 4}
  - {id: numb:SEMINAR, title: Seminar, credits: 2, subject: GEN, number: 900}
  - {id: numb:X4000, title: Given wins, credits: 4, subject: CS, number: 4001}
"""


def _load(tmp: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp / "numb.yaml").write_text(text, encoding="utf-8")
    loaded, diags = read_documents([DIAG_BASE, tmp / "numb.yaml"])
    rb, more = build(loaded)
    return rb, diags + more


def test_id_pattern_derives_subject_and_number_and_what_an_entry_gives_wins(tmp_path: Path) -> None:
    rb, diags = _load(tmp_path, NUMBERED)
    assert diags == [] and rb is not None
    got = {cid: (rb.credentials[cid].subject, rb.credentials[cid].number) for cid in ("numb:CS1010S", "numb:MA1513", "numb:SEMINAR", "numb:X4000")}
    assert got == {"numb:CS1010S": ("CS", 1010), "numb:MA1513": ("MA", 1513), "numb:SEMINAR": ("GEN", 900), "numb:X4000": ("CS", 4001)}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"subject": "CS"}, ["numb:CS1010S", "numb:X4000"]),
        ({"subject": ("CS", "MA")}, ["numb:CS1010S", "numb:MA1513", "numb:X4000"]),
        ({"number": {"gte": 1000, "lt": 2000}}, ["numb:CS1010S", "numb:MA1513"]),
        ({"not": {"number": {"gte": 1000}}}, ["numb:SEMINAR"]),
        ({"id": {"glob": "numb:[CM]?1*"}}, ["numb:CS1010S", "numb:MA1513"]),
        ({"tags": {"glob": "prog-*"}}, ["numb:CS1010S"]),
        ({"subject": {"glob": "c*"}}, []),  # case-sensitive
    ],
)
def test_filters_on_course_numbers(tmp_path: Path, where: dict[str, object], expected: list[str]) -> None:
    rb, _ = _load(tmp_path, NUMBERED)
    f = parse_filter(where)
    m = Matcher(rb)
    assert [c for c in sorted(rb.credentials) if c.startswith("numb:") and m.match(f, credential_attrs(rb, c))] == expected


def test_a_credential_without_a_number_fails_every_condition_on_it(tmp_path: Path) -> None:
    rb, _ = _load(tmp_path, NUMBERED)
    assert not Matcher(rb).match(parse_filter({"number": {"gte": 0}}), credential_attrs(rb, "acme:A1"))
    assert Matcher(rb).match(parse_filter({"not": {"subject": "CS"}}), credential_attrs(rb, "acme:A1"))


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ({"subject": {"gte": "CS"}}, "`subject` has no order"),
        ({"number": {"prefix": "3"}}, "`prefix` applies to text attributes, not to `number`"),
        ({"number": "3000"}, "`number` compares with a whole number"),
        ({"subjct": "CS"}, "unknown filter attribute `subjct`"),
        ({"id": {"glb": "x*"}}, "unknown condition `glb`"),
    ],
)
def test_wrong_conditions_on_course_numbers_are_refused(where: dict[str, object], message: str) -> None:
    from pydantic_core import PydanticCustomError

    with pytest.raises(PydanticCustomError, match=message):
        parse_filter(where)


def test_unknown_filter_attribute_suggests_the_course_number_attribute(tmp_path: Path) -> None:
    (tmp_path / "q.yaml").write_text(
        "kind: qualification\nid: numb:Q\ntitle: Q\nprovider: numb\ncredits: 4\nrequires: {credits: 4, where: {subjct: CS}}\n", encoding="utf-8"
    )
    (tmp_path / "numb.yaml").write_text(NUMBERED, encoding="utf-8")
    loaded, diags = read_documents([DIAG_BASE, tmp_path / "numb.yaml", tmp_path / "q.yaml"])
    _, more = build(loaded)
    found = [d for d in diags + more if d.file.endswith("q.yaml")]
    assert [(d.code, d.line, d.column) for d in found] == [("SR2010", 6, 32)]
    assert "subject" in (found[0].help or "")


def test_schema_offers_course_numbers_and_validates_them() -> None:
    schema = json_schema("catalog")
    doc = {
        "kind": "catalog",
        "provider": {"id": "numb", "name": "N"},
        "credit_system": "us-sch",
        "id_pattern": "{provider}:{subject}{number}",
        "credentials": [{"id": "numb:CS1", "title": "x", "subject": "CS", "number": 1}],
    }
    jsonschema.validate(doc, schema)
    doc["credentials"][0]["number"] = "one"  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_a_bad_id_pattern_stops_loading(tmp_path: Path) -> None:
    import stackrules

    (tmp_path / "numb.yaml").write_text(NUMBERED.replace("{number}{suffix}", "{number}{number}"), encoding="utf-8")
    with pytest.raises(RuleBaseError, match="once each"):
        stackrules.load(DIAG_BASE, tmp_path / "numb.yaml")


def test_quarter_hours_ship_with_the_frameworks() -> None:
    import stackrules

    rb = stackrules.load().context.rb
    assert rb.systems["us-qh"].full_time_year == 45
    assert rb.rescale(Fraction(9, 2), "us-qh", "us-sch") == 3


def test_a_value_exception_changes_only_its_learners_tree(tmp_path: Path) -> None:
    """The compiled tree is shared between learners: a `value` exception works on the problem's own copy."""
    import datetime as dt

    import stackrules

    (tmp_path / "q.yaml").write_text(
        "kind: qualification\nid: t:Q\ntitle: Q\nprovider: t\nrequires:\n  all:\n    - {id: electives, credits: 12, where: {tags: b}}\n"
        "    - {id: core, all: [t:A1]}\n",
        encoding="utf-8",
    )
    engine = stackrules.load(ROOT / "tests" / "cases" / "_base", tmp_path / "q.yaml")
    # (electives is not the whole qualification: a `value` there would need qualification scope)
    holdings = [{"credential": "t:B1"}, {"credential": "t:A1"}]
    exception = {"type": "value", "node": "t:Q#electives", "value": 6, "reason": "r", "approved_by": "registrar", "date": "2026-01-10"}
    day = dt.date(2026, 6, 30)
    assert engine.audit(stackrules.load_learner({"id": "A", "holdings": holdings, "exceptions": [exception]}), "t:Q", day).status == "met"
    assert engine.audit(stackrules.load_learner({"id": "B", "holdings": holdings}), "t:Q", day).status == "not_met"
    assert engine.audit(stackrules.load_learner({"id": "A", "holdings": holdings, "exceptions": [exception]}), "t:Q", day).status == "met"


def test_a_value_past_the_qualification_s_total_is_not_applied_and_a_unit_is_named(tmp_path: Path) -> None:
    # `value: 1000000000` on a pool stopped the audit with "figures too large to decide exactly" at <request>:1:1; a
    # `value` of "1 ects" where none can be set was said as "a `value` of 1", its unit dropped
    import datetime as dt

    import stackrules

    (tmp_path / "q.yaml").write_text(
        "kind: qualification\nid: t:Q\ntitle: Q\nprovider: t\ncredits: 12\nrequires:\n  all:\n"
        "    - {id: electives, credits: 12, where: {tags: b}}\n    - {id: pick, any: [t:B1, t:B2]}\n",
        encoding="utf-8",
    )
    engine = stackrules.load(ROOT / "tests" / "cases" / "_base", tmp_path / "q.yaml")
    day = dt.date(2026, 6, 30)

    def effect(node: str, value: object) -> str:
        exception = {"type": "value", "node": node, "value": value, "reason": "r", "approved_by": "registrar", "date": "2026-01-10"}
        d = engine.audit(stackrules.load_learner({"id": "A", "holdings": [{"credential": "t:B1"}], "exceptions": [exception]}), "t:Q", day)
        return str(d.to_json()["exceptions"][0]["effect"])

    system = engine.rules.qualifications["t:Q"][0].system
    assert effect("t:Q#electives", 1_000_000_000) == f"not applied: a `value` of 1000000000 is more than the qualification's total of 12 {system}"
    assert effect("t:Q#pick", "1 ects").startswith("not applied: `pick` has no threshold a `value` of 1 ects can set")


def test_a_value_without_a_total_to_compare_and_one_in_an_unknown_system_are_said_plainly(tmp_path: Path) -> None:
    # without a credit total, `value: 1000000000` still stopped the audit (SR5003); `value: "1 zzz"` raised a KeyError
    # (found by a review); a fraction was printed as 4/5
    import datetime as dt

    import stackrules
    from stackrules.errors import LearnerError

    (tmp_path / "q.yaml").write_text(
        "kind: qualification\nid: t:Q\ntitle: Q\nprovider: t\nrequires:\n  all:\n    - {id: electives, credits: 12, where: {tags: b}}\n"
        "    - {id: core, all: [t:A1]}\n",
        encoding="utf-8",
    )
    engine = stackrules.load(ROOT / "tests" / "cases" / "_base", tmp_path / "q.yaml")
    system = engine.rules.qualifications["t:Q"][0].system
    day = dt.date(2026, 6, 30)

    def audit(value: object) -> stackrules.Decision:
        exception = {"type": "value", "node": "t:Q#electives", "value": value, "reason": "r", "approved_by": "registrar", "date": "2026-01-10"}
        return engine.audit(stackrules.load_learner({"id": "A", "holdings": [{"credential": "t:B1"}], "exceptions": [exception]}), "t:Q", day)

    year = engine.rules.systems[system].full_time_year
    assert audit(1_000_000_000).to_json()["exceptions"][0]["effect"] == (
        f"not applied: a `value` of 1000000000 is more than a hundred years of full-time study ({100 * year} {system})"
    )
    assert audit("2 ects").to_json()["exceptions"][0]["effect"].startswith("`electives` needs 1.6 ")
    with pytest.raises(LearnerError) as caught:
        audit("1 zzz")
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [("SR3004", "unknown credit system `zzz`")]
