"""Reading a cohort: a folder of learner files, a JSON-lines file, or a CSV of holdings.

Every learner becomes an :class:`Item` in input order. A learner that cannot be
read becomes an item with diagnostics (an error row in the batch), and reading
goes on: one bad line never costs the others. Learners given as data (JSON
lines, CSV) are parsed where they are decided (in the worker), so the driver
only splits the input.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..diagnostics import Diagnostic
from ..errors import LearnerError, RequestError
from ..language.documents import Learner
from ..language.quantity import NumberBound, check_int
from ..source.learners import load_learner, load_learner_data, pointed

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
    digest: str = ""  # of the learner as given (the file, the line, the CSV rows): a resumed run keeps only results of the same learner


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


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


def parse(item: Item) -> tuple[Learner, dict[int, str]]:
    """The learner of ``item`` (raises :class:`LearnerError` with the item's diagnostics), and for a learner given as
    data the JSON pointer each line of its diagnostics stands for (:func:`~stackrules.source.learners.load_learner_data`:
    what a decision later finds wrong with it, an unknown credential say, is placed with it)."""
    if item.errors:
        raise LearnerError(item.errors)
    if isinstance(item.source, Learner):
        return item.source, {}
    if item.source is None:
        raise LearnerError([placed(Diagnostic("<learner>", 1, 1, "SR1011", "no learner document", None), item.where)])
    try:
        return load_learner_data(item.source)
    except LearnerError as exc:
        raise LearnerError([placed(d, item.where) for d in exc.diagnostics]) from None


def placed(d: Diagnostic, where: str, pointers: dict[int, str] | None = None) -> Diagnostic:
    """A diagnostic about a learner given as data, named by where the data is (``cohort.jsonl:17``, the first row of
    ``holdings.csv:3-7``), with the JSON pointer into the learner its line stands for (``pointers``, from :func:`parse`)."""
    if d.file not in ("<learner>", "<request>"):
        return d
    at = pointed(d, pointers).pointer if pointers else d.pointer
    file, _, line = where.rpartition(":")
    first = line.split("-", 1)[0]
    if file and first.isdigit():
        return Diagnostic(file, int(first), 1, d.code, d.message, d.help, pointer=at)
    return Diagnostic(where, d.line, d.column, d.code, d.message, d.help, pointer=at)


def _folder(folder: Path) -> Iterator[Item]:
    files = sorted(f for f in folder.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
    if not files:
        raise RequestError("SR5002", f"the cohort folder `{folder}` holds no .yaml learner file", "name the folder that holds the learner files")
    inside = folder.resolve()
    for i, f in enumerate(files):
        where = str(f)
        real = f.resolve()
        if not real.is_relative_to(inside):
            problem = Diagnostic(where, 1, 1, "SR1012", f"`{f}` is a link to `{real}`, outside the cohort folder", "copy the learner file into the folder")
            yield Item(i, f.stem, where, None, (problem,))
            continue
        try:
            digest = digest_of(f.read_bytes())
        except OSError:
            digest = ""
        try:
            learner = load_learner(f)
        except LearnerError as exc:
            yield Item(i, f.stem, where, None, tuple(exc.diagnostics), digest)
            continue
        yield Item(i, learner.doc.id, where, learner, digest=digest)


class _LineProblem(Exception):
    def __init__(self, code: str, message: str, help: str | None, column: int = 1) -> None:
        super().__init__(message)
        self.code, self.message, self.help, self.column = code, message, help, column


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _LineProblem("SR1002", f"the key `{key[:80]}` is given twice in one object", "remove or rename the second occurrence")
        out[key] = value
    return out


def _json_line(raw: bytes) -> Any:
    """One JSON line, bounded like a YAML file: UTF-8, no key twice, numbers within bounds, nesting within the interpreter's reach."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _LineProblem("SR1009", f"the line is not UTF-8 text (byte {exc.start + 1})", "save the file as UTF-8", exc.start + 1) from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_int=check_int)
        # a JSON escape may name half of a UTF-16 pair (`\ud800`): not a character, and nothing can write it out
        json.dumps(data, ensure_ascii=False).encode("utf-8")
        return data
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end] if isinstance(exc.object, str) else ""
        code = f"\\u{ord(bad[0]):04x}" if bad else "a lone surrogate"
        raise _LineProblem(
            "SR1009", f"the line holds `{code}`, half of a UTF-16 pair, which is not a character", "write the text as UTF-8 characters"
        ) from None
    except NumberBound as exc:
        raise _LineProblem(exc.code, str(exc), "write the number within its bounds") from None
    except RecursionError:
        raise _LineProblem("SR1008", "the line nests too deep", "give the learner document as written") from None
    except json.JSONDecodeError as exc:
        raise _LineProblem("SR1001", f"the line is not valid JSON: {exc}", "write one learner document as JSON on each line", exc.colno) from None
    except ValueError as exc:
        raise _LineProblem("SR1001", f"the line is not valid JSON: {exc}", "write one learner document as JSON on each line") from None


def _jsonl(file: Path) -> Iterator[Item]:
    index = 0
    number = 0
    with file.open("rb") as fh:
        while True:
            raw = fh.readline(MAX_LINE + 1)  # bounded: a line longer than the limit is never held whole
            if not raw:
                break
            number += 1
            where = f"{file}:{number}"
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                hashed = hashlib.sha256(raw)
                while True:  # skip to the end of the line, a bounded piece at a time
                    more = fh.readline(1 << 20)
                    hashed.update(more)
                    if not more or more.endswith(b"\n"):
                        break
                problem = Diagnostic(str(file), number, 1, "SR1007", f"line {number} is over {MAX_LINE} bytes", "a learner document is far smaller")
                yield Item(index, f"line {number}", where, None, (problem,), "sha256:" + hashed.hexdigest())
                index += 1
                continue
            if not raw.strip():
                continue
            digest = digest_of(raw.rstrip(b"\r\n"))
            try:
                data = _json_line(raw)
            except _LineProblem as exc:
                problem = Diagnostic(str(file), number, exc.column, exc.code, f"line {number}: {exc.message}", exc.help)
                yield Item(index, f"line {number}", where, None, (problem,), digest)
                index += 1
                continue
            if not isinstance(data, dict):
                problem = Diagnostic(
                    str(file), number, 1, "SR1011", f"line {number} is not a JSON object", "write one learner document as a JSON object on each line"
                )
                yield Item(index, f"line {number}", where, None, (problem,), digest)
                index += 1
                continue
            key = data.get("id")
            yield Item(index, key if isinstance(key, str) and key else f"line {number}", where, data, digest=digest)
            index += 1


_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def _lines(fh: IO[str], last: list[str]) -> Iterator[str]:
    """The file's lines, remembering the last one given (for a row the csv module refuses)."""
    for line in fh:
        last[0] = line
        yield line


def _csv(file: Path) -> Iterator[Item]:
    """Holdings, one a row, grouped by ``learner_id`` in order of first appearance.

    A row the csv module refuses (a cell over its limit of 131,072 characters)
    or that is not UTF-8 is an error of its learner (when its ``learner_id``
    can be read) or of that row; the other learners are read on.
    """
    learners: dict[str, dict[str, Any]] = {}
    rows: dict[str, list[int]] = {}
    errors: dict[str, list[Diagnostic]] = {}
    texts: dict[str, list[str]] = {}
    with file.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
        last = [""]
        reader = csv.reader(_lines(fh, last))
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise RequestError("SR5002", f"the cohort `{file}` has a header the csv module refuses: {exc}", "give a header line") from None
        columns = [c.strip() for c in header or ()]
        missing = [c for c in CSV_REQUIRED if c not in columns]
        unknown = [c for c in columns if c not in CSV_COLUMNS]
        twice = sorted({c for c in columns if columns.count(c) > 1})
        if missing or unknown or twice:
            what = (
                f"missing column{'s' * (len(missing) != 1)} {', '.join(missing)}"
                if missing
                else f"unknown column{'s' * (len(unknown) != 1)} {', '.join(unknown)}"
                if unknown
                else f"column{'s' * (len(twice) != 1)} {', '.join(twice)} more than once"
            )
            raise RequestError(
                "SR5002",
                f"the cohort `{file}` has {_NOT_UTF8.sub('?', what)}",
                f"the columns are {', '.join(CSV_COLUMNS)} (learner_id and credential required), each once",
            )
        at = columns.index("learner_id")
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader, None)
            except csv.Error as exc:
                key = _id_of_refused(last[0], at) or f"row {start}"
                errors.setdefault(key, []).append(
                    Diagnostic(str(file), start, 1, "SR1017", f"row {start} is refused: {exc}", "keep every cell under 131,072 characters")
                )
                rows.setdefault(key, []).append(start)
                learners.setdefault(key, {"kind": "learner", "id": key, "holdings": []})
                continue
            if cells is None:
                break
            number = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            row = {columns[i]: c.strip() for i, c in enumerate(cells) if i < len(columns)}
            lid = row.get("learner_id", "")
            if _NOT_UTF8.search(lid):
                lid = ""
            key = lid or f"row {number}"
            doc = learners.setdefault(key, {"kind": "learner", "id": lid, "holdings": []})
            rows.setdefault(key, []).append(number)
            texts.setdefault(key, []).append(json.dumps(cells, ensure_ascii=True))
            if len(cells) > len(columns):
                errors.setdefault(key, []).append(
                    Diagnostic(str(file), number, 1, "SR2001", f"row {number} has more cells than the header has columns", "quote cells that hold commas")
                )
            if any(_NOT_UTF8.search(c) for c in cells):
                errors.setdefault(key, []).append(Diagnostic(str(file), number, 1, "SR1009", f"row {number} is not UTF-8 text", "save the file as UTF-8"))
                continue
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
        digest = digest_of("\n".join(texts.get(key, ())).encode("utf-8"))
        found = errors.get(key)
        if found:
            yield Item(index, key, where, None, tuple(found), digest)
        else:
            yield Item(index, key, where, doc, digest=digest)


def _id_of_refused(line: str, at: int) -> str:
    """The learner_id of a row the csv module refused, when it comes before the cell that is too long."""
    try:
        cells = next(csv.reader([line[:4096]]), [])
    except csv.Error:
        return ""
    if at < len(cells) - 1:  # the last cell read may be cut short
        lid = cells[at].strip()
        if lid and not _NOT_UTF8.search(lid):
            return lid
    return ""
