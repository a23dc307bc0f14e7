"""The strict YAML reader: text in, plain data and a source map out.

PyYAML composes the node tree (which keeps marks); this module turns it into
data itself, so it can refuse what YAML 1.1 would otherwise accept silently:
duplicate keys, anchors and aliases, tab indentation, ``yes``/``no``/``on``/
``off`` as booleans and ``0410`` as octal. Plain scalars follow a small
YAML 1.2 core subset: ``null``/``~``, ``true``/``false``, integers, and
decimals (read as exact :class:`~decimal.Decimal`). Mappings become ``dict``,
sequences become ``tuple`` (models are frozen).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import BaseConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from .diagnostics import Diagnostic

try:  # libyaml's event parser when PyYAML has it: same events, about 20 times faster
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - pure-Python PyYAML
    _CParser = None

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64

Path = tuple[str | int, ...]

_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+(\.[0-9]*)?")
_DECIMAL = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+")
_BOOL_11 = {"yes", "no", "on", "off", "y", "n"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_NULL = {"", "~", "null", "Null", "NULL"}


@dataclass(frozen=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class SourceMap:
    """Where every value (and every mapping key) of one document stands."""

    file: str
    lines: tuple[str, ...]
    values: dict[Path, Span] = field(default_factory=dict)
    keys: dict[Path, Span] = field(default_factory=dict)

    def span(self, path: Path, on_key: bool = False) -> Span:
        """The span of ``path``; the nearest existing ancestor if it has none."""
        p = tuple(path)
        while True:
            if on_key and p in self.keys:
                return self.keys[p]
            if p in self.values:
                return self.values[p]
            if not p:
                return Span(1, 1, 1, 2)
            p = p[:-1]
            on_key = False

    def diag(self, path: Path, code: str, message: str, help: str | None = None, on_key: bool = False) -> Diagnostic:
        s = self.span(path, on_key)
        end = s.end_column if s.end_line == s.line else None
        return Diagnostic(self.file, s.line, s.column, code, message, help, end)


class _StrictLoader(Reader, Scanner, Parser, Composer, BaseConstructor, BaseResolver):
    """Composes nodes only; every plain scalar stays a ``str`` node."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        BaseConstructor.__init__(self)
        BaseResolver.__init__(self)


class _ReadError(Exception):
    def __init__(self, diag: Diagnostic) -> None:
        super().__init__(diag.message)
        self.diag = diag


def _span(node: yaml.Node) -> Span:
    s, e = node.start_mark, node.end_mark
    return Span(s.line + 1, s.column + 1, e.line + 1, e.column + 1)


@dataclass
class _Builder:
    file: str
    smap: SourceMap
    diags: list[Diagnostic]

    def err(self, node: yaml.Node, code: str, message: str, help: str | None = None) -> None:
        s = _span(node)
        self.diags.append(Diagnostic(self.file, s.line, s.column, code, message, help, s.end_column if s.end_line == s.line else None))

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        if depth > MAX_DEPTH:
            s = _span(node)
            raise _ReadError(
                Diagnostic(
                    self.file,
                    s.line,
                    s.column,
                    "SR1008",
                    f"the document nests deeper than {MAX_DEPTH} levels",
                    "flatten it, for instance with `define:` and `ref`",
                )
            )
        self.smap.values[path] = _span(node)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for knode, vnode in node.value:
                if not isinstance(knode, yaml.ScalarNode):
                    self.err(knode, "SR1001", "a mapping key must be a plain word", "write the key as text")
                    continue
                key = str(knode.value)
                if key == "<<":
                    self.err(knode, "SR1003", "merge keys (`<<`) are not allowed", "write the keys out in full")
                    continue
                if key in out:
                    self.err(knode, "SR1002", f"duplicate key `{key}`", "remove or rename this second occurrence")
                    continue
                self.smap.keys[path + (key,)] = _span(knode)
                out[key] = self.build(vnode, path + (key,), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return tuple(self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value))
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        text = str(node.value)
        if node.style is not None and node.style != "":
            return text  # quoted or block scalars are always strings
        if text in _NULL:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if text.lower() in _BOOL_11:
            self.err(node, "SR1005", f"`{text}` is a boolean in YAML 1.1 and text in YAML 1.2", f'write `"{text}"` for text, or true/false')
            return text
        if _LEADING_ZERO.fullmatch(text):
            self.err(node, "SR1006", f"`{text}` has a leading zero (YAML 1.1 reads it as octal)", f'write `"{text}"` if it is a code, or drop the leading zero')
            return text
        if _INT.fullmatch(text):
            return int(text)
        if _DECIMAL.fullmatch(text):
            return Decimal(text)
        return text


def _unprintable(ch: str) -> bool:
    """Characters YAML 1.1 refuses in a stream (PyYAML's printable set, inverted)."""
    o = ord(ch)
    printable = ch in "\t\n\r" or 0x20 <= o <= 0x7E or o == 0x85 or 0xA0 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or 0x10000 <= o <= 0x10FFFF
    return not printable


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def read_yaml(data: bytes, file: str) -> tuple[Any, SourceMap, list[Diagnostic]]:
    """Read one YAML document strictly. Returns (data or None, source map, diagnostics)."""
    smap = SourceMap(file, ())
    if len(data) > MAX_BYTES:
        return None, smap, [Diagnostic(file, 1, 1, "SR1007", f"the file is {len(data)} bytes, over the limit of {MAX_BYTES}", "split it into several files")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        return None, smap, [Diagnostic(file, line, col, "SR1009", "the file is not UTF-8 text", "save it as UTF-8")]
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = tuple(text.splitlines())
    smap.lines = lines
    for i, raw in enumerate(lines, 1):
        indent = len(raw) - len(raw.lstrip(" \t"))
        tab = raw.find("\t", 0, indent)
        if tab >= 0 and raw.strip():
            return None, smap, [Diagnostic(file, i, tab + 1, "SR1004", "a tab is used for indentation", "indent with spaces")]
    diags: list[Diagnostic] = []
    bad = next((i for i, ch in enumerate(text) if _unprintable(ch)), None)
    if bad is not None:
        line = text.count("\n", 0, bad) + 1
        col = bad - (text.rfind("\n", 0, bad) + 1) + 1
        return None, smap, [Diagnostic(file, line, col, "SR1001", f"invalid YAML: the control character U+{ord(text[bad]):04X} is not allowed", "remove it")]
    loader: Any = _CParser(text) if _CParser is not None else _StrictLoader(text)
    try:
        # Refuse anchors and aliases at the event level, before composition
        # (so an alias bomb costs nothing).
        events: list[yaml.Event] = []
        docs = 0
        while loader.check_event():
            ev = loader.get_event()  # type: ignore[no-untyped-call]
            line, col = (ev.start_mark.line + 1, ev.start_mark.column + 1) if ev.start_mark else (1, 1)
            if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None):
                return None, smap, [Diagnostic(file, line, col, "SR1003", "YAML anchors and aliases are not allowed", "write the value out in full")]
            if getattr(ev, "tag", None) not in (None, "!"):
                return None, smap, [Diagnostic(file, line, col, "SR1001", f"explicit tag `{ev.tag}` is not allowed", "remove the tag")]
            if isinstance(ev, yaml.DocumentStartEvent):
                docs += 1
                if docs > 1:
                    return None, smap, [Diagnostic(file, line, col, "SR1010", "a file holds more than one YAML document", "put each document in its own file")]
            events.append(ev)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        help_ = "fix the syntax at this position"
        at_end = exc.problem_mark is not None and (exc.problem_mark.line >= len(lines) or "stream end" in problem)
        if exc.context_mark is not None and at_end:
            # the file ended inside a bracket or quote: point at where it opened
            mark = exc.context_mark
            help_ = f"this is never closed ({exc.context})"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, smap, [Diagnostic(file, line, col, "SR1001", f"invalid YAML: {problem}", help_)]
    finally:
        if hasattr(loader, "dispose"):
            loader.dispose()
    node = _compose(events)
    if node is None:
        return None, smap, [Diagnostic(file, 1, 1, "SR1011", "the file holds no document", "start it with `kind:`")]
    builder = _Builder(file, smap, diags)
    try:
        value = builder.build(node, (), 0)
    except _ReadError as exc:
        return None, smap, [exc.diag]
    if not isinstance(value, dict):
        s = _span(node)
        diags.append(Diagnostic(file, s.line, s.column, "SR1011", "the top level of a document must be a mapping", "start it with `kind:`"))
        return None, smap, diags
    return value, smap, diags


class _EventComposer(Composer):
    """Composes nodes from a list of already-checked events."""

    def __init__(self, events: list[yaml.Event]) -> None:
        self._events = events
        self._i = 0
        Composer.__init__(self)

    def check_event(self, *choices: type) -> bool:
        if self._i >= len(self._events):
            return False
        if not choices:
            return True
        return isinstance(self._events[self._i], choices)

    def peek_event(self) -> yaml.Event:
        return self._events[self._i]

    def get_event(self) -> yaml.Event:
        ev = self._events[self._i]
        self._i += 1
        return ev

    def descend_resolver(self, parent: Any, index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        return {yaml.ScalarNode: "tag:yaml.org,2002:str", yaml.SequenceNode: "tag:yaml.org,2002:seq"}.get(kind, "tag:yaml.org,2002:map")


def _compose(events: list[yaml.Event]) -> yaml.Node | None:
    comp = _EventComposer(events)
    node: yaml.Node | None = comp.get_single_node()
    return node
