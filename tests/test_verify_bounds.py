"""The work of verifying credentials is bounded (issue 14, docs/language.md sections 15 and 18).

Each test here fails without the bound it names: canonicalisation only for a
credential whose proof kind is supported and whose issuer is trusted; at most
``max_nested`` credentials of one CLR and ``max_credentials`` for one learner;
the decision's time limit counting verification, with what is left listed as
``time_limit``; duplicates verified once.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

import stackrules
import stackrules.engine as engine_module
from stackrules.credentials import MAX_CREDENTIALS, MAX_NESTED, Canonicaliser, IssuerTrust, Verifier
from stackrules.credentials import verify as verify_module
from stackrules.decide.verifiable import resolve, verifying
from stackrules.source.badges import default_verifier

from .test_verifiable import DAY, EUX_KEY, badge, learner

CLR_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def clr(nested: list[Any], issuer: str = EUX_KEY.issuer) -> dict[str, Any]:
    return {
        "@context": CLR_CONTEXT,
        "id": "urn:uuid:6a1f0c3e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "x"},
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "Transcript",
        "credentialSubject": {"id": "did:example:eva", "type": ["ClrSubject"], "verifiableCredential": nested},
    }


def unsigned(i: int) -> dict[str, Any]:
    """A distinct copy of an example badge with its proof taken off."""
    doc = copy.deepcopy(SIGNED)
    doc.pop("proof")
    doc["id"] = f"https://eux.example/badges/copy/{i}"
    return doc


SIGNED = badge(1)


@pytest.fixture
def no_canonicalising(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Canonicalisation fails the test if it runs (the calls are recorded)."""
    calls: list[str] = []

    def refuse(self: Canonicaliser, document: Any) -> str:
        calls.append(str(document.get("id") if isinstance(document, dict) else document))
        raise AssertionError("canonicalised")

    monkeypatch.setattr(Canonicaliser, "nquads", refuse)
    yield calls


@pytest.fixture
def fresh_engine(engine: stackrules.Engine) -> stackrules.Engine:
    """The shipped engine with nothing verified yet (its own result memo and verifier)."""
    return dataclasses.replace(engine, _verifier={}, _verified={})


def fresh() -> Verifier:
    return default_verifier()  # its canonical-form memo is empty


def eux_trust(engine: stackrules.Engine) -> tuple[IssuerTrust, ...]:
    return engine.rules.issuers


# --- (a) trust and proof kind before canonicalisation ------------------------------


def test_untrusted_issuer_is_refused_without_canonicalising(no_canonicalising: list[str]) -> None:
    results = fresh().verify(SIGNED, trust=(), as_of=DAY)
    assert [(r.reason, r.issuer) for r in results] == [("untrusted_issuer", EUX_KEY.issuer)]
    assert no_canonicalising == []


def test_unsigned_credential_is_refused_without_canonicalising(engine: stackrules.Engine, no_canonicalising: list[str]) -> None:
    results = fresh().verify(unsigned(0), trust=eux_trust(engine), as_of=DAY)
    assert [(r.reason, r.message) for r in results] == [("unsupported_proof", "the credential has no proof")]
    assert no_canonicalising == []


def test_unsafe_and_untrusted_is_untrusted_issuer(no_canonicalising: list[str]) -> None:
    # a property no context defines (safe mode would make it malformed) under an issuer nobody trusts: trust is asked first
    doc = dict(SIGNED, undefinedByAnyContext="x")
    assert fresh().verify(doc, trust=(), as_of=DAY)[0].reason == "untrusted_issuer"
    assert no_canonicalising == []


def test_unsafe_from_a_trusted_issuer_is_still_malformed(engine: stackrules.Engine) -> None:
    doc = dict(SIGNED, undefinedByAnyContext="x")
    result = fresh().verify(doc, trust=eux_trust(engine), as_of=DAY)[0]
    assert (result.reason, result.message) == ("malformed", "property `undefinedByAnyContext` is not defined by the credential's contexts")


def test_three_thousand_unsigned_copies_in_a_clr_cost_no_canonicalisation(engine: stackrules.Engine, no_canonicalising: list[str]) -> None:
    doc = clr([unsigned(i) for i in range(3000)])
    start = time.process_time()
    results = fresh().verify(doc, trust=eux_trust(engine), as_of=DAY, source="clr.json")
    assert time.process_time() - start < 5  # was about 25 s of CPU, canonicalising every copy
    assert no_canonicalising == []
    assert [r.reason for r in results[: MAX_NESTED + 1]] == ["unsupported_proof"] * (MAX_NESTED + 1)


# --- (b) at most MAX_NESTED credentials of one CLR, MAX_CREDENTIALS for one learner ---


def test_a_clr_is_verified_for_at_most_max_nested_credentials(engine: stackrules.Engine) -> None:
    n = MAX_NESTED + 50
    results = fresh().verify(clr([unsigned(i) for i in range(n)]), trust=eux_trust(engine), as_of=DAY, source="clr.json")
    assert len(results) == 1 + MAX_NESTED + 1  # the envelope, the credentials verified, one result for the rest
    last = results[-1]
    assert (last.source, last.outcome, last.reason, last.part_of) == (f"clr.json#verifiableCredential[{MAX_NESTED}-{n - 1}]", "refused", "too_many", "clr.json")
    assert f"at most {MAX_NESTED} of a CLR's credentials are verified, and this one holds {n}: these 50 were not verified" in last.message
    assert "send them as separate badge files" in last.message
    assert results[-2].source == f"clr.json#verifiableCredential[{MAX_NESTED - 1}]" and results[-2].reason == "unsupported_proof"


def test_one_credential_past_the_clr_bound_is_named_alone(engine: stackrules.Engine) -> None:
    verifier = dataclasses.replace(fresh(), max_nested=2)
    results = verifier.verify(clr([unsigned(i) for i in range(3)]), trust=eux_trust(engine), as_of=DAY, source="c")
    assert [(r.source, r.reason) for r in results][-1] == ("c#verifiableCredential[2]", "too_many")
    assert "this one was not verified" in results[-1].message


def test_credentials_past_the_learners_bound_are_listed_not_verified(engine: stackrules.Engine) -> None:
    verifier = dataclasses.replace(fresh(), max_credentials=3)
    who = learner(*({"verifiable": unsigned(i)} for i in range(5)))
    checked: list[str] = []
    real = verifier.verify

    def counting(given: Any, **kw: Any) -> Any:
        out = real(given, **kw)
        checked.extend(r.source for r in out if r.reason != "too_many")
        return out

    object.__setattr__(verifier, "verify", counting)
    _, report = resolve(engine.rules, engine._learner(who), verifying(engine.rules, verifier, DAY))
    assert [u.reason for u in report.unverified] == ["unsupported_proof"] * 3 + ["too_many"] * 2
    assert len(checked) == 3
    assert "at most 3 credentials are verified for one learner" in report.unverified[-1].message


def test_the_learners_bound_counts_credentials_inside_a_clr(engine: stackrules.Engine) -> None:
    verifier = dataclasses.replace(fresh(), max_credentials=4)
    who = learner({"verifiable": clr([unsigned(i) for i in range(5)])}, {"verifiable": unsigned(9)})
    _, report = resolve(engine.rules, engine._learner(who), verifying(engine.rules, verifier, DAY))
    rows = [(u.source.rpartition("(inline)")[2], u.reason) for u in report.unverified]
    assert rows == [
        ("", "unsupported_proof"),
        ("#verifiableCredential[0]", "unsupported_proof"),
        ("#verifiableCredential[1]", "unsupported_proof"),
        ("#verifiableCredential[2]", "unsupported_proof"),
        ("#verifiableCredential[3-4]", "too_many"),
        ("", "too_many"),
    ]


def test_the_default_bounds_are_documented() -> None:
    from .conftest import ROOT

    doc = (ROOT / "docs" / "credentials.md").read_text(encoding="utf-8")
    assert f"{MAX_NESTED} credentials of one CLR" in doc and f"{MAX_CREDENTIALS} credentials for one learner" in doc


# --- (c) the decision's time limit counts verification -------------------------------


class Clock:
    """``time.monotonic`` for the engine: each reading is ``step`` seconds after the last."""

    def __init__(self, step: float) -> None:
        self.ticks = itertools.count()
        self.step = step

    def monotonic(self) -> float:
        return next(self.ticks) * self.step


def test_credentials_left_when_the_time_is_up_are_listed(fresh_engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "time", Clock(1.0))  # every credential takes a second
    who = learner(*({"verifiable": unsigned(i)} for i in range(6)))
    decision = fresh_engine.audit(who, "exu:GCDS", DAY, time_limit=3.5)
    reasons = [u["reason"] for u in decision.to_json()["unverified"]]
    assert len(reasons) == 6  # none dropped
    assert reasons == ["unsupported_proof"] * 3 + ["time_limit"] * 3
    assert "run again with a longer --time-limit" in decision.to_json()["unverified"][-1]["message"]
    assert "time limit" in decision.text()


def test_the_rest_of_a_clr_past_the_time_limit_is_one_result(engine: stackrules.Engine) -> None:
    asked = itertools.count()
    results = fresh().verify(clr([unsigned(i) for i in range(10)]), trust=eux_trust(engine), as_of=DAY, source="c", stop=lambda: next(asked) >= 5)
    assert [(r.source, r.reason) for r in results][-1] == ("c#verifiableCredential[2-9]", "time_limit")
    assert len(results) == 4


def test_the_decision_gets_what_verification_left_of_the_time_limit(fresh_engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    given: list[float] = []
    real = engine_module.audit_decision

    def spy(ctx: Any, who: Any, target: str, as_of: dt.date, look_ahead: bool, time_limit: float, *rest: Any) -> Any:
        given.append(time_limit)
        return real(ctx, who, target, as_of, look_ahead, time_limit, *rest)

    monkeypatch.setattr(engine_module, "audit_decision", spy)
    monkeypatch.setattr(engine_module, "time", Clock(1.0))
    fresh_engine.audit(learner({"verifiable": unsigned(0)}, {"verifiable": unsigned(1)}), "exu:GCDS", DAY, time_limit=10)
    # readings: the start, one per credential before it is verified, then the decision's share: 10 - 3 seconds
    assert given == [7.0]


def test_results_cut_short_by_the_time_limit_are_not_remembered(fresh_engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    who = learner(*({"verifiable": unsigned(i)} for i in range(3)))
    monkeypatch.setattr(engine_module, "time", Clock(1.0))
    first = [u["reason"] for u in fresh_engine.audit(who, "exu:GCDS", DAY, time_limit=1.5).to_json()["unverified"]]
    monkeypatch.setattr(engine_module, "time", time)
    again = [u["reason"] for u in fresh_engine.audit(who, "exu:GCDS", DAY).to_json()["unverified"]]
    assert "time_limit" in first and again == ["unsupported_proof"] * 3


# --- duplicates ----------------------------------------------------------------------


def test_identical_credentials_are_verified_once(engine: stackrules.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[str] = []
    real = verify_module._Run.check

    def counting(self: Any, decoded: Any, facts: Any, source: str, *a: Any, **kw: Any) -> Any:
        checks.append(source)
        return real(self, decoded, facts, source, *a, **kw)

    monkeypatch.setattr(verify_module._Run, "check", counting)
    results = fresh().verify(clr([SIGNED] * 50), trust=eux_trust(engine), as_of=DAY, identities=("did:example:eva",), source="c")
    assert checks == ["c", "c#verifiableCredential[0]"]
    assert [r.source for r in results[1:]] == [f"c#verifiableCredential[{i}]" for i in range(50)]
    assert all(r.earns and r.part_of == "c" and r.credential == "eux:DS-MC1" for r in results[1:])


def test_the_time_limit_stops_canonicalisation_midway_and_nothing_is_remembered(engine: stackrules.Engine) -> None:
    altered = dict(SIGNED, id="https://eux.example/badges/altered")  # canonicalised (trusted issuer, supported proof), then refused
    asked = itertools.count()
    verifier = fresh()
    cut = verifier.verify(altered, trust=eux_trust(engine), as_of=DAY, stop=lambda: next(asked) >= 2)
    assert [(r.reason, r.issuer) for r in cut] == [("time_limit", EUX_KEY.issuer)]
    assert next(asked) < 10  # asked again at the first steps of expansion, not after the whole canonical form
    assert verifier.verify(altered, trust=eux_trust(engine), as_of=DAY)[0].reason == "signature"


def test_verify_command_refuses_a_time_limit_of_zero() -> None:
    from .test_verifiable import EVA, run

    code, _, err = run("verify", str(EVA.parent / "badges" / "eva" / "ds-mc1.json"), "--time-limit", "0")
    assert code == 3 and "SR5002" in err and "--time-limit" in err
