"""Which expenses a draft rebills (FreshBooks' three choices) and the line each becomes."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.billing import Period
from invoicing.billing.errors import BillingOptionsError
from invoicing.billing.expenses import (
    EXPENSES_ALL,
    EXPENSES_NONE,
    EXPENSES_PROJECTS,
    ExpenseFacts,
    ExpenseNotBilled,
    decide_expense,
)
from invoicing.billing.taxes import Tax

MARCH = Period(date(2024, 3, 1), date(2024, 3, 31))
HST = Tax("HST", Decimal(13))
LUNCH = ExpenseFacts(
    freshbooks_id=23456,
    client_id=7,
    project_id=70,
    date=date(2024, 3, 12),
    amount=Decimal("54.00"),
    currency_code="CAD",
    tax_name1="HST",
    tax_amount1=Decimal("6.21"),
    vendor="Serano Bakery",
    notes="For lunch",
)


def decide(expense=LUNCH, **options):
    arguments = {
        "period": MARCH,
        "choice": EXPENSES_ALL,
        "project_ids": {70},
        "client_currency": "CAD",
        "known_taxes": [HST],
        **options,
    }
    return decide_expense(expense, **arguments)


def test_the_recorded_expense_is_rebilled_before_tax_with_its_own_tax():
    """54.00 holding 6.21 of HST: a 47.79 line with HST 13% on it, as the client paid it."""
    line = decide().line
    assert line is not None
    assert line.unit_cost == Decimal("47.79")
    assert line.taxes.first == Tax("HST", Decimal(13))
    assert line.payload("CAD") == {
        "type": 1,
        "expenseid": 23456,
        "name": "Serano Bakery",
        "description": "For lunch",
        "qty": "1",
        "unit_cost": {"amount": "47.79", "code": "CAD"},
        "taxName1": "HST",
        "taxAmount1": "13.00",
    }


def test_markup_is_applied_to_the_amount_before_tax():
    line = decide(replace(LUNCH, markup_percent=Decimal("10"))).line
    assert line is not None and line.unit_cost == Decimal("52.57")  # 47.79 × 1.10 = 52.569


@pytest.mark.parametrize(
    ("change", "options", "reason"),
    [
        ({"active": False}, {}, ExpenseNotBilled.DELETED),
        ({"invoice_id": 987}, {}, ExpenseNotBilled.ALREADY_BILLED),
        ({}, {"reserved": {23456}}, ExpenseNotBilled.ALREADY_BILLED),
        ({"billable": False}, {}, ExpenseNotBilled.NOT_BILLABLE),
        ({"date": date(2024, 4, 1)}, {}, ExpenseNotBilled.OUTSIDE_PERIOD),
        ({}, {"choice": EXPENSES_NONE}, ExpenseNotBilled.LEFT_OUT),
        ({"project_id": 71}, {"choice": EXPENSES_PROJECTS}, ExpenseNotBilled.LEFT_OUT),
        ({"amount": None}, {}, ExpenseNotBilled.NO_AMOUNT),
        ({"currency_code": "C$"}, {}, ExpenseNotBilled.UNKNOWN_CURRENCY),
        ({"currency_code": "USD"}, {}, ExpenseNotBilled.OTHER_CURRENCY),
        ({"tax_name2": "PST"}, {}, ExpenseNotBilled.UNUSABLE_TAX),
    ],
)
def test_each_reason_an_expense_is_not_billed(change, options, reason):
    decision = decide(replace(LUNCH, **change), **options)
    assert (decision.line, decision.reason) == (None, reason)


def test_another_currency_says_which_two():
    decision = decide(replace(LUNCH, currency_code="USD"))
    assert decision.detail == "The expense is in USD, the client is billed in CAD."


def test_only_the_chosen_projects_keeps_expenses_on_them():
    assert decide(choice=EXPENSES_PROJECTS).line is not None


def test_an_unknown_choice_is_an_options_error():
    with pytest.raises(BillingOptionsError):
        decide(choice="some")


@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=10_000, places=2),
    currency=st.sampled_from(["CAD", "USD", "EUR", "", "usd"]),
    choice=st.sampled_from([EXPENSES_ALL, EXPENSES_PROJECTS, EXPENSES_NONE]),
)
def test_an_expense_in_another_currency_is_never_billed(amount, currency, choice):
    decision = decide(replace(LUNCH, amount=amount, currency_code=currency), choice=choice)
    if currency != "CAD":
        assert decision.line is None
    if decision.line is not None:
        assert decision.line.unit_cost >= 0
    if amount < Decimal("6.21"):  # less than the tax it says it holds
        assert decision.reason in (ExpenseNotBilled.UNUSABLE_TAX, ExpenseNotBilled.LEFT_OUT) or (
            currency != "CAD"
        )
