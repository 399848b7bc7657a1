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

from tests.plugins.freshbooks import point_app_at, sandbox_env
from tests.plugins.sandbox import SandboxServer, sandbox_running

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
    with sandbox_running(
        tmp_path / "sandbox",
        client_id=E2E_CLIENT_ID,
        client_secret=E2E_CLIENT_SECRET,
        redirect_uris=(callback,),
    ) as sandbox:
        yield sandbox


@pytest.fixture
def running_app(live_server, app_sandbox, settings, celery_worker_factory, monkeypatch):
    """The live server and a worker, both pointed at the sandbox; returns the live server."""
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM reads are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    point_app_at(settings, app_sandbox)
    settings.PUBLIC_BASE_URL = live_server.url
    # As `make run` does: invoice links open the sandbox's own invoice view.
    settings.FRESHBOOKS_INVOICE_URL_TEMPLATE = (
        f"{app_sandbox.url}/_sandbox/invoices/{{account_id}}/{{invoice_id}}"
    )
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
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


@pytest.fixture
def page_checks(browser_page, request):
    """Wording, axe-core and a phone-width screenshot for each page the journey visits."""
    from tests.e2e.checks import PageChecks

    return PageChecks(
        browser_page, SCREENSHOTS, request.node.name.removeprefix("test_")[:40].replace("_", "-")
    )
