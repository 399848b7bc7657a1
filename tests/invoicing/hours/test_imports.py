"""Confirmed imports: big files in a task with progress, resumable after a killed worker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from invoicing.hours import imports
from invoicing.hours.imports import (
    hours_import_confirm,
    hours_import_run,
    hours_import_upload,
    hours_imports_sweep,
)
from invoicing.models import HoursImport, TimeEntry
from tests.factories import ClientFactory, ConnectedBusinessFactory, ServiceFactory
from tests.invoicing.hours.samples import TOGGL_HEADER, csv_bytes, toggl_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def business():
    business = ConnectedBusinessFactory(timezone="UTC")
    ClientFactory(business=business, freshbooks_id=10, display_name="Acme Corp")
    ServiceFactory(business=business, freshbooks_id=5, name="Design")
    return business


def rows(count: int) -> list[list[str]]:
    return [
        toggl_row(
            project="",
            user="",
            email="",
            note=f"Task {n}",
            start=f"{8 + n % 10:02d}:{n % 60:02d}:00",
        )
        for n in range(count)
    ]


def test_ten_thousand_rows_import_in_a_task_with_progress(business, monkeypatch):
    queued = []
    monkeypatch.setattr(imports, "enqueue_on_commit", lambda name, *args: queued.append(args))
    hours_import = hours_import_upload(
        business=business,
        user=None,
        filename="big.csv",
        content=csv_bytes(TOGGL_HEADER, rows(10_000)),
    )

    confirmed = hours_import_confirm(hours_import=hours_import)

    assert confirmed.status == HoursImport.Status.QUEUED
    assert (confirmed.rows_to_import, confirmed.percent) == (10_000, 0)
    assert queued == [(hours_import.pk,)]
    assert not TimeEntry.objects.exists()

    done = hours_import_run(import_id=hours_import.pk)

    assert done.status == HoursImport.Status.DONE
    assert (done.rows_done, done.added, done.percent) == (10_000, 10_000, 100)
    assert TimeEntry.objects.filter(business=business, source="csv").count() == 10_000


def test_a_worker_killed_mid_import_is_resumed_without_duplicates(business, monkeypatch):
    monkeypatch.setattr(imports, "INLINE_ROWS", 5)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    monkeypatch.setattr(imports, "enqueue_on_commit", lambda name, *args: None)
    hours_import = hours_import_upload(
        business=business, user=None, filename="r.csv", content=csv_bytes(TOGGL_HEADER, rows(35))
    )
    hours_import_confirm(hours_import=hours_import)
    real_upsert = imports.hours_upsert
    calls = []

    def dies_on_third_chunk(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            real_upsert(**kwargs)  # written, then the worker dies before the chunk commits
            raise SystemExit("killed")
        return real_upsert(**kwargs)

    monkeypatch.setattr(imports, "hours_upsert", dies_on_third_chunk)
    with pytest.raises(SystemExit):
        hours_import_run(import_id=hours_import.pk)
    hours_import.refresh_from_db()
    assert (hours_import.status, hours_import.rows_done) == (HoursImport.Status.IMPORTING, 20)
    assert TimeEntry.objects.count() == 20

    HoursImport.objects.filter(pk=hours_import.pk).update(
        heartbeat_at=hours_import.heartbeat_at - timedelta(minutes=5)
    )
    assert hours_imports_sweep() == 1
    monkeypatch.setattr(imports, "hours_upsert", real_upsert)
    done = hours_import_run(import_id=hours_import.pk)
    again = hours_import_run(import_id=hours_import.pk)

    assert (done.status, done.added, done.rows_done) == (HoursImport.Status.DONE, 35, 35)
    assert again.added == 35
    assert TimeEntry.objects.count() == 35
