"""Every page on the way, checked: sign up, confirm (which signs in), connect FreshBooks, pick a
business, wait for the sync, see the unbilled hours and filter them, preview, create drafts
(double-clicked), watch the progress reach 100 %, find the drafts in FreshBooks, then disconnect
keeping the history and connect again.

Every page goes through `page_checks` (tests/e2e/checks.py): wording, axe-core, and a phone-width
screenshot without sideways overflow. The issue-12 chain (fix a held-back client from its link,
leave an entry out, rows updating live) is tests/e2e/test_journey.py."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from connections.models import ConnectedBusiness
from invoicing.models import DraftInvoice, InvoiceRun
from tests.e2e.test_journey import (
    SYNC_TIMEOUT_MS,
    connect_business,
    expected_unbilled_hours,
    sign_up_and_confirm,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_sign_up_connect_sync_and_create_drafts_in_the_browser(
    running_app, app_sandbox, browser_page, screenshots, page_checks, mailoutbox
):
    page, shots, base_url, checks = browser_page, screenshots, running_app.url, page_checks
    seeded = app_sandbox.control.seed(time_entries=240, months=2, billed_fraction=0.2)
    business = next(b for b in seeded["businesses"] if not b["client_only"])
    person = next(u for u in seeded["users"] if u["identity_id"] == business["owner_identity_id"])

    sign_up_and_confirm(page, base_url, mailoutbox, shots, "every-page@example.com", checks)
    connect_business(page, app_sandbox, shots, person, business, checks)
    shots.take("dashboard connected")

    # Wait for the sync: the business page refreshes itself until the hours are there.
    page.get_by_role("link", name=business["name"]).first.click()
    page.wait_for_selector("#unbilled-table", timeout=SYNC_TIMEOUT_MS)
    total = page.locator("#unbilled-table tfoot td.number strong").first.inner_text()
    assert Decimal(total) == expected_unbilled_hours(app_sandbox, business["business_id"])
    assert page.locator("svg.bar-chart rect.chart-bar").count() >= 1
    assert page.locator("#entries-table tbody tr").count() >= 1
    assert page.locator('[data-health="healthy"]').is_visible()
    shots.take("business page")
    checks.check("business page")

    # Filters narrow the time entry list without JavaScript tricks: a plain GET form that brings
    # the reader back to the results.
    page.select_option("#id_status", "billed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=billed.*#entries-heading$"))
    assert page.locator("#entries-table tbody tr .badge", has_text="Not billed").count() == 0
    shots.take("business page filtered")
    page.select_option("#id_status", "not_billable")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=not_billable"))
    badges = set(page.locator("#entries-table tbody tr .badge").all_inner_texts())
    assert badges == {"Not billable"}
    page.goto(page.url.split("?")[0] + "?period=custom&start=2026-01-01#entries-heading")
    assert page.get_by_text("A custom period needs an end date.").is_visible()
    assert page.locator("#entries-table").count() == 0  # nothing unfiltered below the error
    checks.check("business page filter error")
    page.goto(dashboard_url := f"{base_url}/dashboard/")
    checks.check("dashboard connected")
    page.get_by_role("link", name=business["name"]).first.click()

    add_a_rate_rule_from_the_rates_page(page, shots, checks, business)

    create_drafts_and_find_them_in_freshbooks(page, shots, checks, app_sandbox, base_url, business)
    visit_the_other_pages(page, checks, base_url, business)
    disconnect_keep_history_and_connect_again(page, checks, app_sandbox, dashboard_url, person)
    checks.assert_clean()


def visit_the_other_pages(page, checks, base_url: str, business: dict) -> None:
    """The pages the journey has not needed yet: a draft, all runs, schedule, billing defaults
    and the account pages."""
    connected = ConnectedBusiness.objects.get(business_id=business["business_id"])
    run = InvoiceRun.objects.get(business=connected)
    page.goto(f"{base_url}/businesses/{connected.pk}/invoices/runs/{run.pk}/")
    page.locator("tr[data-draft-id] a").first.click()
    page.wait_for_url(re.compile(r"/drafts/\d+/$"))
    checks.check("draft")
    for path, name in (
        (f"/businesses/{connected.pk}/invoices/", "all runs"),
        (f"/businesses/{connected.pk}/invoices/schedule/", "schedule"),
        (f"/businesses/{connected.pk}/invoices/settings/", "billing defaults"),
        ("/accounts/email/", "account email"),
        ("/accounts/password/change/", "account password"),
    ):
        page.goto(base_url + path)
        checks.check(name)


def disconnect_keep_history_and_connect_again(page, checks, sandbox, dashboard_url, person):
    page.goto(dashboard_url)
    page.get_by_role("link", name="Disconnect").click()
    checks.check("disconnect")
    page.get_by_label("Keep the synced data and invoice history in this app").check()
    page.get_by_role("button", name="Disconnect").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    history = page.locator("#disconnected")
    assert history.is_visible()
    checks.check("dashboard disconnected")
    history.locator("a").first.click()
    assert page.get_by_text("This history is kept and read-only").is_visible()
    assert page.locator("#entries-table tbody tr").count() >= 1
    checks.check("business page disconnected")

    page.goto(dashboard_url)
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/oauth/callback/" in r.url else None)
    page.get_by_role("button", name="Connect FreshBooks").click()
    page.wait_for_url(re.compile(re.escape(sandbox.url) + r"/oauth/authorize"))
    page.select_option("#email", person["email"])
    page.click("#allow")
    page.wait_for_url(re.compile(r"/connections/\d+/businesses/$"))
    ticked = page.locator("input[name=business_ids]:checked")
    assert ticked.count() == 1  # the business connected before
    checks.check("pick businesses again")
    # Reloading the used callback: already connected, back on the picker.
    page.goto(callbacks[-1])
    page.wait_for_url(re.compile(r"/connections/\d+/businesses/$"))
    assert page.get_by_text("already connected").is_visible()


def add_a_rate_rule_from_the_rates_page(page, shots, checks, business) -> None:
    """The Rates page: FreshBooks' rates by name, then a rule picked by searching names."""
    page.get_by_role("link", name="Rates", exact=True).first.click()
    page.wait_for_url(re.compile(r"/rates/$"))
    assert page.locator("#freshbooks-rates table").count() >= 3
    assert page.locator("#id_standard_rate").input_value() == "95.00"
    shots.take("rates")
    checks.check("rates")
    page.get_by_role("link", name="Add a rate rule").click()
    client_name = page.locator("#id_client option").nth(1).inner_text()
    page.get_by_label("Search Client").fill(client_name[:4])
    page.keyboard.press("Enter")  # picks the first match
    assert page.locator("#id_client").input_value() != ""
    project_options = page.locator("#id_project option")
    chosen_client = page.locator("#id_client").input_value()
    for index in range(1, project_options.count()):
        assert project_options.nth(index).get_attribute("data-client") == chosen_client
    page.fill("#id_rate", "12.345")
    page.fill("#id_valid_from", "2024-01-01")
    shots.take("rate rule form")
    checks.check("rate rule form")
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_url(re.compile(r"/rates/#rules$"))
    assert page.get_by_text("at 12.345 per hour").is_visible()
    assert page.locator("#rules-table tbody tr").count() == 1
    shots.take("rates with a rule")
    checks.check("rates with a rule")


def create_drafts_and_find_them_in_freshbooks(
    page, shots, checks, sandbox, base_url, business
) -> None:
    create_drafts(page, shots, checks, base_url, business)
    connected = ConnectedBusiness.objects.get(business_id=business["business_id"])
    run = InvoiceRun.objects.get(business=connected)
    assert run.status == InvoiceRun.Status.COMPLETED, run.error
    drafts = list(DraftInvoice.objects.filter(run=run))
    assert drafts and all(draft.freshbooks_invoice_id for draft in drafts)
    in_freshbooks = {
        invoice["id"]
        for invoice in sandbox.control.invoices(business["account_id"])
        if not invoice.get("deleted") and invoice.get("vis_state", 0) == 0
    }
    assert {draft.freshbooks_invoice_id for draft in drafts} <= in_freshbooks
    assert len(in_freshbooks) == len(drafts)  # the double click created nothing twice


def create_drafts(page, shots, checks, base_url: str, business: dict) -> None:
    page.goto(f"{base_url}/dashboard/")
    page.get_by_role("link", name=business["name"]).first.click()
    page.get_by_role("link", name="Create draft invoices").click()
    today = timezone.localdate()
    page.select_option("#id_period", "custom")
    page.fill("#id_start", (today - timedelta(days=120)).isoformat())
    page.fill("#id_end", today.isoformat())
    page.get_by_label("Leave unpriced time unbilled and bill the rest").check()
    shots.take("invoice options")
    checks.check("invoice options")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r"/invoices/runs/\d+/$"))
    shots.take("invoice preview")
    checks.check("invoice preview")

    page.get_by_role("button", name="Create drafts").dblclick()
    page.wait_for_selector("[data-run-progress]")
    page.wait_for_function(
        "() => { const bar = document.querySelector('[data-run-progress] progress');"
        " return bar && Number(bar.value) === 100; }",
        timeout=SYNC_TIMEOUT_MS,
    )
    page.wait_for_load_state("load")
    shots.take("invoice run finished")
    checks.check("invoice run finished")
