"""Money and hours: the only place where billing amounts are rounded.

Rules (billing.md): quantities are hours with two places, amounts are cents, both ROUND_HALF_UP.
Floats are refused because they cannot represent cents exactly.
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
