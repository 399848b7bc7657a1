"""Thin Celery tasks for draft invoices (queue `invoicing`): take ids, call a service, retry."""

from __future__ import annotations

from celery import shared_task

from integration_app.retries import retry_countdown
from invoicing.drafts import (
    DraftRetryLater,
    draft_advance,
    draft_give_up,
    drafts_sweep,
)
from invoicing.drafts.schedules import schedules_fire_due

DRAFT_MAX_RETRIES = 10


@shared_task(name="invoicing.advance_draft", bind=True, max_retries=DRAFT_MAX_RETRIES)
def advance_draft(self, draft_id: int) -> None:
    """One draft: submit (after reconciling), mark its time billed, finish."""
    try:
        draft_advance(draft_id=draft_id)
    except DraftRetryLater as interruption:
        if self.request.retries >= self.max_retries:
            draft_give_up(draft_id=draft_id, reason=interruption.message)
            return
        raise self.retry(
            countdown=retry_countdown(
                self.request.retries,
                factor=2,
                maximum=300,
                retry_after=interruption.retry_after,
            )
        ) from None


@shared_task(name="invoicing.sweep_drafts")
def sweep_drafts() -> int:
    """Beat: resume drafts stuck in planned, submitting, created or marking_billed."""
    return drafts_sweep()


@shared_task(name="invoicing.fire_due_schedules")
def fire_due_schedules() -> int:
    """Beat: fire each business's invoice schedule once per period."""
    return schedules_fire_due()
