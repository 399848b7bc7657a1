"""A second journey in a real browser: preview, a rate changes in FreshBooks, press "Create drafts"
→ the "changed since the preview" page, nothing created until the new preview is confirmed.

Along the way: choosing clients, leaving an entry out, the summary table in each currency's format,
and the preview at desktop and phone width (screenshots in test-artifacts/screenshots/).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing.models import DraftInvoice, DraftLine, InvoiceRun, Project
from tests.e2e.test_journey import connect_business, sign_up_and_confirm

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SYNC_TIMEOUT_MS = 180_000


def test_a_rate_changed_after_the_preview_shows_what_changed_and_creates_nothing_until_confirmed(
    running_app, app_sandbox, browser_page, screenshots, page_checks, mailoutbox
):
    page, shots, base_url = browser_page, screenshots, running_app.url
    seeded = app_sandbox.control.seed(time_entries=160, months=2, billed_fraction=0.1, clients=8)
    business = next(b for b in seeded["businesses"] if not b["client_only"])
    person = next(u for u in seeded["users"] if u["identity_id"] == business["owner_identity_id"])
    sign_up_and_confirm(page, base_url, mailoutbox, shots, "stale@example.com")
    connect_business(page, app_sandbox, shots, person, business)
    page.get_by_role("link", name=business["name"]).first.click()
    page.wait_for_selector("#unbilled-table", timeout=SYNC_TIMEOUT_MS)

    # Choose what to bill: every client ticked by default; the period and the unpriced choice.
    page.get_by_role("link", name="Create draft invoices").click()
    assert page.locator("#client-choices input[name=clients]:checked").count() >= 1
    today = timezone.localdate()
    page.select_option("#id_period", "custom")
    page.fill("#id_start", (today - timedelta(days=120)).isoformat())
    page.fill("#id_end", today.isoformat())
    page.select_option("#id_grouping", "project")
    page.get_by_label("Leave unpriced time unbilled and bill the rest").check()
    shots.take("choose what to bill")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r"/invoices/runs/\d+/$"))
    run = InvoiceRun.objects.order_by("-pk").first()
    assert page.locator("#preview-summary tbody tr").count() == len(run.preview["drafts"])
    summary = page.locator("#preview-summary").inner_text()
    assert re.search(r"(CA)?\$[\d,]+\.\d\d", summary), summary
    assert not re.search(r"\d\.\d\d (USD|CAD)", summary)
    shots.take("preview")
    page.set_viewport_size({"width": 390, "height": 844})
    shots.take("preview on a phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Leave one entry out: it moves to "Not billed", left out by you.
    first_line = page.locator("details.line-entries").first
    first_line.locator("summary").click()
    entry_box = first_line.locator("input[name=bill]").first
    entry_id = entry_box.get_attribute("value")
    entry_box.uncheck()
    page.get_by_role("button", name="Update preview").click()
    page.wait_for_selector(f"#not-billed-table tr[data-reason=left_out] >> text=#{entry_id}")
    shots.take("preview with an entry left out")

    # A rate changes in FreshBooks after the preview was made.
    run.refresh_from_db()
    first_draft_lines = {line["name"] for line in run.preview["drafts"][0]["lines"]}
    project = (
        Project.objects.filter(
            business=run.business,
            title__in=first_draft_lines,
            billing_method="project_rate",
            rate__isnull=False,
        )
        .exclude(project_type="fixed_price")
        .first()
    )
    assert project is not None, first_draft_lines
    new_rate = project.rate + Decimal("10.00")
    app_sandbox.control.act_update(
        business["business_id"], "projects", project.freshbooks_id, rate=str(new_rate)
    )

    page.get_by_role("button", name="Create drafts").click()
    page.wait_for_url(re.compile(r"/invoices/runs/\d+/changes/$"))
    assert page.locator("h1").inner_text() == "Changed since the preview"
    assert page.get_by_text("Nothing was created.").is_visible()
    changes = page.locator("[data-changes]").first.inner_text()
    assert f"Line “{project.title}”" in page.content()
    assert "rate" in changes
    assert DraftInvoice.objects.filter(run=run).count() == 0
    assert not [
        invoice
        for invoice in app_sandbox.control.invoices(business["account_id"])
        if invoice.get("vis_state", 0) == 0
    ]
    shots.take("changed since the preview")
    page_checks.check("changed since the preview")
    page.set_viewport_size({"width": 390, "height": 844})
    shots.take("changed since the preview on a phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Confirm the new preview").click()
    page.wait_for_url(re.compile(r"/invoices/runs/\d+/$"))
    assert DraftInvoice.objects.filter(run=run).count() == 0
    page.get_by_role("button", name="Create drafts").click()
    page.wait_for_selector("[data-run-progress]")
    page.wait_for_function(
        "() => { const bar = document.querySelector('[data-run-progress] progress');"
        " return bar && Number(bar.value) === 100; }",
        timeout=SYNC_TIMEOUT_MS,
    )
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.COMPLETED, run.error
    assert run.drafts_total >= 1
    # The confirmed preview is what was created: the rate FreshBooks holds now.
    billed_rates = {
        line.unit_cost for line in DraftLine.objects.filter(draft__run=run, name=project.title)
    }
    assert billed_rates == {new_rate}, billed_rates
    assert (
        not DraftInvoice.objects.filter(run=run)
        .filter(entries__time_entry_freshbooks_id=int(entry_id))
        .exists()
    )
    shots.take("drafts created")
    page_checks.assert_clean()
