"""Exact credit quantities: rationals, an optional credit system, conversion.

No float ever decides an outcome: every credit figure is a
:class:`fractions.Fraction`, and output prints it as an integer, an exact
decimal, or a fraction (``"24"``, ``"1.5"``, ``"2/3"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

_NUMBER = r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:/\d+)?"


_QUANTITY = re.compile(rf"\s*({_NUMBER})\s*(?:([a-z][a-z0-9-]*))?\s*")


class QuantityError(ValueError):
    """A quantity could not be read."""


@dataclass(frozen=True)
class Quantity:
    """A number of credits, in ``system`` (None: the context's system)."""

    value: Fraction
    system: str | None = None

    def __str__(self) -> str:
        return fmt(self.value) + (f" {self.system}" if self.system else "")


def to_fraction(value: object) -> Fraction:
    """An exact rational from an int, a Decimal, or a string ``"1.5"``/``"2/3"``."""
    if isinstance(value, bool):
        raise QuantityError("a quantity cannot be true or false")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise QuantityError("a quantity must be finite")
        return Fraction(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(_NUMBER, text):
            if "/" in text:
                num, den = text.split("/")
                if int(den) == 0:
                    raise QuantityError(f"`{value}` divides by zero")
                return Fraction(Decimal(num)) / int(den)
            return Fraction(Decimal(text))
    raise QuantityError(f"`{value}` is not a number")


def parse_quantity(value: object) -> Quantity:
    """Read ``6``, ``1.5``, ``"2/3"``, ``"30 ects"`` or ``"4 us-sch"``."""
    if isinstance(value, str):
        m = _QUANTITY.fullmatch(value)
        if not m:
            raise QuantityError(f'`{value}` is not a quantity: write a number optionally followed by a credit system, such as `"30 ects"`')
        return Quantity(to_fraction(m.group(1)), m.group(2))
    return Quantity(to_fraction(value))


def fmt(value: Fraction) -> str:
    """An integer, an exact decimal, or ``p/q``."""
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den == 1:
        places = max(twos, fives)
        scaled = value * 10**places
        assert scaled.denominator == 1
        sign = "-" if scaled < 0 else ""
        digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
        return f"{sign}{digits[:-places]}.{digits[-places:]}"
    return f"{value.numerator}/{value.denominator}"


def convert(value: Fraction, source_year: Fraction, target_year: Fraction) -> Fraction:
    """``value`` x (target full-time year / source full-time year), exactly."""
    return value * target_year / source_year


def total(values: Iterable[Fraction], times: Iterable[int] | None = None) -> Fraction:
    """The exact sum of ``values`` (each times the matching count of ``times``, if given).

    Credit is nearly always whole, so whole values are added as integers and
    only the rest as fractions: the same exact result, several times faster
    than ``sum`` over fractions, which audits do thousands of times.
    """
    whole = 0
    rest = Fraction(0)
    for v, k in zip(values, times, strict=True) if times is not None else ((v, 1) for v in values):
        if v.denominator == 1:
            whole += v.numerator * k
        else:
            rest += v * k
    return rest + whole if rest else Fraction(whole)
