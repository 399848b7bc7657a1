"""Refreshing tokens: ahead of expiry, once, and without wrongly killing a live connection."""

import json
import time
from datetime import timedelta

import pytest
import requests
import responses
from django.utils import timezone

from connections.freshbooks import TransportError
from connections.models import FreshBooksIdentity
from connections.services.tokens import (
    ReauthorizationRequired,
    identities_refresh_expiring,
    identity_access_token,
    identity_token_refresh,
)
from tests.factories import ConnectionFactory, IdentityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_endpoint(settings):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.url = f"{settings.FRESHBOOKS_API_BASE_URL}/auth/oauth/token"
        yield mock


def rotated(access="new-access", refresh="new-refresh"):
    return {
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": 43200,
        "created_at": int(time.time()),
        "scope": "user:profile:read",
        "token_type": "Bearer",
    }


def expiring_identity(**kwargs):
    return IdentityFactory(access_token_expires_at=timezone.now() + timedelta(minutes=5), **kwargs)


def test_a_token_far_from_expiry_is_used_as_is(token_endpoint):
    identity = IdentityFactory(access_token="still-good")

    token, _expires_at = identity_access_token(identity_id=identity.pk)

    assert token == "still-good"
    assert len(token_endpoint.calls) == 0


def test_a_token_within_the_margin_is_refreshed_and_persisted_first(token_endpoint):
    identity = expiring_identity(refresh_token="old-refresh")
    token_endpoint.post(token_endpoint.url, json=rotated())

    token, expires_at = identity_access_token(identity_id=identity.pk)

    assert token == "new-access"
    identity.refresh_from_db()
    assert identity.refresh_token == "new-refresh"
    assert identity.access_token_expires_at == expires_at
    assert identity.last_refreshed_at is not None
    sent = json.loads(token_endpoint.calls[0].request.body)
    assert sent["grant_type"] == "refresh_token"
    assert sent["refresh_token"] == "old-refresh"


def test_a_refresh_someone_else_already_did_is_not_repeated(token_endpoint):
    identity = IdentityFactory(access_token="rotated-by-another-worker")

    token, _ = identity_token_refresh(
        identity_id=identity.pk, stale_access_token="the-token-i-had", force=True
    )

    assert token == "rotated-by-another-worker"
    assert len(token_endpoint.calls) == 0


def test_invalid_grant_marks_the_identity_for_reauthorisation(token_endpoint):
    identity = expiring_identity()
    token_endpoint.post(
        token_endpoint.url,
        status=400,
        json={"error": "invalid_grant", "error_description": "The grant is invalid."},
    )

    with pytest.raises(ReauthorizationRequired):
        identity_access_token(identity_id=identity.pk)

    identity.refresh_from_db()
    assert identity.state == FreshBooksIdentity.State.REAUTH_REQUIRED
    assert "Reconnect FreshBooks" in identity.last_error
    assert identity.consecutive_failures == 1


def test_an_identity_needing_reauthorisation_makes_no_calls(token_endpoint):
    identity = expiring_identity(state=FreshBooksIdentity.State.REAUTH_REQUIRED)

    with pytest.raises(ReauthorizationRequired):
        identity_access_token(identity_id=identity.pk)

    assert len(token_endpoint.calls) == 0


def test_a_network_failure_during_refresh_is_recorded_and_keeps_the_identity_active(
    token_endpoint,
):
    identity = expiring_identity(refresh_token="kept")
    token_endpoint.post(token_endpoint.url, body=requests.ConnectionError("refused"))

    with pytest.raises(TransportError):
        identity_access_token(identity_id=identity.pk)

    identity.refresh_from_db()
    assert identity.state == FreshBooksIdentity.State.ACTIVE
    assert identity.refresh_token == "kept"
    assert identity.consecutive_failures == 1
    assert identity.last_error.startswith("Token refresh failed")


def test_the_beat_refresher_renews_only_connected_identities_close_to_expiry(token_endpoint):
    due = ConnectionFactory(identity=expiring_identity(refresh_token="due-refresh")).identity
    ConnectionFactory(identity=IdentityFactory())  # far from expiry
    ConnectionFactory(
        identity=expiring_identity(), disconnected_at=timezone.now()
    )  # nobody uses it any more
    token_endpoint.post(token_endpoint.url, json=rotated())

    assert identities_refresh_expiring() == 1

    due.refresh_from_db()
    assert due.access_token == "new-access"
    assert len(token_endpoint.calls) == 1


def test_tokens_never_reach_the_logs(token_endpoint, caplog):
    identity = expiring_identity(refresh_token="log-secret-refresh")
    token_endpoint.post(token_endpoint.url, json=rotated("log-secret-new-access", "log-secret-r2"))
    caplog.set_level("DEBUG")

    identity_access_token(identity_id=identity.pk)

    assert "log-secret" not in caplog.text
