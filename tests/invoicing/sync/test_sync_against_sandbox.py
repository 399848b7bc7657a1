"""Syncing a business from the running sandbox: exact mirror, minimal calls, resumable."""

import math
import threading
from datetime import UTC, datetime

import pytest
from django.db import connections

from connections.models import ConnectedBusiness
from invoicing.models import Client, Project, Service, SyncRun, TeamMember, TimeEntry
from invoicing.sync.readahead import PAGE_WINDOW
from invoicing.sync.runs import SyncInterrupted, sync_run_execute
from tests.factories import SyncRunFactory
from tests.plugins.freshbooks import connect_sandbox_business

pytestmark = pytest.mark.django_db

TIME_ENTRIES_ROUTE = "GET /timetracking/business/{bid}/time_entries"


def run_sync(business, kind=SyncRun.Kind.FULL, **fields) -> SyncRun:
    run = SyncRunFactory(business=business, kind=kind, **fields)
    return sync_run_execute(run_id=run.pk)


def mirror_state(business):
    return {
        entry.freshbooks_id: (
            entry.duration_seconds,
            entry.billable,
            entry.billed,
            entry.active,
            entry.client_freshbooks_id,
            entry.started_at,
        )
        for entry in TimeEntry.objects.filter(business=business)
    }


def sandbox_state(sandbox, business_id):
    return {
        entry["id"]: (
            entry["duration"] or 0,
            entry["billable"],
            entry["billed"],
            entry["active"],
            entry["client_id"],
            datetime.fromisoformat(entry["started_at"].replace("Z", "+00:00")).astimezone(UTC),
        )
        for entry in sandbox.control.time_entries(business_id)
    }


def call_count(sandbox, route_prefix):
    return sum(
        count for route, count in sandbox.control.calls().items() if route.startswith(route_prefix)
    )


@pytest.fixture
def seeded(use_sandbox):
    # The seed spreads entries over the two businesses it owns: 10,000 gives this one ~5,000.
    return connect_sandbox_business(use_sandbox, time_entries=10000, months=3)


def test_a_full_sync_mirrors_exactly_the_sandboxs_entries(use_sandbox, seeded):
    run = run_sync(seeded.business)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    expected = sandbox_state(use_sandbox, seeded.business_id)
    assert len(expected) >= 5000
    assert mirror_state(seeded.business) == expected
    mirrored = sum(
        model.objects.filter(business=seeded.business).count()
        for model in (TimeEntry, Client, Project, Service, TeamMember)
    )
    assert run.added >= mirrored  # (plus rates) everything is new to a first sync
    assert run.updated == 0
    assert run.skipped == 0
    seeded.business.refresh_from_db()
    assert seeded.business.sync_state == ConnectedBusiness.SyncState.OK
    assert seeded.business.last_synced_at is not None


def test_a_full_sync_reads_each_list_page_once_and_never_entry_by_entry(use_sandbox, seeded):
    use_sandbox.control.reset_calls()

    run = run_sync(seeded.business)

    calls = use_sandbox.control.calls()
    entries = len(use_sandbox.control.time_entries(seeded.business_id))
    assert calls[TIME_ENTRIES_ROUTE] == math.ceil(entries / 100)
    single_gets = [route for route, count in calls.items() if "time_entries/{" in route and count]
    assert single_gets == []
    assert run.api_calls == calls["total"]


def test_an_incremental_sync_converges_after_adds_edits_and_deletes(use_sandbox, seeded):
    run_sync(seeded.business)
    control = use_sandbox.control
    entries = [e for e in control.time_entries(seeded.business_id) if e["active"]]
    client_id = next(e["client_id"] for e in entries if e["client_id"])
    added = control.create_time_entry(
        seeded.business_id,
        started_at="2026-11-02T15:00:00Z",
        duration=5400,
        client_id=client_id,
        billable=True,
        note="Added in FreshBooks",
    )
    control.update_time_entry(seeded.business_id, entries[0]["id"], duration=42, billed=True)
    control.delete_time_entry(seeded.business_id, entries[1]["id"])
    last = SyncRun.objects.get(business=seeded.business)
    control.reset_calls()

    incremental = run_sync(
        seeded.business, kind=SyncRun.Kind.INCREMENTAL, changes_since=last.started_at
    )

    assert incremental.status == SyncRun.Status.SUCCEEDED, incremental.error
    assert mirror_state(seeded.business) == sandbox_state(use_sandbox, seeded.business_id)
    new_entry_id = (added.get("time_entry") or added)["id"]
    assert TimeEntry.objects.get(freshbooks_id=new_entry_id).note == "Added in FreshBooks"
    assert incremental.added >= 1
    assert incremental.deleted >= 1
    # Only the changed entries are read: one page, not the ~50 of a full sync.
    assert control.calls()[TIME_ENTRIES_ROUTE] == 1


@pytest.mark.django_db(transaction=True)
def test_two_syncs_started_together_one_runs_and_no_row_is_duplicated(use_sandbox, seeded):
    use_sandbox.control.add_fault(method="GET", path=".*", kind="latency", latency_ms=5)
    runs = [SyncRunFactory(business=seeded.business, kind=SyncRun.Kind.FULL) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = {}

    def execute(run):
        barrier.wait()
        try:
            outcomes[run.pk] = sync_run_execute(run_id=run.pk).status
        finally:
            connections.close_all()

    threads = [threading.Thread(target=execute, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert sorted(outcomes.values()) == [SyncRun.Status.SKIPPED, SyncRun.Status.SUCCEEDED]
    skipped = SyncRun.objects.get(status=SyncRun.Status.SKIPPED)
    assert "already running" in skipped.error
    assert mirror_state(seeded.business) == sandbox_state(use_sandbox, seeded.business_id)


def test_a_429_storm_is_absorbed_by_the_client_and_the_sync_completes(
    use_sandbox, seeded, settings
):
    use_sandbox.control.add_fault(
        method="GET", path=".*", kind="status", status=429, retry_after=0, every=3
    )

    run = run_sync(seeded.business)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert mirror_state(seeded.business) == sandbox_state(use_sandbox, seeded.business_id)


def test_a_sync_interrupted_by_5xx_resumes_from_its_page_with_the_same_result(
    use_sandbox, seeded, settings
):
    settings.FRESHBOOKS_MAX_ATTEMPTS = 1
    run = SyncRunFactory(business=seeded.business, kind=SyncRun.Kind.FULL)
    use_sandbox.control.add_fault(
        method="GET", path=r".*/time_entries.*", kind="status", status=503, every=20, times=1
    )

    with pytest.raises(SyncInterrupted):
        sync_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.QUEUED
    assert run.progress["stage"] == "time_entries"
    resume_page = run.progress["page"]
    assert resume_page > 1
    use_sandbox.control.reset_calls()

    finished = sync_run_execute(run_id=run.pk)

    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error
    assert finished.attempts == 2
    assert mirror_state(seeded.business) == sandbox_state(use_sandbox, seeded.business_id)
    entries = len(use_sandbox.control.time_entries(seeded.business_id))
    resumed_pages = call_count(use_sandbox, "GET /timetracking/")
    assert resumed_pages == math.ceil(entries / 100) - resume_page + 1


def test_lost_access_stops_the_sync_and_asks_for_reconnect(use_sandbox, seeded):
    use_sandbox.control.rotate_refresh_token(
        identity_id=seeded.identity.identity_id, client_id=use_sandbox.client_id
    )
    use_sandbox.control.expire_tokens()

    run = run_sync(seeded.business)

    assert run.status == SyncRun.Status.FAILED
    assert "Reconnect FreshBooks" in run.error
    seeded.business.refresh_from_db()
    assert seeded.business.sync_state == ConnectedBusiness.SyncState.REAUTH_REQUIRED
    seeded.identity.refresh_from_db()
    assert seeded.identity.state == "reauth_required"


def test_a_page_refused_while_pages_are_read_ahead_fails_the_run_with_its_reason(
    use_sandbox, seeded
):
    use_sandbox.control.add_fault(
        method="GET", path=r".*/time_entries$", kind="status", status=400, every=12, times=1
    )

    run = run_sync(seeded.business)

    assert run.status == SyncRun.Status.FAILED
    assert run.error.startswith("FreshBooks refused the sync:")
    assert run.progress["stage"] == "time_entries"
    # Exactly the pages before the refused one were stored, each once, with the run's counts.
    stored_pages = run.progress["page"] - 1
    # The 12th listing call is refused: with pages read a few at a time, the page it asked for is
    # one of the first 12 + the window's.
    assert 1 <= stored_pages < 12 + PAGE_WINDOW
    entries = TimeEntry.objects.filter(business=seeded.business, seen_by_run_id=run.pk).count()
    assert entries == stored_pages * 100
    assert TimeEntry.objects.filter(business=seeded.business).count() == entries
    stored = SyncRun.objects.get(pk=run.pk)
    assert stored.progress == run.progress
    assert stored.api_calls == stored.pages >= stored_pages


def test_pages_read_ahead_over_a_slow_network_still_cost_one_call_each(use_sandbox, seeded):
    use_sandbox.control.add_fault(method="GET", path=None, kind="latency", latency_ms=20)
    use_sandbox.control.reset_calls()

    run = run_sync(seeded.business)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert mirror_state(seeded.business) == sandbox_state(use_sandbox, seeded.business_id)
    calls = use_sandbox.control.calls()
    entries = len(use_sandbox.control.time_entries(seeded.business_id))
    assert calls[TIME_ENTRIES_ROUTE] == math.ceil(entries / 100)
    assert run.api_calls == calls["total"]
