"""Sync run life cycle: one pending run per business, idempotent redelivery, sweeping, failures."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from invoicing.models import SyncRun
from invoicing.sync import runs, stages
from invoicing.sync.lock import BusinessSyncLock
from tests.factories import ConnectedBusinessFactory, SyncRunFactory

pytestmark = pytest.mark.django_db


def test_a_first_request_is_a_full_sync_and_later_ones_are_incremental_with_overlap(
    settings, django_capture_on_commit_callbacks
):
    business = ConnectedBusinessFactory()
    with django_capture_on_commit_callbacks(execute=False):
        first = runs.sync_run_request(business=business, trigger="test")
    started = timezone.now() - timedelta(hours=1)
    SyncRun.objects.filter(pk=first.pk).update(status=SyncRun.Status.SUCCEEDED, started_at=started)

    with django_capture_on_commit_callbacks(execute=False):
        second = runs.sync_run_request(business=business, trigger="test")

    assert first.kind == SyncRun.Kind.FULL
    assert second.kind == SyncRun.Kind.INCREMENTAL
    assert second.changes_since == started - timedelta(seconds=settings.SYNC_OVERLAP_SECONDS)


def test_a_finished_run_delivered_again_does_nothing(monkeypatch):
    run = SyncRunFactory(
        business=ConnectedBusinessFactory(), kind="full", status=SyncRun.Status.SUCCEEDED
    )
    monkeypatch.setattr(stages, "run_stages", lambda **kwargs: pytest.fail("ran again"))

    assert runs.sync_run_execute(run_id=run.pk).status == SyncRun.Status.SUCCEEDED


def test_a_run_for_a_removed_business_is_skipped_with_the_reason():
    run = SyncRunFactory(business=ConnectedBusinessFactory(active=False), kind="full")

    run = runs.sync_run_execute(run_id=run.pk)

    assert run.status == SyncRun.Status.SKIPPED
    assert run.error == "The business is no longer connected."


def test_a_run_finding_another_run_of_the_business_holding_the_lock_is_skipped():
    business = ConnectedBusinessFactory()
    other = SyncRunFactory(business=business, kind="full")
    run = SyncRunFactory(business=business, kind="full")
    lock = BusinessSyncLock(business_pk=business.pk, run_pk=other.pk)
    assert lock.acquire()
    try:
        run = runs.sync_run_execute(run_id=run.pk)
    finally:
        lock.release()

    assert run.status == SyncRun.Status.SKIPPED
    assert f"Sync run {other.pk}" in run.error


def test_a_database_hiccup_interrupts_the_run_for_a_retry(monkeypatch):
    business = ConnectedBusinessFactory()
    run = SyncRunFactory(business=business, kind="full")

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(stages, "run_stages", locked)

    with pytest.raises(runs.SyncInterrupted):
        runs.sync_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == SyncRun.Status.QUEUED
    assert "database is locked" in run.error
    assert BusinessSyncLock(business_pk=business.pk, run_pk=run.pk).holder() is None


def test_giving_up_fails_the_run_and_shows_the_error_on_the_business():
    business = ConnectedBusinessFactory()
    run = SyncRunFactory(business=business, kind="full", attempts=8)

    runs.sync_run_give_up(run_id=run.pk, reason="HTTP 503: unavailable")

    run.refresh_from_db()
    business.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert business.sync_state == "error"
    assert "HTTP 503" in business.last_error


def test_the_sweeper_re_enqueues_only_runs_whose_heartbeat_stopped(settings, monkeypatch):
    sent = []
    monkeypatch.setattr(runs, "publish_now", lambda task_name, args: sent.append(args))
    business = ConnectedBusinessFactory()
    stale = SyncRunFactory(
        business=business,
        kind="full",
        status=SyncRun.Status.RUNNING,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.SYNC_STALE_SECONDS + 5),
    )
    SyncRunFactory(business=business, kind="full", status=SyncRun.Status.RUNNING)
    SyncRunFactory(
        business=business,
        kind="full",
        status=SyncRun.Status.SUCCEEDED,
        heartbeat_at=timezone.now() - timedelta(days=1),
    )

    assert runs.sync_runs_sweep() == 1
    assert sent == [(stale.pk,)]


def test_the_schedule_queues_only_businesses_with_freshbooks_access(
    django_capture_on_commit_callbacks,
):
    healthy = ConnectedBusinessFactory()
    ConnectedBusinessFactory(connection__identity__state="reauth_required")
    ConnectedBusinessFactory(active=False)

    with django_capture_on_commit_callbacks(execute=False):
        assert runs.syncs_schedule() == 1

    assert SyncRun.objects.get().business == healthy
