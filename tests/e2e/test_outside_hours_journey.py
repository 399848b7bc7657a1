"""Hours from outside FreshBooks in a real browser: add hours by hand, import a Toggl CSV
(preview, map an unknown client once, confirm, summary), see both marked by source on the
business page, and create an API token shown once."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client as DjangoClient

from invoicing.models import TimeEntry
from tests.factories import (
    ClientFactory,
    ConnectedBusinessFactory,
    ProjectFactory,
    ServiceFactory,
    TeamMemberFactory,
)
from tests.invoicing.hours.samples import TOGGL_HEADER, csv_bytes, toggl_row

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_manual_hours_csv_import_and_api_token_in_the_browser(
    live_server, browser_page, screenshots, tmp_path, monkeypatch
):
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    page = browser_page
    business = ConnectedBusinessFactory(name="Studio Lima", timezone="UTC", currency_code="USD")
    ClientFactory(business=business, freshbooks_id=10, display_name="Acme Corp")
    ProjectFactory(business=business, freshbooks_id=70, title="Website", client_freshbooks_id=10)
    ServiceFactory(business=business, freshbooks_id=5, name="Design")
    TeamMemberFactory(business=business, identity_id=900, name="Ana Lima", email="ana@studio.test")
    django_client = DjangoClient()
    django_client.force_login(business.connection.user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": django_client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    base = f"{live_server.url}/businesses/{business.pk}"

    page.goto(f"{base}/")
    page.click("text=Add hours")
    page.select_option("select[name=client]", "10")
    page.select_option("select[name=project]", "70")
    page.fill("input[name=date]", "2024-05-06")
    page.fill("input[name=duration]", "1:30")
    page.fill("textarea[name=note]", "Kick-off call")
    screenshots.take("manual form")
    page.click("button:has-text('Add hours')")
    page.wait_for_selector("text=Added 1.50 h for Acme Corp")

    report = tmp_path / "toggl.csv"
    report.write_bytes(
        csv_bytes(
            TOGGL_HEADER,
            [toggl_row(), toggl_row(client="ACME Inc.", note="Logo"), toggl_row(duration="x")],
            delimiter=";",
            bom=True,
        )
    )
    page.click("text=Import CSV")
    page.set_input_files("input[name=file]", str(report))
    page.click("button:has-text('Upload and preview')")
    page.wait_for_selector("text=Names not found in FreshBooks")
    screenshots.take("import preview with an unknown client")
    page.select_option("select[name=target]", "10")
    page.click("button:has-text('Map')")
    page.wait_for_selector("text=2 new entries")
    page.click("button:has-text('Import 2 rows')")
    page.wait_for_selector("[data-summary]")
    screenshots.take("import summary")
    assert TimeEntry.objects.filter(business=business, source="csv").count() == 2

    page.goto(f"{base}/")
    assert page.locator("#entries-table [data-source=csv]").count() == 2
    assert page.locator("#entries-table [data-source=manual]").count() == 1
    screenshots.take("business page with outside hours")

    page.click("text=API tokens")
    page.fill("input[name=name]", "Our time tracker")
    page.click("button:has-text('Create token')")
    token = page.inner_text("#new-token")
    assert token.startswith("fbb_")
    screenshots.take("new api token")
    page.reload()
    assert token not in page.content()
