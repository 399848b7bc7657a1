"""Schedules fire once per period, whatever the number of beat processes."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connections

from invoicing.drafts.schedules import latest_fire_date, schedules_fire_due
from invoicing.models import InvoiceRun, InvoiceSchedule
from tests.factories import InvoiceScheduleFactory

CREATED = datetime(2024, 4, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def business(one_entry_business):
    return one_entry_business


def make_schedule(business, created_at=CREATED, **fields) -> InvoiceSchedule:
    schedule = InvoiceScheduleFactory(
        business=business,
        frequency="monthly",
        day_of_month=1,
        period="last_month",
        **fields,
    )
    InvoiceSchedule.objects.filter(pk=schedule.pk).update(created_at=created_at)
    schedule.refresh_from_db()
    return schedule


@pytest.mark.parametrize(
    ("frequency", "today", "expected"),
    [
        ("weekly", date(2024, 5, 8), date(2024, 5, 6)),  # Wednesday -> Monday before
        ("weekly", date(2024, 5, 6), date(2024, 5, 6)),  # the day itself
        ("monthly", date(2024, 5, 20), date(2024, 5, 15)),
        ("monthly", date(2024, 5, 3), date(2024, 4, 15)),  # not yet this month
        ("off", date(2024, 5, 3), None),
    ],
)
def test_the_latest_fire_date_is_the_last_scheduled_day_on_or_before_today(
    frequency, today, expected
):
    schedule = InvoiceSchedule(frequency=frequency, weekday=0, day_of_month=15)

    assert latest_fire_date(schedule, today) == expected


@pytest.mark.django_db
def test_a_monthly_schedule_prepares_last_months_preview_once(business):
    schedule = make_schedule(business)
    may_2 = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)

    assert schedules_fire_due(now=may_2) == 1
    assert schedules_fire_due(now=may_2 + timedelta(hours=1)) == 0

    run = InvoiceRun.objects.get()
    assert (run.schedule, run.trigger, run.status) == (schedule, "schedule", "previewed")
    assert (run.period_start, run.period_end) == (date(2024, 4, 1), date(2024, 4, 30))
    assert run.preview["totals_by_currency"] == {"USD": "100.00"}


@pytest.mark.django_db
def test_the_next_period_fires_again(business):
    make_schedule(business)

    schedules_fire_due(now=datetime(2024, 5, 2, tzinfo=UTC))
    fired_in_june = schedules_fire_due(now=datetime(2024, 6, 1, 1, tzinfo=UTC))

    assert fired_in_june == 1
    assert list(
        InvoiceRun.objects.order_by("period_start").values_list("schedule_period", flat=True)
    ) == [
        "2024-04-01..2024-04-30",
        "2024-05-01..2024-05-31",
    ]


@pytest.mark.django_db
def test_a_schedule_does_not_fire_for_days_before_it_existed(business):
    make_schedule(business, created_at=datetime(2024, 4, 5, tzinfo=UTC))

    assert schedules_fire_due(now=datetime(2024, 4, 20, tzinfo=UTC)) == 0  # April 1 was before
    assert schedules_fire_due(now=datetime(2024, 5, 1, tzinfo=UTC)) == 1


@pytest.mark.django_db
def test_a_create_schedule_creates_the_drafts_and_enqueues_them(
    business, django_capture_on_commit_callbacks
):
    make_schedule(business, action="create")

    with django_capture_on_commit_callbacks() as enqueued:
        schedules_fire_due(now=datetime(2024, 5, 2, tzinfo=UTC))

    run = InvoiceRun.objects.get()
    assert run.status == InvoiceRun.Status.CREATING
    assert run.drafts.get().total == Decimal("100.00")
    assert len(enqueued) == 1


@pytest.mark.django_db
def test_a_business_that_must_reconnect_waits_and_catches_up_after(business):
    make_schedule(business)
    identity = business.connection.identity
    identity.state = "reauth_required"
    identity.save()

    assert schedules_fire_due(now=datetime(2024, 5, 2, tzinfo=UTC)) == 0
    identity.state = "active"
    identity.save()
    assert schedules_fire_due(now=datetime(2024, 5, 3, tzinfo=UTC)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_firing_together_make_one_run(business):
    make_schedule(business)
    barrier = threading.Barrier(4)
    fired: list[int] = []

    def beat():
        barrier.wait()
        try:
            fired.append(schedules_fire_due(now=datetime(2024, 5, 2, tzinfo=UTC)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beat) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(fired) == [0, 0, 0, 1]
    assert InvoiceRun.objects.count() == 1
