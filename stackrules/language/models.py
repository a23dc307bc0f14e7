"""Frozen, validated models of every document kind (docs/language.md sections 1-10).

The models describe shape only; meaning across files (ids that must exist,
cycles, ...) is checked in :mod:`stackrules.rulebase.passes`. Validation is strict:
no silent coercion of ``"3"`` to 3 or of ``true`` to 1. Unknown keys are
refused with a did-you-mean.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as _dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..diagnostics import did_you_mean
from .quantity import MAX_MAGNITUDE, MAX_YEARS, NumberBound, Quantity, QuantityError, parse_quantity, to_fraction

SLUG_RE = re.compile(r"[a-z][a-z0-9-]*")


CRED_RE = re.compile(r"([a-z][a-z0-9-]*):([A-Za-z0-9._-]+)")


LEVEL_RE = re.compile(r"([a-z][a-z0-9-]*):([A-Za-z0-9._-]+)")


def _err(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, ctx or None)


def _kind_of(value: object) -> str:
    """What a YAML value is, in a rule author's words (for "expected an id ..., got a number")."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "nothing (null)"
    return "text" if isinstance(value, str) else type(value).__name__


def _slug(value: object) -> str:
    if not isinstance(value, str):
        raise _err("wrong_type", "expected a slug (lowercase text), got {got}", got=_kind_of(value))
    if not SLUG_RE.fullmatch(value):
        raise _err("invalid_id", "`{value}` is not a slug: use lowercase letters, digits and `-`, starting with a letter", value=value)
    return value


def _cred_id(value: object) -> str:
    if not isinstance(value, str):
        raise _err("wrong_type", "expected an id such as `exu:COMP1010`, got {got}", got=_kind_of(value))
    if not CRED_RE.fullmatch(value):
        raise _err("invalid_id", "`{value}` is not an id of the form `provider:CODE` (such as `exu:COMP1010`)", value=value)
    return value


def _level_ref(value: object) -> str:
    if not isinstance(value, str):
        raise _err("wrong_type", "expected a framework level such as `aqf:7`, got {got}", got=_kind_of(value))
    if not LEVEL_RE.fullmatch(value):
        raise _err("invalid_id", "`{value}` is not a framework level of the form `framework:level` (such as `aqf:7`)", value=value)
    return value


def _bound_error(exc: NumberBound) -> PydanticCustomError:
    return _err("number_too_large" if exc.code == "SR2011" else "number_too_precise", "{why}", why=str(exc))


def _quantity(value: object) -> Quantity:
    try:
        q = parse_quantity(value)
    except NumberBound as exc:
        raise _bound_error(exc) from None
    except QuantityError as exc:
        raise _err("invalid_quantity", "{why}", why=str(exc)) from None
    if q.value < 0:
        raise _err("invalid_quantity", "a quantity cannot be negative")
    return q


def _fraction(value: object) -> Fraction:
    try:
        f = to_fraction(value)
    except NumberBound as exc:
        raise _bound_error(exc) from None
    except QuantityError as exc:
        raise _err("invalid_quantity", "{why}", why=str(exc)) from None
    if f < 0:
        raise _err("invalid_quantity", "a number here cannot be negative")
    return f


def _share(value: object) -> Fraction:
    f = _fraction(value)
    if f > 1:
        raise _err("invalid_value", "a share must be between 0 and 1, got `{v}`", v=str(value))
    return f


FIRST_DAY = _dt.date(1000, 1, 1)  # dates are bounded so that no date arithmetic can leave the calendar


LAST_DAY = _dt.date(8999, 12, 31)


_DAY_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_day(value: str) -> _dt.date:
    """The day ``YYYY-MM-DD`` names. Only that form: Python's ``date.fromisoformat`` also reads ``20250101`` and week
    dates (``2025-W01-1``), which the language does not have. Raises ValueError (with :func:`no_such_day`'s reason
    when the form is right and the day is not)."""
    if not _DAY_TEXT.fullmatch(value):
        raise ValueError(f"`{value}` is not written YYYY-MM-DD")
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(no_such_day(value)) from None


def no_such_day(value: str) -> str:
    """Why text of the form ``YYYY-MM-DD`` names no day: the month, or the day of that month."""
    year, month, day = (int(part) for part in value.split("-"))
    if year < 1:
        return "there is no year 0000"
    if not 1 <= month <= 12:
        # a day and month swapped (2026-23-02) is the likeliest slip: say the day it would be
        swapped = f"; did you mean {year:04d}-{day:02d}-{month:02d}, {month} {calendar.month_name[day]}?" if 1 <= day <= 12 else ""
        if swapped and month > calendar.monthrange(year, day)[1]:
            swapped = ""
        return f"there is no month {month:02d}: months run from 01 to 12{swapped}"
    last = calendar.monthrange(year, month)[1]
    if day > last or day < 1:
        return f"{calendar.month_name[month]} {year} has {last} days, not {day} (its last day is {year:04d}-{month:02d}-{last:02d})"
    return "that month has no such day"


def _date(value: object) -> _dt.date:
    if isinstance(value, _dt.datetime):  # a timestamp from the Python API: its calendar day
        value = value.date()
    day: _dt.date | None = value if isinstance(value, _dt.date) else None
    if isinstance(value, str) and len(value) <= 32:
        with contextlib.suppress(ValueError):
            day = iso_day(value)
    if day is None:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):  # the form is right, the day is not
            raise _err("invalid_date", "`{value}` is not a day of the calendar: {why}", value=value, why=no_such_day(value))
        raise _err("invalid_date", "`{value}` is not a date: write YYYY-MM-DD", value=str(value)[:32])
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _err("date_out_of_range", "`{value}` is outside the years {lo} to {hi}", value=day.isoformat(), lo=FIRST_DAY.year, hi=LAST_DAY.year)
    return day


def _years(value: object) -> Fraction:
    f = _fraction(value)
    if f > MAX_YEARS:
        raise _err("number_too_large", "`within_years` is at most {most}, got `{v}`", most=MAX_YEARS, v=str(value))
    return f


def _range(value: object) -> tuple[Fraction, Fraction]:
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise _err("invalid_value", "a range has two numbers, `[low, high]`")
        lo, hi = _fraction(value[0]), _fraction(value[1])
        if lo > hi:
            raise _err("invalid_value", "a range's low end is above its high end")
        return lo, hi
    f = _fraction(value)
    return f, f


_NUM_SCHEMA: dict[str, Any] = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^[-+]?(\d+(\.\d+)?|\.\d+)(/\d+)?$"}]}


Slug = Annotated[str, PlainValidator(_slug), WithJsonSchema({"type": "string", "pattern": "^[a-z][a-z0-9-]*$"})]


CredId = Annotated[str, PlainValidator(_cred_id), WithJsonSchema({"type": "string", "pattern": r"^[a-z][a-z0-9-]*:[A-Za-z0-9._-]+$"})]


LevelRef = Annotated[str, PlainValidator(_level_ref), WithJsonSchema({"type": "string", "pattern": r"^[a-z][a-z0-9-]*:[A-Za-z0-9._-]+$"})]


Qty = Annotated[Quantity, PlainValidator(_quantity), WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]})]


Num = Annotated[Fraction, PlainValidator(_fraction), WithJsonSchema(_NUM_SCHEMA)]


Share = Annotated[Fraction, PlainValidator(_share), WithJsonSchema(_NUM_SCHEMA)]


Years = Annotated[Fraction, PlainValidator(_years), WithJsonSchema(_NUM_SCHEMA)]


Date = Annotated[_dt.date, PlainValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]


Range = Annotated[
    tuple[Fraction, Fraction],
    PlainValidator(_range),
    WithJsonSchema({"anyOf": [_NUM_SCHEMA, {"type": "array", "items": _NUM_SCHEMA, "minItems": 2, "maxItems": 2}]}),
]


Confidence = Literal["verified", "secondary", "unconfirmed"]


def _by_shape(value: Any) -> str | None:
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, int | Fraction | Decimal) and not isinstance(value, bool):
        return "text"
    return None


def text_or_mapping(text: Any, mapping: Any, what: str) -> Any:
    """A union chosen by the input's shape, so one mistake gives one error."""
    return Annotated[
        Annotated[text, Tag("text")] | Annotated[mapping, Tag("mapping")],
        Discriminator(_by_shape, custom_error_type="wrong_type", custom_error_message=f"expected {what}"),
    ]


class Model(BaseModel):
    """Base of every model: frozen, strict, unknown keys refused with did-you-mean."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid", populate_by_name=False, arbitrary_types_allowed=True, defer_build=True)

    known_keys: ClassVar[frozenset[str]] = frozenset()  # each model's keys, as written in YAML

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.known_keys = frozenset(f.alias or name for name, f in cls.model_fields.items())

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.keys() <= cls.known_keys:
            allowed = set(cls.known_keys)
            for key in data:
                if key not in allowed:
                    close = did_you_mean(str(key), allowed)
                    raise _err("unknown_key", "unknown key `{key}`", key=str(key), suggest=tuple(close), allowed=tuple(sorted(allowed)))
        return data


ATTRIBUTES = (
    "id",
    "provider",
    "type",
    "level",
    "credits",
    "tags",
    "fields",
    "competencies",
    "framework_level",
    "grade",
    "awarded",
    "source",
    "title",
    "subject",
    "number",
    "related_field",
)


LIST_ATTRIBUTES = frozenset({"tags", "fields", "competencies"})


ORDER_OPS = ("gte", "gt", "lte", "lt")


OPS = ("eq", "gte", "gt", "lte", "lt", "ne", "in", "not_in", "prefix", "glob")


TEXT_OPS = ("prefix", "glob")  # conditions on text only


@dataclass(frozen=True)
class FactRef:
    """A filter value taken from the learner's facts (section 17: `where: {tags: {fact: medium}}`)."""

    name: str


@dataclass(frozen=True)
class Term:
    """``attribute op value``; value is a scalar, a tuple (for ``in``) or a :class:`FactRef` (the learner's fact).

    ``fact``: on a term whose value was read from the learner's facts, the fact's name (for explanations);
    such a term with ``in ()`` is a fact the learner does not state (or that does not fit): it matches nothing.
    """

    attr: str
    op: str
    value: Any
    fact: str | None = None


@dataclass(frozen=True)
class Filter:
    """All of ``terms``, all of ``any_of`` groups (each: one of), none of ``nots``."""

    terms: tuple[Term, ...] = ()
    any_of: tuple[tuple[Filter, ...], ...] = ()
    nots: tuple[Filter, ...] = ()

    def facts(self) -> set[str]:
        """The learner facts this filter compares with (`{fact: name}` values not yet read from a learner)."""
        out = {t.value.name for t in self.terms if isinstance(t.value, FactRef)}
        for group in self.any_of:
            for f in group:
                out |= f.facts()
        for f in self.nots:
            out |= f.facts()
        return out

    def attributes(self) -> set[str]:
        out = {t.attr for t in self.terms}
        for group in self.any_of:
            for f in group:
                out |= f.attributes()
        for f in self.nots:
            out |= f.attributes()
        return out


FACT_OPS = ("eq", "ne", "in", "not_in", "gte", "gt", "lte", "lt", "prefix", "glob")  # conditions a fact's value can stand in


def _fact_ref(attr: str, op: str, value: dict[Any, Any], at: tuple[Any, ...]) -> FactRef:
    """`{fact: name}` in a value's place: the learner's fact of that name, read when a learner is decided."""
    if not value:
        raise _err("invalid_filter", "an empty mapping is no value: write the value to compare with, or `{fact: name}` for a learner fact", at=at)
    if set(value) != {"fact"}:
        extra = sorted(str(k) for k in value if k != "fact")
        raise _err(
            "invalid_filter", "a fact's value is written `{fact: name}` alone, not with `{k}`", k=extra[0] if extra else "", at=at + (extra[0],), on_key=True
        )
    name = value["fact"]
    if not isinstance(name, str) or not name:
        raise _err("invalid_filter", "`fact` names a learner fact, such as `{fact: medium}`", at=at + ("fact",))
    if attr == "related_field":
        raise _err("invalid_filter", "`related_field` is true or false, not a learner fact", at=at)
    if op not in FACT_OPS:
        raise _err("invalid_filter", "`{op}` cannot compare with a learner fact", op=op, at=at)
    return FactRef(name)


def _cond_value(attr: str, op: str, value: Any, at: tuple[Any, ...]) -> Any:
    if isinstance(value, dict):
        return _fact_ref(attr, op, value, at)
    if attr == "related_field":
        if not isinstance(value, bool):
            raise _err("invalid_filter", "`related_field` is true or false", at=at)
        return value
    if isinstance(value, bool):
        raise _err("invalid_filter", "`{attr}` does not compare with true or false", attr=attr, at=at)
    if attr == "credits":
        try:
            return parse_quantity(value)
        except NumberBound as exc:
            raise _err("number_too_large" if exc.code == "SR2011" else "number_too_precise", "{why}", why=str(exc), at=at) from None
        except QuantityError as exc:
            raise _err("invalid_filter", "{why}", why=str(exc), at=at) from None
    if attr in ("level", "number"):
        if not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                # `level: "1"`: the number is right, the quotes make it text
                raise _err(
                    "invalid_filter",
                    '`{attr}` compares with a whole number, got the text `"{v}"`: write {n} without quotes',
                    attr=attr,
                    v=value,
                    n=value.strip(),
                    at=at,
                )
            raise _err("invalid_filter", "`{attr}` compares with a whole number, got `{v}`", attr=attr, v=str(value), at=at)
        return value
    if attr == "awarded":
        try:
            return _date(value)
        except PydanticCustomError:
            raise _err("invalid_filter", "`awarded` compares with a date (YYYY-MM-DD), got `{v}`", v=str(value), at=at) from None
    if attr == "source" and value not in ("home", "credit"):
        raise _err("invalid_filter", "`source` is `home` or `credit`, got `{v}`", v=str(value), at=at)
    if not isinstance(value, str):
        raise _err("invalid_filter", "`{attr}` compares with text, got `{v}`", attr=attr, v=str(value), at=at)
    return value


def fact_value(attr: str, value: object) -> Any:
    """A learner fact's value as a filter on ``attr`` compares it (None: it cannot compare with that attribute)."""
    if attr in ("level", "number") and isinstance(value, str) and value.isdigit() and len(value) <= 12:
        value = int(value)  # a fact stated as text (`year: "3"`) still compares with a whole number
    try:
        return _cond_value(attr, "eq", value, ())
    except PydanticCustomError:
        return None


def _list_value(attr: str, op: str, value: Any, at: tuple[Any, ...]) -> Any:
    if isinstance(value, dict):
        raise _err("invalid_filter", "a learner fact stands for the whole list: write `{op}: {fact: name}`, not a fact inside the list", op=op, at=at)
    return _cond_value(attr, op, value, at)


def parse_filter(data: object, at: tuple[Any, ...] = ()) -> Filter:
    if not isinstance(data, dict):
        raise _err("invalid_filter", "a filter is a mapping of attribute to condition, such as `{tags: data}`", at=at)
    terms: list[Term] = []
    any_of: list[tuple[Filter, ...]] = []
    nots: list[Filter] = []
    for key, cond in data.items():
        where = at + (key,)
        if key == "any_of":
            if not isinstance(cond, tuple) or not cond:
                raise _err("invalid_filter", "`any_of` takes a list of filters", at=where)
            any_of.append(tuple(parse_filter(f, where + (i,)) for i, f in enumerate(cond)))
            continue
        if key == "not":
            nots.append(parse_filter(cond, where))
            continue
        if key not in ATTRIBUTES:
            close = did_you_mean(str(key), ATTRIBUTES + ("any_of", "not"))
            raise _err("invalid_filter", "unknown filter attribute `{key}`", key=str(key), at=where, on_key=True, suggest=tuple(close))
        if isinstance(cond, dict) and "fact" in cond:  # `tags: {fact: medium}`: equals (contains) the learner's fact
            terms.append(Term(key, "eq", _fact_ref(key, "eq", cond, where)))
        elif isinstance(cond, dict):
            if not cond:
                raise _err("invalid_filter", "an empty condition", at=where)
            for op, value in cond.items():
                opat = where + (op,)
                if op not in OPS:
                    raise _err("invalid_filter", "unknown condition `{op}`", op=str(op), at=opat, on_key=True, suggest=tuple(did_you_mean(str(op), OPS)))
                if op in ORDER_OPS and key in LIST_ATTRIBUTES:
                    raise _err("invalid_filter", "`{op}` cannot compare the list attribute `{key}`", op=op, key=key, at=opat, on_key=True)
                if op in ORDER_OPS and key in ("tags", "id", "provider", "type", "title", "source", "subject"):
                    raise _err("invalid_filter", "`{key}` has no order: use `in`, `prefix`, `glob` or `ne`", key=key, at=opat, on_key=True)
                if op in TEXT_OPS and key in ("level", "credits", "awarded", "number"):
                    raise _err("invalid_filter", "`{op}` applies to text attributes, not to `{key}`", op=op, key=key, at=opat, on_key=True)
                if op in ("in", "not_in") and isinstance(value, dict):  # `in: {fact: majors}`: a list-valued fact
                    terms.append(Term(key, op, _fact_ref(key, op, value, opat)))
                elif op in ("in", "not_in"):
                    if not isinstance(value, tuple):
                        raise _err("invalid_filter", "`{op}` takes a list", op=op, at=opat)
                    terms.append(Term(key, op, tuple(_list_value(key, op, v, opat + (i,)) for i, v in enumerate(value))))
                else:
                    terms.append(Term(key, op, _cond_value(key, op, value, opat)))
        elif isinstance(cond, tuple):
            terms.append(Term(key, "in", tuple(_list_value(key, "in", v, where + (i,)) for i, v in enumerate(cond))))
        else:
            terms.append(Term(key, "eq", _cond_value(key, "eq", cond, where)))
    return Filter(tuple(terms), tuple(any_of), tuple(nots))


def _filter(value: object) -> Filter:
    if isinstance(value, Filter):
        return value
    return parse_filter(value)


FilterT = Annotated[Filter, PlainValidator(_filter), WithJsonSchema({"type": "object", "description": "attribute: condition (docs/language.md section 7)"})]


class MinDistinct(Model):
    count: int = Field(ge=1)
    of: Literal["tags", "fields", "competencies", "provider", "type", "level", "framework_level", "subject", "term"]


class Limit(Model):
    id: Slug | None = None
    where: FilterT | None = None
    note: str | None = None
    max_credits: Qty | None = None
    min_credits: Qty | None = None
    max_count: int | None = Field(default=None, ge=0)
    min_count: int | None = Field(default=None, ge=0)
    max_share: Share | None = None
    min_share: Share | None = None
    min_gpa: Num | None = None
    min_distinct: MinDistinct | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Limit:
        if not any(getattr(self, k) is not None for k in LIMIT_KEYS):
            raise _err("invalid_node", "a limit needs a bound: one of " + ", ".join(f"`{k}`" for k in LIMIT_KEYS))
        return self


LIMIT_KEYS = ("max_credits", "min_credits", "max_count", "min_count", "max_share", "min_share", "min_gpa", "min_distinct")


def _node_input(data: Any) -> Any:
    if isinstance(data, str):
        return {"credential": data}
    return data


def _shares_with(value: object) -> tuple[str, ...]:
    if value == "all":
        return ("all",)  # section 17: the node's claims are free to count in every other node
    if not isinstance(value, tuple):
        raise _err("wrong_type", "`shares_with` is `all` or a list of node ids, got {got}", got=_kind_of(value))
    return tuple(_slug(v) for v in value)


SharesWith = Annotated[
    tuple[str, ...],
    PlainValidator(_shares_with),
    WithJsonSchema({"anyOf": [{"const": "all"}, {"type": "array", "items": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"}}]}),
]


FactValue = str | int | bool | _dt.date | tuple[str | int, ...]


def _check_facts(value: Any) -> Any:
    """Before validation: a fact's name is printable text, a list names at least one value, and a number is whole
    (facts compare by value: `3.5` would be read as nothing the filters know; `3.0` is read as 3)."""
    if not isinstance(value, dict):
        return value

    def whole(name: str, x: Any) -> Any:
        if isinstance(x, bool):
            # not one of a fact's values (text, a whole number, a date): `when: {fact: {x: true}}` would read "True"
            raise _err("invalid_value", f'`{name}: {str(x).lower()}`: a fact\'s value is text, a whole number or a date (write it as text, "yes")', at=(name,))
        if isinstance(x, int) and abs(x) > MAX_MAGNITUDE:
            # a number given as data (a dict, JSON) is bounded as one read from YAML is (SR2011, section 18)
            raise _err("number_too_large", "{why}", why=f"`{name}: {x}` is over the bound of {MAX_MAGNITUDE} in size", at=(name,))
        if isinstance(x, str) and len(x) == 10 and x[4] == "-":
            with contextlib.suppress(ValueError):  # a date written as text is read as one (`terms_since`): bounded as one
                x = iso_day(x)
                if FIRST_DAY <= x <= LAST_DAY:
                    return x.isoformat()
        if isinstance(x, _dt.date) and not FIRST_DAY <= (x.date() if isinstance(x, _dt.datetime) else x) <= LAST_DAY:
            raise _err("date_out_of_range", "`{value}` is outside the years {lo} to {hi}", value=x.isoformat(), lo=FIRST_DAY.year, hi=LAST_DAY.year, at=(name,))
        if (isinstance(x, float) and not math.isfinite(x)) or (type(x).__name__ == "Decimal" and not x.is_finite()):
            raise _err("invalid_value", f"`{name}`: a fact's number is a whole number, not {x}", at=(name,))
        if isinstance(x, float) or type(x).__name__ == "Decimal":
            if abs(x) > MAX_MAGNITUDE:
                raise _err("number_too_large", "{why}", why=f"`{name}: {x}` is over the bound of {MAX_MAGNITUDE} in size", at=(name,))
            if x != int(x):
                raise _err(
                    "invalid_value", f'`{name}: {x}`: a fact\'s number is a whole number (write it as text, "{x}", to compare it as a value)', at=(name,)
                )
            return int(x)
        return x

    out: dict[Any, Any] = {}
    for name, v in value.items():
        if not isinstance(name, str) or not name.strip() or not name.isprintable():
            raise _err("invalid_value", "a fact's name is printable text, such as `emphasis`", at=(name,) if isinstance(name, str) else (), on_key=True)
        if isinstance(v, list | tuple) and not v:
            raise _err("invalid_value", f"`{name}` lists no value: give at least one, or leave the fact out", at=(name,))
        out[name] = type(v)(whole(name, x) for x in v) if isinstance(v, list | tuple) else whole(name, v)
    return out


class Count(Model):
    """A whole number compared (`{gte: 4}`, `{lt: 8}`, both for a range); each bound that is given must hold."""

    eq: int | None = Field(default=None, ge=0, le=1_000_000_000)
    ne: int | None = Field(default=None, ge=0, le=1_000_000_000)
    gte: int | None = Field(default=None, ge=0, le=1_000_000_000)
    gt: int | None = Field(default=None, ge=0, le=1_000_000_000)
    lte: int | None = Field(default=None, ge=0, le=1_000_000_000)
    lt: int | None = Field(default=None, ge=0, le=1_000_000_000)

    @model_validator(mode="after")
    def _one(self) -> Count:
        if all(getattr(self, k) is None for k in ("eq", "ne", "gte", "gt", "lte", "lt")):
            raise _err("invalid_node", "a comparison needs one of `eq`, `ne`, `gte`, `gt`, `lte`, `lt`")
        return self

    def holds(self, n: int) -> bool:
        return (
            (self.eq is None or n == self.eq)
            and (self.ne is None or n != self.ne)
            and (self.gte is None or n >= self.gte)
            and (self.gt is None or n > self.gt)
            and (self.lte is None or n <= self.lte)
            and (self.lt is None or n < self.lt)
        )

    def words(self) -> str:
        """`4 or more`, `fewer than 8`, `4 or more and fewer than 8`."""
        said = {"eq": "{} exactly", "ne": "other than {}", "gte": "{} or more", "gt": "more than {}", "lte": "{} or fewer", "lt": "fewer than {}"}
        return " and ".join(said[k].format(getattr(self, k)) for k in ("eq", "ne", "gte", "gt", "lte", "lt") if getattr(self, k) is not None)


def _count(value: object) -> Count:
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= 1_000_000_000:
            raise _err("invalid_value", "a number of terms is between 0 and 1000000000, got `{v}`", v=str(value))
        return Count(eq=value)
    return Count.model_validate(value)


CountT = Annotated[
    Count,
    PlainValidator(_count),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {
                    "type": "object",
                    "properties": {k: {"type": "integer", "minimum": 0} for k in ("eq", "ne", "gte", "gt", "lte", "lt")},
                    "additionalProperties": False,
                    "minProperties": 1,
                },
            ]
        }
    ),
]


class Condition(Model):
    """When a node applies (section 17): learner facts (`fact`), terms since a dated fact (`terms_since`), holdings
    (`holds`, a requirement node); all must hold."""

    fact: dict[str, FactValue] | None = None
    terms_since: dict[str, CountT] | None = None  # the derived fact: terms begun since a dated fact, `{declared: {gte: 4}}`
    holds: Requirement | None = None
    note: str | None = None

    @field_validator("fact", mode="before")
    @classmethod
    def _facts(cls, value: Any) -> Any:
        return _check_facts(value)

    @model_validator(mode="after")
    def _something(self) -> Condition:
        if self.fact is None and self.holds is None and self.terms_since is None:
            raise _err("invalid_node", "a condition tests `fact: {name: value}`, `terms_since: {name: N}` or `holds: NODE`")
        if self.fact is not None and not self.fact:
            raise _err("invalid_node", "`fact` names at least one fact", at=("fact",))
        if self.terms_since is not None and not self.terms_since:
            raise _err("invalid_node", "`terms_since` names at least one dated fact, such as `{declared: {gte: 4}}`", at=("terms_since",))
        return self


class Requirement(Model):
    """One requirement node (docs/language.md section 6). A bare string is a credential leaf."""

    id: Slug | None = None
    approval: str | None = Field(default=None, min_length=1)  # met only by a learner's `approve` exception (section 17)
    when: Condition | None = None  # the node applies only when this holds (section 17)
    unless: Condition | None = None  # the node applies only when this does not hold
    title: str | None = None
    note: str | None = None
    credential: CredId | None = None
    all: tuple[Requirement, ...] | None = None
    any: tuple[Requirement, ...] | None = None
    at_least: int | None = Field(default=None, ge=1)
    of: tuple[Requirement, ...] | None = None
    credits: Qty | None = None
    count: int | None = Field(default=None, ge=1)
    competencies: tuple[str, ...] | None = None
    where: FilterT | None = None
    qualification: CredId | None = None
    ref: str | None = None
    limits: tuple[Limit, ...] = ()
    min_grade: str | None = None
    within_years: Years | None = None
    shares_with: SharesWith = ()
    share: tuple[CredId, ...] | None = None  # with `shares_with`: only these credentials may count in both (section 17)

    @model_validator(mode="before")
    @classmethod
    def _string_leaf(cls, data: Any) -> Any:
        return _node_input(data)

    @model_validator(mode="after")
    def _forms(self) -> Requirement:
        groups = [k for k in ("all", "any", "at_least") if getattr(self, k) is not None]
        pools = [k for k in ("credits", "count", "competencies") if getattr(self, k) is not None]
        singles = [k for k in ("credential", "qualification", "ref", "approval") if getattr(self, k) is not None]
        if len(groups) > 1:
            raise _err("invalid_node", "a node has one of `all`, `any`, `at_least`; this one has " + " and ".join(f"`{g}`" for g in groups))
        if (self.at_least is None) != (self.of is None):
            raise _err("invalid_node", "`at_least: N` goes with `of: [...]`")
        for k in ("all", "any", "of"):
            if getattr(self, k) == ():
                # `all: []` would be met by every learner and `any: []` by none: an author's slip either way
                raise _err("invalid_node", f"`{k}` lists no requirement: list at least one, or leave the group out", at=(k,))
        if len(singles) > 1 or (singles and (groups or pools)):
            raise _err(
                "invalid_node", "`{k}` stands alone: it cannot be combined with " + ", ".join(f"`{k}`" for k in (singles[1:] + groups + pools)), k=singles[0]
            )
        if self.credits is not None and self.count is not None:
            raise _err("invalid_node", "a pool has `credits` or `count`, not both")
        if self.where is not None and not pools:
            raise _err("invalid_node", "`where` filters a pool: add `credits: Q` or `count: N`")
        if not (groups or pools or singles):
            raise _err(
                "invalid_node",
                "an empty node: give it `all`, `any`, `at_least`, `credits`, `count`, `competencies`, a credential, `qualification`, `ref` or `approval`",
            )
        if self.share is not None and not self.shares_with:
            raise _err("invalid_node", "`share` lists the credentials that may count in both nodes: name the other node with `shares_with`", at=("share",))
        if self.share is not None and not self.share:
            raise _err("invalid_node", "`share` lists at least one credential (leave `share` out to share everything)", at=("share",))
        if self.approval is not None and self.id is None:
            raise _err("invalid_node", "an `approval` node needs an `id`: the learner's `approve` exception names it", at=("approval",))
        if self.approval is not None:
            # a sign-off claims nothing: a limit over its claims, or sharing them, would never be read
            for k in ("limits", "shares_with", "min_grade", "within_years"):
                if getattr(self, k):
                    raise _err("invalid_node", f"an `approval` node claims nothing, so `{k}` would not be read: remove it", at=(k,), on_key=True)
        if (self.min_grade is not None or self.within_years is not None) and not (self.credential or pools or groups):
            raise _err("invalid_node", "`min_grade` and `within_years` apply to credential leaves, pools and groups")
        return self

    def children(self) -> tuple[Requirement, ...]:
        return self.all or self.any or self.of or ()


class Level(Model):
    level: int | str
    name: str
    note: str | None = None
    source: str | None = None
    confidence: Confidence | None = None


class QualificationType(Model):
    id: Slug
    name: str
    level: int | str
    volume_years: Range | None = None
    credits: Qty | None = None
    fields: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    requires: Requirement | None = None
    define: dict[str, Requirement] = Field(default_factory=dict)
    limits: tuple[Limit, ...] = ()
    note: str | None = None
    source: str | None = None
    confidence: Confidence | None = None


class FrameworkDoc(Model):
    kind: Literal["framework"]
    id: Slug
    name: str
    source: str | None = None
    note: str | None = None
    credit_system: Slug | None = None
    levels: tuple[Level, ...]
    qualification_types: tuple[QualificationType, ...] = ()


class CreditSystem(Model):
    id: Slug
    name: str | None = None
    full_time_year: Num
    hours_per_credit: Range | None = None
    note: str | None = None
    source: str | None = None
    confidence: Confidence | None = None

    @model_validator(mode="after")
    def _positive(self) -> CreditSystem:
        if self.full_time_year <= 0:
            raise _err("invalid_value", "`full_time_year` must be above zero")
        return self


class CreditSystemsDoc(Model):
    kind: Literal["credit_systems"]
    systems: tuple[CreditSystem, ...]
    source: str | None = None
    note: str | None = None


class CrosswalkPair(Model):
    from_: LevelRef = Field(alias="from")
    to: LevelRef
    note: str | None = None
    confidence: Confidence | None = None


class CrosswalkDoc(Model):
    kind: Literal["crosswalk"]
    id: Slug
    from_: Slug = Field(alias="from")
    to: Slug
    source: str | None = None
    note: str | None = None
    confidence: Confidence | None = None
    pairs: tuple[CrosswalkPair, ...]


class Provider(Model):
    id: Slug
    name: str
    country: str | None = None
    url: str | None = None
    note: str | None = None


class GradeScale(Model):
    order: tuple[str, ...] = Field(min_length=1)
    pass_: str = Field(alias="pass")
    points: dict[str, Num] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> GradeScale:
        if len(set(self.order)) != len(self.order):
            raise _err("invalid_value", "a grade appears twice in `order`")
        if self.pass_ not in self.order:
            raise _err("unknown_grade", "the pass grade `{g}` is not in `order`", g=self.pass_, at=("pass",))
        for g in self.points or {}:
            if g not in self.order:
                raise _err("unknown_grade", "`points` names `{g}`, which is not in `order`", g=g, at=("points", g), on_key=True)
        return self


TERM_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _term_id(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _err("wrong_type", "expected a term such as `2025-S1`, got {got}", got=_kind_of(value))
    if not TERM_RE.fullmatch(value) or len(value) > 64:
        raise _err("invalid_value", "`{value}` is not a term name: letters, digits, `.`, `_` and `-` (such as `2025-S1`)", value=value[:64])
    return value


TermId = Annotated[str, PlainValidator(_term_id), WithJsonSchema({"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$"})]


class TermPeriod(Model):
    """One period of a provider's calendar: a holding awarded inside it belongs to that term."""

    id: TermId
    from_: Date = Field(alias="from")
    until: Date
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> TermPeriod:
        if self.until < self.from_:
            raise _err("invalid_value", "a term's `until` is before its `from`", at=("until",))
        return self


class Cost(Model):
    amount: Num
    currency: str


CredentialType = Literal["unit", "micro-credential", "badge", "assessment", "qualification", "record"]


def _record_without_credit(type_: str | None, credits: Quantity | None) -> None:
    """A record (a recital attended, a proficiency exam passed) carries no credit (section 17)."""
    if type_ == "record" and credits is not None and credits.value != 0:
        raise _err("invalid_value", "a record carries no credit: remove `credits` (records count in `count` nodes and leaves)", at=("credits",))


SUBJECT_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _subject(value: object) -> str:
    if not isinstance(value, str):
        raise _err("wrong_type", "expected a subject code such as `CSCI`, got {got}", got=_kind_of(value))
    if not SUBJECT_RE.fullmatch(value):
        raise _err("invalid_value", "`{value}` is not a subject code: letters and digits, starting with a letter (such as `CSCI`)", value=value)
    return value


Subject = Annotated[str, PlainValidator(_subject), WithJsonSchema({"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]*$"})]


CourseNumber = Annotated[int, Field(ge=0, le=10**9)]


ID_PATTERN_PARTS = ("provider", "subject", "number", "suffix")
ID_PATTERN_RE = re.compile(r"\{([^{}]*)\}")


def id_pattern_regex(pattern: str) -> re.Pattern[str]:
    """``{provider}:{subject}{number}`` as a regular expression with named groups."""
    out, at = [], 0
    for m in ID_PATTERN_RE.finditer(pattern):
        out.append(re.escape(pattern[at : m.start()]))
        part = m.group(1)
        out.append({"provider": r"[a-z][a-z0-9-]*", "subject": r"(?P<subject>[A-Za-z]+)", "number": r"(?P<number>[0-9]+)", "suffix": r"[A-Za-z0-9._-]*"}[part])
        at = m.end()
    out.append(re.escape(pattern[at:]))
    return re.compile("".join(out))


def _id_pattern(value: object) -> str:
    if not isinstance(value, str):
        raise _err("wrong_type", "expected a pattern such as `{example}`, got {got}", example="{provider}:{subject}{number}", got=_kind_of(value))
    parts = ID_PATTERN_RE.findall(value)
    for part in parts:
        if part not in ID_PATTERN_PARTS:
            close = did_you_mean(part, ID_PATTERN_PARTS)
            hint = f" (did you mean `{{{close[0]}}}`?)" if close else ""
            known = ", ".join(f"`{{{k}}}`" for k in ID_PATTERN_PARTS)
            raise _err("invalid_value", "{msg}", msg=f"`{{{part}}}` is not a part of an id pattern: use {known}{hint}")
    if parts.count("subject") != 1 or parts.count("number") != 1 or len(set(parts)) != len(parts):
        raise _err("invalid_value", "{msg}", msg="an id pattern names `{subject}` and `{number}` once each, such as `{provider}:{subject}{number}`")
    rest = ID_PATTERN_RE.sub("", value)
    if "{" in rest or "}" in rest:
        raise _err("invalid_value", "an id pattern has an unmatched brace")
    return value


IdPattern = Annotated[str, PlainValidator(_id_pattern), WithJsonSchema({"type": "string", "description": "such as {provider}:{subject}{number}"})]


class Credential(Model):
    id: CredId
    title: str
    type: CredentialType = "unit"
    credits: Qty | None = None
    level: int | None = None
    subject: Subject | None = None
    number: CourseNumber | None = None
    framework_level: LevelRef | None = None
    tags: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    competencies: tuple[str, ...] = ()
    prerequisites: Requirement | None = None
    incompatible: tuple[CredId, ...] = ()
    repeatable: Repeatable | None = None  # counts once per passing holding, up to the bound (section 17)
    supersedes: tuple[CredId, ...] = ()  # older ids this one replaces (a renumbered course, a superseded unit)
    equivalent: tuple[CredId, ...] = ()  # ids that count as this one, and this one as them
    hours: Num | None = None
    cost: Cost | None = None
    offered: tuple[str, ...] = ()
    url: str | None = None
    note: str | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _record(self) -> Credential:
        _record_without_credit(self.type, self.credits)
        if self.repeatable is not None and self.repeatable.max_credits is not None and (self.credits is None or self.credits.value == 0):
            raise _err("invalid_value", "`max_credits` bounds repeats by credit, and this credential carries none: use `max`", at=("repeatable", "max_credits"))
        return self


class Repeatable(Model):
    """A credential taken for credit more than once (lessons, ensembles): each passing holding counts, up to the bound."""

    max: int | None = Field(default=None, ge=1, le=1000)
    max_credits: Qty | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _bound(self) -> Repeatable:
        if self.max is None and self.max_credits is None:
            raise _err("missing_key", "`repeatable` needs a bound: `max` (times) or `max_credits`", key="max")
        return self


class InlineSystem(Model):
    id: Slug
    full_time_year: Num
    name: str | None = None
    hours_per_credit: Range | None = None

    @model_validator(mode="after")
    def _positive(self) -> InlineSystem:
        # as a `credit_systems` document's: credit is converted through it (a zero year divided by zero, a traceback)
        if self.full_time_year <= 0:
            raise _err("invalid_value", "`full_time_year` must be above zero")
        return self


class CatalogDoc(Model):
    kind: Literal["catalog"]
    provider: Provider
    credit_system: text_or_mapping(Slug, InlineSystem, "a credit system id or `{id, full_time_year}`")  # type: ignore[valid-type]
    grade_scale: GradeScale | None = None
    id_pattern: IdPattern | None = None
    national: bool = False  # a nationally owned catalogue (a training package): home study where a qualification lists it
    terms: tuple[TermPeriod, ...] = ()
    credentials: tuple[Credential, ...] = ()
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _calendar(self) -> CatalogDoc:
        for j, t in enumerate(self.terms):
            for k, other in enumerate(self.terms[:j]):
                if t.id == other.id:
                    raise _err("invalid_value", "the term `{t}` is listed twice in `terms` (first as entry {k})", t=t.id, k=k + 1, at=("terms", j, "id"))
                if t.from_ <= other.until and other.from_ <= t.until:
                    raise _err("invalid_value", "the term `{t}` overlaps `{o}`: a date belongs to one term", t=t.id, o=other.id, at=("terms", j, "from"))
        return self


class Effective(Model):
    from_: Date | None = Field(default=None, alias="from")
    until: Date | None = None

    def contains(self, day: _dt.date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.until is None or day <= self.until)

    def overlaps(self, other: Effective) -> bool:
        lo = max(self.from_ or _dt.date.min, other.from_ or _dt.date.min)
        hi = min(self.until or _dt.date.max, other.until or _dt.date.max)
        return lo <= hi


class QualificationDoc(Model):
    kind: Literal["qualification"]
    id: CredId
    title: str
    provider: Slug
    type: LevelRef | None = None
    framework_level: LevelRef | None = None
    credits: Qty | None = None  # optional (section 17): without it the target is met when its tree is
    home_catalogs: tuple[Slug, ...] = ()  # national catalogues whose credentials count as home study (section 17)
    fields: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    effective: Effective | None = None
    requires: Requirement
    define: dict[str, Requirement] = Field(default_factory=dict)
    limits: tuple[Limit, ...] = ()
    note: str | None = None
    source: str | None = None


class Basis(Model):
    reference: str
    url: str | None = None
    note: str | None = None


class IntoFilter(Model):
    where: FilterT


class When(Model):
    within_years: Years | None = None
    min_grade: str | None = None


class ShareOf(Model):
    share: Share


class SpecifiedGrant(Model):
    credential: CredId


class UnspecifiedGrant(Model):
    unspecified: text_or_mapping(Qty, ShareOf, "a quantity or `{share: F}`")  # type: ignore[valid-type]
    type: CredentialType = "unit"
    title: str | None = None
    level: int | None = None
    subject: Subject | None = None
    number: CourseNumber | None = None
    framework_level: LevelRef | None = None
    tags: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    competencies: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _record(self) -> UnspecifiedGrant:
        # unspecified credit is credit: a record carries none (section 17), so it is granted by naming it
        if self.type == "record":
            raise _err(
                "invalid_value",
                "a record carries no credit, and `unspecified` grants credit: name the record instead (`grant: [mus:REC]`)",
                at=("type",),
            )
        return self


class ExemptGrant(Model):
    exempt: str


def _grant_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "Specified"
    if isinstance(value, dict):
        if "unspecified" in value:
            return "Unspecified"
        if "exempt" in value:
            return "Exempt"
        if "credential" in value:
            return "Specified"
    return None


def _grant_input(value: Any) -> Any:
    if isinstance(value, str):
        return {"credential": value}
    return value


Grant = Annotated[
    Annotated[SpecifiedGrant, Tag("Specified")] | Annotated[UnspecifiedGrant, Tag("Unspecified")] | Annotated[ExemptGrant, Tag("Exempt")],
    Discriminator(
        _grant_kind,
        custom_error_type="invalid_node",
        custom_error_message="a grant is a credential id, `{unspecified: Q, ...}` or `{exempt: NODE}`",
    ),
]


class CreditRuleDoc(Model):
    kind: Literal["credit_rule"]
    id: Slug
    type: Literal["articulation", "stacking", "policy", "precedent", "rpl"]
    title: str | None = None
    basis: Basis | None = None
    into: text_or_mapping(CredId, IntoFilter, "a qualification id or `{where: F}`")  # type: ignore[valid-type]
    effective: Effective | None = None
    from_: Requirement = Field(alias="from")
    when: When | None = None
    grant: tuple[Grant, ...] = Field(min_length=1)
    note: str | None = None
    source: str | None = None
    confidence: Confidence | None = None

    @model_validator(mode="before")
    @classmethod
    def _grant_strings(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("grant"), tuple):
            data = dict(data)
            data["grant"] = tuple(_grant_input(g) for g in data["grant"])
        return data


class Enrolment(Model):
    qualification: str
    commenced: Date | None = None


class Holding(Model):
    credential: CredId
    awarded: Date | None = None
    term: TermId | None = None  # else derived from `awarded` by the provider's `terms:` calendar
    grade: str | None = None
    status: Literal["completed", "in_progress", "planned"] = "completed"
    # an inline description, for credentials no catalog holds
    title: str | None = None
    provider: Slug | None = None
    credits: Qty | None = None
    type: CredentialType | None = None
    level: int | None = None
    subject: Subject | None = None
    number: CourseNumber | None = None
    framework_level: LevelRef | None = None
    tags: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    competencies: tuple[str, ...] = ()
    evidence: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _record(self) -> Holding:
        _record_without_credit(self.type, self.credits)
        return self

    @property
    def described(self) -> bool:
        return self.title is not None or self.provider is not None or self.credits is not None


class LearnerException(Model):
    type: Literal["waive", "substitute", "add", "approve", "block", "value"]
    node: str
    credential: CredId | None = None
    instead_of: CredId | None = None
    value: Qty | None = None  # a `value` exception: the node's threshold for this learner (credit, count or `at_least`)
    reason: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    date: Date
    note: str | None = None

    @model_validator(mode="after")
    def _needs(self) -> LearnerException:
        if self.type in ("substitute", "add", "block") and self.credential is None:
            raise _err("missing_key", "a `{t}` exception needs `credential`", t=self.type, key="credential")
        if self.type == "substitute" and self.instead_of is None:
            raise _err("missing_key", "a `substitute` exception needs `instead_of`", key="instead_of")
        if self.type == "value" and self.value is None:
            raise _err("missing_key", "a `value` exception needs `value` (the node's new threshold)", key="value")
        if self.type != "value" and self.value is not None:
            raise _err("invalid_value", "only a `value` exception takes `value`", at=("value",))
        if self.type in ("waive", "approve", "value") and (self.credential or self.instead_of):
            raise _err("invalid_value", "a `{t}` exception takes no `credential` or `instead_of`", t=self.type)
        return self


class VerifiableHolding(Model):
    """A holding given as a verifiable credential (docs/language.md section 15).

    ``verifiable`` is a path relative to the learner file, a VC-JWT, or the
    credential inline. In a learner file these entries stand in ``holdings``
    beside the plain ones; :func:`stackrules.language.documents.parse_document`
    moves them to :attr:`LearnerDoc.verifiable` (keeping their positions), so
    every ``holdings`` entry is a plain :class:`Holding`.
    """

    verifiable: text_or_mapping(str, dict[str, Any], "a path, a VC-JWT or the credential as a mapping")  # type: ignore[valid-type]
    note: str | None = None


class LearnerDoc(Model):
    kind: Literal["learner"]
    id: str
    name: str | None = None
    identities: tuple[str, ...] = ()
    enrolments: tuple[Enrolment, ...] = ()
    facts: dict[str, FactValue] = Field(default_factory=dict)  # what the learner states: emphasis, medium, declared (section 17)
    holdings: tuple[Holding, ...] = ()
    verifiable: tuple[VerifiableHolding, ...] = ()
    exceptions: tuple[LearnerException, ...] = ()
    note: str | None = None

    @field_validator("facts", mode="before")
    @classmethod
    def _facts(cls, value: Any) -> Any:
        return _check_facts(value)


ExceptionKind = Literal["waive", "substitute", "add", "approve", "block", "value"]


class Approver(Model):
    """Someone whose approval makes a learner's exception count (docs/language.md section 18)."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    may: tuple[ExceptionKind, ...] = Field(min_length=1)
    scope: Literal["nodes", "qualification"] = "nodes"
    note: str | None = None


class ApproversDoc(Model):
    """The people a provider lists as approvers of learners' exceptions."""

    kind: Literal["approvers"]
    provider: Slug
    approvers: tuple[Approver, ...] = Field(min_length=1)
    source: str | None = None
    note: str | None = None


class IssuerKey(Model):
    """One verification method an issuer signs with: an Ed25519 ``multikey`` or a ``jwk`` (a ``did:key`` id may give neither)."""

    id: str = Field(min_length=1)
    multikey: str | None = None
    jwk: dict[str, str] | None = None


class AchievementMapping(Model):
    achievement: str = Field(min_length=1)
    credential: CredId


class IssuerDoc(Model):
    """A trust-list entry (docs/language.md section 15): which issuer ids, keys and achievements the office recognises."""

    kind: Literal["issuer"]
    id: str = Field(min_length=1)
    name: str | None = None
    provider: Slug
    ids: tuple[str, ...] = Field(min_length=1)
    keys: tuple[IssuerKey, ...] = ()
    effective: Effective | None = None
    status_lists: dict[str, str] = Field(default_factory=dict)
    achievements: tuple[AchievementMapping, ...] = ()
    note: str | None = None
    source: str | None = None


Document = FrameworkDoc | CreditSystemsDoc | CrosswalkDoc | CatalogDoc | QualificationDoc | CreditRuleDoc | ApproversDoc | LearnerDoc | IssuerDoc


KINDS: dict[str, type[Model]] = {
    "framework": FrameworkDoc,
    "credit_systems": CreditSystemsDoc,
    "crosswalk": CrosswalkDoc,
    "catalog": CatalogDoc,
    "qualification": QualificationDoc,
    "credit_rule": CreditRuleDoc,
    "approvers": ApproversDoc,
    "learner": LearnerDoc,
    "issuer": IssuerDoc,
}
