"""Creating drafts against the sandbox: the numbers of the preview, exactly one invoice each."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from invoicing.drafts import (
    ReconnectRequired,
    draft_advance,
    draft_retry,
    invoice_run_create,
    invoice_run_preview,
)
from invoicing.models import DraftEntry, DraftExpense, DraftInvoice, InvoiceRun, TimeEntry
from tests.invoicing.drafts.conftest import (
    advance_until_settled,
    assert_expenses_billed_once,
    connect_and_sync,
    live_invoices,
    period_options,
    sandbox_billed_ids,
    sandbox_expenses,
)

pytestmark = pytest.mark.django_db

INVOICE_POST = "POST /accounting/account/{account_id}/invoices/invoices"
INVOICE_LIST = "GET /accounting/account/{account_id}/invoices/invoices"
INVOICES_PATH = r"/invoices/invoices$"


def preview_and_create(business, **options):
    run = invoice_run_preview(business=business, raw_options=period_options(**options))
    return invoice_run_create(run_id=run.pk)


def invoices_by_reference(sandbox, business) -> Counter:
    return Counter(invoice["po_number"] for invoice in live_invoices(sandbox, business))


def assert_exactly_one_invoice_per_draft(sandbox, run) -> None:
    drafts = list(run.drafts.all())
    assert drafts, "the run created no drafts"
    assert {draft.state for draft in drafts} == {DraftInvoice.State.DONE}
    by_reference = invoices_by_reference(sandbox, run.business)
    assert by_reference == Counter({draft.reference: 1 for draft in drafts})
    reserved = set(
        DraftEntry.objects.filter(draft__run=run).values_list("time_entry_freshbooks_id", flat=True)
    )
    assert reserved <= sandbox_billed_ids(sandbox, run.business)
    assert DraftEntry.objects.filter(draft__run=run).count() == len(reserved)  # none twice
    assert_expenses_billed_once(sandbox, run.business, DraftExpense.objects.filter(draft__run=run))


def test_created_drafts_carry_the_previewed_totals_and_freshbooks_agrees_to_the_cent(
    use_sandbox, synced, django_capture_on_commit_callbacks
):
    preview = invoice_run_preview(business=synced.business, raw_options=period_options())
    with django_capture_on_commit_callbacks() as enqueued:
        run = invoice_run_create(run_id=preview.pk)
    drafts = advance_until_settled(run)

    assert run.status == InvoiceRun.Status.CREATING
    assert len(enqueued) == len(drafts) == preview.preview["drafts_to_create"] > 1
    previewed = {
        item["unique_key"]: Decimal(item["total"])
        for item in preview.preview["drafts"]
        if not item["blocked_reason"]
    }
    assert {draft.unique_key: draft.total for draft in drafts} == previewed
    remote_totals = {
        invoice["po_number"]: Decimal(invoice["amount"]["amount"])
        for invoice in live_invoices(use_sandbox, synced.business)
    }
    assert remote_totals == {draft.reference: draft.total for draft in drafts}
    assert all(draft.freshbooks_total == draft.total for draft in drafts)
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.COMPLETED
    assert run.drafts_done == len(drafts)


def test_every_reserved_entry_ends_billed_in_freshbooks_and_in_the_mirror(use_sandbox, synced):
    run = preview_and_create(synced.business)
    advance_until_settled(run)

    assert_exactly_one_invoice_per_draft(use_sandbox, run)
    links = DraftEntry.objects.filter(draft__run=run)
    assert not links.filter(marked_billed=False).exists()
    assert not TimeEntry.objects.filter(pk__in=links.values("time_entry"), billed=False).exists()


def test_the_invoice_lines_are_the_draft_lines(use_sandbox, synced):
    run = preview_and_create(synced.business, grouping="project")
    draft = advance_until_settled(run)[0]

    [invoice] = [
        invoice
        for invoice in use_sandbox.control.invoices(synced.business.account_id)
        if invoice["id"] == draft.freshbooks_invoice_id
    ]
    lines = [
        (line["name"], Decimal(line["qty"]), Decimal(line["unit_cost"]["amount"]))
        for line in invoice["lines"]
    ]
    assert lines == [(line.name, line.quantity, line.unit_cost) for line in draft.lines.all()]
    assert invoice["currency_code"] == draft.currency_code
    assert draft.reference in invoice["notes"]
    assert invoice["create_date"] == draft.invoice_date.isoformat()


def test_a_post_that_times_out_after_freshbooks_accepted_it_is_found_not_repeated(
    use_sandbox, synced, settings
):
    settings.FRESHBOOKS_READ_TIMEOUT = 1
    run = preview_and_create(synced.business)
    use_sandbox.control.add_fault(
        method="POST", path=INVOICES_PATH, kind="timeout", timeout_s=3, phase="after", times=1
    )
    use_sandbox.control.reset_calls()

    advance_until_settled(run)

    assert_exactly_one_invoice_per_draft(use_sandbox, run)
    calls = use_sandbox.control.calls()
    assert calls[INVOICE_POST] == run.drafts.count()  # the timed-out POST was not repeated
    assert calls[INVOICE_LIST] == 1  # one lookup, only for the draft whose answer was lost
    [timed_out] = [draft for draft in run.drafts.all() if draft.error_log]
    assert timed_out.submit_attempts == 1
    assert "Interrupted, will retry" in timed_out.error_log[0]["error"]
    assert timed_out.error_log[0]["state"] == DraftInvoice.State.SUBMITTING


def test_a_5xx_after_the_invoice_was_created_is_reconciled_to_a_single_invoice(use_sandbox, synced):
    run = preview_and_create(synced.business)
    use_sandbox.control.add_fault(
        method="POST", path=INVOICES_PATH, kind="status", status=500, phase="after", every=2
    )

    advance_until_settled(run)

    assert_exactly_one_invoice_per_draft(use_sandbox, run)
    assert set(run.drafts.values_list("submit_attempts", flat=True)) == {1}


def test_a_5xx_before_the_invoice_was_created_is_posted_again_only_after_looking(
    use_sandbox, synced
):
    run = preview_and_create(synced.business)
    use_sandbox.control.add_fault(
        method="POST", path=INVOICES_PATH, kind="status", status=503, times=1
    )
    use_sandbox.control.reset_calls()

    advance_until_settled(run)

    assert_exactly_one_invoice_per_draft(use_sandbox, run)
    calls = use_sandbox.control.calls()
    assert calls[INVOICE_POST] == run.drafts.count() + 1
    assert calls[INVOICE_LIST] == 1
    assert sorted(run.drafts.values_list("submit_attempts", flat=True))[-1] == 2


def test_a_client_deleted_in_freshbooks_after_the_preview_fails_its_draft_with_the_reason(
    use_sandbox, synced
):
    preview = invoice_run_preview(business=synced.business, raw_options=period_options())
    gone = preview.preview["drafts"][0]["client_id"]
    use_sandbox.control.act_delete(synced.business_id, "clients", gone)

    run = invoice_run_create(run_id=preview.pk)
    drafts = advance_until_settled(run)

    failed = [draft for draft in drafts if draft.client_freshbooks_id == gone]
    assert [draft.state for draft in failed] == [DraftInvoice.State.FAILED]
    assert "deleted in FreshBooks" in failed[0].error
    assert failed[0].error_log[-1]["state"] == DraftInvoice.State.FAILED
    others = [draft for draft in drafts if draft.client_freshbooks_id != gone]
    assert {draft.state for draft in others} == {DraftInvoice.State.DONE}
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.COMPLETED_WITH_ERRORS
    assert run.drafts_failed == 1
    # Its time stays reserved by the failed draft (the record) until someone voids it.
    assert DraftEntry.objects.filter(draft=failed[0], voided=False).exists()
    assert not invoices_by_reference(use_sandbox, synced.business)[failed[0].reference]


def test_two_invoices_carrying_one_reference_need_attention_and_are_not_adopted(
    use_sandbox, synced, settings
):
    settings.FRESHBOOKS_READ_TIMEOUT = 1
    run = preview_and_create(synced.business)
    draft = run.drafts.first()
    use_sandbox.control.add_fault(
        method="POST", path=INVOICES_PATH, kind="timeout", timeout_s=3, phase="after", times=1
    )
    with pytest.raises(Exception, match="timed out|Read"):
        draft_advance(draft_id=draft.pk)
    draft.refresh_from_db()
    copy = {"customerid": draft.client_freshbooks_id, "create_date": str(draft.invoice_date)}
    use_sandbox.control.act_create(
        synced.business_id, "invoices", po_number=draft.reference, **copy
    )

    draft = draft_advance(draft_id=draft.pk)

    assert draft.state == DraftInvoice.State.NEEDS_ATTENTION
    assert "2 invoices with reference" in draft.error
    assert draft.freshbooks_invoice_id is None


def test_a_refused_draft_is_retried_after_looking_it_up(use_sandbox, synced):
    preview = invoice_run_preview(business=synced.business, raw_options=period_options())
    client_id = preview.preview["drafts"][0]["client_id"]
    use_sandbox.control.act_delete(synced.business_id, "clients", client_id)
    run = invoice_run_create(run_id=preview.pk)
    draft = run.drafts.get(client_freshbooks_id=client_id)
    assert draft_advance(draft_id=draft.pk).state == DraftInvoice.State.FAILED
    use_sandbox.control.act_update(synced.business_id, "clients", client_id, vis_state=0)

    draft_retry(draft_id=draft.pk)
    draft = draft_advance(draft_id=draft.pk)

    assert draft.state == DraftInvoice.State.DONE
    assert invoices_by_reference(use_sandbox, synced.business)[draft.reference] == 1


def test_pressing_create_twice_creates_the_drafts_once(use_sandbox, synced):
    preview = invoice_run_preview(business=synced.business, raw_options=period_options())

    first = invoice_run_create(run_id=preview.pk)
    second = invoice_run_create(run_id=preview.pk)

    assert first.pk == second.pk
    assert DraftInvoice.objects.filter(run=first).count() == first.drafts_total > 0


def test_a_second_run_of_the_same_period_finds_the_time_already_on_drafts(use_sandbox, synced):
    first = preview_and_create(synced.business)

    second = preview_and_create(synced.business)

    assert first.drafts_total > 0
    assert second.drafts_total == 0
    assert second.status == InvoiceRun.Status.COMPLETED
    assert "already on drafts" in second.error


def test_an_identity_that_must_reconnect_gets_a_clear_message_and_nothing_is_created(
    use_sandbox, synced
):
    preview = invoice_run_preview(business=synced.business, raw_options=period_options())
    synced.identity.state = "reauth_required"
    synced.identity.save()

    with pytest.raises(ReconnectRequired, match="Reconnect FreshBooks"):
        invoice_run_create(run_id=preview.pk)

    preview.refresh_from_db()
    assert preview.status == InvoiceRun.Status.PREVIEWED
    assert not DraftInvoice.objects.exists()


def test_the_expense_lines_reach_freshbooks_with_their_taxes_and_the_totals_agree(
    use_sandbox, synced
):
    run = preview_and_create(synced.business)
    drafts = advance_until_settled(run)

    with_expenses = [draft for draft in drafts if draft.expenses.exists()]
    assert with_expenses
    invoices = {invoice["id"]: invoice for invoice in live_invoices(use_sandbox, synced.business)}
    for draft in with_expenses:
        invoice = invoices[draft.freshbooks_invoice_id]
        sent = [line for line in invoice["lines"] if line["type"] == 1]
        reserved = {link.expense_freshbooks_id: link for link in draft.expenses.all()}
        assert {line["expenseid"] for line in sent} == set(reserved)
        for line in sent:
            assert line.get("taxName1", "") == reserved[line["expenseid"]].taxes.get("taxName1", "")
        assert draft.freshbooks_total == draft.total  # expense taxes included, to the cent


def test_a_timed_out_post_with_expense_lines_bills_each_expense_once(use_sandbox, synced, settings):
    settings.FRESHBOOKS_READ_TIMEOUT = 1
    run = preview_and_create(synced.business)
    use_sandbox.control.add_fault(
        method="POST", path=INVOICES_PATH, kind="timeout", timeout_s=3, phase="after", every=2
    )

    advance_until_settled(run)

    assert_exactly_one_invoice_per_draft(use_sandbox, run)
    assert set(run.drafts.values_list("submit_attempts", flat=True)) == {1}


def test_an_expense_deleted_in_freshbooks_after_the_drafts_were_planned_fails_its_draft_whole(
    use_sandbox, synced
):
    run = preview_and_create(synced.business)
    link = DraftExpense.objects.filter(draft__run=run).order_by("pk").first()
    use_sandbox.control.act_delete(synced.business_id, "expenses", link.expense_freshbooks_id)

    drafts = advance_until_settled(run)

    [failed] = [draft for draft in drafts if draft.pk == link.draft_id]
    assert failed.state == DraftInvoice.State.FAILED
    assert failed.submit_attempts == 1  # refused, not retried in a loop
    assert "An expense on this draft was deleted, billed or changed in FreshBooks" in failed.error
    # Nothing of it was billed half-way: no invoice, its other expenses and its time unbilled.
    assert not invoices_by_reference(use_sandbox, synced.business)[failed.reference]
    remote = sandbox_expenses(use_sandbox, synced.business)
    assert all(
        remote[other.expense_freshbooks_id]["invoiceid"] is None for other in failed.expenses.all()
    )
    assert not entry_ids_of(failed) & sandbox_billed_ids(use_sandbox, synced.business)
    others = [draft for draft in drafts if draft.pk != failed.pk]
    assert {draft.state for draft in others} == {DraftInvoice.State.DONE}


def entry_ids_of(draft) -> set[int]:
    return set(
        DraftEntry.objects.filter(draft=draft).values_list("time_entry_freshbooks_id", flat=True)
    )


def test_a_second_run_finds_the_expenses_already_on_drafts_and_bills_none_twice(
    use_sandbox, synced
):
    first = preview_and_create(synced.business)
    advance_until_settled(first)

    second = preview_and_create(synced.business)

    assert second.drafts_total == 0
    assert not DraftExpense.objects.filter(draft__run=second).exists()
    assert_expenses_billed_once(
        use_sandbox, synced.business, DraftExpense.objects.filter(draft__run=first)
    )


def test_a_canadian_business_bills_its_expenses_with_hst_and_freshbooks_agrees_to_the_cent(
    use_sandbox,
):
    canadian = connect_and_sync(
        use_sandbox, time_entries=200, months=2, clients=6, business_index=1
    )
    run = preview_and_create(canadian.business)
    drafts = advance_until_settled(run)

    assert_exactly_one_invoice_per_draft(use_sandbox, run)
    taxed = [draft for draft in drafts if draft.expenses.filter(taxes__taxName1="HST").exists()]
    assert taxed, "no expense line carried HST"
    assert all(draft.freshbooks_total == draft.total for draft in drafts)
    invoices = {invoice["id"]: invoice for invoice in live_invoices(use_sandbox, canadian.business)}
    for draft in taxed:
        with_hst = draft.expenses.filter(taxes__taxName1="HST")
        sent = {
            line["expenseid"]
            for line in invoices[draft.freshbooks_invoice_id]["lines"]
            if line["type"] == 1 and line.get("taxName1") == "HST"
        }
        assert sent == set(with_hst.values_list("expense_freshbooks_id", flat=True))
