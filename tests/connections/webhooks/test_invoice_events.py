"""Invoice events: only ``invoice.delete`` is taken, and it goes to the drafts service.

Against the real registry as invoicing wires it at start-up (no ``handler`` fixture here).
"""

import pytest
from django.utils import timezone

from connections.models import WebhookDelivery
from connections.webhooks import registry
from connections.webhooks.processing import webhook_delivery_process
from invoicing.drafts import DraftBusy, void
from tests.connections.webhooks.helpers import VERIFIER, event_fields, post_event
from tests.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


@pytest.fixture
def invoice_subscription(business):
    return WebhookSubscriptionFactory(
        business=business,
        event="invoice",
        uri=f"https://app.example.com/webhooks/freshbooks/{business.webhook_token}/",
        callback_id=502,
        verified=True,
        verifier=VERIFIER,
    )


@pytest.fixture
def released(monkeypatch):
    """Replaces the drafts service: records its calls, answers what the test says."""
    calls = []
    answer = {"value": None, "error": None}

    def release(*, business, invoice_id):
        calls.append((business.pk, invoice_id))
        if answer["error"] is not None:
            raise answer["error"]
        return answer["value"]

    monkeypatch.setattr(void, "draft_release_on_remote_delete", release)
    return calls, answer


def invoice_delivery(business, *, name="invoice.delete", object_id=9001):
    return WebhookDeliveryFactory(
        business=business,
        name=name,
        noun="invoice",
        object_id=object_id,
        status=Status.PENDING,
        signature=WebhookDelivery.Signature.VALID,
        next_attempt_at=timezone.now(),
    )


def test_invoicing_takes_invoice_deletes_and_no_other_invoice_event():
    assert registry.handler_for("invoice") is void.invoice_deleted_handle
    assert registry.takes("invoice.delete")
    assert not registry.takes("invoice.create")
    assert not registry.takes("invoice.update")
    assert registry.takes("time_entry.create")  # no filter: every event of the noun
    assert not registry.takes("bill.create")


@pytest.mark.parametrize("name", ["invoice.create", "invoice.update", "invoice.sendByEmail"])
def test_other_invoice_events_are_stored_as_ignored_and_never_enqueued(
    client, business, invoice_subscription, sent_tasks, django_capture_on_commit_callbacks, name
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, business, event_fields(business, name=name, object_id=9001))

    assert (response.status_code, response.content) == (200, b"ignored")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.IGNORED
    assert delivery.last_error == f"the app does not process {name} events"
    assert sent_tasks == []


@pytest.mark.django_db(transaction=True)
def test_an_invoice_delete_is_stored_pending_and_the_worker_woken(
    client, business, invoice_subscription, sent_tasks, wake_notifications
):
    response = post_event(
        client, business, event_fields(business, name="invoice.delete", object_id=9001)
    )

    assert (response.status_code, response.content) == (200, b"ok")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.subscription) == (Status.PENDING, invoice_subscription)
    assert wake_notifications() == [str(delivery.pk)]
    assert sent_tasks == []  # the worker's listener enqueues it, not the request


def test_an_invoice_delete_of_our_draft_is_handed_to_the_drafts_service(business, released):
    calls, answer = released
    answer["value"] = object()  # the released draft
    delivery = invoice_delivery(business)

    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.DONE

    assert calls == [(business.pk, 9001)]
    delivery.refresh_from_db()
    assert delivery.outcome == "released"


def test_an_invoice_delete_that_releases_nothing_is_done_and_ignored(business, released):
    delivery = invoice_delivery(business)

    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.DONE

    delivery.refresh_from_db()
    assert delivery.outcome == "ignored"


def test_a_draft_a_worker_holds_is_retried_later_not_failed(business, released, sent_tasks):
    calls, answer = released
    answer["error"] = DraftBusy("FreshBooks is being updated for this draft right now")
    delivery = invoice_delivery(business)

    assert webhook_delivery_process(delivery_id=delivery.pk) == Status.PENDING

    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now()
    assert "RetryLater" in delivery.last_error
    assert "being updated" in delivery.last_error


def test_a_registration_limited_to_some_events_is_checked(monkeypatch):
    monkeypatch.setattr(registry, "_handlers", {})
    monkeypatch.setattr(registry, "_events", {})

    def handle(**kwargs):
        return "updated"

    registry.register("invoice", handle, events=["invoice.delete"])
    registry.register("invoice", handle, events=["invoice.delete"])  # imported twice

    assert registry.takes("invoice.delete") and not registry.takes("invoice.update")
    with pytest.raises(registry.HandlerConflict):
        registry.register("invoice", handle)  # the same handler, other events
    with pytest.raises(ValueError, match="invoice.<verb>"):
        registry.register("invoice", handle, events=["client.delete"])
