"""What a newcomer found on 2026-11-30 in the real programmes' outputs, each checked on a shipped learner."""

from __future__ import annotations

from pathlib import Path

import yaml

import stackrules
from stackrules.render.text import render_text

from .conftest import AS_OF, ROOT


def _ana_without_concerts(tmp_path: Path) -> stackrules.Learner:
    doc = yaml.safe_load((ROOT / "examples/real/bm-performance-ana.yaml").read_text(encoding="utf-8"))
    doc["holdings"] = [h for h in doc["holdings"] if h["credential"] != "evu:MUSC098"]
    path = tmp_path / "ana.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return stackrules.load_learner(path)


def _sign_off_base(tmp_path: Path, approvers: str) -> stackrules.Engine:
    """A music school whose degree needs Theory and a department audition (a sign-off), with these approvers."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "catalog.yaml").write_text(
        "kind: catalog\nprovider: {id: mus, name: M}\ncredit_system: {id: mus-sch, name: sh, full_time_year: 30}\n"
        'credentials:\n  - {id: "mus:T1", title: Theory, credits: 3}\n',
        encoding="utf-8",
    )
    (rules / "bm.yaml").write_text(
        'kind: qualification\nid: "mus:BM"\ntitle: BM\nprovider: mus\n'
        'requires:\n  all:\n    - "mus:T1"\n    - {id: audition, approval: "department audition"}\n',
        encoding="utf-8",
    )
    (rules / "approvers.yaml").write_text("kind: approvers\nprovider: mus\napprovers:\n" + approvers, encoding="utf-8")
    return stackrules.load(rules, cache=None)


def test_explore_says_what_records_a_target_still_needs(tmp_path: Path, engine: stackrules.Engine) -> None:
    """Ana without her concert records: explore said "0 us-sch to go: concert-experience 0"."""
    text = render_text(engine.explore(_ana_without_concerts(tmp_path), AS_OF).record)
    row = next(line for line in text.splitlines() if "evu:BM-PERF" in line)
    assert "0 us-sch and 4 records to go: concert-experience 4 records" in row, row


def test_a_plan_says_records_in_their_own_words(tmp_path: Path, engine: stackrules.Engine) -> None:
    """A plan of records printed "term 1, 0 us-sch: evu:MUSC098" and "(0 us-sch, term 1)"."""
    text = render_text(engine.plan(_ana_without_concerts(tmp_path), "evu:BM-PERF", AS_OF).record)
    assert "term 1, 1 record: evu:MUSC098" in text, text
    assert "(a record, term 1)" in text and "0 us-sch and 4 records (no credit)" in text, text
    assert "would fit in 0 terms" not in text and "(records, which carry no credit)" in text, text
    ben = render_text(engine.plan(stackrules.load_learner(ROOT / "examples/real/bm-performance-ben.yaml"), "evu:BM-PERF", AS_OF).record)
    assert "term 1, 4 us-sch and 1 record: " in ben, ben


def test_a_repeat_not_counted_says_which_holding_and_when_its_term_already_counts(tmp_path: Path, engine: stackrules.Engine) -> None:
    """Two ensembles in one term of a "distinct terms" pool: the second was "not needed: the requirements it could fill
    are complete", beside the pool "not met"; and a leftover repeat was not told apart from the others held."""
    doc = yaml.safe_load((ROOT / "examples/real/bm-performance-ana.yaml").read_text(encoding="utf-8"))
    doc["holdings"].append({"credential": "evu:MORG101", "awarded": "2025-05-02"})  # a second one in 2025-SP
    path = tmp_path / "ana.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    d = engine.audit(stackrules.load_learner(path), "evu:BM-PERF", AS_OF).to_json()
    extra = [u for u in d["unused"] if u["holding"].startswith("evu:MORG101")]  # type: ignore[union-attr, index]
    assert extra and all(u["cause"] == "not_needed" for u in extra), extra  # type: ignore[index]
    said = " | ".join(str(u["reason"]) for u in extra)  # type: ignore[index]
    assert "already counts in `ensembles`, whose limit counts distinct terms" in said and "(the holding awarded 2025-05-02)" in said, said


def test_a_pending_sign_off_says_whose_it_awaits(tmp_path: Path) -> None:
    """ "pending approval: department audition" named no one, though the provider lists who may approve."""
    engine = _sign_off_base(tmp_path, "  - {id: head-music, name: Head of Music, may: [approve]}\n  - {id: clerk, name: Clerk, may: [waive]}\n")
    learner = stackrules.load_learner({"id": "L", "holdings": [{"credential": "mus:T1"}]})
    text = render_text(engine.audit(learner, "mus:BM", AS_OF).record)
    assert "(pending approval: department audition, from Head of Music (head-music))" in text, text
    assert "waiting for approval: department audition, from Head of Music (head-music)" in text and "Clerk" not in text, text


def test_a_count_pool_says_in_counts_what_another_node_already_names(engine: stackrules.Engine) -> None:
    """Aisyah: "3 more credentials (...), 4 nus-mc of them already named under foundation" mixed a count and credit."""
    aisyah = stackrules.load_learner(ROOT / "examples/real/bcomp-cs-aisyah.yaml")
    text = render_text(engine.audit(aisyah, "nus:BCOMP-CS", AS_OF).record)
    line = next(x for x in text.splitlines() if x.strip().startswith("algorithms-theory (8 nus-mc):"))
    assert "3 more credentials (tagged focus-algorithms-primary), 1 of them already named under foundation (nus:CS3230)" in line, line
    assert "nus-mc of them" not in text, text


def test_progress_counts_what_waits_on_study_in_progress_apart(tmp_path: Path, engine: stackrules.Engine) -> None:
    """Ben with this term's study in progress, with look-ahead: "2 of 4 requirements met" counted the two [~]."""
    doc = yaml.safe_load((ROOT / "examples/real/bm-performance-ben.yaml").read_text(encoding="utf-8"))
    for c in ("evu:MORG102", "evu:MUSC098", "evu:MUAP150", "evu:MUAP150"):
        doc["holdings"].append({"credential": c, "term": "2026-FA", "status": "in_progress"})
    path = tmp_path / "ben.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    text = render_text(engine.audit(stackrules.load_learner(path), "evu:BM-PERF", AS_OF, look_ahead=True).record)
    assert "Progress: 0 of 4 requirements met, 2 more once in-progress or planned study is passed" in text, text
    # a node met by planned study (not only in progress) reads the same: "in-progress study" alone was untrue for it
    assert "(met once in-progress or planned study is passed, 4 of 4 us-sch)" in text, text
    # a limit reached only with the study in progress is marked as its node is: [~], and `met_pending` in JSON
    assert "[~] ensemble-semesters in ensembles: 4, at least 4" in text, text
    limits = engine.audit(stackrules.load_learner(path), "evu:BM-PERF", AS_OF, look_ahead=True).to_json()["limits"]
    assert [lim.get("met_pending") for lim in limits] == [True, True], limits  # type: ignore[union-attr]
    plain = engine.audit(stackrules.load_learner(ROOT / "examples/real/bm-performance-ben.yaml"), "evu:BM-PERF", AS_OF, look_ahead=True)
    assert all("met_pending" not in lim for lim in plain.to_json()["limits"])  # type: ignore[union-attr, operator]


def _waived_by_clerk(engine: stackrules.Engine, node: str) -> dict[str, object]:
    """The audit of a learner with Theory whose `node` a clerk (who may only waive) waived."""
    learner = stackrules.load_learner(
        {
            "id": "L",
            "holdings": [{"credential": "mus:T1"}],
            "exceptions": [{"type": "waive", "node": node, "reason": "x", "approved_by": "clerk", "date": "2026-01-01"}],
        }
    )
    return engine.audit(learner, "mus:BM", AS_OF).to_json()


def test_a_sign_off_cannot_be_waived(tmp_path: Path) -> None:
    """An approver who may only waive waived an `approval` node, which signed it off (found by an adversary)."""
    engine = _sign_off_base(tmp_path, "  - {id: clerk, name: Clerk, may: [waive]}\n")
    d = _waived_by_clerk(engine, "mus:BM#audition")
    assert d["status"] == "not_met", d["status"]
    refused = d["exceptions_refused"]
    assert len(refused) == 1 and refused[0]["reason"] == "type_not_permitted" and "met only by an `approve` exception" in refused[0]["detail"], refused  # type: ignore[index, arg-type]


def test_a_pool_only_one_credential_fits_is_said_by_its_name(engine: stackrules.Engine) -> None:
    """Ben: "1 more record (subject MUSC, number 98)" told a student a filter, not the concert record to attend."""
    ben = stackrules.load_learner(ROOT / "examples/real/bm-performance-ben.yaml")
    text = render_text(engine.audit(ben, "evu:BM-PERF", AS_OF).record)
    assert "1 more record (subject MUSC, number 98): evu:MUSC098 Concert Experience" in text, text
    assert "1 us-sch more (subject MORG); " in text, text  # several ensembles fit: none is named


def test_a_requirement_holding_a_sign_off_cannot_be_waived_whole(tmp_path: Path) -> None:
    """A reviewer's case: waiving the group around the audition made the target MET while it still showed [?]."""
    rules = tmp_path / "rules"
    _sign_off_base(tmp_path, "  - {id: clerk, name: Clerk, may: [waive]}\n")
    (rules / "bm.yaml").write_text(
        'kind: qualification\nid: "mus:BM"\ntitle: BM\nprovider: mus\nrequires:\n  all:\n    - "mus:T1"\n'
        '    - {id: auditions, all: [{id: audition, approval: "department audition"}]}\n',
        encoding="utf-8",
    )
    engine = stackrules.load(rules, cache=None)
    d = _waived_by_clerk(engine, "mus:BM#auditions")
    assert d["status"] == "not_met", d["status"]
    assert "holds the sign-off `audition`" in d["exceptions_refused"][0]["detail"]  # type: ignore[index]


def test_a_waived_sign_off_dated_later_is_refused_first_for_its_type(tmp_path: Path) -> None:
    """Section 18's order puts `type_not_permitted` before `dated_after_as_of` (a reviewer's finding)."""
    engine = _sign_off_base(tmp_path, "  - {id: clerk, name: Clerk, may: [waive]}\n")
    learner = stackrules.load_learner(
        {"id": "L", "exceptions": [{"type": "waive", "node": "mus:BM#audition", "reason": "x", "approved_by": "clerk", "date": "2030-01-01"}]}
    )
    refused = engine.audit(learner, "mus:BM", AS_OF).to_json()["exceptions_refused"]
    assert [r["reason"] for r in refused] == ["type_not_permitted"], refused  # type: ignore[index, union-attr]
