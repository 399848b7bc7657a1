"""The business page (invoicing/views/businesses.py): unbilled hours per client, last sync, and
"Sync now"."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from connections.models import FreshBooksIdentity
from invoicing.models import SyncRun
from tests.factories import ClientFactory, ConnectedBusinessFactory, TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db


def entry(business, freshbooks_id, client_id, seconds, **fields):
    return TimeEntryFactory(
        business=business,
        freshbooks_id=freshbooks_id,
        client_freshbooks_id=client_id,
        started_at=datetime(2026, 11, 2, 15, tzinfo=UTC),
        duration_seconds=seconds,
        billable=fields.pop("billable", True),
        **fields,
    )


@pytest.fixture
def business(client):
    """Northwind with an empty mirror, its owner signed in (instead of conftest's invoice pages'
    business)."""
    business = ConnectedBusinessFactory(name="Northwind")
    client.force_login(business.connection.user)
    return business


def test_the_business_page_shows_unbilled_hours_per_client(client, business):
    ClientFactory(business=business, freshbooks_id=1, display_name="Acme", currency_code="USD")
    ClientFactory(business=business, freshbooks_id=2, display_name="Globex", currency_code="CAD")
    entry(business, 10, 1, 5400)
    entry(business, 11, 1, 1800)
    entry(business, 12, 2, 3600)
    entry(business, 13, 2, 3600, billed=True)
    entry(business, 14, 2, 3600, billable=False)
    entry(business, 15, 2, 3600, active=False)
    entry(business, 16, 2, 0, is_logged=False)

    response = client.get(reverse("invoicing:business", args=[business.pk]))

    assert response.status_code == 200
    rows = {row.client_name: (row.entries, row.hours) for row in response.context["unbilled"]}
    assert rows == {"Acme": (2, 2), "Globex": (1, 1)}
    assert response.context["unbilled_hours_total"] == 3
    assert "Northwind" in response.content.decode()


def test_sync_now_queues_one_run_after_commit_however_often_it_is_pressed(
    client, business, django_capture_on_commit_callbacks
):
    url = reverse("invoicing:sync_now", args=[business.pk])
    with django_capture_on_commit_callbacks() as queued:
        client.post(url)
        client.post(url)

    run = SyncRun.objects.get(business=business)
    assert run.kind == SyncRun.Kind.FULL  # never synced before
    assert run.trigger == "user"
    assert len(queued) == 1


def test_sync_now_with_lost_access_asks_to_reconnect_and_queues_nothing(client, business):
    FreshBooksIdentity.objects.filter(pk=business.connection.identity_id).update(
        state=FreshBooksIdentity.State.REAUTH_REQUIRED
    )

    response = client.post(reverse("invoicing:sync_now", args=[business.pk]), follow=True)

    assert "Reconnect FreshBooks" in response.content.decode()
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize(("route", "method"), [("business", "get"), ("sync_now", "post")])
def test_another_users_business_is_a_404(client, route, method):
    theirs = ConnectedBusinessFactory()
    client.force_login(UserFactory())

    response = getattr(client, method)(reverse(f"invoicing:{route}", args=[theirs.pk]))

    assert response.status_code == 404
    assert not SyncRun.objects.exists()


def test_a_removed_business_page_stays_readable_without_actions(client, business):
    business.active = False
    business.save()

    response = client.get(reverse("invoicing:business", args=[business.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Disconnected." in html and "read-only" in html
    assert reverse("invoicing:sync_now", args=[business.pk]) not in html
    assert "Create draft invoices" not in html


def test_another_users_removed_business_is_a_404(client, business):
    other = ConnectedBusinessFactory(active=False)

    assert client.get(reverse("invoicing:business", args=[other.pk])).status_code == 404


def test_the_admin_action_queues_syncs(admin_client):
    business = ConnectedBusinessFactory()

    admin_client.post(
        reverse("admin:connections_connectedbusiness_changelist"),
        {"action": "full_resync", "_selected_action": [business.pk]},
    )

    assert SyncRun.objects.get(business=business).trigger == "admin"
