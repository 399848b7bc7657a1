"""The whole journey in a real browser: sign up, confirm, connect FreshBooks and answer "What do
you charge per hour?", wait for the sync, preview with the default options, fix a held-back client
from its preview link, leave an entry out, create the drafts (double-clicked), watch the rows
update live, and open a created invoice in the sandbox's invoice view.

The helpers `sign_up_and_confirm` and `connect_business` are shared with the other journeys."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing.models import DraftInvoice, InvoiceRun
from tests.e2e.checks import NO_CHECKS

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-enough-passphrase-42"
SYNC_TIMEOUT_MS = 180_000
ROW_STATES = """() => Array.from(document.querySelectorAll('tr[data-draft-id] [data-cell="state"]'))
  .map((cell) => cell.textContent.trim())"""


def expected_unbilled_hours(sandbox, business_id: int) -> Decimal:
    """What FreshBooks holds: logged, billable, unbilled, live time with a client."""
    seconds = sum(
        entry["duration"] or 0
        for entry in sandbox.control.time_entries(business_id)
        if entry.get("billable")
        and not entry.get("billed")
        and entry.get("active", True)
        and entry.get("is_logged", True)
        and entry.get("client_id")
        and not entry.get("deleted")
    )
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


def sign_up_and_confirm(
    page, base_url: str, mailoutbox, shots, email: str, checks=NO_CHECKS
) -> None:
    page.goto(f"{base_url}/accounts/login/")
    assert page.locator("[data-product-pitch]").inner_text().count("\n") >= 1  # two lines
    checks.check("sign in")
    page.goto(f"{base_url}/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    shots.take("sign up")
    checks.check("sign up")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    shots.take("check your email")
    checks.check("check your email")

    [message] = [mail for mail in mailoutbox if email in mail.to]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(link)
    checks.check("confirm email")
    page.click("main form button[type=submit]")
    # Confirming the address signs the new user in: straight to the dashboard.
    page.wait_for_url(re.compile(r"/dashboard/$"))


def connect_business(page, sandbox, shots, person: dict, business: dict, checks=NO_CHECKS) -> None:
    assert page.get_by_text("Connect FreshBooks to start").is_visible()
    shots.take("dashboard empty")
    checks.check("dashboard empty")
    page.get_by_role("button", name="Connect FreshBooks").click()
    page.wait_for_url(re.compile(re.escape(sandbox.url) + r"/oauth/authorize"))
    page.select_option("#email", person["email"])
    shots.take("freshbooks consent")
    page.click("#allow")
    page.wait_for_url(re.compile(r"/connections/\d+/businesses/$"))
    checks.check("pick businesses")
    page.check(f"#business-{business['business_id']}")
    shots.take("pick businesses")
    page.get_by_role("button", name="Save").click()
    # Right after connecting: "What do you charge per hour?", then the dashboard.
    page.wait_for_url(re.compile(r"/businesses/welcome/$"))
    assert page.get_by_text("1 business connected.").is_visible()
    page.get_by_label("Standard rate per hour").fill("95")
    shots.take("standard rate question")
    checks.check("standard rate question")
    page.get_by_role("button", name="Save rate").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    assert page.get_by_text("set to 95.00 per hour").is_visible()


def test_connect_preview_fix_a_held_back_client_create_and_open_the_invoice_in_the_browser(
    running_app, app_sandbox, browser_page, screenshots, mailoutbox
):
    """The first journey of issue 12, as one chain: connect → the standard rate question → the
    default preview bills most clients → a held-back client fixed from its preview link → an
    entry left out → create (double-clicked) → rows update live → the invoice in the sandbox."""
    page, shots, base_url = browser_page, screenshots, running_app.url
    seeded = app_sandbox.control.seed(time_entries=300, months=2, billed_fraction=0.2)
    business = next(b for b in seeded["businesses"] if not b["client_only"])
    person = next(u for u in seeded["users"] if u["identity_id"] == business["owner_identity_id"])
    log_time_last_month_for_the_client_without_a_rate(app_sandbox, business)

    # An address of its own: allauth's one-confirmation-email-per-3-minutes limit per address lives
    # in the shared cache, which outlives each test's database.
    sign_up_and_confirm(page, base_url, mailoutbox, shots, "first-journey@example.com")
    connect_business(page, app_sandbox, shots, person, business)
    shots.take("dashboard connected")
    wait_for_the_sync(page, shots, app_sandbox, business)

    run_pk = preview_with_the_default_options(page, shots, business)
    fix_the_held_back_client_from_its_link(page, shots, run_pk)
    entry_id = leave_one_entry_out(page, shots)
    create_and_watch_the_rows_update(page, shots, app_sandbox, business, run_pk, entry_id)
    open_the_invoice_in_the_sandbox_view(page, shots, app_sandbox, run_pk)
    add_a_rate_rule_from_the_rates_page(page, shots)


def log_time_last_month_for_the_client_without_a_rate(sandbox, business) -> None:
    """A small seed leaves last month's share of the held-back client to chance: log some of its
    time there, on its project with no rate and without a project (only rate rules price that)."""
    unpriced = next(
        project
        for project in sandbox.control.state(business["business_id"], "projects")
        if project.get("client_id")
        and project.get("billing_method") == "project_rate"
        and not project.get("rate")
    )
    last_month = timezone.localdate().replace(day=1) - timedelta(days=10)
    for hour, project_id in ((14, unpriced["id"]), (17, None)):
        sandbox.control.create_time_entry(
            business["business_id"],
            client_id=unpriced["client_id"],
            project_id=project_id,
            started_at=f"{last_month.isoformat()}T{hour}:00:00Z",
            duration=5400,
            is_logged=True,
            billable=True,
        )


def wait_for_the_sync(page, shots, sandbox, business) -> None:
    """The business page refreshes itself until the hours are there; filters are a GET form."""
    page.get_by_role("link", name=business["name"]).first.click()
    page.wait_for_selector("#unbilled-table", timeout=SYNC_TIMEOUT_MS)
    page.wait_for_selector('[data-health="healthy"]', timeout=SYNC_TIMEOUT_MS)
    total = page.locator("#unbilled-table tfoot td.number strong").first.inner_text()
    assert Decimal(total) == expected_unbilled_hours(sandbox, business["business_id"])
    assert page.locator("svg.bar-chart rect.chart-bar").count() >= 1
    assert page.locator('[data-health="healthy"]').is_visible()
    shots.take("business page")
    page.select_option("#id_status", "billed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=billed"))
    assert page.locator("#entries-table tbody tr .badge", has_text="Not billed").count() == 0
    page.set_viewport_size({"width": 390, "height": 844})
    shots.take("business page on a phone")
    page.set_viewport_size({"width": 1280, "height": 900})


def summary_statuses(page) -> dict[str, str]:
    rows = page.locator("#preview-summary tbody tr")
    return {
        rows.nth(index).locator("th").inner_text(): rows.nth(index)
        .locator('[data-label="Status"]')
        .inner_text()
        for index in range(rows.count())
    }


def preview_with_the_default_options(page, shots, business) -> int:
    """Nothing changed on the options form: last month, every client, unpriced time held back."""
    page.get_by_role("link", name="Create draft invoices").click()
    assert page.input_value("#id_period") == "last_month"
    assert page.is_disabled("#id_start")
    shots.take("invoice options")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r"/invoices/runs/\d+/$"))
    statuses = summary_statuses(page)
    created = [name for name, status in statuses.items() if status == "Will be created"]
    held = [name for name, status in statuses.items() if status == "Held back"]
    # The standard rate answered, only the client with no rate at all waits.
    assert len(created) > len(statuses) / 2 and len(held) >= 1, statuses
    assert not page.get_by_text("No draft would be created").is_visible()
    shots.take("default preview")
    page.set_viewport_size({"width": 390, "height": 844})
    shots.take("default preview on a phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    return int(re.search(r"/runs/(\d+)/$", page.url).group(1))


def fix_the_held_back_client_from_its_link(page, shots, run_pk: int) -> None:
    """Follow "Set a rate for client …", save the pre-filled rule, and land back on the preview,
    where that client's draft will now be created."""
    [client_name] = [
        name for name, status in summary_statuses(page).items() if status == "Held back"
    ][:1]
    card = page.locator(".invoice-card", has=page.locator("h3", has_text=client_name))
    assert "no rate" in card.locator(".invoice-blocked").inner_text()
    assert "Blocked" not in card.inner_text()
    rows = page.locator("#not-billed-table tr[data-reason=no_rate]", has_text=client_name)
    link = rows.locator("a", has_text=f"Set a rate for client {client_name}").first
    assert link.get_attribute("href").endswith(f"preview={run_pk}")
    link.click()
    page.wait_for_url(re.compile(r"/rates/rules/new/\?"))
    assert page.locator("h1").inner_text() == f"Set a rate for client {client_name}"
    assert page.locator("#id_client option:checked").inner_text().startswith(client_name)
    page.fill("#id_rate", "87.5")
    shots.take("rate rule from the fix link")
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_url(re.compile(rf"/invoices/runs/{run_pk}/$"))
    assert page.get_by_text("planned again with this rate").is_visible()
    assert summary_statuses(page)[client_name] == "Will be created"
    shots.take("preview with the client fixed")


def leave_one_entry_out(page, shots) -> str:
    first_line = page.locator(".invoice-card details.line-entries").first
    first_line.locator("summary").click()
    entry_box = first_line.locator("input[name=bill]").first
    entry_id = entry_box.get_attribute("value")
    entry_box.uncheck()
    page.get_by_role("button", name="Update preview").click()
    page.wait_for_selector(f"#not-billed-table tr[data-reason=left_out] >> text=#{entry_id}")
    shots.take("preview with an entry left out")
    return entry_id


def row_states(page) -> list[str]:
    return page.evaluate(ROW_STATES)


def create_and_watch_the_rows_update(page, shots, sandbox, business, run_pk, entry_id) -> None:
    """Double-clicked, created once; the rows move to Done in place, with no reload."""
    sandbox.control.add_fault(
        kind="latency", method="POST", path="/invoices/invoices$", latency_ms=700
    )
    page.get_by_role("button", name="Create drafts").dblclick()
    page.wait_for_selector("tr[data-draft-id]")
    page.evaluate("() => { window.sameRunPage = true; }")
    assert "Done" not in set(row_states(page)) or len(set(row_states(page))) > 1
    shots.take("run page while drafts are created")
    page.wait_for_function(
        f"() => {{ const states = ({ROW_STATES})();"
        " return states.length > 0 && states.every((state) => state === 'Done'); }",
        timeout=SYNC_TIMEOUT_MS,
    )
    sandbox.control.clear_faults()
    page.wait_for_selector("[data-next-step]:not([hidden])")
    assert page.evaluate("() => window.sameRunPage === true")  # updated in place
    count = len(row_states(page))
    assert page.locator("[data-progress-text]").inner_text() == f"{count} of {count} drafts done."
    shots.take("invoice run finished")

    run = InvoiceRun.objects.get(pk=run_pk)
    assert run.status == InvoiceRun.Status.COMPLETED, run.error
    drafts = list(DraftInvoice.objects.filter(run=run))
    assert len(drafts) == count == run.preview["drafts_to_create"]
    assert not DraftInvoice.objects.filter(
        run=run, entries__time_entry_freshbooks_id=int(entry_id)
    ).exists()
    in_freshbooks = {
        invoice["id"]
        for invoice in sandbox.control.invoices(business["account_id"])
        if not invoice.get("deleted") and invoice.get("vis_state", 0) == 0
    }
    assert {draft.freshbooks_invoice_id for draft in drafts} == in_freshbooks  # created once


def open_the_invoice_in_the_sandbox_view(page, shots, sandbox, run_pk) -> None:
    draft = DraftInvoice.objects.filter(run_id=run_pk).order_by("client_name", "pk").first()
    link = page.locator(f'tr[data-draft-id="{draft.pk}"] [data-cell="invoice"] a')
    assert link.inner_text() == draft.freshbooks_invoice_number
    with page.context.expect_page() as opened:
        link.click()
    invoice_page = opened.value
    invoice_page.wait_for_load_state()
    assert invoice_page.url.startswith(f"{sandbox.url}/_sandbox/invoices/")
    assert invoice_page.locator("[data-invoice-number]").inner_text() == (
        draft.freshbooks_invoice_number
    )
    assert invoice_page.locator("[data-status]").inner_text() == "Draft"
    assert draft.client_name in invoice_page.locator("[data-client]").inner_text()
    assert f"{draft.total:.2f}" in invoice_page.locator("[data-totals]").inner_text()
    shots.page = invoice_page
    shots.take("invoice in the sandbox view")
    shots.page = page
    invoice_page.close()


def add_a_rate_rule_from_the_rates_page(page, shots) -> None:
    """The Rates page: FreshBooks' rates by name, the standard rate answered at onboarding, the
    rule made from the fix link, and a new rule picked by searching names."""
    page.get_by_role("link", name="Rates", exact=True).first.click()
    page.wait_for_url(re.compile(r"/rates/$"))
    assert page.locator("#freshbooks-rates table").count() >= 3
    assert page.locator("#id_standard_rate").input_value() == "95.00"
    assert page.locator("#rules-table tbody tr").count() == 1  # from the fix link
    shots.take("rates")
    page.get_by_role("link", name="Add a rate rule").click()
    client_name = page.locator("#id_client option").nth(1).inner_text()
    page.get_by_label("Search Client").fill(client_name[:4])
    page.keyboard.press("Enter")  # picks the first match
    chosen_client = page.locator("#id_client").input_value()
    assert chosen_client != ""
    project_options = page.locator("#id_project option")
    for index in range(1, project_options.count()):
        assert project_options.nth(index).get_attribute("data-client") == chosen_client
    page.fill("#id_rate", "12.345")
    page.fill("#id_valid_from", "2024-01-01")
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_url(re.compile(r"/rates/#rules$"))
    assert page.get_by_text("at 12.345 per hour").is_visible()
    assert page.locator("#rules-table tbody tr").count() == 2
    shots.take("rates with a searched rule")
