"""Admin actions call the same services as the dashboard, against the FreshBooks sandbox."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from connections.models import (
    ConnectedBusiness,
    Connection,
    FreshBooksIdentity,
    WebhookSubscription,
)
from connections.webhooks.subscriptions import webhook_events
from invoicing.models import SyncRun
from tests.factories import ConnectedBusinessFactory
from tests.plugins.freshbooks import connect_sandbox_business

pytestmark = pytest.mark.django_db

BUSINESSES = reverse("admin:connections_connectedbusiness_changelist")


def run_action(admin_client, url: str, action: str, rows) -> list[str]:
    response = admin_client.post(
        url, {"action": action, "_selected_action": [row.pk for row in rows]}, follow=True
    )
    assert response.status_code == 200
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("action", "kind"), [("sync_now", SyncRun.Kind.FULL), ("full_resync", SyncRun.Kind.FULL)]
)
def test_sync_actions_queue_one_run_per_connected_business(admin_client, action, kind):
    connected = ConnectedBusinessFactory()
    removed = ConnectedBusinessFactory(active=False)

    notes = run_action(admin_client, BUSINESSES, action, [connected, removed])
    run_action(admin_client, BUSINESSES, action, [connected])

    run = SyncRun.objects.get()
    assert (run.business, run.kind, run.trigger) == (connected, kind, "admin")
    assert "Queued a sync of 1 business." in notes
    assert "1 selected business is no longer connected and was left alone." in notes


def test_reregistering_webhooks_creates_a_subscription_per_event(admin_client):
    business = ConnectedBusinessFactory()

    notes = run_action(admin_client, BUSINESSES, "reregister_webhooks", [business])

    events = set(
        WebhookSubscription.objects.filter(business=business).values_list("event", flat=True)
    )
    assert events == set(webhook_events())
    assert "Re-registering webhooks of 1 business." in notes


def test_refreshing_an_identity_rotates_its_tokens_at_freshbooks(admin_client, use_sandbox):
    seeded = connect_sandbox_business(use_sandbox, time_entries=5)
    before = seeded.identity.access_token

    notes = run_action(
        admin_client,
        reverse("admin:connections_freshbooksidentity_changelist"),
        "refresh_tokens",
        [seeded.identity],
    )

    seeded.identity.refresh_from_db()
    assert seeded.identity.access_token != before
    assert notes == [f"{seeded.identity}: tokens refreshed."]


def test_refreshing_an_identity_that_lost_access_says_the_user_must_reconnect(
    admin_client, use_sandbox
):
    seeded = connect_sandbox_business(use_sandbox, time_entries=5)
    FreshBooksIdentity.objects.filter(pk=seeded.identity.pk).update(state="reauth_required")

    notes = run_action(
        admin_client,
        reverse("admin:connections_freshbooksidentity_changelist"),
        "refresh_tokens",
        [seeded.identity],
    )

    assert notes == [f"{seeded.identity}: FreshBooks access was lost; the user must reconnect."]


def test_disconnecting_from_admin_revokes_access_and_keeps_the_data(admin_client, use_sandbox):
    seeded = connect_sandbox_business(use_sandbox, time_entries=5)
    connection = seeded.business.connection

    notes = run_action(
        admin_client,
        reverse("admin:connections_connection_changelist"),
        "disconnect_keep_data",
        [connection],
    )

    connection.refresh_from_db()
    assert connection.disconnected_at is not None
    assert ConnectedBusiness.objects.get(pk=seeded.business.pk).active is False
    assert FreshBooksIdentity.objects.get(pk=seeded.identity.pk).state == "revoked"
    assert notes == [f"{connection}: disconnected."]
    # A second press on a stale page does nothing more.
    assert (
        run_action(
            admin_client,
            reverse("admin:connections_connection_changelist"),
            "disconnect_keep_data",
            [connection],
        )
        == []
    )
    assert Connection.objects.filter(disconnected_at__isnull=True).count() == 0


def test_a_non_staff_user_cannot_run_an_action(client):
    business = ConnectedBusinessFactory()
    client.force_login(business.connection.user)

    response = client.post(BUSINESSES, {"action": "full_resync", "_selected_action": [business.pk]})

    assert response.status_code == 302
    assert not SyncRun.objects.exists()
