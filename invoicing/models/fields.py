"""Model fields shared by the invoicing models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from invoicing.billing.money import rate_normalized

RATE_MAX_DIGITS = 20
RATE_DECIMAL_PLACES = 6


class RateField(models.DecimalField):
    """An hourly rate (or a line's unit cost) at the precision FreshBooks gives it.

    FreshBooks sends rates as decimal strings ("12.345"); billing.md keeps them whole and rounds
    only line amounts. Six places hold every rate FreshBooks is known to send (the database rounds a
    value with more to six) and 14 integer digits hold any sane rate. Values
    read back are written with at least two places and no trailing zeros beyond them
    (`rate_normalized`: 12.345, 95.00), so pages, admin and the billing rules all show the rate
    as FreshBooks does.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", RATE_MAX_DIGITS)
        kwargs.setdefault("decimal_places", RATE_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        return None if value is None else rate_normalized(Decimal(value))
