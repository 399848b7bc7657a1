"""Fixtures for draft invoices: a sandbox business synced into the mirror, and helpers.

The mirrored one-entry business and its planned draft are in tests/invoicing/conftest.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from invoicing.drafts import DraftRetryLater, draft_advance
from invoicing.models import BillingPolicy, DraftInvoice, Expense, SyncRun
from invoicing.sync.runs import sync_run_execute
from tests.factories import SyncRunFactory
from tests.plugins.freshbooks import connect_sandbox_business


def period_options(**overrides) -> dict:
    """The last 100 days (the seed spreads time over the months before the sandbox's now)."""
    today = date.today()
    return {
        "period": "custom",
        "start": (today - timedelta(days=100)).isoformat(),
        "end": (today + timedelta(days=1)).isoformat(),
        "grouping": "service",
        "unpriced": "leave_unbilled",
        **overrides,
    }


def sync_business(business) -> None:
    run = sync_run_execute(run_id=SyncRunFactory(business=business, kind="full").pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error


def connect_and_sync(sandbox, **seed_sizes):
    seeded = connect_sandbox_business(sandbox, **seed_sizes)
    sync_business(seeded.business)
    # Projects billed at the business standard rate need one; FreshBooks' API does not give it.
    BillingPolicy.objects.update_or_create(
        business=seeded.business, defaults={"standard_rate": Decimal("95.00")}
    )
    return seeded


def advance_until_settled(run, *, max_rounds: int = 20) -> list[DraftInvoice]:
    """Run every draft of the run in-process, retrying transient failures like the task does."""
    for draft_id in run.drafts.values_list("pk", flat=True):
        for _ in range(max_rounds):
            try:
                draft_advance(draft_id=draft_id)
                break
            except DraftRetryLater:
                continue
        else:
            pytest.fail(f"draft {draft_id} did not settle in {max_rounds} rounds")
    return list(run.drafts.order_by("pk"))


def live_invoices(sandbox, business) -> list[dict]:
    return [
        invoice
        for invoice in sandbox.control.invoices(business.account_id)
        if invoice["vis_state"] == 0
    ]


def sandbox_billed_ids(sandbox, business) -> set[int]:
    return {
        entry["id"]
        for entry in sandbox.control.time_entries(business.business_id)
        if entry["billed"]
    }


@pytest.fixture
def synced(use_sandbox):
    # ~300 entries for this business over about two months, across 6 clients.
    return connect_and_sync(use_sandbox, time_entries=600, months=2, clients=12)


def sandbox_expenses(sandbox, business) -> dict[int, dict]:
    """Every expense of the business in the sandbox, deleted ones too, by id."""
    return {
        expense["id"]: expense for expense in sandbox.control.state(business.account_id, "expenses")
    }


def assert_expenses_billed_once(sandbox, business, links) -> None:
    """Every reserved expense (`links`, open DraftExpense rows) is billed in FreshBooks on its own
    draft's invoice and nowhere else, and the mirror shows it; there are some (the seed gives
    every client billable expenses)."""
    links = list(links.select_related("draft", "expense"))
    assert links, "no expense was billed"
    assert len({link.expense_freshbooks_id for link in links}) == len(links)  # none twice
    remote = sandbox_expenses(sandbox, business)
    for link in links:
        invoice_id = link.draft.freshbooks_invoice_id
        assert remote[link.expense_freshbooks_id]["invoiceid"] == invoice_id
        assert (link.expense.invoice_freshbooks_id, link.marked_billed) == (invoice_id, True)
        assert link.expense.status == Expense.Status.INVOICED
    on_invoices = [
        line["expenseid"]
        for invoice in live_invoices(sandbox, business)
        for line in invoice["lines"]
        if line["type"] == 1
    ]
    assert sorted(on_invoices) == sorted(link.expense_freshbooks_id for link in links)
