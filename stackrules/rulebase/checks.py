"""Semantic checks across all files, and building the :class:`RuleBase`.

Everything a rule author can get wrong that a single document's shape cannot
show: ids that do not exist (with the closest known ids), duplicates,
overlapping versions, cycles, impossible `at_least`, contradictory limits,
grades outside a scale, quantities in unknown systems, and (as warnings)
nodes no credential could satisfy and credit rules that can never apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, TypeVar

from ..diagnostics import CODES, Diagnostic, suggestion
from ..language.documents import Loaded
from ..language.models import (
    CatalogDoc,
    CreditRuleDoc,
    CreditSystemsDoc,
    CrosswalkDoc,
    ExemptGrant,
    Filter,
    FrameworkDoc,
    IntoFilter,
    LearnerDoc,
    Limit,
    QualificationDoc,
    Requirement,
    SpecifiedGrant,
    UnspecifiedGrant,
)
from ..language.positions import Path
from ..language.quantity import Quantity
from .filters import Attrs, Matcher, credential_attrs, grant_attrs, version_attrs
from .index import CredentialInfo, Loc, ProviderInfo, QualVersion, RuleBase, RuleInfo, System, in_system, iter_nodes, loc_of, system_of_catalog

if TYPE_CHECKING:
    import networkx as nx


T = TypeVar("T")


@dataclass
class _Ctx:
    diags: list[Diagnostic] = field(default_factory=list)

    def error(self, item: Loaded, path: Path, code: str, message: str, help: str | None = None, on_key: bool = False) -> None:
        self.diags.append(item.smap.diag(path, code, message, help or CODES[code].fix, on_key))


def build(loaded: list[Loaded]) -> tuple[RuleBase | None, list[Diagnostic]]:
    """Index the documents and check them; a RuleBase only when nothing is wrong."""
    cx = _Ctx()
    by_kind: dict[str, list[Loaded]] = {}
    # equal values (credit, tags, offerings) shared by thousands of credentials are kept once
    shared: dict[object, object] = {}

    def one(value: T) -> T:
        return shared.setdefault((type(value), value), value)  # type: ignore[return-value]

    for item in loaded:
        by_kind.setdefault(item.doc.kind, []).append(item)

    # ---- credit systems
    systems: dict[str, System] = {}
    system_locs: dict[str, tuple[Loaded, Path]] = {}

    def add_system(sid: str, fty: Fraction, name: str | None, item: Loaded, path: Path) -> None:
        if sid in systems:
            if systems[sid].full_time_year != fty:
                first = system_locs[sid]
                cx.error(
                    item,
                    path,
                    "SR3006",
                    f"credit system `{sid}` is already defined with a different full-time year at {loc_of(*first)}",
                    "give this system its own id",
                )
            return
        systems[sid] = System(sid, fty, name)
        system_locs[sid] = (item, path)

    for item in by_kind.get("credit_systems", []):
        cs: CreditSystemsDoc = item.doc
        for i, s in enumerate(cs.systems):
            if s.id in systems:
                cx.error(
                    item,
                    ("systems", i, "id"),
                    "SR3006",
                    f"credit system `{s.id}` is defined twice (first at {loc_of(*system_locs[s.id])})",
                    "remove one of them",
                )
                continue
            add_system(s.id, s.full_time_year, s.name, item, ("systems", i, "id"))
    for item in by_kind.get("catalog", []):
        cat: CatalogDoc = item.doc
        if not isinstance(cat.credit_system, str):
            add_system(cat.credit_system.id, cat.credit_system.full_time_year, cat.credit_system.name, item, ("credit_system", "id"))

    def check_system(sid: str | None, item: Loaded, path: Path) -> bool:
        if sid is None or sid in systems:
            return True
        cx.error(
            item,
            path,
            "SR3004",
            f"unknown credit system `{sid}`",
            suggestion(sid, systems) or "define it in a `credit_systems` document or inline in a catalog",
        )
        return False

    # ---- frameworks, levels, crosswalks
    frameworks: dict[str, FrameworkDoc] = {}
    level_order: dict[str, tuple[str, int]] = {}
    qual_types: dict[str, tuple[Loaded, int]] = {}
    for item in by_kind.get("framework", []):
        fw: FrameworkDoc = item.doc
        if fw.id in frameworks:
            cx.error(item, ("id",), "SR3006", f"framework `{fw.id}` is defined twice", "remove one of them")
            continue
        frameworks[fw.id] = fw
        check_system(fw.credit_system, item, ("credit_system",))
        for i, lv in enumerate(fw.levels):
            key = f"{fw.id}:{lv.level}"
            if key in level_order:
                cx.error(item, ("levels", i, "level"), "SR3006", f"level `{key}` is defined twice", "remove one of them")
            level_order[key] = (fw.id, i)
        for i, qt in enumerate(fw.qualification_types):
            key = f"{fw.id}:{qt.id}"
            if key in qual_types:
                cx.error(item, ("qualification_types", i, "id"), "SR3006", f"qualification type `{key}` is defined twice", "remove one of them")
            qual_types[key] = (item, i)
            if f"{fw.id}:{qt.level}" not in level_order:
                cx.error(
                    item,
                    ("qualification_types", i, "level"),
                    "SR3003",
                    f"level `{qt.level}` is not a level of `{fw.id}`",
                    suggestion(f"{fw.id}:{qt.level}", level_order),
                )
            if qt.requires is not None and qt.credits is None and qt.volume_years is None:
                cx.error(item, ("qualification_types", i), "SR2002", "a qualification type with `requires` needs `credits` or `volume_years`", "add `credits:`")
            if qt.requires is not None and fw.credit_system is None and (qt.credits is None or qt.credits.system is None):
                cx.error(
                    item,
                    ("qualification_types", i),
                    "SR3004",
                    f"framework `{fw.id}` has no `credit_system`, so the type's credit cannot be measured",
                    "add `credit_system:` to the framework",
                )

    def check_level(level: str | None, item: Loaded, path: Path) -> None:
        if level is not None and level not in level_order:
            fwid = level.partition(":")[0]
            if fwid not in frameworks:
                cx.error(item, path, "SR3013", f"unknown framework `{fwid}` in `{level}`", suggestion(fwid, frameworks))
            else:
                cx.error(item, path, "SR3003", f"`{level}` is not a level of `{fwid}`", suggestion(level, level_order))

    crosswalk: dict[str, set[str]] = {}
    seen_cw: set[str] = set()
    for item in by_kind.get("crosswalk", []):
        cw: CrosswalkDoc = item.doc
        if cw.id in seen_cw:
            cx.error(item, ("id",), "SR3006", f"crosswalk `{cw.id}` is defined twice", "remove one of them")
        seen_cw.add(cw.id)
        for end, key in ((cw.from_, "from"), (cw.to, "to")):
            if end not in frameworks:
                cx.error(item, (key,), "SR3013", f"unknown framework `{end}`", suggestion(end, frameworks))
        for i, pair in enumerate(cw.pairs):
            for lvl, key, fwid in ((pair.from_, "from", cw.from_), (pair.to, "to", cw.to)):
                check_level(lvl, item, ("pairs", i, key))
                if lvl.partition(":")[0] != fwid:
                    cx.error(item, ("pairs", i, key), "SR3003", f"`{lvl}` is not a level of `{fwid}`, the crosswalk's `{key}`", None)
            crosswalk.setdefault(pair.from_, set()).add(pair.to)
            crosswalk.setdefault(pair.to, set()).add(pair.from_)

    # ---- catalogs and credentials
    providers: dict[str, ProviderInfo] = {}
    credentials: dict[str, CredentialInfo] = {}
    cred_src: dict[str, tuple[Loaded, Path]] = {}
    for item in by_kind.get("catalog", []):
        cat = item.doc
        pid = cat.provider.id
        if pid in providers:
            cx.error(item, ("provider", "id"), "SR3006", f"provider `{pid}` already has a catalog at {providers[pid].loc}", "merge the two catalogs")
            continue
        sid = system_of_catalog(cat)
        check_system(sid, item, ("credit_system",))
        providers[pid] = ProviderInfo(pid, cat.provider.name, sid, cat.grade_scale, loc_of(item, ("provider",)))
    for item in by_kind.get("catalog", []):
        cat = item.doc
        pid = cat.provider.id
        if providers.get(pid) is None or providers[pid].loc != loc_of(item, ("provider",)):
            continue
        sid = providers[pid].system
        for i, c in enumerate(cat.credentials):
            path: Path = ("credentials", i)
            if c.id.partition(":")[0] != pid:
                cx.error(item, path + ("id",), "SR2007", f"`{c.id}` does not belong to provider `{pid}`", f"name it `{pid}:{c.id.partition(':')[2]}`")
                continue
            if c.id in credentials:
                cx.error(
                    item, path + ("id",), "SR3006", f"credential `{c.id}` is defined twice (first at {credentials[c.id].loc})", "remove or rename one of them"
                )
                continue
            credits = Fraction(0)
            if c.credits is not None and check_system(c.credits.system, item, path + ("credits",)) and sid in systems:
                credits = in_system(systems, c.credits, sid)
            check_level(c.framework_level, item, path + ("framework_level",))
            credentials[c.id] = CredentialInfo(
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
            )
            cred_src[c.id] = (item, path)

    # ---- qualifications (documents and framework types with `requires`)
    qualifications: dict[str, list[QualVersion]] = {}
    for item in by_kind.get("qualification", []):
        q: QualificationDoc = item.doc
        if q.provider not in providers:
            cx.error(item, ("provider",), "SR3002", f"provider `{q.provider}` has no catalog", suggestion(q.provider, providers) or "add a catalog for it")
            continue
        if q.id.partition(":")[0] != q.provider:
            cx.error(item, ("id",), "SR2007", f"`{q.id}` does not belong to provider `{q.provider}`", f"name it `{q.provider}:{q.id.partition(':')[2]}`")
            continue
        if q.id in credentials:
            cx.error(item, ("id",), "SR3006", f"`{q.id}` is both a credential (at {credentials[q.id].loc}) and a qualification", "rename one of them")
            continue
        if q.type is not None and q.type not in qual_types:
            cx.error(item, ("type",), "SR3003", f"unknown qualification type `{q.type}`", suggestion(q.type, qual_types))
        check_level(q.framework_level, item, ("framework_level",))
        if q.effective and q.effective.from_ and q.effective.until and q.effective.until < q.effective.from_:
            cx.error(item, ("effective",), "SR3016", "`until` is before `from`", "swap or correct the dates")
        sid = providers[q.provider].system
        if not check_system(q.credits.system, item, ("credits",)) or sid not in systems:
            continue
        v = QualVersion(
            id=q.id,
            title=q.title,
            provider=q.provider,
            system=sid,
            credits=in_system(systems, q.credits, sid),
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
        )
        for other in qualifications.get(q.id, []):
            a = q.effective
            b = other.effective
            if a is None or b is None or a.overlaps(b):
                code = "SR3006" if a is None and b is None else "SR3007"
                cx.error(
                    item,
                    ("effective",) if a else ("id",),
                    code,
                    f"`{q.id}` is already defined at {other.loc} for an overlapping period",
                    "give each version an `effective: {from, until}` range that does not overlap the others",
                )
                break
        else:
            qualifications.setdefault(q.id, []).append(v)
    for key, (item, i) in sorted(qual_types.items()):
        fw = item.doc
        qt = fw.qualification_types[i]
        if qt.requires is None:
            continue
        qsid = fw.credit_system or (qt.credits.system if qt.credits else None)
        if qsid is None or qsid not in systems:
            continue
        sid = qsid
        if qt.credits is not None:
            if not check_system(qt.credits.system, item, ("qualification_types", i, "credits")):
                continue
            total = in_system(systems, qt.credits, sid)
        else:
            assert qt.volume_years is not None
            total = qt.volume_years[0] * systems[sid].full_time_year
        qualifications[key] = [
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

    rules: list[RuleInfo] = []
    seen_rules: dict[str, Loc] = {}
    for item in by_kind.get("credit_rule", []):
        r: CreditRuleDoc = item.doc
        if r.id in seen_rules:
            cx.error(item, ("id",), "SR3006", f"credit rule `{r.id}` is already defined at {seen_rules[r.id]}", "rename one of them")
            continue
        seen_rules[r.id] = loc_of(item, ("id",))
        rules.append(RuleInfo(r, seen_rules[r.id], item))

    rb = RuleBase(
        systems=systems,
        frameworks=frameworks,
        level_order=level_order,
        crosswalk={k: tuple(sorted(v)) for k, v in crosswalk.items()},
        providers=providers,
        credentials=credentials,
        qualifications={k: tuple(sorted(v, key=_version_key)) for k, v in qualifications.items()},
        rules=tuple(sorted(rules, key=lambda r: r.id)),
        documents=tuple(loaded),
    )
    _TreeChecks(rb, cx, qual_types, cred_src).run()
    if any(d.severity == "error" for d in cx.diags):
        return None, cx.diags
    return rb, cx.diags


def _version_key(v: QualVersion) -> tuple[object, ...]:
    import datetime as dt

    return ((v.effective.from_ if v.effective and v.effective.from_ else dt.date.min),)


@dataclass
class _TreeChecks:
    """Checks over requirement trees, prerequisites, credit rules."""

    rb: RuleBase
    cx: _Ctx
    qual_types: dict[str, tuple[Loaded, int]]
    cred_src: dict[str, tuple[Loaded, Path]]
    _pools: dict[str, list[Attrs]] = field(default_factory=dict)  # the catalogue as filters see it, per credit system

    def known_ids(self) -> set[str]:
        return set(self.rb.credentials) | set(self.rb.qualifications)

    def run(self) -> None:
        import networkx as nx  # only a full load checks cycles: a cached load never imports it

        nest = nx.DiGraph()
        prereq = nx.DiGraph()
        for cid, info in sorted(self.rb.credentials.items()):
            item, path = self.cred_src[cid]
            for i, other in enumerate(info.incompatible):
                if other not in self.rb.credentials:
                    self.unknown(other, item, path + ("incompatible", i))
            if info.prerequisites is not None:
                for n, p in iter_nodes(info.prerequisites, path + ("prerequisites",)):
                    self.node_basics(n, p, item, None)
                    if n.credential is not None and n.credential in self.rb.credentials:
                        prereq.add_edge(cid, n.credential)
        for cycle in _cycles(prereq):
            item, path = self.cred_src[cycle[0]]
            self.cx.error(
                item,
                path + ("prerequisites",),
                "SR3008",
                "prerequisites form a cycle: " + " -> ".join(cycle + [cycle[0]]),
                "remove one prerequisite of the cycle",
            )
        for _qid, versions in sorted(self.rb.qualifications.items()):
            for v in versions:
                self.qualification(v, nest)
        for cycle in _cycles(nest):
            v = self.rb.qualifications[cycle[0]][0]
            self.cx.error(
                v.origin,
                v.base_path + ("requires",),
                "SR3008",
                "qualifications nest in a cycle: " + " -> ".join(cycle + [cycle[0]]),
                "remove one `qualification:` node of the cycle",
            )
        for rule in self.rb.rules:
            self.rule(rule)
        for item in self.rb.documents:
            if isinstance(item.doc, LearnerDoc):
                check_learner(self.rb, item, self.cx)

    def unknown(self, cid: str, item: Loaded, path: Path, what: str = "credential") -> None:
        prov = cid.partition(":")[0]
        known = self.known_ids()
        help_ = suggestion(cid, known)
        if help_ is None and prov not in self.rb.providers:
            near = suggestion(prov, self.rb.providers)
            help_ = f"no catalog defines provider `{prov}`" + (f": {near}" if near else "")
        self.cx.error(item, path, "SR3001", f"unknown {what} `{cid}`", help_)

    def node_basics(self, n: Requirement, p: Path, item: Loaded, v: QualVersion | None) -> None:
        """Checks that need only the node itself and the rule base."""
        if n.credential is not None:
            if n.credential not in self.rb.credentials and n.credential not in self.rb.qualifications:
                self.unknown(n.credential, item, p + ("credential",) if _has_key(item, p, "credential") else p)
            elif n.min_grade is not None:
                self.grade(n.min_grade, n.credential.partition(":")[0], item, p + ("min_grade",))
        elif n.min_grade is not None and v is not None and v.provider is not None:
            self.grade(n.min_grade, v.provider, item, p + ("min_grade",))
        if n.qualification is not None and n.qualification not in self.rb.qualifications:
            self.unknown(n.qualification, item, p + ("qualification",), "qualification")
        if n.at_least is not None and n.of is not None and n.at_least > len(n.of):
            self.cx.error(
                item,
                p + ("at_least",),
                "SR3009",
                f"`at_least: {n.at_least}` but the node has only {len(n.of)} children",
                f"lower it to at most {len(n.of)}, or add children",
            )
        if n.credits is not None:
            self.quantity(n.credits, item, p + ("credits",))
        if n.where is not None:
            self.filter_levels(n.where, item, p + ("where",))
        self.limits(n.limits, item, p, v)

    def grade(self, grade: str, provider: str, item: Loaded, path: Path) -> None:
        prov = self.rb.providers.get(provider)
        if prov is None:
            return
        if prov.grade_scale is None:
            self.cx.error(
                item,
                path,
                "SR3011",
                f"provider `{provider}` has no grade scale, so `{grade}` cannot be compared",
                f"add a `grade_scale` to the catalog of `{provider}`, or remove the grade condition",
            )
        elif grade not in prov.grade_scale.order:
            self.cx.error(
                item,
                path,
                "SR3012",
                f"`{grade}` is not a grade of `{provider}`",
                suggestion(grade, prov.grade_scale.order) or ("grades: " + ", ".join(prov.grade_scale.order)),
            )

    def quantity(self, q: Quantity, item: Loaded, path: Path) -> None:
        if q.system is not None and q.system not in self.rb.systems:
            self.cx.error(item, path, "SR3004", f"unknown credit system `{q.system}`", suggestion(q.system, self.rb.systems))

    def filter_levels(self, f: Filter, item: Loaded, path: Path) -> None:
        for t in f.terms:
            if t.attr == "framework_level":
                for val in t.value if isinstance(t.value, tuple) else (t.value,):
                    if val not in self.rb.level_order:
                        self.cx.error(item, path + ("framework_level",), "SR3003", f"unknown framework level `{val}`", suggestion(val, self.rb.level_order))
        for group in f.any_of:
            for g in group:
                self.filter_levels(g, item, path)
        for g in f.nots:
            self.filter_levels(g, item, path)

    def limits(self, limits: tuple[Limit, ...], item: Loaded, p: Path, v: QualVersion | None) -> None:
        for i, lim in enumerate(limits):
            lp = p + ("limits", i)
            for key in ("max_credits", "min_credits"):
                q = getattr(lim, key)
                if q is not None:
                    self.quantity(q, item, lp + (key,))
            if lim.where is not None:
                self.filter_levels(lim.where, item, lp + ("where",))
            if lim.min_gpa is not None and v is not None and v.provider is not None:
                scale = self.rb.providers[v.provider].grade_scale
                if scale is None or scale.points is None:
                    self.cx.error(
                        item,
                        lp + ("min_gpa",),
                        "SR3011",
                        f"`min_gpa` needs grade points, and provider `{v.provider}` has none",
                        "add `points:` to the provider's `grade_scale`",
                    )
            pairs = (("min_credits", "max_credits"), ("min_count", "max_count"), ("min_share", "max_share"))
            for lo_key, hi_key in pairs:
                lo, hi = getattr(lim, lo_key), getattr(lim, hi_key)
                if lo is not None and hi is not None and _val(lo) > _val(hi):
                    self.cx.error(item, lp + (lo_key,), "SR3010", f"`{lo_key}` is above `{hi_key}` in the same limit", "lower the minimum or raise the maximum")
        for i, a in enumerate(limits):
            for b in limits[i + 1 :]:
                if a.where != b.where:
                    continue
                for lo_key, hi_key in (("min_credits", "max_credits"), ("min_count", "max_count"), ("min_share", "max_share")):
                    for lo_l, hi_l in ((a, b), (b, a)):
                        lo, hi = getattr(lo_l, lo_key), getattr(hi_l, hi_key)
                        if lo is not None and hi is not None and _val(lo) > _val(hi):
                            idx = limits.index(lo_l)
                            self.cx.error(
                                item,
                                p + ("limits", idx, lo_key),
                                "SR3010",
                                f"`{lo_key}` is above the `{hi_key}` of another limit with the same filter",
                                "lower the minimum or raise the maximum",
                            )

    def qualification(self, v: QualVersion, nest: nx.DiGraph) -> None:
        item, base = v.origin, v.base_path
        ids: dict[str, Path] = {}
        import networkx as nx

        refs = nx.DiGraph()
        trees: list[tuple[Requirement, Path, str | None]] = [(v.requires, base + ("requires",), None)]
        trees += [(node, base + ("define", name), name) for name, node in sorted(v.define.items())]
        self.limits(v.limits, item, base, v)
        for root, rpath, defname in trees:
            for n, p in iter_nodes(root, rpath):
                self.node_basics(n, p, item, v)
                if n.id is not None:
                    if n.id in ids:
                        self.cx.error(
                            item, p + ("id",), "SR3006", f"node id `{n.id}` is used twice in `{v.id}`", "node ids must be unique inside a qualification"
                        )
                    ids[n.id] = p
                if n.ref is not None:
                    if n.ref not in v.define:
                        self.cx.error(
                            item,
                            p + ("ref",),
                            "SR3005",
                            f"`ref: {n.ref}` names no block under `define:`",
                            suggestion(n.ref, v.define) or "define it under the qualification's `define:`",
                        )
                    else:
                        refs.add_edge(defname or "#requires", n.ref)
                if n.qualification is not None and n.qualification in self.rb.qualifications:
                    nest.add_edge(v.id, n.qualification)
                if n.credential is not None and n.credential in self.rb.qualifications:
                    nest.add_edge(v.id, n.credential)
        for cycle in _cycles(refs):
            name = cycle[0]
            self.cx.error(item, base + ("define", name), "SR3008", "`ref` blocks form a cycle: " + " -> ".join(cycle + [name]), "remove one `ref` of the cycle")
        for root, rpath, _ in trees:
            for n, p in iter_nodes(root, rpath):
                for i, other in enumerate(n.shares_with):
                    if other not in ids:
                        self.cx.error(item, p + ("shares_with", i), "SR3005", f"`shares_with` names unknown node `{other}`", suggestion(other, ids))
        self.satisfiable(v, trees)

    def satisfiable(self, v: QualVersion, trees: list[tuple[Requirement, Path, str | None]]) -> None:
        """Warn about pools that no credential in the whole rule base could fill."""
        matcher = Matcher(self.rb, v.fields)
        if v.system not in self._pools:
            self._pools[v.system] = [credential_attrs(self.rb, c.id, v.system) for c in self.rb.credentials_by_id if c.type != "qualification"]
        pool = list(self._pools[v.system])
        for rule in self.rb.rules:
            for j, g in enumerate(rule.doc.grant):
                if isinstance(g, UnspecifiedGrant) and (not isinstance(g.unspecified, Quantity) or g.unspecified.system in (None, *self.rb.systems)):
                    pool.append(grant_attrs(g, f"credit:{rule.id}:{j}", v.provider or "", self.rb.grant_amount(g, v), v.system))
        for root, rpath, _ in trees:
            for n, p in iter_nodes(root, rpath):
                if n.credits is None and n.count is None and n.competencies is None:
                    continue
                f = n.where or Filter()
                need = Fraction(0)
                if n.credits is not None and (n.credits.system is None or n.credits.system in self.rb.systems):
                    need = self.rb.convert(n.credits, v.system)
                # scan until the pool is shown fillable (usually after a few credentials)
                have, count, uncovered = Fraction(0), 0, set(n.competencies or ())
                for a in pool:
                    if have >= need and count >= (n.count or 0) and not uncovered:
                        break
                    if matcher.match(f, a):
                        have += a.credits
                        count += 1
                        uncovered.difference_update(a.competencies)
                shortfalls: list[tuple[Path, str, str]] = []
                if n.credits is not None and have < need:
                    msg = f"no credentials in the rule base add up to the {need} credit this pool needs ({have} match its filter)"
                    shortfalls.append((("credits",), msg, "check the filter, or add credentials that match it"))
                if n.count is not None and count < n.count:
                    msg = f"only {count} credentials in the rule base match this pool, which needs {n.count}"
                    shortfalls.append((("count",), msg, "check the filter, or add credentials that match it"))
                for i, comp in enumerate(n.competencies or ()):
                    if comp in uncovered:
                        msg = f"no credential in the rule base covers competency `{comp}`"
                        shortfalls.append((("competencies", i), msg, "add a credential that lists it under `competencies`"))
                for sub, msg, help_ in shortfalls:
                    self.cx.diags.append(v.origin.smap.diag(p + sub, "SR4001", msg, help_))

    def rule(self, rule: RuleInfo) -> None:
        item, r = rule.origin, rule.doc
        if isinstance(r.into, str):
            if r.into not in self.rb.qualifications:
                self.unknown(r.into, item, ("into",), "qualification")
                return
            targets = [r.into]
        else:
            into: IntoFilter = r.into
            self.filter_levels(into.where, item, ("into", "where"))
            targets = [qid for qid in self.rb.qualifications if _qual_matches(self.rb, into.where, qid)]
            if not targets and r.type != "policy":  # policy defaults are general by design
                self.cx.diags.append(
                    item.smap.diag(("into",), "SR4002", "`into` matches no qualification in the rule base, so this rule never applies", "check the filter")
                )
        for n, p in iter_nodes(r.from_, ("from",)):
            self.node_basics(n, p, item, None)
            if n.ref is not None:
                self.cx.error(item, p + ("ref",), "SR3005", "`ref` cannot be used in a credit rule's `from`", "write the node out in full")
        if r.when and r.when.min_grade is not None:
            provs = {n.credential.partition(":")[0] for n, _ in iter_nodes(r.from_, ()) if n.credential}
            for prov in sorted(provs):
                self.grade(r.when.min_grade, prov, item, ("when", "min_grade"))
        for j, g in enumerate(r.grant):
            gp: Path = ("grant", j)
            if isinstance(g, SpecifiedGrant) and g.credential not in self.rb.credentials:
                self.unknown(g.credential, item, gp)
            elif isinstance(g, UnspecifiedGrant):
                if isinstance(g.unspecified, Quantity):
                    self.quantity(g.unspecified, item, gp + ("unspecified",))
                if g.framework_level:
                    if g.framework_level not in self.rb.level_order:
                        self.cx.error(
                            item,
                            gp + ("framework_level",),
                            "SR3003",
                            f"unknown framework level `{g.framework_level}`",
                            suggestion(g.framework_level, self.rb.level_order),
                        )
            elif isinstance(g, ExemptGrant):
                qid, _, node = g.exempt.partition("#")
                if qid not in self.rb.qualifications:
                    self.unknown(qid, item, gp + ("exempt",), "qualification")
                elif not node or not any(_has_node_id(v, node) for v in self.rb.qualifications[qid]):
                    ids = sorted({nid for v in self.rb.qualifications[qid] for nid in _node_ids(v)})
                    self.cx.error(
                        item, gp + ("exempt",), "SR3005", f"`{g.exempt}` names no node of `{qid}`", suggestion(node, ids) or "write `QUALIFICATION#node-id`"
                    )


def check_learner(rb: RuleBase, item: Loaded, cx: _Ctx) -> None:
    doc: LearnerDoc = item.doc
    for i, e in enumerate(doc.enrolments):
        if e.qualification not in rb.qualifications:
            cx.error(
                item, ("enrolments", i, "qualification"), "SR3001", f"unknown qualification `{e.qualification}`", suggestion(e.qualification, rb.qualifications)
            )
    seen: dict[str, int] = {}
    for i, h in enumerate(doc.holdings):
        path: Path = ("holdings", i)
        if h.credential in seen and doc.holdings[seen[h.credential]].status == h.status and h.awarded == doc.holdings[seen[h.credential]].awarded:
            cx.error(item, path + ("credential",), "SR3006", f"`{h.credential}` is listed twice", "remove the repeated holding")
        seen.setdefault(h.credential, i)
        info = rb.credentials.get(h.credential)
        prov_id = h.credential.partition(":")[0]
        if info is None and not h.described:
            known = set(rb.credentials) | set(rb.qualifications)
            cx.error(
                item,
                path + ("credential",),
                "SR3014",
                f"unknown credential `{h.credential}`, and the holding does not describe it",
                suggestion(h.credential, known) or "describe it inline with `title`, `provider` and `credits`",
            )
            continue
        if info is None:
            if h.title is None:
                cx.error(item, path, "SR2002", "missing key `title` for a credential described inline", "add `title:`")
            if h.credits is None:
                cx.error(
                    item,
                    path,
                    "SR2002",
                    "missing key `credits` for a credential described inline",
                    "add `credits:` (with a credit system unless its provider has a catalog)",
                )
            elif h.credits.system is None and prov_id not in rb.providers:
                cx.error(
                    item,
                    path + ("credits",),
                    "SR3004",
                    f"provider `{prov_id}` has no catalog, so `credits` must name its system",
                    f'write for example `"{h.credits.value} ects"`',
                )
            elif h.credits.system is not None and h.credits.system not in rb.systems:
                cx.error(item, path + ("credits",), "SR3004", f"unknown credit system `{h.credits.system}`", suggestion(h.credits.system, rb.systems))
            if h.provider is not None and h.provider != prov_id:
                cx.error(
                    item,
                    path + ("provider",),
                    "SR2007",
                    f"`{h.credential}` does not belong to provider `{h.provider}`",
                    f"name it `{h.provider}:{h.credential.partition(':')[2]}`",
                )
            if h.framework_level is not None and h.framework_level not in rb.level_order:
                cx.error(
                    item, path + ("framework_level",), "SR3003", f"unknown framework level `{h.framework_level}`", suggestion(h.framework_level, rb.level_order)
                )
        if h.grade is not None:
            prov = rb.providers.get(prov_id)
            if prov is not None and prov.grade_scale is not None and h.grade not in prov.grade_scale.order:
                cx.error(
                    item,
                    path + ("grade",),
                    "SR3012",
                    f"`{h.grade}` is not a grade of `{prov_id}`",
                    suggestion(h.grade, prov.grade_scale.order) or ("grades: " + ", ".join(prov.grade_scale.order)),
                )
    for i, ex in enumerate(doc.exceptions):
        path = ("exceptions", i)
        qid, _, node = ex.node.partition("#")
        if qid not in rb.qualifications:
            cx.error(item, path + ("node",), "SR3001", f"unknown qualification `{qid}`", suggestion(qid, rb.qualifications))
        elif node and not any(_has_node_id(v, node) for v in rb.qualifications[qid]):
            ids = sorted({nid for v in rb.qualifications[qid] for nid in _node_ids(v)})
            cx.error(item, path + ("node",), "SR3005", f"`{ex.node}` names no node of `{qid}`", suggestion(node, ids))
        for key in ("credential", "instead_of"):
            cid = getattr(ex, key)
            if cid is not None and cid not in rb.credentials and not any(h.credential == cid for h in doc.holdings):
                cx.error(item, path + (key,), "SR3001", f"unknown credential `{cid}`", suggestion(cid, rb.credentials))


def learner_diagnostics(rb: RuleBase, item: Loaded) -> list[Diagnostic]:
    cx = _Ctx()
    check_learner(rb, item, cx)
    return cx.diags


def _node_ids(v: QualVersion) -> list[str]:
    out = [n.id for n, _ in iter_nodes(v.requires, ()) if n.id]
    for d in v.define.values():
        out += [n.id for n, _ in iter_nodes(d, ()) if n.id]
    return out


def _has_node_id(v: QualVersion, node: str) -> bool:
    return node in _node_ids(v)


def _has_key(item: Loaded, path: Path, key: str) -> bool:
    return path + (key,) in item.smap.values


def _val(x: object) -> Fraction:
    if isinstance(x, Quantity):
        return x.value
    assert isinstance(x, int | Fraction)
    return Fraction(x)


def _cycles(g: nx.DiGraph) -> list[list[str]]:
    import networkx as nx

    out = []
    for comp in nx.strongly_connected_components(g):
        nodes = sorted(comp)
        if len(nodes) > 1 or g.has_edge(nodes[0], nodes[0]):
            sub = g.subgraph(nodes)
            cyc = nx.find_cycle(sub, source=nodes[0])
            out.append([str(a) for a, _ in cyc])
    return sorted(out)


def _qual_matches(rb: RuleBase, f: Filter, qid: str) -> bool:
    return qid in rb.qualifications and Matcher(rb).match(f, version_attrs(rb.qualifications[qid][-1]))
