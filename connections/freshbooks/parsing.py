"""Turn FreshBooks' money, decimal, date and datetime strings into Python values.

FreshBooks mixes conventions: accounting datetimes are naive US/Eastern ("2021-04-16 10:31:19"),
time-tracking and project datetimes are UTC with or without `Z`. Everything leaves here as an
aware UTC datetime. Bad values raise ValueError with a message fit for a sync skip reason.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

ACCOUNTING_ZONE = ZoneInfo("America/New_York")

_ACCOUNTING_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?")
_UTC_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", re.IGNORECASE
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_decimal(value: Any) -> Decimal | None:
    """A FreshBooks decimal (usually a string such as "41.94"); None/"" mean absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"not a decimal value: {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a decimal value: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite decimal value: {value!r}")
    return number


def parse_money(value: Any) -> tuple[Decimal, str]:
    """A money object `{"amount": "41.94", "code": "CAD"}` or a bare decimal (code "")."""
    if isinstance(value, dict):
        if "amount" not in value:
            raise ValueError(f"money object without an amount: {value!r}")
        amount = parse_decimal(value["amount"])
        code = value.get("code") or ""
        if not isinstance(code, str):
            raise ValueError(f"money currency code is not a string: {code!r}")
    else:
        amount = parse_decimal(value)
        code = ""
    if amount is None:
        raise ValueError(f"money value without an amount: {value!r}")
    return amount, code.upper()


def parse_accounting_datetime(text: str) -> datetime:
    """Accounting "YYYY-MM-DD HH:MM:SS[.ffffff]" (US/Eastern, no zone) as aware UTC."""
    if not isinstance(text, str) or not _ACCOUNTING_DATETIME.fullmatch(text.strip()):
        raise ValueError(f"not an accounting datetime (YYYY-MM-DD HH:MM:SS): {text!r}")
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not a valid accounting datetime: {text!r}") from None
    return local.replace(tzinfo=ACCOUNTING_ZONE).astimezone(UTC)


def parse_utc_datetime(text: str) -> datetime:
    """Project/time-tracking ISO datetime, with or without `Z`/fraction, as aware UTC."""
    if not isinstance(text, str) or not _UTC_DATETIME.fullmatch(text.strip()):
        raise ValueError(f"not an ISO-8601 datetime: {text!r}")
    try:
        parsed = datetime.fromisoformat(text.strip().upper())
    except ValueError:
        raise ValueError(f"not a valid ISO-8601 datetime: {text!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_date(text: str) -> date:
    """A "YYYY-MM-DD" date."""
    if not isinstance(text, str) or not _DATE.fullmatch(text.strip()):
        raise ValueError(f"not a date (YYYY-MM-DD): {text!r}")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not a valid date: {text!r}") from None
