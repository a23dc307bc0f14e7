"""Indexing ``issuer`` documents (docs/language.md section 15) into the verifier's trust list.

Each document becomes an :class:`~stackrules.credentials.IssuerTrust` with
its status-list copies as bytes (``source/`` read them beside the document:
:attr:`~stackrules.language.documents.Loaded.attachments`). What cannot be
trusted as written is reported with a position and leaves the document out:

- SR3006: two issuer documents with the same `id`;
- SR3002: a `provider` with no catalog;
- SR3001: an `achievements` entry naming a credential no catalog defines;
- SR6004: an `achievements` entry naming another provider's credential;
- SR6001: a key that is not a usable public key (a malformed multikey or JWK);
- SR6002: a status-list copy that does not exist, cannot be read or does not parse;
- SR6003: an issuer id that two documents in force on a common day both list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Protocol

from ..credentials import IssuerTrust, TrustedKey, key_problem
from ..credentials.status import status_list_problem
from ..diagnostics import suggestion
from ..language.documents import Loaded
from ..language.models import Effective, IssuerDoc
from ..language.positions import Path
from .index import CredentialInfo, ProviderInfo, loc_of


class Reporter(Protocol):
    """Where problems go (:class:`stackrules.rulebase.build.Reporter`)."""

    def error(self, item: Loaded, path: Path, code: str, message: str, help: str | None = None, on_key: bool = False) -> None: ...


def index_issuers(
    items: list[Loaded], providers: Mapping[str, ProviderInfo], credentials: Mapping[str, CredentialInfo], report: Reporter
) -> tuple[IssuerTrust, ...]:
    """The trust list of the ``issuer`` documents in ``items``, sorted by id; problems go to ``report``."""
    out: list[IssuerTrust] = []
    seen: dict[str, Loaded] = {}
    claimed: dict[str, list[tuple[Effective | None, Loaded]]] = {}
    for item in sorted(items, key=lambda x: (x.doc.id, x.file)):
        doc: IssuerDoc = item.doc
        if doc.id in seen:
            report.error(item, ("id",), "SR3006", f"issuer `{doc.id}` is already defined at {loc_of(seen[doc.id], ('id',))}", "rename one of them")
            continue
        seen[doc.id] = item
        ok = True
        if doc.provider not in providers:
            report.error(item, ("provider",), "SR3002", f"provider `{doc.provider}` has no catalog", suggestion(doc.provider, providers))
            ok = False
        achievements: dict[str, str] = {}
        for i, a in enumerate(doc.achievements):
            path: Path = ("achievements", i, "credential")
            if a.credential not in credentials:
                report.error(item, path, "SR3001", f"unknown credential `{a.credential}`", suggestion(a.credential, credentials))
                ok = False
            elif credentials[a.credential].provider != doc.provider:
                report.error(
                    item,
                    path,
                    "SR6004",
                    f"`{a.credential}` is a credential of `{credentials[a.credential].provider}`, not of this issuer's provider `{doc.provider}`",
                    "map achievements to the issuer's own provider's credentials, or give the other provider its own `issuer` document",
                )
                ok = False
            elif a.achievement in achievements:
                report.error(item, ("achievements", i, "achievement"), "SR3006", f"achievement `{a.achievement}` is mapped twice", "keep one mapping")
                ok = False
            else:
                achievements[a.achievement] = a.credential
        if doc.effective and doc.effective.from_ and doc.effective.until and doc.effective.until < doc.effective.from_:
            report.error(item, ("effective",), "SR3016", "`until` is before `from`", "swap or correct the dates")
            ok = False
        keys: list[TrustedKey] = []
        for i, k in enumerate(doc.keys):
            problem = _key_problem(k.id, k.multikey, k.jwk)
            if problem is not None:
                report.error(item, ("keys", i), "SR6001", f"key `{k.id}` is not usable: {problem}", None)
                ok = False
            else:
                keys.append(TrustedKey(id=k.id, multikey=k.multikey, jwk=k.jwk))
        for i, issuer_id in enumerate(doc.ids):
            if issuer_id.startswith("did:key:") and _key_problem(issuer_id, None, None) is not None:
                report.error(item, ("ids", i), "SR6001", f"`{issuer_id}` is not a valid did:key: {_key_problem(issuer_id, None, None)}", None)
                ok = False
        lists: dict[str, bytes] = {}
        attached = dict(item.attachments)
        for url, written in sorted(doc.status_lists.items()):
            data = attached.get(written)
            problem = "it was not read" if data is None else data if isinstance(data, str) else status_list_problem(data)
            if problem is not None or not isinstance(data, bytes):
                report.error(item, ("status_lists", url), "SR6002", f"status list `{written}` cannot be used: {problem}", None)
                ok = False
            else:
                lists[url] = data
        for i, issuer_id in enumerate(doc.ids):
            for eff, other in claimed.get(issuer_id, []):
                if _overlap(eff, doc.effective):
                    report.error(
                        item,
                        ("ids", i),
                        "SR6003",
                        f"issuer id `{issuer_id}` is also listed by `{other.doc.id}` ({loc_of(other, ('id',))}) on a common day",
                        "list each issuer id in one issuer document, or give the documents non-overlapping `effective` ranges",
                    )
                    ok = False
            claimed.setdefault(issuer_id, []).append((doc.effective, item))
        if not ok:
            continue
        out.append(
            IssuerTrust(
                entry=doc.id,
                name=doc.name,
                provider=doc.provider,
                ids=doc.ids,
                keys=tuple(keys),
                effective_from=doc.effective.from_ if doc.effective else None,
                effective_until=doc.effective.until if doc.effective else None,
                status_lists=lists,
                achievements=achievements,
            )
        )
    return tuple(out)


def _key_problem(key_id: str, multikey: str | None, jwk: dict[str, str] | None) -> str | None:
    if multikey is not None and jwk is not None:
        return "give `multikey` or `jwk`, not both"
    if multikey is None and jwk is None and not key_id.startswith("did:key:"):
        return "give the key as `multikey` or `jwk` (only a did:key id carries its own key)"
    return key_problem(TrustedKey.model_construct(id=key_id, multikey=multikey, jwk=jwk))


def _overlap(a: Effective | None, b: Effective | None) -> bool:
    lo = max((a.from_ if a and a.from_ else dt.date.min), (b.from_ if b and b.from_ else dt.date.min))
    hi = min((a.until if a and a.until else dt.date.max), (b.until if b and b.until else dt.date.max))
    return lo <= hi
