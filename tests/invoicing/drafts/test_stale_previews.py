"""Previews cannot go stale silently, against the real sandbox process.

"Create drafts" plans again from fresh FreshBooks data; if anything differs from the preview the
user saw, nothing is created (in the app or in FreshBooks) until the new plan is confirmed. Unpriced
time billed "as 0.00 lines" reaches the FreshBooks invoice as 0.00 lines.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from connections.services.freshbooks_api import api_client_for
from invoicing.drafts import (
    invoice_run_create,
    invoice_run_preview,
    invoice_run_replan_confirm,
)
from invoicing.models import Client, DraftInvoice, InvoiceRun, Project
from invoicing.selectors.preview_changes import preview_changes
from invoicing.selectors.previews import preview_outdated

from .conftest import advance_until_settled, connect_and_sync, live_invoices, period_options

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(use_sandbox):
    return connect_and_sync(use_sandbox, time_entries=120, months=2, clients=4)


def project_billed_at_project_rate(business) -> Project:
    """A project of the preview's first draft that bills at its own rate."""
    return (
        Project.objects.filter(business=business, billing_method="project_rate", rate__isnull=False)
        .exclude(project_type="fixed_price")
        .order_by("freshbooks_id")
        .first()
    )


def test_a_rate_changed_in_freshbooks_after_the_preview_creates_nothing_until_confirmed(
    use_sandbox, small
):
    business = small.business
    project = project_billed_at_project_rate(business)
    run = invoice_run_preview(business=business, raw_options=period_options(grouping="project"))
    seen_total = run.preview["totals_by_currency"]
    new_rate = (project.rate + Decimal("17.25")).quantize(Decimal("0.01"))

    use_sandbox.control.act_update(
        business.business_id, "projects", project.freshbooks_id, rate=str(new_rate)
    )
    run = invoice_run_create(run_id=run.pk, user=business.connection.user)

    assert run.status == InvoiceRun.Status.PREVIEWED
    assert run.replanned, "the new plan waits for the user"
    assert not DraftInvoice.objects.filter(run=run).exists()
    assert live_invoices(use_sandbox, business) == []
    assert run.preview["totals_by_currency"] == seen_total  # what the user saw is kept
    title = project.title
    lines = [
        line
        for draft in run.replanned["drafts"]
        for line in draft["lines"]
        if line["name"] == title
    ]
    assert lines and all(line["unit_cost"] == str(new_rate) for line in lines)

    invoice_run_replan_confirm(run_id=run.pk)
    run = invoice_run_create(run_id=run.pk)
    drafts = advance_until_settled(run)

    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.COMPLETED, run.error
    invoices = {invoice["id"]: invoice for invoice in live_invoices(use_sandbox, business)}
    assert {draft.freshbooks_invoice_id for draft in drafts} == set(invoices)
    created_total = sum((draft.total for draft in drafts), Decimal("0.00"))
    confirmed_total = sum(
        (Decimal(total) for total in run.preview["totals_by_currency"].values()), Decimal("0.00")
    )
    assert created_total == confirmed_total


def test_a_preview_is_outdated_once_its_data_changed_in_freshbooks_and_synced(use_sandbox, small):
    business = small.business
    run = invoice_run_preview(business=business, raw_options=period_options(grouping="project"))
    assert not preview_outdated(run)
    project = project_billed_at_project_rate(business)

    use_sandbox.control.act_update(
        business.business_id, "projects", project.freshbooks_id, rate="1.00"
    )
    invoice_run_preview(business=business, raw_options=period_options())  # reads fresh data

    assert preview_outdated(run)


def test_unpriced_time_billed_as_0_00_lines_reaches_the_freshbooks_invoice(use_sandbox, small):
    business = small.business
    # Time without a project: only a rate rule could price it, and there is none.
    client_id = (
        Client.objects.filter(business=business, active=True)
        .values_list("freshbooks_id", flat=True)
        .first()
    )
    started = timezone.now() - timedelta(days=2)
    use_sandbox.control.create_time_entry(
        business.business_id,
        client_id=client_id,
        started_at=started.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        duration=5400,
        billable=True,
        is_logged=True,
        note="Unpriced call",
    )
    run = invoice_run_preview(
        business=business, raw_options=period_options(grouping="detailed", unpriced="bill_zero")
    )
    zero_entries = {
        entry_id
        for draft in run.preview["drafts"]
        for line in draft["lines"]
        if Decimal(line["unit_cost"]) == 0
        for entry_id in line["entry_ids"]
    }
    assert zero_entries, "the time without a project is priced at 0.00"

    run = invoice_run_create(run_id=run.pk)
    drafts = advance_until_settled(run)

    with api_client_for(small.identity) as client:
        zero_lines = [
            line
            for draft in drafts
            for line in client.get_invoice(
                business.account_id, draft.freshbooks_invoice_id, include_lines=True
            )["lines"]
            if Decimal(line["unit_cost"]["amount"]) == 0
        ]
    assert len(zero_lines) == len(zero_entries)
    assert all(Decimal(line["amount"]["amount"]) == 0 for line in zero_lines)
    assert all(draft.freshbooks_total == draft.total for draft in drafts)


def test_an_expense_deleted_in_freshbooks_after_the_preview_creates_nothing_and_says_so(
    use_sandbox, small
):
    business = small.business
    run = invoice_run_preview(business=business, raw_options=period_options())
    draft = next(draft for draft in run.preview["drafts"] if draft["expense_lines"])
    gone = draft["expense_lines"][0]

    use_sandbox.control.act_delete(business.business_id, "expenses", gone["expense_id"])
    run = invoice_run_create(run_id=run.pk, user=business.connection.user)

    assert run.status == InvoiceRun.Status.PREVIEWED
    assert not DraftInvoice.objects.filter(run=run).exists()
    assert live_invoices(use_sandbox, business) == []
    [change] = [
        item
        for item in preview_changes(run.preview, run.replanned)
        if item["client_name"] == draft["client_name"]
    ]
    assert any(
        sentence.startswith(f"Expense #{gone['expense_id']}") and "no longer billed" in sentence
        for sentence in change["changes"]
    ), change
    assert run.replanned["freshness"]["expenses_changed"] >= 1


def test_an_expense_whose_amount_changed_makes_the_preview_outdated_with_the_new_amount(
    use_sandbox, small
):
    business = small.business
    run = invoice_run_preview(business=business, raw_options=period_options())
    draft = next(draft for draft in run.preview["drafts"] if draft["expense_lines"])
    line = draft["expense_lines"][0]

    use_sandbox.control.act_update(
        business.business_id,
        "expenses",
        line["expense_id"],
        amount={"amount": "999.00", "code": draft["currency_code"]},
    )
    invoice_run_preview(business=business, raw_options=period_options())  # reads fresh data

    assert preview_outdated(run)
    run = invoice_run_create(run_id=run.pk, user=business.connection.user)
    [change] = [
        item
        for item in preview_changes(run.preview, run.replanned)
        if item["client_name"] == draft["client_name"]
    ]
    assert any(
        sentence.startswith(f"Expense #{line['expense_id']}") and "amount" in sentence
        for sentence in change["changes"]
    ), change
