"""Thin Celery tasks for draft invoices (queue `invoicing`): take ids, call a service, retry."""

from __future__ import annotations

import random

from celery import shared_task

from invoicing.services.drafts import (
    DraftRetryLater,
    draft_advance,
    draft_give_up,
    drafts_sweep,
)
from invoicing.services.schedules import schedules_fire_due

DRAFT_MAX_RETRIES = 10


def _retry_countdown(retries: int, retry_after: float | None) -> float:
    backoff = min(300.0, 2.0 * 2**retries) * random.uniform(0.5, 1.0)  # noqa: S311 - jitter
    return max(backoff, retry_after or 0.0)


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
            countdown=_retry_countdown(self.request.retries, interruption.retry_after)
        ) from None


@shared_task(name="invoicing.sweep_drafts")
def sweep_drafts() -> int:
    """Beat: resume drafts stuck in planned, submitting, created or marking_billed."""
    return drafts_sweep()


@shared_task(name="invoicing.fire_due_schedules")
def fire_due_schedules() -> int:
    """Beat: fire each business's invoice schedule once per period."""
    return schedules_fire_due()
