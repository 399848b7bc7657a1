"""In a real browser: create drafts and watch the run page's rows update live, open a created
invoice in the sandbox's invoice view, then void and re-bill one draft, seeing the replacement
preview before anything is voided. Screenshots on a desktop and on a 390×844 phone; no page breaks
the Content-Security-Policy."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client as DjangoClient

from invoicing.models import DraftInvoice, InvoiceRun
from invoicing.money_format import format_money
from tests.factories import UserFactory
from tests.integration_app.test_csp_in_browser import RECORD_VIOLATIONS
from tests.invoicing.drafts.conftest import connect_and_sync

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT_MS = 180_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Each invoice POST takes a while, so the page is seen while drafts are still on their way.
SLOW_INVOICE_POST = {"kind": "latency", "method": "POST", "path": "/invoices/invoices$"}

ROW_STATES = """() => Array.from(document.querySelectorAll('tr[data-draft-id] [data-cell="state"]'))
  .map((cell) => cell.textContent.trim())"""


def sign_in(page, base_url: str, user) -> None:
    """The user's session, made by Django's test client, handed to the browser."""
    client = DjangoClient()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )


def both_sizes(page, shots, name: str) -> None:
    """Screenshots of `page` (the journey's page or a tab it opened) on a desktop and a phone."""
    journey_page, shots.page = shots.page, page
    try:
        shots.take(f"{name} desktop")
        page.set_viewport_size(PHONE)
        shots.take(f"{name} phone")
        page.set_viewport_size(DESKTOP)
    finally:
        shots.page = journey_page


def row_states(page) -> list[str]:
    return page.evaluate(ROW_STATES)


def wait_until_every_row_is_done(page) -> None:
    page.wait_for_function(
        f"() => {{ const states = ({ROW_STATES})();"
        " return states.length > 0 && states.every((state) => state === 'Done'); }",
        timeout=RUN_TIMEOUT_MS,
    )


def test_rows_update_live_the_invoice_opens_in_the_sandbox_and_a_rebill_previews_first(
    running_app, app_sandbox, browser_page, screenshots, page_checks, settings
):
    page, shots, base_url = browser_page, screenshots, running_app.url
    settings.FRESHBOOKS_INVOICE_URL_TEMPLATE = (
        f"{app_sandbox.url}/_sandbox/invoices/{{account_id}}/{{invoice_id}}"
    )
    user = UserFactory()
    seeded = connect_and_sync(app_sandbox, user=user, time_entries=160, months=2, clients=6)
    business = seeded.business
    sign_in(page, base_url, user)
    page.context.add_init_script(RECORD_VIOLATIONS)

    # Dates are usable only for a custom period: the business page's filters, then the options.
    page.goto(f"{base_url}/businesses/{business.pk}/")
    assert page.is_disabled("#id_start") and page.is_disabled("#id_end")  # "Any time"
    page.select_option("#id_period", "custom")
    assert page.is_enabled("#id_start") and page.is_enabled("#id_end")
    page.goto(f"{base_url}/businesses/{business.pk}/invoices/new/")
    page.select_option("#id_period", "last_month")
    assert page.is_disabled("#id_start") and page.is_disabled("#id_end")
    page.select_option("#id_period", "custom")
    assert page.is_enabled("#id_start") and page.is_enabled("#id_end")
    page.fill("#id_start", (date.today() - timedelta(days=100)).isoformat())
    page.fill("#id_end", (date.today() + timedelta(days=1)).isoformat())
    page.select_option("#id_grouping", "service")
    page.get_by_label("Bill unpriced time as 0.00 lines so it shows on the invoice").check()
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r"/invoices/runs/\d+/$"))

    # Create: the rows follow the drafts in place, without a reload.
    app_sandbox.control.add_fault(**SLOW_INVOICE_POST, latency_ms=2500)
    page.get_by_role("button", name="Create drafts").click()
    page.wait_for_selector("tr[data-draft-id]")
    page.evaluate("() => { window.sameRunPage = true; }")
    assert set(row_states(page)) <= {"Planned", "Submitting"}
    page.wait_for_function(
        f"() => {{ const states = ({ROW_STATES})();"
        " return states.includes('Done') && states.some((state) => state !== 'Done'); }",
        timeout=RUN_TIMEOUT_MS,
    )
    done_so_far = row_states(page).count("Done")
    assert page.locator("[data-progress-text]").inner_text().startswith(f"{done_so_far} of ")
    both_sizes(page, shots, "run page while drafts are created")
    wait_until_every_row_is_done(page)
    app_sandbox.control.clear_faults()
    page.wait_for_selector("[data-next-step]:not([hidden])")
    assert page.evaluate("() => window.sameRunPage === true")  # updated in place
    count = len(row_states(page))
    assert page.locator("[data-progress-text]").inner_text() == f"{count} of {count} drafts done."
    assert page.locator("[data-run-status]").inner_text() == "Completed"
    assert "Done: every draft is in FreshBooks" in page.locator("[data-next-step]").inner_text()
    both_sizes(page, shots, "run page finished")
    assert page.evaluate("() => window.__cspViolations") == []

    # The first row's invoice opens in the sandbox's invoice view.
    run = InvoiceRun.objects.get(business=business, trigger=InvoiceRun.Trigger.USER)
    first = run.drafts.order_by("client_name", "pk").first()
    row = page.locator(f'tr[data-draft-id="{first.pk}"]')
    link = row.locator('[data-cell="invoice"] a')
    assert link.inner_text() == first.freshbooks_invoice_number
    with page.context.expect_page() as opened:
        link.click()
    invoice_page = opened.value
    invoice_page.wait_for_load_state()
    assert invoice_page.url.startswith(f"{app_sandbox.url}/_sandbox/invoices/")
    assert (
        invoice_page.locator("[data-invoice-number]").inner_text()
        == first.freshbooks_invoice_number
    )
    assert invoice_page.locator("[data-status]").inner_text() == "Draft"
    assert first.client_name in invoice_page.locator("[data-client]").inner_text()
    totals = invoice_page.locator("[data-totals]").inner_text()
    assert f"{first.total:.2f}" in totals
    assert row.locator('[data-cell="total"]').inner_text().strip() == format_money(
        first.total, first.currency_code
    )
    both_sizes(invoice_page, shots, "invoice in the sandbox view")
    invoice_page.close()

    # Void and re-bill: the form starts from the run; the replacement is shown before any void.
    row.locator("a").first.click()
    page.get_by_role("link", name="Void and re-bill").click()
    assert page.locator("label[for=id_reason]").inner_text() == "Reason (required)"
    assert page.input_value("#id_grouping") == "service"
    assert page.input_value("#id_period") == "custom"
    assert page.input_value("#id_start") == run.options["period_start"]
    assert page.is_enabled("#id_start")
    page.select_option("#id_period", "this_month")
    assert page.is_disabled("#id_start")
    page.select_option("#id_period", "custom")
    page.fill("#id_reason", "The client wants one line")
    page.select_option("#id_grouping", "single")
    both_sizes(page, shots, "re-bill form")
    page_checks.check("re-bill form")
    page.get_by_role("button", name="Preview the replacement").click()
    page.wait_for_url(re.compile(r"/invoices/runs/\d+/$"))

    assert page.get_by_text("Nothing has been voided yet").is_visible()
    assert page.get_by_text("The client wants one line").is_visible()
    assert page.get_by_text("Professional services").first.is_visible()
    first.refresh_from_db()
    assert first.state == DraftInvoice.State.DONE
    old_invoice = {i["id"]: i for i in app_sandbox.control.invoices(business.account_id)}[
        first.freshbooks_invoice_id
    ]
    assert old_invoice["vis_state"] == 0  # still a live draft in FreshBooks
    both_sizes(page, shots, "re-bill replacement preview")
    page_checks.check("re-bill replacement preview")

    page.get_by_role("button", name="Void and create the replacement").click()
    page.wait_for_url(re.compile(r"/invoices/runs/\d+/$"))
    wait_until_every_row_is_done(page)
    page.wait_for_selector("[data-next-step]:not([hidden])")
    both_sizes(page, shots, "re-bill replacement created")
    assert page.evaluate("() => window.__cspViolations") == []

    first.refresh_from_db()
    assert first.state == DraftInvoice.State.VOIDED
    assert (first.voided_by, first.void_reason) == (user, "The client wants one line")
    [replacement] = DraftInvoice.objects.filter(run__replaces_draft=first)
    invoices = {i["id"]: i for i in app_sandbox.control.invoices(business.account_id)}
    assert invoices[first.freshbooks_invoice_id]["vis_state"] == 1
    assert invoices[replacement.freshbooks_invoice_id]["vis_state"] == 0
    lines = invoices[replacement.freshbooks_invoice_id]["lines"]
    time_lines = [line for line in lines if line["type"] == 0]  # the expenses have their own
    assert {line["name"] for line in time_lines} == {"Professional services"}  # one line per rate
    [previewed] = InvoiceRun.objects.get(replaces_draft=first).preview["drafts"]
    assert replacement.freshbooks_total == replacement.total == Decimal(previewed["total"])
    page_checks.assert_clean()
