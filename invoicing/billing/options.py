"""Run options (period, grouping, rounding, zero rates, line cap) and their validation.

`billing_options_from` turns raw form or schedule values into options, raising
`BillingOptionsError` with the field name so a view can answer with a 400 and a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from invoicing.billing.errors import BillingOptionsError
from invoicing.billing.periods import Period, period_from_preset
from invoicing.billing.rounding import RoundingPolicy

GROUPING_MODES = ("detailed", "service", "project", "team_member", "day", "single")
FRESHBOOKS_MAX_LINES = 400


@dataclass(frozen=True)
class BillingOptions:
    period: Period
    grouping: str
    rounding: RoundingPolicy
    allow_zero_rate: bool = False
    max_lines: int = FRESHBOOKS_MAX_LINES

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if not isinstance(self.period, Period):
            raise BillingOptionsError("period", "Choose a billing period.")
        if self.grouping not in GROUPING_MODES:
            raise BillingOptionsError(
                "grouping",
                f"Unknown grouping {self.grouping!r}; choose one of {', '.join(GROUPING_MODES)}.",
            )
        if not isinstance(self.rounding, RoundingPolicy):
            raise BillingOptionsError("rounding_increment", "Choose a rounding policy.")
        if not isinstance(self.allow_zero_rate, bool):
            raise BillingOptionsError("allow_zero_rate", "allow_zero_rate must be true or false.")
        max_lines = self.max_lines
        if isinstance(max_lines, bool) or not isinstance(max_lines, int):
            raise BillingOptionsError("max_lines", "The line limit must be a whole number.")
        if not 1 <= max_lines <= FRESHBOOKS_MAX_LINES:
            raise BillingOptionsError(
                "max_lines",
                f"The line limit must be between 1 and {FRESHBOOKS_MAX_LINES} "
                f"(FreshBooks' limit); got {max_lines}.",
            )


def billing_options_from(
    raw: Mapping[str, Any],
    *,
    today: date,
    first_day_of_week: int | None = None,
    defaults: RoundingPolicy | None = None,
    max_custom_months: int | None = None,
) -> BillingOptions:
    """Build options from raw values (strings from a form are accepted).

    `max_custom_months` checks a custom period a person entered (see `custom_period_check`).

    Keys: `period` (preset name), `start`/`end` (ISO dates, custom only), `grouping`,
    `rounding_increment`, `rounding_direction`, `rounding_level` (each falls back to the
    business policy in `defaults`), `allow_zero_rate`, `max_lines`.
    """
    policy = defaults or RoundingPolicy()
    period = period_from_preset(
        _text(raw, "period", "this_month"),
        today=today,
        first_day_of_week=first_day_of_week,
        start=_optional_date(raw, "start"),
        end=_optional_date(raw, "end"),
        max_custom_months=max_custom_months,
    )
    rounding = RoundingPolicy(
        increment_minutes=_integer(raw, "rounding_increment", policy.increment_minutes),
        direction=_text(raw, "rounding_direction", policy.direction),
        level=_text(raw, "rounding_level", policy.level),
    )
    return BillingOptions(
        period=period,
        grouping=_text(raw, "grouping", "service"),
        rounding=rounding,
        allow_zero_rate=_boolean(raw, "allow_zero_rate", default=False),
        max_lines=_integer(raw, "max_lines", FRESHBOOKS_MAX_LINES),
    )


def _present(raw: Mapping[str, Any], key: str) -> bool:
    value = raw.get(key)
    return value is not None and value != ""


def _text(raw: Mapping[str, Any], key: str, default: str) -> str:
    if not _present(raw, key):
        return default
    value = raw[key]
    if not isinstance(value, str):
        raise BillingOptionsError(key, f"{key} must be text, got {value!r}.")
    return value.strip()


def _integer(raw: Mapping[str, Any], key: str, default: int) -> int:
    if not _present(raw, key):
        return default
    value = raw[key]
    if isinstance(value, bool):
        raise BillingOptionsError(key, f"{key} must be a whole number, got {value!r}.")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise BillingOptionsError(key, f"{key} must be a whole number, got {value!r}.")


def _boolean(raw: Mapping[str, Any], key: str, *, default: bool) -> bool:
    if not _present(raw, key):
        return default
    value = raw[key]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "on", "yes"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "0", "off", "no"}:
        return False
    raise BillingOptionsError(key, f"{key} must be true or false, got {value!r}.")


def _optional_date(raw: Mapping[str, Any], key: str) -> date | None:
    if not _present(raw, key):
        return None
    value = raw[key]
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BillingOptionsError(key, f"{key} must be a date like 2024-05-31, got {value!r}.")
