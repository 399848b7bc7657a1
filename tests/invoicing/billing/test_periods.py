from datetime import UTC, date, datetime

import pytest

from invoicing.billing import BillingOptionsError, Period, period_bounds_utc, period_from_preset
from invoicing.billing.periods import (
    last_month,
    last_week,
    local_date,
    this_month,
    this_week,
    today_in_zone,
)

from .builders import local

SUNDAY, MONDAY, SATURDAY = 0, 1, 6


def test_an_entry_late_on_the_last_day_in_new_york_belongs_to_that_month():
    started_at = local("2024-05-31", "23:30", "America/New_York")
    assert started_at.date() == date(2024, 6, 1)  # already June in UTC
    assert local_date(started_at, "America/New_York") == date(2024, 5, 31)
    may = this_month(date(2024, 5, 15))
    start_utc, end_utc = period_bounds_utc(may, "America/New_York")
    assert start_utc <= started_at < end_utc


def test_an_entry_early_on_the_first_day_in_tokyo_belongs_to_the_next_month():
    started_at = local("2024-06-01", "00:30", "Asia/Tokyo")
    assert started_at.date() == date(2024, 5, 31)  # still May in UTC
    assert local_date(started_at, "Asia/Tokyo") == date(2024, 6, 1)
    start_utc, end_utc = period_bounds_utc(this_month(date(2024, 5, 15)), "Asia/Tokyo")
    assert not start_utc <= started_at < end_utc


def test_period_bounds_are_local_midnights_in_utc_across_daylight_saving():
    march = Period(date(2024, 3, 1), date(2024, 3, 31))
    start_utc, end_utc = period_bounds_utc(march, "America/New_York")
    assert start_utc == datetime(2024, 3, 1, 5, 0, tzinfo=UTC)  # EST, UTC-5
    assert end_utc == datetime(2024, 4, 1, 4, 0, tzinfo=UTC)  # EDT, UTC-4


@pytest.mark.parametrize("zone", [None, "", "Mars/Olympus_Mons", "../../etc/passwd"])
def test_an_absent_or_unknown_time_zone_means_utc(zone):
    started_at = datetime(2024, 5, 31, 23, 30, tzinfo=UTC)
    assert local_date(started_at, zone) == date(2024, 5, 31)
    start_utc, end_utc = period_bounds_utc(Period(date(2024, 5, 1), date(2024, 5, 31)), zone)
    assert (start_utc, end_utc) == (
        datetime(2024, 5, 1, tzinfo=UTC),
        datetime(2024, 6, 1, tzinfo=UTC),
    )


def test_local_date_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2024, 5, 1, 12, 0), "UTC")


def test_today_is_taken_in_the_business_zone():
    now = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)
    assert today_in_zone(now, "America/Los_Angeles") == date(2024, 5, 31)
    assert today_in_zone(now, "Asia/Tokyo") == date(2024, 6, 1)


def test_month_presets():
    assert this_month(date(2024, 2, 14)) == Period(date(2024, 2, 1), date(2024, 2, 29))
    assert last_month(date(2024, 3, 31)) == Period(date(2024, 2, 1), date(2024, 2, 29))
    assert last_month(date(2024, 1, 1)) == Period(date(2023, 12, 1), date(2023, 12, 31))
    assert this_month(date(2024, 12, 31)) == Period(date(2024, 12, 1), date(2024, 12, 31))


def test_weeks_start_on_monday_by_default():
    wednesday = date(2024, 5, 15)
    assert this_week(wednesday) == Period(date(2024, 5, 13), date(2024, 5, 19))
    assert last_week(wednesday) == Period(date(2024, 5, 6), date(2024, 5, 12))
    assert this_week(wednesday, MONDAY) == this_week(wednesday)


def test_weeks_follow_freshbooks_first_day_of_week_sunday():
    wednesday = date(2024, 5, 15)
    assert this_week(wednesday, SUNDAY) == Period(date(2024, 5, 12), date(2024, 5, 18))
    assert last_week(wednesday, SUNDAY) == Period(date(2024, 5, 5), date(2024, 5, 11))
    sunday = date(2024, 5, 12)
    assert this_week(sunday, SUNDAY).start == sunday
    assert this_week(sunday).start == date(2024, 5, 6)  # a Monday week: Sunday is its last day


def test_weeks_follow_freshbooks_first_day_of_week_saturday():
    friday = date(2024, 5, 17)
    assert this_week(friday, SATURDAY) == Period(date(2024, 5, 11), date(2024, 5, 17))
    assert last_week(friday, SATURDAY) == Period(date(2024, 5, 4), date(2024, 5, 10))
    saturday = date(2024, 5, 18)
    assert this_week(saturday, SATURDAY).start == saturday


@pytest.mark.parametrize("first_day", [7, -1, "1", True])
def test_an_out_of_range_first_day_of_week_is_an_options_error(first_day):
    with pytest.raises(BillingOptionsError) as error:
        this_week(date(2024, 5, 15), first_day)
    assert error.value.field == "first_day_of_week"


def test_a_period_ending_before_it_starts_is_an_options_error():
    with pytest.raises(BillingOptionsError) as error:
        Period(date(2024, 5, 31), date(2024, 5, 1))
    assert error.value.field == "end"


def test_a_one_day_period_is_allowed_and_inclusive():
    day = Period(date(2024, 5, 31), date(2024, 5, 31))
    assert day.contains(date(2024, 5, 31))
    assert not day.contains(date(2024, 6, 1))


def test_period_from_preset_resolves_each_preset():
    today = date(2024, 5, 15)
    assert period_from_preset("this_month", today=today) == this_month(today)
    assert period_from_preset("last_month", today=today) == last_month(today)
    assert period_from_preset("this_week", today=today, first_day_of_week=SUNDAY) == this_week(
        today, SUNDAY
    )
    assert period_from_preset("last_week", today=today) == last_week(today)
    custom = period_from_preset(
        "custom", today=today, start=date(2024, 1, 1), end=date(2024, 3, 31)
    )
    assert custom == Period(date(2024, 1, 1), date(2024, 3, 31))


def test_a_custom_period_needs_both_dates():
    with pytest.raises(BillingOptionsError) as error:
        period_from_preset("custom", today=date(2024, 5, 15), start=date(2024, 5, 1))
    assert error.value.field == "end"


def test_an_unknown_preset_is_an_options_error():
    with pytest.raises(BillingOptionsError) as error:
        period_from_preset("next_decade", today=date(2024, 5, 15))
    assert error.value.field == "period"


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_the_first_and_last_days_a_date_can_hold_give_bounds_instead_of_overflowing(zone):
    start, end = period_bounds_utc(Period(date(1, 1, 1), date(9999, 12, 31)), zone)

    assert start <= datetime(1, 1, 2, tzinfo=UTC)
    assert end >= datetime(9999, 12, 30, tzinfo=UTC)


def test_a_custom_period_a_person_enters_must_start_in_2000_or_later():
    with pytest.raises(BillingOptionsError) as refused:
        period_from_preset(
            "custom",
            today=date(2026, 12, 3),
            start=date(1999, 12, 31),
            end=date(2000, 1, 31),
            max_custom_months=24,
        )
    assert refused.value.field == "start"
    assert "2000 or later" in refused.value.message


def test_a_custom_period_a_person_enters_may_not_end_after_next_year():
    with pytest.raises(BillingOptionsError) as refused:
        period_from_preset(
            "custom",
            today=date(2026, 12, 3),
            start=date(2027, 12, 1),
            end=date(2028, 1, 1),
            max_custom_months=24,
        )
    assert refused.value.field == "end"
    assert "2027-12-31" in refused.value.message


def test_a_custom_period_a_person_enters_spans_at_most_the_configured_months():
    today = date(2026, 12, 3)
    within = period_from_preset(
        "custom", today=today, start=date(2024, 1, 15), end=date(2026, 1, 14), max_custom_months=24
    )
    assert within == Period(date(2024, 1, 15), date(2026, 1, 14))
    with pytest.raises(BillingOptionsError) as refused:
        period_from_preset(
            "custom",
            today=today,
            start=date(2024, 1, 15),
            end=date(2026, 1, 15),
            max_custom_months=24,
        )
    assert refused.value.field == "end"
    assert "24 months" in refused.value.message


def test_far_dates_are_refused_with_a_reason_not_an_overflow():
    with pytest.raises(BillingOptionsError):
        period_from_preset(
            "custom",
            today=date(2026, 12, 3),
            start=date(1, 1, 1),
            end=date(9999, 12, 31),
            max_custom_months=24,
        )
