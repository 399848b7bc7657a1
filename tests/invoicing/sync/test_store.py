"""Storing FreshBooks objects in the mirror: what a page upsert and a full sync's last step do."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from invoicing.models import Client, SyncRun, TimeEntry
from invoicing.sync import mappers
from invoicing.sync.store import mirror_deactivate_unseen, mirror_upsert
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db


def entry_body(entry_id: int, note: str = "work") -> dict:
    return {
        "id": entry_id,
        "client_id": 10,
        "started_at": "2026-11-02T09:00:00Z",
        "duration": 3600,
        "billable": True,
        "billed": False,
        "is_logged": True,
        "active": True,
        "note": note,
    }


def upsert_entries(business, bodies, *, run_id):
    return mirror_upsert(
        model=TimeEntry,
        business=business,
        run_id=run_id,
        raws=bodies,
        columns=mappers.time_entry_columns,
        object_name="time_entry",
    )


def test_an_entry_a_webhook_refreshed_during_a_full_sync_is_never_deactivated():
    business = ConnectedBusinessFactory()
    listing_started = timezone.now() - timedelta(minutes=5)
    TimeEntry.objects.filter(business=business).delete()
    # Before the full sync: three entries in the mirror.
    upsert_entries(business, [entry_body(1), entry_body(2), entry_body(3)], run_id=None)
    TimeEntry.objects.filter(business=business).update(synced_at=listing_started - timedelta(1))
    run = SyncRun.objects.create(business=business, kind="full", started_at=listing_started)
    # The listing reaches entry 1 and entry 2 ...
    upsert_entries(business, [entry_body(1), entry_body(2)], run_id=run.pk)
    # ... then a webhook refreshes entry 2 (edited) and entry 3 (the listing had passed its page
    # before it moved there in FreshBooks' order).
    upsert_entries(business, [entry_body(2, "edited"), entry_body(3, "edited")], run_id=None)

    deactivated = mirror_deactivate_unseen(
        model=TimeEntry, business=business, run_id=run.pk, listed_since=listing_started
    )

    assert deactivated == 0
    entries = TimeEntry.objects.filter(business=business).order_by("freshbooks_id")
    assert [(entry.freshbooks_id, entry.active) for entry in entries] == [
        (1, True),
        (2, True),
        (3, True),
    ]
    assert entries.get(freshbooks_id=2).seen_by_run_id == run.pk
    assert entries.get(freshbooks_id=2).note == "edited"


def test_an_entry_neither_listed_nor_refreshed_during_the_sync_is_deactivated():
    business = ConnectedBusinessFactory()
    listing_started = timezone.now()
    upsert_entries(business, [entry_body(1), entry_body(2)], run_id=None)
    TimeEntry.objects.filter(business=business).update(synced_at=listing_started - timedelta(1))
    run = SyncRun.objects.create(business=business, kind="full", started_at=listing_started)
    upsert_entries(business, [entry_body(1)], run_id=run.pk)

    deactivated = mirror_deactivate_unseen(
        model=TimeEntry, business=business, run_id=run.pk, listed_since=listing_started
    )

    assert deactivated == 1
    assert not TimeEntry.objects.get(business=business, freshbooks_id=2).active


def test_nul_bytes_in_freshbooks_text_are_stored_as_a_visible_replacement():
    business = ConnectedBusinessFactory()
    client_body = {"id": 10, "organization": "Acme\x00 Corp", "vis_state": 0, "note": "a\x00b"}

    outcome = mirror_upsert(
        model=Client,
        business=business,
        run_id=None,
        raws=[client_body],
        columns=mappers.client_columns,
        object_name="client",
    )
    upsert_entries(business, [entry_body(7, "first\x00second")], run_id=None)

    assert outcome.added == 1
    client = Client.objects.get(business=business, freshbooks_id=10)
    assert client.display_name == "Acme\ufffd Corp"
    assert client.raw["note"] == "a\ufffdb"
    entry = TimeEntry.objects.get(business=business, freshbooks_id=7)
    assert entry.note == "first\ufffdsecond"
    assert entry.raw["note"] == "first\ufffdsecond"


def test_bidirectional_controls_never_reach_the_indexed_text():
    business = ConnectedBusinessFactory()
    upsert_entries(business, [entry_body(8, "invoice \u202egnp.exe")], run_id=None)

    entry = TimeEntry.objects.get(business=business, freshbooks_id=8)
    assert entry.note == "invoice gnp.exe"
    assert entry.raw["note"] == "invoice \u202egnp.exe"  # kept as FreshBooks sent it
    assert entry.started_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_a_page_is_written_in_id_order_so_two_overlapping_upserts_cannot_deadlock():
    """PostgreSQL locks rows in the order a statement gives them: a sync's page and a preview's
    fresh read of the same entries, listed in other orders, deadlocked (the several-hosts drill)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    business = ConnectedBusinessFactory()
    listed = [9, 3, 5]  # FreshBooks lists by start time, not by id

    with CaptureQueriesContext(connection) as queries:
        upsert_entries(
            business, [entry_body(entry_id, f"entry-{entry_id}") for entry_id in listed], run_id=1
        )

    (insert,) = [query["sql"] for query in queries if query["sql"].startswith("INSERT")]
    positions = [insert.index(f"entry-{entry_id}") for entry_id in (3, 5, 9)]
    assert positions == sorted(positions)
