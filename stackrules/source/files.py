"""Loading: files to validated documents with their source maps (the only I/O).

Reading a path never raises for a rule author's mistake: every problem is a
:class:`~stackrules.diagnostics.Diagnostic` with a position.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path as FsPath

from ..diagnostics import Diagnostic
from ..language.documents import Loaded, parse_document
from .yamlreader import read_yaml

YAML_SUFFIXES = (".yaml", ".yml")


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[FsPath], list[Diagnostic]]:
    """Files under ``paths`` (folders searched for *.yaml / *.yml), sorted, deduplicated."""
    files: list[FsPath] = []
    diags: list[Diagnostic] = []
    for raw in paths:
        p = FsPath(raw)
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.suffix in YAML_SUFFIXES and f.is_file()))
        elif p.is_file():
            files.append(p)
        else:
            diags.append(Diagnostic(str(raw), 1, 1, "SR1012", f"`{raw}` does not exist", "check the path"))
    unique: dict[str, FsPath] = {}
    for f in files:
        unique.setdefault(str(f.resolve()), f)
    return list(unique.values()), diags


def read_document(file: FsPath, allowed_kinds: Iterable[str] | None = None) -> tuple[Loaded | None, list[Diagnostic]]:
    name = display_name(file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        return None, [Diagnostic(name, 1, 1, "SR1012", f"cannot read `{name}`: {exc.strerror}", "check the path and its permissions")]
    data, smap, diags = read_yaml(raw, name)
    if data is None or diags:
        return None, diags  # one mistake, one error: a value the reader refused is not validated again
    doc, more = parse_document(data, smap, allowed_kinds)
    diags.extend(more)
    if doc is None or any(d.severity == "error" for d in diags):
        return None, diags
    return Loaded(doc, smap), diags


def display_name(file: FsPath) -> str:
    """How a file is named in diagnostics and explanations: stable across machines.

    Files of the shipped rule base are named from the base (``rules/...``),
    other files relative to the working folder when they are under it.
    """
    resolved = file.resolve()
    shipped = shipped_paths()
    if shipped:
        base = shipped[0].parent
        if resolved.is_relative_to(base):
            return resolved.relative_to(base).as_posix()
    try:
        return resolved.relative_to(FsPath.cwd().resolve()).as_posix()
    except ValueError:
        return file.as_posix()


def read_documents(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Loaded], list[Diagnostic]]:
    files, diags = expand_paths(paths)
    loaded: list[Loaded] = []
    for f in files:
        doc, more = read_document(f)
        diags.extend(more)
        if doc is not None:
            loaded.append(doc)
    return loaded, diags


def shipped_paths() -> list[FsPath]:
    """The rule base shipped with the package: ``frameworks/`` and ``rules/``."""
    here = FsPath(__file__).resolve().parent.parent  # the package folder
    for base in (here / "data", here.parent):
        fw, rules = base / "frameworks", base / "rules"
        if fw.is_dir() and rules.is_dir():
            return [fw, rules]
    return []
