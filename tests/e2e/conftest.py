"""A real browser (Debian's chromium through Playwright) against the running app.

The app runs in-process under pytest-django's `live_server`; a real Celery worker runs beside it;
FreshBooks is a sandbox process of its own whose registered app accepts the live server's callback
(its port is only known once `live_server` has started). Screenshots land in
`test-artifacts/screenshots/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from connections.services.freshbooks_api import _rate_gate_for
from sandbox.config import RegisteredApp
from sandbox.process import start_sandbox_process
from tests.plugins.freshbooks import sandbox_env
from tests.plugins.sandbox import WEBHOOK_RETRY_BASE, SandboxServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
E2E_CLIENT_ID = "e2e-client-id"
E2E_CLIENT_SECRET = "e2e-client-secret"


@pytest.fixture
def app_sandbox(live_server, tmp_path) -> Iterator[SandboxServer]:
    """A FreshBooks sandbox that redirects back to this test's live server."""
    callback = f"{live_server.url}/connections/oauth/callback/"
    process = start_sandbox_process(
        0,
        tmp_path / "sandbox" / "state.sqlite3",
        control=True,
        apps=[RegisteredApp(E2E_CLIENT_ID, E2E_CLIENT_SECRET, (callback,))],
        extra_args=("--webhook-retry-base", str(WEBHOOK_RETRY_BASE)),
    )
    try:
        yield SandboxServer(
            url=process.url,
            control=process.control,
            process=process,
            client_id=E2E_CLIENT_ID,
            client_secret=E2E_CLIENT_SECRET,
            redirect_uris=(callback,),
        )
    finally:
        process.stop()


@pytest.fixture
def running_app(live_server, app_sandbox, settings, celery_worker_factory, monkeypatch):
    """The live server and a worker, both pointed at the sandbox; returns the live server."""
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM reads are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.FRESHBOOKS_API_BASE_URL = app_sandbox.url
    settings.FRESHBOOKS_AUTH_BASE_URL = app_sandbox.url
    settings.FRESHBOOKS_CLIENT_ID = app_sandbox.client_id
    settings.FRESHBOOKS_CLIENT_SECRET = app_sandbox.client_secret
    settings.FRESHBOOKS_REDIRECT_URI = app_sandbox.redirect_uri
    settings.FRESHBOOKS_RATE_PER_SECOND = 1000.0
    settings.FRESHBOOKS_RATE_BURST = 1000
    settings.PUBLIC_BASE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    _rate_gate_for.cache_clear()
    celery_worker_factory(sandbox_env(app_sandbox) | {"PUBLIC_BASE_URL": live_server.url})
    return live_server


@pytest.fixture
def browser_page(monkeypatch) -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`) "
            "to run the browser tests."
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
        browser.close()
        playwright.stop()


class Screenshots:
    """Numbered full-page screenshots of one journey, kept as test artefacts."""

    def __init__(self, page, journey: str):
        self.page = page
        self.folder = SCREENSHOTS
        self.journey = journey
        self.taken: list[Path] = []
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob(f"{journey}-*.png"):
            old.unlink()

    def take(self, name: str) -> Path:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.folder / f"{self.journey}-{len(self.taken) + 1:02d}-{slug}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def screenshots(browser_page, request) -> Screenshots:
    return Screenshots(browser_page, request.node.name.removeprefix("test_")[:60])
