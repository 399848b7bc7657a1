"""Money and hours: the only place where billing amounts are rounded.

Rules (billing.md): quantities are hours with two places, amounts are cents, both ROUND_HALF_UP.
Rates keep the precision FreshBooks gives them (12.345 stays 12.345): only a line's amount,
quantity x rate, is rounded. Floats are refused because they cannot represent cents exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDREDTH_OF_HOUR = Decimal("0.01")
SECONDS_PER_HOUR = 3600

MoneyLike = Decimal | int | str


def to_decimal(value: MoneyLike) -> Decimal:
    """Convert exact inputs to Decimal; refuse floats, booleans and non-finite numbers."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"money must be Decimal, int or str, not {type(value).__name__}")
    decimal_value = value if isinstance(value, Decimal) else Decimal(value)
    if not decimal_value.is_finite():
        raise ValueError(f"money must be a finite number, got {value!r}")
    return decimal_value


def rate_normalized(value: MoneyLike) -> Decimal:
    """A rate at its full precision, written with at least two places and no trailing zeros
    beyond them (12.345000 -> 12.345, 95 -> 95.00, 1.500000 -> 1.50). The value never changes."""
    rate = to_decimal(value)
    exponent = rate.normalize().as_tuple().exponent  # an int: to_decimal refuses non-finite
    if isinstance(exponent, int) and exponent >= -2:
        return rate.quantize(CENT)
    return rate.normalize()


def rate_text(value: MoneyLike) -> str:
    """A rate as people read it: `rate_normalized`, never in exponent form."""
    return format(rate_normalized(value), "f")


def quantize_cents(value: MoneyLike) -> Decimal:
    """Round to cents, half up (2.345 -> 2.35)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def hours_from_seconds(seconds: int) -> Decimal:
    """Billed seconds as hours with two places, half up (1 minute -> 0.02)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError(f"seconds must be an int, not {type(seconds).__name__}")
    hours = Decimal(seconds) / Decimal(SECONDS_PER_HOUR)
    return hours.quantize(HUNDREDTH_OF_HOUR, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_cost: Decimal) -> Decimal:
    """A line's amount: quantity x unit cost, rounded to cents once."""
    return quantize_cents(to_decimal(quantity) * to_decimal(unit_cost))
