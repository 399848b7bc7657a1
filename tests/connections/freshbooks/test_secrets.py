"""Tokens never leak into exception messages, reprs, kept bodies or log records."""

from __future__ import annotations

import json
import logging

import pytest
import requests

from connections.freshbooks import FreshBooksError, OAuthClient

from .conftest import ACCESS_TOKEN, API, FRESH_TOKEN, make_client

SECRETS = (ACCESS_TOKEN, FRESH_TOKEN, "rt-SECRET-9", "app-SECRET-9", "SECRET")
CLIENT_URL = f"{API}/accounting/account/ACM123/users/clients/7"


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked into {text!r}"


def assert_error_is_clean(error: FreshBooksError) -> None:
    body = error.body if isinstance(error.body, str) else json.dumps(error.body)
    assert_no_secret(str(error), repr(error), error.message, body)


def assert_logs_are_clean(caplog) -> None:
    assert caplog.records, "expected the client to log something"
    for record in caplog.records:
        assert_no_secret(record.getMessage(), repr(record.args))


@pytest.fixture(autouse=True)
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)


def test_failed_calls_after_refresh_keep_tokens_out(tokens, sleeps, mocked, caplog):
    client = make_client(tokens, sleeps, max_attempts=2)
    mocked.get(CLIENT_URL, status=401, json={"message": "unauthorized"})
    with pytest.raises(FreshBooksError) as raised:
        client.get_client("ACM123", 7)
    assert_error_is_clean(raised.value)
    assert_logs_are_clean(caplog)
    assert_no_secret(repr(client))


def test_transport_errors_keep_tokens_out(client, mocked, caplog):
    mocked.post(f"{API}/accounting/account/ACM123/invoices/invoices", body=requests.ReadTimeout())
    with pytest.raises(FreshBooksError) as raised:
        client.create_invoice("ACM123", {"customerid": 1})
    assert_error_is_clean(raised.value)
    assert_logs_are_clean(caplog)


def test_an_error_body_echoing_a_token_is_redacted(client, mocked, caplog):
    mocked.get(
        CLIENT_URL,
        status=403,
        json={"message": "denied", "token": ACCESS_TOKEN, "details": [{"access_token": "x"}]},
    )
    with pytest.raises(FreshBooksError) as raised:
        client.get_client("ACM123", 7)
    assert_error_is_clean(raised.value)


def test_oauth_failures_keep_tokens_and_client_secret_out(mocked, caplog):
    oauth = OAuthClient(
        auth_base_url="https://auth.freshbooks.test",
        api_base_url=API,
        client_id="app-id",
        client_secret="app-SECRET-9",
        redirect_uri="https://app.test/cb",
    )
    mocked.post(
        f"{API}/auth/oauth/token",
        status=400,
        json={"error": "invalid_grant", "error_description": "grant is invalid"},
    )
    mocked.post(f"{API}/auth/oauth/revoke", body=requests.ConnectionError("reset"))
    with pytest.raises(FreshBooksError) as refresh_error:
        oauth.refresh("rt-SECRET-9")
    with pytest.raises(FreshBooksError) as revoke_error:
        oauth.revoke("rt-SECRET-9")
    assert_error_is_clean(refresh_error.value)
    assert_error_is_clean(revoke_error.value)
    assert_logs_are_clean(caplog)
    assert_no_secret(repr(oauth))
