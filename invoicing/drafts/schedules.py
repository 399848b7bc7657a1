"""Scheduled runs: each business's schedule fires at most once per billing period.

"Once" is enforced by the database: a run row unique per (schedule, period), inserted in the same
transaction as the preview. Two beat processes racing both compute the preview; one insert wins,
the other gets an IntegrityError and walks away.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from connections.models import ConnectedBusiness, FreshBooksIdentity
from invoicing.billing import BillingOptionsError, Period, period_from_preset
from invoicing.drafts.errors import DraftError
from invoicing.drafts.plan import invoice_run_create, invoice_run_preview
from invoicing.models import InvoiceRun, InvoiceSchedule
from invoicing.notices import run_failed_notify, run_ready_notify
from invoicing.selectors import billing_context as billing_inputs

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Occurrence:
    fire_date: date
    period: Period

    @property
    def key(self) -> str:
        return f"{self.period.start.isoformat()}..{self.period.end.isoformat()}"


def latest_fire_date(schedule: InvoiceSchedule, today: date) -> date | None:
    """The most recent day on or before `today` on which the schedule fires."""
    if schedule.frequency == InvoiceSchedule.Frequency.WEEKLY:
        return today - timedelta(days=(today.weekday() - schedule.weekday) % 7)
    if schedule.frequency == InvoiceSchedule.Frequency.MONTHLY:
        if today.day >= schedule.day_of_month:
            return today.replace(day=schedule.day_of_month)
        last_month = today.replace(day=1) - timedelta(days=1)
        return last_month.replace(day=schedule.day_of_month)
    return None


def schedule_occurrence(schedule: InvoiceSchedule, *, now: datetime) -> Occurrence | None:
    """The occurrence due now, or None. Occurrences from before the schedule existed never fire."""
    business = schedule.business
    today = billing_inputs.business_today(business, now)
    fire_date = latest_fire_date(schedule, today)
    if fire_date is None:
        return None
    if fire_date < billing_inputs.business_today(business, schedule.created_at):
        return None
    period = period_from_preset(
        schedule.period,
        today=fire_date,
        first_day_of_week=billing_inputs.first_day_of_week(business),
    )
    return Occurrence(fire_date=fire_date, period=period)


def schedules_fire_due(*, now: datetime | None = None) -> int:
    """Beat: fire every due schedule once for its period; returns how many fired."""
    now = now or timezone.now()
    schedules = (
        InvoiceSchedule.objects.exclude(frequency=InvoiceSchedule.Frequency.OFF)
        .filter(
            business__active=True,
            business__connection__disconnected_at__isnull=True,
            business__connection__identity__state=FreshBooksIdentity.State.ACTIVE,
        )
        .select_related("business__connection__identity")
        .order_by("pk")
    )
    fired = 0
    for schedule in schedules:
        occurrence = schedule_occurrence(schedule, now=now)
        if occurrence is None:
            continue
        if InvoiceRun.objects.filter(schedule=schedule, schedule_period=occurrence.key).exists():
            continue
        if schedule_fire(schedule=schedule, occurrence=occurrence) is not None:
            fired += 1
    return fired


def schedule_fire(*, schedule: InvoiceSchedule, occurrence: Occurrence) -> InvoiceRun | None:
    """Create the occurrence's run (None if another process already did), then its drafts."""
    business = schedule.business
    raw_options = {
        **schedule.options(),
        "period": "custom",
        "start": occurrence.period.start,
        "end": occurrence.period.end,
    }
    try:
        with transaction.atomic():
            run = invoice_run_preview(
                business=business,
                raw_options=raw_options,
                trigger=InvoiceRun.Trigger.SCHEDULE,
                today=occurrence.fire_date,
                schedule=schedule,
                schedule_period=occurrence.key,
            )
    except IntegrityError:
        logger.info("schedule %s already fired for %s", schedule.pk, occurrence.key)
        return None
    except BillingOptionsError as error:
        return _failed_run(schedule, occurrence, f"The schedule's options are invalid: {error}")
    if schedule.action == InvoiceSchedule.Action.CREATE:
        try:
            # Nobody saw this preview, made from fresh data a moment ago: create it as it is.
            run = invoice_run_create(run_id=run.pk, confirm_changes=False, refresh=False)
        except DraftError as error:
            with transaction.atomic():
                InvoiceRun.objects.filter(pk=run.pk).update(
                    status=InvoiceRun.Status.FAILED,
                    error=error.message,
                    finished_at=timezone.now(),
                )
                run.refresh_from_db()
                run_failed_notify(run=run)
        else:
            # A collision or nothing to create: no draft task will finish this run and say so.
            if run.status == InvoiceRun.Status.FAILED:
                run_failed_notify(run=run)
            elif run.status == InvoiceRun.Status.COMPLETED:
                run_ready_notify(run=run)
    else:
        run_ready_notify(run=run)
    logger.info("schedule %s fired run %s for %s", schedule.pk, run.pk, occurrence.key)
    return run


def _failed_run(
    schedule: InvoiceSchedule, occurrence: Occurrence, message: str
) -> InvoiceRun | None:
    try:
        with transaction.atomic():
            run = InvoiceRun.objects.create(
                business=schedule.business,
                trigger=InvoiceRun.Trigger.SCHEDULE,
                schedule=schedule,
                schedule_period=occurrence.key,
                status=InvoiceRun.Status.FAILED,
                options=schedule.options(),
                period_start=occurrence.period.start,
                period_end=occurrence.period.end,
                error=message,
                finished_at=timezone.now(),
            )
            run_failed_notify(run=run)
            return run
    except IntegrityError:
        return None


def invoice_schedule_save(
    *, business: ConnectedBusiness, values: Mapping[str, Any]
) -> InvoiceSchedule:
    """Create or update the one schedule of the business with validated form values."""
    with transaction.atomic():
        schedule, _ = InvoiceSchedule.objects.select_for_update().get_or_create(business=business)
        for field, value in values.items():
            setattr(schedule, field, value)
        schedule.save()
    return schedule
