"""The sweeper resumes drafts whose task was lost, and leaves alone those being worked on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from invoicing.drafts import (
    draft_advance,
    drafts_sweep,
)
from invoicing.drafts.lease import lease_claim
from invoicing.models import DraftInvoice, InvoiceRun

pytestmark = pytest.mark.django_db


def age(draft: DraftInvoice, **fields) -> None:
    DraftInvoice.objects.filter(pk=draft.pk).update(
        updated_at=timezone.now() - timedelta(hours=1), **fields
    )


def test_a_stale_planned_or_submitting_draft_is_enqueued_again(
    draft, django_capture_on_commit_callbacks
):
    for state in (DraftInvoice.State.PLANNED, DraftInvoice.State.SUBMITTING):
        age(draft, state=state)
        with django_capture_on_commit_callbacks() as enqueued:
            assert drafts_sweep() == 1
        assert len(enqueued) == 1


def test_a_draft_under_a_live_lease_is_left_to_its_worker(draft):
    lease_claim(draft.pk)
    age(draft, state=DraftInvoice.State.SUBMITTING)

    assert drafts_sweep() == 0


def test_a_dead_workers_lease_runs_out_and_the_draft_is_swept(draft):
    lease_claim(draft.pk)
    age(draft, state=DraftInvoice.State.SUBMITTING, lease_expires_at=timezone.now())

    assert drafts_sweep() == 1


def test_recent_finished_and_voided_drafts_are_not_swept(draft):
    assert drafts_sweep() == 0  # planned a moment ago: its task is still on its way
    for state in (DraftInvoice.State.DONE, DraftInvoice.State.VOIDED, DraftInvoice.State.FAILED):
        age(draft, state=state)
        assert drafts_sweep() == 0


def test_drafts_of_a_business_that_must_reconnect_wait(draft):
    identity = draft.business.connection.identity
    identity.state = "reauth_required"
    identity.save()
    age(draft)

    assert drafts_sweep() == 0


def test_a_task_for_a_draft_another_worker_holds_does_nothing(draft):
    lease_claim(draft.pk)

    again = draft_advance(draft_id=draft.pk)

    assert again.state == DraftInvoice.State.PLANNED
    assert again.submit_attempts == 0


def test_a_run_whose_status_refresh_was_lost_after_its_last_draft_is_completed(draft):
    # The draft finished, but the connection was cut (or the worker killed) before its run was
    # refreshed: found by the database-blips drill, the run stayed "creating" for good.
    age(draft, state=DraftInvoice.State.DONE)
    assert draft.run.status == InvoiceRun.Status.CREATING

    drafts_sweep()

    draft.run.refresh_from_db()
    assert draft.run.status == InvoiceRun.Status.COMPLETED
    assert draft.run.drafts_done == 1


def test_a_run_with_a_draft_still_working_stays_creating(draft):
    age(draft, state=DraftInvoice.State.SUBMITTING)
    lease_claim(draft.pk)

    drafts_sweep()

    draft.run.refresh_from_db()
    assert draft.run.status == InvoiceRun.Status.CREATING
