"""OAuth: the authorize URL, code exchange, single-use refresh and revoke."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import time_machine

from connections.freshbooks import (
    InvalidGrant,
    MalformedResponse,
    OAuthClient,
    OAuthError,
    ServerError,
    TokenSet,
    TransportError,
)

API = "https://api.freshbooks.test"
TOKEN_URL = f"{API}/auth/oauth/token"
TOKEN_BODY = {
    "access_token": "at-SECRET",
    "token_type": "Bearer",
    "expires_in": 43200,
    "created_at": 1756000000,
    "refresh_token": "rt-SECRET",
    "scope": "user:profile:read user:time_entries:read",
}


@pytest.fixture
def oauth() -> OAuthClient:
    return OAuthClient(
        auth_base_url="https://auth.freshbooks.test/",
        api_base_url=API,
        client_id="app-id",
        client_secret="app-SECRET",
        redirect_uri="https://app.test/connections/callback",
    )


def test_authorization_url_carries_client_redirect_scopes_and_state(oauth):
    url = oauth.authorization_url(state="st-123", scopes=["user:profile:read", "user:clients:read"])
    assert url == (
        "https://auth.freshbooks.test/oauth/authorize?client_id=app-id&response_type=code"
        "&redirect_uri=https%3A%2F%2Fapp.test%2Fconnections%2Fcallback"
        "&scope=user%3Aprofile%3Aread%20user%3Aclients%3Aread&state=st-123"
    )


def test_authorization_url_without_scopes_leaves_them_to_the_app_registration(oauth):
    params = dict(parse_qsl(urlsplit(oauth.authorization_url(state="s", scopes=None)).query))
    assert "scope" not in params
    assert params["state"] == "s"


def test_exchange_code_posts_json_and_returns_a_token_set(oauth, mocked):
    mocked.post(TOKEN_URL, json=TOKEN_BODY)
    token_set = oauth.exchange_code("the-code")
    assert token_set.access_token == "at-SECRET"
    assert token_set.refresh_token == "rt-SECRET"
    assert token_set.expires_at == datetime.fromtimestamp(1756000000, tz=UTC) + timedelta(hours=12)
    assert token_set.scope == "user:profile:read user:time_entries:read"
    request = mocked.calls[0].request
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "client_id": "app-id",
        "client_secret": "app-SECRET",
        "redirect_uri": "https://app.test/connections/callback",
    }


def test_refresh_sends_the_refresh_grant(oauth, mocked):
    mocked.post(TOKEN_URL, json=TOKEN_BODY)
    oauth.refresh("old-rt")
    sent = json.loads(mocked.calls[0].request.body)
    assert (sent["grant_type"], sent["refresh_token"]) == ("refresh_token", "old-rt")


def test_refresh_token_reuse_gives_invalid_grant_and_is_not_retried(oauth, mocked):
    mocked.post(
        TOKEN_URL,
        status=400,
        json={
            "error": "invalid_grant",
            "error_description": "The provided authorization grant is invalid, expired, "
            "or revoked.",
        },
    )
    with pytest.raises(InvalidGrant) as raised:
        oauth.refresh("spent-rt")
    assert raised.value.error == "invalid_grant"
    assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    "failure", [requests.ReadTimeout("slow"), requests.ConnectTimeout("no route")]
)
def test_refresh_transport_failures_are_not_retried(oauth, mocked, failure):
    mocked.post(TOKEN_URL, body=failure)
    with pytest.raises(TransportError):
        oauth.refresh("rt")
    assert len(mocked.calls) == 1


def test_refresh_server_error_is_not_retried(oauth, mocked):
    mocked.post(TOKEN_URL, status=503, body="<html>down</html>", content_type="text/html")
    with pytest.raises(ServerError):
        oauth.refresh("rt")
    assert len(mocked.calls) == 1


def test_missing_parameters_are_an_oauth_error(oauth, mocked):
    mocked.post(
        TOKEN_URL,
        status=400,
        json={"error": "invalid_request", "error_description": "Missing required parameter."},
    )
    with pytest.raises(OAuthError) as raised:
        oauth.exchange_code("")
    assert not isinstance(raised.value, InvalidGrant)
    assert raised.value.error_description == "Missing required parameter."


def test_token_response_without_tokens_is_malformed(oauth, mocked):
    mocked.post(TOKEN_URL, json={"token_type": "Bearer"})
    with pytest.raises(MalformedResponse, match="access_token"):
        oauth.exchange_code("c")


def test_expiry_falls_back_to_now_when_created_at_is_absent():
    body = {key: value for key, value in TOKEN_BODY.items() if key != "created_at"}
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False):
        token_set = TokenSet.from_token_response(body)
    assert token_set.expires_at == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def test_revoke_posts_the_token_to_the_revoke_endpoint(oauth, mocked):
    mocked.post(f"{API}/auth/oauth/revoke", json={})
    assert oauth.revoke("rt-SECRET") is None
    assert json.loads(mocked.calls[0].request.body) == {
        "client_id": "app-id",
        "client_secret": "app-SECRET",
        "token": "rt-SECRET",
    }


def test_token_set_and_oauth_client_reprs_hide_secrets(oauth):
    token_set = TokenSet.from_token_response(TOKEN_BODY)
    for text in (repr(token_set), str(token_set), f"{token_set}", repr(oauth)):
        assert "SECRET" not in text
    assert "2025-08-" in repr(token_set)
