"""A web process reuses the signing keys it read, and never accepts with a key that no longer holds.

The statement that stores a delivery re-checks the key, the token and the business, so a rotated
verifier, a new token or a disconnected business take effect on the very next delivery.
"""

from contextlib import contextmanager

import pytest
from django.db import connection
from django.utils import timezone

from connections.models import WebhookDelivery
from connections.webhooks.signing_keys import signing_keys_read
from tests.connections.webhooks.helpers import event_fields, post_event
from tests.factories import WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


@contextmanager
def statements():
    """The SQL statements run meanwhile (Django's own query log is reset by each request)."""
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


def test_a_known_business_s_delivery_costs_one_statement_that_stores_it(
    client, business, subscription, handler, sent_tasks
):
    post_event(client, business, event_fields(business, object_id=1))

    with statements() as seen:
        response = post_event(client, business, event_fields(business, object_id=2))

    assert (response.status_code, response.content) == (200, b"ok")
    assert len(seen) == 1
    assert seen[0].startswith("WITH stored AS (INSERT INTO")
    assert "pg_notify" in seen[0]
    assert sorted(WebhookDelivery.objects.values_list("object_id", "status")) == [
        (1, Status.PENDING),
        (2, Status.PENDING),
    ]
    assert WebhookDelivery.objects.get(object_id=2).subscription == subscription
    assert sent_tasks == []


def test_an_ignored_delivery_is_stored_in_one_statement_and_wakes_nobody(
    client, business, subscription, handler
):
    post_event(client, business, event_fields(business, object_id=1))

    with statements() as seen:
        response = post_event(client, business, event_fields(business, name="bill.create"))

    assert (response.status_code, response.content) == (200, b"ignored")
    assert len(seen) == 1
    assert "pg_notify" not in seen[0]
    assert WebhookDelivery.objects.get(name="bill.create").status == Status.IGNORED


def test_a_rotated_verifier_takes_effect_on_the_next_delivery(
    client, business, subscription, handler
):
    post_event(client, business, event_fields(business, object_id=1))  # the old key is read
    subscription.verifier = "vrf-rotated-0f1e2d3c4b5a69788796"
    subscription.save()

    old = post_event(client, business, event_fields(business, object_id=2))
    new = post_event(
        client, business, event_fields(business, object_id=3), verifier=subscription.verifier
    )

    assert old.status_code == 401
    assert new.status_code == 200
    assert WebhookDelivery.objects.get(object_id=2).status == Status.REJECTED
    assert WebhookDelivery.objects.get(object_id=3).status == Status.PENDING


def test_a_key_no_longer_verified_signs_nothing(client, business, subscription, handler):
    post_event(client, business, event_fields(business, object_id=1))
    subscription.verified = False
    subscription.save()

    response = post_event(client, business, event_fields(business, object_id=2))

    assert response.status_code == 401
    assert WebhookDelivery.objects.get(object_id=2).status == Status.REJECTED


def test_a_new_key_of_the_business_is_found_without_waiting(
    client, business, subscription, handler
):
    post_event(client, business, event_fields(business, object_id=1))
    client_key = WebhookSubscriptionFactory(
        business=business, event="client", callback_id=502, verified=True, verifier="vrf-client-9"
    )

    response = post_event(
        client,
        business,
        event_fields(business, name="client.update", object_id=2),
        verifier=client_key.verifier,
    )

    assert response.status_code == 200
    assert WebhookDelivery.objects.get(object_id=2).subscription == client_key


@pytest.mark.parametrize("change", ["deactivated", "disconnected", "new token"])
def test_a_business_that_changed_after_its_keys_were_read_gets_nothing_stored(
    client, business, subscription, handler, change
):
    old_token = business.webhook_token
    post_event(client, business, event_fields(business, object_id=1))
    if change == "deactivated":
        business.active = False
        business.save()
    elif change == "disconnected":
        business.connection.disconnected_at = timezone.now()
        business.connection.save()
    else:
        business.webhook_token = "a-new-token-for-this-business"
        business.save()
    business.webhook_token = old_token  # post to the URL FreshBooks still has

    response = post_event(client, business, event_fields(business, object_id=2))

    assert response.status_code == 404
    assert not WebhookDelivery.objects.filter(object_id=2).exists()


def test_a_forged_signature_is_refused_and_recorded_as_before(
    client, business, subscription, handler
):
    post_event(client, business, event_fields(business, object_id=1))

    response = post_event(client, business, event_fields(business, object_id=2), verifier="x")

    assert response.status_code == 401
    rejected = WebhookDelivery.objects.get(object_id=2)
    assert (rejected.status, rejected.last_error) == (Status.REJECTED, "bad signature")


def test_an_unsigned_delivery_goes_the_full_way_and_is_refused_as_before(
    client, business, subscription
):
    post_event(client, business, event_fields(business, object_id=1))

    response = post_event(client, business, event_fields(business, object_id=2), verifier=None)

    assert (response.status_code, response.content) == (401, b"missing signature")
    rejected = WebhookDelivery.objects.get(object_id=2)
    assert rejected.signature == WebhookDelivery.Signature.MISSING


def test_cached_keys_never_show_the_token_or_a_verifier(business, subscription):
    keys = signing_keys_read(business.webhook_token)

    assert keys is not None and keys.keys[0].verifier == subscription.verifier
    assert business.webhook_token not in repr(keys)
    assert subscription.verifier not in repr(keys) + repr(keys.keys)
