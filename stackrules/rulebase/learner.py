"""Checks of a learner document against a rule base.

Two entry points: :func:`learner_diagnostics` for a learner given to a
checked rule base (every decision), and the ``learners`` pass of
:mod:`stackrules.rulebase.passes` for learner files checked along with
rule files (``stackrules check``).
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, did_you_mean, suggestion
from ..language.documents import Loaded
from ..language.models import Holding, LearnerDoc
from ..language.positions import Path
from .build import Reporter
from .index import QualVersion, RuleBase, iter_nodes


def check_learner(rb: RuleBase, item: Loaded, report: Reporter) -> None:
    doc: LearnerDoc = item.doc
    for i, e in enumerate(doc.enrolments):
        if e.qualification not in rb.qualifications:
            report.error(
                item, ("enrolments", i, "qualification"), "SR3001", f"unknown qualification `{e.qualification}`", suggestion(e.qualification, rb.qualifications)
            )
    seen: dict[str, int] = {}
    for i, h in enumerate(doc.holdings):
        path: Path = ("holdings", i)
        info = rb.credentials.get(h.credential)
        repeatable = info is not None and info.repeat_max is not None  # two lessons graded on one day are two holdings
        if (
            not repeatable
            and h.credential in seen
            and doc.holdings[seen[h.credential]].status == h.status
            and h.awarded == doc.holdings[seen[h.credential]].awarded
        ):
            report.error(item, path + ("credential",), "SR3006", f"`{h.credential}` is listed twice", "remove the repeated holding")
        seen.setdefault(h.credential, i)
        prov_id = h.credential.partition(":")[0]
        prov = rb.providers.get(prov_id)
        derived = prov.term_of(h.awarded) if h.term is not None and h.awarded is not None and prov is not None and prov.terms else None
        if h.term is not None and prov is not None and prov.terms and all(tid != h.term for tid, _, _ in prov.terms):
            # a provider with a calendar names its terms (section 18): a term it does not list is no term of its study
            # (a learner file could otherwise meet "4 distinct terms" with four names for one day's holdings)
            report.error(
                item,
                path + ("term",),
                "SR2004",
                f"`term: {h.term}` is not a term of the calendar of `{prov_id}`",
                f"give the term the award falls in, `{derived}`, or leave `term` out"
                if derived
                else f"add `{h.term}` to the `terms:` of `{prov_id}`'s catalog if it is one, or leave `term` out",
                on_key=True,
            )
        elif h.term is not None and derived is not None and derived != h.term:
            # dated within a listed term, the holding was taken then: another term named would count a term it was not
            # taken in (four holdings awarded on one day named after four earlier terms met "4 distinct terms")
            report.error(
                item,
                path + ("term",),
                "SR2004",
                f"`term: {h.term}` is not the term this holding's `awarded` {h.awarded} falls in, `{derived}`",
                f"leave `term` out (the date gives `{derived}`), or correct the date",
                on_key=True,
            )
        elif h.term is not None and h.awarded is not None and prov is not None:
            # a stated term that begins after the award cannot be the holding's: section 18, a learner file may not
            # spread one term's study over others to meet a distinct-terms limit (found by an adversarial run)
            begins = next((lo for tid, lo, _ in prov.terms if tid == h.term), None)
            if begins is not None and begins > h.awarded:
                report.error(
                    item,
                    path + ("term",),
                    "SR2004",
                    f"`term: {h.term}` begins on {begins.isoformat()}, after this holding's `awarded` {h.awarded.isoformat()}: study is not awarded before its term begins",
                    (f"give the term the award falls in, `{prov.term_of(h.awarded)}`" if prov.term_of(h.awarded) else "give the term the study was taken in")
                    + ", or correct the date",
                    on_key=True,
                )
        if h.described and prov_id in rb.providers:
            # section 18: a learner file may not create credentials (or credit) under a provider the rule base catalogues
            what = "is one of its credentials" if info is not None else "is not one of its credentials"
            key = next(k for k in ("title", "provider", "credits") if getattr(h, k) is not None)
            hint = suggestion(h.credential, [c.id for c in rb.credentials_by_provider.get(prov_id, ())]) if info is None else None
            report.error(
                item,
                path + (key,),
                "SR3017",
                f"`{prov_id}` has a catalog, so a holding of it cannot be described inline (`{h.credential}` {what})",
                (hint + "; " if hint else "") + "name the catalogue's credential and drop `title`, `provider` and `credits`",
                on_key=True,
            )
            continue
        if prov_id in rb.providers and info is not None and (said := _described_anyway(h)):
            # the catalogue describes it: a level, fields or a framework level stated here would be silently unread,
            # and a registrar would believe an override took effect (tags are read, and flagged as the learner's)
            report.error(
                item,
                path + (said,),
                "SR3017",
                f"`{prov_id}` has a catalog, which describes `{h.credential}`: its `{said}` here would not be read",
                f"drop `{said}`: the catalogue's description counts",
                on_key=True,
            )
            continue
        if info is None and not h.described and h.credential in rb.qualifications:
            # a qualification's requirements, not an award any catalogue lists: holding it would count nothing
            report.error(
                item,
                path + ("credential",),
                "SR3014",
                f"`{h.credential}` is a qualification (its requirements), not a credential a catalogue lists, so it cannot be held as named",
                "name the credential its provider awards (a catalogue entry of `type: qualification`), or list the units the learner"
                f" completed for it; `audit --target {h.credential}` says how far they go",
            )
            continue
        if info is None and not h.described:
            known = (set(rb.credentials) | set(rb.qualifications)) - {h.credential}
            report.error(
                item,
                path + ("credential",),
                "SR3014",
                f"unknown credential `{h.credential}`, and the holding does not describe it",
                suggestion(h.credential, known)
                or (
                    f"`{prov_id}` has a catalog: name one of its credentials"
                    if prov_id in rb.providers
                    else "describe it inline with `title`, `provider` and `credits`"
                ),
            )
            continue
        if info is None:
            if h.title is None:
                report.error(item, path, "SR2002", "missing key `title` for a credential described inline", "add `title:`")
            if h.credits is None:
                report.error(
                    item,
                    path,
                    "SR2002",
                    "missing key `credits` for a credential described inline",
                    "add `credits:` (with a credit system unless its provider has a catalog)",
                )
            elif h.credits.system is None and prov_id not in rb.providers:
                report.error(
                    item,
                    path + ("credits",),
                    "SR3004",
                    f"provider `{prov_id}` has no catalog, so `credits` must name its system",
                    f'write for example `"{h.credits.value} ects"`',
                )
            elif h.credits.system is not None and h.credits.system not in rb.systems:
                report.error(item, path + ("credits",), "SR3004", f"unknown credit system `{h.credits.system}`", suggestion(h.credits.system, rb.systems))
            if h.provider is not None and h.provider != prov_id:
                report.error(
                    item,
                    path + ("provider",),
                    "SR2007",
                    f"`{h.credential}` does not belong to provider `{h.provider}`",
                    f"name it `{h.provider}:{h.credential.partition(':')[2]}`",
                )
            if h.framework_level is not None and h.framework_level not in rb.level_order:
                report.error(
                    item, path + ("framework_level",), "SR3003", f"unknown framework level `{h.framework_level}`", suggestion(h.framework_level, rb.level_order)
                )
        if h.grade is not None:
            prov = rb.providers.get(prov_id)
            if prov is not None and prov.grade_scale is not None and h.grade not in prov.grade_scale.order:
                report.error(
                    item,
                    path + ("grade",),
                    "SR3012",
                    f"`{h.grade}` is not a grade of `{prov_id}`",
                    suggestion(h.grade, prov.grade_scale.order) or ("grades: " + ", ".join(prov.grade_scale.order)),
                )
    for i, ex in enumerate(doc.exceptions):
        path = ("exceptions", i)
        qid, _, node = ex.node.partition("#")
        if qid not in rb.qualifications and ":" not in qid and not node:
            # a node's bare id: outside its qualification a node is written `QUALIFICATION#node`
            owners = sorted(q for q, vs in rb.qualifications.items() if any(has_node_id(v, qid) for v in vs))
            named = " or ".join(f"`{q}#{qid}`" for q in owners[:3])
            report.error(
                item,
                path + ("node",),
                "SR3001",
                f"`{qid}` names no qualification: a node is written `QUALIFICATION#node`",
                f"did you mean {named}?" if owners else "write the qualification's id, then `#` and the node's id",
            )
        elif qid not in rb.qualifications:
            report.error(item, path + ("node",), "SR3001", f"unknown qualification `{qid}`", node_suggestion(rb, qid, node))
        elif node and not any(has_node_id(v, node) for v in rb.qualifications[qid]):
            report.error(item, path + ("node",), "SR3005", f"`{ex.node}` names no node of `{qid}`", node_suggestion(rb, qid, node))
        for key in ("credential", "instead_of"):
            cid = getattr(ex, key)
            if cid is not None and cid not in rb.credentials and not any(h.credential == cid for h in doc.holdings):
                report.error(item, path + (key,), "SR3001", f"unknown credential `{cid}`", suggestion(cid, rb.credentials))
        if ex.value is not None and ex.value.system is not None and ex.value.system not in rb.systems:
            report.error(item, path + ("value",), "SR3004", f"unknown credit system `{ex.value.system}`", suggestion(ex.value.system, rb.systems))


def learner_diagnostics(rb: RuleBase, item: Loaded) -> list[Diagnostic]:
    """A learner document checked against a checked rule base (the entry point for decisions)."""
    report = Reporter()
    check_learner(rb, item, report)
    return report.diags


def node_ids(v: QualVersion) -> list[str]:
    out = [n.id for n, _ in iter_nodes(v.requires, ()) if n.id]
    for d in v.define.values():
        out += [n.id for n, _ in iter_nodes(d, ()) if n.id]
    return out


def has_node_id(v: QualVersion, node: str) -> bool:
    return node in node_ids(v)


def node_suggestion(rb: RuleBase, qid: str, node: str) -> str | None:
    """A did-you-mean for ``QUALIFICATION#node`` written outside the qualification, in that form.

    docs/language.md section 16: a bare node id (``core``) is not valid where the
    user wrote ``exu:BIT#core``, so the suggestions are whole ids. An unknown
    qualification is suggested with the node when it has one of that name
    (else its closest node), or alone when no node was written.
    """
    if qid in rb.qualifications:
        ids = sorted({nid for v in rb.qualifications[qid] for nid in node_ids(v)})
        shown = [f"{qid}#{n}" for n in did_you_mean(node, ids)]
    else:
        shown = []
        for q in did_you_mean(qid, rb.qualifications):
            ids = sorted({nid for v in rb.qualifications[q] for nid in node_ids(v)})
            if not node:
                shown.append(q)
            elif node in ids:
                shown.append(f"{q}#{node}")
            else:
                shown += [f"{q}#{n}" for n in did_you_mean(node, ids)[:1]]
    if not shown:
        return None
    return "did you mean " + " or ".join(f"`{c}`" for c in shown) + "?"


# descriptive keys of a holding that only an inline description (a provider without a catalog) reads
_DESCRIPTIVE = ("type", "level", "subject", "number", "framework_level", "fields", "competencies")


def _described_anyway(h: Holding) -> str | None:
    """The first descriptive key given on a holding (``title``, ``provider`` and ``credits`` are SR3017 above)."""
    return next((k for k in _DESCRIPTIVE if getattr(h, k) not in (None, ())), None)
