"""Indexing: validated documents into a :class:`RuleBase`, one document kind at a time.

Each step reads one kind of document and adds it to the index: credit
systems, frameworks (levels, qualification types), crosswalks, catalogs
(providers, credentials), qualifications (documents and framework types
with `requires`), credit rules. Quantities are converted into exact
rationals in their context's system while indexing, so a credit system is
resolved, or reported as unknown (SR3004), before anything uses it.

Indexing reports only what decides what the index holds: duplicates and
overlapping versions (SR3006, SR3007), ids of another provider (SR2007),
references it must resolve to index a thing (credit systems, framework
levels and types, a qualification's provider). Everything else is a
semantic check, run over the finished index by :mod:`stackrules.rulebase.passes`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, TypeVar

from ..diagnostics import CODES, Diagnostic, suggestion
from ..language.documents import Loaded
from ..language.models import (
    ApproversDoc,
    CatalogDoc,
    Credential,
    CreditRuleDoc,
    CreditSystemsDoc,
    CrosswalkDoc,
    FrameworkDoc,
    QualificationDoc,
    id_pattern_regex,
)
from ..language.positions import Path
from .index import ApproverInfo, CredentialInfo, Loc, ProviderInfo, QualVersion, RuleBase, RuleInfo, System, in_system, loc_of, system_of_catalog

if TYPE_CHECKING:
    from ..credentials import IssuerTrust

T = TypeVar("T")


@dataclass
class Reporter:
    """Collects diagnostics in the order they are found."""

    diags: list[Diagnostic] = field(default_factory=list)

    def error(self, item: Loaded, path: Path, code: str, message: str, help: str | None = None, on_key: bool = False) -> None:
        self.diags.append(item.smap.diag(path, code, message, help or CODES[code].fix, on_key))


@dataclass
class Indexed:
    """The index and what the semantic checks need to point back into the documents."""

    rb: RuleBase
    report: Reporter
    qual_types: dict[str, tuple[Loaded, int]]  # "aqf:bachelor" -> (framework document, index)
    cred_src: dict[str, tuple[Loaded, Path]]  # credential id -> (catalog document, path)
    unknown_systems: bool  # a credit system could not be resolved (reported): credit cannot be compared


def index_documents(loaded: list[Loaded], report: Reporter | None = None) -> Indexed:
    """Index ``loaded`` (rule documents and learners alike); what cannot be indexed is reported."""
    return _Indexer(loaded, report or Reporter()).run()


@dataclass
class _Indexer:
    loaded: list[Loaded]
    report: Reporter
    by_kind: dict[str, list[Loaded]] = field(default_factory=dict)
    # equal values (credit, tags, offerings) shared by thousands of credentials are kept once
    shared: dict[object, object] = field(default_factory=dict)
    systems: dict[str, System] = field(default_factory=dict)
    system_locs: dict[str, tuple[Loaded, Path]] = field(default_factory=dict)
    unknown_systems: bool = False
    frameworks: dict[str, FrameworkDoc] = field(default_factory=dict)
    level_order: dict[str, tuple[str, int]] = field(default_factory=dict)
    qual_types: dict[str, tuple[Loaded, int]] = field(default_factory=dict)
    crosswalk: dict[str, set[str]] = field(default_factory=dict)
    providers: dict[str, ProviderInfo] = field(default_factory=dict)
    credentials: dict[str, CredentialInfo] = field(default_factory=dict)
    cred_src: dict[str, tuple[Loaded, Path]] = field(default_factory=dict)
    qualifications: dict[str, list[QualVersion]] = field(default_factory=dict)
    rules: list[RuleInfo] = field(default_factory=list)
    approvers: dict[str, dict[str, ApproverInfo]] = field(default_factory=dict)

    def run(self) -> Indexed:
        for item in self.loaded:
            self.by_kind.setdefault(item.doc.kind, []).append(item)
        self.credit_systems()
        self.frameworks_()
        self.crosswalks()
        self.catalogs()
        self.qualification_documents()
        self.framework_types()
        self.credit_rules()
        self.approvers_()
        issuers: tuple[IssuerTrust, ...] = ()
        if self.of_kind("issuer"):  # the verifier (PyLD, cryptography) is imported only for a rule base that trusts issuers
            from .issuers import index_issuers

            issuers = index_issuers(self.of_kind("issuer"), self.providers, self.credentials, self.report)
        rb = RuleBase(
            systems=self.systems,
            frameworks=self.frameworks,
            level_order=self.level_order,
            crosswalk={k: tuple(sorted(v)) for k, v in self.crosswalk.items()},
            providers=self.providers,
            credentials=self.credentials,
            qualifications={k: tuple(sorted(v, key=_version_key)) for k, v in self.qualifications.items()},
            rules=tuple(sorted(self.rules, key=lambda r: r.id)),
            documents=tuple(self.loaded),
            approvers=self.approvers,
            issuers=issuers,
        )
        return Indexed(rb, self.report, self.qual_types, self.cred_src, self.unknown_systems)

    def of_kind(self, kind: str) -> list[Loaded]:
        return self.by_kind.get(kind, [])

    def one(self, value: T) -> T:
        return self.shared.setdefault((type(value), value), value)  # type: ignore[return-value]

    # ---- credit systems: every system is known before any quantity is converted

    def credit_systems(self) -> None:
        for item in self.of_kind("credit_systems"):
            cs: CreditSystemsDoc = item.doc
            for i, s in enumerate(cs.systems):
                if s.id in self.systems:
                    self.report.error(
                        item,
                        ("systems", i, "id"),
                        "SR3006",
                        f"credit system `{s.id}` is defined twice (first at {loc_of(*self.system_locs[s.id])})",
                        "remove one of them",
                    )
                    continue
                self.add_system(s.id, s.full_time_year, s.name, item, ("systems", i, "id"))
        for item in self.of_kind("catalog"):
            cat: CatalogDoc = item.doc
            if not isinstance(cat.credit_system, str):
                self.add_system(cat.credit_system.id, cat.credit_system.full_time_year, cat.credit_system.name, item, ("credit_system", "id"))

    def add_system(self, sid: str, fty: Fraction, name: str | None, item: Loaded, path: Path) -> None:
        if sid in self.systems:
            if self.systems[sid].full_time_year != fty:
                first = self.system_locs[sid]
                self.report.error(
                    item,
                    path,
                    "SR3006",
                    f"credit system `{sid}` is already defined with a different full-time year at {loc_of(*first)}",
                    "give this system its own id",
                )
            return
        self.systems[sid] = System(sid, fty, name)
        self.system_locs[sid] = (item, path)

    def check_system(self, sid: str | None, item: Loaded, path: Path) -> bool:
        """True when ``sid`` is a known system (or none is named); else reported."""
        if sid is None or sid in self.systems:
            return True
        self.unknown_systems = True
        self.report.error(
            item,
            path,
            "SR3004",
            f"unknown credit system `{sid}`",
            suggestion(sid, self.systems) or "define it in a `credit_systems` document (for instance load `frameworks/`) or inline in a catalog",
        )
        return False

    # ---- frameworks, levels, qualification types, crosswalks

    def frameworks_(self) -> None:
        for item in self.of_kind("framework"):
            fw: FrameworkDoc = item.doc
            if fw.id in self.frameworks:
                self.report.error(item, ("id",), "SR3006", f"framework `{fw.id}` is defined twice", "remove one of them")
                continue
            self.frameworks[fw.id] = fw
            self.check_system(fw.credit_system, item, ("credit_system",))
            for i, lv in enumerate(fw.levels):
                key = f"{fw.id}:{lv.level}"
                if key in self.level_order:
                    self.report.error(item, ("levels", i, "level"), "SR3006", f"level `{key}` is defined twice", "remove one of them")
                self.level_order[key] = (fw.id, i)
            for i, qt in enumerate(fw.qualification_types):
                key = f"{fw.id}:{qt.id}"
                if key in self.qual_types:
                    self.report.error(item, ("qualification_types", i, "id"), "SR3006", f"qualification type `{key}` is defined twice", "remove one of them")
                self.qual_types[key] = (item, i)
                if f"{fw.id}:{qt.level}" not in self.level_order:
                    self.report.error(
                        item,
                        ("qualification_types", i, "level"),
                        "SR3003",
                        f"level `{qt.level}` is not a level of `{fw.id}`",
                        suggestion(f"{fw.id}:{qt.level}", self.level_order),
                    )
                if qt.requires is not None and qt.credits is None and qt.volume_years is None:
                    self.report.error(
                        item, ("qualification_types", i), "SR2002", "a qualification type with `requires` needs `credits` or `volume_years`", "add `credits:`"
                    )
                if qt.requires is not None and fw.credit_system is None and (qt.credits is None or qt.credits.system is None):
                    self.report.error(
                        item,
                        ("qualification_types", i),
                        "SR3004",
                        f"framework `{fw.id}` has no `credit_system`, so the type's credit cannot be measured",
                        "add `credit_system:` to the framework",
                    )

    def check_level(self, level: str | None, item: Loaded, path: Path) -> None:
        if level is not None and level not in self.level_order:
            fwid = level.partition(":")[0]
            if fwid not in self.frameworks:
                self.report.error(item, path, "SR3013", f"unknown framework `{fwid}` in `{level}`", suggestion(fwid, self.frameworks))
            else:
                self.report.error(item, path, "SR3003", f"`{level}` is not a level of `{fwid}`", suggestion(level, self.level_order))

    def crosswalks(self) -> None:
        seen: set[str] = set()
        for item in self.of_kind("crosswalk"):
            cw: CrosswalkDoc = item.doc
            if cw.id in seen:
                self.report.error(item, ("id",), "SR3006", f"crosswalk `{cw.id}` is defined twice", "remove one of them")
            seen.add(cw.id)
            for end, key in ((cw.from_, "from"), (cw.to, "to")):
                if end not in self.frameworks:
                    self.report.error(item, (key,), "SR3013", f"unknown framework `{end}`", suggestion(end, self.frameworks))
            for i, pair in enumerate(cw.pairs):
                for lvl, key, fwid in ((pair.from_, "from", cw.from_), (pair.to, "to", cw.to)):
                    self.check_level(lvl, item, ("pairs", i, key))
                    if lvl.partition(":")[0] != fwid:
                        self.report.error(item, ("pairs", i, key), "SR3003", f"`{lvl}` is not a level of `{fwid}`, the crosswalk's `{key}`", None)
                self.crosswalk.setdefault(pair.from_, set()).add(pair.to)
                self.crosswalk.setdefault(pair.to, set()).add(pair.from_)

    # ---- catalogs: providers, then their credentials

    def catalogs(self) -> None:
        for item in self.of_kind("catalog"):
            cat: CatalogDoc = item.doc
            pid = cat.provider.id
            if pid in self.providers:
                self.report.error(
                    item, ("provider", "id"), "SR3006", f"provider `{pid}` already has a catalog at {self.providers[pid].loc}", "merge the two catalogs"
                )
                continue
            sid = system_of_catalog(cat)
            self.check_system(sid, item, ("credit_system",))
            calendar = tuple((t.id, t.from_, t.until) for t in cat.terms)
            self.providers[pid] = ProviderInfo(pid, cat.provider.name, sid, cat.grade_scale, loc_of(item, ("provider",)), calendar, cat.national)
        for item in self.of_kind("catalog"):
            cat = item.doc
            pid = cat.provider.id
            if self.providers.get(pid) is None or self.providers[pid].loc != loc_of(item, ("provider",)):
                continue
            self.catalog_credentials(item, cat, pid)

    def catalog_credentials(self, item: Loaded, cat: CatalogDoc, pid: str) -> None:
        sid = self.providers[pid].system
        one = self.one
        pattern = id_pattern_regex(cat.id_pattern) if cat.id_pattern is not None else None
        for i, c in enumerate(cat.credentials):
            path: Path = ("credentials", i)
            if c.id.partition(":")[0] != pid:
                self.report.error(item, path + ("id",), "SR2007", f"`{c.id}` does not belong to provider `{pid}`", f"name it `{pid}:{c.id.partition(':')[2]}`")
                continue
            if c.id in self.credentials:
                self.report.error(
                    item,
                    path + ("id",),
                    "SR3006",
                    f"credential `{c.id}` is defined twice (first at {self.credentials[c.id].loc})",
                    "remove or rename one of them",
                )
                continue
            credits = Fraction(0)
            if c.credits is not None and self.check_system(c.credits.system, item, path + ("credits",)) and sid in self.systems:
                credits = in_system(self.systems, c.credits, sid)
            self.check_level(c.framework_level, item, path + ("framework_level",))
            subject, number = c.subject, c.number
            if pattern is not None and (subject is None or number is None):
                m = pattern.fullmatch(c.id)
                if m is None:
                    self.report.error(
                        item,
                        path + ("id",),
                        "SR4003",
                        f"`{c.id}` does not follow the catalog's id_pattern `{cat.id_pattern}`: it has no "
                        + " or ".join(k for k, val in (("subject", subject), ("number", number)) if val is None),
                        "give it `subject:` and `number:`, or correct the id",
                    )
                else:
                    subject = subject if subject is not None else m.group("subject")
                    number = number if number is not None else int(m.group("number"))
            self.credentials[c.id] = CredentialInfo(
                id=c.id,
                provider=pid,
                title=c.title,
                type=c.type,
                credits=one(credits),
                level=c.level,
                framework_level=c.framework_level,
                tags=one(c.tags),
                fields=one(c.fields),
                competencies=one(c.competencies),
                prerequisites=one(c.prerequisites),
                incompatible=one(c.incompatible),
                cost=one(c.cost.amount) if c.cost else None,
                currency=c.cost.currency if c.cost else None,
                offered=one(c.offered),
                loc=loc_of(item, path),
                subject=one(subject) if subject is not None else None,
                number=number,
                supersedes=one(c.supersedes),
                equivalent=one(c.equivalent),
                repeat_max=self.repeat_bound(c, credits, sid),
            )
            self.cred_src[c.id] = (item, path)

    def repeat_bound(self, c: Credential, credits: Fraction, sid: str) -> int | None:
        """How many holdings of a repeatable credential may count: `max`, and `max_credits` over its credit."""
        r = c.repeatable
        if r is None:
            return None
        bounds = [r.max] if r.max is not None else []
        if r.max_credits is not None and credits > 0 and sid in self.systems and (r.max_credits.system is None or r.max_credits.system in self.systems):
            bounds.append(int(in_system(self.systems, r.max_credits, sid) // credits))
        return max(1, min(bounds)) if bounds else None

    # ---- qualifications: documents (versions side by side), then framework types with `requires`

    def qualification_documents(self) -> None:
        for item in self.of_kind("qualification"):
            q: QualificationDoc = item.doc
            if q.provider not in self.providers:
                self.report.error(
                    item,
                    ("provider",),
                    "SR3002",
                    f"provider `{q.provider}` has no catalog",
                    suggestion(q.provider, self.providers)
                    or "add a catalog for it, or check this file together with the rest of its rule base (the folder that holds its catalog)",
                )
                continue
            if q.id.partition(":")[0] != q.provider:
                self.report.error(
                    item, ("id",), "SR2007", f"`{q.id}` does not belong to provider `{q.provider}`", f"name it `{q.provider}:{q.id.partition(':')[2]}`"
                )
                continue
            if q.id in self.credentials:
                self.report.error(
                    item, ("id",), "SR3006", f"`{q.id}` is both a credential (at {self.credentials[q.id].loc}) and a qualification", "rename one of them"
                )
                continue
            if q.type is not None and q.type not in self.qual_types:
                self.report.error(item, ("type",), "SR3003", f"unknown qualification type `{q.type}`", suggestion(q.type, self.qual_types))
            self.check_level(q.framework_level, item, ("framework_level",))
            if q.effective and q.effective.from_ and q.effective.until and q.effective.until < q.effective.from_:
                self.report.error(item, ("effective",), "SR3016", "`until` is before `from`", "swap or correct the dates")
            sid = self.providers[q.provider].system
            if (q.credits is not None and not self.check_system(q.credits.system, item, ("credits",))) or sid not in self.systems:
                continue
            self.add_version(
                item,
                q,
                QualVersion(
                    id=q.id,
                    title=q.title,
                    provider=q.provider,
                    system=sid,
                    credits=in_system(self.systems, q.credits, sid) if q.credits is not None else None,
                    type=q.type,
                    framework_level=q.framework_level,
                    fields=q.fields,
                    tags=q.tags,
                    effective=q.effective,
                    requires=q.requires,
                    define=q.define,
                    limits=q.limits,
                    loc=loc_of(item, ("id",)),
                    origin=item,
                    base_path=(),
                    home_catalogs=q.home_catalogs,
                ),
            )

    def add_version(self, item: Loaded, q: QualificationDoc, v: QualVersion) -> None:
        for other in self.qualifications.get(q.id, []):
            a = q.effective
            b = other.effective
            if a is None or b is None or a.overlaps(b):
                code = "SR3006" if a is None and b is None else "SR3007"
                self.report.error(
                    item,
                    ("effective",) if a else ("id",),
                    code,
                    f"`{q.id}` is already defined at {other.loc} for an overlapping period",
                    "give each version an `effective: {from, until}` range that does not overlap the others",
                )
                return
        self.qualifications.setdefault(q.id, []).append(v)

    def framework_types(self) -> None:
        for key, (item, i) in sorted(self.qual_types.items()):
            fw: FrameworkDoc = item.doc
            qt = fw.qualification_types[i]
            if qt.requires is None:
                continue
            sid = fw.credit_system or (qt.credits.system if qt.credits else None)
            if sid is None or sid not in self.systems:
                continue
            if qt.credits is not None:
                if not self.check_system(qt.credits.system, item, ("qualification_types", i, "credits")):
                    continue
                total = in_system(self.systems, qt.credits, sid)
            else:
                assert qt.volume_years is not None
                total = qt.volume_years[0] * self.systems[sid].full_time_year
            self.qualifications[key] = [
                QualVersion(
                    id=key,
                    title=qt.name,
                    provider=None,
                    system=sid,
                    credits=total,
                    type=key,
                    framework_level=f"{fw.id}:{qt.level}",
                    fields=qt.fields,
                    tags=qt.tags,
                    effective=None,
                    requires=qt.requires,
                    define=qt.define,
                    limits=qt.limits,
                    loc=loc_of(item, ("qualification_types", i)),
                    origin=item,
                    base_path=("qualification_types", i),
                )
            ]

    # ---- credit rules

    def credit_rules(self) -> None:
        seen: dict[str, Loc] = {}
        for item in self.of_kind("credit_rule"):
            r: CreditRuleDoc = item.doc
            if r.id in seen:
                self.report.error(item, ("id",), "SR3006", f"credit rule `{r.id}` is already defined at {seen[r.id]}", "rename one of them")
                continue
            seen[r.id] = loc_of(item, ("id",))
            if r.effective and r.effective.from_ and r.effective.until and r.effective.until < r.effective.from_:
                # (as a qualification's: a rule in force from June until January is in force on no day)
                self.report.error(item, ("effective",), "SR3016", "`until` is before `from`", "swap or correct the dates")
                continue
            self.rules.append(RuleInfo(r, seen[r.id], item))

    # ---- approvers: who may approve a learner's exceptions, per provider (section 18)

    def approvers_(self) -> None:
        for item in self.of_kind("approvers"):
            doc: ApproversDoc = item.doc
            if doc.provider not in self.providers:
                self.report.error(item, ("provider",), "SR3002", f"provider `{doc.provider}` has no catalog", suggestion(doc.provider, self.providers))
                continue
            listed = self.approvers.setdefault(doc.provider, {})
            for i, a in enumerate(doc.approvers):
                if a.id in listed:
                    self.report.error(
                        item,
                        ("approvers", i, "id"),
                        "SR3006",
                        f"approver `{a.id}` of `{doc.provider}` is listed twice (first at {listed[a.id].loc})",
                        "remove or rename one of them",
                    )
                    continue
                listed[a.id] = ApproverInfo(a.id, doc.provider, a.name, frozenset(a.may), a.scope, loc_of(item, ("approvers", i, "id")))


def _version_key(v: QualVersion) -> tuple[object, ...]:
    return ((v.effective.from_ if v.effective and v.effective.from_ else dt.date.min),)
