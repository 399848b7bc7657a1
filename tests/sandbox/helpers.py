"""Talking to the sandbox the way the app does: over HTTP, with a bearer token."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from tests.plugins.sandbox import SandboxServer


@dataclass
class Api:
    """A FreshBooks API client bound to one access token."""

    base_url: str
    access_token: str
    refresh_token: str
    session: requests.Session

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.access_token}", **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, f"{self.base_url}{path}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


def connect(
    sandbox: SandboxServer,
    *,
    email: str | None = None,
    identity_id: int | None = None,
    scope: str | None = None,
) -> Api:
    tokens = sandbox.control.obtain_tokens(
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        redirect_uri=sandbox.redirect_uri,
        email=email,
        identity_id=identity_id,
        scope=scope,
    )
    return Api(sandbox.url, tokens["access_token"], tokens["refresh_token"], requests.Session())


def token_request(sandbox: SandboxServer, **fields: Any) -> requests.Response:
    body = {"client_id": sandbox.client_id, "client_secret": sandbox.client_secret, **fields}
    return requests.post(f"{sandbox.url}/auth/oauth/token", json=body, timeout=30)


def wait_for(condition: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {condition}")


@dataclass
class World:
    """A small seeded data set and API clients for its two users."""

    sandbox: SandboxServer
    summary: dict[str, Any]
    alice: Api
    bob: Api

    @property
    def business(self) -> dict[str, Any]:
        """Alice's own business (she owns the first one)."""
        return self.summary["businesses"][0]

    @property
    def business_id(self) -> int:
        return self.business["business_id"]

    @property
    def account_id(self) -> str:
        return self.business["account_id"]

    @property
    def other_business(self) -> dict[str, Any]:
        """Bob's business, where Alice is an employee."""
        return self.summary["businesses"][1]

    def entries_path(self, business_id: int | None = None) -> str:
        return f"/timetracking/business/{business_id or self.business_id}/time_entries"

    def accounting(self, noun_path: str) -> str:
        return f"/accounting/account/{self.account_id}/{noun_path}"


@dataclass
class ReceivedPost:
    path: str
    headers: dict[str, str]
    fields: list[tuple[str, str]]
    raw_body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(self.fields)


class WebhookReceiver:
    """A local HTTP endpoint that records webhook POSTs and answers with scripted statuses.

    ``statuses`` are used in order, one per POST; once spent, every POST gets ``default_status``.
    """

    def __init__(self, *, statuses: list[int] | None = None, default_status: int = 200):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qsl

        self.received: list[ReceivedPost] = []
        self.statuses = list(statuses or [])
        self.default_status = default_status
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                fields = parse_qsl(raw.decode(), keep_blank_values=True)
                with receiver._lock:
                    receiver.received.append(
                        ReceivedPost(self.path, dict(self.headers.items()), fields, raw)
                    )
                    status = (
                        receiver.statuses.pop(0) if receiver.statuses else receiver.default_status
                    )
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/freshbooks/"

    def events(self, name: str | None = None) -> list[ReceivedPost]:
        with self._lock:
            return [post for post in self.received if name is None or post.form.get("name") == name]

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
