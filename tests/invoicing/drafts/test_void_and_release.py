"""Void, refusal for sent invoices, and release when FreshBooks deletes the invoice (re-billing:
test_rebill.py)."""

from __future__ import annotations

import pytest

from invoicing.drafts import (
    DraftBusy,
    VoidRefused,
    draft_release_on_remote_delete,
    draft_void,
    invoice_run_create,
    invoice_run_preview,
)
from invoicing.drafts.lease import lease_claim
from invoicing.models import DraftEntry, DraftExpense, DraftInvoice, Expense, InvoiceRun, TimeEntry
from tests.factories import UserFactory
from tests.invoicing.drafts.conftest import (
    advance_until_settled,
    live_invoices,
    period_options,
    sandbox_billed_ids,
    sandbox_expenses,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def created(use_sandbox, synced):
    """One run whose drafts are all done in FreshBooks."""
    run = invoice_run_create(
        run_id=invoice_run_preview(business=synced.business, raw_options=period_options()).pk
    )
    drafts = advance_until_settled(run)
    assert {draft.state for draft in drafts} == {DraftInvoice.State.DONE}
    return run


def entry_ids(draft) -> set[int]:
    return set(
        DraftEntry.objects.filter(draft=draft).values_list("time_entry_freshbooks_id", flat=True)
    )


def test_voiding_deletes_the_invoice_and_makes_the_time_unbilled_and_billable_again(
    use_sandbox, synced, created
):
    draft = created.drafts.first()
    user = UserFactory()

    voided = draft_void(draft_id=draft.pk, user=user, reason="Wrong client contact")

    assert voided.state == DraftInvoice.State.VOIDED
    assert (voided.voided_by, voided.void_reason) == (user, "Wrong client contact")
    assert draft.reference not in {
        i["po_number"] for i in live_invoices(use_sandbox, synced.business)
    }
    assert not entry_ids(draft) & sandbox_billed_ids(use_sandbox, synced.business)
    assert not TimeEntry.objects.filter(
        business=synced.business, freshbooks_id__in=entry_ids(draft), billed=True
    ).exists()
    assert not DraftEntry.objects.filter(draft=draft, voided=False).exists()
    again = invoice_run_preview(business=synced.business, raw_options=period_options())
    [rebillable] = [
        d for d in again.preview["drafts"] if d["client_id"] == draft.client_freshbooks_id
    ]
    assert rebillable["entry_count"] == len(entry_ids(draft))
    created.refresh_from_db()
    assert created.drafts_voided == 1
    assert created.status == InvoiceRun.Status.COMPLETED


@pytest.mark.parametrize("status", ["sent", "viewed", "paid"])
def test_a_draft_freshbooks_reports_as_sent_viewed_or_paid_cannot_be_voided(
    use_sandbox, synced, created, status
):
    draft = created.drafts.first()
    use_sandbox.control.set_invoice_status(synced.business_id, draft.freshbooks_invoice_id, status)

    with pytest.raises(VoidRefused, match=f"as {status}"):
        draft_void(draft_id=draft.pk, user=None, reason="too late")

    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.DONE
    assert draft.reference in {i["po_number"] for i in live_invoices(use_sandbox, synced.business)}
    assert entry_ids(draft) <= sandbox_billed_ids(use_sandbox, synced.business)
    assert draft.lease_token == ""


def test_a_draft_being_worked_on_is_not_voided_under_the_worker(use_sandbox, synced, created):
    draft = created.drafts.first()
    assert lease_claim(draft.pk) is not None

    with pytest.raises(DraftBusy):
        draft_void(draft_id=draft.pk, user=None, reason="now")


def test_an_invoice_deleted_in_freshbooks_releases_its_entries(use_sandbox, synced, created):
    draft = created.drafts.first()
    use_sandbox.control.act_delete(synced.business_id, "invoices", draft.freshbooks_invoice_id)

    released = draft_release_on_remote_delete(
        business=synced.business, invoice_id=draft.freshbooks_invoice_id
    )

    assert released.pk == draft.pk
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.VOIDED
    assert draft.voided_by is None
    assert "deleted in FreshBooks" in draft.void_reason
    assert not entry_ids(draft) & sandbox_billed_ids(use_sandbox, synced.business)
    assert not DraftEntry.objects.filter(draft=draft, voided=False).exists()


def test_a_delete_hint_for_an_invoice_that_still_exists_changes_nothing(
    use_sandbox, synced, created
):
    draft = created.drafts.first()

    outcome = draft_release_on_remote_delete(
        business=synced.business, invoice_id=draft.freshbooks_invoice_id
    )

    assert outcome is None
    draft.refresh_from_db()
    assert draft.state == DraftInvoice.State.DONE


def test_a_delete_hint_for_an_invoice_that_is_not_ours_is_ignored(use_sandbox, synced):
    assert draft_release_on_remote_delete(business=synced.business, invoice_id=987654) is None


def test_a_failed_draft_is_voided_without_touching_freshbooks(use_sandbox, synced):
    preview = invoice_run_preview(business=synced.business, raw_options=period_options())
    client_id = preview.preview["drafts"][0]["client_id"]
    use_sandbox.control.act_delete(synced.business_id, "clients", client_id)
    run = invoice_run_create(run_id=preview.pk)
    failed = [d for d in advance_until_settled(run) if d.state == DraftInvoice.State.FAILED][0]
    use_sandbox.control.reset_calls()

    draft_void(draft_id=failed.pk, user=None, reason="Client is gone")

    failed.refresh_from_db()
    assert failed.state == DraftInvoice.State.VOIDED
    calls = use_sandbox.control.calls()
    assert set(calls) <= {"total", "GET /accounting/account/{account_id}/invoices/invoices"}
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.COMPLETED


def expense_ids(draft) -> set[int]:
    return set(draft.expenses.values_list("expense_freshbooks_id", flat=True))


def test_voiding_releases_the_expenses_in_freshbooks_and_the_app_and_they_bill_again(
    use_sandbox, synced, created
):
    draft = next(draft for draft in created.drafts.order_by("pk") if draft.expenses.exists())
    expenses = expense_ids(draft)
    remote = sandbox_expenses(use_sandbox, synced.business)
    assert {remote[expense_id]["invoiceid"] for expense_id in expenses} == {
        draft.freshbooks_invoice_id
    }

    draft_void(draft_id=draft.pk, user=None, reason="Wrong expenses")

    remote = sandbox_expenses(use_sandbox, synced.business)
    assert {remote[expense_id]["invoiceid"] for expense_id in expenses} == {None}
    mirrored = Expense.objects.filter(business=synced.business, freshbooks_id__in=expenses)
    assert set(mirrored.values_list("invoice_freshbooks_id", "status")) == {
        (None, Expense.Status.OUTSTANDING)
    }
    assert not DraftExpense.objects.filter(draft=draft, voided=False).exists()

    again = invoice_run_preview(business=synced.business, raw_options=period_options())
    [rebillable] = [
        d for d in again.preview["drafts"] if d["client_id"] == draft.client_freshbooks_id
    ]
    assert {line["expense_id"] for line in rebillable["expense_lines"]} == expenses
    rerun = invoice_run_create(run_id=again.pk)
    [replacement] = [
        d
        for d in advance_until_settled(rerun)
        if d.client_freshbooks_id == draft.client_freshbooks_id
    ]
    assert replacement.state == DraftInvoice.State.DONE
    assert expense_ids(replacement) == expenses
    remote = sandbox_expenses(use_sandbox, synced.business)
    assert {remote[expense_id]["invoiceid"] for expense_id in expenses} == {
        replacement.freshbooks_invoice_id
    }
    assert DraftExpense.objects.filter(
        expense_freshbooks_id__in=expenses, voided=False
    ).count() == len(expenses)


def test_an_invoice_deleted_in_freshbooks_releases_its_expenses_in_the_mirror(
    use_sandbox, synced, created
):
    draft = next(draft for draft in created.drafts.order_by("pk") if draft.expenses.exists())
    use_sandbox.control.act_delete(synced.business_id, "invoices", draft.freshbooks_invoice_id)

    draft_release_on_remote_delete(business=synced.business, invoice_id=draft.freshbooks_invoice_id)

    mirrored = Expense.objects.filter(
        business=synced.business, freshbooks_id__in=expense_ids(draft)
    )
    assert set(mirrored.values_list("invoice_freshbooks_id", flat=True)) == {None}
    assert not DraftExpense.objects.filter(draft=draft, voided=False).exists()
