"""Personal API tokens on the account page: shown once, stored hashed, listed, revoked."""

from __future__ import annotations

import hashlib
import logging

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_token_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(client, caplog):
    user = UserFactory()
    client.force_login(user)
    caplog.set_level(logging.DEBUG)

    response = client.post(reverse("api_tokens"), {"name": "Zapier"})

    token = response.context["new_token"]
    assert token.startswith("fbb_") and token in response.content.decode()
    row = ApiToken.objects.get(user=user)
    assert row.name == "Zapier"
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiToken.objects.filter(pk=row.pk).values().get())
    assert token not in caplog.text
    listing = client.get(reverse("api_tokens")).content.decode()
    assert "Zapier" in listing and token not in listing
    assert f"fbb_{row.prefix}_…" in listing


def test_a_token_needs_a_name(client):
    client.force_login(UserFactory())

    response = client.post(reverse("api_tokens"), {"name": ""})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_and_another_users_token_is_404(client):
    user = UserFactory()
    row, token = api_token_create(user=user, name="CI")
    other, _ = api_token_create(user=UserFactory(), name="Theirs")
    client.force_login(user)

    response = client.post(reverse("api_token_revoke", args=[row.pk]), follow=True)

    assert "was revoked" in response.content.decode()
    assert api_token_user(token) is None
    assert client.post(reverse("api_token_revoke", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_a_token_with_a_known_prefix_but_another_secret_is_refused():
    row, token = api_token_create(user=UserFactory(), name="x")

    assert api_token_user(token) == row.user
    assert api_token_user(token[:-2] + "zz") is None
    assert api_token_user(f"fbb_{row.prefix}_") is None


def test_the_page_needs_a_login(client):
    assert client.get(reverse("api_tokens")).status_code == 302


def test_the_docs_page_lists_every_operation(client):
    page = client.get(reverse("api_docs")).content.decode()

    for operation in ("GET /api/v1/businesses", "POST /api/v1/hours", "DELETE /api/v1/hours/"):
        assert operation in page
    assert "/api/v1/openapi.json" in page
