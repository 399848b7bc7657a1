"""In a real browser: pick the business's taxes on the Rates page (GST, and QST compound on it),
preview (each invoice card shows its subtotal, each tax as "GST (5%) $12.34" and the total; the
summary table shows them too), create the drafts and see each row's taxes on the run page. Every
page passes the wording, axe-core and 390px phone checks; screenshots are kept."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from invoicing.models import DraftInvoice, TaxDefault
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_run_page_journey import (
    DESKTOP,
    PHONE,
    sign_in,
    wait_until_every_row_is_done,
)
from tests.factories import UserFactory
from tests.invoicing.drafts.conftest import connect_and_sync, sync_business

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_taxes_picked_on_the_rates_page_show_on_the_preview_and_the_run_page(
    running_app, app_sandbox, browser_page, screenshots, page_checks
):
    page, base_url = browser_page, running_app.url
    user = UserFactory()
    business = connect_and_sync(app_sandbox, user=user, time_entries=80, months=2, clients=3)
    business = business.business
    for name, amount, compound in (("GST", "5", False), ("QST", "9.975", True)):
        app_sandbox.control.act_create(
            business.business_id, "taxes", name=name, amount=amount, compound=compound
        )
    sync_business(business)
    sign_in(page, base_url, user)

    page.goto(f"{base_url}/businesses/{business.pk}/rates/#taxes")
    taxes = page.locator("#taxes")
    assert "GST (5%)" in taxes.inner_text() and "QST (9.975%), compound" in taxes.inner_text()
    page.select_option("#id_applies_to", "business")
    page.get_by_label("GST (5%)").check()
    page.get_by_label("QST (9.975%), compound").check()
    page.get_by_role("button", name="Save taxes").click()
    page.wait_for_url(re.compile(r"/rates/"))
    assert (
        "Time of the whole business now carries GST (5%) and QST (9.975%), compound."
        in page.inner_text("body")
    )
    assert TaxDefault.objects.filter(business=business).count() == 1
    page_checks.check("rates page with taxes")
    screenshots.take("rates page with taxes")

    page.goto(f"{base_url}/businesses/{business.pk}/invoices/new/")
    page.select_option("#id_period", "custom")
    page.fill("#id_start", (date.today() - timedelta(days=100)).isoformat())
    page.fill("#id_end", (date.today() + timedelta(days=1)).isoformat())
    page.select_option("#id_grouping", "service")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r"/invoices/runs/\d+/$"))
    card = page.locator(".invoice-card").first
    footer = card.locator("tfoot").inner_text()
    assert "Subtotal" in footer and "GST (5%)" in footer and "QST (9.975%)" in footer
    assert re.search(r"GST \(5%\)\s+\$[\d,]+\.\d\d", footer), footer
    summary = page.locator("#preview-summary").inner_text()
    assert "GST (5%) $" in summary and "QST (9.975%) $" in summary
    page_checks.check("preview with taxes")
    screenshots.take("preview with taxes")
    page.set_viewport_size(PHONE)
    page.locator("#preview-summary").screenshot(path=str(SCREENSHOTS / "taxes-phone-summary.png"))
    card.locator("tfoot").screenshot(path=str(SCREENSHOTS / "taxes-phone-card-totals.png"))
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Create drafts").click()
    page.wait_for_selector("tr[data-draft-id]")
    wait_until_every_row_is_done(page)
    page.reload()
    row = page.locator("tr[data-draft-id] [data-cell='taxes']").first
    assert re.search(r"Subtotal \$[\d,]+\.\d\d · GST \(5%\) \$[\d,.]+ · QST", row.inner_text())
    drafts = DraftInvoice.objects.filter(business=business)
    assert drafts and all(draft.freshbooks_total == draft.total for draft in drafts)
    page_checks.check("run page with taxes")
    screenshots.take("run page with taxes")
    page_checks.assert_clean()
