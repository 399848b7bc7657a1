"""The sandbox keeps plain HTTP/1.1 connections open, so a client pays one connect for many calls.

A kept connection must carry each request exactly as a fresh one would: the same statuses and
bodies, a body the app never read does not leak into the next request, and a reset fault still
cuts the connection.
"""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest

from tests.sandbox.helpers import World


def _connection(world: World) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(urlsplit(world.sandbox.url).netloc, timeout=10)


def _call(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict, http.client.HTTPResponse]:
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    connection.request(method, path, body=body, headers=all_headers)
    response = connection.getresponse()
    raw = response.read()
    return response.status, (json.loads(raw) if raw else {}), response


def test_calls_on_one_connection_answer_as_separate_connections_would(world: World):
    connection = _connection(world)
    token = world.alice.access_token
    entries = world.entries_path()
    status, listed, response = _call(connection, "GET", entries, token=token)
    assert status == 200
    assert response.getheader("Connection") is None  # kept open
    local_port = connection.sock.getsockname()[1]
    entry = listed["time_entries"][0]

    body = json.dumps({"time_entry": {"note": "kept alive"}}).encode()
    status, updated, _ = _call(
        connection, "PUT", f"{entries}/{entry['id']}", token=token, body=body
    )
    assert (status, updated["time_entry"]["note"]) == (200, "kept alive")
    status, read_back, _ = _call(connection, "GET", f"{entries}/{entry['id']}", token=token)
    assert (status, read_back) == (200, updated)
    assert world.alice.get(f"{entries}/{entry['id']}").json() == updated
    assert connection.sock.getsockname()[1] == local_port  # the same connection throughout
    connection.close()


def test_a_body_the_app_did_not_read_never_becomes_the_next_request(world: World):
    """Refused before its body was read (no token: 401); the next call still parses cleanly."""
    connection = _connection(world)
    entries = world.entries_path()
    trap = b'{"x": "GET /healthz HTTP/1.1\\r\\n\\r\\n"}'
    status, _, _ = _call(connection, "PUT", f"{entries}/1", body=trap)
    assert status == 401
    status, listed, _ = _call(connection, "GET", entries, token=world.alice.access_token)
    assert status == 200
    assert "time_entries" in listed
    connection.close()


@pytest.mark.parametrize(
    "headers, version",
    [({"Connection": "close"}, 11), ({}, 10)],
    ids=["client asks to close", "HTTP/1.0"],
)
def test_a_client_that_does_not_keep_alive_is_answered_and_closed(
    world: World, headers: dict[str, str], version: int
):
    connection = _connection(world)
    if version == 10:
        connection._http_vsn, connection._http_vsn_str = 10, "HTTP/1.0"  # noqa: SLF001
    status, _, response = _call(connection, "GET", "/healthz", headers=headers)
    assert status == 200
    assert response.getheader("Connection") == "close"
    connection.close()


def test_a_reset_fault_still_cuts_a_kept_connection(world: World):
    connection = _connection(world)
    token = world.alice.access_token
    assert _call(connection, "GET", "/auth/api/v1/users/me", token=token)[0] == 200
    world.sandbox.control.add_fault(path="/users/me", kind="reset", times=1)
    with pytest.raises((ConnectionError, http.client.HTTPException, socket.error)):
        _call(connection, "GET", "/auth/api/v1/users/me", token=token)
    connection.close()
    assert world.alice.get("/auth/api/v1/users/me").status_code == 200
