"""The added cost of an audit whose learner holds 20 verifiable badges, against the same audit from plain holdings.

    python benchmarks/badge_audit_bench.py            # 20 timed audits of each kind
    python benchmarks/badge_audit_bench.py --quick    # 5 of each

The shipped rule base plus one `issuer` document made for the run (a fresh
Ed25519 key, 20 achievements mapped to 20 undergraduate units of exu). The learner holds
20 Open Badges 3.0 credentials (JSON-LD, eddsa-rdfc-2022) signed with that key,
one per unit; the plain learner holds the same 20 units written as holdings.
Reported, in this process's CPU time (one core): the plain audit, the first
audit with badges (a fresh engine: every canonical form computed), and later
audits with badges (the engine remembers each credential's results by its
content digest, day and identities), and verifying the 20 badges without that
memo (each decoded, checked and its signature verified again, canonical forms
memoised by the verifier). Both
learners' decisions are checked equal (apart from `unverified` and
`provenance.credentials`). Target (issue 14): the audit with 20 badges within
2x of the plain one after the first verification.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import stackrules
from stackrules.credentials import sign
from stackrules.decide.verifiable import resolve, verifying
from stackrules.source.badges import default_verifier, new_signing_key
from stackrules.source.files import shipped_paths

AS_OF = dt.date(2026, 11, 28)
TARGET = "exu:BIT"
CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def units(engine: stackrules.Engine, n: int) -> list[str]:
    found = sorted(c.id for c in engine.rules.credentials.values() if re.fullmatch(r"exu:(COMP|DATA|INFO|MATH|SEC)[123]\d{3}", c.id))
    if len(found) < n:
        raise SystemExit(f"the shipped catalogue has only {len(found)} undergraduate computing units")
    return found[:n]


def cpu(fn: Any) -> tuple[float, Any]:
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


def plain_json(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k != "unverified"}
    out["provenance"] = {k: v for k, v in doc["provenance"].items() if k != "credentials"}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--badges", type=int, default=20)
    args = parser.parse_args()
    repeats = 5 if args.quick else 20
    codes = units(stackrules.load(), args.badges)
    key = new_signing_key("https://bench.example/issuers/badges", "Bench badges")
    canon = default_verifier().canon
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        mapping = "".join(f'  - {{achievement: "https://bench.example/a/{c}", credential: "{c}"}}\n' for c in codes)
        (folder / "issuer.yaml").write_text(key.issuer_document("issuer:bench", "exu") + "achievements:\n" + mapping, encoding="utf-8")
        holdings = []
        for i, c in enumerate(codes):
            doc = {
                "@context": CONTEXT,
                "id": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
                "issuer": {"id": key.issuer, "type": ["Profile"], "name": "Bench badges"},
                "validFrom": "2024-06-30T00:00:00Z",
                "name": c,
                "credentialSubject": {
                    "id": "did:example:bench-learner",
                    "type": ["AchievementSubject"],
                    "achievement": {
                        "id": f"https://bench.example/a/{c}",
                        "type": ["Achievement"],
                        "name": c,
                        "description": "A benchmark unit.",
                        "criteria": {"narrative": "Passed."},
                    },
                },
            }
            holdings.append({"verifiable": sign(canon, doc, key.keys, key.key_id, dt.datetime(2024, 6, 30, tzinfo=dt.UTC))})
        rules = [*shipped_paths(), folder / "issuer.yaml"]
        badges = stackrules.load_learner({"kind": "learner", "id": "bench", "identities": ["did:example:bench-learner"], "holdings": holdings})
        plain = stackrules.load_learner({"kind": "learner", "id": "bench", "holdings": [{"credential": c, "awarded": "2024-06-30"} for c in codes]})
        engine = stackrules.load(*rules)
        first, with_badges = cpu(lambda: engine.audit(badges, TARGET, AS_OF))
        by_hand = engine.audit(plain, TARGET, AS_OF)
        assert len(with_badges.to_json()["provenance"]["credentials"]) == len(codes), with_badges.to_json()["unverified"]
        assert plain_json(with_badges.to_json()) == by_hand.to_json(), "the badge audit differs from the plain one"
        plain_times = [cpu(lambda: engine.audit(plain, TARGET, AS_OF))[0] for _ in range(repeats)]
        badge_times = [cpu(lambda: engine.audit(badges, TARGET, AS_OF))[0] for _ in range(repeats)]
        verify_times = [cpu(lambda: engine._resolved(badges, AS_OF))[0] for _ in range(repeats)]
        direct = verifying(engine.rules, engine.verifier, AS_OF)  # no result memo: decoded, checked and signature verified each time
        unmemo_times = [cpu(lambda: resolve(engine.rules, badges, direct))[0] for _ in range(repeats)]
    p, b, v = statistics.median(plain_times), statistics.median(badge_times), statistics.median(verify_times)
    u = statistics.median(unmemo_times)
    print(f"audit of {TARGET}, {len(codes)} holdings, median of {repeats}, CPU seconds (one core)")
    print(f"  plain holdings              {p * 1000:8.1f} ms")
    print(f"  {len(codes)} badges, first audit      {first * 1000:8.1f} ms  (fresh engine: canonicalisation cold)")
    print(f"  {len(codes)} badges, later audits     {b * 1000:8.1f} ms  ({b / p:.2f}x plain; target at most 2x)")
    print(f"  of which verifying {len(codes)} badges {v * 1000:8.1f} ms  (results memoised by content digest)")
    print(f"  verifying without that memo   {u * 1000:8.1f} ms  ({u / len(codes) * 1000:.2f} ms a badge: decode, checks, Ed25519; canonical forms memoised)")


if __name__ == "__main__":
    main()
