"""The X-FreshBooks-Hmac-SHA256 check, exactly as documented (reference §8.3)."""

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl

import pytest

from connections.models import WebhookDelivery
from connections.webhooks import signatures
from connections.webhooks.signatures import (
    MalformedDelivery,
    form_fields_parse,
    signature_compute,
    signature_matches,
)
from sandbox.webhooks import sign
from tests.connections.webhooks.helpers import VERIFIER, event_fields, post_event
from tests.factories import WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db

DOCUMENTED_BODY = (
    b"name=invoice.create&object_id=1234567&account_id=6BApk&business_id=6543"
    b"&identity_id=1234&user_id=1"
)


def documented_signature(verifier: str, body: bytes) -> str:
    """The documentation's recipe, written out independently of the app's code."""
    params = dict(parse_qsl(body.decode()))
    message = json.dumps({key: str(value) for key, value in params.items()})
    return base64.b64encode(
        hmac.new(verifier.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    ).decode()


def test_a_signature_computed_as_documented_matches():
    fields = form_fields_parse(DOCUMENTED_BODY)

    assert signature_matches(
        verifier=VERIFIER, fields=fields, signature=documented_signature(VERIFIER, DOCUMENTED_BODY)
    )


def test_fields_keep_their_posted_order_because_the_signature_covers_it():
    reordered = b"object_id=1234567&name=invoice.create&account_id=6BApk"
    fields = form_fields_parse(reordered)

    assert list(fields) == ["object_id", "name", "account_id"]
    assert signature_compute(verifier=VERIFIER, fields=fields) == documented_signature(
        VERIFIER, reordered
    )


def test_non_ascii_values_are_signed_with_json_ascii_escapes():
    body = b"name=client.update&object_id=5&note=Caf%C3%A9"
    fields = form_fields_parse(body)

    assert fields["note"] == "Café"
    assert signature_compute(verifier=VERIFIER, fields=fields) == documented_signature(
        VERIFIER, body
    )


def test_one_altered_field_fails_the_check():
    fields = form_fields_parse(DOCUMENTED_BODY)
    signature = signature_compute(verifier=VERIFIER, fields=fields)
    fields["object_id"] = "1234568"

    assert not signature_matches(verifier=VERIFIER, fields=fields, signature=signature)


def test_a_signature_made_with_another_key_fails_the_check():
    fields = form_fields_parse(DOCUMENTED_BODY)
    signature = signature_compute(verifier="someone-elses-verifier", fields=fields)

    assert not signature_matches(verifier=VERIFIER, fields=fields, signature=signature)


def test_an_empty_verifier_never_matches():
    fields = form_fields_parse(DOCUMENTED_BODY)

    assert not signature_matches(
        verifier="", fields=fields, signature=signature_compute(verifier="", fields=fields)
    )


def test_the_comparison_is_constant_time(monkeypatch):
    compared = []
    real_compare_digest = hmac.compare_digest

    def spy(expected, given):
        compared.append((expected, given))
        return real_compare_digest(expected, given)

    monkeypatch.setattr(signatures.hmac, "compare_digest", spy)
    fields = form_fields_parse(DOCUMENTED_BODY)

    signature_matches(verifier=VERIFIER, fields=fields, signature="not-it")

    assert compared == [(signature_compute(verifier=VERIFIER, fields=fields).encode(), b"not-it")]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfename=x", "the body is not UTF-8"),
        (b'{"name": "time_entry.create"}', "the body is not form-encoded"),
        (b"name=%FF%FE", "a form field is not UTF-8 once decoded"),
        (b"   ", "the body is empty"),
        (b"&".join(b"f%d=1" % n for n in range(60)), "the body is not form-encoded"),
    ],
)
def test_bodies_freshbooks_could_not_have_sent_are_refused_with_a_reason(body, reason):
    with pytest.raises(MalformedDelivery) as refused:
        form_fields_parse(body)

    assert refused.value.reason == reason


# Through the endpoint.


def test_the_endpoint_accepts_a_delivery_signed_as_documented(client, business, subscription):
    response = post_event(client, business, event_fields(business))

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.signature == WebhookDelivery.Signature.VALID
    assert delivery.subscription == subscription


def test_the_endpoint_refuses_an_altered_field(client, business, subscription):
    fields = event_fields(business, object_id=1)
    signature = sign(VERIFIER, fields)
    altered = event_fields(business, object_id=2)

    response = post_event(client, business, altered, signature=signature)

    assert response.status_code == 401
    assert response.content == b"bad signature"
    rejected = WebhookDelivery.objects.get()
    assert rejected.status == WebhookDelivery.Status.REJECTED
    assert rejected.signature == WebhookDelivery.Signature.INVALID
    assert rejected.last_error == "bad signature"


def test_the_endpoint_refuses_a_wrong_key(client, business, subscription):
    response = post_event(client, business, event_fields(business), verifier="wrong-key")

    assert response.status_code == 401
    assert WebhookDelivery.objects.get().signature == WebhookDelivery.Signature.INVALID


def test_the_endpoint_refuses_a_missing_signature_header(client, business, subscription):
    response = post_event(client, business, event_fields(business), verifier=None)

    assert response.status_code == 401
    assert response.content == b"missing signature"
    assert WebhookDelivery.objects.get().signature == WebhookDelivery.Signature.MISSING


def test_the_noun_picks_the_verifier_of_that_event_subscription(client, business, subscription):
    WebhookSubscriptionFactory(
        business=business,
        event="client",
        uri=subscription.uri,
        callback_id=502,
        verified=True,
        verifier="client-verifier",
    )

    signed_with_time_entry_key = post_event(
        client, business, event_fields(business, name="client.update"), verifier=VERIFIER
    )
    signed_with_client_key = post_event(
        client, business, event_fields(business, name="client.update"), verifier="client-verifier"
    )

    assert signed_with_time_entry_key.status_code == 401
    assert signed_with_client_key.status_code == 200


def test_without_a_verified_subscription_nothing_is_accepted(client, business, subscription):
    subscription.verified = False
    subscription.save()

    response = post_event(client, business, event_fields(business))

    assert response.status_code == 401
    assert response.content == b"no verified subscription"
    assert WebhookDelivery.objects.get().signature == WebhookDelivery.Signature.NO_KEY
