"""Loading never crashes: arbitrary text and arbitrary documents give diagnostics."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stackrules.language.documents import parse_document
from stackrules.language.models import KINDS
from stackrules.language.positions import SourceMap
from stackrules.source.yamlreader import read_yaml

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.text(max_size=12),
    st.sampled_from(["exu:COMP1010", "aqf:7", "30 ects", "2/3", "yes", "credential", "all", "any", "where", "tags"]),
)
keys = st.sampled_from(
    [
        "kind",
        "id",
        "title",
        "provider",
        "credits",
        "requires",
        "all",
        "any",
        "at_least",
        "of",
        "where",
        "credential",
        "limits",
        "max_credits",
        "tags",
        "level",
        "grant",
        "from",
        "into",
        "holdings",
        "systems",
        "levels",
        "credit_system",
        "name",
        "x",
    ]
)
json_like: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4).map(tuple), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_any_text_reads_to_data_or_diagnostics(raw: bytes) -> None:
    data, _, diags = read_yaml(raw, "f.yaml")
    assert data is not None or diags
    for d in diags:
        assert d.line >= 1 and d.column >= 1 and d.code.startswith("SR")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(KINDS)), st.dictionaries(keys, json_like, max_size=6))
def test_any_document_validates_or_gives_positioned_diagnostics(kind: str, body: dict[str, Any]) -> None:
    body = {**body, "kind": kind}
    doc, diags = parse_document(body, SourceMap("f.yaml", ()))
    assert (doc is None) == bool(diags)
    for d in diags:
        assert d.code.startswith("SR") and d.message


def test_decimals_stay_exact() -> None:
    data, _, diags = read_yaml(b"a: 0.1\nb: 1.5\n", "f.yaml")
    assert diags == [] and data == {"a": Decimal("0.1"), "b": Decimal("1.5")}
