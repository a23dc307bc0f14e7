"""The strict YAML reader: text in, plain data and a source map out.

PyYAML (libyaml when present) parses the text into events, which keep their
positions; this module builds data from the events itself, so it can refuse
what YAML 1.1 would otherwise accept silently:
duplicate keys, anchors and aliases, tab indentation, ``yes``/``no``/``on``/
``off`` as booleans and ``0410`` as octal. Plain scalars follow a small
YAML 1.2 core subset: ``null``/``~``, ``true``/``false``, integers, and
decimals (read as exact :class:`~decimal.Decimal`). Mappings become ``dict``,
sequences become ``tuple`` (models are frozen).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from ..diagnostics import Diagnostic
from ..language.positions import Path, SourceMap, Span

_CParser: Any


try:  # libyaml's event parser when PyYAML has it: same events, about 20 times faster
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - pure-Python PyYAML
    _CParser = None


MAX_BYTES = 16 * 1024 * 1024


MAX_DEPTH = 64


_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")


_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+(\.[0-9]*)?")


_DECIMAL = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+")


_BOOL_11 = {"yes", "no", "on", "off", "y", "n"}


_TRUE = {"true", "True", "TRUE"}


_FALSE = {"false", "False", "FALSE"}


_NULL = {"", "~", "null", "Null", "NULL"}


class _PureParser(Reader, Scanner, Parser):
    """PyYAML's pure-Python event parser, when libyaml is not there."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


class _ReadError(Exception):
    def __init__(self, diag: Diagnostic) -> None:
        super().__init__(diag.message)
        self.diag = diag


def _event_span(start: Any, end: Any) -> Span:
    a, b = start.start_mark, end.end_mark
    return Span(a.line + 1, a.column + 1, b.line + 1, b.column + 1)


_SCALAR, _SEQ, _SEQ_END, _MAP, _MAP_END, _ALIAS = (
    yaml.ScalarEvent,
    yaml.SequenceStartEvent,
    yaml.SequenceEndEvent,
    yaml.MappingStartEvent,
    yaml.MappingEndEvent,
    yaml.AliasEvent,
)


_NUMERIC_START = frozenset("+-.0123456789")


def _mark(ev: Any) -> tuple[int, int]:
    m = ev.start_mark
    return (m.line + 1, m.column + 1) if m is not None else (1, 1)


@dataclass
class _Builder:
    """Builds plain data straight from the (already checked) event stream, recording spans."""

    file: str
    smap: SourceMap
    diags: list[Diagnostic]
    events: list[Any]
    pos: int = 0

    def err(self, ev: Any, code: str, message: str, help: str | None = None) -> None:
        s = _event_span(ev, ev)
        self.diags.append(Diagnostic(self.file, s.line, s.column, code, message, help, s.end_column if s.end_line == s.line else None))

    def value(self, path: Path, depth: int) -> Any:
        ev = self.events[self.pos]
        self.pos += 1
        if depth > MAX_DEPTH:
            line, col = _mark(ev)
            raise _ReadError(
                Diagnostic(
                    self.file, line, col, "SR1008", f"the document nests deeper than {MAX_DEPTH} levels", "flatten it, for instance with `define:` and `ref`"
                )
            )
        kind = type(ev)
        if kind is _ALIAS or ev.anchor is not None:
            line, col = _mark(ev)
            raise _ReadError(Diagnostic(self.file, line, col, "SR1003", "YAML anchors and aliases are not allowed", "write the value out in full"))
        if ev.tag is not None and ev.tag != "!":
            line, col = _mark(ev)
            raise _ReadError(Diagnostic(self.file, line, col, "SR1001", f"explicit tag `{ev.tag}` is not allowed", "remove the tag"))
        events = self.events
        if kind is _SCALAR:
            a: Any = ev.start_mark
            b: Any = ev.end_mark
            self.smap.values[path] = Span(a.line + 1, a.column + 1, b.line + 1, b.column + 1)
            return self.scalar(ev)
        if kind is _SEQ:
            items: list[Any] = []
            while type(events[self.pos]) is not _SEQ_END:
                items.append(self.value((*path, len(items)), depth + 1))
            self.smap.values[path] = _event_span(ev, events[self.pos])
            self.pos += 1
            return tuple(items)
        assert kind is _MAP
        out: dict[str, Any] = {}
        keys, values = self.smap.keys, self.smap.values
        while type(events[self.pos]) is not _MAP_END:
            kev = events[self.pos]
            if type(kev) is not _SCALAR:
                self.err(kev, "SR1001", "a mapping key must be a plain word", "write the key as text")
                self.skip()  # the key
                self.skip()  # its value
                continue
            if kev.anchor is not None or (kev.tag is not None and kev.tag != "!"):
                line, col = _mark(kev)
                raise _ReadError(Diagnostic(self.file, line, col, "SR1003", "YAML anchors, aliases and tags are not allowed on keys", "write the key plainly"))
            self.pos += 1
            key = str(kev.value)
            if key == "<<":
                self.err(kev, "SR1003", "merge keys (`<<`) are not allowed", "write the keys out in full")
                self.skip()
                continue
            if key in out:
                self.err(kev, "SR1002", f"duplicate key `{key}`", "remove or rename this second occurrence")
                self.skip()
                continue
            ka: Any = kev.start_mark
            kb: Any = kev.end_mark
            sub = (*path, key)
            keys[sub] = Span(ka.line + 1, ka.column + 1, kb.line + 1, kb.column + 1)
            nxt = events[self.pos]
            if type(nxt) is _SCALAR and nxt.anchor is None and nxt.tag is None and depth < MAX_DEPTH:
                # the common case, a plain scalar value, read here: what value() would do, without the call
                self.pos += 1
                va: Any = nxt.start_mark
                vb: Any = nxt.end_mark
                values[sub] = Span(va.line + 1, va.column + 1, vb.line + 1, vb.column + 1)
                out[key] = self.scalar(nxt)
            else:
                out[key] = self.value(sub, depth + 1)
        self.smap.values[path] = _event_span(ev, self.events[self.pos])
        self.pos += 1
        return out

    def skip(self) -> None:
        """Step over one whole value."""
        level = 0
        while True:
            ev = self.events[self.pos]
            self.pos += 1
            if isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                level += 1
            elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                level -= 1
            if level == 0:
                return

    def scalar(self, ev: Any) -> Any:
        text = str(ev.value)
        if ev.style:  # quoted or block scalars are always strings
            return text
        if text in _NULL:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if text[0] not in _NUMERIC_START and len(text) > 3:
            return text  # neither a number nor a YAML 1.1 boolean: text
        if text.lower() in _BOOL_11:
            self.err(ev, "SR1005", f"`{text}` is a boolean in YAML 1.1 and text in YAML 1.2", f'write `"{text}"` for text, or true/false')
            return text
        if _LEADING_ZERO.fullmatch(text):
            self.err(ev, "SR1006", f"`{text}` has a leading zero (YAML 1.1 reads it as octal)", f'write `"{text}"` if it is a code, or drop the leading zero')
            return text
        if _INT.fullmatch(text):
            return int(text)
        if _DECIMAL.fullmatch(text):
            return Decimal(text)
        return text


# characters YAML 1.1 refuses in a stream (PyYAML's printable set, inverted)
_UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


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
    for i, raw in enumerate(lines if "\t" in text else (), 1):
        indent = len(raw) - len(raw.lstrip(" \t"))
        tab = raw.find("\t", 0, indent)
        if tab >= 0 and raw.strip():
            return None, smap, [Diagnostic(file, i, tab + 1, "SR1004", "a tab is used for indentation", "indent with spaces")]
    diags: list[Diagnostic] = []
    found = _UNPRINTABLE.search(text)
    bad = found.start() if found else None
    if bad is not None:
        line = text.count("\n", 0, bad) + 1
        col = bad - (text.rfind("\n", 0, bad) + 1) + 1
        return None, smap, [Diagnostic(file, line, col, "SR1001", f"invalid YAML: the control character U+{ord(text[bad]):04X} is not allowed", "remove it")]
    loader: Any = _CParser(text) if _CParser is not None else _PureParser(text)
    try:
        # Refuse anchors and aliases at the event level, before composition
        # (so an alias bomb costs nothing).
        # anchors, aliases and tags are refused as the events are read into data
        # (aliases are never expanded, so an alias bomb costs nothing)
        events: list[Any] = []
        while loader.check_event():
            events.append(loader.get_event())
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
    starts = [ev for ev in events if type(ev) is yaml.DocumentStartEvent]
    if len(starts) > 1:
        m = _mark(starts[1])
        return None, smap, [Diagnostic(file, m[0], m[1], "SR1010", "a file holds more than one YAML document", "put each document in its own file")]
    frame = (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentStartEvent, yaml.DocumentEndEvent)
    body = [ev for ev in events if type(ev) not in frame]
    if not body:
        return None, smap, [Diagnostic(file, 1, 1, "SR1011", "the file holds no document", "start it with `kind:`")]
    builder = _Builder(file, smap, diags, body)
    try:
        value = builder.value((), 0)
    except _ReadError as exc:
        return None, smap, [exc.diag]
    if not isinstance(value, dict):
        first = _mark(body[0])
        diags.append(Diagnostic(file, first[0], first[1], "SR1011", "the top level of a document must be a mapping", "start it with `kind:`"))
        return None, smap, diags
    return value, smap, diags
