"""The impact of a rule change: every learner decided under both rule bases, and who changes.

A learner changes when its decision differs in anything but where rules are
written (``location``) and which rule base made it (``provenance``): a status
flip, remaining credit up or down, credit granted or lost, or any other part
of the decision. Each changed learner cites the rule files that differ between
the two bases and that its decisions name (by an id the file defines, or by
its location); when none is named, every differing file is cited.

A learner with an error row or an undecided answer (indeterminate, or not
proved within the time limit) on either side is not compared: it is counted
as "could not compare", never as a change or as unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

import yaml

from ..engine import Engine
from . import batch, output
from .batch import Job, Result
from .inputs import Item
from .report import credit_rows, qtext, status_of

IGNORED = ("location", "provenance")


@dataclass(frozen=True)
class FileChange:
    name: str  # the path relative to its root
    before: str | None  # the file in the before base (None: added)
    after: str | None  # the file in the after base (None: removed)
    ids: frozenset[str]

    @property
    def shown(self) -> str:
        return self.after or self.before or self.name

    @property
    def how(self) -> str:
        return "added" if self.before is None else "removed" if self.after is None else "changed"


@dataclass(frozen=True)
class Side:
    status: str
    remaining: Fraction | None
    granted: Fraction
    unproven: bool = False  # the time limit stopped the solver before it proved this answer


UNPROVEN = ("time_limit", "indeterminate")  # a decision's proof when the time limit stopped the solver


def undecided(side: Side) -> bool:
    """Whether a side is no answer to compare: an error row, or a decision the time limit stopped (indeterminate, or not proved)."""
    return side.status in ("error", "indeterminate") or side.unproven


@dataclass(frozen=True)
class Uncompared:
    """A learner whose two decisions cannot be compared: an error or an indeterminate decision on either side."""

    index: int
    learner: str
    before: Side
    after: Side

    def why(self, side: Side) -> str:
        if side.status == "error":
            return "could not be read"
        if side.status == "indeterminate" or side.unproven:
            return "not decided within the time limit"
        return side.status

    def text(self) -> str:
        return f"{self.learner} (#{self.index}): before {self.why(self.before)}, after {self.why(self.after)}"

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "learner": self.learner, "before": self.why(self.before), "after": self.why(self.after)}


@dataclass(frozen=True)
class Change:
    index: int
    learner: str
    before: Side
    after: Side
    parts: tuple[str, ...]  # the top-level parts of the decision that differ
    files: tuple[str, ...]
    details: tuple[str, ...] = ()  # what differs in the refusals and the holdings not counted: entries gone (-) and new (+)

    def text(self) -> str:
        bits = []
        if self.before.status != self.after.status:
            bits.append(f"status {self.before.status} -> {self.after.status}")
        if self.before.remaining != self.after.remaining:
            bits.append(f"remaining {_opt(self.before.remaining)} -> {_opt(self.after.remaining)}")
        if self.before.granted != self.after.granted:
            delta = self.after.granted - self.before.granted
            bits.append(f"credit granted {qtext(self.before.granted)} -> {qtext(self.after.granted)} ({'+' if delta > 0 else '-'}{qtext(abs(delta))})")
        if not bits:
            bits.append("decision differs in " + ", ".join(self.parts) + (f" ({'; '.join(self.details)})" if self.details else ""))
        cited = ", ".join(self.files) if self.files else "no rule file differs"
        return f"{self.learner} (#{self.index}): " + "; ".join(bits) + " [" + cited + "]"

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "learner": self.learner,
            "before": {"status": self.before.status, "remaining": _opt(self.before.remaining, None), "granted": qtext(self.before.granted)},
            "after": {"status": self.after.status, "remaining": _opt(self.after.remaining, None), "granted": qtext(self.after.granted)},
            "differs": list(self.parts),
            "details": list(self.details),
            "files": list(self.files),
        }


def _opt(value: Fraction | None, none: str | None = "-") -> str | None:
    return none if value is None else qtext(value)


@dataclass(frozen=True)
class Impact:
    learners: int
    files: tuple[FileChange, ...]
    changes: tuple[Change, ...]
    uncompared: tuple[Uncompared, ...] = ()

    @property
    def unread(self) -> int:
        """Learners that could not be read (an error row on either side)."""
        return sum(1 for u in self.uncompared if "error" in (u.before.status, u.after.status))

    def counts(self) -> dict[str, int]:
        c: Counter[str] = Counter()
        for ch in self.changes:
            b, a = ch.before, ch.after
            met_b, met_a = b.status in ("met", "met_pending"), a.status in ("met", "met_pending")
            if met_b and not met_a:
                c["met to not met"] += 1
            elif met_a and not met_b:
                c["not met to met"] += 1
            elif b.status != a.status:
                c["other status change"] += 1
            if b.remaining is not None and a.remaining is not None and a.remaining != b.remaining:
                c["remaining up" if a.remaining > b.remaining else "remaining down"] += 1
            if a.granted != b.granted:
                c["credit granted up" if a.granted > b.granted else "credit granted down"] += 1
            if b.status == a.status and b.remaining == a.remaining and b.granted == a.granted:
                c["other differences"] += 1
        return {
            "learners": self.learners,
            "changed": len(self.changes),
            "unchanged": self.learners - len(self.changes) - len(self.uncompared),
            "could not compare": len(self.uncompared),
            **dict(sorted(c.items())),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.counts(),
            "files": [{"file": f.shown, "change": f.how} for f in self.files],
            "changes": [ch.to_json() for ch in self.changes],
            "could_not_compare": [u.to_json() for u in self.uncompared],
        }

    def text(self) -> str:
        out = [f"Rule files that differ: {len(self.files)}"]
        out += [f"  {f.how:8} {f.shown}" for f in self.files]
        out.append("")
        out.append(f"Learners whose decision changes: {len(self.changes)} of {self.learners}")
        out += [f"  {ch.text()}" for ch in self.changes]
        if self.uncompared:
            out.append("")
            out.append(f"Learners that could not be compared: {len(self.uncompared)} (an error or the time limit on either side)")
            out += [f"  {u.text()}" for u in self.uncompared]
        out.append("")
        rows = list(self.counts().items())
        width = max(len(k) for k, _ in rows)
        out.append("Summary")
        out += [f"  {k.ljust(width)}  {v}" for k, v in rows]
        return "\n".join(out) + "\n"


def comparable(value: Any) -> Any:
    """A decision document without what differs for an unchanged decision (locations, provenance)."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in IGNORED}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def _files(roots: Sequence[str]) -> dict[str, Path]:
    """The YAML files of a rule base by name: the i-th root's files as ``i/relative/path`` (a file root by its name)."""
    out: dict[str, Path] = {}
    for i, root in enumerate(roots):
        p = Path(root)
        found = sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file()) if p.is_dir() else [p]
        for f in found:
            rel = f.relative_to(p).as_posix() if p.is_dir() else f.name
            out[f"{i}/{rel}"] = f
    return out


def _ids(path: Path | None) -> set[str]:
    """Every ``id`` a rule file defines (its documents', credentials', nodes', rules')."""
    if path is None:
        return set()
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "id" and isinstance(v, str):
                    found.add(v)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    try:
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):  # the engine loaded it: this does not happen, and citing it all is safe
        return set()
    return found


def differing_files(before: Sequence[str], after: Sequence[str]) -> tuple[FileChange, ...]:
    """The rule files that differ, pairing the i-th ``before`` root with the i-th ``after`` root by relative path."""
    b, a = _files(before), _files(after)
    out = []
    for name in sorted(set(b) | set(a)):
        fb, fa = b.get(name), a.get(name)
        if fb is not None and fa is not None and _digest(fb) == _digest(fa):
            continue
        out.append(FileChange(name.split("/", 1)[1], None if fb is None else str(fb), None if fa is None else str(fa), frozenset(_ids(fb) | _ids(fa))))
    return tuple(out)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _side(row: Mapping[str, Any]) -> Side:
    doc = row.get("decision")
    if doc is None:
        return Side("error", None, Fraction(0))
    credits = doc.get("credits") or {}
    remaining = credits.get("remaining") if isinstance(credits, dict) else None
    return Side(
        status_of(doc),
        None if remaining is None else Fraction(str(remaining)),
        sum((x for _, _, x in credit_rows(doc)), Fraction(0)),
        doc.get("proof") in UNPROVEN,
    )


def _cited(files: Sequence[FileChange], before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    named = set(_strings(before)) | set(_strings(after))
    cited = [f.shown for f in files if f.ids & named or any(f.name in s for s in named if ".y" in s)]
    return tuple(cited or (f.shown for f in files))


def compare(index: int, learner: str, before: Mapping[str, Any], after: Mapping[str, Any], files: Sequence[FileChange]) -> Change | None:
    """The change of one learner's result rows, or None when its decisions agree."""
    cb = comparable({k: v for k, v in before.items() if k in ("decision", "error")})
    ca = comparable({k: v for k, v in after.items() if k in ("decision", "error")})
    if cb == ca:
        return None
    db, da = cb.get("decision") or cb, ca.get("decision") or ca
    parts = tuple(sorted(k for k in set(db) | set(da) if db.get(k) != da.get(k)))
    return Change(index, learner, _side(before), _side(after), parts, _cited(files, before, after), _details(db, da, parts))


# how an entry of a decision's list is named in a change: the refusals and the holdings not counted
_NAMED: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "refused": lambda r: f"{r.get('rule')} {', '.join(map(str, r.get('sources', ())))} {r.get('reason')}" + (f" ({r['detail']})" if r.get("detail") else ""),
    "unused": lambda u: f"{u.get('holding')} {u.get('cause')}" + (f" ({u['reason']})" if u.get("reason") else ""),
}


def _details(before: Mapping[str, Any], after: Mapping[str, Any], parts: tuple[str, ...]) -> tuple[str, ...]:
    """Entries of the named lists that one side has and the other lacks, as ``part: - entry`` / ``part: + entry``."""
    out: list[str] = []
    for part in parts:
        name = _NAMED.get(part)
        was, now = before.get(part), after.get(part)
        if name is None or not isinstance(was, list) or not isinstance(now, list):
            continue
        old = [name(x) for x in was if isinstance(x, dict)]
        new = [name(x) for x in now if isinstance(x, dict)]
        out += [f"{part}: - {x}" for x in old if x not in new] + [f"{part}: + {x}" for x in new if x not in old]
    return tuple(out[:6]) + ((f"and {len(out) - 6} more",) if len(out) > 6 else ())


def impact(
    before: Engine,
    after: Engine,
    before_paths: Sequence[str],
    after_paths: Sequence[str],
    job: Job,
    items: Sequence[Item],
    *,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: IO[str] | None = None,
) -> Impact:
    """Decide every item under both engines and compare (the rule files are the engines' paths).

    ``progress``: a stream for a progress bar of the decisions (two a learner).
    When the run is stopped (Ctrl-C), the workers are stopped before the
    interrupt goes on: nothing is left running.
    """
    files = differing_files(before_paths, after_paths)

    def decided(engine: Engine) -> Generator[Result, None, None]:
        return batch.run(engine, job, items, executor=executor, workers=workers, scheduler=scheduler)

    first: list[dict[str, Any]] = []
    changes = []
    uncompared = []
    both = _both(decided, before, after)
    with contextlib.closing(both), contextlib.closing(output.shown(both, progress, 2 * len(items), "decisions")) as results:
        for result in results:
            row = json.loads(result.line)
            if len(first) < len(items):
                first.append(row)
                continue
            b, a = first[row["index"]], row
            sb, sa = _side(b), _side(a)
            if undecided(sb) or undecided(sa):
                uncompared.append(Uncompared(b["index"], b["learner"], sb, sa))
                continue
            found = compare(b["index"], b["learner"], b, a, files)
            if found is not None:
                changes.append(found)
    return Impact(len(items), files, tuple(changes), tuple(uncompared))


def _both(decided: Callable[[Engine], Generator[Result, None, None]], before: Engine, after: Engine) -> Generator[Result, None, None]:
    """Every learner's result under ``before``, then under ``after``; a run stopped part-way closes the one running."""
    for engine in (before, after):
        with contextlib.closing(decided(engine)) as results:
            yield from results
