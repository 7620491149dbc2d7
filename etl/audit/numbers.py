"""Printed numbers: their precision, and exact rounding under both conventions."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

CONVENTIONS = {"round": ROUND_HALF_UP, "truncate": ROUND_DOWN}


def decimals(printed: float | int | str) -> int:
    """How many decimals a printed value carries (92 -> 0, 45.4 -> 1, 31.25 -> 2)."""
    exponent = Decimal(str(printed)).as_tuple().exponent
    return max(0, -int(exponent))


def to_decimal(value: Fraction | float | int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        if isinstance(value, Fraction):
            return Decimal(value.numerator) / Decimal(value.denominator)
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def at_precision(value: Fraction | float | int, places: int, convention: str) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return to_decimal(value).quantize(quantum, rounding=CONVENTIONS[convention])


def matches(value: Fraction | float | int, printed: float | int | str) -> dict[str, bool]:
    """Whether `value`, printed at the precision of `printed`, gives it under each convention."""
    places = decimals(printed)
    target = Decimal(str(printed))
    return {name: at_precision(value, places, name) == target for name in CONVENTIONS}


def percent(n: int, denom: int) -> Fraction:
    return Fraction(100 * n, denom)


def fmt(value: Fraction | float | int, places: int = 2) -> str:
    """A readable value: integers as such, others to `places` decimals (rounded), trailing zeros kept."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    if isinstance(value, int):
        return str(value)
    return str(at_precision(value, places, "round"))


def matching_denominators(n: int, printed: float | int, convention: str, limit: int) -> list[int]:
    """Every denominator d <= limit for which n/d prints as `printed` under `convention`."""
    places = decimals(printed)
    target = Decimal(str(printed))
    return [d for d in range(max(n, 1), limit + 1) if at_precision(percent(n, d), places, convention) == target]
