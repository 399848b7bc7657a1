"""Reading request fields strictly: wrong types become field errors, never exceptions.

A ``Fields`` wraps one request object (``{"time_entry": {...}}``'s inner dict) and collects every
problem, so a caller sees all of them at once, like FreshBooks' validation errors do.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sandbox import clock
from sandbox.errors import FieldError, ValidationFailed

CENTS = Decimal("0.01")
MISSING = object()
# SQLite integers are 64-bit; larger ids cannot exist, so they are refused before any query.
LARGEST_ID = 2**62


def round_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENTS, rounding=ROUND_HALF_UP)


def money_text(amount: Decimal) -> str:
    return str(round_cents(amount))


def decimal_text(amount: Decimal) -> str:
    """A decimal as FreshBooks prints rates and quantities: at least two places for money."""
    if amount == amount.to_integral_value() or amount.as_tuple().exponent >= -2:
        return str(amount.quantize(CENTS))
    return format(amount.normalize(), "f")


def quantity_text(amount: Decimal) -> str:
    """A quantity without trailing zeros, never in exponent form (``4``, ``1.5``, ``400``)."""
    return format(amount.normalize(), "f")


class Fields:
    def __init__(self, payload: Any, object_name: str):
        self.object_name = object_name
        self.errors: dict[str, FieldError] = {}
        if not isinstance(payload, dict):
            self.payload: dict = {}
            self.errors["__root__"] = FieldError("invalid", f"{object_name} must be an object")
        else:
            self.payload = payload

    def has(self, name: str) -> bool:
        return name in self.payload

    def fail(self, name: str, kind: str, message: str, value: Any = None) -> None:
        self.errors.setdefault(name, FieldError(kind, message, value))

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors, self.object_name)

    def _raw(self, name: str, required: bool) -> Any:
        value = self.payload.get(name, MISSING)
        if value is MISSING and required:
            self.fail(name, "required", "field required")
        return value

    def text(
        self, name: str, *, required: bool = False, nullable: bool = True, max_length: int = 4000
    ) -> Any:
        value = self._raw(name, required)
        if value is MISSING or (value is None and nullable and not required):
            return value
        if not isinstance(value, str):
            self.fail(name, "invalid", "Input should be a valid string", value)
            return MISSING
        if required and not value.strip():
            self.fail(name, "required", "field required", value)
            return MISSING
        if len(value) > max_length:
            self.fail(name, "invalid", f"String should have at most {max_length} characters")
            return MISSING
        return value

    def integer(
        self, name: str, *, required: bool = False, nullable: bool = True, minimum: int | None = 0
    ) -> Any:
        """An int, or a string of digits (FreshBooks accepts string ids, PM examples)."""
        value = self._raw(name, required)
        if value is MISSING or (value is None and nullable and not required):
            return value
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            number = int(value.strip())
        else:
            number = None
        if number is None:
            self.fail(name, "number", "Input should be a valid integer", value)
            return MISSING
        if minimum is not None and number < minimum:
            self.fail(name, "invalid", f"Input should be greater than or equal to {minimum}")
            return MISSING
        if abs(number) > LARGEST_ID:
            self.fail(name, "invalid", "Input is too large", value)
            return MISSING
        return number

    def boolean(self, name: str, *, required: bool = False) -> Any:
        value = self._raw(name, required)
        if value is MISSING:
            return value
        if isinstance(value, bool):
            return value
        if value in (0, 1) and not isinstance(value, float):
            return bool(value)
        if isinstance(value, str) and value.lower() in {"true", "false", "1", "0"}:
            return value.lower() in {"true", "1"}
        self.fail(name, "boolean", "Input should be a valid boolean", value)
        return MISSING

    def decimal(
        self, name: str, *, required: bool = False, nullable: bool = True, minimum: Decimal = 0
    ) -> Any:
        value = self._raw(name, required)
        if value is MISSING or (value is None and nullable and not required):
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.fail(name, "number", "Input should be a valid decimal", value)
            return MISSING
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.fail(name, "number", "Input should be a valid decimal", value)
            return MISSING
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            self.fail(name, "number", "Input should be a finite decimal", value)
            return MISSING
        if minimum is not None and number < minimum:
            self.fail(name, "invalid", f"Input should be greater than or equal to {minimum}")
            return MISSING
        return number

    def day(self, name: str, *, required: bool = False, nullable: bool = True) -> Any:
        value = self._raw(name, required)
        if value is MISSING or (value is None and nullable and not required):
            return value
        try:
            parsed: date = clock.parse_date(value)
        except (TypeError, ValueError):
            self.fail(name, "date", "Input should be a valid date in the format YYYY-MM-DD", value)
            return MISSING
        return parsed

    def moment(self, name: str, *, required: bool = False) -> Any:
        value = self._raw(name, required)
        if value is MISSING:
            return value
        try:
            parsed: datetime = clock.parse_datetime(value)
        except (TypeError, ValueError) as error:
            self.fail(name, "datetime", str(error), value)
            return MISSING
        return parsed

    def choice(self, name: str, choices: tuple, *, nullable: bool = True) -> Any:
        value = self._raw(name, False)
        if value is MISSING or (value is None and nullable):
            return value
        if isinstance(value, bool) or value not in choices:
            allowed = ", ".join(repr(choice) for choice in choices)
            self.fail(name, "invalid", f"Input should be one of {allowed}", value)
            return MISSING
        return value


def wrapped(body: Any, key: str, object_name: str | None = None) -> dict:
    """The inner object of ``{"<key>": {...}}``; a missing or non-object wrapper is an error."""
    if isinstance(body, dict) and isinstance(body.get(key), dict):
        return body[key]
    raise ValidationFailed(
        {key: FieldError("required", f"a '{key}' object is required")}, object_name or key
    )
