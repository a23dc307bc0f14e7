"""Loading: files to validated documents with their source maps (the only I/O).

Reading a path never raises for a rule author's mistake: every problem is a
:class:`~stackrules.diagnostics.Diagnostic` with a position.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path as FsPath

from ..diagnostics import CODES, QUOTE_WIDTH, Diagnostic
from ..language.documents import Loaded, parse_document, parse_recovering
from .yamlreader import MAX_BYTES, read_yaml

YAML_SUFFIXES = (".yaml", ".yml")


MAX_WALK = 100_000  # entries looked at under one folder named as a rule base


def _yaml_under(folder: FsPath) -> tuple[list[FsPath], bool, list[tuple[FsPath, str]]]:
    """The YAML files under ``folder``, whether the walk hit MAX_WALK, and the links to folders outside it.

    A symbolic link to a folder inside ``folder`` is followed, each real folder once (a link to one already
    walked, or a cycle, ends there). A link to a folder outside it (a shared folder elsewhere, ``up -> ..``,
    ``/proc/self/cwd``) is not followed but returned, for the caller to refuse: never silently left out, never
    a walk of whatever it leads to. Every entry named *.yaml / *.yml that is not a folder is returned, a
    regular file or not: a broken link, a pipe or a device is then refused for what it is when read (SR1012,
    SR1013). Folders that vanish or cannot be listed during the walk (permissions) are skipped.
    """
    found: list[FsPath] = []
    outside: list[tuple[FsPath, str]] = []
    seen = 0
    top = os.path.realpath(folder)
    visited: set[str] = set()
    for root, dirs, names in os.walk(folder, onerror=lambda _: None, followlinks=True):
        real = os.path.realpath(root)
        if real in visited:
            dirs[:] = []
            continue
        visited.add(real)
        seen += len(dirs) + len(names)
        if seen > MAX_WALK:
            return [], True, []
        kept = []
        for d in sorted(dirs):
            path = os.path.join(root, d)
            if os.path.islink(path):
                target = os.path.realpath(path)
                if not _within(target, top):
                    outside.append((FsPath(path), target))
                    continue
            kept.append(d)
        dirs[:] = kept
        for name in names:
            f = FsPath(root) / name
            # an editor's lock file (Emacs: `.#name.yaml`, a link to nowhere) is no document
            if f.suffix in YAML_SUFFIXES and not name.startswith(".#"):
                found.append(f)
    return sorted(found), False, outside


def _within(path: str, top: str) -> bool:
    """Whether real path ``path`` is ``top`` or lies inside it."""
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[FsPath], list[Diagnostic]]:
    """Files under ``paths`` (folders searched for *.yaml / *.yml), sorted, deduplicated.

    A path that does not exist, or a folder with no YAML file in it, is an error:
    an empty rule base is never silently taken for the shipped one.
    """
    files: list[FsPath] = []
    diags: list[Diagnostic] = []
    for raw in paths:
        p = FsPath(raw)
        if p.is_dir():
            found, too_many, outside = _yaml_under(p)
            for link, target in outside:
                where = f"{display_name(link.parent)}/{link.name}"  # the link where it lies, not where it leads
                diags.append(
                    Diagnostic(
                        where,
                        1,
                        1,
                        "SR1012",
                        f"`{where}` is a symbolic link to `{target}`, a folder outside `{raw}`: it is not read",
                        "name that folder as a rule-base folder of its own, or move it into this one",
                    )
                )
            if too_many:
                diags.append(
                    Diagnostic(
                        str(raw),
                        1,
                        1,
                        "SR1012",
                        f"`{raw}` holds more than {MAX_WALK} entries: it is not a rule-base folder",
                        "name the folders of the rule base",
                    )
                )
                continue
            if not found:
                diags.append(Diagnostic(str(raw), 1, 1, "SR1014", f"`{raw}` holds no YAML file (*.yaml, *.yml)", CODES["SR1014"].fix))
            files.extend(found)
        elif p.is_file():
            files.append(p)
        elif p.exists():
            files.append(p)  # a pipe, a device or a socket: read_bytes refuses it for what it is (SR1013), without reading it
        else:
            diags.append(Diagnostic(str(raw), 1, 1, "SR1012", f"`{raw}` does not exist", "check the path"))
    unique: dict[str, FsPath] = {}
    for f in files:
        unique.setdefault(str(f.resolve()), f)
    return list(unique.values()), diags


def read_bytes(file: FsPath, name: str | None = None) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of ``file``, read once, or why not.

    Only a regular file is read, and never past the size limit: the file is
    opened without blocking (a FIFO cannot hang the reader), checked with
    ``fstat`` on the open descriptor (a folder, ``/dev/zero`` or a pipe is
    refused at once) and read to at most the limit and one byte.
    """
    name = name if name is not None else display_name(file)
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if os.path.islink(file) and not os.path.exists(file):
            return None, [
                Diagnostic(
                    name,
                    1,
                    1,
                    "SR1012",
                    f"`{name}` is a symbolic link to `{os.readlink(file)}`, which does not exist",
                    "point the link at the file, or remove it",
                )
            ]
        return None, [Diagnostic(name, 1, 1, "SR1012", f"cannot read `{name}`: {exc.strerror}", "check the path and its permissions")]
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            what = "a folder" if stat.S_ISDIR(st.st_mode) else "a pipe" if stat.S_ISFIFO(st.st_mode) else "a device or other special file"
            return None, [Diagnostic(name, 1, 1, "SR1013", f"`{name}` is {what}, not a regular file", "name a YAML file")]
        if st.st_size > MAX_BYTES:
            return None, [_too_large(name, st.st_size)]
        chunks: list[bytes] = []
        left = MAX_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        return None, [Diagnostic(name, 1, 1, "SR1012", f"cannot read `{name}`: {exc.strerror}", "check the path and its permissions")]
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > MAX_BYTES:
        return None, [_too_large(name, len(raw))]
    return raw, []


def _too_large(name: str, size: int) -> Diagnostic:
    more = "over" if size > MAX_BYTES + 1 else "at least one byte over"
    return Diagnostic(name, 1, 1, "SR1007", f"the file is {more} the limit of {MAX_BYTES} bytes", "split it into several files")


def read_document(
    file: FsPath, allowed_kinds: Iterable[str] | None = None, raw: bytes | None = None, name: str | None = None, recover: bool = False
) -> tuple[Loaded | None, list[Diagnostic]]:
    """One document from ``file`` (or from ``raw``, its bytes already read: they are parsed as they are).

    ``name`` is how diagnostics and decisions name the file (default: :func:`display_name`). ``recover``: a rule
    document refused only for unknown keys is returned without them, marked ``recovered``, beside its errors
    (:func:`stackrules.language.documents.parse_recovering`): to be checked for what it names, never loaded.
    """
    name = name if name is not None else display_name(file)
    if raw is None:
        raw, problems = read_bytes(file, name)
        if raw is None:
            return None, problems
    data, smap, diags = read_yaml(raw, name)
    if data is None or diags:
        return None, diags  # one mistake, one error: a value the reader refused is not validated again
    if recover:
        doc, more, recovered = parse_recovering(data, smap, allowed_kinds)
        if recovered is not None:
            return Loaded(recovered, smap, attachments_of(recovered, file), recovered=True), more
    else:
        doc, more = parse_document(data, smap, allowed_kinds)
    diags.extend(more)
    if doc is None or any(d.severity == "error" for d in diags):
        return None, diags
    return Loaded(doc, smap, attachments_of(doc, file)), diags


def attachments_of(doc: object, file: FsPath) -> tuple[tuple[str, bytes | str], ...]:
    """The files a document names, read beside it: an issuer's status-list copies (bytes, or why they cannot be read)."""
    from ..language.models import IssuerDoc

    if not isinstance(doc, IssuerDoc):
        return ()
    out: list[tuple[str, bytes | str]] = []
    for written in sorted(set(doc.status_lists.values())):
        raw, problems = read_bytes(file.parent / written, written)
        out.append((written, raw if raw is not None else problems[0].message))
    return tuple(out)


@dataclass(frozen=True)
class Source:
    """One file as read: its path, its name in diagnostics, and its bytes (None when it could not be read)."""

    path: FsPath
    name: str
    raw: bytes | None


def read_sources(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Source], list[Diagnostic]]:
    """Every file under ``paths``, each read once (see :func:`read_bytes`), with the problems met."""
    paths = list(paths)
    files, diags = expand_paths(paths)
    base = names_base(paths)
    sources: list[Source] = []
    for f in files:
        name = display_name(f, base)
        raw, problems = read_bytes(f, name)
        diags.extend(problems)
        sources.append(Source(f, name, raw))
    return sources, diags


def parse_sources(sources: Iterable[Source], recovered: list[Loaded] | None = None) -> tuple[list[Loaded], list[Diagnostic]]:
    """The documents in ``sources``, parsed from the bytes read (never read again).

    ``recovered``: where to put the documents refused only for unknown keys, validated without them
    (:func:`read_document`'s ``recover``), for :func:`stackrules.rulebase.checks.recovered_findings`.
    """
    loaded: list[Loaded] = []
    diags: list[Diagnostic] = []
    for s in sources:
        if s.raw is None:
            continue
        doc, more = read_document(s.path, raw=s.raw, name=s.name, recover=recovered is not None)
        diags.extend(more)
        if doc is not None and doc.recovered:
            assert recovered is not None
            recovered.append(doc)
        elif doc is not None:
            loaded.append(doc)
    return loaded, diags


def names_base(paths: Iterable[str | os.PathLike[str]]) -> FsPath | None:
    """The folder that files read from ``paths`` are named relative to (docs/language.md section 16).

    The folder given (a file given names its own folder); for several, the
    deepest folder that holds them all, so names stay distinct: the shipped
    ``frameworks/`` and ``rules/`` give the base that holds both, and a copy of
    them anywhere gives the same names. None when the paths share no folder
    but the file-system root (each file is then named as :func:`display_name`
    names it without a base).
    """
    folders = []
    for raw in paths:
        p = FsPath(raw).resolve()
        folders.append(p if p.is_dir() else p.parent)
    if not folders:
        return None
    try:
        common = FsPath(os.path.commonpath([str(f) for f in folders]))
    except ValueError:  # different drives
        return None
    return None if common == FsPath(common.anchor) else common


def display_name(file: FsPath, base: FsPath | None = None) -> str:
    """How a file is named in diagnostics and explanations: the same wherever the rules lie.

    Relative to ``base`` (see :func:`names_base`) when the file is under it;
    otherwise files of the shipped rule base are named from the base
    (``rules/...``), other files relative to the working folder when they are
    under it, else as given.
    """
    # a broken link is named where it lies (its target does not exist; resolving names a file nobody wrote)
    resolved = file.parent.resolve() / file.name if file.is_symlink() and not file.exists() else file.resolve()
    if base is not None and resolved.is_relative_to(base):
        return resolved.relative_to(base).as_posix()
    shipped = shipped_paths()
    if shipped:
        shipped_base = shipped[0].parent
        if resolved.is_relative_to(shipped_base):
            return resolved.relative_to(shipped_base).as_posix()
    try:
        return resolved.relative_to(FsPath.cwd().resolve()).as_posix()
    except ValueError:
        return file.as_posix()


def source_path(name: str, *root_lists: Iterable[str | os.PathLike[str]]) -> FsPath:
    """The file a diagnostic's ``name`` stands for, to quote its lines.

    Tried in order: under the names base of each list of paths the files were
    read from, then as written (the working folder), then under the shipped base.
    """
    for roots in root_lists:
        base = names_base(roots)
        if base is not None and (base / name).is_file():
            return base / name
    path = FsPath(name)
    if os.path.lexists(path):  # a broken link too: it is what was named, not a shipped file of the same name
        return path
    shipped = shipped_paths()
    if shipped and (shipped[0].parent / name).exists():
        return shipped[0].parent / name
    return path


def quote_lines(file: str | os.PathLike[str], wanted: Iterable[tuple[int, int]]) -> dict[int, str]:
    """The lines of ``file`` that diagnostics quote, each given as (line, column), read in one pass.

    Only a regular file is read, without blocking, and only up to the last
    line wanted (never past the size limit); of each wanted line, only what
    can be shown around its column is kept.
    """
    keep: dict[int, int] = {}
    for line, column in wanted:
        keep[line] = max(keep.get(line, 0), 4 * (max(column, 1) + QUOTE_WIDTH))  # bytes: at most 4 a character
    if not keep:
        return {}
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return {}
    found: dict[int, bytes] = {}
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return {}
        last, line, seen, part = max(keep), 1, 0, b""
        with os.fdopen(os.dup(fd), "rb") as fh:
            while line <= last and seen <= MAX_BYTES:
                chunk = fh.readline(1 << 16)
                if not chunk:
                    if part or line in keep:
                        found[line] = part
                    break
                seen += len(chunk)
                if line in keep and len(part) < keep[line]:
                    part += chunk[: keep[line] - len(part)]
                if chunk.endswith(b"\n"):
                    if line in keep:
                        found[line] = part
                    line, part = line + 1, b""
    except OSError:
        return {}
    finally:
        os.close(fd)
    out: dict[int, str] = {}
    for n, raw in found.items():
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        out[n] = raw.decode("utf-8", "replace").rstrip("\r\n")
    return out


def read_documents(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Loaded], list[Diagnostic]]:
    sources, diags = read_sources(paths)
    loaded, more = parse_sources(sources)
    return loaded, diags + more


def shipped_paths() -> list[FsPath]:
    """The rule base shipped with the package: ``frameworks/`` and ``rules/``."""
    here = FsPath(__file__).resolve().parent.parent  # the package folder
    for base in (here / "data", here.parent):
        fw, rules = base / "frameworks", base / "rules"
        if fw.is_dir() and rules.is_dir():
            return [fw, rules]
    return []


# what depends on a document that failed to load only repeats its error: "unknown credential", "has no catalog", and
# the rule-base-wide sums and matches (SR4001, SR4002), which are computed without it
_CONSEQUENCES = frozenset({"SR3001", "SR3002"})
# what a refused framework or credit-systems document defines: unknown levels, types, frameworks and credit
# systems it declares follow from its absence (a misspelt key in aqf.yaml made 100 "unknown framework level" errors)
_DEFINED = frozenset({"SR3003", "SR3004", "SR3013"})
_WIDE = frozenset({"SR4001", "SR4002"})


def without_consequences(
    sources: Iterable[Source], parsed: list[Diagnostic], checked: list[Diagnostic], found: list[Diagnostic] | None = None, recovered: Iterable[str] = ()
) -> list[Diagnostic]:
    """``checked`` (the rule base's checks) without what follows from a document ``parsed`` refused; and ``found``
    (errors in documents checked again without their unknown keys, whose files are ``recovered``) without what
    follows from a refused document that was not so checked: a recovered catalogue's own unknown credentials
    are found against that catalogue, and are reported.

    A catalogue with one malformed entry is left out whole, so every qualification of its provider reported
    "provider has no catalog" and every rule naming its credentials "unknown credential": one mistake, a screen
    of errors. The ids and providers the refused documents declare are read from their YAML (what of it can be
    read), and the errors that name them are left out; so are the warnings computed over the whole rule base.
    Fixing the refused documents and checking again reports whatever else is wrong.
    """
    sources = list(sources)
    kept = _not_following(sources, parsed, checked)
    if found:
        again = set(recovered)
        kept += _not_following(sources, [d for d in parsed if d.file not in again], found)
    return kept


def _not_following(sources: list[Source], parsed: list[Diagnostic], checked: list[Diagnostic]) -> list[Diagnostic]:
    refused = {d.file for d in parsed if d.severity == "error"}
    if not refused:
        return checked
    ids: set[str] = set()
    providers: set[str] = set()
    defined: set[str] = set()  # the frameworks and credit systems refused documents define
    for s in sources:
        if s.name in refused and s.raw is not None:
            data, _, _ = read_yaml(s.raw, s.name)
            if isinstance(data, dict):
                _declared(data, ids, providers)
                if data.get("kind") == "framework" and isinstance(data.get("id"), str):
                    defined.add(str(data["id"]))
                systems = data.get("systems") if data.get("kind") == "credit_systems" else None
                for system in systems if isinstance(systems, list | tuple) else ():
                    if isinstance(system, dict) and isinstance(system.get("id"), str):
                        defined.add(str(system["id"]))
            else:
                _declared_in_text(s.raw, ids, providers)

    def follows(d: Diagnostic) -> bool:
        if d.code in _WIDE:
            return True
        subject = d.message.split("`")[1] if d.message.count("`") >= 2 else ""
        if d.code in _DEFINED:
            # a framework's levels and types are `framework:id`; a credit system is its own id
            return subject in defined or subject.partition(":")[0] in defined
        if d.code not in _CONSEQUENCES:
            return False
        return subject in ids or subject in providers or subject.partition(":")[0] in providers

    return [d for d in checked if not follows(d)]


_TOP_ID = re.compile(r"^id:[ \t]*[\"']?([^\"'\s#,}]+)", re.M)
_KIND = re.compile(r"^kind:[ \t]*[\"']?(\w+)", re.M)
_CATALOG_PROVIDER = re.compile(r"^provider:[ \t]*(?:\{[ \t]*id:[ \t]*|\n[ \t]+id:[ \t]*)[\"']?([^\"'\s,}]+)", re.M)
_ENTRY_ID = re.compile(r"\bid:[ \t]*[\"']?([a-z][a-z0-9-]*:[A-Za-z0-9._-]+)")


def _declared_in_text(raw: bytes, ids: set[str], providers: set[str]) -> None:
    """What a document the reader refused outright (a tab, a syntax error) declares, as far as its text says: its
    top-level `id`, and for a catalogue its provider and entries' ids. Only to leave out the errors that follow from
    its absence ("provider has no catalog" beside the tab that is the one mistake)."""
    text = raw.decode("utf-8", errors="replace")
    ids.update(_TOP_ID.findall(text))
    if "catalog" in _KIND.findall(text):
        providers.update(_CATALOG_PROVIDER.findall(text))
        ids.update(_ENTRY_ID.findall(text))


def _declared(data: dict[object, object], ids: set[str], providers: set[str]) -> None:
    """The ids a document declares (its own, its catalogue's entries) and the provider a catalogue is for."""
    own = data.get("id")
    if isinstance(own, str):
        ids.add(own)
    if data.get("kind") == "catalog":
        provider = data.get("provider")
        pid = provider.get("id") if isinstance(provider, dict) else None
        if isinstance(pid, str):
            providers.add(pid)
        entries = data.get("credentials")
        for entry in entries if isinstance(entries, list | tuple) else ():
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                ids.add(str(entry["id"]))
