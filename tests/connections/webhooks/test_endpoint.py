"""The endpoint stores every delivery, answers at once, and never turns bad input into a 500."""

import pytest
from django.utils import timezone

from connections.models import WebhookDelivery
from tests.connections.webhooks.helpers import FORM, event_fields, post_event, webhook_url
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


@pytest.mark.django_db(transaction=True)
def test_a_valid_delivery_is_stored_answered_and_the_worker_woken_once_it_committed(
    client, business, subscription, handler, sent_tasks, wake_notifications
):
    response = post_event(
        client,
        business,
        event_fields(business, name="time_entry.update", object_id=4242),
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="FreshHooks/0.4",
        HTTP_COOKIE="sessionid=secret",
    )

    assert response.status_code == 200
    assert response.content == b"ok"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING
    assert (delivery.name, delivery.noun, delivery.object_id) == (
        "time_entry.update",
        "time_entry",
        4242,
    )
    assert (delivery.account_id, delivery.freshbooks_business_id) == ("ACC1", 777)
    assert delivery.identity_id == 77
    assert delivery.raw_body.startswith("name=time_entry.update&object_id=4242&account_id=ACC1")
    assert delivery.remote_ip == "203.0.113.9"
    assert delivery.headers["User-Agent"] == "FreshHooks/0.4"
    assert "Cookie" not in delivery.headers
    assert delivery.received_at <= timezone.now()
    # No broker call on the request path: the stored row's notification wakes the worker's
    # listener, which enqueues the task (test_listener.py).
    assert sent_tasks == []
    assert wake_notifications() == [str(delivery.pk)]
    assert handler.calls == []  # processing happens in the task, not in the request


def test_only_post_is_allowed(client, business):
    response = client.get(webhook_url(business))

    assert response.status_code == 405


def test_an_unknown_token_is_not_found(client, business, subscription):
    response = client.post("/webhooks/freshbooks/not-a-token/", data="name=x", content_type=FORM)

    assert response.status_code == 404
    assert not WebhookDelivery.objects.exists()


def test_a_disconnected_business_no_longer_receives(client, business, subscription):
    business.active = False
    business.save()

    response = post_event(client, business, event_fields(business))

    assert response.status_code == 404


def test_a_body_over_the_cap_is_refused_without_reading_it(
    client, business, subscription, settings
):
    settings.WEBHOOK_MAX_BODY_BYTES = 1024
    fields = event_fields(business) + [("padding", "x" * 2000)]

    response = post_event(client, business, fields)

    assert response.status_code == 413
    rejected = WebhookDelivery.objects.get()
    assert rejected.status == Status.REJECTED
    assert rejected.last_error == "the body is too large"


def test_json_instead_of_a_form_is_unsupported(client, business, subscription):
    response = client.post(
        webhook_url(business),
        data={"name": "time_entry.create", "object_id": 1},
        content_type="application/json",
    )

    assert response.status_code == 415
    assert WebhookDelivery.objects.get().status == Status.REJECTED


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfename=time_entry.create", b"the body is not UTF-8"),
        (b'{"name": "time_entry.create"}', b"the body is not form-encoded"),
        (b"object_id=5&account_id=ACC1", b"the delivery has no event name"),
    ],
)
def test_malformed_form_bodies_get_a_400_with_the_reason(
    client, business, subscription, body, reason
):
    response = client.post(webhook_url(business), data=body, content_type=FORM)

    assert response.status_code == 400
    assert response.content == reason
    rejected = WebhookDelivery.objects.get()
    assert rejected.last_error == reason.decode()
    assert "\\xff" in rejected.raw_body or rejected.raw_body == body.decode()


@pytest.mark.parametrize(
    ("fields_change", "reason"),
    [
        ({"name": "bill.create"}, "the app does not process bill events"),
        ({"name": "time_entry." + "x" * 5000}, "unrecognised event name"),
        ({"name": "<script>"}, "unrecognised event name"),
        ({"object_id": "12abc"}, "object_id is missing or not a positive integer"),
        ({"object_id": "9" * 40}, "object_id is missing or not a positive integer"),
        ({"account_id": "OTHER"}, "account_id OTHER is not this business's account"),
        ({"business_id": "1"}, "business_id 1 is not this business"),
    ],
)
def test_signed_deliveries_the_app_cannot_use_are_stored_and_ignored(
    client, business, subscription, handler, sent_tasks, fields_change, reason
):
    fields = [(key, fields_change.get(key, value)) for key, value in event_fields(business)]

    response = post_event(client, business, fields)

    assert response.status_code == 200
    assert response.content == b"ignored"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.IGNORED
    assert delivery.signature == WebhookDelivery.Signature.VALID
    assert delivery.last_error == reason
    assert len(delivery.name) <= 100
    assert sent_tasks == []


def test_refused_deliveries_are_recorded_only_up_to_an_hourly_cap(
    client, business, subscription, settings
):
    settings.WEBHOOK_UNCHECKED_PER_HOUR = 5

    answers = {
        post_event(client, business, event_fields(business), verifier="forged").status_code
        for _ in range(12)
    }

    assert answers == {401}
    assert WebhookDelivery.objects.filter(status=Status.REJECTED).count() == 5


def test_the_cap_is_per_business(client, business, subscription, settings):
    settings.WEBHOOK_UNCHECKED_PER_HOUR = 1
    other = ConnectedBusinessFactory()
    post_event(client, business, event_fields(business), verifier="forged")

    post_event(client, other, event_fields(other), verifier="forged")

    assert WebhookDelivery.objects.filter(business=other).count() == 1


def test_a_broker_outage_still_answers_200_and_leaves_the_delivery_pending(
    client, business, subscription, handler, monkeypatch, django_capture_on_commit_callbacks
):
    from integration_app import enqueue

    class BrokerDown:
        def acquire(self, **kwargs):
            raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(enqueue, "_fail_fast_producers", BrokerDown)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, business, event_fields(business))

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().status == Status.PENDING
