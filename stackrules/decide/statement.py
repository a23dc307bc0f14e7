"""The advanced-standing statement as a verifiable credential, signed with ``eddsa-rdfc-2022`` (docs/language.md section 15).

A CLR 2.0 ``ClrCredential`` issued by the office that assessed the learner:

- its subject names the learner (the learner's first identity as ``id``, and
  the learner file's id as a plain ``identifier``);
- for each credit granted *as a catalogue credential* (``as: exu:COMP1010``)
  it holds an Open Badges 3.0 ``AchievementCredential``, signed on its own,
  whose achievement id is ``urn:stackrules:credential:ID`` with the credit
  in ``creditsEarned``: another institution that trusts the office maps those
  achievements in its ``issuer`` document and relies on them like any badge;
- the whole statement, exactly as ``assess --format json`` prints it, is the
  ``narrative`` of its one ``evidence`` entry (block credit that is not a
  catalogue credential is stated there, and in the achievements list).

Pure: the clock reading (``created``) and the key are arguments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from fractions import Fraction
from typing import Any

from ..credentials import Canonicaliser, KeyPair, is_absolute_iri, sign

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
ACHIEVEMENT_PREFIX = "urn:stackrules:credential:"


def achievement_id(credential: str) -> str:
    """The achievement id a signed statement gives credit granted as ``credential``."""
    return ACHIEVEMENT_PREFIX + credential


def _stamp(created: dt.datetime) -> str:
    return created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _subject_base(statement: dict[str, Any], identities: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    idents = [{"type": "IdentityObject", "identityHash": str(statement.get("learner", "")), "identityType": "identifier", "hashed": False}]
    if identities and is_absolute_iri(identities[0]):
        out["id"] = identities[0]
    elif identities:  # a student number or e-mail is no IRI: a plain identifier, as the subject check matches
        idents.append({"type": "IdentityObject", "identityHash": identities[0], "identityType": "identifier", "hashed": False})
    out["identifier"] = idents
    return out


def statement_credential(
    statement: dict[str, Any],
    *,
    issuer: str,
    issuer_name: str,
    key_id: str,
    keys: KeyPair,
    canon: Canonicaliser,
    created: dt.datetime,
    identities: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``statement`` (an assess decision's JSON) as a signed ``ClrCredential`` with signed nested achievement credentials."""
    text = json.dumps(statement, ensure_ascii=False, indent=2, sort_keys=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    stamp = _stamp(created)
    profile = {"id": issuer, "type": ["Profile"], "name": issuer_name}
    target = str(statement.get("target", ""))
    learner = str(statement.get("learner", ""))
    achievements: list[dict[str, Any]] = []
    nested: list[dict[str, Any]] = []
    for grant in statement.get("granted") or []:
        for g in grant.get("granted") or []:
            as_ = str(g.get("as", ""))
            credits = Fraction(str(g.get("credits", "0")))
            achievement = {
                "id": achievement_id(as_),
                "type": ["Achievement"],
                "name": str(g.get("title") or as_),
                "description": f"Credit granted as {as_} towards {target} by credit rule {grant.get('rule')}",
                "criteria": {"narrative": str((grant.get("basis") or {}).get("reference") or f"credit rule {grant.get('rule')}")},
                "creditsAvailable": float(credits),
            }
            achievements.append(achievement)
            if as_.startswith("credit:"):
                continue  # block credit is no catalogue credential: stated, not issued as a badge
            nested.append(
                sign(
                    canon,
                    {
                        "@context": [VC_V2, OB3],
                        "id": f"urn:stackrules:statement:{digest}:{as_}",
                        "type": ["VerifiableCredential", "AchievementCredential"],
                        "issuer": profile,
                        "validFrom": stamp,
                        "awardedDate": stamp,
                        "name": f"Credit as {as_}",
                        "credentialSubject": {
                            **_subject_base(statement, identities),
                            "type": ["AchievementSubject"],
                            "achievement": achievement,
                            "creditsEarned": float(credits),
                        },
                    },
                    keys,
                    key_id,
                    created,
                )
            )
    document = {
        "@context": [VC_V2, CLR2, OB3],
        "id": f"urn:stackrules:statement:{digest}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": profile,
        "validFrom": stamp,
        "name": f"Advanced standing of {learner} towards {target} on {statement.get('as_of')}",
        "credentialSubject": {
            **_subject_base(statement, identities),
            "type": ["ClrSubject"],
            "achievement": achievements,
            "verifiableCredential": nested,
        },
        "evidence": [{"type": ["Evidence"], "name": "stackrules assessment (JSON)", "narrative": text}],
    }
    return sign(canon, document, keys, key_id, created)
