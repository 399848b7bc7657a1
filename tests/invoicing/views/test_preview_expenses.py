"""Expenses on the preview pages: FreshBooks' three choices on the new-preview form and the
billing defaults, expense lines on the preview cards, the run page and the draft page, and the
expenses not billed with their reason.

As in test_preview.py, the business never synced, so planning uses the mirror as it is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import unescape

import pytest

from invoicing.drafts import invoice_run_create, invoice_run_preview
from invoicing.models import BillingPolicy, Client, DraftExpense, InvoiceRun
from tests.factories import ExpenseFactory, TaxFactory
from tests.invoicing.views.test_preview import business, form_data, owner, url  # noqa: F401

pytestmark = pytest.mark.django_db

MAY = {"period": "custom", "start": "2024-05-01", "end": "2024-05-31", "grouping": "project"}
CHOICE_WORDS = (
    "All of the client&#x27;s unbilled expenses in the period",
    "Only expenses on the chosen projects",
    "No expenses",
)


@pytest.fixture
def expenses(business):  # noqa: F811
    """Acme: a taxi with HST on Website and paper with 10% markup on no project; a hotel in EUR.
    Initech has an expense and no time."""
    TaxFactory(business=business, name="HST", percent=Decimal(13))
    Client.objects.create(business=business, freshbooks_id=12, display_name="Initech")
    common = {"business": business, "billable": True, "status": 1}
    return {
        "taxi": ExpenseFactory(
            **common,
            freshbooks_id=9001,
            client_freshbooks_id=10,
            project_freshbooks_id=70,
            date=date(2024, 5, 10),
            amount=Decimal("113.00"),
            vendor="Uber",
            notes="Airport run",
            tax_name1="HST",
            tax_percent1=Decimal(13),
            tax_amount1=Decimal("13.00"),
        ),
        "paper": ExpenseFactory(
            **common,
            freshbooks_id=9002,
            client_freshbooks_id=10,
            date=date(2024, 5, 12),
            amount=Decimal("40.00"),
            markup_percent=Decimal(10),
            vendor="Staples",
        ),
        "hotel": ExpenseFactory(
            **common,
            freshbooks_id=9003,
            client_freshbooks_id=10,
            date=date(2024, 5, 14),
            amount=Decimal("200.00"),
            currency_code="EUR",
            vendor="Hotel Adlon",
        ),
        "lunch": ExpenseFactory(
            **common,
            freshbooks_id=9004,
            client_freshbooks_id=12,
            date=date(2024, 5, 20),
            amount=Decimal("25.00"),
            vendor="Serano Bakery",
        ),
    }


def drafts_by_client(run) -> dict[str, dict]:
    return {draft["client_name"]: draft for draft in run.preview["drafts"]}


def test_the_new_preview_form_offers_freshbooks_three_choices_in_words(owner, business):  # noqa: F811
    page = owner.get(url("new", business))

    html = page.content.decode()
    assert all(words in html for words in CHOICE_WORDS)
    assert page.context["form"].initial["expenses"] == "all"


def test_the_preview_card_shows_each_expense_line_and_the_expense_in_another_currency_apart(
    owner,  # noqa: F811
    business,  # noqa: F811
    expenses,
):
    response = owner.post(url("new", business), form_data())
    run = InvoiceRun.objects.get(business=business)
    assert response.status_code == 302

    acme = drafts_by_client(run)["Acme Corp"]
    assert [(line["name"], line["amount"]) for line in acme["expense_lines"]] == [
        ("Uber", "100.00"),  # 113.00 less its 13.00 of HST, the tax on top again
        ("Staples", "44.00"),  # 40.00 with its 10% markup
    ]
    assert acme["expense_lines"][0]["taxes"] == ["HST (13%)"]
    page = unescape(owner.get(url("run", business, run_pk=run.pk)).content.decode())
    assert "Airport run" in page and "2024-05-10" in page
    assert "Spent $113.00 with HST (13%)" in page
    assert "Spent $40.00, 10% markup" in page
    assert acme["taxes"] == [
        {"name": "HST", "percent": "13.00", "label": "HST (13%)", "amount": "13.00"}
    ]
    assert Decimal(acme["total"]) == Decimal(acme["subtotal"]) + Decimal("13.00")
    assert "hours billed, 2 expenses, in USD" in page  # Acme
    assert '<p class="muted">1 expense, in USD</p>' in page  # Initech: no time
    assert "with the clients' unbilled expenses" in page
    assert "Expenses not billed (1)" in page
    assert "Hotel Adlon" in page and "Another currency" in page
    assert "The expense is in EUR, the client is billed in USD." in page


def test_a_client_with_expenses_and_no_time_gets_a_draft_of_its_expenses(business, expenses):  # noqa: F811
    run = invoice_run_preview(business=business, raw_options=MAY)

    initech = drafts_by_client(run)["Initech"]
    assert initech["entry_count"] == 0 and initech["lines"] == []
    assert [line["expense_id"] for line in initech["expense_lines"]] == [9004]
    assert initech["total"] == "25.00"


@pytest.mark.parametrize(
    ("choice", "billed", "summary"),
    [
        ("projects", [9001], "with the expenses on the chosen projects"),
        ("none", [], "without expenses"),
    ],
)
def test_the_choice_on_the_form_is_kept_on_the_run_and_decides_the_lines(
    owner,  # noqa: F811
    business,  # noqa: F811
    expenses,
    choice,
    billed,
    summary,
):
    owner.post(url("new", business), form_data(expenses=choice))

    run = InvoiceRun.objects.get(business=business)
    assert run.options["expenses"] == choice
    acme = drafts_by_client(run)["Acme Corp"]
    assert [line["expense_id"] for line in acme["expense_lines"]] == billed
    left_out = {
        item["expense_id"]
        for item in run.preview["expenses_not_billed"]
        if item["reason"] == "left_out"
    }
    assert 9002 in left_out
    assert summary in unescape(owner.get(url("run", business, run_pk=run.pk)).content.decode())


def test_the_billing_default_is_saved_and_starts_the_next_preview(owner, business, expenses):  # noqa: F811
    response = owner.post(
        url("policy", business),
        {
            "grouping": "project",
            "rounding_increment": "0",
            "rounding_direction": "up",
            "rounding_level": "entry",
            "expenses": "none",
        },
    )

    assert response.status_code == 302
    assert BillingPolicy.objects.get(business=business).expenses == "none"
    assert owner.get(url("new", business)).context["form"].initial["expenses"] == "none"
    run = invoice_run_preview(business=business, raw_options=MAY)
    assert all(draft["expense_lines"] == [] for draft in run.preview["drafts"])


def test_an_unknown_choice_is_a_form_error_not_a_500(owner, business):  # noqa: F811
    response = owner.post(url("new", business), form_data(expenses="some"))

    assert response.status_code == 400
    assert "expenses" in response.context["form"].errors
    assert not InvoiceRun.objects.exists()


def test_created_drafts_reserve_their_expenses_and_the_draft_page_lists_them(
    owner,  # noqa: F811
    business,  # noqa: F811
    expenses,
):
    run = invoice_run_preview(business=business, raw_options=MAY)
    run = invoice_run_create(run_id=run.pk, user=business.connection.user)

    links = DraftExpense.objects.filter(draft__run=run)
    assert sorted(links.values_list("expense_freshbooks_id", flat=True)) == [9001, 9002, 9004]
    taxi = links.get(expense_freshbooks_id=9001)
    assert taxi.taxes == {"taxName1": "HST", "taxAmount1": "13.00"}
    page = unescape(owner.get(url("draft", business, draft_pk=taxi.draft_id)).content.decode())
    assert "Expense #9001, with HST" in page and "Airport run" in page
    again = invoice_run_preview(business=business, raw_options=MAY)
    reasons = {item["expense_id"]: item["reason"] for item in again.preview["expenses_not_billed"]}
    assert reasons[9001] == reasons[9002] == reasons[9004] == "already_billed"
