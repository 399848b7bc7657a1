"""Hours from outside FreshBooks are stored all or nothing, once per external id, and stop
changing once billed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from invoicing.hours.checks import HoursInput
from invoicing.hours.services import HoursLocked, HoursRejected, hours_delete, hours_upsert
from invoicing.models import SyncRun, TimeEntry
from invoicing.sync.stages import SyncContext, finalize
from tests.factories import (
    ConnectedBusinessFactory,
    DraftEntryFactory,
    SyncRunFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def hours(external_id="toggl-1", **overrides) -> HoursInput:
    values = {
        "external_id": external_id,
        "client_id": 10,
        "started_at": MONDAY,
        "duration_seconds": 5400,
        "note": "Design review",
    }
    return HoursInput(**{**values, **overrides})


def test_new_hours_are_time_entries_marked_by_source_with_an_id_of_their_own():
    business = ConnectedBusinessFactory()

    stored = hours_upsert(business=business, source="csv", tool="toggl", entries=[hours()])

    [entry] = stored.entries
    entry.refresh_from_db()
    assert stored.added == 1
    assert entry.freshbooks_id == -entry.pk
    assert (entry.source, entry.source_tool, entry.external_id) == ("csv", "toggl", "toggl-1")
    assert entry.source_label == "Toggl Track CSV"
    assert (entry.billable, entry.billed, entry.active, entry.is_logged) == (
        True,
        False,
        True,
        True,
    )


def test_the_same_external_id_again_updates_the_unbilled_entry_instead_of_adding_one():
    business = ConnectedBusinessFactory()
    hours_upsert(business=business, source="api", entries=[hours()])

    again = hours_upsert(business=business, source="api", entries=[hours(duration_seconds=7200)])
    same = hours_upsert(business=business, source="api", entries=[hours(duration_seconds=7200)])

    assert (again.added, again.updated, same.unchanged) == (0, 1, 1)
    entry = TimeEntry.objects.get(business=business, external_id="toggl-1")
    assert entry.duration_seconds == 7200


def test_the_same_external_id_from_another_source_or_business_is_another_entry():
    business, other = ConnectedBusinessFactory(), ConnectedBusinessFactory()
    hours_upsert(business=business, source="api", entries=[hours()])
    hours_upsert(business=business, source="manual", entries=[hours()])
    hours_upsert(business=other, source="api", entries=[hours()])

    assert TimeEntry.objects.filter(external_id="toggl-1").count() == 3


def test_a_billed_entry_or_one_on_an_open_draft_is_refused_and_nothing_else_is_stored():
    business = ConnectedBusinessFactory()
    [entry] = hours_upsert(business=business, source="api", entries=[hours()]).entries
    TimeEntry.objects.filter(pk=entry.pk).update(billed=True)

    with pytest.raises(HoursRejected) as refused:
        hours_upsert(business=business, source="api", entries=[hours("new"), hours()])

    assert refused.value.problems == {
        1: {"external_id": "This entry is already billed, so it can no longer be changed."}
    }
    assert not TimeEntry.objects.filter(external_id="new").exists()

    [reserved] = hours_upsert(business=business, source="api", entries=[hours("r")]).entries
    DraftEntryFactory(time_entry=reserved, draft__run__business=business)
    with pytest.raises(HoursRejected, match="1 entry refused"):
        hours_upsert(business=business, source="api", entries=[hours("r", note="changed")])


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"duration_seconds": 0}, "duration", "more than zero"),
        ({"duration_seconds": -60}, "duration", "more than zero"),
        ({"duration_seconds": 24 * 3600 + 1}, "duration", "at most 24 hours"),
        ({"started_at": timezone.now() + timedelta(hours=2)}, "start", "in the future"),
        ({"started_at": datetime(2026, 5, 4, 9)}, "start", "time zone offset"),
        ({"external_id": " "}, "external_id", "required"),
    ],
)
def test_bad_hours_are_refused_per_field_and_nothing_is_stored(change, field, message):
    business = ConnectedBusinessFactory()

    with pytest.raises(HoursRejected) as refused:
        hours_upsert(business=business, source="api", entries=[hours("good"), hours(**change)])

    assert list(refused.value.problems) == [1]
    assert message in refused.value.problems[1][field]
    assert not TimeEntry.objects.filter(business=business).exists()


def test_one_external_id_twice_in_one_request_is_refused():
    business = ConnectedBusinessFactory()

    with pytest.raises(HoursRejected) as refused:
        hours_upsert(business=business, source="api", entries=[hours("a"), hours("a")])

    assert set(refused.value.problems) == {0, 1}
    assert not TimeEntry.objects.exists()


def test_deleting_keeps_the_row_inactive_and_posting_it_again_brings_it_back():
    business = ConnectedBusinessFactory()
    [entry] = hours_upsert(business=business, source="api", entries=[hours()]).entries

    hours_delete(business=business, entry_id=entry.pk)
    entry.refresh_from_db()
    assert entry.active is False

    hours_upsert(business=business, source="api", entries=[hours()])
    entry.refresh_from_db()
    assert entry.active is True


def test_billed_hours_and_freshbooks_own_entries_cannot_be_deleted_here():
    business = ConnectedBusinessFactory()
    [entry] = hours_upsert(business=business, source="api", entries=[hours()]).entries
    TimeEntry.objects.filter(pk=entry.pk).update(billed=True)
    freshbooks_entry = TimeEntryFactory(business=business)

    with pytest.raises(HoursLocked, match="already billed"):
        hours_delete(business=business, entry_id=entry.pk)
    with pytest.raises(TimeEntry.DoesNotExist):
        hours_delete(business=business, entry_id=freshbooks_entry.pk)
    with pytest.raises(TimeEntry.DoesNotExist):
        hours_delete(business=ConnectedBusinessFactory(), entry_id=entry.pk)


def test_a_full_sync_leaves_outside_hours_alone_while_deactivating_unlisted_freshbooks_time():
    business = ConnectedBusinessFactory()
    [outside] = hours_upsert(business=business, source="api", entries=[hours()]).entries
    unlisted = TimeEntryFactory(business=business, active=True)
    run = SyncRunFactory(business=business, kind=SyncRun.Kind.FULL)

    finalize(SyncContext(run=run, business=business, client=None, keep_alive=lambda: None))

    outside.refresh_from_db()
    unlisted.refresh_from_db()
    assert (outside.active, unlisted.active) == (True, False)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_pushes_of_one_external_id_make_one_entry():
    business = ConnectedBusinessFactory()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def push(duration: int) -> None:
        try:
            barrier.wait()
            hours_upsert(
                business=business, source="api", entries=[hours(duration_seconds=duration)]
            )
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=push, args=(seconds,)) for seconds in (3600, 7200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert TimeEntry.objects.filter(business=business, external_id="toggl-1").count() == 1
