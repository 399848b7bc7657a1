"""Registering this app's callbacks with FreshBooks and the verification handshake."""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import responses
from django.db import connection
from django.utils import timezone

from connections.models import FreshBooksIdentity, WebhookDelivery, WebhookSubscription
from connections.services import business_hooks
from connections.webhooks.lifecycle import forget_removed_callbacks, subscribe_connected_business
from connections.webhooks.subscriptions import (
    webhook_events,
    webhook_subscription_confirm,
    webhook_subscription_resend,
    webhook_subscriptions_request,
    webhook_subscriptions_sweep,
    webhook_subscriptions_sync,
)
from tests.connections.webhooks.helpers import FORM, VERIFIER, webhook_url
from tests.factories import WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def freshbooks(settings):
    callbacks_url = f"{settings.FRESHBOOKS_API_BASE_URL}/events/account/ACC1/events/callbacks"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.callbacks_url = callbacks_url
        yield mock


def list_reply(mock, callbacks):
    page = {"callbacks": callbacks, "page": 1, "pages": 1, "per_page": 100, "total": len(callbacks)}
    mock.get(mock.callbacks_url, json={"response": {"result": page}})


def creates_with_ids(mock, first_id=2001):
    next_id = iter(range(first_id, first_id + 100))

    def create(request):
        callback = json.loads(request.body)["callback"]
        created = {**callback, "callbackid": next(next_id), "verified": False}
        return 200, {}, json.dumps({"response": {"result": {"callback": created}}})

    mock.add_callback(responses.POST, mock.callbacks_url, callback=create)


def verification(client, business, *, callback_id, verifier=VERIFIER):
    fields = [
        ("name", "callback.verify"),
        ("object_id", str(callback_id)),
        ("verifier", verifier),
        ("account_id", business.account_id),
        ("user_id", "77"),
    ]
    return client.post(webhook_url(business), data=urlencode(fields), content_type=FORM)


def test_the_connect_hook_is_registered_for_every_process():
    assert subscribe_connected_business in business_hooks._on_connect
    assert forget_removed_callbacks in business_hooks._on_callbacks_removed


def test_connecting_asks_for_one_subscription_per_event_at_the_public_url(
    business, settings, sent_tasks, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://billing.example.com"

    with django_capture_on_commit_callbacks(execute=True):
        subscribe_connected_business(business.pk)

    subscriptions = WebhookSubscription.objects.filter(business=business)
    assert sorted(subscriptions.values_list("event", flat=True)) == sorted(webhook_events())
    assert {"time_entry", "invoice", "client", "project", "service"} <= set(webhook_events())
    expected_uri = f"https://billing.example.com/webhooks/freshbooks/{business.webhook_token}/"
    assert set(subscriptions.values_list("uri", flat=True)) == {expected_uri}
    assert sent_tasks == [("sync_subscriptions", business.pk, None)]


def test_registering_creates_a_callback_per_event_and_keeps_its_id(business, freshbooks):
    webhook_subscriptions_request(business=business)
    list_reply(freshbooks, [])
    creates_with_ids(freshbooks)

    report = webhook_subscriptions_sync(business_pk=business.pk)

    assert report.created == len(webhook_events())
    posted = [json.loads(call.request.body)["callback"] for call in freshbooks.calls[1:]]
    assert sorted(body["event"] for body in posted) == sorted(webhook_events())
    for subscription in WebhookSubscription.objects.filter(business=business):
        assert subscription.callback_id >= 2001
        assert not subscription.verified
        assert subscription.verification_requested_at is not None


def test_a_verification_that_beats_the_saved_callback_id_is_not_lost(
    client, business, freshbooks, sent_tasks, django_capture_on_commit_callbacks
):
    webhook_subscriptions_request(business=business)
    early = verification(client, business, callback_id=2001)
    assert early.status_code == 200
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.IGNORED
    list_reply(freshbooks, [])
    creates_with_ids(freshbooks)

    with django_capture_on_commit_callbacks(execute=True):
        webhook_subscriptions_sync(business_pk=business.pk)

    subscription = WebhookSubscription.objects.get(callback_id=2001)
    assert subscription.pending_verifier == VERIFIER
    claimed = WebhookDelivery.objects.get()
    assert claimed.status == WebhookDelivery.Status.DONE
    assert claimed.verifier == ""
    assert ("confirm_subscription", subscription.pk, None) in sent_tasks


def test_verified_callbacks_are_kept_and_stale_ones_of_this_business_deleted(
    business, freshbooks, subscription, settings
):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        uri=f"{settings.PUBLIC_BASE_URL}/webhooks/freshbooks/{business.webhook_token}/"
    )
    webhook_subscriptions_request(business=business)
    subscription.refresh_from_db()
    mine = {"callbackid": 501, "event": "time_entry", "uri": subscription.uri, "verified": True}
    old_domain = {
        "callbackid": 400,
        "event": "time_entry",
        "uri": f"https://old.example.com/webhooks/freshbooks/{business.webhook_token}/",
        "verified": True,
    }
    someone_elses = {"callbackid": 300, "event": "invoice", "uri": "https://zapier.example/x"}
    list_reply(freshbooks, [mine, old_domain, someone_elses])
    creates_with_ids(freshbooks)
    freshbooks.delete(f"{freshbooks.callbacks_url}/400", status=204)

    report = webhook_subscriptions_sync(business_pk=business.pk)

    assert (report.kept, report.deleted, report.resent) == (1, 1, 0)
    assert report.created == len(webhook_events()) - 1
    deleted = [call.request.url for call in freshbooks.calls if call.request.method == "DELETE"]
    assert deleted == [f"{freshbooks.callbacks_url}/400"]
    subscription.refresh_from_db()
    assert (subscription.callback_id, subscription.verified) == (501, True)


def test_a_callback_freshbooks_reports_unverified_gets_its_verification_resent(
    business, freshbooks, subscription
):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(verified=False, verifier="")
    list_reply(
        freshbooks,
        [{"callbackid": 501, "event": "time_entry", "uri": subscription.uri, "verified": False}],
    )
    freshbooks.put(f"{freshbooks.callbacks_url}/501", json={})

    report = webhook_subscriptions_sync(business_pk=business.pk)

    assert report.resent == 1
    resend = [call for call in freshbooks.calls if call.request.method == "PUT"]
    assert json.loads(resend[0].request.body) == {"callback": {"resend": True}}


def test_a_verification_post_stores_the_verifier_and_asks_for_confirmation(
    client, business, subscription, sent_tasks, django_capture_on_commit_callbacks
):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(verified=False, verifier="")

    with django_capture_on_commit_callbacks(execute=True):
        response = verification(client, business, callback_id=501, verifier="fresh-verifier")

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.pending_verifier == "fresh-verifier"
    assert not subscription.verified
    assert sent_tasks == [("confirm_subscription", subscription.pk, None)]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DONE
    assert delivery.signature == WebhookDelivery.Signature.NOT_SIGNED
    assert "fresh-verifier" not in delivery.raw_body
    assert "verifier=%5Bredacted%5D" in delivery.raw_body


def test_verifiers_are_encrypted_at_rest(client, business, subscription):
    verification(client, business, callback_id=999, verifier="early-verifier")

    with connection.cursor() as cursor:
        cursor.execute("SELECT verifier FROM connections_webhooksubscription")
        (stored_subscription,) = cursor.fetchone()
        cursor.execute("SELECT verifier FROM connections_webhookdelivery")
        (stored_delivery,) = cursor.fetchone()
    assert VERIFIER not in stored_subscription
    assert stored_delivery and "early-verifier" not in stored_delivery


def test_a_repeated_verification_of_a_verified_callback_changes_nothing(
    client, business, subscription, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        verification(client, business, callback_id=501, verifier=VERIFIER)

    assert WebhookDelivery.objects.get().outcome == "already verified"
    assert sent_tasks == []


def test_a_verification_for_a_callback_the_app_never_created_is_recorded_as_ignored(
    client, business, subscription, sent_tasks
):
    response = verification(client, business, callback_id=98765)

    assert response.status_code == 200
    ignored = WebhookDelivery.objects.get()
    assert ignored.status == WebhookDelivery.Status.IGNORED
    assert ignored.last_error == "no subscription has callback id 98765 (yet)"
    subscription.refresh_from_db()
    assert subscription.pending_verifier == ""


@pytest.mark.parametrize(
    "fields",
    [
        [("name", "callback.verify"), ("verifier", "abc")],
        [("name", "callback.verify"), ("object_id", "501")],
        [("name", "callback.verify"), ("object_id", "501"), ("verifier", "v" * 500)],
    ],
)
def test_a_verification_without_callback_id_or_verifier_is_a_400(client, business, fields):
    response = client.post(webhook_url(business), data=urlencode(fields), content_type=FORM)

    assert response.status_code == 400
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.REJECTED


def test_confirming_puts_the_verifier_back_and_only_then_uses_it(
    business, subscription, freshbooks
):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        verified=False, verifier="", pending_verifier="fresh-verifier"
    )
    confirmed = {
        "callbackid": 501,
        "verified": True,
        "uri": subscription.uri,
        "event": "time_entry",
    }
    freshbooks.put(
        f"{freshbooks.callbacks_url}/501", json={"response": {"result": {"callback": confirmed}}}
    )

    assert webhook_subscription_confirm(subscription_pk=subscription.pk)

    assert json.loads(freshbooks.calls[0].request.body) == {
        "callback": {"verifier": "fresh-verifier"}
    }
    subscription.refresh_from_db()
    assert (subscription.verified, subscription.verifier) == (True, "fresh-verifier")
    assert subscription.pending_verifier == ""


def test_a_verifier_freshbooks_refuses_never_replaces_the_working_one(
    business, subscription, freshbooks
):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(pending_verifier="forged")
    freshbooks.put(
        f"{freshbooks.callbacks_url}/501",
        status=422,
        json={"errno": 422, "message": "Unprocessable", "details": ["verifier: Invalid verifier."]},
    )

    assert not webhook_subscription_confirm(subscription_pk=subscription.pk)

    subscription.refresh_from_db()
    assert (subscription.verified, subscription.verifier) == (True, VERIFIER)
    assert subscription.pending_verifier == ""
    assert "refused the verifier" in subscription.last_error


def test_a_callback_gone_at_freshbooks_is_registered_again(
    business, subscription, freshbooks, sent_tasks, django_capture_on_commit_callbacks
):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(verified=False)
    freshbooks.put(f"{freshbooks.callbacks_url}/501", status=404, json={"errno": 404})

    with django_capture_on_commit_callbacks(execute=True):
        assert not webhook_subscription_resend(subscription_pk=subscription.pk)

    subscription.refresh_from_db()
    assert subscription.callback_id is None
    assert sent_tasks == [("sync_subscriptions", business.pk, None)]


def test_removed_callbacks_take_their_subscriptions_with_them(business, subscription):
    business_hooks.run_on_callbacks_removed(business.pk)

    assert not WebhookSubscription.objects.exists()


def test_the_sweeper_finishes_stuck_verifications_and_registers_missing_callbacks(
    business, subscription, sent_tasks, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - timedelta(hours=1)
    waiting_confirmation = WebhookSubscriptionFactory(
        business=business,
        event="client",
        uri=subscription.uri,
        callback_id=502,
        pending_verifier="v",
    )
    never_verified = WebhookSubscriptionFactory(
        business=business,
        event="project",
        uri=subscription.uri,
        callback_id=503,
        verification_requested_at=long_ago,
        verification_requests=1,
    )
    gave_up = WebhookSubscriptionFactory(
        business=business,
        event="service",
        uri=subscription.uri,
        callback_id=504,
        verification_requested_at=long_ago,
        verification_requests=6,
    )
    unregistered = WebhookSubscriptionFactory(
        business=business, event="invoice", uri=subscription.uri
    )
    WebhookSubscription.objects.filter(
        pk__in=[waiting_confirmation.pk, never_verified.pk, gave_up.pk, unregistered.pk]
    ).update(updated_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        sweep = webhook_subscriptions_sweep()

    assert (sweep.confirmed, sweep.resent, sweep.registered) == (1, 1, 1)
    assert sorted(sent_tasks) == sorted(
        [
            ("confirm_subscription", waiting_confirmation.pk, None),
            ("resend_verification", never_verified.pk, None),
            ("sync_subscriptions", business.pk, None),
        ]
    )


def test_registering_for_an_identity_that_must_reconnect_records_why_and_waits(
    business, freshbooks
):
    webhook_subscriptions_request(business=business)
    identity = business.connection.identity
    identity.state = FreshBooksIdentity.State.REAUTH_REQUIRED
    identity.save()

    report = webhook_subscriptions_sync(business_pk=business.pk)

    assert report.created == 0
    assert len(freshbooks.calls) == 0
    errors = set(WebhookSubscription.objects.values_list("last_error", flat=True))
    assert errors == {f"FreshBooks identity {identity.pk} must be reconnected"}


def test_unsigned_verification_posts_are_capped_like_other_unchecked_deliveries(
    client, business, subscription, settings, sent_tasks, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_UNCHECKED_PER_HOUR = 20

    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            verification(client, business, callback_id=501, verifier=f"forged-{n}").status_code
            for n in range(60)
        ]

    assert WebhookDelivery.objects.filter(business=business).count() == 20
    assert answers.count(200) == 20
    assert set(answers[20:]) == {429}


def test_a_verifier_is_put_back_at_most_once_per_subscription_per_interval(
    client, business, subscription, settings, sent_tasks, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_VERIFICATION_INTERVAL_SECONDS = 60
    WebhookSubscription.objects.filter(pk=subscription.pk).update(verified=False, verifier="")

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(30):
            verification(client, business, callback_id=501, verifier=f"offer-{n}")

    confirmations = [task for task in sent_tasks if task[0] == "confirm_subscription"]
    # One at once, and one at the interval's end that PUTs the verifier pending then.
    assert confirmations[0][2] is None
    assert len(confirmations) == 2
    assert 0 < confirmations[1][2] <= 60
    subscription.refresh_from_db()
    assert subscription.pending_verifier == "offer-29"
