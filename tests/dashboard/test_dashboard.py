"""The dashboard: each FreshBooks login and business with its health, dates and fitting actions."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from connections.models import ConnectedBusiness, FreshBooksIdentity
from tests.factories import (
    ConnectedBusinessFactory,
    ConnectionFactory,
    UserFactory,
    WebhookDeliveryFactory,
)

pytestmark = pytest.mark.django_db


def dashboard_html(client) -> str:
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def business_row(html: str, business) -> str:
    match = re.search(rf'<tr data-business="{business.pk}">(.*?)</tr>', html, re.S)
    assert match, f"no row for business {business.pk}"
    return match.group(1)


def test_a_new_user_is_told_to_connect_freshbooks_to_start(client):
    client.force_login(UserFactory())

    html = dashboard_html(client)

    assert "Connect FreshBooks to start" in html
    assert reverse("connections:connect") in html
    assert "FreshBooks access was lost" not in html


@pytest.mark.parametrize(
    ("sync_state", "health", "label"),
    [
        (ConnectedBusiness.SyncState.OK, "healthy", "Healthy"),
        (ConnectedBusiness.SyncState.RUNNING, "syncing", "Syncing"),
        (ConnectedBusiness.SyncState.NEVER, "syncing", "Waiting for first sync"),
        (ConnectedBusiness.SyncState.ERROR, "error", "Error"),
        (ConnectedBusiness.SyncState.REAUTH_REQUIRED, "reconnect", "Reconnect needed"),
    ],
)
def test_each_business_shows_the_badge_of_its_sync_state(client, sync_state, health, label):
    business = ConnectedBusinessFactory(sync_state=sync_state, last_error="HTTP 500 from FB")
    client.force_login(business.connection.user)

    row = business_row(dashboard_html(client), business)

    assert f'data-health="{health}">{label}</span>' in row


def test_a_business_in_error_says_what_went_wrong_and_what_to_do(client):
    business = ConnectedBusinessFactory(
        sync_state=ConnectedBusiness.SyncState.ERROR, last_error="FreshBooks refused the sync"
    )
    client.force_login(business.connection.user)

    row = business_row(dashboard_html(client), business)

    assert "FreshBooks refused the sync" in row
    assert "press Sync now to try again" in row
    assert reverse("invoicing:sync_now", args=[business.pk]) in row


def test_lost_access_shows_a_banner_a_reconnect_button_and_hides_sync_now(client):
    business = ConnectedBusinessFactory(sync_state=ConnectedBusiness.SyncState.OK)
    FreshBooksIdentity.objects.filter(pk=business.connection.identity_id).update(
        state=FreshBooksIdentity.State.REAUTH_REQUIRED, last_error="refresh token was revoked"
    )
    client.force_login(business.connection.user)

    html = dashboard_html(client)

    assert 'role="alert"' in html
    assert "FreshBooks access was lost" in html
    # The banner, the connection's card and the issues feed.
    assert html.count("Reconnect FreshBooks") == 3
    row = business_row(html, business)
    assert 'data-health="reconnect"' in row
    assert reverse("invoicing:sync_now", args=[business.pk]) not in row


def test_last_sync_and_last_webhook_are_shown_per_business(client):
    now = timezone.now()
    business = ConnectedBusinessFactory(
        sync_state=ConnectedBusiness.SyncState.OK, last_synced_at=now - timedelta(hours=3)
    )
    quiet = ConnectedBusinessFactory(connection=business.connection)
    for minutes in (90, 20):
        WebhookDeliveryFactory(
            business=business,
            name="time_entry.update",
            received_at=now - timedelta(minutes=minutes),
        )
    client.force_login(business.connection.user)

    html = dashboard_html(client)

    row = business_row(html, business)
    assert "3\xa0hours ago" in row
    assert "20\xa0minutes ago" in row
    assert "1\xa0hour" not in row
    quiet_row = business_row(html, quiet)
    assert "never" in quiet_row and "none yet" in quiet_row


def test_each_connection_offers_add_remove_and_disconnect(client):
    business = ConnectedBusinessFactory()
    empty = ConnectionFactory(user=business.connection.user)
    client.force_login(business.connection.user)

    html = dashboard_html(client)

    for connection in (business.connection, empty):
        assert reverse("connections:businesses", args=[connection.pk]) in html
        assert reverse("connections:disconnect", args=[connection.pk]) in html
    assert "Add or remove businesses" in html
    assert "No business connected yet" in html and "Choose businesses" in html


def test_only_the_users_own_businesses_are_listed_and_disconnected_ones_apart(client):
    mine = ConnectedBusinessFactory(name="Mine Ltd")
    ConnectedBusinessFactory(name="Someone Else Inc")
    removed = ConnectedBusinessFactory(connection=mine.connection, name="Removed Co", active=False)
    gone = ConnectionFactory(user=mine.connection.user, disconnected_at=timezone.now())
    disconnected = ConnectedBusinessFactory(connection=gone, name="Disconnected LLC")
    client.force_login(mine.connection.user)

    html = dashboard_html(client)

    live, _, history = html.partition('id="disconnected"')
    assert "Mine Ltd" in live
    assert "Someone Else Inc" not in html
    for business in (removed, disconnected):
        assert business.name not in live
        assert f'data-disconnected-business="{business.pk}"' in history
        assert reverse("invoicing:business", args=[business.pk]) in history


def test_the_dashboard_needs_a_login(client):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
