"""Reserving a run's drafts: a fixed number of statements whatever the run's size, every planned
entry linked once, and time already reserved cannot be reserved again."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from invoicing.drafts import invoice_run_create, invoice_run_preview
from invoicing.drafts.reserve import drafts_reserve
from invoicing.models import DraftEntry, DraftInvoice, DraftLine
from invoicing.selectors import billing_context as billing_inputs
from invoicing.selectors.previews import plan_for
from tests.invoicing.drafts.conftest import period_options

pytestmark = pytest.mark.django_db


def planned_run(business):
    run = invoice_run_preview(business=business, raw_options=period_options(), refresh=False)
    options = billing_inputs.options_from_snapshot(run.options)
    return run, plan_for(business, options, [], lock=False)


def test_reserving_many_drafts_takes_as_many_statements_as_reserving_one(use_sandbox, synced):
    run, planned = planned_run(synced.business)
    plans = planned.plan.drafts_to_create
    assert len(plans) > 2

    with CaptureQueriesContext(connection) as one:
        drafts_reserve(run, plans[:1], planned.rows, planned.expense_rows)
    with CaptureQueriesContext(connection) as many:
        drafts_reserve(run, plans[1:], planned.rows, planned.expense_rows)

    # Drafts, their references, time lines, expense lines, expense links, entry links.
    assert len(many.captured_queries) == len(one.captured_queries) <= 6


def test_every_planned_entry_is_linked_once_to_its_line_with_the_planned_seconds(
    use_sandbox, synced
):
    run, planned = planned_run(synced.business)
    plans = planned.plan.drafts_to_create

    drafts = drafts_reserve(run, plans, planned.rows, planned.expense_rows)

    assert [draft.unique_key for draft in drafts] == [plan.unique_key for plan in plans]
    for draft, plan in zip(drafts, plans, strict=True):
        stored = DraftInvoice.objects.get(pk=draft.pk)
        assert stored.reference == draft.reference == f"FBB-{draft.pk}-{plan.unique_key[:8]}"
        assert stored.total == plan.total
        lines = list(
            DraftLine.objects.filter(draft=draft, expense__isnull=True).order_by("position")
        )
        assert [line.name for line in lines] == [line.name[:255] for line in plan.lines]
        assert [line.position for line in lines] == list(range(1, len(plan.lines) + 1))
        for line_row, line in zip(lines, plan.lines, strict=True):
            links = {
                link.time_entry_freshbooks_id: link
                for link in DraftEntry.objects.filter(line=line_row)
            }
            assert set(links) == set(line.entry_ids)
            for entry_id, link in links.items():
                assert link.draft_id == draft.pk
                assert link.time_entry_id == planned.rows[entry_id].pk
                assert link.billed_seconds == line.billed_seconds[entry_id]
                assert link.raw_seconds == planned.rows[entry_id].duration_seconds
                assert (link.marked_billed, link.voided) == (False, False)


def test_time_already_reserved_cannot_be_reserved_by_another_run(use_sandbox, synced):
    run, planned = planned_run(synced.business)
    drafts_reserve(run, planned.plan.drafts_to_create, planned.rows, planned.expense_rows)
    other, _ = planned_run(synced.business)

    with pytest.raises(IntegrityError), transaction.atomic():
        drafts_reserve(other, planned.plan.drafts_to_create, planned.rows, planned.expense_rows)

    assert not DraftInvoice.objects.filter(run=other).exists()


def test_the_drafts_with_the_most_entries_are_queued_first(
    use_sandbox, synced, django_capture_on_commit_callbacks
):
    preview = invoice_run_preview(business=synced.business, raw_options=period_options())

    with django_capture_on_commit_callbacks() as enqueued:
        run = invoice_run_create(run_id=preview.pk)

    queued = [callback.args[1][0] for callback in enqueued]
    sizes = [DraftEntry.objects.filter(draft_id=draft_id).count() for draft_id in queued]
    assert sorted(queued) == sorted(run.drafts.values_list("pk", flat=True))
    assert len(set(sizes)) > 1
    assert sizes == sorted(sizes, reverse=True)
