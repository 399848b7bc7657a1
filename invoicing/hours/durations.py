"""Durations as people and time trackers write them: "1:30", "1:30:00", "1.5", "1,5", "90m",
"1h 30m", "5400s". Pure functions."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_CLOCK = re.compile(r"^(\d{1,3}):([0-5]?\d)(?::([0-5]?\d))?$")
_UNITS = re.compile(
    r"^(?:(\d+(?:[.,]\d+)?)\s*h)?\s*(?:(\d+(?:[.,]\d+)?)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?$"
)
_HOURS = re.compile(r"^\d+(?:[.,]\d+)?$")


class BadDuration(ValueError):
    pass


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def duration_seconds(text: str) -> int:
    """Seconds in `text`; a bare number is hours ("1.5" = 5400). Raises BadDuration."""
    value = text.strip().lower()
    if not value:
        raise BadDuration("The duration is empty.")
    clock = _CLOCK.match(value)
    if clock:
        h, m, s = (int(part or 0) for part in clock.groups())
        return h * 3600 + m * 60 + s
    if _HOURS.match(value):
        return _rounded(_decimal(value) * 3600)
    units = _UNITS.match(value)
    if units and any(units.groups()):
        hours_text, minutes_text, seconds_text = units.groups()
        total = Decimal(0)
        try:
            total += _decimal(hours_text) * 3600 if hours_text else 0
            total += _decimal(minutes_text) * 60 if minutes_text else 0
            total += int(seconds_text) if seconds_text else 0
        except InvalidOperation:
            raise BadDuration(f"“{text}” is not a duration.") from None
        return _rounded(total)
    raise BadDuration(f"“{text}” is not a duration; write it as 1:30, 1:30:00, 1.5 (hours) or 90m.")


def _rounded(seconds: Decimal) -> int:
    return int(seconds.to_integral_value())
