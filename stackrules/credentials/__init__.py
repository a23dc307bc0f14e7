"""Verifiable credentials: Open Badges 3.0 and CLR 2.0, verified offline; eddsa-rdfc-2022 signing.

Pure: the caller hands in the credential's bytes, the trust list (status lists
as bytes) and the JSON-LD contexts; nothing here reads a file, a clock or the
network. ``stackrules.source.badges`` reads badge files and the shipped contexts.
"""

from __future__ import annotations

from .canon import CanonError, Canonicaliser, ContextStore, Limits, is_absolute_iri
from .dataintegrity import sign
from .keys import KeyPair, KeyProblem, generate_keypair, keypair_from_secret
from .trust import IssuerTrust, TrustedKey, find_issuer, key_problem
from .verify import MAX_CREDENTIALS, MAX_NESTED, REASONS, UNCHECKED, Reason, VerificationResult, Verifier

__all__ = [
    "MAX_CREDENTIALS",
    "MAX_NESTED",
    "REASONS",
    "UNCHECKED",
    "CanonError",
    "Canonicaliser",
    "ContextStore",
    "IssuerTrust",
    "KeyPair",
    "KeyProblem",
    "Limits",
    "Reason",
    "TrustedKey",
    "VerificationResult",
    "Verifier",
    "find_issuer",
    "generate_keypair",
    "is_absolute_iri",
    "key_problem",
    "keypair_from_secret",
    "sign",
]
