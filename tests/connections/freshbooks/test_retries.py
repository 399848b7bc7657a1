"""Retry semantics: what is repeated, how long the client waits, and what it never repeats."""

from __future__ import annotations

import random
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from urllib3.exceptions import ProtocolError

from connections.freshbooks import (
    AuthenticationError,
    FreshBooksError,
    MalformedResponse,
    RateLimited,
    ServerError,
    TransportError,
)
from connections.freshbooks.retry import backoff_delay, retry_after_seconds

from .conftest import ACCESS_TOKEN, API, FRESH_TOKEN, make_client

ACCOUNT = "ACM123"
INVOICES = f"{API}/accounting/account/{ACCOUNT}/invoices/invoices"
CLIENT_URL = f"{API}/accounting/account/{ACCOUNT}/users/clients/7"
CLIENT_BODY = {"response": {"result": {"client": {"id": 7}}}}
INVOICE_BODY = {"response": {"result": {"invoice": {"id": 99, "invoiceid": 99}}}}


class RecordingGate:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, float | None]] = []

    def acquire(self, rate_key: str, *, timeout: float = 60) -> None:
        self.events.append(("acquire", rate_key, None))

    def pause(self, rate_key: str, seconds: float) -> None:
        self.events.append(("pause", rate_key, seconds))


def closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


# -- 5xx and transport failures ---------------------------------------------------------------


def test_get_on_503_is_retried_then_succeeds(client, mocked, sleeps):
    mocked.get(CLIENT_URL, status=503, body="busy")
    mocked.get(CLIENT_URL, status=503, body="busy")
    mocked.get(CLIENT_URL, json=CLIENT_BODY)

    assert client.get_client(ACCOUNT, 7) == {"id": 7}
    assert len(mocked.calls) == 3
    assert len(sleeps.calls) == 2
    assert 0 <= sleeps.calls[0] <= 0.5 and 0 <= sleeps.calls[1] <= 1.0


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_on_idempotent_requests_are_retried(client, mocked, status):
    mocked.put(f"{INVOICES}/99", status=status)
    mocked.put(f"{INVOICES}/99", json=INVOICE_BODY)
    assert client.update_invoice(ACCOUNT, 99, {"notes": "hi"})["id"] == 99
    assert len(mocked.calls) == 2


def test_retries_are_capped_at_max_attempts(tokens, sleeps, mocked):
    client = make_client(tokens, sleeps, max_attempts=3)
    mocked.get(CLIENT_URL, status=503, json={"message": "maintenance"})
    with pytest.raises(ServerError) as raised:
        client.get_client(ACCOUNT, 7)
    assert raised.value.status == 503
    assert raised.value.message == "maintenance"
    assert len(mocked.calls) == 3
    assert len(sleeps.calls) == 2


def test_500_is_not_retried(client, mocked, sleeps):
    mocked.get(CLIENT_URL, status=500, json={"message": "boom"})
    with pytest.raises(ServerError):
        client.get_client(ACCOUNT, 7)
    assert len(mocked.calls) == 1
    assert sleeps.calls == []


def test_post_that_times_out_is_not_repeated(client, mocked, sleeps):
    mocked.post(INVOICES, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(TransportError) as raised:
        client.create_invoice(ACCOUNT, {"customerid": 1, "create_date": "2024-05-01"})
    assert raised.value.maybe_sent is True
    assert len(mocked.calls) == 1
    assert sleeps.calls == []


def test_post_whose_connection_drops_is_not_repeated(client, mocked):
    dropped = requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError()))
    mocked.post(INVOICES, body=dropped)
    with pytest.raises(TransportError) as raised:
        client.create_invoice(ACCOUNT, {"customerid": 1})
    assert raised.value.maybe_sent is True
    assert len(mocked.calls) == 1


def test_post_on_503_is_not_retried(client, mocked, sleeps):
    mocked.post(INVOICES, status=503, body="<html><body>Service Unavailable</body></html>")
    with pytest.raises(ServerError):
        client.create_invoice(ACCOUNT, {"customerid": 1})
    assert len(mocked.calls) == 1
    assert sleeps.calls == []


def test_post_that_never_connected_is_retried(client, mocked, sleeps):
    mocked.post(INVOICES, body=requests.ConnectTimeout("connect timed out"))
    mocked.post(INVOICES, json=INVOICE_BODY)
    assert client.create_invoice(ACCOUNT, {"customerid": 1})["id"] == 99
    assert len(mocked.calls) == 2
    assert len(sleeps.calls) == 1


def test_a_check_before_each_attempt_runs_before_the_retry_is_sent(client, mocked, sleeps):
    mocked.post(INVOICES, body=requests.ConnectTimeout("connect timed out"))
    mocked.post(INVOICES, json=INVOICE_BODY)
    checked_at: list[int] = []

    client.create_invoice(
        ACCOUNT, {"customerid": 1}, before_attempt=lambda: checked_at.append(len(mocked.calls))
    )

    assert checked_at == [0, 1]  # before the first attempt and before the retry


def test_a_failing_check_before_a_retry_stops_the_post_unsent(client, mocked, sleeps):
    """A draft's worker that lost its lease while waiting to retry never sends (the new owner
    looks the invoice up and submits it)."""
    mocked.post(INVOICES, body=requests.ConnectTimeout("connect timed out"))
    attempts = iter([None, LookupError("lease lost")])

    def check() -> None:
        outcome = next(attempts)
        if outcome is not None:
            raise outcome

    with pytest.raises(LookupError):
        client.create_invoice(ACCOUNT, {"customerid": 1}, before_attempt=check)

    assert len(mocked.calls) == 1


def test_a_timeout_given_for_one_call_is_the_one_used(client, mocked):
    mocked.post(INVOICES, json=INVOICE_BODY)

    client.create_invoice(ACCOUNT, {"customerid": 1}, timeout=(1.5, 2.5))

    assert mocked.calls[0].request.req_kwargs["timeout"] == (1.5, 2.5)


def test_get_read_timeout_is_retried(client, mocked):
    mocked.get(CLIENT_URL, body=requests.ReadTimeout("read timed out"))
    mocked.get(CLIENT_URL, json=CLIENT_BODY)
    assert client.get_client(ACCOUNT, 7) == {"id": 7}


def test_connection_refused_is_retried_even_for_post_then_reported_as_not_sent(tokens, sleeps):
    client = make_client(
        tokens, sleeps, api_base_url=f"http://127.0.0.1:{closed_port()}", max_attempts=3
    )
    with pytest.raises(TransportError) as raised:
        client.create_invoice(ACCOUNT, {"customerid": 1})
    assert raised.value.maybe_sent is False
    assert "was not sent" in raised.value.message
    assert len(sleeps.calls) == 2


def test_idempotent_flag_overrides_the_method_default(client, mocked):
    mocked.post(f"{API}/search", status=503)
    mocked.post(f"{API}/search", json={"ok": True})
    assert client.request("POST", "/search", json={"q": 1}, idempotent=True) == {"ok": True}


# -- 429 ---------------------------------------------------------------------------------------


def test_429_with_retry_after_is_honoured(client, mocked, sleeps):
    mocked.get(CLIENT_URL, status=429, headers={"Retry-After": "7"}, json={})
    mocked.get(CLIENT_URL, json=CLIENT_BODY)
    assert client.get_client(ACCOUNT, 7) == {"id": 7}
    assert sleeps.calls == [7.0]


def test_429_on_post_is_retried_because_it_was_not_processed(client, mocked, sleeps):
    mocked.post(INVOICES, status=429, headers={"Retry-After": "2"})
    mocked.post(INVOICES, json=INVOICE_BODY)
    assert client.create_invoice(ACCOUNT, {"customerid": 1})["id"] == 99
    assert sleeps.calls == [2.0]


def test_retry_after_is_capped_at_backoff_cap(client, mocked, sleeps):
    mocked.get(CLIENT_URL, status=429, headers={"Retry-After": "3600"})
    mocked.get(CLIENT_URL, json=CLIENT_BODY)
    client.get_client(ACCOUNT, 7)
    assert sleeps.calls == [30.0]


def test_429_without_retry_after_waits_a_default(client, mocked, sleeps):
    mocked.get(CLIENT_URL, status=429)
    mocked.get(CLIENT_URL, json=CLIENT_BODY)
    client.get_client(ACCOUNT, 7)
    assert sleeps.calls == [5.0]


def test_429_retries_are_capped_and_end_in_rate_limited(tokens, sleeps, mocked):
    client = make_client(tokens, sleeps, max_attempts=2)
    mocked.get(CLIENT_URL, status=429, headers={"Retry-After": "4"}, json={})
    with pytest.raises(RateLimited) as raised:
        client.get_client(ACCOUNT, 7)
    assert raised.value.retry_after == 4.0
    assert raised.value.status == 429
    assert len(mocked.calls) == 2
    assert sleeps.calls == [4.0]


def test_429_pauses_the_shared_gate_for_the_identity(tokens, sleeps, mocked):
    gate = RecordingGate()
    client = make_client(tokens, sleeps, rate_gate=gate, rate_key="identity-42")
    mocked.get(CLIENT_URL, status=429, headers={"Retry-After": "3"})
    mocked.get(CLIENT_URL, json=CLIENT_BODY)
    client.get_client(ACCOUNT, 7)
    assert gate.events == [
        ("acquire", "identity-42", None),
        ("pause", "identity-42", 3.0),
        ("acquire", "identity-42", None),
    ]


def test_retry_after_accepts_an_http_date():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert retry_after_seconds(header, now=now) == 42.0
    assert retry_after_seconds("soon", now=now) is None
    assert retry_after_seconds("-5", now=now) == 0.0


def test_backoff_is_exponential_with_full_jitter_and_capped():
    rng = random.Random(7)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (10, 30.0)]:
        samples = [backoff_delay(attempt, base=0.5, cap=30.0, rng=rng) for _ in range(500)]
        assert all(0 <= sample <= ceiling for sample in samples)
        assert max(samples) > ceiling * 0.9
        assert min(samples) < ceiling * 0.1


# -- 401 ---------------------------------------------------------------------------------------


def test_401_forces_one_refresh_and_one_retry(client, mocked, tokens):
    mocked.get(CLIENT_URL, status=401, json={"message": "expired"})
    mocked.get(CLIENT_URL, json=CLIENT_BODY)
    assert client.get_client(ACCOUNT, 7) == {"id": 7}
    assert tokens.refreshed_from == [ACCESS_TOKEN]
    assert mocked.calls[0].request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert mocked.calls[1].request.headers["Authorization"] == f"Bearer {FRESH_TOKEN}"


def test_second_401_raises_authentication_error_without_another_refresh(client, mocked, tokens):
    mocked.get(CLIENT_URL, status=401, json={"message": "nope"})
    with pytest.raises(AuthenticationError):
        client.get_client(ACCOUNT, 7)
    assert tokens.refreshed_from == [ACCESS_TOKEN]
    assert len(mocked.calls) == 2


def test_401_on_a_post_is_retried_once_with_the_fresh_token(client, mocked, tokens):
    mocked.post(INVOICES, status=401, json={"message": "expired"})
    mocked.post(INVOICES, json=INVOICE_BODY)
    assert client.create_invoice(ACCOUNT, {"customerid": 1})["id"] == 99
    assert mocked.calls[1].request.headers["Authorization"] == f"Bearer {FRESH_TOKEN}"


def test_refresh_does_not_use_up_a_transient_retry(tokens, sleeps, mocked):
    client = make_client(tokens, sleeps, max_attempts=2)
    mocked.get(CLIENT_URL, status=401)
    mocked.get(CLIENT_URL, status=503)
    mocked.get(CLIENT_URL, json=CLIENT_BODY)
    assert client.get_client(ACCOUNT, 7) == {"id": 7}


# -- bodies that cannot be used ----------------------------------------------------------------


def test_html_page_with_200_is_a_malformed_response(client, mocked):
    mocked.get(CLIENT_URL, body="<html><h1>Oops</h1></html>", content_type="text/html")
    with pytest.raises(MalformedResponse) as raised:
        client.get_client(ACCOUNT, 7)
    assert "not JSON" in raised.value.message
    assert "text/html" in raised.value.message
    assert raised.value.status == 200


def test_truncated_json_is_a_malformed_response(client, mocked):
    mocked.get(CLIENT_URL, body='{"response": {"result": {"cli', content_type="application/json")
    with pytest.raises(MalformedResponse):
        client.get_client(ACCOUNT, 7)


def test_json_that_is_not_an_object_is_a_malformed_response(client, mocked):
    mocked.get(CLIENT_URL, json=[1, 2, 3])
    with pytest.raises(MalformedResponse, match="not an object"):
        client.get_client(ACCOUNT, 7)


def test_json_without_the_expected_envelope_is_a_malformed_response(client, mocked):
    mocked.get(CLIENT_URL, json={"response": {"result": {"invoice": {}}}})
    with pytest.raises(MalformedResponse, match=r"response\.result\.client"):
        client.get_client(ACCOUNT, 7)


def test_html_error_page_on_a_5xx_is_a_server_error_with_a_clear_message(tokens, sleeps, mocked):
    client = make_client(tokens, sleeps, max_attempts=1)
    page = "<html><body>" + "Bad gateway " * 1000 + "</body></html>"
    mocked.get(CLIENT_URL, status=502, body=page, content_type="text/html")
    with pytest.raises(ServerError) as raised:
        client.get_client(ACCOUNT, 7)
    assert raised.value.message == "FreshBooks returned a non-JSON error page (text/html)"
    assert len(raised.value.body) <= 2000


def test_empty_body_returns_an_empty_dict(client, mocked):
    mocked.delete(f"{API}/events/account/{ACCOUNT}/events/callbacks/5", status=204)
    assert client.request("DELETE", f"/events/account/{ACCOUNT}/events/callbacks/5") == {}


def test_accounting_errors_inside_a_200_are_raised(client, mocked):
    body = {"response": {"errors": [{"errno": 1004, "field": "qty", "message": "Bad qty"}]}}
    mocked.get(CLIENT_URL, json=body)
    with pytest.raises(FreshBooksError) as raised:
        client.get_client(ACCOUNT, 7)
    assert (raised.value.errno, raised.value.field, raised.value.message) == (
        1004,
        "qty",
        "Bad qty",
    )
