"""Forged posts, stale pages and double clicks on the dashboard's buttons: a clear answer and
nothing duplicated."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from connections.models import Connection
from invoicing.models import SyncRun
from tests.factories import ConnectedBusinessFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def business(client):
    business = ConnectedBusinessFactory(name="Northwind")
    client.force_login(business.connection.user)
    return business


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("route", "method"),
    [("invoicing:business", "get"), ("invoicing:sync_now", "post")],
)
def test_another_users_business_id_is_a_404_and_changes_nothing(client, business, route, method):
    theirs = ConnectedBusinessFactory(name="Their Business")

    response = getattr(client, method)(reverse(route, args=[theirs.pk]), {"return_to": "dashboard"})

    assert response.status_code == 404
    assert "Their Business" not in response.content.decode()
    assert not SyncRun.objects.exists()


def test_sync_now_on_a_stale_page_of_a_removed_business_explains_and_queues_nothing(
    client, business
):
    business.active = False
    business.save()

    response = client.post(reverse("invoicing:sync_now", args=[business.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert messages_of(response) == [
        "Northwind is no longer connected, so nothing was synced. "
        "Add it again from “Add or remove businesses” to resume syncing."
    ]
    assert not SyncRun.objects.exists()


def test_sync_now_after_freshbooks_was_disconnected_explains_and_queues_nothing(client, business):
    Connection.objects.filter(pk=business.connection_id).update(disconnected_at=timezone.now())

    response = client.post(reverse("invoicing:sync_now", args=[business.pk]), follow=True)

    assert "Northwind is no longer connected" in response.content.decode()
    assert not SyncRun.objects.exists()


def test_a_double_clicked_sync_now_on_the_dashboard_queues_one_run(
    client, business, django_capture_on_commit_callbacks
):
    url = reverse("invoicing:sync_now", args=[business.pk])

    with django_capture_on_commit_callbacks() as queued:
        first = client.post(url, {"return_to": "dashboard"})
        second = client.post(url, {"return_to": "dashboard"})

    assert first["Location"] == second["Location"] == reverse("dashboard")
    assert SyncRun.objects.filter(business=business).count() == 1
    assert len(queued) == 1


def test_a_tampered_return_to_is_not_followed_off_the_site(client, business):
    response = client.post(
        reverse("invoicing:sync_now", args=[business.pk]), {"return_to": "https://evil.example/"}
    )

    assert response["Location"] == reverse("invoicing:business", args=[business.pk])


@pytest.mark.parametrize(
    "route",
    ["invoicing:sync_now", "connections:connect"],
)
def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(business, route):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(business.connection.user)
    url = reverse(route, args=[business.pk]) if route == "invoicing:sync_now" else reverse(route)

    response = browser.post(url)

    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert not SyncRun.objects.exists()


def test_the_business_page_of_someone_logged_out_sends_them_to_sign_in(business):
    response = Client().get(reverse("invoicing:business", args=[business.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_user_without_connections_cannot_reach_a_business_by_guessing_ids(client, business):
    client.force_login(UserFactory())

    for business_pk in (business.pk, business.pk + 1, 0):
        response = client.get(reverse("invoicing:business", args=[business_pk]))
        assert response.status_code == 404
