"""Data Integrity ``eddsa-rdfc-2022``: what is hashed, how it is signed.

The signed message is ``SHA-256(canon(proof options)) || SHA-256(canon(document))``
where the document is the credential without ``proof`` and the proof options
are the proof without ``proofValue``, given the document's ``@context``; both
are canonicalised with RDFC-1.0. ``proofValue`` is ``z`` + base58btc of the
64-byte Ed25519 signature. ``eddsa-2022`` is the suite's earlier name.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from .canon import Canonicaliser
from .keys import KeyPair
from .multibase import b58encode

CRYPTOSUITES = ("eddsa-rdfc-2022", "eddsa-2022")
PROOF_TYPE = "DataIntegrityProof"


def proofs_of(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def proof_options(document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = document.get("@context")
    return options


def signing_hashes(canon: Canonicaliser, document: dict[str, Any], proof: dict[str, Any]) -> tuple[bytes, bytes]:
    """(proof hash, document hash) for ``proof`` on ``document``; raises :class:`~.canon.CanonError`."""
    return canon.digest(proof_options(document, proof)), canon.digest(unsecured(document))


def is_supported(proof: Any) -> bool:
    return isinstance(proof, dict) and proof.get("type") == PROOF_TYPE and proof.get("cryptosuite") in CRYPTOSUITES


def sign(
    canon: Canonicaliser,
    document: dict[str, Any],
    keys: KeyPair,
    verification_method: str,
    created: _dt.datetime,
    expires: _dt.datetime | None = None,
) -> dict[str, Any]:
    """``document`` with an ``eddsa-rdfc-2022`` proof made with ``keys`` (``created`` is an argument: no clock here; ``expires`` optional)."""
    body = unsecured(document)
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "created": created.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
    }
    if expires is not None:
        proof["expires"] = expires.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    proof_hash, doc_hash = signing_hashes(canon, body, proof)
    signature = keys.signer().sign(proof_hash + doc_hash)
    return {**body, "proof": {**proof, "proofValue": "z" + b58encode(signature)}}
