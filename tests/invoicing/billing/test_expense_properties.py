"""Invariants of expenses on any plan (hypothesis): no expense billed twice, within a run or across
runs; an expense in another currency than its client's never billed; every expense accounted for."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.billing import (
    EXPENSE_CHOICES,
    ExpenseFacts,
    ExpenseNotBilled,
    Tax,
    plan_drafts,
)
from invoicing.billing.taxes import invoice_totals

from .builders import ACME, APP, BETA, BUSINESS, COBALT, WEBSITE, options, standard_catalog
from .test_properties import entry_lists

BOUNDED = settings(max_examples=200, deadline=None)
CATALOG = standard_catalog()
HST = Tax("HST", Decimal(13))
GST = Tax("GST", Decimal(5))


def client_currency(client_id: int | None) -> str | None:
    client = CATALOG.clients.get(client_id) if client_id is not None else None
    return (client.currency_code or BUSINESS.currency_code) if client else None


@st.composite
def expenses(draw) -> ExpenseFacts:
    amount = draw(st.none() | st.decimals(min_value=0, max_value=5000, places=2))
    tax = draw(st.sampled_from([None, HST, GST]))
    held = None
    if tax is not None and amount is not None:
        held = (amount - amount / (1 + tax.percent / 100)).quantize(Decimal("0.01"))
    return ExpenseFacts(
        freshbooks_id=0,
        client_id=draw(st.sampled_from([ACME, ACME, BETA, COBALT, None, 404])),
        project_id=draw(st.sampled_from([WEBSITE, APP, None])),
        date=draw(st.sampled_from([date(2024, 5, 1) + timedelta(days=d) for d in range(-2, 33)])),
        amount=amount,
        currency_code=draw(st.sampled_from(["USD", "USD", "CAD", "EUR", "", "usd"])),
        billable=draw(st.sampled_from([True] * 6 + [False])),
        active=draw(st.sampled_from([True] * 6 + [False])),
        invoice_id=draw(st.sampled_from([None] * 6 + [77])),
        markup_percent=draw(st.sampled_from([Decimal(0), Decimal(10), Decimal("12.5")])),
        tax_name1=tax.name if tax else "",
        tax_percent1=draw(st.sampled_from([tax.percent, None])) if tax else None,
        tax_amount1=held,
    )


@st.composite
def expense_lists(draw) -> list[ExpenseFacts]:
    drawn = draw(st.lists(expenses(), max_size=12))
    ids = draw(
        st.lists(
            st.integers(min_value=1, max_value=500),
            min_size=len(drawn),
            max_size=len(drawn),
            unique=True,
        )
    )
    return [
        replace(item, freshbooks_id=expense_id) for item, expense_id in zip(drawn, ids, strict=True)
    ]


scenarios = st.fixed_dictionaries(
    {
        "entries": entry_lists(),
        "expenses": expense_lists(),
        "reserved": st.frozensets(st.integers(min_value=1, max_value=500), max_size=20),
        "choice": st.sampled_from(sorted(EXPENSE_CHOICES)),
        "excluded_clients": st.frozensets(st.sampled_from([ACME, BETA, COBALT]), max_size=1),
        "unpriced": st.sampled_from(["hold", "leave_unbilled", "bill_zero"]),
    }
)


def plan(scenario, *, reserved=None):
    return plan_drafts(
        entries=scenario["entries"],
        catalog=CATALOG,
        rules=[],
        options=options(
            expenses=scenario["choice"],
            excluded_client_ids=scenario["excluded_clients"],
            unpriced=scenario["unpriced"],
        ),
        business=BUSINESS,
        business_key="business-1",
        expenses=scenario["expenses"],
        reserved_expense_ids=scenario["reserved"] if reserved is None else reserved,
        known_taxes=[HST, GST],
    )


def billed_ids(result) -> list[int]:
    return [expense_id for draft in result.drafts for expense_id in draft.expense_ids]


@BOUNDED
@given(scenarios)
def test_every_expense_is_billed_once_or_listed_once_and_never_in_another_currency(scenario):
    result = plan(scenario)
    by_id = {expense.freshbooks_id: expense for expense in scenario["expenses"]}

    billed = billed_ids(result)
    listed = [item.expense.freshbooks_id for item in result.expenses_not_billed]
    assert len(billed) == len(set(billed)), "an expense is on two lines"
    assert len(listed) == len(set(listed))
    assert set(billed) | set(listed) == set(by_id) and not set(billed) & set(listed)
    assert not set(billed) & scenario["reserved"], "an expense already on a draft billed again"
    for draft in result.drafts:
        assert invoice_totals(draft.taxed_lines()).total == draft.total
        for expense_id in draft.expense_ids:
            expense = by_id[expense_id]
            assert expense.client_id == draft.client_id
            assert expense.currency_code == draft.currency_code == client_currency(draft.client_id)
            assert expense.active and expense.billable and expense.invoice_id is None
    other_currency = {
        expense.freshbooks_id
        for expense in scenario["expenses"]
        if client_currency(expense.client_id) not in (None, expense.currency_code)
    }
    assert not other_currency & set(billed), "an expense in another currency was billed"
    for item in result.expenses_not_billed:
        if item.reason == ExpenseNotBilled.OTHER_CURRENCY:
            assert item.expense.freshbooks_id in other_currency


@BOUNDED
@given(scenarios)
def test_a_second_run_never_bills_an_expense_the_first_one_reserved(scenario):
    first = plan(scenario)
    reserved = scenario["reserved"] | set(billed_ids(first))

    second = plan(scenario, reserved=frozenset(reserved))

    assert not set(billed_ids(first)) & set(billed_ids(second))
    assert billed_ids(second) == [], "every billable expense went on the first run's drafts"
