"""Operators see every tenant's open issues in admin; nobody else sees any."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connections.models import ConnectedBusiness
from tests.factories import ConnectedBusinessFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("admin_issues")


@pytest.fixture
def two_tenants():
    return [
        ConnectedBusinessFactory(
            name="Northwind Design Co.",
            sync_state=ConnectedBusiness.SyncState.ERROR,
            last_error=f"FreshBooks answered 500 to tenant {index}",
        )
        for index in range(2)
    ]


def test_staff_see_the_open_issues_of_every_tenant_with_their_owner(client, two_tenants):
    client.force_login(UserFactory(is_staff=True))

    html = client.get(URL).content.decode()

    for business in two_tenants:
        assert f'data-issue="sync_failed" data-business="{business.pk}"' in html
        assert business.connection.user.email in html
    assert "2 open issues across all tenants" in html
    assert URL in client.get(reverse("admin:index")).content.decode()


def test_issues_can_be_narrowed_to_one_kind(client, two_tenants):
    client.force_login(UserFactory(is_staff=True))

    html = client.get(URL, {"kind": "reconnect"}).content.decode()

    assert "data-issue=" not in html
    assert "No open issues of this kind" in html


@pytest.mark.parametrize("visitor", ["anonymous", "user", "tenant"])
def test_non_staff_are_refused_and_see_nothing(client, two_tenants, visitor):
    if visitor == "user":
        client.force_login(UserFactory())
    elif visitor == "tenant":
        client.force_login(two_tenants[0].connection.user)

    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert b"FreshBooks answered 500" not in response.content
