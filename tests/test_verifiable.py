"""Verifiable holdings end to end (docs/language.md section 15): issuer documents, learners, decisions, the CLI."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
import os
import pickle
import re
import socket
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

import stackrules
from stackrules.cli import main
from stackrules.credentials import sign
from stackrules.credentials.multibase import b64url_encode
from stackrules.errors import LearnerError, RuleBaseError
from stackrules.language.schema import json_schema
from stackrules.source.badges import default_verifier, new_signing_key, read_signing_key
from stackrules.source.files import shipped_paths
from stackrules.source.yamlreader import read_yaml

from .conftest import ROOT

EX = ROOT / "examples" / "learners"
EVA = EX / "eva-badges.yaml"
DAY = dt.date(2026, 11, 29)
KEYS = ROOT / "examples" / "keys"
VERIFIER = default_verifier()
EUX_KEY = read_signing_key(KEYS / "eux-badges.EXAMPLE-ONLY.key.json")
OFFICE_KEY = KEYS / "exu-credit-office.EXAMPLE-ONLY.key.json"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def without_credentials(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without what the badges add: the credential sections, and a plan's word on what it adds for which the
    learner gave a badge that did not verify (its steps then say "the learner's badge for it ...")."""
    out = {k: v for k, v in doc.items() if k not in ("unverified", "added_unverified")}
    out["provenance"] = {k: v for k, v in doc["provenance"].items() if k != "credentials"}
    if "steps" in out:
        out["steps"] = [
            {**s, "why": re.sub(r"the learner's badge for it \([^)]*\) did not verify \([a-z _]*\): a valid one would count instead; ", "", s["why"])}
            for s in out["steps"]
        ]
    return out


def badge(n: int, *, subject: str = "did:example:eva", grade: str = "B", awarded: str = "2025-06-30", **extra: Any) -> dict[str, Any]:
    """A signed example badge for eux:DS-MC<n>, made with the example key (as examples/learners/badges/make_badges.py does)."""
    doc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": f"https://eux.example/badges/test/{n}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": EUX_KEY.issuer, "type": ["Profile"], "name": "Universitas Exemplaris (example)"},
        "validFrom": f"{awarded}T12:00:00Z",
        "awardedDate": f"{awarded}T12:00:00Z",
        "name": f"DS-MC{n}",
        "credentialSubject": {
            "id": subject,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://eux.example/achievements/ds-mc{n}",
                "type": ["Achievement"],
                "name": f"DS-MC{n}",
                "description": "test",
                "criteria": {"narrative": "test"},
            },
            "result": [{"type": ["Result"], "value": grade}],
        },
        **extra,
    }
    return sign(VERIFIER.canon, doc, EUX_KEY.keys, EUX_KEY.key_id, dt.datetime(2025, 6, 30, tzinfo=dt.UTC))


def learner(*holdings: Any, identities: tuple[str, ...] = ("did:example:eva",), lid: str = "L-0010") -> stackrules.Learner:
    return stackrules.load_learner({"kind": "learner", "id": lid, "identities": list(identities), "holdings": list(holdings)})


# --- the shipped example --------------------------------------------------------------


def test_shipped_rule_base_trusts_the_example_badge_issuer(engine: stackrules.Engine) -> None:
    (entry,) = engine.rules.issuers
    assert entry.entry == "issuer:eux-badges" and entry.provider == "eux"
    assert entry.achievements["https://eux.example/achievements/ds-mc1"] == "eux:DS-MC1"


def test_eva_badges_audit_counts_two_badges_and_refuses_two_with_reasons(engine: stackrules.Engine) -> None:
    d = engine.audit(stackrules.load_learner(EVA), "exu:GCDS", DAY)
    doc = d.to_json()
    assert [(u["source"], u["reason"]) for u in doc["unverified"]] == [("badges/eva/ds-mc3.jwt", "expired"), ("badges/eva/ds-mc4.svg", "signature")]
    verified = doc["provenance"]["credentials"]
    assert [(v["holding"], v["source"], v["grade"], v["proof"]) for v in verified] == [
        ("eux:DS-MC1", "badges/eva/ds-mc1.json", "B", "eddsa-rdfc-2022"),
        ("eux:DS-MC2", "badges/eva/ds-mc2.png", "A", "eddsa-rdfc-2022"),
    ]
    assert verified[0]["issuer"] == "https://eux.example/issuers/badges" and verified[0]["id"] == "https://eux.example/badges/eva/ds-mc1"
    assert doc["credit"][0]["sources"] == ["eux:DS-MC1", "eux:DS-MC2"]
    text = d.text()
    assert "Verified credentials\n  eux:DS-MC1: badges/eva/ds-mc1.json, awarded 2025-06-30, grade B" in text
    assert "badges/eva/ds-mc3.jwt (eux:DS-MC3) from https://eux.example/issuers/badges: expired (valid until 2026-06-30, before 2026-11-29)" in text
    assert "badges/eva/ds-mc4.svg (eux:DS-MC4) from https://eux.example/issuers/badges: signature does not verify (" in text
    assert text.rstrip("\n").split("\n")[-1].startswith("stackrules ")  # the footer stays last
    if "\nMarks: " in text:  # the legend of marks stays just before the footer
        assert text.index("\nMarks: ") > text.index("Unverified credentials")


@pytest.mark.parametrize("command", ["audit", "assess", "plan"])
def test_verified_badges_decide_as_the_same_holdings_written_plainly(engine: stackrules.Engine, command: str) -> None:
    badges = stackrules.load_learner(EVA)
    plain = learner(
        {"credential": "eux:DS-MC1", "awarded": "2025-06-30", "grade": "B"},
        {"credential": "eux:DS-MC2", "awarded": "2025-06-30", "grade": "A"},
    )
    decide = getattr(engine, command)
    with_badges, by_hand = decide(badges, "exu:GCDS", DAY), decide(plain, "exu:GCDS", DAY)
    assert by_hand.credentials is None and "unverified" not in by_hand.to_json()
    assert without_credentials(with_badges.to_json()) == by_hand.to_json()


def test_explore_lists_unverified_too(engine: stackrules.Engine) -> None:
    doc = engine.explore(stackrules.load_learner(EVA), DAY, plans=False).to_json()
    assert [u["reason"] for u in doc["unverified"]] == ["expired", "signature"]


def test_learner_without_verifiable_holdings_decides_the_same_bytes(engine: stackrules.Engine) -> None:
    d = engine.audit(stackrules.load_learner(EX / "eva.yaml"), "exu:GCDS", DAY)
    assert d.credentials is None and "unverified" not in d.dumps() and "Unverified" not in d.text()


# --- learners --------------------------------------------------------------------------


def test_inline_credential_and_inline_jwt_verify(engine: stackrules.Engine) -> None:
    jwt_text = (EX / "badges" / "eva" / "ds-mc3.jwt").read_text().strip()
    d = engine.audit(learner({"verifiable": badge(1)}, {"verifiable": jwt_text}), "exu:GCDS", dt.date(2026, 3, 1))
    doc = d.to_json()
    assert [v["holding"] for v in doc["provenance"]["credentials"]] == ["eux:DS-MC1", "eux:DS-MC3"]
    assert doc["unverified"] == []
    assert doc["provenance"]["credentials"][1]["proof"] == "VC-JWT EdDSA"


def test_subject_must_be_one_of_the_identities(engine: stackrules.Engine) -> None:
    d = engine.audit(learner({"verifiable": badge(1, subject="did:example:someone-else")}), "exu:GCDS", DAY)
    assert [u["reason"] for u in d.to_json()["unverified"]] == ["subject_mismatch"]
    anyone = engine.audit(learner({"verifiable": badge(1, subject="did:example:someone-else")}, identities=()), "exu:GCDS", DAY)
    assert anyone.to_json()["unverified"] == []


def test_hostile_inline_credentials_are_unverified_never_an_error(engine: stackrules.Engine) -> None:
    tampered = badge(2)
    tampered["credentialSubject"]["result"][0]["value"] = "A"
    deep: Any = {"x": 1}
    for _ in range(200):
        deep = {"@context": "https://www.w3.org/ns/credentials/v2", "nested": deep}
    cases = {
        "tampered": tampered,
        "expired": badge(3, validUntil="2026-01-01T00:00:00Z"),
        "untrusted": {**badge(1), "issuer": {"id": "https://forger.example/", "type": ["Profile"]}},
        "huge": {"@context": ["https://www.w3.org/ns/credentials/v2"], "pad": "x" * (5 << 20)},
        "deep": deep,
        "wrong types": {"@context": 5, "type": {"a": 1}, "credentialSubject": [1, 2]},
        "jwt none": "eyJhbGciOiJub25lIn0.eyJ2YyI6e319.",
        "not a credential": "{ not json",
    }
    d = engine.audit(learner(*({"verifiable": c} for c in cases.values())), "exu:GCDS", DAY)
    reasons = [u["reason"] for u in d.to_json()["unverified"]]
    assert reasons == ["signature", "expired", "untrusted_issuer", "malformed", "malformed", "malformed", "malformed", "malformed"]
    assert d.to_json()["provenance"]["credentials"] == []
    assert d.status == "not_met"


def test_wrong_shape_of_a_verifiable_holding_is_a_positioned_diagnostic(write: Any) -> None:
    folder = write({"l.yaml": "kind: learner\nid: L-1\nholdings:\n  - {verifiable: 5}\n  - {verifiable: a.json, grade: A}\n"})
    with pytest.raises(LearnerError) as err:
        stackrules.load_learner(folder / "l.yaml")
    assert [(d.code, d.line, d.column) for d in err.value.diagnostics] == [("SR2003", 4, 18), ("SR2001", 5, 26)]


def test_plain_holdings_keep_their_positions_beside_verifiable_ones(engine: stackrules.Engine, write: Any) -> None:
    folder = write(
        {
            "badges/one.json": json.dumps(badge(1)),
            "l.yaml": "kind: learner\nid: L-1\nholdings:\n  - verifiable: badges/one.json\n  - {credential: eux:DS-MC9}\n",
        }
    )
    with pytest.raises(LearnerError) as err:
        engine.audit(stackrules.load_learner(folder / "l.yaml"), "exu:GCDS", DAY)
    assert [(d.code, d.line, d.column) for d in err.value.diagnostics] == [("SR3014", 5, 18)]


def test_top_level_verifiable_key_is_refused(write: Any) -> None:
    folder = write({"l.yaml": "kind: learner\nid: L-1\nverifiable: [{verifiable: a.json}]\n"})
    with pytest.raises(LearnerError) as err:
        stackrules.load_learner(folder / "l.yaml")
    assert [(d.code, d.line, d.column) for d in err.value.diagnostics] == [("SR2001", 3, 1)]


def test_missing_badge_file_is_sr6005_at_its_line(write: Any) -> None:
    folder = write({"l.yaml": "kind: learner\nid: L-1\nholdings:\n  - {credential: eux:DS-MC1}\n  - verifiable: badges/nope.json\n"})
    with pytest.raises(LearnerError) as err:
        stackrules.load_learner(folder / "l.yaml")
    (d,) = err.value.diagnostics
    assert (d.code, d.line, d.column) == ("SR6005", 5, 17) and "badges/nope.json" in d.message and str(folder) not in d.message


def test_a_learner_given_as_data_reads_no_files(engine: stackrules.Engine) -> None:
    with pytest.raises(LearnerError) as err:
        engine.audit(learner({"verifiable": "/etc/passwd"}), "exu:GCDS", DAY)
    assert [d.code for d in err.value.diagnostics] == ["SR6007"]


def test_fifo_badge_file_is_refused_without_blocking(write: Any) -> None:
    folder = write({"l.yaml": "kind: learner\nid: L-1\nholdings:\n  - verifiable: pipe.json\n"})
    os.mkfifo(folder / "pipe.json")
    with pytest.raises(LearnerError) as err:
        stackrules.load_learner(folder / "l.yaml")
    assert [d.code for d in err.value.diagnostics] == ["SR6005"] and "not a regular file" in err.value.diagnostics[0].message


def test_learner_schema_accepts_verifiable_holdings() -> None:
    data, _, diags = read_yaml(EVA.read_bytes(), "eva-badges.yaml")
    assert not diags
    jsonschema.validate(json.loads(json.dumps(data)), json_schema("learner"))
    issuer, _, _ = read_yaml((ROOT / "rules" / "euro-university" / "issuer-badges.yaml").read_bytes(), "i.yaml")
    jsonschema.validate(json.loads(json.dumps(issuer)), json_schema("issuer"))


def test_verifying_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    engine = stackrules.load()  # a fresh verifier: nothing memoised
    doc = engine.audit(stackrules.load_learner(EVA), "exu:GCDS", DAY).to_json()
    assert len(doc["provenance"]["credentials"]) == 2


def test_engine_pickles_after_verifying(engine: stackrules.Engine) -> None:
    engine.audit(stackrules.load_learner(EVA), "exu:GCDS", DAY)
    again = pickle.loads(pickle.dumps(engine))
    assert [u["reason"] for u in again.audit(stackrules.load_learner(EVA), "exu:GCDS", DAY).to_json()["unverified"]] == ["expired", "signature"]


# --- issuer documents with status lists ----------------------------------------------------


def status_list(key: Any, url: str, revoked: tuple[int, ...]) -> bytes:
    bits = bytearray(16384)
    for i in revoked:
        bits[i // 8] |= 0x80 >> (i % 8)
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": key.issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "u" + b64url_encode(gzip.compress(bytes(bits))),
        },
    }
    return json.dumps(sign(VERIFIER.canon, doc, key.keys, key.key_id, dt.datetime(2024, 1, 1, tzinfo=dt.UTC))).encode()


def test_revoked_badge_from_a_second_issuer_with_a_status_list(write: Any) -> None:
    other = new_signing_key("https://badges.other.example/issuer", "Other badges")
    url = "https://badges.other.example/status/1"
    issuer = other.issuer_document("issuer:other", "eux") + (
        f'status_lists: {{"{url}": status/list-1.json}}\nachievements:\n  - {{achievement: "https://other.example/a/1", credential: "eux:DS-MC1"}}\n'
    )
    folder = write({"issuer.yaml": issuer})
    (folder / "status").mkdir()
    (folder / "status" / "list-1.json").write_bytes(status_list(other, url, revoked=(3,)))
    engine = stackrules.load(*shipped_paths(), folder / "issuer.yaml")

    def other_badge(index: int) -> dict[str, Any]:
        doc = copy.deepcopy(badge(1))
        del doc["proof"]
        doc["issuer"] = {"id": other.issuer, "type": ["Profile"]}
        doc["credentialSubject"]["achievement"]["id"] = "https://other.example/a/1"
        doc["credentialStatus"] = {
            "id": f"{url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": url,
        }
        return sign(VERIFIER.canon, doc, other.keys, other.key_id, dt.datetime(2025, 6, 30, tzinfo=dt.UTC))

    doc = engine.audit(learner({"verifiable": other_badge(3)}, {"verifiable": other_badge(4)}), "exu:GCDS", DAY).to_json()
    assert [u["reason"] for u in doc["unverified"]] == ["revoked"]
    assert [v["trust_entry"] for v in doc["provenance"]["credentials"]] == ["issuer:other"]
    # a status list is a file the rule base's digest covers: a revocation changes the digest
    (folder / "status" / "list-1.json").write_bytes(status_list(other, url, revoked=(3, 4)))
    changed = stackrules.load(*shipped_paths(), folder / "issuer.yaml")
    assert changed.digest != engine.digest


def test_issuer_document_problems_are_reported(write: Any) -> None:
    folder = write(
        {
            "issuer.yaml": (
                "kind: issuer\nid: issuer:x\nprovider: nosuch\nids: [https://x.example/]\n"
                'keys:\n  - {id: "https://x.example/#k", jwk: {kty: RSA, n: AQAB, e: AQAB}}\n'
                "  - {id: https://x.example/#k2}\n"
                "achievements:\n  - {achievement: a, credential: eux:NOPE}\n"
                "status_lists: {https://x.example/s: bad.json}\n"
            ),
            "bad.json": '{"credentialSubject": {"type": "BitstringStatusList", "encodedList": "uAAAA"}}',
        }
    )
    with pytest.raises(RuleBaseError) as err:
        stackrules.load(*shipped_paths(), folder / "issuer.yaml")
    found = [(d.code, d.line) for d in err.value.diagnostics]
    assert found == [("SR3002", 3), ("SR6001", 6), ("SR6001", 7), ("SR3001", 9), ("SR6002", 10)], [d.render() for d in err.value.diagnostics]


# --- the command line ------------------------------------------------------------------------


def test_verify_cli_text_json_and_exit_codes() -> None:
    files = sorted(str(p) for p in (EX / "badges" / "eva").iterdir() if p.suffix != ".py")
    code, out, _ = run("verify", "--as-of", "2026-11-29", *files)
    assert code == 2
    assert "ds-mc1.json: VERIFIED" in out and "counts as eux:DS-MC1" in out
    assert "ds-mc3.jwt: REFUSED: expired (valid until 2026-06-30, before 2026-11-29)" in out
    code, out, _ = run("verify", "--as-of", "2026-11-29", "--format", "json", *files)
    doc = json.loads(out)
    assert code == 2 and [c["outcome"] for c in doc["credentials"]] == ["verified", "verified", "refused", "refused"]
    assert doc["credentials"][3]["reason"] == "signature" and doc["provenance"]["rules_digest"].startswith("sha256:")
    code, _, _ = run("verify", "--as-of", "2026-11-29", "--identity", "did:example:eva", files[0], files[1])
    assert code == 0
    code, out, _ = run("verify", "--as-of", "2026-11-29", "--identity", "did:example:bob", files[0])
    assert code == 2 and "subject mismatch" in out


def test_verify_cli_bad_input_exits_3() -> None:
    code, out, _ = run("verify", "--format", "json", "no/such/badge.json")
    assert code == 3 and json.loads(out)["diagnostics"][0]["code"] == "SR6005"
    code, out, _ = run("verify", "--as-of", "2026-13-01", str(EX / "badges" / "eva" / "ds-mc1.json"))
    assert code == 3


def test_keygen_writes_an_owner_only_key_and_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "office.key.json"
    code, text, _ = run("keygen", "--issuer", "https://office.example/", "--name", "Office", "--provider", "exu", "--out", str(out))
    key = read_signing_key(out)
    assert code == 0 and key.keys.public in text and "kind: issuer" in text
    assert out.stat().st_mode & 0o077 == 0
    # what the receiving rule base fills in is said: achievements to map (the provider was given)
    assert '#       - {achievement: "urn:stackrules:credential:exu:COMP1010", credential: "exu:COMP1010"}' in text
    assert "PROVIDER" not in text
    code, text, _ = run("keygen", "--issuer", "https://office.example/", "--out", str(tmp_path / "other.key.json"))
    assert code == 0 and "provider: PROVIDER\n" in text and "#   provider: PROVIDER is a placeholder" in text
    code, _, err = run("keygen", "--issuer", "https://office.example/", "--out", str(out))
    assert code == 3 and "already exists" in err
    assert read_signing_key(out) == key


def test_assess_sign_emits_a_statement_that_verify_accepts(tmp_path: Path) -> None:
    code, out, _ = run("assess", "--learner", str(EX / "tariq.yaml"), "--target", "exu:BIT", "--as-of", "2026-11-28", "--sign", str(OFFICE_KEY))
    assert code == 0
    signed = json.loads(out)
    assert signed["type"] == ["VerifiableCredential", "ClrCredential"] and signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    statement = json.loads(signed["evidence"][0]["narrative"])
    assert statement["target"] == "exu:BIT" and statement["credits"]["granted"] == "48"
    # the statement is valid from when it was signed (today, by the clock): it is verified as of that day
    signed_on = signed["validFrom"][:10]
    (tmp_path / "statement.json").write_text(out)
    office = read_signing_key(OFFICE_KEY)
    issuer = office.issuer_document("issuer:exu-office", "exu") + (
        "achievements:\n"
        '  - {achievement: "urn:stackrules:credential:exu:COMP1010", credential: exu:COMP1010}\n'
        '  - {achievement: "urn:stackrules:credential:exu:COMP1030", credential: exu:COMP1030}\n'
    )
    (tmp_path / "office.yaml").write_text(issuer)
    rules = [a for p in shipped_paths() for a in ("--rules", str(p))] + ["--rules", str(tmp_path / "office.yaml")]
    code, out, _ = run("verify", *rules, "--as-of", signed_on, "--format", "json", str(tmp_path / "statement.json"))
    doc = json.loads(out)
    assert code == 0, out
    assert [(c["type"], c["credential"]) for c in doc["credentials"]] == [
        ("ClrCredential", None),
        ("AchievementCredential", "exu:COMP1010"),
        ("AchievementCredential", "exu:COMP1030"),
    ]
    # altered after signing: refused
    signed["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["creditsEarned"] = 60.0
    (tmp_path / "altered.json").write_text(json.dumps(signed))
    code, out, _ = run("verify", *rules, "--as-of", signed_on, "--format", "json", str(tmp_path / "altered.json"))
    assert code == 2 and [c["reason"] for c in json.loads(out)["credentials"]] == ["signature", "signature", None]


def test_assess_sign_with_a_bad_key_file_is_sr6006(tmp_path: Path) -> None:
    (tmp_path / "bad.key").write_text('{"issuer": "x", "key_id": "x#1", "secretKeyMultibase": "zNOPE"}')
    code, out, _ = run("assess", "--learner", str(EX / "tariq.yaml"), "--target", "exu:BIT", "--format", "json", "--sign", str(tmp_path / "bad.key"))
    assert code == 3 and json.loads(out)["diagnostics"][0]["code"] == "SR6006"


def test_import_turns_a_folder_of_badges_into_a_learner_that_audits_the_same(tmp_path: Path, engine: stackrules.Engine) -> None:
    out = tmp_path / "eva.yaml"
    code, _, err = run("import", str(EX / "badges" / "eva"), "--id", "L-0010", "--as-of", "2026-11-29", "--out", str(out))
    assert code == 3 and "SR5002" in err and "not inside the folder of the learner file" in err and not out.exists()
    for f in (EX / "badges" / "eva").iterdir():
        (tmp_path / "badges").mkdir(exist_ok=True)
        (tmp_path / "badges" / f.name).write_bytes(f.read_bytes())
    code, text, _ = run("import", str(tmp_path / "badges"), "--id", "L-0010", "--identity", "did:example:eva", "--as-of", "2026-11-29", "--out", str(out))
    assert code == 0 and "4 credential files" in text
    written = out.read_text()
    assert "# on 2026-11-29: eux:DS-MC1 (verified)" in written and "expired (valid until 2026-06-30" in written
    imported = engine.audit(stackrules.load_learner(out), "exu:GCDS", DAY).to_json()
    original = engine.audit(stackrules.load_learner(EVA), "exu:GCDS", DAY).to_json()
    assert without_credentials(imported) == without_credentials(original)
    assert [u["reason"] for u in imported["unverified"]] == ["expired", "signature"]
    code, _, err = run("import", str(tmp_path / "badges"), "--id", "L-0010", "--out", str(out))
    assert code == 3 and "already exists" in err


def test_statement_api_refuses_other_decisions(engine: stackrules.Engine) -> None:
    d = engine.audit(stackrules.load_learner(EX / "amira.yaml"), "exu:BIT", DAY)
    with pytest.raises(stackrules.RequestError):
        engine.sign_statement(d, read_signing_key(OFFICE_KEY), dt.datetime(2026, 11, 29, tzinfo=dt.UTC))


# --- the conformance files through the command line ---------------------------------------


def test_verify_cli_gives_every_conformance_file_its_manifest_outcome() -> None:
    """As README.md tells a newcomer: the shipped tests/conformance/ob3-rules trusts the conformance issuers."""
    from .test_credentials import REFUSED
    from .vc_support import CONFORMANCE, conformance_dir

    root = conformance_dir()
    assert root is not None, "the conformance set is missing: tests/conformance/ob3/manifest.json"
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    rules = CONFORMANCE.parent / "ob3-rules"
    names = sorted(manifest["files"])
    code, out, err = run("verify", "--rules", str(rules), "--as-of", "2026-11-29", "--format", "json", *(str(root / "credentials" / n) for n in names))
    assert code == 2, err
    firsts = {Path(c["source"]).relative_to(root / "credentials").as_posix(): c for c in json.loads(out)["credentials"] if c["part_of"] is None}
    assert sorted(firsts) == names
    for name in names:
        if name in REFUSED:
            assert (firsts[name]["outcome"], firsts[name]["reason"]) == ("refused", REFUSED[name]), (name, firsts[name]["message"])
            assert firsts[name]["message"]
        else:
            assert firsts[name]["outcome"] == "verified", (name, firsts[name]["reason"], firsts[name]["message"])


def test_the_shipped_conformance_rule_base_is_the_tests_trust_list() -> None:
    """tests/conformance/ob3-rules holds, as issuer documents, exactly the trust list the credential tests verify against."""
    from .vc_support import CONFORMANCE, manifest_trust

    shipped = {t.entry: t for t in stackrules.load(CONFORMANCE.parent / "ob3-rules").rules.issuers}
    expected = {t.entry: t for t in manifest_trust(CONFORMANCE)}
    assert sorted(shipped) == sorted(expected)
    for entry, t in expected.items():
        got = shipped[entry]
        assert (got.ids, got.keys, dict(got.achievements)) == (t.ids, t.keys, dict(t.achievements)), entry
        assert dict(got.status_lists) == dict(t.status_lists), entry


def test_a_line_break_in_a_credential_cannot_forge_a_line_of_the_explanation(engine: stackrules.Engine, tmp_path: Path) -> None:
    forged = {**badge(1), "issuer": {"id": "https://x.example/\nStatus: MET.", "type": ["Profile"]}}
    d = engine.audit(learner({"verifiable": forged}), "exu:GCDS", DAY)
    assert d.status == "not_met"
    lines = d.text().split("\n")
    assert "Status: MET." not in lines and any("\\nStatus: MET." in line for line in lines)
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    code, out, _ = run("verify", "--as-of", "2026-11-29", str(tmp_path / "forged.json"))
    assert code == 2 and "Status: MET." not in out.split("\n") and "\\nStatus: MET." in out


def test_a_clr_yields_one_holding_per_verified_credential_inside_it(engine: stackrules.Engine) -> None:
    tampered = badge(3)
    tampered["credentialSubject"]["result"][0]["value"] = "A"
    clr = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "https://eux.example/records/eva",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": EUX_KEY.issuer, "type": ["Profile"], "name": "Universitas Exemplaris (example)"},
        "validFrom": "2025-07-01T00:00:00Z",
        "name": "Eva's record",
        "credentialSubject": {"id": "did:example:eva", "type": ["ClrSubject"], "verifiableCredential": [badge(1), badge(2), tampered]},
    }
    signed = sign(VERIFIER.canon, clr, EUX_KEY.keys, EUX_KEY.key_id, dt.datetime(2025, 7, 1, tzinfo=dt.UTC))
    doc = engine.audit(learner({"verifiable": signed}), "exu:GCDS", DAY).to_json()
    verified = doc["provenance"]["credentials"]
    assert [v["holding"] for v in verified] == ["eux:DS-MC1", "eux:DS-MC2"]
    assert len({v["part_of"] for v in verified}) == 1 and verified[0]["part_of"].endswith("(inline)")  # both from the one CLR
    assert [(u["reason"], u["source"].endswith("#verifiableCredential[2]")) for u in doc["unverified"]] == [("signature", True)]
    assert doc["credit"][0]["sources"] == ["eux:DS-MC1", "eux:DS-MC2"]


def test_keygen_refuses_an_issuer_that_is_not_an_absolute_iri(tmp_path: Path) -> None:
    for issuer in ("not a url", "12345", "_:b0", "https://office example/"):
        out = tmp_path / "k.json"
        code, _, err = run("keygen", "--issuer", issuer, "--out", str(out))
        assert code == 3 and "SR5002" in err and "absolute IRI" in err, (issuer, err)
        assert not out.exists()


def test_assess_sign_with_a_non_iri_identity_names_it_as_an_identifier(tmp_path: Path) -> None:
    learner = tmp_path / "tariq.yaml"
    learner.write_text((EX / "tariq.yaml").read_text().replace("kind: learner\n", 'kind: learner\nidentities: ["12345"]\n', 1))
    code, out, err = run("assess", "--learner", str(learner), "--target", "exu:BIT", "--as-of", "2026-11-28", "--sign", str(OFFICE_KEY))
    assert code == 0, err
    subject = json.loads(out)["credentialSubject"]
    assert "id" not in subject
    assert {"type": "IdentityObject", "identityHash": "12345", "identityType": "identifier", "hashed": False} in subject["identifier"]
    learner.write_text((EX / "tariq.yaml").read_text().replace("kind: learner\n", 'kind: learner\nidentities: ["did:example:tariq"]\n', 1))
    code, out, _ = run("assess", "--learner", str(learner), "--target", "exu:BIT", "--as-of", "2026-11-28", "--sign", str(OFFICE_KEY))
    assert code == 0 and json.loads(out)["credentialSubject"]["id"] == "did:example:tariq"


def test_a_key_file_whose_issuer_is_not_an_iri_is_sr6006(tmp_path: Path) -> None:
    data = json.loads(OFFICE_KEY.read_text())
    data["issuer"] = "not a url"
    (tmp_path / "k.json").write_text(json.dumps(data))
    code, out, _ = run("assess", "--learner", str(EX / "tariq.yaml"), "--target", "exu:BIT", "--format", "json", "--sign", str(tmp_path / "k.json"))
    assert code == 3 and json.loads(out)["diagnostics"][0]["code"] == "SR6006"


def test_verifiable_paths_outside_the_learner_folder_are_refused_alike(tmp_path: Path) -> None:
    outside = tmp_path / "secret.json"
    outside.write_text(json.dumps(badge(1)))
    folder = tmp_path / "learner"
    (folder / "badges").mkdir(parents=True)
    (folder / "badges" / "ok.json").write_text(json.dumps(badge(1)))
    os.symlink(outside, folder / "link.json")
    os.symlink(tmp_path / "missing.json", folder / "dangling.json")
    paths = [str(outside), str(tmp_path / "missing.json"), "../secret.json", "../missing.json", "badges/../../secret.json", "link.json", "dangling.json"]
    holdings = "".join(f"  - verifiable: {json.dumps(p)}\n" for p in ["badges/ok.json", "badges/../badges/ok.json", *paths])
    (folder / "l.yaml").write_text("kind: learner\nid: L-1\nholdings:\n" + holdings)
    with pytest.raises(LearnerError) as err:
        stackrules.load_learner(folder / "l.yaml")
    found = [(d.code, d.line, d.message.split(": ", 1)[1]) for d in err.value.diagnostics]
    assert found == [("SR6005", 6 + i, "the path leads outside the learner file's folder") for i in range(len(paths))]


def test_import_does_not_follow_a_symlink_out_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.json").write_text(json.dumps(badge(1)))
    folder = tmp_path / "badges"
    folder.mkdir()
    (folder / "own.json").write_text(json.dumps(badge(1)))
    os.symlink(tmp_path / "secret.json", folder / "link.json")
    code, out, _ = run("import", str(folder), "--id", "L-1", "--as-of", "2026-11-29", "--out", str(tmp_path / "l.yaml"))
    written = (tmp_path / "l.yaml").read_text()
    assert code == 0 and "1 credential file" in out and "own.json" in written and "link.json" not in written and "secret" not in written


def test_no_identities_means_the_subject_is_not_checked_and_every_output_says_so(tmp_path: Path) -> None:
    text = (EX / "eva-badges.yaml").read_text()
    assert 'identities: ["did:example:eva"]\n' in text
    learner = tmp_path / "eva.yaml"
    learner.write_text(text.replace('identities: ["did:example:eva"]\n', ""))
    (tmp_path / "badges" / "eva").mkdir(parents=True)
    for f in (EX / "badges" / "eva").iterdir():
        (tmp_path / "badges" / "eva" / f.name).write_bytes(f.read_bytes())
    code, out, err = run("audit", "--learner", str(learner), "--target", "exu:GCDS", "--as-of", DAY.isoformat())
    assert "subject not checked: the learner lists no identities (subject did:example:eva)" in out, err
    code, out, _ = run("audit", "--learner", str(learner), "--target", "exu:GCDS", "--as-of", DAY.isoformat(), "--format", "json")
    verified = json.loads(out)["provenance"]["credentials"]
    assert verified and all(v["subject_checked"] is False and v["subject"] == "did:example:eva" for v in verified)
    # with identities: checked, and the bytes say nothing more
    code, out, _ = run("audit", "--learner", str(EX / "eva-badges.yaml"), "--target", "exu:GCDS", "--as-of", DAY.isoformat(), "--format", "json")
    assert all("subject_checked" not in v for v in json.loads(out)["provenance"]["credentials"])
    badge_file = str(tmp_path / "badges" / "eva" / "ds-mc1.json")
    code, out, _ = run("verify", "--as-of", "2026-11-29", badge_file)
    assert code == 0 and "subject not checked: no --identity given (subject did:example:eva)" in out
    code, out, _ = run("verify", "--as-of", "2026-11-29", "--identity", "did:example:eva", badge_file)
    assert code == 0 and "subject not checked" not in out
    code, out, _ = run("verify", "--as-of", "2026-11-29", "--format", "json", badge_file)
    assert json.loads(out)["credentials"][0]["subject_checked"] is False
    code, _, err = run("import", str(tmp_path / "badges"), "--id", "L-1", "--as-of", "2026-11-29", "--out", str(tmp_path / "imported.yaml"))
    assert code == 0 and "warning: no --identity given" in err
    code, _, err = run("import", str(tmp_path / "badges"), "--id", "L-1", "--identity", "did:example:eva", "--out", str(tmp_path / "again.yaml"))
    assert code == 0 and "warning" not in err


def test_verify_text_does_not_show_an_unchecked_proof_as_if_it_passed(tmp_path: Path) -> None:
    doc = json.loads((EX / "badges" / "eva" / "ds-mc1.json").read_text())
    doc["issuer"]["id"] = "https://evil.example/issuer"
    (tmp_path / "untrusted.json").write_text(json.dumps(doc))
    code, out, _ = run("verify", "--as-of", "2026-11-29", str(tmp_path / "untrusted.json"))
    assert code == 2 and "proof eddsa-rdfc-2022 (not checked)" in out
    code, out, _ = run("verify", "--as-of", "2026-11-29", str(EX / "badges" / "eva" / "ds-mc1.json"))
    assert code == 0 and "proof eddsa-rdfc-2022\n" in out


def test_a_result_that_is_no_grade_of_the_scale_earns_nothing(engine: stackrules.Engine) -> None:
    # an adversary's find (2026-11-30): a badge whose result was `fail` counted as passed (read as ungraded)
    for value in ("fail", "Z"):
        doc = engine.audit(
            learner({"verifiable": badge(3, grade=value)}, {"credential": "eux:DS-MC4", "awarded": "2025-01-01", "grade": "A"}), "exu:GCDS", DAY
        ).to_json()
        [refused] = doc["unverified"]
        assert refused["reason"] == "unknown_grade" and f"its result `{value}` is not a grade of `eux`'s scale (F, E, D, C, B, A)" in refused["message"]
        assert "credentials" not in doc["provenance"] or not doc["provenance"]["credentials"]
        assert doc["credits"]["counted"] == "0" and doc["credit"] == []
    # a value on the scale still counts, and a failing one is kept as the holding it is (below the pass)
    passed = engine.audit(learner({"verifiable": badge(3, grade="B")}, {"credential": "eux:DS-MC4", "awarded": "2025-01-01", "grade": "A"}), "exu:GCDS", DAY)
    assert passed.to_json()["provenance"]["credentials"][0]["grade"] == "B"
    failed = engine.audit(learner({"verifiable": badge(3, grade="F")}), "exu:GCDS", DAY).to_json()
    assert failed["unverified"] == [] and failed["provenance"]["credentials"][0]["grade"] == "F"


def test_an_award_day_outside_the_years_of_the_calendar_is_malformed(engine: stackrules.Engine) -> None:
    # an adversary's find (2026-11-30): awardedDate 0500-01-01 verified and became a holding awarded then
    [r] = default_verifier().verify(badge(3, awarded="0500-01-01"), trust=engine.rules.issuers, as_of=DAY, identities=("did:example:eva",))
    assert r.outcome == "refused" and r.reason == "malformed" and "`awardedDate` 0500-01-01 is outside the years 1000-8999" in r.message


def test_a_result_of_a_provider_without_a_scale_counts_as_the_same_grade_written_by_hand(tmp_path: Path) -> None:
    # an adversary's find: with no grade scale for the provider, a badge whose result was "fail" became an ungraded
    # holding, which counts as passed; the same holding written by hand does not count (a grade that cannot be checked)
    import shutil

    for folder in ("rules", "frameworks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    catalog = tmp_path / "rules" / "euro-university" / "catalog.yaml"
    catalog.write_text(
        "\n".join(line for line in catalog.read_text(encoding="utf-8").splitlines() if not line.startswith("grade_scale:")) + "\n", encoding="utf-8"
    )
    stack = tmp_path / "rules" / "euro-university" / "stack-foundations.yaml"
    stack.write_text(stack.read_text(encoding="utf-8").replace("min_grade: C, ", ""), encoding="utf-8")
    engine = stackrules.load(tmp_path / "rules", tmp_path / "frameworks")
    assert engine.rules.providers["eux"].grade_scale is None
    badges = learner({"verifiable": badge(1, grade="fail")}, {"verifiable": badge(2, grade="fail")})
    by_hand = learner(*({"credential": f"eux:DS-MC{n}", "awarded": "2025-06-30", "grade": "fail"} for n in (1, 2)))
    got = [engine.audit(x, "exu:GCDS", DAY).to_json() for x in (badges, by_hand)]
    assert [d["credits"]["counted"] for d in got] == ["0", "0"]
    assert [u["reason"] for u in got[0]["unused"]] == [u["reason"] for u in got[1]["unused"]]
    assert got[0]["provenance"]["credentials"][0]["grade"] == "fail"
