"""Disconnecting: webhooks removed and access revoked at FreshBooks, local rows kept or deleted."""

import pytest
import requests
from django.urls import reverse

from connections.models import ConnectedBusiness, Connection, FreshBooksIdentity
from connections.services.businesses import business_webhook_url
from connections.services.freshbooks_api import api_client_for
from invoicing.models import TimeEntry
from tests.factories import ConnectionFactory, TimeEntryFactory, UserFactory
from tests.plugins.freshbooks import connect_sandbox_business

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(client, use_sandbox):
    seeded = connect_sandbox_business(use_sandbox, time_entries=20)
    client.force_login(seeded.business.connection.user)
    return seeded


def register_callback(seeded, uri):
    with api_client_for(seeded.identity) as api:
        return api.create_callback(seeded.business.account_id, event="time_entry", uri=uri)


def test_disconnect_removes_our_callbacks_revokes_access_and_keeps_local_data(
    client, use_sandbox, connected
):
    ours = register_callback(connected, business_webhook_url(connected.business))
    someone_elses = register_callback(connected, "https://elsewhere.example.com/hook/")
    TimeEntryFactory(
        business=connected.business,
        freshbooks_id=1,
        started_at="2026-11-01T10:00Z",
        duration_seconds=60,
    )
    access_token = connected.identity.access_token

    response = client.post(
        reverse("connections:disconnect", args=[connected.business.connection_id]),
        {"local_data": "keep"},
        follow=True,
    )

    assert "FreshBooks was disconnected." in response.content.decode()
    remaining = {
        c["callbackid"]
        for c in use_sandbox.control.state(connected.business.account_id, "callbacks")
        if c.get("active", True) is not False
    }
    assert ours["callbackid"] not in remaining
    assert someone_elses["callbackid"] in remaining
    after = requests.get(
        f"{use_sandbox.url}/auth/api/v1/users/me",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    assert after.status_code == 401
    identity = FreshBooksIdentity.objects.get(pk=connected.identity.pk)
    assert identity.state == FreshBooksIdentity.State.REVOKED
    assert identity.access_token == "" and identity.refresh_token == ""
    business = ConnectedBusiness.objects.get(pk=connected.business.pk)
    assert business.active is False
    assert TimeEntry.objects.filter(business=business).count() == 1
    live, _, history = (
        client.get(reverse("dashboard")).content.decode().partition('id="disconnected"')
    )
    assert business.name not in live
    assert business.name in history  # kept, readable under "Disconnected"


def test_disconnect_can_delete_the_synced_data(client, use_sandbox, connected):
    TimeEntryFactory(
        business=connected.business,
        freshbooks_id=1,
        started_at="2026-11-01T10:00Z",
        duration_seconds=60,
    )

    client.post(
        reverse("connections:disconnect", args=[connected.business.connection_id]),
        {"local_data": "delete"},
    )

    assert not ConnectedBusiness.objects.exists()
    assert not TimeEntry.objects.exists()


def test_freshbooks_unreachable_still_disconnects_locally_and_says_so(
    client, use_sandbox, connected, settings
):
    settings.FRESHBOOKS_API_BASE_URL = "http://127.0.0.1:1"  # nothing listens there
    settings.FRESHBOOKS_MAX_ATTEMPTS = 1

    response = client.post(
        reverse("connections:disconnect", args=[connected.business.connection_id]),
        {"local_data": "keep"},
        follow=True,
    )

    page = response.content.decode()
    assert "Disconnected here, but FreshBooks could not be reached" in page
    assert Connection.objects.get().disconnected_at is not None
    assert ConnectedBusiness.objects.get().active is False


def test_a_shared_identity_is_not_revoked_while_another_user_still_uses_it(
    client, use_sandbox, connected
):
    ConnectionFactory(user=UserFactory(), identity=connected.identity)
    use_sandbox.control.reset_calls()

    client.post(
        reverse("connections:disconnect", args=[connected.business.connection_id]),
        {"local_data": "keep"},
    )

    identity = FreshBooksIdentity.objects.get(pk=connected.identity.pk)
    assert identity.state == FreshBooksIdentity.State.ACTIVE
    assert use_sandbox.control.calls().get("POST /auth/oauth/revoke", 0) == 0


def test_reconnecting_after_lost_access_makes_the_identity_healthy_again(
    client, use_sandbox, connected
):
    FreshBooksIdentity.objects.filter(pk=connected.identity.pk).update(
        state=FreshBooksIdentity.State.REAUTH_REQUIRED, consecutive_failures=3
    )
    from tests.connections.test_connect_against_sandbox import back_to_app, consent

    owner_email = next(
        user["email"]
        for user in connected.seed["users"]
        if user["identity_id"] == connected.identity.identity_id
    )
    authorize_url = client.post(reverse("connections:connect"))["Location"]

    back_to_app(client, consent(authorize_url, email=owner_email))

    identity = FreshBooksIdentity.objects.get(pk=connected.identity.pk)
    assert identity.state == FreshBooksIdentity.State.ACTIVE
    assert identity.consecutive_failures == 0
    assert Connection.objects.count() == 1
    assert "FreshBooks access was lost" not in client.get(reverse("dashboard")).content.decode()
