"""In a real browser: FreshBooks' three expense choices on the new-preview form, the clients'
billable expenses as lines of their drafts (date, vendor, notes, amount, taxes), the expense in
another currency listed apart, then the drafts created with their expense lines, which FreshBooks
marks billed. Screenshots on a desktop and a phone; wording and axe checks on each page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from invoicing.models import DraftExpense, InvoiceRun
from tests.e2e.test_run_page_journey import both_sizes, sign_in, wait_until_every_row_is_done
from tests.factories import UserFactory
from tests.invoicing.drafts.conftest import connect_and_sync, sandbox_expenses

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CHOICES = (
    "All of the client's unbilled expenses in the period",
    "Only expenses on the chosen projects",
    "No expenses",
)


def test_expenses_are_chosen_previewed_line_by_line_and_billed_once(
    running_app, app_sandbox, browser_page, screenshots, page_checks
):
    page, shots, base_url = browser_page, screenshots, running_app.url
    user = UserFactory()
    # The second seeded business is the Canadian one: its expenses carry HST.
    seeded = connect_and_sync(
        app_sandbox, user=user, time_entries=80, months=2, clients=4, business_index=1
    )
    business = seeded.business
    sign_in(page, base_url, user)

    page.goto(f"{base_url}/businesses/{business.pk}/invoices/new/")
    for words in CHOICES:
        assert page.get_by_label(words).is_visible()
    assert page.get_by_label(CHOICES[0]).is_checked()  # the business default
    page.select_option("#id_period", "custom")
    page.fill("#id_start", (date.today() - timedelta(days=100)).isoformat())
    page.fill("#id_end", (date.today() + timedelta(days=1)).isoformat())
    page.get_by_label("Leave unpriced time unbilled and bill the rest").check()
    both_sizes(page, shots, "new preview form")
    page_checks.check("new preview form")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r"/invoices/runs/\d+/$"))

    run = InvoiceRun.objects.get(business=business)
    lines = [line for draft in run.preview["drafts"] for line in draft["expense_lines"]]
    assert lines
    first = page.locator("tr.expense-line").first
    assert first.is_visible()
    text = first.inner_text()
    assert lines[0]["name"] in text and lines[0]["date"] in text and "Expense" in text
    assert "HST (13%)" in page.locator("table.invoice-lines").first.inner_text() or any(
        "HST (13%)" in line["taxes"] for line in lines[1:]
    )
    not_billed = page.locator("#expenses-not-billed-table")
    assert "Another currency" in not_billed.inner_text()
    assert "with the clients' unbilled expenses" in page.content().replace("&#x27;", "'")
    both_sizes(page, shots, "preview with expense lines")
    page_checks.check("preview with expense lines")

    page.get_by_role("button", name="Create drafts").click()
    page.wait_for_selector("tr[data-draft-id]")
    wait_until_every_row_is_done(page)
    both_sizes(page, shots, "run page with expense lines")
    page_checks.check("run page with expense lines")

    links = list(DraftExpense.objects.filter(draft__run=run).select_related("draft"))
    assert sorted(link.expense_freshbooks_id for link in links) == sorted(
        line["expense_id"] for line in lines
    )
    remote = sandbox_expenses(app_sandbox, business)
    for link in links:
        link.draft.refresh_from_db()
        assert remote[link.expense_freshbooks_id]["invoiceid"] == link.draft.freshbooks_invoice_id
    draft = links[0].draft
    page.goto(f"{base_url}/businesses/{business.pk}/invoices/drafts/{draft.pk}/")
    assert page.locator(f'tr[data-expense="{links[0].expense_freshbooks_id}"]').is_visible()
    both_sizes(page, shots, "draft page with expense lines")
    page_checks.check("draft page with expense lines")
    page_checks.assert_clean()
