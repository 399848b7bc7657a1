"""Expenses on a run's drafts: each client's billable expenses become lines of its draft, with
markup and their own taxes; every other expense is listed with its reason."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from invoicing.billing import (
    EXPENSES_NONE,
    EXPENSES_PROJECTS,
    BillingInputError,
    ClientFacts,
    ExpenseFacts,
    ExpenseNotBilled,
    Tax,
    draft_unique_key,
    plan_drafts,
)
from invoicing.billing.inputs import CLIENT_ARCHIVED
from invoicing.billing.taxes import invoice_totals
from tests.invoicing.billing.builders import (
    ACME,
    BETA,
    BUSINESS,
    COBALT,
    WEBSITE,
    entry,
    options,
    standard_catalog,
)

HST = Tax("HST", Decimal(13))
TAXI = ExpenseFacts(
    freshbooks_id=501,
    client_id=ACME,
    project_id=WEBSITE,
    date=date(2024, 5, 12),
    amount=Decimal("113.00"),
    currency_code="USD",
    tax_name1="HST",
    tax_percent1=Decimal(13),
    tax_amount1=Decimal("13.00"),
    vendor="Uber",
    notes="Airport",
)
PAPER = ExpenseFacts(
    freshbooks_id=502,
    client_id=ACME,
    project_id=None,
    date=date(2024, 5, 20),
    amount=Decimal("40.00"),
    currency_code="USD",
    markup_percent=Decimal(10),
    vendor="Staples",
)


def plan_with(facts, entries=(), catalog=None, reserved=frozenset(), **option_values):
    return plan_drafts(
        entries=list(entries),
        catalog=catalog or standard_catalog(),
        rules=[],
        options=options(**option_values),
        business=BUSINESS,
        business_key="business-8675309",
        expenses=facts,
        reserved_expense_ids=reserved,
        known_taxes=[HST],
    )


def not_billed(plan) -> dict[int, ExpenseNotBilled]:
    return {
        item.expense.freshbooks_id: item.reason
        for item in plan.expenses_not_billed
        if item.reason is not None
    }


def test_expenses_follow_the_clients_time_lines_with_markup_and_their_own_tax():
    plan = plan_with([TAXI, PAPER], entries=[entry(1, minutes=60)])

    [draft] = plan.drafts
    assert [line.amount for line in draft.lines] == [Decimal("100.00")]  # Website at 100.00
    assert [(line.expense_id, line.unit_cost) for line in draft.expense_lines] == [
        (501, Decimal("100.00")),  # 113.00 less its 13.00 of HST
        (502, Decimal("44.00")),  # 40.00 with 10% markup
    ]
    assert draft.expense_lines[0].taxes.first == HST
    assert draft.expense_ids == (501, 502)
    # 100 + 100 + 44 before tax, 13.00 of HST on the taxi only.
    assert draft.total == Decimal("257.00")
    assert invoice_totals(draft.taxed_lines()).total == draft.total
    assert plan.totals_by_currency == {"USD": Decimal("257.00")}


def test_a_client_with_expenses_and_no_billable_time_still_gets_a_draft():
    plan = plan_with([PAPER])

    [draft] = plan.drafts
    assert draft.client_id == ACME
    assert draft.lines == () and draft.entry_ids == ()
    assert draft.total == Decimal("44.00")
    assert not draft.blocked


def test_an_expense_in_another_currency_than_its_client_is_listed_not_billed():
    euros = replace(PAPER, freshbooks_id=503, currency_code="EUR")

    plan = plan_with([euros])

    assert plan.drafts == ()
    [item] = plan.expenses_not_billed
    assert item.reason == ExpenseNotBilled.OTHER_CURRENCY
    assert "EUR" in item.detail and "USD" in item.detail
    assert item.reason.shown_in_preview


def test_an_expense_already_on_one_of_our_drafts_is_not_billed_again():
    plan = plan_with([TAXI, PAPER], reserved={501})

    assert plan.drafts[0].expense_ids == (502,)
    assert not_billed(plan) == {501: ExpenseNotBilled.ALREADY_BILLED}


@pytest.mark.parametrize(
    ("choice", "billed", "left_out"),
    [
        ("all", (501, 502), set()),
        (EXPENSES_PROJECTS, (501,), {502}),  # the paper is on no project
        (EXPENSES_NONE, (), {501, 502}),
    ],
)
def test_freshbooks_three_choices(choice, billed, left_out):
    plan = plan_with([TAXI, PAPER], entries=[entry(1)], expenses=choice)

    assert plan.drafts[0].expense_ids == billed
    assert {
        expense_id
        for expense_id, reason in not_billed(plan).items()
        if reason == ExpenseNotBilled.LEFT_OUT
    } == left_out


def test_only_the_chosen_projects_leave_out_a_project_the_user_unticked():
    plan = plan_with([TAXI], expenses=EXPENSES_PROJECTS, excluded_project_ids=frozenset({WEBSITE}))

    assert plan.drafts == ()
    assert not_billed(plan) == {501: ExpenseNotBilled.LEFT_OUT}


def test_the_clients_own_reasons_no_client_archived_or_left_out():
    catalog = standard_catalog()
    clients = dict(catalog.clients)
    clients[COBALT] = ClientFacts(COBALT, "Cobalt", "USD", status=CLIENT_ARCHIVED)
    catalog = replace(catalog, clients=clients)
    expenses = [
        replace(PAPER, freshbooks_id=601, client_id=None),
        replace(PAPER, freshbooks_id=602, client_id=COBALT),
        replace(PAPER, freshbooks_id=603, client_id=BETA, currency_code="CAD"),
        replace(PAPER, freshbooks_id=604, client_id=999),  # not synced yet
    ]

    plan = plan_with(expenses, catalog=catalog, excluded_client_ids=frozenset({BETA}))

    assert plan.drafts == ()
    assert not_billed(plan) == {
        601: ExpenseNotBilled.NO_CLIENT,
        602: ExpenseNotBilled.CLIENT_ARCHIVED,
        603: ExpenseNotBilled.LEFT_OUT,
        604: ExpenseNotBilled.NO_CLIENT,
    }


def test_a_draft_without_expenses_keeps_its_key_and_one_with_expenses_gets_its_own():
    time_only = plan_with([], entries=[entry(1)]).drafts[0]
    with_paper = plan_with([PAPER], entries=[entry(1)]).drafts[0]

    assert time_only.unique_key == draft_unique_key("business-8675309", ACME, [1])
    assert with_paper.unique_key == draft_unique_key("business-8675309", ACME, [1], [502])
    assert with_paper.unique_key != time_only.unique_key


def test_an_expense_given_twice_is_refused():
    with pytest.raises(BillingInputError, match="given twice"):
        plan_with([PAPER, PAPER])


def test_an_unpriced_time_hold_holds_the_expenses_of_that_client_too():
    unpriced = entry(2, project_id=None, service_id=None)  # Acme's time with no rate

    plan = plan_with([PAPER], entries=[unpriced], unpriced="hold")

    [draft] = plan.drafts
    assert draft.blocked and draft.expense_ids == (502,)
    assert plan.totals_by_currency == {}
