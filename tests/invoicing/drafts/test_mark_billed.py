"""Marking a draft's time billed: many PUTs in flight, progress saved as they answer; a draft's
steps never load the run's whole preview, and "Create drafts" never sends it back whole."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoicing.drafts import draft_advance, draft_retry, invoice_run_create, invoice_run_preview
from invoicing.drafts.remote import BILLED_BATCH, BILLED_CONCURRENCY
from invoicing.models import DraftEntry, DraftInvoice
from tests.invoicing.drafts.conftest import period_options, sandbox_billed_ids

pytestmark = pytest.mark.django_db

ENTRY_PUT = "PUT /timetracking/business/{bid}/time_entries/{id}"
ENTRY_PATH = r"/time_entries/\d+$"


def _largest_draft(business) -> DraftInvoice:
    run = invoice_run_preview(business=business, raw_options=period_options())
    run = invoice_run_create(run_id=run.pk)
    drafts = sorted(run.drafts.all(), key=lambda draft: -draft.entries.count())
    return drafts[0]


def test_a_refused_put_keeps_what_answered_before_it_and_the_retry_marks_only_the_rest(
    use_sandbox, synced
):
    draft = _largest_draft(synced.business)
    size = draft.entries.count()
    assert size > BILLED_BATCH + 10, "the seed gives a draft larger than one batch"
    refused_at = BILLED_BATCH + 5  # the PUT that is refused, counting from the draft's first
    use_sandbox.control.add_fault(
        method="PUT", path=ENTRY_PATH, kind="status", status=403, every=refused_at, times=1
    )

    draft = draft_advance(draft_id=draft.pk)

    assert draft.state == DraftInvoice.State.NEEDS_ATTENTION
    saved_ids = set(
        DraftEntry.objects.filter(draft=draft, marked_billed=True).values_list(
            "time_entry_freshbooks_id", flat=True
        )
    )
    saved = len(saved_ids)
    # Saved: the PUTs that had answered when the refusal came back (a few in flight with it may
    # not have), never one FreshBooks did not mark billed (the refused one is not).
    assert refused_at - BILLED_CONCURRENCY <= saved < size
    assert saved_ids <= sandbox_billed_ids(use_sandbox, synced.business)
    use_sandbox.control.reset_calls()

    draft_retry(draft_id=draft.pk)
    draft = draft_advance(draft_id=draft.pk)

    assert draft.state == DraftInvoice.State.DONE
    assert not DraftEntry.objects.filter(draft=draft, marked_billed=False).exists()
    entry_ids = set(draft.entries.values_list("time_entry_freshbooks_id", flat=True))
    assert entry_ids <= sandbox_billed_ids(use_sandbox, synced.business)
    # The retry marks only what was not saved: never more than the unsaved entries.
    assert use_sandbox.control.calls().get(ENTRY_PUT, 0) == size - saved


def test_a_drafts_steps_never_read_the_runs_preview(use_sandbox, synced):
    draft = _largest_draft(synced.business)
    preview_column = '"invoicing_invoicerun"."preview"'

    with CaptureQueriesContext(connection) as queries:
        draft = draft_advance(draft_id=draft.pk)

    assert draft.state == DraftInvoice.State.DONE
    assert queries.captured_queries, "the draft's steps ran their queries on this connection"
    reading_preview = [
        query["sql"] for query in queries.captured_queries if preview_column in query["sql"]
    ]
    assert reading_preview == []


def test_create_adds_its_freshness_note_to_the_stored_preview_and_changes_nothing_else_in_it(
    use_sandbox, synced
):
    preview = invoice_run_preview(business=synced.business, raw_options=period_options())
    shown = preview.preview

    created = invoice_run_create(run_id=preview.pk)

    stored = type(created).objects.get(pk=created.pk)
    note = stored.preview.pop("freshness_at_create")
    assert note == created.preview["freshness_at_create"]
    assert note  # what the create read fresh, and when
    assert stored.preview == shown
    assert (stored.status, stored.drafts_total) == (created.status, created.drafts_total)
    assert stored.drafts_total == created.drafts.count() > 0
