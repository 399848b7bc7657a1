"""Thin Celery tasks for invoicing: take ids, call a service, own retries."""

from __future__ import annotations

import random

from celery import shared_task

from invoicing import invoice_tasks  # noqa: F401 - registers the draft invoice tasks
from invoicing.services.sync.runs import (
    SyncInterrupted,
    sync_run_execute,
    sync_run_give_up,
    sync_runs_sweep,
    syncs_schedule,
)

SYNC_MAX_RETRIES = 8


def _retry_countdown(retries: int, retry_after: float | None) -> float:
    backoff = min(600.0, 5.0 * 2**retries) * random.uniform(0.5, 1.0)  # noqa: S311 - jitter
    return max(backoff, retry_after or 0.0)


@shared_task(name="sync.business_sync", bind=True, max_retries=SYNC_MAX_RETRIES)
def business_sync(self, run_id: int) -> None:
    try:
        sync_run_execute(run_id=run_id)
    except SyncInterrupted as interruption:
        if self.request.retries >= self.max_retries:
            sync_run_give_up(run_id=run_id, reason=str(interruption))
            return
        raise self.retry(
            countdown=_retry_countdown(self.request.retries, interruption.retry_after)
        ) from None


@shared_task(name="sync.schedule_syncs")
def schedule_syncs() -> int:
    """Beat: queue the periodic incremental sync of every connected business."""
    return syncs_schedule()


@shared_task(name="sync.sweep_sync_runs")
def sweep_sync_runs() -> int:
    """Beat: re-enqueue sync runs whose task was lost."""
    return sync_runs_sweep()
