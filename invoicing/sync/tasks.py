"""Thin Celery tasks for syncs (queue `sync`): take ids, call a service, own retries."""

from __future__ import annotations

from celery import shared_task

from integration_app.retries import retry_countdown
from invoicing.sync.runs import (
    SyncInterrupted,
    sync_run_execute,
    sync_run_give_up,
    sync_runs_sweep,
    syncs_schedule,
)

SYNC_MAX_RETRIES = 8


@shared_task(name="sync.business_sync", bind=True, max_retries=SYNC_MAX_RETRIES)
def business_sync(self, run_id: int) -> None:
    try:
        sync_run_execute(run_id=run_id)
    except SyncInterrupted as interruption:
        if self.request.retries >= self.max_retries:
            sync_run_give_up(run_id=run_id, reason=str(interruption))
            return
        raise self.retry(
            countdown=retry_countdown(
                self.request.retries,
                factor=5,
                maximum=600,
                retry_after=interruption.retry_after,
            )
        ) from None


@shared_task(name="sync.schedule_syncs")
def schedule_syncs() -> int:
    """Beat: queue the periodic incremental sync of every connected business."""
    return syncs_schedule()


@shared_task(name="sync.sweep_sync_runs")
def sweep_sync_runs() -> int:
    """Beat: re-enqueue sync runs whose task was lost."""
    return sync_runs_sweep()
