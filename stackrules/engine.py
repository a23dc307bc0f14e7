"""The compiled engine: a checked rule base, immutable, shareable and picklable."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._version import __version__
from .compile.graph import Towards
from .compile.target import CompiledTarget, compile_target, nested_choice, target_key, tree_facts
from .decide.audit import MIN_SOLVE, Context, Provenance, audit_decision
from .decision import Decision
from .decisions.credentials import CredentialReport
from .diagnostics import CODES, Diagnostic
from .errors import LearnerError, RequestError, RuleBaseError
from .language.documents import Learner, Loaded
from .language.models import FIRST_DAY, LAST_DAY, LearnerDoc
from .language.quantity import QuantityError, to_fraction
from .rulebase.checks import build, learner_diagnostics, recovered_findings
from .rulebase.index import QualVersion, RuleBase
from .source.files import parse_sources, read_sources, shipped_paths, without_consequences

if TYPE_CHECKING:
    from .credentials import VerificationResult, Verifier
    from .source.badges import SigningKey
    from .source.cache import Cache

DEFAULT_TIME_LIMIT = 10.0
VERIFIED_MEMO = 4096  # verified credentials an engine remembers (see Engine._verify)


def _content_digest(given: object) -> str | None:
    """A digest of a credential as given (bytes, text or parsed JSON); None when it cannot be serialised (it is then not memoised)."""
    if isinstance(given, bytes):
        return hashlib.sha256(given).hexdigest()
    if isinstance(given, str):
        return hashlib.sha256(given.encode("utf-8", "surrogatepass")).hexdigest()
    try:
        text = json.dumps(given, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None
    return "json:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# compiled targets an engine keeps (the least recently used is dropped, and compiled again if asked for):
# a major of a 20,000-credential institution compiles to 2-3 MB, and an institution's learners ask for
# hundreds of targets (benchmarks/load_bench.py: 809 MB kept them all, over the 400 MB target)
COMPILED_KEPT = 16


@dataclass(frozen=True)
class Engine:
    """A rule base compiled once; decide with :meth:`audit`, :meth:`assess`, :meth:`plan`, :meth:`explore`."""

    rules: RuleBase = field(repr=False)
    warnings: tuple[Diagnostic, ...] = ()
    digest: str = ""
    # compiled targets, built on first use and never changed after: a memo (at most COMPILED_KEPT), not state
    _compiled: dict[tuple[object, ...], CompiledTarget] = field(default_factory=dict, repr=False, compare=False)
    _graphs: dict[tuple[object, ...], Any] = field(default_factory=dict, repr=False, compare=False)
    _facts: dict[tuple[object, ...], tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)  # target key -> facts it reads
    # the credential verifier (shipped contexts, memoised canonical forms), built on first use
    _verifier: dict[str, Verifier] = field(default_factory=dict, repr=False, compare=False)
    _verified: dict[tuple[object, ...], tuple[VerificationResult, ...]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def provenance(self) -> Provenance:
        return Provenance(self.digest, f"stackrules {__version__}")

    @property
    def context(self) -> Context:
        return Context(self.rules, self.provenance, self.compiled)

    def compiled(self, version: QualVersion, day: dt.date, facts: Mapping[str, object] | None = None) -> CompiledTarget:
        """The compiled form of ``version`` with the nested versions in force on ``day``.

        ``facts``: a learner's. Filters that compare with a learner fact (section 17) read them, so such a
        target is compiled once per combination of the values of the facts it reads (None: left unread).
        """
        key = target_key(version, nested_choice(self.rules, version, day))
        names = self._facts.get(key)
        if names is None:
            names = self._facts.setdefault(key, tree_facts(self.rules, version, day))
        read: Mapping[str, object] | None = None
        if names:
            read = None if facts is None else {n: facts[n] for n in names if n in facts}
            key = (*key, None if read is None else tuple(sorted((n, repr(val)) for n, val in read.items())))
        memo = self._compiled
        found = memo.pop(key, None)
        if found is None:
            with bulk():
                found = compile_target(self.rules, version, day, read)
        memo[key] = found  # the most recently used last
        while len(memo) > COMPILED_KEPT:
            try:
                del memo[next(iter(memo))]  # the least recently used
            except (KeyError, StopIteration, RuntimeError):  # another thread got there first
                break
        return found

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_compiled"] = {}  # rebuilt on demand in the receiving process
        state["_graphs"] = {}
        state["_facts"] = {}
        state["_verifier"] = {}
        state["_verified"] = {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    def qualifications(self) -> list[str]:
        return self.rules.qualification_ids()

    def _learner(self, learner: Learner | LearnerDoc) -> Learner:
        if not isinstance(learner, Learner | LearnerDoc):
            given = "a path" if isinstance(learner, str | os.PathLike) else "a dict" if isinstance(learner, dict) else f"a {type(learner).__name__}"
            raise RequestError(
                "SR5002",
                f"the learner must be a stackrules.Learner, not {given}",
                "load it first: stackrules.load_learner(path) reads a YAML file, stackrules.load_learner(dict) takes the document as data",
            )
        if isinstance(learner, LearnerDoc):
            from .language.positions import SourceMap

            learner = Learner(learner, Loaded(learner, SourceMap("<learner>", ())))
        diags = [d for d in learner_diagnostics(self.rules, learner.origin) if d.severity == "error"]
        if diags:
            raise LearnerError(diags)
        return learner

    @property
    def verifier(self) -> Verifier:
        """The credential verifier over the shipped JSON-LD contexts (one per engine, shared: it memoises)."""
        found = self._verifier.get("shipped")
        if found is None:
            from .source.badges import default_verifier

            found = self._verifier.setdefault("shipped", default_verifier())
        return found

    def _resolved(self, learner: Learner | LearnerDoc, as_of: dt.date, deadline: float | None = None) -> tuple[Learner, CredentialReport | None]:
        """The checked learner with its verifiable holdings verified on ``as_of`` (docs/language.md section 15).

        ``deadline`` (``time.monotonic()``): the credentials not verified by
        then are listed as ``time_limit`` (the decision's time limit bounds
        verifying too, section 18).
        """
        checked = self._learner(learner)
        if not checked.doc.verifiable:
            return checked, None
        from .decide.verifiable import resolve
        from .source.badges import names_file

        files = [
            checked.origin.smap.diag(
                ("verifiable", k, "verifiable"), "SR6007", f"`{v.verifiable}` names a credential file, and a learner given as data reads no files", None
            )
            for k, v in enumerate(checked.doc.verifiable)
            if names_file(v.verifiable) and (k >= len(checked.badges) or checked.badges[k] is None)
        ]
        if files:
            raise LearnerError([replace(d, help=CODES["SR6007"].fix) for d in files])
        stop = None if deadline is None else (lambda: time.monotonic() > deadline)
        return resolve(self.rules, checked, partial(self._verify, as_of), stop)

    def _verify(
        self, as_of: dt.date, given: bytes | str | Mapping[str, Any], identities: tuple[str, ...], source: str, counted: int, stop: Callable[[], bool] | None
    ) -> tuple[VerificationResult, ...]:
        """One credential's results, memoised by its content digest, the day, the identities, its name and ``counted``.

        The same learner audited again (another target, another command, an
        HTTP client asking twice) verifies nothing twice; the results depend
        on nothing else, since the trust list is the engine's own. Results
        cut short by the time limit are not remembered. The memo is bounded
        (cleared past :data:`VERIFIED_MEMO` entries).
        """
        digest = _content_digest(given)
        key = None if digest is None else (digest, as_of, identities, source, counted)
        found = None if key is None else self._verified.get(key)
        if found is None:
            found = self.verifier.verify(given, trust=self.rules.issuers, as_of=as_of, identities=identities, source=source, counted=counted, stop=stop)
            if key is not None and not any(r.reason == "time_limit" for r in found):
                if len(self._verified) >= VERIFIED_MEMO:
                    self._verified.clear()
                self._verified[key] = found
        return found

    def audit(
        self,
        learner: Learner | LearnerDoc,
        target: str,
        as_of: dt.date,
        *,
        look_ahead: bool = False,
        time_limit: float = DEFAULT_TIME_LIMIT,
        catalog_year: int | None = None,
    ) -> Decision:
        """Is ``target`` met by the learner's stack on ``as_of``, and why (docs/language.md section 11).

        ``catalog_year``: audit against the version of that catalogue year (in
        force on 1 January, else the first to come into force that year)
        instead of the learner's own, as a what-if.
        """
        _check_args(as_of, time_limit, catalog_year, target=target, **{"flag:look_ahead": look_ahead})
        start = time.monotonic()  # the time limit bounds verifying the learner's credentials too (section 18)
        resolved, report = self._resolved(learner, as_of, start + time_limit)
        return Decision(audit_decision(self.context, resolved, target, as_of, look_ahead, _left(start, time_limit), catalog_year), report)

    def assess(
        self,
        learner: Learner | LearnerDoc,
        target: str,
        as_of: dt.date,
        *,
        look_ahead: bool = False,
        time_limit: float = DEFAULT_TIME_LIMIT,
        catalog_year: int | None = None,
    ) -> Decision:
        """The advanced-standing statement: credit granted rule by rule, refusals, what remains (``catalog_year`` as for ``audit``)."""
        from .decide.assess import assess_decision

        _check_args(as_of, time_limit, catalog_year, target=target, **{"flag:look_ahead": look_ahead})
        start = time.monotonic()  # the time limit bounds verifying the learner's credentials too (section 18)
        resolved, report = self._resolved(learner, as_of, start + time_limit)
        return Decision(assess_decision(self.context, resolved, target, as_of, look_ahead, _left(start, time_limit), catalog_year), report)

    def plan(
        self,
        learner: Learner | LearnerDoc,
        target: str,
        as_of: dt.date,
        *,
        objective: str = "credits",
        alternatives: int = 0,
        max_load: Fraction | int | None = None,
        terms: tuple[str, ...] = (),
        allow_unpriced: bool = False,
        look_ahead: bool = False,
        time_limit: float = DEFAULT_TIME_LIMIT,
        catalog_year: int | None = None,
    ) -> Decision:
        """The cheapest set of catalogue credentials that completes ``target`` (docs/language.md section 11).

        ``catalog_year``: plan for the version of that catalogue year, as for ``audit`` (a what-if).
        """
        from .decide.plan import PlanOptions, plan_decision

        _check_args(
            as_of,
            time_limit,
            catalog_year,
            target=target,
            **{
                "text:objective": objective,
                "count:alternatives": alternatives,
                "names:terms": terms,
                "flag:allow_unpriced": allow_unpriced,
                "flag:look_ahead": look_ahead,
            },
        )
        # term names are compared with `offered` names: " S1" is S1 (as the command line reads `--terms S1, S2`)
        names = tuple(t.strip() for t in terms)  # (checked to be text above)
        opts = PlanOptions(objective, alternatives, None if max_load is None else _max_load(max_load), names, allow_unpriced, look_ahead, catalog_year)
        start = time.monotonic()  # the time limit bounds verifying the learner's credentials too (section 18)
        resolved, report = self._resolved(learner, as_of, start + time_limit)
        return Decision(plan_decision(self.context, resolved, target, as_of, opts, _left(start, time_limit)), report)

    def explore(
        self, learner: Learner | LearnerDoc, as_of: dt.date, *, plans: bool = True, look_ahead: bool = False, time_limit: float = DEFAULT_TIME_LIMIT
    ) -> Decision:
        """Every qualification ranked by remaining credit for this learner, each with a one-line why."""
        from .decide.explore import explore_decision

        _check_args(as_of, time_limit, **{"flag:plans": plans, "flag:look_ahead": look_ahead})
        start = time.monotonic()  # the time limit bounds verifying the learner's credentials too (section 18)
        resolved, report = self._resolved(learner, as_of, start + time_limit)
        return Decision(explore_decision(self.context, resolved, as_of, _left(start, time_limit), plans, look_ahead), report)

    def sign_statement(self, decision: Decision, key: SigningKey, created: dt.datetime, *, identities: tuple[str, ...] = ()) -> dict[str, Any]:
        """An assess decision as a signed verifiable credential (a CLR 2.0 ``ClrCredential``; see :mod:`stackrules.decide.statement`).

        ``key`` comes from :func:`stackrules.source.badges.read_signing_key`
        (a ``stackrules keygen`` file); ``created`` is the signing time (the
        caller reads the clock); ``identities`` name the learner in the
        credential's subject (its first is the subject ``id``).
        """
        from .decide.statement import statement_credential

        if decision.kind != "assess":
            raise RequestError("SR5002", f"only an assess decision is a statement to sign, not {decision.kind}", "sign the result of Engine.assess")
        if not isinstance(created, dt.datetime) or created.tzinfo is None:
            raise RequestError("SR5002", "`created` must be a datetime with a time zone", "pass datetime.datetime.now(datetime.UTC)")
        return statement_credential(
            decision.to_json(),
            issuer=key.issuer,
            issuer_name=key.name,
            key_id=key.key_id,
            keys=key.keys,
            canon=self.verifier.canon,
            created=created,
            identities=tuple(identities),
        )

    def graph(self, day: dt.date) -> Any:
        """The rule base as a networkx ``DiGraph`` (versions in force on ``day``); see :mod:`stackrules.compile.graph`."""
        _check_args(day, DEFAULT_TIME_LIMIT)
        return self._graph(day).copy()

    def _graph(self, day: dt.date) -> Any:
        """The shared graph for ``day``, built once per set of versions in force (a memo, never changed)."""
        from .compile.graph import build_graph

        in_force = [v for v in (self.rules.version(qid, day) for qid in self.rules.qualification_ids()) if v is not None]
        targets = [self.compiled(v, day) for v in in_force]
        rules = tuple(r.id for r in self.rules.rules if r.doc.effective is None or r.doc.effective.contains(day))
        key = (*(target_key(ct.version, nested_choice(self.rules, ct.version, day)) for ct in targets), rules)
        found = self._graphs.get(key)
        if found is None:
            found = self._graphs.setdefault(key, build_graph(self.rules, targets, day))
        return found

    def counts_towards(self, credential: str, as_of: dt.date) -> Towards:
        """Every requirement node and qualification ``credential`` can count towards on ``as_of``.

        Directly or through the credit rules in force that day; for a qualification
        id, the nodes that nest it. An id that is neither raises :class:`RequestError`.
        """
        from .compile.graph import counts_towards, towards_graph
        from .compile.tree import expand

        _check_args(as_of, DEFAULT_TIME_LIMIT, **{"text:credential": credential})
        kind: Literal["credential", "qualification"]
        if credential in self.rules.credentials:
            kind = "credential"
        elif credential in self.rules.qualifications:
            kind = "qualification"
        else:
            from .diagnostics import suggestion

            known = [*self.rules.credentials, *self.rules.qualifications]
            raise RequestError("SR5002", f"unknown credential or qualification `{credential}`", suggestion(credential, known))
        # the part of the rule base's graph the answer reads (every tree; the edges out of this credential and the
        # rules it feeds), built for the question: no catalogue is compiled (compile/graph.py, towards_graph)
        in_force = [v for v in (self.rules.version(qid, as_of) for qid in self.rules.qualification_ids()) if v is not None]
        trees = [(v, *expand(self.rules, v, as_of)) for v in in_force]
        return counts_towards(towards_graph(self.rules, trees, as_of, credential if kind == "credential" else None), credential, kind, as_of)


_BULK_LOCK = threading.Lock()
_bulk_depth = 0  # builders inside bulk(), every thread together
_bulk_restore = False  # whether the collector was on when the first of them entered


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Build many long-lived objects without pausing for Python's cyclic garbage collector.

    Loading or compiling 20,000 credentials creates hundreds of thousands of
    objects that all survive; the collector would walk the growing heap again
    and again (measured: loading 6.1 s with it, 3.8 s without; compiling a
    60-requirement target 1.6 s and 0.35 s).

    The collector is one switch for the whole process, and compiling happens
    on the decision path of an engine shared by threads, so the switch is
    reference-counted under a lock: the first builder to enter turns it off and
    remembers whether it was on, the last to leave turns it back on if it was.
    Overlapping builds on several threads therefore never turn it on under
    one another, nor leave it off. The alternative, never pausing it while
    deciding, was measured at 4.5 times the compile time of a large target; a
    pause only delays collection (nothing is lost), for as long as a build
    runs. Code that switches the collector itself while an engine compiles
    finds it as the last builder leaves it.
    """
    global _bulk_depth, _bulk_restore
    with _BULK_LOCK:
        if _bulk_depth == 0:
            _bulk_restore = gc.isenabled()
            gc.disable()
        _bulk_depth += 1
    try:
        yield
    finally:
        with _BULK_LOCK:
            _bulk_depth -= 1
            if _bulk_depth == 0 and _bulk_restore:
                gc.enable()


FULL_COLLECTION_EVERY = 100  # collections of the middle generation between full ones, in a long-lived worker


def freeze_heap() -> None:
    """Keep everything this process holds now out of every later run of Python's cyclic garbage collector.

    For a process that loads one engine and then decides for as long as it lives: a worker of
    ``stackrules serve`` or of ``stackrules cohort-report``, or an embedding service that loads its rule base
    once. A full collection walks every live container; with an institution's 20,000 credentials and
    1,500 qualifications loaded that is about 250,000 objects and 160-235 ms, and the audits' own
    allocations trigger one every 20-30 audits, each landing inside some audit (measured on the 200
    audits of ``benchmarks/load_bench.py --institution``: 8 full collections of 199-234 ms each). After this
    call (``gc.collect()``, then ``gc.freeze()``) those objects are never walked again; later
    collections walk only what was created after it and take a few tens of milliseconds.

    The price is the one ``gc.freeze`` documents: a reference cycle among frozen objects that later
    becomes garbage is never reclaimed. An engine that lives as long as the process loses nothing; a
    process that loads many engines one after another should not call it (or call ``gc.unfreeze()``
    before dropping one). It changes no decision.

    It also makes full collections ten times rarer: one after 100 collections of the middle generation
    instead of Python's 10 (``gc.set_threshold``). What they walk is then the targets compiled since
    (about 150,000 objects for the institution's learners, 30-35 ms a collection), and a decision that
    meets one is slower by that much. Measured on the institution's 200 audits, run four times in one
    worker: 7 full collections a round before, 1 after, and 4-6 MB more resident memory (garbage
    cycles wait longer to be reclaimed).
    """
    gc.collect()
    gc.freeze()
    young, middle, oldest = gc.get_threshold()
    gc.set_threshold(young, middle, max(oldest, FULL_COLLECTION_EVERY))


def _left(start: float, time_limit: float) -> float:
    """What is left of ``time_limit`` seconds since ``start`` for the decision itself (a sliver once spent: it is then indeterminate)."""
    return max(time_limit - (time.monotonic() - start), MIN_SOLVE)


def _max_load(value: object) -> Fraction:
    if isinstance(value, float):  # credit arithmetic is exact: a binary float is not taken as a credit figure
        raise RequestError("SR5002", f"`max_load` must be exact, not a float ({value!r})", 'pass an int, a Fraction or text such as "24" or "7.5"')
    try:
        return to_fraction(value)
    except QuantityError as exc:
        raise RequestError("SR5002", f"`max_load`: {exc}", "give a number of credits per term, such as 24") from None


def _a(value: object) -> str:
    """``value``'s type in words, for a message: "an int", "a str"."""
    name = type(value).__name__
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def _check_args(as_of: object, time_limit: object, catalog_year: object = None, **more: object) -> None:
    """Arguments of the wrong type are a RequestError that says what to pass, never a TypeError later on.

    ``more`` names further arguments by kind: ``target`` (an id, text), ``flag:NAME``
    (a bool), ``count:NAME`` (an int), ``text:NAME`` (a str), ``names:NAME`` (a list of str).
    """
    if catalog_year is not None and (
        isinstance(catalog_year, bool) or not isinstance(catalog_year, int) or not FIRST_DAY.year <= catalog_year <= LAST_DAY.year
    ):
        raise RequestError(
            "SR5002", f"`catalog_year` must be a year from {FIRST_DAY.year} to {LAST_DAY.year}, got {catalog_year!r}", "pass a whole year, e.g. 2020"
        )
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        raise RequestError("SR5002", f"`as_of` must be a date, not {_a(as_of)}", "pass datetime.date(YYYY, M, D)")
    if not FIRST_DAY.year <= as_of.year <= LAST_DAY.year:  # so that no date arithmetic leaves the calendar
        raise RequestError(
            "SR5002", f"`as_of` {as_of.isoformat()} is outside the years {FIRST_DAY.year} to {LAST_DAY.year}", f"give a day from {FIRST_DAY} to {LAST_DAY}"
        )
    if isinstance(time_limit, bool) or not isinstance(time_limit, int | float | Fraction):
        raise RequestError("SR5002", f"`time_limit` must be a number of seconds, not {_a(time_limit)}", "pass for example time_limit=10")
    if isinstance(time_limit, float) and not math.isfinite(time_limit):
        # nan compares as nothing, and infinity is no limit at all (section 18: the time limit bounds every command)
        raise RequestError("SR5002", f"the time limit must be a number of seconds, not {time_limit}", "give the seconds a decision may take, e.g. 10")
    if not time_limit > 0:
        raise RequestError("SR5002", "the time limit must be above zero", None)
    for key, value in more.items():
        kind, _, name = key.partition(":")
        if kind == "target" and not isinstance(value, str):
            raise RequestError("SR5002", f"the target must be a qualification id, not {_a(value)}", 'pass the id as text, for example "exu:BIT"')
        if kind == "flag" and not isinstance(value, bool):
            raise RequestError("SR5002", f"`{name}` must be True or False, not {_a(value)}", None)
        if kind == "count" and (isinstance(value, bool) or not isinstance(value, int)):
            raise RequestError("SR5002", f"`{name}` must be a whole number, not {_a(value)}", None)
        if kind == "text" and not isinstance(value, str):
            raise RequestError("SR5002", f"`{name}` must be text, not {_a(value)}", None)
        if kind == "names" and (isinstance(value, str) or not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value)):
            raise RequestError("SR5002", f"`{name}` must be a list of names (text), not {_a(value)}", 'pass for example ("S1", "S2")')


def _digest(loaded: Iterable[Loaded]) -> str:
    """A digest of the rule base's text, independent of where its files live."""
    parts = sorted(hashlib.sha256("\n".join(item.smap.lines).encode()).hexdigest() for item in loaded)
    # the files a document names (an issuer's status lists) decide too: a revocation changes the digest
    parts += sorted(hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest() for item in loaded for _, data in item.attachments)
    return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def load(*paths: str | os.PathLike[str], cache: str | os.PathLike[str] | Cache | None = None) -> Engine:
    """Load, check and compile a rule base (the shipped one when no path is given).

    Raises :class:`RuleBaseError` with every diagnostic when anything is wrong;
    nothing is half-loaded. ``cache`` names a folder (or is a
    :class:`~stackrules.source.cache.Cache`) where the checked rule base is
    kept, keyed by the bytes of every file read: a later load of unchanged
    files reads it back instead of parsing and checking again (see
    :mod:`stackrules.source.cache`).
    """
    engine, diags = load_with_diagnostics(*paths, cache=cache)
    if engine is None:
        raise RuleBaseError(diags)
    return engine


def load_with_diagnostics(*paths: str | os.PathLike[str], cache: str | os.PathLike[str] | Cache | None = None) -> tuple[Engine | None, list[Diagnostic]]:
    from .source import cache as disk

    for path in paths:
        if not isinstance(path, str | os.PathLike):
            raise RequestError("SR5002", f"a rule-base path must be a path (text or pathlib.Path), not {_a(path)}", "pass file or folder names")
    if cache is not None and not isinstance(cache, str | os.PathLike | disk.Cache):
        raise RequestError("SR5002", f"`cache` must be a folder path or a stackrules Cache, not {_a(cache)}", None)
    roots = list(paths) if paths else [str(p) for p in shipped_paths()]
    store = None if cache is None else cache if isinstance(cache, disk.Cache) else disk.Cache(Path(cache))
    name: str | None = None
    # every file is read once: the cache key and the parser see the same bytes
    sources, diags = read_sources(roots)
    if any(s.raw is not None and b"status_lists" in s.raw for s in sources):
        # an issuer's status lists are files the key does not cover (they are named inside a document): never cached
        store = None
    if store is not None and not diags:
        name = disk.key((s.name, s.raw) for s in sources if s.raw is not None)
        with bulk():
            found = store.read(name)
        if isinstance(found, Engine):
            return found, list(found.warnings)
    with bulk():
        recovered: list[Loaded] = []
        loaded, parsed = parse_sources(sources, recovered)
        diags += parsed
        rule_docs = [x for x in loaded if not isinstance(x.doc, LearnerDoc)]
        rb, more = build(loaded)
        found = recovered_findings(loaded, recovered)
    diags += without_consequences(sources, parsed, more, found, (r.file for r in recovered))
    if rb is None or any(d.severity == "error" for d in diags):
        return None, diags
    # the documents' source maps served the checks; decisions need only the locations kept in the rule base
    engine = Engine(replace(rb, documents=()), tuple(d for d in diags if d.severity == "warning"), _digest(rule_docs))
    if name is not None and store is not None:
        store.write(name, engine)
    return engine, diags
