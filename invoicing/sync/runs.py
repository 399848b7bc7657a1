"""Sync runs: request one, execute it stage by stage, resume it after a failure.

A run walks FreshBooks lists page by page; each page is upserted and the run's progress saved in
one transaction, so a retried run (after a 429 storm, a 5xx or a killed worker) resumes from the
page it reached and the final state is the same as an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, OperationalError, transaction
from django.utils import timezone

from connections.freshbooks import (
    FreshBooksError,
    RateLimited,
    ServerError,
    TransportError,
)
from connections.models import ConnectedBusiness, FreshBooksIdentity
from connections.services.freshbooks_api import api_client_for
from connections.services.tokens import ReauthorizationRequired
from integration_app.enqueue import SYNC_BUSINESS, enqueue_on_commit, publish_now
from invoicing.models import SyncRun
from invoicing.notices import sync_failed_notify
from invoicing.sync import stages
from invoicing.sync.lock import BusinessSyncLock
from invoicing.tax_defaults import demo_tax_default_apply

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (RateLimited, ServerError, TransportError)
PENDING = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)
FINISHED = (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED, SyncRun.Status.SKIPPED)


class SyncInterrupted(Exception):
    """A transient failure: the run keeps its progress and should be retried later."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def sync_run_request(*, business: ConnectedBusiness, trigger: str, full: bool = False) -> SyncRun:
    """Queue a sync unless one is already queued or running for the business (returns that one)."""
    with transaction.atomic():
        ConnectedBusiness.objects.select_for_update().get(pk=business.pk)
        pending = SyncRun.objects.filter(business=business, status__in=PENDING).first()
        if pending is not None:
            return pending
        last_success = (
            SyncRun.objects.filter(business=business, status=SyncRun.Status.SUCCEEDED)
            .order_by("-started_at")
            .first()
        )
        # Incremental from the start of the last success (every run is started before it
        # succeeds); without one to count from, the sync is full.
        changes_since = None
        if not full and last_success is not None and last_success.started_at is not None:
            overlap = timedelta(seconds=settings.SYNC_OVERLAP_SECONDS)
            changes_since = last_success.started_at - overlap
        run = SyncRun.objects.create(
            business=business,
            kind=SyncRun.Kind.FULL if changes_since is None else SyncRun.Kind.INCREMENTAL,
            trigger=trigger,
            changes_since=changes_since,
        )
        enqueue_on_commit(SYNC_BUSINESS, run.pk)
    return run


def sync_start_for_new_business(business_pk: int) -> None:
    """A newly connected business gets a full sync (a business hook, inside the connect)."""
    business = ConnectedBusiness.objects.get(pk=business_pk)
    sync_run_request(business=business, trigger="connect", full=True)


def sync_start_after_reconnect(business_pk: int) -> None:
    """A business paused by lost access catches up once reconnected (a business hook)."""
    business = ConnectedBusiness.objects.get(pk=business_pk)
    sync_run_request(business=business, trigger="reconnect")


def sync_run_execute(*, run_id: int) -> SyncRun:
    """Run (or resume) one sync. Raises SyncInterrupted when it should be retried later."""
    run = SyncRun.objects.select_related("business__connection__identity").get(pk=run_id)
    if run.status in FINISHED:
        return run  # a redelivered task for a run that already ended
    business = run.business
    if not business.active or business.connection.disconnected_at is not None:
        _finish(run, SyncRun.Status.SKIPPED, error="The business is no longer connected.")
        return run
    lock = BusinessSyncLock(business_pk=business.pk, run_pk=run.pk)
    if not lock.acquire():
        _finish(
            run,
            SyncRun.Status.SKIPPED,
            error=f"Sync run {lock.holder()} of this business was already running.",
        )
        return run
    try:
        _start(run)
        with api_client_for(business.connection.identity) as client:
            stages.run_stages(run=run, business=business, client=client, keep_alive=lock.extend)
        _succeed(run)
    except ReauthorizationRequired:
        _reauth_required(run)
    except TRANSIENT_ERRORS as error:
        _interrupted(run, error)
        raise SyncInterrupted(str(error), retry_after=getattr(error, "retry_after", None)) from None
    except FreshBooksError as error:
        _fail(run, f"FreshBooks refused the sync: {error}")
    except OperationalError as error:
        # The database itself hiccuped (a lost connection, a lock time-out): resume later.
        with contextlib.suppress(DatabaseError):
            _interrupted(run, error)
        raise SyncInterrupted(f"database unavailable: {error}") from None
    finally:
        lock.release()
    return run


def sync_run_give_up(*, run_id: int, reason: str) -> None:
    """Retries are exhausted: the run fails and the business shows the error."""
    run = SyncRun.objects.select_related("business").get(pk=run_id)
    if run.status not in FINISHED:
        _fail(run, f"Gave up after {run.attempts} attempts: {reason}")


def _start(run: SyncRun) -> None:
    now = timezone.now()
    run.status = SyncRun.Status.RUNNING
    run.started_at = run.started_at or now
    run.heartbeat_at = now
    run.attempts += 1
    run.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
    ConnectedBusiness.objects.filter(pk=run.business_id).update(
        sync_state=ConnectedBusiness.SyncState.RUNNING, updated_at=now
    )


def _finish(run: SyncRun, status: str, *, error: str = "") -> None:
    run.status = status
    run.error = error[:4000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])


def _succeed(run: SyncRun) -> None:
    _finish(run, SyncRun.Status.SUCCEEDED)
    ConnectedBusiness.objects.filter(pk=run.business_id).update(
        sync_state=ConnectedBusiness.SyncState.OK,
        last_synced_at=run.finished_at,
        last_error="",
        updated_at=run.finished_at,
    )
    demo_tax_default_apply(business=run.business)
    logger.info(
        "sync run %s of business %s: +%s ~%s -%s, %s skipped, %s pages",
        run.pk,
        run.business_id,
        run.added,
        run.updated,
        run.deleted,
        run.skipped,
        run.pages,
    )


def _fail(run: SyncRun, message: str) -> None:
    """A failure retrying will not cure: the business shows it and its owner gets an email."""
    with transaction.atomic():
        _finish(run, SyncRun.Status.FAILED, error=message)
        ConnectedBusiness.objects.filter(pk=run.business_id).update(
            sync_state=ConnectedBusiness.SyncState.ERROR,
            last_error=message[:2000],
            updated_at=timezone.now(),
        )
        sync_failed_notify(run=run)


def _interrupted(run: SyncRun, error: Exception) -> None:
    run.status = SyncRun.Status.QUEUED
    run.error = f"Interrupted, will resume: {error}"[:4000]
    run.heartbeat_at = timezone.now()
    run.save(update_fields=["status", "error", "heartbeat_at"])
    ConnectedBusiness.objects.filter(pk=run.business_id).update(
        last_error=f"Sync interrupted, retrying: {error}"[:2000], updated_at=timezone.now()
    )


def _reauth_required(run: SyncRun) -> None:
    message = "FreshBooks access was lost. Reconnect FreshBooks to resume syncing."
    _finish(run, SyncRun.Status.FAILED, error=message)
    identity = run.business.connection.identity
    ConnectedBusiness.objects.filter(connection__identity=identity, active=True).update(
        sync_state=ConnectedBusiness.SyncState.REAUTH_REQUIRED,
        last_error=message,
        updated_at=timezone.now(),
    )


def businesses_due_for_sync():
    """Active businesses whose identity still has FreshBooks access."""
    return ConnectedBusiness.objects.filter(
        active=True,
        connection__disconnected_at__isnull=True,
        connection__identity__state=FreshBooksIdentity.State.ACTIVE,
    ).select_related("connection__identity")


def syncs_schedule() -> int:
    """Beat: queue an incremental sync of every connected business (or a full one if never)."""
    queued = 0
    for business in businesses_due_for_sync():
        sync_run_request(business=business, trigger="schedule")
        queued += 1
    return queued


def sync_runs_sweep() -> int:
    """Beat: re-enqueue runs whose task was lost (broker down, worker killed mid-run)."""
    stale_before = timezone.now() - timedelta(seconds=settings.SYNC_STALE_SECONDS)
    run_ids = list(
        SyncRun.objects.filter(status__in=PENDING, heartbeat_at__lt=stale_before).values_list(
            "pk", flat=True
        )
    )
    for run_id in run_ids:
        publish_now(SYNC_BUSINESS, (run_id,))
    return len(run_ids)
