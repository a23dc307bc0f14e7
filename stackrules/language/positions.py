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

from dataclasses import dataclass, field
from typing import NamedTuple

from ..diagnostics import Diagnostic

Path = tuple[str | int, ...]


class Span(NamedTuple):
    """Where a value stands: 1-based line and column of its start and end."""

    line: int
    column: int
    end_line: int
    end_column: int


_BITS = 25  # a line or column of a file within the size limit (16 MiB) fits in 25 bits


_MASK = (1 << _BITS) - 1


def pack(line: int, column: int, end_line: int, end_column: int) -> int:
    """A span as one integer: a source map holds one per value, so it is kept small (40 bytes, not 180)."""
    return (((line << _BITS | column) << _BITS | end_line) << _BITS) | end_column


def unpack(packed: int) -> Span:
    return Span(packed >> 3 * _BITS, packed >> 2 * _BITS & _MASK, packed >> _BITS & _MASK, packed & _MASK)


@dataclass
class SourceMap:
    """Where every value (and every mapping key) of one document stands (spans packed by :func:`pack`)."""

    file: str
    lines: tuple[str, ...]
    values: dict[Path, int] = field(default_factory=dict)
    keys: dict[Path, int] = field(default_factory=dict)

    def span(self, path: Path, on_key: bool = False) -> Span:
        """The span of ``path``; the nearest existing ancestor if it has none."""
        p = tuple(path)
        while True:
            if on_key and p in self.keys:
                return unpack(self.keys[p])
            if p in self.values:
                return unpack(self.values[p])
            if not p:
                return Span(1, 1, 1, 2)
            p = p[:-1]
            on_key = False

    def diag(self, path: Path, code: str, message: str, help: str | None = None, on_key: bool = False) -> Diagnostic:
        s = self.span(path, on_key)
        end = s.end_column if s.end_line == s.line else None
        return Diagnostic(self.file, s.line, s.column, code, message, help, end)


def json_pointer(path: tuple[str | int, ...]) -> str:
    """A JSON pointer (RFC 6901) for a path of keys and indices."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def pointed_map(file: str, data: object, prefix: tuple[str | int, ...] = ()) -> tuple[SourceMap, dict[int, str]]:
    """A source map of ``data`` (a document given as JSON-like data) in which every value and key has a line of its
    own, and what each line stands for as a JSON pointer (under ``prefix``): diagnostics made with the map point
    into the data (``/holdings/3/credential``) in place of a line and column it never had. Walked without recursion."""
    values: dict[tuple[str | int, ...], int] = {}
    keys: dict[tuple[str | int, ...], int] = {}
    where: dict[int, str] = {}
    stack: list[tuple[tuple[str | int, ...], object]] = [((), data)]
    line = 1
    while stack:
        path, value = stack.pop()
        line += 1
        values[path] = pack(line, 1, line, 2)
        where[line] = json_pointer(prefix + path)
        if isinstance(value, dict):
            for k, v in value.items():
                line += 1
                keys[(*path, k)] = pack(line, 1, line, 2)
                where[line] = json_pointer((*prefix, *path, k))
                stack.append(((*path, k), v))
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
    where[1] = json_pointer(prefix)
    return SourceMap(file, (), values, keys), where
