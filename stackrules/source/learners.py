"""Reading a learner: from a YAML file or from a dict (as JSON would give)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic
from ..errors import LearnerError, RequestError
from ..language.documents import Learner, Loaded, _tupled, parse_document
from ..language.models import LearnerDoc
from ..language.positions import SourceMap, pointed_map
from .files import read_document
from .yamlreader import MAX_DEPTH, MAX_ENTRIES, MAX_TEXT, MAX_VALUES


def load_learner(source: str | os.PathLike[str] | dict[str, Any]) -> Learner:
    """A learner from a YAML file or from a dict (as JSON would give)."""
    if not isinstance(source, dict | str | os.PathLike):
        raise RequestError(
            "SR5002",
            f"a learner is read from a file path or a dict, not from a {type(source).__name__}",
            "pass the YAML file's path, or the learner document as a dict",
        )
    if isinstance(source, dict):
        loaded = _from_data(source, SourceMap("<learner>", ()))
    else:
        found, diags = read_document(Path(source), ("learner",))
        if found is None:
            raise LearnerError(diags or [Diagnostic(str(source), 1, 1, "SR1011", "not a learner document", None)])
        loaded = found
    lines = _multi_line(loaded)
    if lines:
        raise LearnerError(lines)
    badges: tuple[bytes | None, ...] = ()
    if not isinstance(source, dict) and loaded.doc.verifiable:
        badges = _badges(loaded, Path(source).parent)
    return Learner(loaded.doc, loaded, badges)


def load_learner_data(source: dict[str, Any]) -> tuple[Learner, dict[int, str]]:
    """A learner from a dict (a line of a .jsonl cohort, rows of a .csv), whose diagnostics carry lines of their own
    for each value: the map returned gives each such line's JSON pointer into ``source`` (:func:`pointed_map`)."""
    smap, where = pointed_map("<learner>", source)
    try:
        loaded = _from_data(source, smap)
        lines = _multi_line(loaded)
    except LearnerError as exc:
        raise LearnerError([pointed(d, where) for d in exc.diagnostics]) from None
    if lines:
        raise LearnerError([pointed(d, where) for d in lines])
    return Learner(loaded.doc, loaded), where


def pointed(d: Diagnostic, where: dict[int, str]) -> Diagnostic:
    """``d`` with the JSON pointer its synthetic line stands for (a diagnostic of another file is returned as it is)."""
    at = where.get(d.line, "")  # (the document itself, "", is what the line and the file already name)
    if d.file != "<learner>" or d.pointer or not at:
        return d
    return replace(d, pointer=at)


def _from_data(source: dict[str, Any], smap: SourceMap) -> Loaded:
    shape = _shape_problem(source)
    if shape is not None:
        raise LearnerError([shape])
    data = _tupled(source)
    data.setdefault("kind", "learner")
    doc, diags = parse_document(data, smap, ("learner",))
    if doc is None:
        raise LearnerError(diags)
    return Loaded(doc, smap)


CREDENTIAL_DEPTH = 400  # nesting inside an inline `verifiable:` credential, judged by the verifier (too deep is `malformed` there)


def _shape_problem(data: dict[str, Any]) -> Diagnostic | None:
    """A learner given as data is held to a YAML file's bounds (nesting, values, entries, text), walked without recursion.

    A document nested deeper than the recursion limit (JSON allows it) would
    otherwise end in a RecursionError, not a diagnostic; a structure that
    holds itself is too deep as well. An inline credential (the value of a
    ``verifiable`` key) is the verifier's to judge: it may nest deeper than a
    learner's own keys, up to a bound well within the interpreter's reach.
    """
    stack: list[tuple[Any, int, int]] = [(data, 1, MAX_DEPTH)]
    values = 0
    while stack:
        value, depth, limit = stack.pop()
        values += 1
        if values > MAX_VALUES:
            return Diagnostic("<learner>", 1, 1, "SR1015", f"the learner holds more than {MAX_VALUES} values", "give only the learner's own data")
        inside = limit == CREDENTIAL_DEPTH  # an inline credential: its size is the verifier's to judge (`malformed`)
        if isinstance(value, str) and len(value) > MAX_TEXT and not inside:
            return Diagnostic("<learner>", 1, 1, "SR1017", f"a text of {len(value)} characters, over the limit of {MAX_TEXT}", "shorten it")
        if isinstance(value, dict | list | tuple):
            if depth > limit:
                return Diagnostic("<learner>", 1, 1, "SR1008", f"the learner nests deeper than {limit} levels", "give the learner document as written")
            if len(value) > MAX_ENTRIES and not inside:
                what = "a mapping of more than {n} keys" if isinstance(value, dict) else "a list of more than {n} items"
                return Diagnostic("<learner>", 1, 1, "SR1016", what.format(n=MAX_ENTRIES), "split it, or give only the learner's own data")
            if isinstance(value, dict):
                long_key = None if inside else next((k for k in value if isinstance(k, str) and len(k) > MAX_TEXT), None)
                if long_key is not None:
                    return Diagnostic("<learner>", 1, 1, "SR1017", f"a key of {len(long_key)} characters, over the limit of {MAX_TEXT}", "shorten it")
                stack.extend((v, 1, CREDENTIAL_DEPTH) if k == "verifiable" else (v, depth + 1, limit) for k, v in value.items())
            else:
                stack.extend((v, depth + 1, limit) for v in value)
    return None


#: the bytes of one learner's badge files in all (each file counted once): what loading one learner may hold in memory
MAX_BADGE_BYTES = 128 << 20


def _badges(loaded: Loaded, folder: Path) -> tuple[bytes | None, ...]:
    """The bytes of every `verifiable:` holding given as a path (relative to the learner file); None for one given inline.

    A path that cannot be read is an error in the learner file (SR6005); what
    the file holds is judged later, when it is verified on the decision's day.
    """
    from .badges import BadgeFileError, contained_path, names_file, read_badge

    out: list[bytes | None] = []
    problems: list[Diagnostic] = []
    read: dict[Path, bytes] = {}  # a file named again is read once and shared
    total = 0
    for k, v in enumerate(loaded.doc.verifiable):
        if not names_file(v.verifiable):
            out.append(None)
            continue
        try:
            path = contained_path(folder, v.verifiable)
            data = read.get(path)
            if data is None:
                data = read_badge(path)
                total += len(data)
                if total > MAX_BADGE_BYTES:
                    raise BadgeFileError(
                        f"the learner's badge files come to more than {MAX_BADGE_BYTES} bytes in all (each file counted once), "
                        "so this one and those after it are not read"
                    )
                read[path] = data
            out.append(data)
        except BadgeFileError as e:
            problems.append(
                loaded.smap.diag(
                    ("verifiable", k, "verifiable"),
                    "SR6005",
                    f"cannot read the credential file `{v.verifiable}`: {e}",
                    "send fewer or smaller badge files (a CLR carries many credentials in one file)"
                    if total > MAX_BADGE_BYTES
                    else "give a path relative to the learner file, inside its folder",
                )
            )
            if total > MAX_BADGE_BYTES:
                break
    if problems:
        raise LearnerError(problems)
    return tuple(out)


def _multi_line(loaded: Loaded) -> list[Diagnostic]:
    """The learner's values that text output shows inline (its id and name, holding titles, exceptions) are one line each.

    Text output escapes every other control character (a line break is the
    one it keeps), so a line break here could start a forged line of the
    explanation, such as ``Status: MET.``.
    """
    doc: LearnerDoc = loaded.doc
    fields: list[tuple[tuple[str | int, ...], str | None]] = [(("id",), doc.id), (("name",), doc.name)]
    fields += [(("holdings", i, "title"), h.title) for i, h in enumerate(doc.holdings)]
    for i, e in enumerate(doc.exceptions):
        fields += [(("exceptions", i, k), getattr(e, k, None)) for k in ("node", "reason", "approved_by")]
    out = []
    for path, value in fields:
        if value is not None and "\n" in value:
            where = "`" + ".".join(str(p) for p in path) + "`"
            out.append(loaded.smap.diag(path, "SR2004", f"{where} holds a line break", "write it on one line"))
    return out
