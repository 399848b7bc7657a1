"""A NUL byte (PostgreSQL text and jsonb refuse it) anywhere in a delivery never turns into a 500:
the delivery is stored with NUL made visible, and answered like any other."""

from urllib.parse import urlencode

import pytest

from connections.models import WebhookDelivery
from tests.connections.webhooks.helpers import FORM, event_fields, post_event, webhook_url

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


def _with(business, **changes):
    return [(key, changes.get(key, value)) for key, value in event_fields(business)]


def test_a_signed_delivery_with_nul_in_a_field_is_stored_and_ignored(
    client, business, subscription, handler, sent_tasks
):
    response = post_event(client, business, _with(business, account_id="ACC1\x00\u202e"))

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.IGNORED
    assert "\x00" not in delivery.raw_body + delivery.account_id + delivery.last_error
    assert sent_tasks == []


def test_a_signed_delivery_with_nul_in_an_extra_field_is_processed(
    client, business, subscription, handler, sent_tasks
):
    response = post_event(client, business, [*event_fields(business), ("note", "a\x00b")])

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING
    assert "\x00" not in delivery.raw_body


@pytest.mark.parametrize(
    "fields",
    [
        [("name", "time_entry.create\x00"), ("object_id", "1")],
        [("name", "time_entry.create"), ("object_id", "1\x00")],
        [("name", "\x00")],
    ],
)
def test_an_unsigned_delivery_with_nul_is_refused_and_recorded(
    client, business, subscription, fields
):
    response = post_event(client, business, fields, verifier=None)

    assert response.status_code == 401
    rejected = WebhookDelivery.objects.get()
    assert rejected.status == Status.REJECTED
    assert "\x00" not in rejected.raw_body + rejected.name


def test_a_raw_nul_byte_in_a_malformed_body_is_refused_and_recorded(client, business, subscription):
    response = client.post(webhook_url(business), data=b"name=\x00&&=", content_type=FORM)

    assert response.status_code == 400
    assert "\x00" not in WebhookDelivery.objects.get().raw_body


def test_nul_in_a_header_is_stored_visibly(client, business, subscription, handler, sent_tasks):
    response = post_event(client, business, event_fields(business), HTTP_USER_AGENT="Hooks\x00/1")

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().headers["User-Agent"] == "Hooks\ufffd/1"


def test_a_callback_verify_with_nul_is_answered_without_error(client, business, subscription):
    fields = [("name", "callback.verify"), ("object_id", "501"), ("verifier", "v\x00x")]

    response = client.post(webhook_url(business), data=urlencode(fields), content_type=FORM)

    assert response.status_code < 500


@pytest.mark.parametrize("token", ["%00", "abc%00def", "x" * 65, "..%2Fadmin", "t%C3%A9"])
def test_a_token_that_no_business_could_have_is_unknown(client, business, subscription, token):
    response = client.post(f"/webhooks/freshbooks/{token}/", data="name=x", content_type=FORM)

    assert response.status_code == 404
    assert not WebhookDelivery.objects.exists()
