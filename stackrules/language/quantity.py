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


MAX_MAGNITUDE = 10**9  # credits, costs, years, loads and counts (docs/language.md section 18)


MAX_PLACES = 12  # digits after the point, or in a denominator


MAX_YEARS = 200  # `within_years`


_MAX_DIGITS = len(str(MAX_MAGNITUDE))


_QUANTITY = re.compile(rf"\s*({_NUMBER})\s*(?:([a-z][a-z0-9-]*))?\s*")


class QuantityError(ValueError):
    """A quantity could not be read."""


class NumberBound(QuantityError):
    """A number is over a bound (``code`` SR2011: too large; SR2012: too precise); checked before any arithmetic."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _shown(text: str) -> str:
    return f"`{text}`" if len(text) <= 32 else f"`{text[:16]}...{text[-8:]}` ({len(text)} characters)"


def _too_large(text: str) -> NumberBound:
    return NumberBound("SR2011", f"{_shown(text)} is over the bound of {MAX_MAGNITUDE} in size")


def _too_precise(text: str) -> NumberBound:
    return NumberBound("SR2012", f"{_shown(text)} has more than {MAX_PLACES} digits after the point or in its denominator")


def check_decimal(text: str) -> Decimal:
    """The exact decimal ``text`` (``1.5``, ``2e3``), refused past the bounds before any arithmetic on it."""
    mantissa, _, exponent = text.lower().partition("e")
    if len(exponent.lstrip("+-")) > 4:
        raise _too_precise(text) if exponent.startswith("-") else _too_large(text)
    if len(mantissa) > 2 * _MAX_DIGITS + MAX_PLACES:
        raise _too_large(text)
    return _bounded_decimal(Decimal(text), text)


def check_int(text: str) -> int:
    """The integer ``text`` (digits, an optional sign), refused past the bound before it is converted."""
    if len(text) < _MAX_DIGITS:
        return int(text)  # nine digits at most: within the bound
    if len(text.lstrip("+-").lstrip("0")) > _MAX_DIGITS:
        raise _too_large(text)
    number = int(text)
    if abs(number) > MAX_MAGNITUDE:
        raise _too_large(text)
    return number


def _bounded_decimal(value: Decimal, text: str) -> Decimal:
    if not value.is_finite():
        raise QuantityError("a quantity must be finite")
    if value == 0:
        return value
    if value.adjusted() >= _MAX_DIGITS or abs(value) > MAX_MAGNITUDE:
        raise _too_large(text)
    shape = value.as_tuple()
    assert isinstance(shape.exponent, int)
    if shape.exponent + _trailing_zeros(shape.digits) < -MAX_PLACES:
        raise _too_precise(text)
    return value


def _trailing_zeros(digits: tuple[int, ...]) -> int:
    n = 0
    while n < len(digits) - 1 and digits[-1 - n] == 0:
        n += 1
    return n


def _bounded(value: Fraction, text: str) -> Fraction:
    if abs(value) > MAX_MAGNITUDE:
        raise _too_large(text)
    if value.denominator > 10**MAX_PLACES:
        raise _too_precise(text)
    return value


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
        if abs(value) > MAX_MAGNITUDE:
            raise _too_large(str(value) if value.bit_length() < 1000 else f"an integer of {value.bit_length()} bits")
        return Fraction(value)
    if isinstance(value, Decimal):
        return Fraction(_bounded_decimal(value, str(value) if len(value.as_tuple().digits) < 100 else f"a number of {len(value.as_tuple().digits)} digits"))
    if isinstance(value, Fraction):
        return _bounded(value, "a fraction")
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(_NUMBER, text):
            num, _, den = text.partition("/")
            whole, _, places = num.lstrip("+-").partition(".")
            if len(whole.lstrip("0")) > _MAX_DIGITS:
                raise _too_large(text)
            if len(places.rstrip("0")) > MAX_PLACES or len(den.lstrip("0")) > MAX_PLACES:
                raise _too_precise(text)
            if den:
                if int(den) == 0:
                    raise QuantityError(f"`{value}` divides by zero")
                return _bounded(Fraction(Decimal(num)) / int(den), text)
            return _bounded(Fraction(Decimal(num)), text)
        if len(text) <= 40 and re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+", text):
            # a number, but in exponent form, which text never takes: saying "not a number" would be untrue
            raise QuantityError(f"`{value}` is written with an exponent: write the number in digits (24, 1.5 or 2/3)")
    if isinstance(value, list | tuple | dict):
        raise QuantityError(f"a number is needed here, not {'a mapping' if isinstance(value, dict) else 'a list'}")
    raise QuantityError(f"`{value}` is not a number" if len(str(value)) <= 40 else "this is not a number")


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
