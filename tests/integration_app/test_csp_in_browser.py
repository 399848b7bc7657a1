"""The Content-Security-Policy in a real browser: the pages it covers trigger no violation.

Debian's chromium through Playwright against pytest-django's live server. Every page load records
``securitypolicyviolation`` events (an init script, which the browser runs outside the page's
policy) and the console's "Refused to ..." errors; the test asserts there are none, and that the
scripts moved out of inline code still do their work.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from invoicing.models import Client
from tests.factories import ConnectedBusinessFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "a-long-enough-passphrase-42"
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
      + ` at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@contextmanager
def browser_page() -> Iterator:
    """A chromium page recording policy violations.

    Start it after the test's own database work: Playwright's sync API runs the test in a greenlet
    with an event loop, where Django would open a second connection that nothing closes.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium to run browser tests.")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    context = browser.new_context()
    context.set_default_timeout(30_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    try:
        yield page
    finally:
        context.close()
        browser.close()
        playwright.stop()


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations") + page.console_errors


def visit(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    assert violations(page) == [], url


def test_pages_and_admin_run_under_the_policy_without_violations(live_server):
    staff = UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    ConnectedBusinessFactory()
    own = ConnectedBusinessFactory(connection__user=staff)
    Client.objects.create(business=own, freshbooks_id=10, display_name="Acme Corp")
    nightly = CrontabSchedule.objects.create(minute="0", hour="3")
    task = PeriodicTask.objects.create(name="nightly", task="sync.schedule_syncs", crontab=nightly)
    base = live_server.url

    with browser_page() as page:
        signed_in_pages_have_no_violations(page, base, staff.email, task.pk)
        # The rate rule form's picker script (static/js/rate_pickers.js) runs under the policy.
        visit(page, f"{base}/businesses/{own.pk}/rates/")
        visit(page, f"{base}/businesses/{own.pk}/rates/rules/new/")
        assert page.is_visible("#id_client-search")


def signed_in_pages_have_no_violations(page, base: str, email: str, task_pk: int) -> None:
    visit(page, f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))
    assert violations(page) == []

    for path in (
        "/dashboard/",
        "/accounts/email/",  # allauth's page with its own scripts
        "/accounts/password/change/",
        "/admin/",
        "/admin/connections/connectedbusiness/",  # status badges
        "/admin/django_celery_beat/periodictask/",
    ):
        visit(page, base + path)

    # django-celery-beat's inline script, now static/js/admin_periodic_task.js, still runs.
    visit(page, f"{base}/admin/django_celery_beat/periodictask/{task_pk}/change/")
    assert "Translation: At 03:00 AM" in page.inner_text(".field-crontab .help")
    assert not page.is_visible(".field-crontab_translation")
    # The status badges are coloured by the admin stylesheet.
    visit(page, f"{base}/admin/connections/connectedbusiness/")
    assert page.eval_on_selector(
        ".status-badge", "badge => getComputedStyle(badge).borderTopStyle"
    ) == ("solid")


def test_the_recorder_sees_what_the_policy_blocks(live_server):
    """Without this, an empty list of violations could mean the recording never worked."""
    with browser_page() as page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.injected = true";
              document.body.appendChild(script);
            }"""
        )
        page.wait_for_function("window.__cspViolations.length > 0")

        assert page.evaluate("window.injected") is None
        assert any("script-src" in violation for violation in violations(page))
