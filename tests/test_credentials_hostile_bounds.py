"""Bounds a hostile learner file meets: the bytes of its badge files, dates past the calendar."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import stackrules
from stackrules.errors import LearnerError
from stackrules.source import badges, learners

from .test_credentials_attacks import VERIFIER, spec_vector
from .vc_support import AS_OF, conformance_trust


def _learner(folder: Path, paths: list[str]) -> Path:
    holdings = "".join(f"  - verifiable: {json.dumps(p)}\n" for p in paths)
    (folder / "l.yaml").write_text("kind: learner\nid: L-1\nholdings:\n" + holdings)
    return folder / "l.yaml"


def test_one_badge_file_named_many_times_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "b.json").write_text(json.dumps(spec_vector()))
    reads: list[str] = []
    real = badges.read_badge

    def counting(path: object, max_bytes: int = 4 << 20) -> bytes:
        reads.append(str(path))
        return real(path, max_bytes)  # type: ignore[arg-type]

    monkeypatch.setattr(badges, "read_badge", counting)
    learner = stackrules.load_learner(_learner(tmp_path, ["b.json", "./b.json", "b.json"]))
    assert len(reads) == 1
    assert learner.badges[0] is learner.badges[1] is learner.badges[2]


def test_badge_files_past_the_learners_byte_bound_are_sr6005_at_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learners, "MAX_BADGE_BYTES", 10_000)
    for i in range(4):
        (tmp_path / f"b{i}.json").write_text(" " * 4000 + "{}")
    with pytest.raises(LearnerError) as err:
        stackrules.load_learner(_learner(tmp_path, ["b0.json", "b1.json", "b0.json", "b2.json", "b3.json"]))
    (d,) = err.value.diagnostics
    assert (d.code, d.line) == ("SR6005", 7)
    assert "10000 bytes" in d.message and "b2.json" in d.message


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_a_date_past_the_calendar_in_utc_is_malformed_and_named(when: str) -> None:
    doc = spec_vector()
    doc["validFrom"] = when
    result = VERIFIER.verify(doc, trust=conformance_trust(), as_of=AS_OF)[0]
    assert result.reason == "malformed" and "`validFrom`" in result.message and "out of range" in result.message
    assert dt.date(2026, 11, 29) == AS_OF


def test_many_values_of_one_property_are_refused_before_a_quadratic_conversion() -> None:
    import time

    from stackrules.credentials import sign

    from .test_credentials_attacks import EDU
    from .vc_support import conformance_keypair

    doc = spec_vector()
    doc["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    keys = conformance_keypair()
    signed = sign(VERIFIER.canon, doc, keys, f"{EDU}#{keys.public}", dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    for tags in ([f"t{i}" for i in range(19_000)], None):
        hostile = json.loads(json.dumps(signed))
        if tags is None:  # the same node (one id) given many times: its values add up
            hostile["credentialSubject"]["achievement"]["related"] = [
                {"id": "urn:x", "type": ["Related"], "tag": [f"t{i}-{j}" for j in range(100)]} for i in range(150)
            ]
        else:
            hostile["credentialSubject"]["achievement"]["tag"] = tags
        started = time.process_time()
        result = VERIFIER.verify(hostile, trust=conformance_trust(), as_of=AS_OF)[0]
        assert result.reason == "malformed" and "comparisons" in result.message, result.message
        assert time.process_time() - started < 1.0
