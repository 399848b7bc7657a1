"""Real workers, real broker, real sandbox: exactly one invoice per draft whatever happens."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from invoicing.drafts import drafts_sweep, invoice_run_start
from invoicing.models import DraftEntry, DraftExpense, DraftInvoice, InvoiceRun
from tests.invoicing.drafts.conftest import (
    assert_expenses_billed_once,
    live_invoices,
    period_options,
    sandbox_billed_ids,
)
from tests.plugins.freshbooks import sandbox_env
from tests.plugins.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

INVOICE_POST = "POST /accounting/account/{account_id}/invoices/invoices"
INVOICES_PATH = r"/invoices/invoices$"


def worker_env(sandbox) -> dict[str, str]:
    return sandbox_env(sandbox)


def run_finished(run: InvoiceRun):
    def finished():
        run.refresh_from_db()
        return run.status != InvoiceRun.Status.CREATING

    return finished


def assert_one_invoice_per_draft_and_no_entry_billed_twice(sandbox, business) -> None:
    drafts = list(DraftInvoice.objects.filter(business=business))
    assert drafts
    assert Counter(draft.state for draft in drafts) == Counter({"done": len(drafts)})
    by_reference = Counter(invoice["po_number"] for invoice in live_invoices(sandbox, business))
    assert by_reference == Counter({draft.reference: 1 for draft in drafts})
    links = DraftEntry.objects.filter(draft__business=business, voided=False)
    entry_ids = list(links.values_list("time_entry_freshbooks_id", flat=True))
    assert len(entry_ids) == len(set(entry_ids))
    assert set(entry_ids) <= sandbox_billed_ids(sandbox, business)
    # The drafts carry expense lines too: each billed once, on its own draft's invoice.
    assert_expenses_billed_once(
        sandbox, business, DraftExpense.objects.filter(draft__business=business, voided=False)
    )


def test_a_worker_killed_between_the_post_and_saving_the_id_leaves_one_invoice_per_draft(
    use_sandbox, synced, celery_worker_factory
):
    control = use_sandbox.control
    # FreshBooks creates each invoice, then holds the answer: the worker dies waiting. (Every POST
    # hangs, so a draft whose invoice exists without a recorded id is really stuck, not merely a
    # few milliseconds from saving it.)
    control.add_fault(
        method="POST", path=INVOICES_PATH, kind="timeout", timeout_s=10, phase="after"
    )
    control.reset_calls()
    first_worker = celery_worker_factory(worker_env(use_sandbox))

    run = invoice_run_start(business=synced.business, raw_options=period_options())

    def invoice_created_but_not_recorded():
        references = {invoice["po_number"] for invoice in live_invoices(use_sandbox, run.business)}
        return DraftInvoice.objects.filter(
            run=run,
            state=DraftInvoice.State.SUBMITTING,
            freshbooks_invoice_id__isnull=True,
            reference__in=references,
        ).first()

    orphan = wait_until(
        invoice_created_but_not_recorded, timeout=60, message="FreshBooks to accept the POST"
    )
    first_worker.kill()
    control.clear_faults()
    orphan.refresh_from_db()
    assert orphan.state == DraftInvoice.State.SUBMITTING
    assert orphan.freshbooks_invoice_id is None
    # The dead worker's lease runs out (here: at once) and the sweeper hands its drafts over.
    DraftInvoice.objects.filter(run=run).update(lease_expires_at=timezone.now())
    celery_worker_factory(worker_env(use_sandbox))

    assert drafts_sweep(stale_after=timedelta(0)) >= 1
    wait_until(run_finished(run), timeout=120, message="the run to finish")

    assert run.status == InvoiceRun.Status.COMPLETED, list(run.drafts.values("state", "error"))
    assert_one_invoice_per_draft_and_no_entry_billed_twice(use_sandbox, synced.business)
    orphan.refresh_from_db()
    assert orphan.submit_attempts == 1  # adopted by reference, never POSTed again
    assert control.calls()[INVOICE_POST] == run.drafts_total


def test_a_run_through_5xx_and_timeouts_on_every_kind_of_call_ends_exactly_once(
    use_sandbox, synced, celery_worker_factory
):
    control = use_sandbox.control
    control.add_fault(
        method="POST", path=INVOICES_PATH, kind="status", status=502, phase="after", every=2
    )
    control.add_fault(
        method="POST", path=INVOICES_PATH, kind="status", status=500, every=3, times=2
    )
    control.add_fault(method="GET", path=INVOICES_PATH, kind="status", status=503, every=2)
    control.add_fault(
        method="PUT", path=r"/time_entries/\d+$", kind="reset", phase="after", every=7
    )
    celery_worker_factory(worker_env(use_sandbox))

    run = invoice_run_start(business=synced.business, raw_options=period_options())
    wait_until(run_finished(run), timeout=180, message="the run to finish")

    assert run.status == InvoiceRun.Status.COMPLETED, list(run.drafts.values("state", "error"))
    assert_one_invoice_per_draft_and_no_entry_billed_twice(use_sandbox, synced.business)


def test_two_runs_for_the_same_business_and_period_started_together_create_one_set(
    use_sandbox, synced
):
    barrier = threading.Barrier(2)
    runs: list[InvoiceRun] = []

    def start():
        barrier.wait()
        try:
            runs.append(invoice_run_start(business=synced.business, raw_options=period_options()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(run.drafts_total for run in runs)[0] == 0
    winner = max(runs, key=lambda run: run.drafts_total)
    assert winner.drafts_total == DraftInvoice.objects.count() > 0
    loser = min(runs, key=lambda run: run.drafts_total)
    assert "already on drafts" in loser.error
    entry_ids = list(DraftEntry.objects.values_list("time_entry_freshbooks_id", flat=True))
    assert len(entry_ids) == len(set(entry_ids))
    expense_ids = list(DraftExpense.objects.values_list("expense_freshbooks_id", flat=True))
    assert expense_ids and len(expense_ids) == len(set(expense_ids))
