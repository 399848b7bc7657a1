"""The client reads the environment's proxy settings (as requests does) once per client and
origin, not on every call: a client keeps the settings it started with."""

from __future__ import annotations

import pytest

from connections.freshbooks import FreshBooksClient, FreshBooksError
from tests.connections.freshbooks.conftest import FakeTokenSource

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")
NOTHING_LISTENS = "http://127.0.0.1:9"


def _client(url: str) -> FreshBooksClient:
    return FreshBooksClient(
        api_base_url=url, token_source=FakeTokenSource(), user_agent="test", max_attempts=1
    )


def test_a_client_keeps_the_proxy_settings_it_read_and_a_new_client_reads_them_again(
    sandbox, monkeypatch: pytest.MonkeyPatch
):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with _client(sandbox.url) as client:
        assert client.request("GET", "/healthz") == {"status": "ok"}
        monkeypatch.setenv("HTTP_PROXY", NOTHING_LISTENS)
        monkeypatch.setenv("http_proxy", NOTHING_LISTENS)
        assert client.request("GET", "/healthz") == {"status": "ok"}
    with _client(sandbox.url) as fresh, pytest.raises(FreshBooksError):
        fresh.request("GET", "/healthz")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with _client(sandbox.url) as bypassing:
        assert bypassing.request("GET", "/healthz") == {"status": "ok"}
