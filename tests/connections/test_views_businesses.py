"""Picking businesses, disconnecting, and tenant isolation of every URL that takes an id."""

import re

import pytest
import responses
from django.conf import settings
from django.urls import reverse

from connections.models import ConnectedBusiness, FreshBooksIdentity
from tests.factories import (
    ConnectedBusinessFactory,
    ConnectionFactory,
    IdentityFactory,
    UserFactory,
    membership,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(client):
    identity = IdentityFactory(
        memberships=[
            membership(101, account_id="ACC101", name="Alpha Design"),
            membership(102, account_id="ACC102", name="Beta Build", role="business_partner"),
            membership(202, account_id=None, role="client", name="Client Co"),
        ]
    )
    connection = ConnectionFactory(identity=identity)
    client.force_login(connection.user)
    return connection


def test_the_picker_lists_every_membership_and_explains_client_only_ones(client, connection):
    response = client.get(reverse("connections:businesses", args=[connection.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Alpha Design", "Beta Build", "Client Co", "ACC101", "Partner"):
        assert text in html
    assert "business_partner" not in html
    assert "You are a client of this business in FreshBooks" in html
    assert html.count("disabled") == 1


def test_ticking_businesses_connects_them(client, connection):
    response = client.post(
        reverse("connections:businesses", args=[connection.pk]), {"business_ids": ["101", "102"]}
    )

    assert response.status_code == 302
    connected = ConnectedBusiness.objects.filter(connection=connection, active=True)
    assert sorted(connected.values_list("account_id", flat=True)) == ["ACC101", "ACC102"]
    alpha = connected.get(business_id=101)
    assert alpha.timezone == "America/New_York"
    assert len(alpha.webhook_token) >= 40


def test_unticking_a_business_removes_it_and_ticking_again_restores_it(client, connection):
    url = reverse("connections:businesses", args=[connection.pk])
    client.post(url, {"business_ids": ["101", "102"]})
    alpha_token = ConnectedBusiness.objects.get(business_id=101).webhook_token

    with responses.RequestsMock(assert_all_requests_are_fired=False) as freshbooks:
        empty_page = {"callbacks": [], "page": 1, "pages": 0, "per_page": 100, "total": 0}
        freshbooks.get(
            f"{settings.FRESHBOOKS_API_BASE_URL}/events/account/ACC102/events/callbacks",
            json={"response": {"result": empty_page}},
        )
        client.post(url, {"business_ids": ["101"]})
        assert len(freshbooks.calls) == 1  # this app's callbacks of the removed business
    assert list(
        ConnectedBusiness.objects.filter(active=True).values_list("business_id", flat=True)
    ) == [101]

    client.post(url, {"business_ids": ["101", "102"]})
    assert ConnectedBusiness.objects.filter(active=True).count() == 2
    assert ConnectedBusiness.objects.get(business_id=101).webhook_token == alpha_token


def test_a_client_only_membership_cannot_be_connected_by_a_forged_post(client, connection):
    response = client.post(
        reverse("connections:businesses", args=[connection.pk]), {"business_ids": ["202"]}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ConnectedBusiness.objects.exists()


def test_a_business_the_identity_is_not_a_member_of_is_refused(client, connection):
    response = client.post(
        reverse("connections:businesses", args=[connection.pk]), {"business_ids": ["999"]}
    )

    assert response.status_code == 200
    assert not ConnectedBusiness.objects.exists()


def test_a_post_without_csrf_token_is_refused(connection):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(connection.user)

    response = csrf_client.post(
        reverse("connections:businesses", args=[connection.pk]), {"business_ids": ["101"]}
    )

    assert response.status_code == 403
    assert not ConnectedBusiness.objects.exists()


@pytest.mark.parametrize(
    ("route", "method"),
    [
        ("connections:businesses", "get"),
        ("connections:businesses", "post"),
        ("connections:reload_businesses", "post"),
        ("connections:disconnect", "get"),
        ("connections:disconnect", "post"),
    ],
)
def test_another_users_connection_id_is_a_404(client, route, method):
    others = ConnectionFactory()
    client.force_login(UserFactory())

    response = getattr(client, method)(reverse(route, args=[others.pk]), {"local_data": "keep"})

    assert response.status_code == 404
    others.refresh_from_db()
    assert others.disconnected_at is None


def test_the_dashboard_shows_only_the_users_own_connections(client):
    mine = ConnectedBusinessFactory(name="My Business")
    ConnectedBusinessFactory(name="Their Business")
    client.force_login(mine.connection.user)

    html = client.get(reverse("dashboard")).content.decode()

    assert "My Business" in html
    assert "Their Business" not in html


def test_the_dashboard_shows_a_reconnect_banner_when_access_was_lost(client):
    business = ConnectedBusinessFactory(
        connection__identity__state=FreshBooksIdentity.State.REAUTH_REQUIRED
    )
    client.force_login(business.connection.user)

    html = client.get(reverse("dashboard")).content.decode()

    assert "FreshBooks access was lost" in html
    assert "Reconnect FreshBooks" in html


def test_after_a_disconnect_the_picker_ticks_the_businesses_connected_before(client, connection):
    url = reverse("connections:businesses", args=[connection.pk])
    ConnectedBusiness.objects.create(
        connection=connection, business_id=102, account_id="ACC102", name="Beta", active=False
    )

    html = client.get(url).content.decode()

    assert re.search(r'id="business-102"\s+checked', html)
    assert not re.search(r'id="business-101"\s+checked', html)
    assert "The businesses you had connected before are ticked" in html


def test_a_business_removed_while_others_stay_is_not_ticked_again(client, connection):
    url = reverse("connections:businesses", args=[connection.pk])
    ConnectedBusiness.objects.create(
        connection=connection, business_id=101, account_id="ACC101", name="Alpha", active=True
    )
    ConnectedBusiness.objects.create(
        connection=connection, business_id=102, account_id="ACC102", name="Beta", active=False
    )

    html = client.get(url).content.decode()

    assert re.search(r'id="business-101"\s+checked', html)
    assert not re.search(r'id="business-102"\s+checked', html)
