"""Billing periods: inclusive calendar dates in the business's time zone.

An entry belongs to the local day on which it starts (billing.md). FreshBooks' `/me` gives the
business `timezone` (may be absent: then UTC) and `first_day_of_week` (0 = Sunday .. 6 = Saturday).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from invoicing.billing.errors import BillingOptionsError

PRESETS = ("this_month", "last_month", "this_week", "last_week", "custom")
MONDAY_IN_FRESHBOOKS = 1
# A custom period a person enters: no earlier than this, no later than the end of next year.
EARLIEST_CUSTOM_START = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    """Both ends inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        for field_name in ("start", "end"):
            value = getattr(self, field_name)
            if isinstance(value, datetime) or not isinstance(value, date):
                raise BillingOptionsError(field_name, f"The period {field_name} must be a date.")
        if self.end < self.start:
            raise BillingOptionsError(
                "end",
                f"The period ends ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()}).",
            )

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def describe(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def business_zone(tz_name: str | None) -> tzinfo:
    """The business's zone; an absent, malformed or unknown name means UTC."""
    if not tz_name:
        return UTC
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return UTC


def local_date(started_at_utc: datetime, tz_name: str | None) -> date:
    """The business-local calendar day on which an instant falls."""
    if started_at_utc.tzinfo is None or started_at_utc.utcoffset() is None:
        raise ValueError("started_at must be timezone-aware (UTC)")
    return started_at_utc.astimezone(business_zone(tz_name)).date()


def today_in_zone(now_utc: datetime, tz_name: str | None) -> date:
    """ "Today" for the business, which is what the presets are computed from."""
    return local_date(now_utc, tz_name)


def period_bounds_utc(period: Period, tz_name: str | None) -> tuple[datetime, datetime]:
    """UTC instants [start, end) covering the period's local days, for querying time entries."""
    zone = business_zone(tz_name)
    start_local = datetime.combine(period.start, time.min, tzinfo=zone)
    try:
        end_local = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    except OverflowError:  # the period ends on the last day a date can hold
        end_local = datetime.max.replace(tzinfo=zone)
    return _to_utc(start_local), _to_utc(end_local)


def _to_utc(moment: datetime) -> datetime:
    """The instant in UTC; the first and last days a date can hold clamp instead of overflowing."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        limit = datetime.min if moment.year == 1 else datetime.max
        return limit.replace(tzinfo=UTC)


def custom_period_check(period: Period, *, today: date, max_months: int) -> Period:
    """Refuse a custom period a person entered that no invoice run can mean.

    It may not start before 2000, end after next year, or span more than `max_months`.
    """
    if period.start < EARLIEST_CUSTOM_START:
        raise BillingOptionsError(
            "start", f"Choose a start date in {EARLIEST_CUSTOM_START.year} or later."
        )
    latest_end = date(today.year + 1, 12, 31)
    if period.end > latest_end:
        raise BillingOptionsError("end", f"Choose an end date no later than {latest_end}.")
    months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
    if months > max_months or (months == max_months and period.end.day >= period.start.day):
        raise BillingOptionsError(
            "end", f"A period can span at most {max_months} months; choose a shorter one."
        )
    return period


def this_month(today: date) -> Period:
    return Period(today.replace(day=1), _last_day_of_month(today))


def last_month(today: date) -> Period:
    last_day = today.replace(day=1) - timedelta(days=1)
    return Period(last_day.replace(day=1), last_day)


def this_week(today: date, first_day_of_week: int | None = None) -> Period:
    """The week containing `today`; weeks start on Monday unless FreshBooks says otherwise."""
    start = today - timedelta(days=_days_since_week_start(today, first_day_of_week))
    return Period(start, start + timedelta(days=6))


def last_week(today: date, first_day_of_week: int | None = None) -> Period:
    current = this_week(today, first_day_of_week)
    return Period(current.start - timedelta(days=7), current.start - timedelta(days=1))


def custom(start: date, end: date) -> Period:
    return Period(start, end)


def period_from_preset(
    preset: str,
    *,
    today: date,
    first_day_of_week: int | None = None,
    start: date | None = None,
    end: date | None = None,
    max_custom_months: int | None = None,
) -> Period:
    """Resolve a preset name; `custom` needs `start` and `end`, the others ignore them.

    With `max_custom_months` (a period a person entered), a custom period is also checked by
    `custom_period_check`.
    """
    if preset == "this_month":
        return this_month(today)
    if preset == "last_month":
        return last_month(today)
    if preset == "this_week":
        return this_week(today, first_day_of_week)
    if preset == "last_week":
        return last_week(today, first_day_of_week)
    if preset == "custom":
        if start is None:
            raise BillingOptionsError("start", "A custom period needs a start date.")
        if end is None:
            raise BillingOptionsError("end", "A custom period needs an end date.")
        period = custom(start, end)
        if max_custom_months is not None:
            custom_period_check(period, today=today, max_months=max_custom_months)
        return period
    raise BillingOptionsError(
        "period", f"Unknown period {preset!r}; choose one of {', '.join(PRESETS)}."
    )


def _days_since_week_start(today: date, first_day_of_week: int | None) -> int:
    freshbooks_day = MONDAY_IN_FRESHBOOKS if first_day_of_week is None else first_day_of_week
    if isinstance(freshbooks_day, bool) or freshbooks_day not in range(7):
        raise BillingOptionsError(
            "first_day_of_week",
            "The first day of the week must be 0 (Sunday) to 6 (Saturday); "
            f"got {freshbooks_day!r}.",
        )
    # FreshBooks counts from Sunday = 0, Python's weekday() from Monday = 0.
    week_start_weekday = (freshbooks_day - 1) % 7
    return (today.weekday() - week_start_weekday) % 7


def _last_day_of_month(day: date) -> date:
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_of_next - timedelta(days=1)
