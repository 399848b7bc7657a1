"""Pytest plugin: a real ``python -m sandbox`` process for the session, reset before each test.

Load it with ``pytest_plugins = ["tests.plugins.sandbox"]`` in the root conftest (or
``-p tests.plugins.sandbox``). Fixtures:

- ``sandbox_server`` (session): the running sandbox, in control mode, state in a temporary
  directory, webhook retries every 0.2 s; exposes ``url``, ``control`` (a ``SandboxControl``),
  ``client_id``, ``client_secret``, ``redirect_uri``, ``redirect_uris`` and ``process``.
- ``sandbox`` (function): the same object after a reset (state, faults, call counters, webhook
  queue and modes).

The registered app accepts ``http://testserver/connections/oauth/callback/``,
``http://127.0.0.1:8000/connections/oauth/callback/`` and any comma-separated URIs in
``SANDBOX_TEST_EXTRA_REDIRECTS`` (browser tests run the app on other ports).

``sandbox_running`` starts and stops such a sandbox without pytest; the browser tests use it
with an app of their own, and the benchmarks (bench/) with the test app.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sandbox.config import RegisteredApp
from sandbox.control import SandboxControl
from sandbox.process import SandboxProcess, start_sandbox_process

TEST_CLIENT_ID = "test-client-id"
TEST_CLIENT_SECRET = "test-client-secret"
TEST_REDIRECT_URIS = (
    "http://testserver/connections/oauth/callback/",
    "http://127.0.0.1:8000/connections/oauth/callback/",
)
WEBHOOK_RETRY_BASE = 0.2


@dataclass
class SandboxServer:
    url: str
    control: SandboxControl
    process: SandboxProcess
    client_id: str = TEST_CLIENT_ID
    client_secret: str = TEST_CLIENT_SECRET
    redirect_uris: tuple[str, ...] = field(default=TEST_REDIRECT_URIS)

    @property
    def redirect_uri(self) -> str:
        return self.redirect_uris[0]


def _redirect_uris() -> tuple[str, ...]:
    extra = os.environ.get("SANDBOX_TEST_EXTRA_REDIRECTS", "")
    return TEST_REDIRECT_URIS + tuple(uri.strip() for uri in extra.split(",") if uri.strip())


@contextmanager
def sandbox_running(
    state_dir: Path,
    *,
    client_id: str = TEST_CLIENT_ID,
    client_secret: str = TEST_CLIENT_SECRET,
    redirect_uris: tuple[str, ...] = TEST_REDIRECT_URIS,
) -> Iterator[SandboxServer]:
    """A sandbox process in control mode with one registered app, its state in ``state_dir``,
    webhook retries every ``WEBHOOK_RETRY_BASE`` seconds; stopped on exit."""
    process = start_sandbox_process(
        0,
        state_dir / "state.sqlite3",
        control=True,
        apps=[RegisteredApp(client_id, client_secret, redirect_uris)],
        extra_args=("--webhook-retry-base", str(WEBHOOK_RETRY_BASE)),
    )
    try:
        yield SandboxServer(
            url=process.url,
            control=process.control,
            process=process,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uris=redirect_uris,
        )
    finally:
        process.stop()


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with sandbox_running(
        tmp_path_factory.mktemp("sandbox"), redirect_uris=_redirect_uris()
    ) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    sandbox_server.control.reset()
    return sandbox_server
