"""Run options (period, grouping, rounding, unpriced time, expenses, what the user left out, line
cap).

`billing_options_from` turns raw form or schedule values into options, raising
`BillingOptionsError` with the field name so a view can answer with a 400 and a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from invoicing.billing.errors import BillingOptionsError
from invoicing.billing.expenses import EXPENSE_CHOICES, EXPENSES_ALL
from invoicing.billing.periods import Period, period_from_preset
from invoicing.billing.rounding import RoundingPolicy

GROUPING_MODES = ("detailed", "service", "project", "team_member", "day", "single")
FRESHBOOKS_MAX_LINES = 400

# What to do with unpriced time (no rate, or a rate of zero), billing.md "Rates":
UNPRICED_HOLD = "hold"  # hold back the client's draft until a rate is set (the default)
UNPRICED_LEAVE = "leave_unbilled"  # leave that time unbilled and bill the rest
UNPRICED_ZERO = "bill_zero"  # bill it as 0.00 lines so it shows on the invoice
UNPRICED_CHOICES = (UNPRICED_HOLD, UNPRICED_LEAVE, UNPRICED_ZERO)


@dataclass(frozen=True)
class BillingOptions:
    period: Period
    grouping: str
    rounding: RoundingPolicy
    unpriced: str = UNPRICED_HOLD
    max_lines: int = FRESHBOOKS_MAX_LINES
    # Which unbilled expenses the drafts rebill: EXPENSES_ALL, EXPENSES_PROJECTS or EXPENSES_NONE.
    expenses: str = EXPENSES_ALL
    # What the user chose not to bill: whole clients, projects, or single entries (FreshBooks ids).
    excluded_client_ids: frozenset[int] = frozenset()
    excluded_project_ids: frozenset[int] = frozenset()
    excluded_entry_ids: frozenset[int] = frozenset()

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
        if self.unpriced not in UNPRICED_CHOICES:
            raise BillingOptionsError(
                "unpriced",
                f"Unknown choice {self.unpriced!r} for unpriced time; choose one of "
                f"{', '.join(UNPRICED_CHOICES)}.",
            )
        if self.expenses not in EXPENSE_CHOICES:
            raise BillingOptionsError(
                "expenses",
                f"Unknown expense choice {self.expenses!r}; choose one of "
                f"{', '.join(EXPENSE_CHOICES)}.",
            )
        for name in ("excluded_client_ids", "excluded_project_ids", "excluded_entry_ids"):
            ids = getattr(self, name)
            if not isinstance(ids, frozenset) or not all(
                isinstance(item, int) and not isinstance(item, bool) for item in ids
            ):
                raise BillingOptionsError(name, f"{name} must be a set of FreshBooks ids.")
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
    business policy in `defaults`), `unpriced` (one of UNPRICED_CHOICES), `expenses` (one of
    EXPENSE_CHOICES), `max_lines`,
    `excluded_client_ids`, `excluded_project_ids`, `excluded_entry_ids` (lists of ids).
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
        unpriced=_text(raw, "unpriced", UNPRICED_HOLD),
        max_lines=_integer(raw, "max_lines", FRESHBOOKS_MAX_LINES),
        expenses=_text(raw, "expenses", EXPENSES_ALL),
        excluded_client_ids=_ids(raw, "excluded_client_ids"),
        excluded_project_ids=_ids(raw, "excluded_project_ids"),
        excluded_entry_ids=_ids(raw, "excluded_entry_ids"),
    )


def _ids(raw: Mapping[str, Any], key: str) -> frozenset[int]:
    if not _present(raw, key):
        return frozenset()
    value = raw[key]
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise BillingOptionsError(key, f"{key} must be a list of ids, got {value!r}.")
    ids = set()
    for item in value:
        if isinstance(item, bool):
            raise BillingOptionsError(key, f"{key} must hold ids, got {item!r}.")
        if isinstance(item, int):
            ids.add(item)
        elif isinstance(item, str) and item.strip().isdigit():
            ids.add(int(item.strip()))
        else:
            raise BillingOptionsError(key, f"{key} must hold ids, got {item!r}.")
    return frozenset(ids)


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
