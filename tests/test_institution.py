"""The generated institution (benchmarks/institution.py --quick) loads clean and decides; the catalogue index never drops a match.

No timing is asserted here: benchmarks/load_bench.py prints the figures against their targets.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import stackrules
from stackrules.language.models import Filter, Term, parse_filter
from stackrules.rulebase.filters import Attrs, AttrsIndex, Matcher

from .conftest import ROOT


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("institution", ROOT / "benchmarks" / "institution.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("institution", module)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


@pytest.fixture(scope="module")
def institution(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("institution")
    GEN.generate(out, GEN.QUICK, seed=5)
    return out


def test_the_quick_institution_loads_clean_with_every_shape_of_qualification(institution: Path) -> None:
    engine, diags = stackrules.engine.load_with_diagnostics(institution / "rules")
    assert engine is not None and diags == []
    ids = engine.qualifications()
    assert len(ids) == GEN.QUICK.qualifications
    for prefix in ("iu:BA-", "iu:BS-", "iu:MIN-", "iu:CERT-", "iu:GENED"):
        assert any(q.startswith(prefix) for q in ids), prefix
    # course numbers come from the catalogue's id_pattern, and some majors have no credit total
    assert engine.rules.credentials["iu:ENGL1010"].subject == "ENGL" and engine.rules.credentials["iu:ENGL1010"].number == 1010
    assert any(v.credits is None for q in ids for v in engine.rules.qualifications[q])
    assert len(engine.rules.rules) > 2 and {p for p in engine.rules.providers} == {"iu", "cc-north", "cc-south"}


def test_the_generated_learners_are_part_way_and_complete(institution: Path) -> None:
    engine = stackrules.load(institution / "rules")
    statuses = []
    for path in sorted((institution / "learners").glob("*.yaml")):
        learner = stackrules.load_learner(path)
        target = learner.doc.enrolments[0].qualification
        statuses.append(engine.audit(learner, target, dt.date(2026, 6, 30)).status)
    assert len(statuses) == GEN.QUICK.learners
    assert "met" in statuses and "not_met" in statuses


def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    GEN.generate(tmp_path / "a", GEN.QUICK, seed=9)
    GEN.generate(tmp_path / "b", GEN.QUICK, seed=9)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml"))
    assert files and files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.yaml"))
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)


# ---- the catalogue index (rulebase/filters.py): candidates are a superset of the matches, in order

SUBJECTS = ["CSCI", "MATH", "ART"]
TAGS = ["a", "b", "c"]
NUMBERS = st.sampled_from([0, 100, 999, 1000, 1010, 3000, 4999])  # few values, so that items meet the bounds exactly


def _attrs(k: int, subject: str | None, number: int | None, tags: tuple[str, ...], provider: str, level: int | None) -> Attrs:
    code = f"{subject or 'X'}{number if number is not None else k}"
    return Attrs(id=f"{provider}:{code}", provider=provider, type="unit", credits=Fraction(3), level=level, tags=tags, subject=subject, number=number)


attrs_lists = st.lists(
    st.tuples(
        st.sampled_from([*SUBJECTS, None]),
        st.one_of(NUMBERS, st.none()),
        st.lists(st.sampled_from(TAGS), unique=True, max_size=2).map(tuple),
        st.sampled_from(["p", "q"]),
        st.one_of(st.none(), st.integers(1, 4)),
    ),
    min_size=8,
    max_size=40,
).map(lambda rows: tuple(_attrs(k, *row) for k, row in enumerate(rows)))

terms = st.one_of(
    st.builds(lambda s: {"subject": s}, st.sampled_from(SUBJECTS)),
    st.builds(lambda s: {"subject": s}, st.lists(st.sampled_from(SUBJECTS), min_size=1, unique=True)),
    st.builds(lambda t: {"tags": t}, st.sampled_from(TAGS)),
    st.builds(lambda t: {"tags": {"in": t}}, st.lists(st.sampled_from(TAGS), min_size=1, unique=True)),
    st.builds(lambda p: {"provider": p}, st.sampled_from(["p", "q"])),
    st.builds(lambda n: {"level": n}, st.integers(1, 4)),
    st.builds(lambda op, n: {"number": {op: n}}, st.sampled_from(["gte", "gt", "lte", "lt", "eq"]), NUMBERS),
    st.builds(lambda ns: {"number": {"in": ns}}, st.lists(NUMBERS, min_size=1, max_size=3)),
    st.builds(lambda g: {"id": {"glob": g}}, st.sampled_from(["p:CSCI*", "q:MATH1*", "p:*", "*", "p:ART?", "q:[CM]*"])),
    st.builds(lambda g: {"id": {"prefix": g}}, st.sampled_from(["p:C", "q:MATH", "p:ART1", ""])),
    st.builds(lambda i: {"id": i}, st.sampled_from(["p:CSCI1000", "q:MATH100", "p:X3", "p:ART0"])),
    st.builds(lambda t: {"tags": {"ne": t}}, st.sampled_from(TAGS)),
)


def _filters(depth: int = 2) -> st.SearchStrategy[dict[str, object]]:
    plain = st.lists(terms, min_size=0, max_size=3).map(lambda ts: {k: v for t in ts for k, v in t.items()})
    if depth == 0:
        return plain
    inner = _filters(depth - 1)
    return st.one_of(
        plain,
        st.builds(lambda f, alts: {**f, "any_of": alts}, plain, st.lists(inner.filter(bool), min_size=1, max_size=3)),
        st.builds(lambda f, n: {**f, "not": n}, plain, inner.filter(bool)),
    )


@settings(max_examples=300, deadline=None)
@given(items=attrs_lists, data=_filters())
def test_the_index_never_leaves_out_a_credential_a_filter_matches(items: tuple[Attrs, ...], data: dict[str, object]) -> None:
    def frozen(x: object) -> object:
        if isinstance(x, dict):
            return {k: frozen(v) for k, v in x.items()}
        return tuple(frozen(v) for v in x) if isinstance(x, list) else x

    f = parse_filter(frozen(data))
    index = AttrsIndex.of(items)
    m = Matcher(None)  # type: ignore[arg-type]  # no framework levels, grades or credits in these filters
    expected = [a for a in items if m.match(f, a)]
    candidates = index.candidates(f)
    assert [a for a in candidates if m.match(f, a)] == expected
    positions = list(index.positions(f))
    assert positions == sorted(set(positions))  # ascending, each once: candidates keep the catalogue's order


def test_the_index_narrows_a_filter_on_a_subject_or_a_number_range() -> None:
    items = tuple(_attrs(k, SUBJECTS[k % 3], 1000 + k, (), "p", None) for k in range(300))
    index = AttrsIndex.of(items)
    assert len(index.candidates(Filter((Term("subject", "eq", "MATH"),)))) == 100
    assert len(index.candidates(Filter((Term("number", "gte", 1250),)))) == 50
    assert len(index.candidates(Filter((Term("id", "glob", "p:ART10*"),)))) == len([a for a in items if a.id.startswith("p:ART10")])
    assert index.candidates(Filter((Term("title", "eq", "x"),))) == items  # not indexed: every entry is a candidate
    assert index.find("p:CSCI1000") == 0 and index.find("p:NONE") is None


def test_the_index_keeps_every_bound_of_a_number_range_and_every_id_a_pattern_matches() -> None:
    items = tuple(_attrs(k, SUBJECTS[k % 3], n, (), "p", None) for k, n in enumerate([100, 999, 1000, 1000, 1010, 3000, None, 4999]))
    index, m = AttrsIndex.of(items), Matcher(None)  # type: ignore[arg-type]
    for op in ("eq", "gte", "gt", "lte", "lt"):
        for bound in (0, 100, 999, 1000, 1005, 1010, 3000, 4999, 5000):
            f = Filter((Term("number", op, bound),))
            assert [a for a in index.candidates(f) if m.match(f, a)] == [a for a in items if m.match(f, a)], (op, bound)
    for pattern in ("p:CSCI1*", "p:*", "p:MATH999", "p:[AM]*", "p:ART?0??", "*1000"):
        f = Filter((Term("id", "glob", pattern),))
        assert [a for a in index.candidates(f) if m.match(f, a)] == [a for a in items if m.match(f, a)], pattern


def _towards_as_the_whole_graph_says(engine: stackrules.Engine, ids: list[tuple[str, str]], day: dt.date) -> int:
    """Compare `towards` (a graph built for the question: compile/graph.py, towards_graph) with the rows of the whole
    graph for each id; returns how many rows were compared."""
    from stackrules.compile.graph import counts_towards

    whole = engine._graph(day)
    rows = 0
    for kind, ident in ids:
        want = counts_towards(whole, ident, kind, day).to_json()  # type: ignore[arg-type]
        assert engine.counts_towards(ident, day).to_json() == want, (ident, day)
        rows += len(want["counts_towards"])
    return rows


def test_towards_answers_as_the_whole_graph_on_the_quick_institution(institution: Path) -> None:
    engine = stackrules.load(institution / "rules")
    day = dt.date(2026, 6, 30)
    credentials = sorted(engine.rules.credentials)
    # every course a sample of qualifications names, the college's (credit rules), and a spread of the rest
    sample = [c for c in credentials if c.startswith(("cc-north:", "cc-south:"))][:40] + credentials[::37]
    ids = [("credential", c) for c in sample] + [("qualification", q) for q in engine.qualifications()[::5]]
    assert _towards_as_the_whole_graph_says(engine, ids, day) > 100


def test_towards_answers_as_the_whole_graph_on_every_case_and_the_shipped_base(tmp_path: Path) -> None:
    from .test_audit_cases import BASE, _dump

    cases = sorted((ROOT / "tests" / "cases").glob("*.yaml"))
    compared = 0
    for k, case in enumerate(cases):
        spec = yaml.safe_load(case.read_text(encoding="utf-8"))
        if not spec.get("rules"):
            continue
        folder = tmp_path / f"case{k}"
        folder.mkdir()
        for name, doc in spec["rules"].items():
            (folder / name).write_text(_dump(doc), encoding="utf-8")
        engine = stackrules.load(BASE, folder)
        day = spec.get("as_of", dt.date(2026, 6, 30))
        ids = [("credential", c) for c in sorted(engine.rules.credentials)] + [("qualification", q) for q in sorted(engine.rules.qualifications)]
        compared += _towards_as_the_whole_graph_says(engine, ids, day)
    shipped = stackrules.load()
    for day in (dt.date(2021, 3, 1), dt.date(2024, 3, 1), dt.date(2026, 11, 28)):
        ids = [("credential", c) for c in sorted(shipped.rules.credentials)] + [("qualification", q) for q in sorted(shipped.rules.qualifications)]
        compared += _towards_as_the_whole_graph_says(shipped, ids, day)
    assert compared > 1000


def test_one_credentials_leaves_are_the_compiled_catalogues() -> None:
    """compile/target.py, catalogue_fits: the compiler's test for one credential gives each entry's leaves, and no
    leaves for a credential that is no entry (another provider's, superseded)."""
    from stackrules.compile.target import catalogue_fits

    engine = stackrules.load()
    day = dt.date(2026, 11, 28)
    checked = 0
    for q in engine.qualifications():
        v = engine.rules.version(q, day)
        if v is None:
            continue
        ct = engine.compiled(v, day)
        entries = {e.credential: e.leaves for e in ct.catalogue}
        for c in sorted(engine.rules.credentials):
            assert catalogue_fits(engine.rules, v, ct.top.leaves(), c) == entries.get(c), (q, c)
            checked += c in entries
    assert checked > 50


def _base_with(tmp_path: Path, docs: dict[str, str]) -> stackrules.Engine:
    from .test_audit_cases import BASE

    folder = tmp_path / "extra"
    folder.mkdir(parents=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return stackrules.load(BASE, folder)


def test_towards_follows_a_grant_into_a_nested_qualifications_node_whatever_the_ids(tmp_path: Path) -> None:
    """A source consumed only for one target (`related_field`) earns credit in that target's tree, a nested
    qualification's named node included, whichever id sorts first (an adversary found the row dropped for x:A in x:Z
    and kept when renamed x:Y in x:B: the grant was judged by the first tree by name)."""
    for inner, outer in (("x:A", "x:Z"), ("x:Y", "x:B")):
        engine = _base_with(
            tmp_path / outer.replace(":", "-"),
            {
                "x.yaml": "kind: catalog\nprovider: {id: x, name: X Uni}\ncredit_system: {id: x-cp, full_time_year: 48}\ncredentials:\n"
                "  - {id: 'x:U1', title: Unit one, credits: 6, tags: [core]}\n",
                "inner.yaml": f"kind: qualification\nid: '{inner}'\ntitle: Inner\nprovider: x\ncredits: 6\nfields: ['isced-f:0721']\ntags: [stack]\n"
                "requires: {all: [{id: core, title: Core of the inner award, credits: 6, where: {tags: core}}]}\n",
                "outer.yaml": f"kind: qualification\nid: '{outer}'\ntitle: Outer\nprovider: x\ncredits: 12\nfields: ['isced-f:0612']\ntags: [stack]\n"
                f"requires: {{all: [{{id: inner, qualification: '{inner}'}}, {{id: more, title: More, credits: 6}}]}}\n",
                "rule.yaml": "kind: credit_rule\nid: related\ntype: articulation\ntitle: Related diploma\ninto: {where: {tags: stack}}\n"
                "from: {count: 1, where: {provider: e, related_field: true}}\ngrant: ['x:U1']\n",
            },
        )
        day = dt.date(2026, 6, 30)
        rows = engine.counts_towards("e:DIP", day).to_json()["counts_towards"]
        assert {(r["node"], tuple(r["qualifications"])) for r in rows} == {(f"{inner}#core", tuple(sorted((inner, outer)))), (f"{outer}#more", (outer,))}, rows
        # as the audit counts it: the granted unit in the nested award's core, inside the outer award
        audit = engine.audit(stackrules.load_learner({"kind": "learner", "id": "d", "holdings": [{"credential": "e:DIP"}]}), outer, day).to_json()
        core = next(n for n in audit["nodes"] if n["id"] == f"{inner}#core")
        assert core["status"] == "met"


def test_towards_draws_no_direct_row_where_a_holding_could_not_count(tmp_path: Path) -> None:
    """A pool that reads a holding's grade takes neither a record into its credit nor another provider's credential
    without a credit rule, as the audit counts them (an adversary found both listed as counting directly)."""
    engine = _base_with(
        tmp_path,
        {
            "m.yaml": "kind: catalog\nprovider: {id: m, name: Music School}\ncredit_system: us-sch\ngrade_scale: {order: [F, D, C, B, A], pass: D}\n"
            "credentials:\n  - {id: 'm:THEORY', title: Theory, credits: 3, tags: [music]}\n"
            "  - {id: 'm:RECITAL', title: Recital (attended), type: record, tags: [music]}\n",
            "cert.yaml": "kind: qualification\nid: 'm:CERT'\ntitle: Music certificate\nprovider: m\ncredits: 6\nrequires:\n  all:\n"
            "    - {id: graded, title: Graded music credit, credits: 6, where: {tags: music, grade: {gte: B}}}\n",
            "q.yaml": "kind: qualification\nid: 't:GQ'\ntitle: Graded award\nprovider: t\ncredits: 6\n"
            "requires: {all: [{id: graded, title: Graded a-units, credits: 6, where: {tags: a, grade: {gte: C}}}]}\n",
        },
    )
    day = dt.date(2026, 6, 30)
    assert engine.counts_towards("m:RECITAL", day).rows == ()
    assert engine.counts_towards("e:U1", day).to_json()["counts_towards"] == []
    # the holdings that may pass the filter still do: the provider's own credential, said as a holding's
    held = engine.counts_towards("m:THEORY", day).to_json()["counts_towards"]
    assert [r["node"] for r in held] == ["m:CERT#graded"] and "a holding whose date, grade or term passes its filter" in engine.counts_towards(
        "m:THEORY", day
    ).text()
    assert (
        engine.audit(stackrules.load_learner({"kind": "learner", "id": "r", "holdings": [{"credential": "m:RECITAL", "grade": "A"}]}), "m:CERT", day).to_json()[
            "credits"
        ]["counted"]
        == "0"
    )
