"""Reading a cohort: a folder of learner files, a JSON-lines file, or a CSV of holdings.

Every learner becomes an :class:`Item` in input order. A learner that cannot be
read becomes an item with diagnostics (an error row in the batch), and reading
goes on: one bad line never costs the others. Learners given as data (JSON
lines, CSV) are parsed where they are decided (in the worker), so the driver
only splits the input.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic
from ..errors import LearnerError, RequestError
from ..language.documents import Learner
from ..source.learners import load_learner

CSV_COLUMNS = ("learner_id", "credential", "awarded", "grade", "status")
CSV_REQUIRED = ("learner_id", "credential")
MAX_LINE = 10_000_000  # bytes in one JSON line: a learner document is far smaller


@dataclass(frozen=True)
class Item:
    """One learner of the cohort: its place in the input, its id, and what to decide on (or why not)."""

    index: int
    key: str  # the learner's id, or where it is when no id can be read
    where: str  # file, file:line or file:rows
    source: Learner | dict[str, Any] | None = None
    errors: tuple[Diagnostic, ...] = field(default=())


def cohort_kind(path: str | os.PathLike[str]) -> str:
    """``folder``, ``jsonl`` or ``csv``, from what ``path`` is (a folder) or its suffix."""
    p = Path(path)
    if p.is_dir():
        return "folder"
    if not p.exists():
        raise RequestError("SR5002", f"the cohort `{p}` does not exist", "name a folder of learner files, a .jsonl file or a .csv file")
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise RequestError(
        "SR5002", f"the cohort `{p}` is neither a folder, a .jsonl file nor a .csv file", "name a folder of learner files, a .jsonl file or a .csv file"
    )


def read_cohort(path: str | os.PathLike[str]) -> list[Item]:
    """Every learner of the cohort at ``path``, in input order."""
    kind = cohort_kind(path)
    items = list(_folder(Path(path)) if kind == "folder" else _jsonl(Path(path)) if kind == "jsonl" else _csv(Path(path)))
    return items


def parse(item: Item) -> Learner:
    """The learner of ``item`` (raises :class:`LearnerError` with the item's diagnostics)."""
    if item.errors:
        raise LearnerError(item.errors)
    if isinstance(item.source, Learner):
        return item.source
    if item.source is None:
        raise LearnerError([Diagnostic(item.where, 1, 1, "SR1011", "no learner document", None)])
    try:
        return load_learner(item.source)
    except LearnerError as exc:
        raise LearnerError([_placed(d, item.where) for d in exc.diagnostics]) from None


def _placed(d: Diagnostic, where: str) -> Diagnostic:
    """A diagnostic about a learner given as data, named by where the data is (``cohort.jsonl:17``)."""
    if d.file != "<learner>":
        return d
    file, _, line = where.rpartition(":")
    if file and line.isdigit():
        return Diagnostic(file, int(line), 1, d.code, d.message, d.help)
    return Diagnostic(where, d.line, d.column, d.code, d.message, d.help)


def _folder(folder: Path) -> Iterator[Item]:
    files = sorted(f for f in folder.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
    if not files:
        raise RequestError("SR5002", f"the cohort folder `{folder}` holds no .yaml learner file", "name the folder that holds the learner files")
    for i, f in enumerate(files):
        where = str(f)
        try:
            learner = load_learner(f)
        except LearnerError as exc:
            yield Item(i, f.stem, where, None, tuple(exc.diagnostics))
            continue
        yield Item(i, learner.doc.id, where, learner)


def _jsonl(file: Path) -> Iterator[Item]:
    index = 0
    with file.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            where = f"{file}:{number}"
            if not raw.strip():
                continue
            if len(raw) > MAX_LINE:
                yield Item(index, f"line {number}", where, None, (Diagnostic(str(file), number, 1, "SR1007", f"line {number} is over {MAX_LINE} bytes", None),))
                index += 1
                continue
            try:
                data = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                column = exc.colno if isinstance(exc, json.JSONDecodeError) else 1
                yield Item(
                    index,
                    f"line {number}",
                    where,
                    None,
                    (
                        Diagnostic(
                            str(file), number, column, "SR1001", f"line {number} is not valid JSON: {exc}", "write one learner document as JSON on each line"
                        ),
                    ),
                )
                index += 1
                continue
            if not isinstance(data, dict):
                yield Item(
                    index,
                    f"line {number}",
                    where,
                    None,
                    (
                        Diagnostic(
                            str(file), number, 1, "SR1011", f"line {number} is not a JSON object", "write one learner document as a JSON object on each line"
                        ),
                    ),
                )
                index += 1
                continue
            key = data.get("id")
            yield Item(index, key if isinstance(key, str) and key else f"line {number}", where, data)
            index += 1


def _csv(file: Path) -> Iterator[Item]:
    """Holdings, one a row, grouped by ``learner_id`` in order of first appearance."""
    with file.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        columns = [c.strip() for c in reader.fieldnames or ()]
        missing = [c for c in CSV_REQUIRED if c not in columns]
        unknown = [c for c in columns if c not in CSV_COLUMNS]
        if missing or unknown:
            what = (
                f"missing column{'s' * (len(missing) != 1)} {', '.join(missing)}"
                if missing
                else f"unknown column{'s' * (len(unknown) != 1)} {', '.join(unknown)}"
            )
            raise RequestError("SR5002", f"the cohort `{file}` has {what}", f"the columns are {', '.join(CSV_COLUMNS)} (learner_id and credential required)")
        learners: dict[str, dict[str, Any]] = {}
        rows: dict[str, list[int]] = {}
        errors: dict[str, list[Diagnostic]] = {}
        for number, raw in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            if None in raw:  # more cells than columns
                errors.setdefault(row.get("learner_id") or f"row {number}", []).append(
                    Diagnostic(str(file), number, 1, "SR2001", f"row {number} has more cells than the header has columns", "quote cells that hold commas")
                )
            lid = row.get("learner_id", "")
            key = lid or f"row {number}"
            doc = learners.setdefault(key, {"kind": "learner", "id": lid, "holdings": []})
            rows.setdefault(key, []).append(number)
            if not lid:
                errors.setdefault(key, []).append(
                    Diagnostic(str(file), number, 1, "SR2002", f"row {number} has no learner_id", "give every row the learner's id")
                )
                continue
            holding = {k: row[k] for k in CSV_COLUMNS[1:] if row.get(k)}
            if "credential" not in holding:
                errors.setdefault(key, []).append(
                    Diagnostic(str(file), number, 1, "SR2002", f"row {number} has no credential", "give every row a credential id")
                )
                continue
            doc["holdings"].append(holding)
    for index, (key, doc) in enumerate(learners.items()):
        numbers = rows[key]
        where = f"{file}:{numbers[0]}" if len(numbers) == 1 else f"{file}:{numbers[0]}-{numbers[-1]}"
        found = errors.get(key)
        if found:
            yield Item(index, key, where, None, tuple(found))
        else:
            yield Item(index, key, f"{file}:{numbers[0]}" if len(numbers) == 1 else where, doc)
