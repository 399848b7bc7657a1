"""Against the sandbox, a real webhook worker and the live server: FreshBooks deletes our draft.

The draft is created through the drafts service, the invoice is deleted in the sandbox (as a
FreshBooks user would), and only the ``invoice.delete`` webhook the sandbox then sends brings the
app to release the draft's time entries.
"""

import pytest
from django.db import transaction

from connections.models import WebhookDelivery, WebhookSubscription
from connections.webhooks.lifecycle import subscribe_connected_business
from connections.webhooks.subscriptions import webhook_events
from invoicing.drafts import invoice_run_create, invoice_run_preview
from invoicing.models import DraftEntry, DraftInvoice, TimeEntry
from tests.connections.webhooks.live import wait_until_settled
from tests.invoicing.drafts.conftest import (
    advance_until_settled,
    connect_and_sync,
    period_options,
    sandbox_billed_ids,
)
from tests.plugins.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
Status = WebhookDelivery.Status


def subscribe_and_verify(business) -> None:
    with transaction.atomic():  # as connecting a business does
        subscribe_connected_business(business.pk)
    wait_until(
        lambda: (
            WebhookSubscription.objects.filter(business=business, verified=True).count()
            == len(webhook_events())
        ),
        timeout=60,
        message="every callback to be created and verified",
    )


def test_invoice_delete_of_one_of_our_drafts_releases_its_entries(live_webhooks):
    sandbox = live_webhooks
    business = connect_and_sync(sandbox, time_entries=160, months=2, clients=6).business
    subscribe_and_verify(business)
    run = invoice_run_create(
        run_id=invoice_run_preview(business=business, raw_options=period_options()).pk
    )
    drafts = advance_until_settled(run)
    assert len(drafts) >= 2
    assert {draft.state for draft in drafts} == {DraftInvoice.State.DONE}
    draft, *others = drafts
    entry_ids = set(
        DraftEntry.objects.filter(draft=draft).values_list("time_entry_freshbooks_id", flat=True)
    )
    assert entry_ids
    assert entry_ids <= sandbox_billed_ids(sandbox, business)
    sandbox.control.flush_webhooks()  # what our own invoices and billed-marking caused
    wait_until_settled()

    sandbox.control.act_delete(business.business_id, "invoices", draft.freshbooks_invoice_id)
    sandbox.control.flush_webhooks()

    wait_until(
        lambda: DraftInvoice.objects.get(pk=draft.pk).state == DraftInvoice.State.VOIDED,
        timeout=60,
        message="the invoice.delete webhook to release the draft",
    )
    sandbox.control.flush_webhooks()  # the unbilled entries' updates
    wait_until_settled()
    draft.refresh_from_db()
    assert draft.voided_by is None
    assert "deleted in FreshBooks" in draft.void_reason
    assert not DraftEntry.objects.filter(draft=draft, voided=False).exists()
    assert not entry_ids & sandbox_billed_ids(sandbox, business)
    assert not TimeEntry.objects.filter(
        business=business, freshbooks_id__in=entry_ids, billed=True
    ).exists()
    again = invoice_run_preview(business=business, raw_options=period_options())
    [billable_again] = [
        preview
        for preview in again.preview["drafts"]
        if preview["client_id"] == draft.client_freshbooks_id
    ]
    assert billable_again["entry_count"] == len(entry_ids)
    # Only the deleted draft was released; the others stay billed.
    assert all(
        DraftInvoice.objects.get(pk=other.pk).state == DraftInvoice.State.DONE for other in others
    )
    delivery = WebhookDelivery.objects.get(
        name="invoice.delete", object_id=draft.freshbooks_invoice_id
    )
    assert (delivery.status, delivery.outcome) == (Status.DONE, "released")
    # Our own drafts' invoice.create events were stored, never re-fetched.
    created = WebhookDelivery.objects.filter(business=business, name="invoice.create")
    assert created.count() == len(drafts)
    assert set(created.values_list("status", flat=True)) == {Status.IGNORED}
