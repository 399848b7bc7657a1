"""A sync stores each listed page and the run's progress together, in one statement."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connections.freshbooks import Page
from invoicing.models import SyncRun, TimeEntry
from invoicing.sync import mappers
from invoicing.sync.context import SyncContext
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db


def entry_body(entry_id: int, **changes) -> dict:
    return {
        "id": entry_id,
        "started_at": "2026-11-02T09:00:00Z",
        "duration": 3600,
        "billable": True,
        "active": True,
        **changes,
    }


def store(context: SyncContext, bodies: list[dict], page_number: int) -> None:
    context.store_page(
        stage="time_entries",
        page=Page(items=bodies, page=page_number, pages=3, total=300, per_page=100),
        model=TimeEntry,
        columns=mappers.time_entry_columns,
        key="freshbooks_id",
        object_name="time_entry",
    )


def test_a_page_and_the_runs_counts_and_resume_point_take_one_statement():
    business = ConnectedBusinessFactory()
    run = SyncRun.objects.create(business=business, kind=SyncRun.Kind.FULL)
    context = SyncContext(run=run, business=business, client=None, keep_alive=lambda: None)
    store(context, [entry_body(1), entry_body(2)], 1)

    with CaptureQueriesContext(connection) as queries:
        store(context, [entry_body(2, active=False), entry_body(3), {"id": 4}], 2)

    assert len(queries) == 1
    stored = SyncRun.objects.get(pk=run.pk)
    counts = ("added", "updated", "deleted", "skipped", "pages", "api_calls")
    assert [getattr(stored, name) for name in counts] == [3, 0, 1, 1, 2, 2]
    assert [getattr(run, name) for name in counts] == [3, 0, 1, 1, 2, 2]
    assert stored.progress == {"stage": "time_entries", "page": 3}
    assert stored.skip_reasons == [{"object": "time_entry", "id": 4, "reason": "no started_at"}]
    assert set(
        TimeEntry.objects.filter(seen_by_run_id=run.pk).values_list("freshbooks_id", flat=True)
    ) == {1, 2, 3}
    assert not TimeEntry.objects.get(business=business, freshbooks_id=2).active


def test_a_page_with_nothing_usable_still_moves_the_resume_point():
    business = ConnectedBusinessFactory()
    run = SyncRun.objects.create(business=business, kind=SyncRun.Kind.FULL)
    context = SyncContext(run=run, business=business, client=None, keep_alive=lambda: None)

    store(context, [{"id": 9}], 1)

    stored = SyncRun.objects.get(pk=run.pk)
    assert (stored.skipped, stored.pages, stored.progress) == (
        1,
        1,
        {"stage": "time_entries", "page": 2},
    )
