"""The strict YAML reader: text in, plain data and a source map out.

PyYAML (libyaml when present) parses the text into events, which keep their
positions; this module builds data from the events itself, as they come (no
event is kept once read), so it can refuse what YAML 1.1 would otherwise
accept silently: duplicate keys, anchors and aliases, tab indentation,
``yes``/``no``/``on``/``off`` as booleans and ``0410`` as octal. Plain
scalars follow a small YAML 1.2 core subset: ``null``/``~``,
``true``/``false``, integers, and decimals (read as exact
:class:`~decimal.Decimal`). Mappings become ``dict``, sequences become
``tuple`` (models are frozen).

Every input is bounded while it is read (docs/language.md section 18): the file's
size, the nesting depth, the number of values in a document, the entries of
one list or mapping, the length of one text, and every number (at most 10^9
in size, at most 12 digits after the point), each past its bound a
positioned diagnostic before any arithmetic or any more reading.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from ..diagnostics import Diagnostic
from ..language.positions import Path, SourceMap, Span, pack
from ..language.quantity import MAX_MAGNITUDE, MAX_PLACES, NumberBound, check_decimal, check_int

_CParser: Any


try:  # libyaml's event parser when PyYAML has it: same events, about 20 times faster
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - pure-Python PyYAML
    _CParser = None


MAX_BYTES = 16 * 1024 * 1024  # a file


MAX_DEPTH = 64  # nesting


MAX_VALUES = 500_000  # values (scalars, lists, mappings and keys) in one document: a 20,000-credential catalogue holds 460,000


MAX_ENTRIES = 100_000  # items of one list, or keys of one mapping


MAX_TEXT = 65_536  # characters of one text value or key


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


_NODES = frozenset((_SCALAR, _SEQ, _MAP))


def _mark(ev: Any) -> tuple[int, int]:
    m = ev.start_mark
    return (m.line + 1, m.column + 1) if m is not None else (1, 1)


def _packed(start: Any, end: Any) -> int:
    a, b = start.start_mark, end.end_mark
    return pack(a.line + 1, a.column + 1, b.line + 1, b.column + 1)


@dataclass
class _Builder:
    """Builds plain data from the event stream as it is parsed, recording spans and counting what it reads."""

    file: str
    smap: SourceMap
    diags: list[Diagnostic]
    parser: Any
    values: int = 0

    def fail(self, ev: Any, code: str, message: str, help: str | None = None) -> _ReadError:
        line, col = _mark(ev)
        return _ReadError(Diagnostic(self.file, line, col, code, message, help))

    def err(self, ev: Any, code: str, message: str, help: str | None = None) -> None:
        s = _event_span(ev, ev)
        self.diags.append(Diagnostic(self.file, s.line, s.column, code, message, help, s.end_column if s.end_line == s.line else None))

    def next(self) -> Any:
        ev = self.parser.get_event()
        if type(ev) in _NODES:
            self.values += 1
            if self.values > MAX_VALUES:
                raise self.too_many(ev)
        return ev

    def too_many(self, ev: Any) -> _ReadError:
        return self.fail(ev, "SR1015", f"the document holds more than {MAX_VALUES} values", "split it into several files")

    def too_long(self, ev: Any) -> _ReadError:
        return self.fail(ev, "SR1017", f"a text of {len(ev.value)} characters, over the limit of {MAX_TEXT}", "shorten it")

    def value(self, path: Path, depth: int) -> Any:
        ev = self.next()
        if depth > MAX_DEPTH:
            raise self.fail(ev, "SR1008", f"the document nests deeper than {MAX_DEPTH} levels", "flatten it, for instance with `define:` and `ref`")
        kind = type(ev)
        if kind is _ALIAS or ev.anchor is not None:
            raise self.fail(ev, "SR1003", "YAML anchors and aliases are not allowed", "write the value out in full")
        if ev.tag is not None and ev.tag != "!":
            raise self.fail(ev, "SR1001", f"explicit tag `{ev.tag}` is not allowed", "remove the tag")
        peek, get = self.parser.peek_event, self.parser.get_event
        if kind is _SCALAR:
            self.smap.values[path] = _packed(ev, ev)
            return self.scalar(ev)
        if kind is _SEQ:
            items: list[Any] = []
            while type(peek()) is not _SEQ_END:
                if len(items) == MAX_ENTRIES:
                    raise self.fail(peek(), "SR1016", f"a list of more than {MAX_ENTRIES} items", "split it, or spread it over several files")
                items.append(self.value((*path, len(items)), depth + 1))
            self.smap.values[path] = _packed(ev, get())
            return tuple(items)
        assert kind is _MAP
        out: dict[str, Any] = {}
        keys, values = self.smap.keys, self.smap.values
        entries = 0
        while type(peek()) is not _MAP_END:
            entries += 1
            if entries > MAX_ENTRIES:
                raise self.fail(peek(), "SR1016", f"a mapping of more than {MAX_ENTRIES} keys", "split it, or spread it over several files")
            kev = self.next()
            if type(kev) is not _SCALAR:
                self.err(kev, "SR1001", "a mapping key must be a plain word", "write the key as text")
                self.skip(kev)  # the key
                self.skip(self.next())  # its value
                continue
            if kev.anchor is not None or (kev.tag is not None and kev.tag != "!"):
                raise self.fail(kev, "SR1003", "YAML anchors, aliases and tags are not allowed on keys", "write the key plainly")
            key = kev.value
            if len(key) > MAX_TEXT:
                raise self.too_long(kev)
            if key == "<<":
                self.err(kev, "SR1003", "merge keys (`<<`) are not allowed", "write the keys out in full")
                self.skip(self.next())
                continue
            if key in out:
                self.err(kev, "SR1002", f"duplicate key `{key}`", "remove or rename this second occurrence")
                self.skip(self.next())
                continue
            sub = (*path, key)
            keys[sub] = _packed(kev, kev)
            nxt = peek()
            if type(nxt) is _SCALAR and nxt.anchor is None and nxt.tag is None and depth < MAX_DEPTH:
                # the common case, a plain scalar value, read here: what value() would do, without the call
                get()
                self.values += 1
                if self.values > MAX_VALUES:
                    raise self.too_many(nxt)
                values[sub] = _packed(nxt, nxt)
                out[key] = self.scalar(nxt)
            else:
                out[key] = self.value(sub, depth + 1)
        self.smap.values[path] = _packed(ev, get())
        return out

    def skip(self, ev: Any) -> None:
        """Step over the rest of the value that ``ev`` starts (still counted and bounded)."""
        level = 1 if type(ev) in (_SEQ, _MAP) else 0
        while level:
            ev = self.next()
            if type(ev) in (_SEQ, _MAP):
                level += 1
                if level > MAX_DEPTH:
                    raise self.fail(ev, "SR1008", f"the document nests deeper than {MAX_DEPTH} levels", "flatten it")
            elif type(ev) in (_SEQ_END, _MAP_END):
                level -= 1

    def scalar(self, ev: Any) -> Any:
        text = ev.value
        if len(text) > MAX_TEXT:
            raise self.too_long(ev)
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
        try:
            if _INT.fullmatch(text):
                return check_int(text)
            if _DECIMAL.fullmatch(text):
                return check_decimal(text)
        except NumberBound as exc:  # before any arithmetic: `1e999999999` costs nothing
            self.err(ev, exc.code, str(exc), f"write at most {MAX_MAGNITUDE}" if exc.code == "SR2011" else f"round it to at most {MAX_PLACES} decimal places")
        return text


# characters YAML 1.1 refuses in a stream (PyYAML's printable set, inverted)
_UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def _syntax(file: str, exc: yaml.MarkedYAMLError, lines: int) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "invalid YAML"
    help_ = "fix the syntax at this position"
    at_end = exc.problem_mark is not None and (exc.problem_mark.line >= lines or "stream end" in problem)
    if exc.context_mark is not None and at_end:
        # the file ended inside a bracket or quote: point at where it opened
        mark = exc.context_mark
        help_ = f"this is never closed ({exc.context})"
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if "maximum nesting depth" in problem:  # libyaml's own bound (1,000 levels), met before ours is checked
        return Diagnostic(file, line, col, "SR1008", f"the document nests deeper than {MAX_DEPTH} levels", "flatten it, for instance with `define:` and `ref`")
    return Diagnostic(file, line, col, "SR1001", f"invalid YAML: {problem}", help_)


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
    parser: Any = _CParser(text) if _CParser is not None else _PureParser(text)
    builder = _Builder(file, smap, diags, parser)
    collecting = gc.isenabled()
    gc.disable()  # every object built here lives on: the cyclic collector would walk them again and again
    try:
        # anchors, aliases and tags are refused as the events are read into data
        # (aliases are never expanded, so an alias bomb costs nothing), and no event is kept
        parser.get_event()  # the stream's start
        if type(parser.peek_event()) is yaml.StreamEndEvent:
            return None, smap, [Diagnostic(file, 1, 1, "SR1011", "the file holds no document", "start it with `kind:`")]
        parser.get_event()  # the document's start
        first = parser.peek_event()
        value = builder.value((), 0)
        parser.get_event()  # the document's end
        nxt = parser.peek_event()
        if type(nxt) is yaml.DocumentStartEvent:
            m = _mark(nxt)
            return None, smap, [Diagnostic(file, m[0], m[1], "SR1010", "a file holds more than one YAML document", "put each document in its own file")]
    except yaml.MarkedYAMLError as exc:
        return None, smap, [_syntax(file, exc, len(lines))]
    except _ReadError as exc:
        return None, smap, [exc.diag]
    finally:
        if collecting:
            gc.enable()
        if hasattr(parser, "dispose"):
            parser.dispose()
    if not isinstance(value, dict):
        line, col = _mark(first)
        diags.append(Diagnostic(file, line, col, "SR1011", "the top level of a document must be a mapping", "start it with `kind:`"))
        return None, smap, diags
    return value, smap, diags
