"""Operators see every delivery and can replay failed ones; verifiers never appear."""

import pytest
from django.conf import settings
from django.urls import reverse

# connections/admin.py imports this module; importing it here too keeps these tests independent of
# import order (a second import registers nothing twice).
import connections.webhooks.admin  # noqa: F401
from connections.models import WebhookDelivery, WebhookSubscription
from tests.connections.webhooks.helpers import VERIFIER
from tests.factories import WebhookDeliveryFactory

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


@pytest.fixture
def failed_delivery(business, subscription):
    return WebhookDeliveryFactory(
        business=business,
        subscription=subscription,
        name="time_entry.update",
        noun="time_entry",
        object_id=4242,
        status=Status.FAILED,
        attempts=5,
        signature=WebhookDelivery.Signature.VALID,
        last_error="ServerError: HTTP 503: down",
    )


def test_the_delivery_list_shows_signature_status_attempts_and_error(admin_client, failed_delivery):
    response = admin_client.get(reverse("admin:connections_webhookdelivery_changelist"))

    html = response.content.decode()
    assert response.status_code == 200
    for text in ("time_entry.update", "4242", "Valid", "Failed", "ServerError: HTTP 503"):
        assert text in html


def test_no_admin_page_shows_a_verifier(admin_client, subscription, failed_delivery):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(pending_verifier="pending-one")
    pages = [
        reverse("admin:connections_webhooksubscription_changelist"),
        reverse("admin:connections_webhooksubscription_change", args=[subscription.pk]),
        reverse("admin:connections_webhookdelivery_change", args=[failed_delivery.pk]),
    ]

    for page in pages:
        html = admin_client.get(page).content.decode()
        assert VERIFIER not in html
        assert "pending-one" not in html


def test_the_replay_action_replays_the_selected_failed_deliveries(
    admin_client, failed_delivery, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:connections_webhookdelivery_changelist"),
            {"action": "replay", "_selected_action": [failed_delivery.pk]},
            follow=True,
        )

    assert "Replaying 1 failed delivery." in response.content.decode()
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == Status.PENDING
    assert sent_tasks == [("process_delivery", failed_delivery.pk, None)]


def test_the_reregister_action_asks_for_the_business_callbacks_again(
    admin_client, business, subscription, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:connections_webhooksubscription_changelist"),
            {"action": "reregister", "_selected_action": [subscription.pk]},
        )

    assert sent_tasks == [("sync_subscriptions", business.pk, None)]
    # One subscription per event the business listens to.
    expected = len(settings.FRESHBOOKS_WEBHOOK_EVENTS)
    assert WebhookSubscription.objects.filter(business=business).count() == expected
