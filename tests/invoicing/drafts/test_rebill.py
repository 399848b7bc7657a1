"""Void and re-bill as one safe step, against the sandbox: the replacement is previewed while the
old draft stays as it is; confirming voids the old draft, then creates the replacement; when the
replacement cannot be created, the time is unbilled and billable and nothing is lost."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoicing.drafts import (
    RebillRefused,
    ReplacementNotCreated,
    RunNotCreatable,
    VoidRefused,
    draft_rebill_confirm,
    draft_rebill_preview,
    draft_void,
    invoice_run_create,
    invoice_run_preview,
)
from invoicing.drafts import rebill as rebill_module
from invoicing.models import DraftEntry, DraftInvoice, InvoiceRun, TimeEntry
from tests.factories import UserFactory
from tests.invoicing.drafts.conftest import (
    advance_until_settled,
    connect_and_sync,
    live_invoices,
    period_options,
    sandbox_billed_ids,
    sandbox_expenses,
)

pytestmark = pytest.mark.django_db

REGROUP = {"grouping": "day", "allow_zero_rate": True}


@pytest.fixture
def synced_small(use_sandbox):
    return connect_and_sync(use_sandbox, time_entries=160, months=2, clients=6)


@pytest.fixture
def created(use_sandbox, synced_small):
    """One run whose drafts are all done in FreshBooks."""
    run = invoice_run_create(
        run_id=invoice_run_preview(business=synced_small.business, raw_options=period_options()).pk
    )
    drafts = advance_until_settled(run)
    assert {draft.state for draft in drafts} == {DraftInvoice.State.DONE}
    return run


@pytest.fixture
def old(created) -> DraftInvoice:
    return created.drafts.order_by("pk").first()


def entry_ids(draft) -> set[int]:
    return set(
        DraftEntry.objects.filter(draft=draft).values_list("time_entry_freshbooks_id", flat=True)
    )


def rebill_options(run: InvoiceRun, **overrides) -> dict:
    return {
        "period": "custom",
        "start": run.options["period_start"],
        "end": run.options["period_end"],
        **REGROUP,
        **overrides,
    }


def test_the_replacement_preview_keeps_the_old_draft_its_invoice_and_its_time_as_they_are(
    use_sandbox, synced_small, created, old
):
    user = UserFactory()
    use_sandbox.control.reset_calls()

    rebill = draft_rebill_preview(
        draft_id=old.pk, user=user, reason="Group by day", raw_options=rebill_options(created)
    )

    [replacement] = rebill.preview["drafts"]
    assert replacement["client_id"] == old.client_freshbooks_id
    assert replacement["entry_count"] == len(entry_ids(old))  # its time, planned as if free
    assert {line["name"] for line in replacement["lines"]} != {
        line.name for line in old.lines.all()
    }
    assert (rebill.trigger, rebill.status) == (InvoiceRun.Trigger.REBILL, "previewed")
    assert (rebill.replaces_draft, rebill.rebill_reason, rebill.started_by) == (
        old,
        "Group by day",
        user,
    )
    assert (rebill.period_start, rebill.period_end) == (created.period_start, created.period_end)
    old.refresh_from_db()
    assert old.state == DraftInvoice.State.DONE
    assert old.reference in {i["po_number"] for i in live_invoices(use_sandbox, old.business)}
    assert entry_ids(old) <= sandbox_billed_ids(use_sandbox, old.business)
    assert DraftEntry.objects.filter(draft=old, voided=False).count() == len(entry_ids(old))
    # FreshBooks was only read (fresh data before planning), never changed.
    calls = use_sandbox.control.calls()
    assert [call for call in calls if call != "total" and not call.startswith("GET ")] == []


def test_confirming_voids_the_old_draft_then_creates_the_replacement_with_the_same_time(
    use_sandbox, synced_small, created, old
):
    user = UserFactory()
    rebill = draft_rebill_preview(
        draft_id=old.pk, user=user, reason="Group by day", raw_options=rebill_options(created)
    )

    confirmed = draft_rebill_confirm(run_id=rebill.pk, user=user)
    [new] = advance_until_settled(confirmed)

    old.refresh_from_db()
    assert old.state == DraftInvoice.State.VOIDED
    assert (old.voided_by, old.void_reason) == (user, "Group by day")
    assert confirmed.approved_by == user
    assert (new.client_freshbooks_id, new.state) == (old.client_freshbooks_id, "done")
    assert entry_ids(new) == entry_ids(old)
    # Its expenses move with it: released by the void, billed on the replacement's invoice.
    expenses = set(old.expenses.values_list("expense_freshbooks_id", flat=True))
    assert expenses, "the re-billed draft had no expense lines"
    assert set(new.expenses.values_list("expense_freshbooks_id", flat=True)) == expenses
    assert {line["expense_id"] for line in rebill.preview["drafts"][0]["expense_lines"]} == expenses
    remote = sandbox_expenses(use_sandbox, old.business)
    assert {remote[expense_id]["invoiceid"] for expense_id in expenses} == {
        new.freshbooks_invoice_id
    }
    assert new.freshbooks_total == new.total == Decimal(rebill.preview["drafts"][0]["total"])
    live = live_invoices(use_sandbox, old.business)
    assert old.reference not in {invoice["po_number"] for invoice in live}
    assert new.reference in {invoice["po_number"] for invoice in live}
    assert entry_ids(old) <= sandbox_billed_ids(use_sandbox, old.business)
    created.refresh_from_db()
    assert created.drafts_voided == 1


def test_confirming_twice_creates_one_replacement(use_sandbox, synced_small, created, old):
    rebill = draft_rebill_preview(
        draft_id=old.pk, user=None, reason="twice", raw_options=rebill_options(created)
    )

    first = draft_rebill_confirm(run_id=rebill.pk, user=None)
    second = draft_rebill_confirm(run_id=rebill.pk, user=None)

    assert first.pk == second.pk
    assert DraftInvoice.objects.filter(run=rebill).count() == 1


def test_of_two_replacement_previews_only_the_first_confirmed_replaces_the_draft(
    use_sandbox, synced_small, created, old
):
    by_day = draft_rebill_preview(
        draft_id=old.pk, user=None, reason="by day", raw_options=rebill_options(created)
    )
    single = draft_rebill_preview(
        draft_id=old.pk,
        user=None,
        reason="one line",
        raw_options=rebill_options(created, grouping="single"),
    )

    draft_rebill_confirm(run_id=by_day.pk, user=None)
    with pytest.raises(RebillRefused, match=f"already replaced in run #{by_day.pk}"):
        draft_rebill_confirm(run_id=single.pk, user=None)

    single.refresh_from_db()
    assert single.status == InvoiceRun.Status.PREVIEWED
    assert DraftInvoice.objects.filter(run__replaces_draft=old).count() == 1


def test_an_invoice_freshbooks_reports_as_sent_is_not_voided_and_nothing_replaces_it(
    use_sandbox, synced_small, created, old
):
    rebill = draft_rebill_preview(
        draft_id=old.pk, user=None, reason="too late", raw_options=rebill_options(created)
    )
    use_sandbox.control.set_invoice_status(
        synced_small.business_id, old.freshbooks_invoice_id, "sent"
    )

    with pytest.raises(VoidRefused, match="as sent"):
        draft_rebill_confirm(run_id=rebill.pk, user=None)

    old.refresh_from_db()
    rebill.refresh_from_db()
    assert old.state == DraftInvoice.State.DONE
    assert rebill.status == InvoiceRun.Status.PREVIEWED
    assert not DraftInvoice.objects.filter(run=rebill).exists()
    assert entry_ids(old) <= sandbox_billed_ids(use_sandbox, old.business)


def test_when_the_replacement_cannot_be_created_the_time_is_unbilled_and_billable_again(
    use_sandbox, synced_small, created, old, monkeypatch
):
    """FreshBooks access is lost right after the void: the replacement waits, nothing is lost."""
    rebill = draft_rebill_preview(
        draft_id=old.pk, user=None, reason="regroup", raw_options=rebill_options(created)
    )
    identity = synced_small.identity
    real_void = rebill_module.draft_void

    def void_then_lose_access(**kwargs):
        voided = real_void(**kwargs)
        identity.state = "reauth_required"
        identity.save(update_fields=["state"])
        return voided

    monkeypatch.setattr(rebill_module, "draft_void", void_then_lose_access)

    with pytest.raises(ReplacementNotCreated) as failure:
        draft_rebill_confirm(run_id=rebill.pk, user=None)

    assert "was voided and its time is unbilled and billable again" in failure.value.message
    assert "Reconnect FreshBooks" in failure.value.message
    old.refresh_from_db()
    assert old.state == DraftInvoice.State.VOIDED
    assert not entry_ids(old) & sandbox_billed_ids(use_sandbox, old.business)
    assert not TimeEntry.objects.filter(freshbooks_id__in=entry_ids(old), billed=True).exists()
    assert not DraftEntry.objects.filter(
        time_entry_freshbooks_id__in=entry_ids(old), voided=False
    ).exists()
    rebill.refresh_from_db()
    assert rebill.status == InvoiceRun.Status.PREVIEWED  # the replacement can still be created

    monkeypatch.setattr(rebill_module, "draft_void", real_void)
    identity.state = "active"
    identity.save(update_fields=["state"])
    [new] = advance_until_settled(draft_rebill_confirm(run_id=rebill.pk, user=None))

    assert entry_ids(new) == entry_ids(old)
    assert entry_ids(old) <= sandbox_billed_ids(use_sandbox, old.business)


def test_a_voided_draft_is_not_rebilled(use_sandbox, synced_small, created, old):
    draft_void(draft_id=old.pk, user=None, reason="gone")

    with pytest.raises(RebillRefused, match="already voided"):
        draft_rebill_preview(
            draft_id=old.pk, user=None, reason="again", raw_options=rebill_options(created)
        )


def test_the_plain_create_refuses_a_replacement_preview_while_the_old_draft_is_open(
    use_sandbox, synced_small, created, old
):
    rebill = draft_rebill_preview(
        draft_id=old.pk, user=None, reason="regroup", raw_options=rebill_options(created)
    )

    with pytest.raises(RunNotCreatable, match="still open"):
        invoice_run_create(run_id=rebill.pk)

    rebill.refresh_from_db()
    old.refresh_from_db()
    assert rebill.status == InvoiceRun.Status.PREVIEWED
    assert old.state == DraftInvoice.State.DONE
