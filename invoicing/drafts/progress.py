"""A run's progress counts and status, recomputed from its drafts (the drafts are the truth).

What the run page shows of it is read by `invoicing.selectors.runs.run_progress_of`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from invoicing.models import DraftInvoice, InvoiceRun
from invoicing.notices import run_failed_notify, run_ready_notify

State = DraftInvoice.State
FAILED_STATES = (State.FAILED, State.NEEDS_ATTENTION)
# A run's documents (its whole preview: megabytes at thousands of entries). A draft's steps never
# read them, so they are left in the database (loaded on first use by the rare code that does).
RUN_DOCUMENTS = ("preview", "replanned", "preview_page")


def invoice_run_refresh(*, run_id: int) -> InvoiceRun:
    with transaction.atomic():
        run = InvoiceRun.objects.select_for_update().defer(*RUN_DOCUMENTS).get(pk=run_id)
        previous_status = run.status
        counts = dict(
            DraftInvoice.objects.filter(run_id=run_id)
            .values_list("state")
            .annotate(count=Count("pk"))
            .values_list("state", "count")
        )
        run.drafts_total = sum(counts.values())
        run.drafts_done = counts.get(State.DONE, 0)
        run.drafts_failed = sum(counts.get(state, 0) for state in FAILED_STATES)
        run.drafts_voided = counts.get(State.VOIDED, 0)
        pending = run.drafts_total - run.drafts_finished
        finished_statuses = (
            InvoiceRun.Status.COMPLETED,
            InvoiceRun.Status.COMPLETED_WITH_ERRORS,
        )
        if run.status == InvoiceRun.Status.CREATING and pending == 0:
            run.status = (
                InvoiceRun.Status.COMPLETED_WITH_ERRORS
                if run.drafts_failed
                else InvoiceRun.Status.COMPLETED
            )
            run.finished_at = timezone.now()
        elif run.status in finished_statuses and pending > 0:
            run.status = InvoiceRun.Status.CREATING  # a failed draft is being retried
            run.finished_at = None
        elif run.status == InvoiceRun.Status.COMPLETED_WITH_ERRORS and not run.drafts_failed:
            run.status = InvoiceRun.Status.COMPLETED
        run.save(
            update_fields=[
                "drafts_total",
                "drafts_done",
                "drafts_failed",
                "drafts_voided",
                "status",
                "finished_at",
            ]
        )
        if run.status != previous_status and run.status in finished_statuses:
            if run.status == InvoiceRun.Status.COMPLETED_WITH_ERRORS:
                run_failed_notify(run=run)
            else:
                run_ready_notify(run=run)
    return run
