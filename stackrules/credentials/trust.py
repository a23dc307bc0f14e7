"""The trust list as data: which issuers a verifier believes, with which keys.

An :class:`IssuerTrust` is what one ``issuer`` document (docs/language.md section
15) says, already loaded: status lists are the bytes of the local copies, not
paths. The verifier takes a tuple of them and nothing else about trust.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .keys import KeyProblem, PublicKey, from_jwk, from_multikey
from .multibase import MultibaseError, did_key_base, did_key_ed25519


class TrustedKey(BaseModel):
    """One verification method an issuer signs with.

    ``id`` is the verification-method URL exactly as proofs and JWT ``kid``
    headers name it. The key is ``multikey`` (Ed25519) or ``jwk``; a
    ``did:key`` id may leave both out, since the identifier is the key.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    multikey: str | None = None
    jwk: dict[str, str] | None = None

    @model_validator(mode="after")
    def _one_key(self) -> TrustedKey:
        if self.multikey is not None and self.jwk is not None:
            raise ValueError("give `multikey` or `jwk`, not both")
        if self.multikey is None and self.jwk is None and not self.id.startswith("did:key:"):
            raise ValueError("give the key as `multikey` or `jwk` (only a did:key id carries its own key)")
        problem = key_problem(self)
        if problem:
            raise ValueError(problem)
        return self

    def public_key(self) -> PublicKey:
        if self.jwk is not None:
            return from_jwk(dict(self.jwk))
        if self.multikey is not None:
            key = from_multikey(self.multikey)
            if self.id.startswith("did:key:") and from_multikey(did_key_base(self.id).removeprefix("did:key:")).jwk != key.jwk:
                raise KeyProblem("the multikey is not the key the did:key names")
            return key
        return from_multikey(_did_key_multikey(self.id))


def _did_key_multikey(did: str) -> str:
    did_key_ed25519(did)  # raises on a malformed did:key
    return did_key_base(did).removeprefix("did:key:")


def key_problem(key: TrustedKey) -> str | None:
    """Why ``key`` is not a usable public key, or None (for positioned diagnostics)."""
    try:
        key.public_key()
    except (KeyProblem, MultibaseError) as e:
        return str(e)
    return None


class IssuerTrust(BaseModel):
    """One trusted issuer (a loaded ``issuer`` document).

    - ``entry``: the trust entry's own id (``issuer:eux-badges``).
    - ``ids``: issuer ids as they appear in credentials; a ``did:key`` here
      also names its own key.
    - ``effective_from`` / ``effective_until``: inclusive; the entry is in
      force on ``as_of`` inside them.
    - ``status_lists``: status-list credential URL to the bytes of its local copy.
    - ``achievements``: achievement id to catalogue credential id.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    entry: str
    name: str | None = None
    provider: str | None = None
    ids: tuple[str, ...] = Field(min_length=1)
    keys: tuple[TrustedKey, ...] = ()
    effective_from: _dt.date | None = None
    effective_until: _dt.date | None = None
    status_lists: Mapping[str, bytes] = Field(default_factory=dict)
    achievements: Mapping[str, str] = Field(default_factory=dict)

    def in_force(self, as_of: _dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= as_of) and (self.effective_until is None or as_of <= self.effective_until)

    def key_for(self, method: str) -> TrustedKey | None:
        """The listed key a proof's verification method names, or None.

        The match is on the whole URL as written in the trust list; a
        ``did:key`` listed as an issuer id or a key id also matches its
        ``did:key:X#X`` form. Nothing is derived from a URL's fragment.
        """
        for k in self.keys:
            if k.id == method:
                return k
        if method.startswith("did:key:"):
            base = did_key_base(method)
            try:
                did_key_ed25519(method)
            except MultibaseError:
                return None
            for k in self.keys:
                if k.id == base:
                    return k
            if base in self.ids:
                return TrustedKey(id=base)
        return None

    def did_keys(self) -> tuple[TrustedKey, ...]:
        """``did:key`` issuer ids as keys (their identifier is the key)."""
        out = []
        for i in self.ids:
            if i.startswith("did:key:") and not any(k.id == i for k in self.keys):
                try:
                    out.append(TrustedKey(id=i))
                except ValueError:
                    continue
        return tuple(out)


def find_issuer(trust: tuple[IssuerTrust, ...], issuer_id: str, as_of: _dt.date) -> IssuerTrust | None:
    """The entry in force on ``as_of`` that lists ``issuer_id`` (first by entry id), or None."""
    for t in sorted(trust, key=lambda t: t.entry):
        if issuer_id in t.ids and t.in_force(as_of):
            return t
    return None


def trust_from_mapping(data: Mapping[str, Any]) -> IssuerTrust:
    """An :class:`IssuerTrust` from plain data (tests and the later ``issuer`` loader)."""
    return IssuerTrust.model_validate(dict(data))
