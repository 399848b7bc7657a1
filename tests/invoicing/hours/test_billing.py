"""Outside hours go through the same rules, the same exactly-once drafts and the same void as
FreshBooks' own time, against the sandbox."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from connections.freshbooks import FreshBooksClient
from invoicing.drafts import draft_void, invoice_run_create, invoice_run_preview
from invoicing.hours.checks import HoursInput
from invoicing.hours.services import HoursRejected, hours_upsert
from invoicing.hours.write_back import hours_write_back
from invoicing.models import BillingPolicy, DraftEntry, Project, TimeEntry
from tests.factories import UserFactory
from tests.invoicing.drafts.conftest import (
    advance_until_settled,
    connect_and_sync,
    live_invoices,
    period_options,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(use_sandbox):
    return connect_and_sync(use_sandbox, time_entries=30, months=1, clients=3)


def rated_project(business) -> Project:
    return (
        Project.objects.filter(
            business=business, billing_method="project_rate", rate__gt=0, active=True
        )
        .exclude(client_freshbooks_id=None)
        .exclude(project_type="fixed_price")
        .order_by("freshbooks_id")
        .first()
    )


def push_outside_hours(business, project, *, seconds=5400) -> TimeEntry:
    [entry] = hours_upsert(
        business=business,
        source="csv",
        tool="harvest",
        entries=[
            HoursInput(
                external_id="harvest-77",
                client_id=project.client_freshbooks_id,
                project_id=project.freshbooks_id,
                started_at=timezone.now() - timedelta(days=1),
                duration_seconds=seconds,
                note="Imported from Harvest",
            )
        ],
    ).entries
    return entry


def test_a_draft_of_outside_and_freshbooks_hours_has_the_right_lines_and_totals_in_freshbooks(
    use_sandbox, small
):
    business = small.business
    project = rated_project(business)
    outside = push_outside_hours(business, project)
    freshbooks_puts_before = len(use_sandbox.control.time_entries(business.business_id))

    preview = invoice_run_preview(
        business=business, raw_options=period_options(grouping="detailed")
    )
    [planned] = [
        d for d in preview.preview["drafts"] if d["client_id"] == project.client_freshbooks_id
    ]
    outside_lines = [
        line for line in planned["lines"] if outside.freshbooks_id in line["entry_ids"]
    ]
    assert len(outside_lines) == 1
    assert outside_lines[0]["entries"][0]["source"] == "Harvest CSV"
    assert Decimal(outside_lines[0]["amount"]) == (Decimal("1.5") * project.rate).quantize(
        Decimal("0.01")
    )
    assert planned["entry_count"] > 1  # FreshBooks' own time of that client is on it too

    run = invoice_run_create(run_id=preview.pk)
    drafts = advance_until_settled(run)
    [draft] = [d for d in drafts if d.client_freshbooks_id == project.client_freshbooks_id]
    remote_totals = {
        invoice["po_number"]: Decimal(invoice["amount"]["amount"])
        for invoice in live_invoices(use_sandbox, business)
    }
    assert remote_totals[draft.reference] == draft.total == Decimal(planned["total"])
    outside.refresh_from_db()
    assert outside.billed is True
    assert DraftEntry.objects.get(time_entry=outside).marked_billed is True
    # FreshBooks was never asked about the outside entry, and holds no entry for it.
    remote_ids = {entry["id"] for entry in use_sandbox.control.time_entries(business.business_id)}
    assert outside.freshbooks_id not in remote_ids
    assert len(remote_ids) == freshbooks_puts_before

    with pytest.raises(HoursRejected, match="refused"):
        push_outside_hours(business, project, seconds=60)

    draft_void(draft_id=draft.pk, user=UserFactory(), reason="Wrong hours")
    outside.refresh_from_db()
    assert outside.billed is False
    changed = push_outside_hours(business, project, seconds=3600)  # unbilled: may change again
    assert changed.duration_seconds == 3600
    again = invoice_run_preview(business=business, raw_options=period_options())
    assert any(
        outside.freshbooks_id in line["entry_ids"]
        for d in again.preview["drafts"]
        for line in d["lines"]
    )


def written_back(sandbox, business, entry) -> list[dict]:
    reference = f"[FBB-H{entry.pk}]"
    return [
        remote
        for remote in sandbox.control.time_entries(business.business_id)
        if reference in str(remote.get("note") or "")
    ]


def bill_outside_hours(business, project) -> TimeEntry:
    outside = push_outside_hours(business, project)
    run = invoice_run_create(
        run_id=invoice_run_preview(business=business, raw_options=period_options()).pk
    )
    advance_until_settled(run)
    outside.refresh_from_db()
    assert outside.billed
    return outside


def test_write_back_is_off_by_default(use_sandbox, small):
    outside = bill_outside_hours(small.business, rated_project(small.business))

    assert hours_write_back(business_id=small.business.pk) == 0
    assert written_back(use_sandbox, small.business, outside) == []


def test_write_back_creates_each_billed_entry_in_freshbooks_once(use_sandbox, small):
    business = small.business
    BillingPolicy.objects.filter(business=business).update(write_back_outside_hours=True)
    outside = bill_outside_hours(business, rated_project(business))

    assert hours_write_back(business_id=business.pk) == 1
    TimeEntry.objects.filter(pk=outside.pk).update(
        write_back_started_at=timezone.now() - timedelta(hours=1)
    )
    assert hours_write_back(business_id=business.pk) == 0

    [remote] = written_back(use_sandbox, business, outside)
    assert (remote["duration"], remote["billed"], remote["client_id"]) == (
        5400,
        True,
        outside.client_freshbooks_id,
    )
    outside.refresh_from_db()
    assert outside.write_back_freshbooks_id == remote["id"]


def test_a_worker_killed_between_the_write_and_saving_its_id_does_not_write_twice(
    use_sandbox, small, monkeypatch
):
    business = small.business
    BillingPolicy.objects.filter(business=business).update(write_back_outside_hours=True)
    outside = bill_outside_hours(business, rated_project(business))
    real_create = FreshBooksClient.create_time_entry

    def create_then_die(self, business_id, fields):
        real_create(self, business_id, fields)
        raise SystemExit("worker killed")

    monkeypatch.setattr(FreshBooksClient, "create_time_entry", create_then_die)
    with pytest.raises(SystemExit):
        hours_write_back(business_id=business.pk)
    monkeypatch.setattr(FreshBooksClient, "create_time_entry", real_create)

    assert hours_write_back(business_id=business.pk) == 0  # the lease is still running
    TimeEntry.objects.filter(pk=outside.pk).update(
        write_back_started_at=timezone.now() - timedelta(minutes=5)
    )
    hours_write_back(business_id=business.pk)

    [remote] = written_back(use_sandbox, business, outside)
    outside.refresh_from_db()
    assert outside.write_back_freshbooks_id == remote["id"]
